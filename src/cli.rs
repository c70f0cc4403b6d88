//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Decides which families get an independent supporter, and how.
#[derive(Debug, Parser)]
#[command(name = "caseload", version = caseload_sim::VERSION, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Plan next week: assign waiting referrals to supporters, optimally, and explain.
    Allocate(AllocateArgs),
    /// Benchmark referral policies over months, with confidence intervals.
    Simulate(SimulateArgs),
    /// Split a national budget across the areas by a rule, and see what it buys.
    Funding(FundingArgs),
    /// Rank the supporters who could take one family now: the week's best total
    /// score with the family placed with each, re-optimised, and why the others cannot.
    Recommend(RecommendArgs),
    /// Check a provider's two files (and a week) without planning: counts and warnings.
    Validate(crate::validate::ValidateArgs),
    /// Write empty supporters.csv and referrals.csv with their headers, an example row
    /// each and a README of the columns, to start from a spreadsheet.
    Template(crate::validate::TemplateArgs),
    /// The coordinator's week in a browser: import, plan, explain, pin and forbid,
    /// recommend, accept, history; the register kept in one SQLite file.
    Serve(ServeArgs),
    /// Sweeps beyond one machine: plan a study's tasks, run one shard of them (a Slurm
    /// array task, a Kubernetes Indexed Job pod), merge the shards' results.
    #[command(subcommand)]
    Study(StudyCommand),
}

#[derive(Debug, Subcommand)]
pub enum StudyCommand {
    /// Print the study's tasks, and write its manifest (with the content hash) into
    /// --out.
    Plan {
        /// The study file (TOML).
        study: PathBuf,
        /// The results folder, to write `manifest.json` into.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Show which shard runs each task when split N ways.
        #[arg(long, value_name = "N")]
        of: Option<u32>,
    },
    /// Run shard I of N: the tasks whose index is I modulo N; each task's rows go to
    /// DIR/task=NNNNNN/part-I.parquet, written whole or not at all.
    Run {
        /// The study file (TOML).
        study: PathBuf,
        /// This shard, 0 to N-1 [default: SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX].
        #[arg(long, value_name = "I")]
        shard: Option<u32>,
        /// The number of shards [default: SLURM_ARRAY_TASK_COUNT].
        #[arg(long, value_name = "N")]
        of: Option<u32>,
        /// The results folder (shared by every shard).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Worker threads [default: one per core].
        #[arg(long, value_name = "N", value_parser = threads, allow_negative_numbers = true)]
        threads: Option<usize>,
    },
    /// Check the results folder against its manifest, name missing tasks and the
    /// shards to run again, and write the summary (JSON, CSV, charts) into DIR/summary.
    Merge {
        /// The results folder.
        dir: PathBuf,
        /// Also write the summary JSON here.
        #[arg(long, value_name = "FILE.json")]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The database file, created with its schema on first run.
    #[arg(long, value_name = "FILE.sqlite")]
    pub db: PathBuf,
    /// The address to listen on. Anything but loopback needs --token or --token-file.
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8080")]
    pub bind: std::net::SocketAddr,
    /// A token (at least 16 characters) every request must carry, as
    /// `Authorization: Bearer TOKEN` or through `/login?token=TOKEN` in the browser.
    #[arg(long, value_name = "TOKEN", conflicts_with = "token_file")]
    pub token: Option<String>,
    /// Reads the token from a file (its first line), so that it is not in the shell's
    /// history or the process list.
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct FundingArgs {
    /// The funding scenario (TOML): budget, period, costs, demand and the rule.
    #[arg(long, value_name = "FILE", conflicts_with = "compare")]
    pub scenario: Option<PathBuf>,
    /// Several scenarios side by side (two or more).
    // One value is taken here and refused in `funding::run`: with `2..`, clap reads
    // `--scenario A --compare B` as too few values, not as the two options combined.
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub compare: Vec<PathBuf>,
    /// The areas table [default: England's 152 areas, 2014-2017, embedded].
    #[arg(long, value_name = "FILE")]
    pub areas: Option<PathBuf>,
    /// Run the scenario over a grid of one numeric parameter, in parallel:
    /// KEY=LO..HI:STEP, e.g. budget=10e6..40e6:2.5e6 or costs.paid_hourly_gbp=15..25:1.
    #[arg(long, value_name = "KEY=LO..HI:STEP")]
    pub sweep: Option<String>,
    /// Output format [default: table on a terminal, else json; with --out, by extension]:
    /// json = the split(s), summary, assumptions and warnings, for programs;
    /// csv = one row per area (per scenario and area with --compare, per point with
    /// --sweep), the assumptions as columns; table = the summary, the assumptions and
    /// the areas for people, as Markdown.
    #[arg(
        long,
        short = 'f',
        value_enum,
        hide_possible_values = true,
        value_name = "json|csv|table"
    )]
    pub format: Option<Format>,
    /// Write the output to this file, whole or not at all, in the format its extension
    /// names: .json, .csv, .parquet, .md or .txt (a table); `-` is standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Also draw an SVG chart: coverage by area (with --simulate, beside the
    /// simulation's), or families supported against the swept parameter.
    #[arg(long, value_name = "FILE.svg")]
    pub chart: Option<PathBuf>,
    /// Also run each area's funded supporters through the weekly simulation (random
    /// arrivals, the 20-week clock, volunteer attrition), beside the closed form; with
    /// --compare, every scenario's.
    #[arg(long)]
    pub simulate: bool,
    /// With --simulate: replications per area.
    #[arg(long, value_name = "N", default_value_t = 20, requires = "simulate")]
    pub replications: u32,
    /// With --simulate: the referral policy (fifo, priority, deadline, lottery, optimal,
    /// optimal_equity).
    #[arg(
        long,
        value_name = "NAME",
        default_value = "optimal",
        requires = "simulate"
    )]
    pub policy: String,
    /// With --simulate: the seed.
    #[arg(
        long,
        value_name = "S",
        default_value_t = 2015,
        requires = "simulate",
        allow_negative_numbers = true
    )]
    pub seed: u64,
    /// Worker threads for the sweep's points and the simulation's areas [default: one
    /// per core]; the results are the same whatever the number.
    #[arg(long, value_name = "N", value_parser = threads, allow_negative_numbers = true)]
    pub threads: Option<usize>,
}

#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// The scenario (TOML): supporters, arrivals, families, the EHC clock.
    #[arg(long, value_name = "FILE")]
    pub scenario: PathBuf,
    /// Policies to compare, comma-separated [default: fifo,priority,deadline,lottery,optimal;
    /// also optimal_equity].
    #[arg(long, value_name = "LIST")]
    pub policies: Option<String>,
    /// Replications (overrides the scenario).
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub replications: Option<u32>,
    /// Seed of the random streams (overrides the scenario).
    #[arg(long, value_name = "S", allow_negative_numbers = true)]
    pub seed: Option<u64>,
    /// Weeks measured after the warm-up (overrides the scenario's horizon).
    #[arg(long, value_name = "W", allow_negative_numbers = true)]
    pub weeks: Option<u32>,
    /// Output on stdout [default: table on a terminal, else json].
    #[arg(long, short = 'f', value_parser = simulate_formats())]
    pub format: Option<Format>,
    /// Also write summary.json, summary.md, replications.csv, replications.parquet and
    /// waits.svg into this new folder (refused if it holds files, unless --force).
    #[arg(long, short = 'o', value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Replace the earlier run in the --out folder.
    #[arg(long, requires = "out")]
    pub force: bool,
    /// Worker threads for replications [default: one per core]; results are the same
    /// whatever the number.
    #[arg(long, value_name = "N", value_parser = threads, allow_negative_numbers = true)]
    pub threads: Option<usize>,
}

/// The week to plan: the provider's two files, the Monday, the policy.
#[derive(Debug, Args)]
pub struct WeekArgs {
    /// The supporters file (supporters.csv).
    #[arg(long, short = 's', value_name = "FILE")]
    pub supporters: PathBuf,
    /// The caseload register: waiting referrals and open cases (referrals.csv).
    #[arg(long, short = 'r', value_name = "FILE")]
    pub referrals: PathBuf,
    /// The Monday of the week to plan (YYYY-MM-DD).
    #[arg(long, short = 'w', value_name = "DATE")]
    pub week: String,
    /// Policy settings (weights, local bonus, default hours, volunteer rule, time limit).
    #[arg(long, short = 'p', value_name = "FILE")]
    pub policy: Option<PathBuf>,
}

/// A coordinator's decisions for the week.
#[derive(Debug, Args)]
pub struct DecisionArgs {
    /// Place this family with this supporter this week (REFERRAL_ID=SUPPORTER_ID; a
    /// hard constraint: the plan is the best one that keeps it). Repeatable. Pinning an
    /// open case to another supporter moves it.
    #[arg(long, value_name = "R=S")]
    pub pin: Vec<String>,
    /// Keep this family from this supporter this week (REFERRAL_ID=SUPPORTER_ID).
    /// Repeatable. Forbidding an open case's own supporter sends it back to be
    /// reallocated.
    #[arg(long, value_name = "R=S")]
    pub forbid: Vec<String>,
    /// Pins and forbids from a CSV file: referral_id, supporter_id, decision (pin or
    /// forbid) and an optional note, shown beside the decision in every output.
    #[arg(long, value_name = "FILE.csv")]
    pub decisions: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RecommendArgs {
    #[command(flatten)]
    pub input: WeekArgs,
    /// The family to find a supporter for.
    #[arg(long, value_name = "REFERRAL_ID")]
    pub referral: String,
    #[command(flatten)]
    pub decided: DecisionArgs,
    /// Output format [default: table on a terminal, else json; with --out, by extension].
    #[arg(long, short = 'f', value_parser = recommend_formats())]
    pub format: Option<Format>,
    /// Write the output to this file (whole or not at all): .json, .txt or .md.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Wall-clock budget in seconds for each re-planned week (overrides the policy).
    #[arg(long, value_name = "SECS", allow_negative_numbers = true)]
    pub time_limit: Option<f64>,
    /// Worker threads [default: one per core]. The answer is the same whatever the
    /// number.
    #[arg(long, value_name = "N", value_parser = threads, allow_negative_numbers = true)]
    pub threads: Option<usize>,
}

#[derive(Debug, Args)]
pub struct AllocateArgs {
    #[command(flatten)]
    pub input: WeekArgs,
    /// Output format [default: table on a terminal, else json; with --out, by extension].
    #[arg(long, short = 'f', value_enum)]
    pub format: Option<Format>,
    /// Write the output to this file (whole or not at all) instead of standard output:
    /// .json, .csv (assignments), .txt or .md (the table).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Wall-clock budget in seconds for the whole week (overrides the policy).
    #[arg(long, value_name = "SECS", allow_negative_numbers = true)]
    pub time_limit: Option<f64>,
    /// Explain the decision for one family instead of printing the plan.
    #[arg(long, value_name = "REFERRAL_ID")]
    pub explain: Option<String>,
    #[command(flatten)]
    pub decided: DecisionArgs,
    /// Also write the week's report for the Monday meeting: one self-contained HTML
    /// file (no network), laid out for A4 when printed.
    #[arg(long, value_name = "FILE.html")]
    pub report: Option<PathBuf>,
    /// With --report: families waiting this many weeks or more since their referral
    /// are listed as alerts.
    #[arg(
        long,
        value_name = "WEEKS",
        default_value_t = 8,
        requires = "report",
        allow_negative_numbers = true
    )]
    pub alert_after_weeks: i64,
    /// Also write the plan's tables as CSV files into this folder: assignments.csv,
    /// waiting.csv (ranks, reasons in words and codes), supporters.csv (loads) and
    /// districts.csv (each district's share served).
    #[arg(long, value_name = "DIR")]
    pub tables: Option<PathBuf>,
    /// Also write next week's register: the referrals file with this plan's new
    /// assignments recorded in `supporter_id`, every other row and column as it was. An
    /// existing FILE is replaced if its rows are this register's but for who holds each
    /// case (the week planned again); one edited since (a referral added) only with
    /// --replace-register.
    #[arg(long, value_name = "FILE")]
    pub register_out: Option<PathBuf>,
    /// Replace an existing --register-out file even if its rows differ from this run's
    /// register (it was edited since, or comes from other files).
    #[arg(long, requires = "register_out")]
    pub replace_register: bool,
    /// Also write the week's whole MIP (every waiting family x eligible supporter, every
    /// row of the contract's model) to FILE.lp or FILE.mps, for checking with another
    /// solver. With decisions (--pin, --forbid, --decisions), the model under them: a
    /// pinned family placed beforehand (left out, its supporter's room reduced, its score
    /// named in the file's comment), forbidden pairs left out.
    #[arg(long, value_name = "FILE")]
    pub export_model: Option<PathBuf>,
    /// With --export-model: write the reduced model instead (supporters with room now,
    /// families that cannot improve the plan left out, rows that cannot bind left out;
    /// same optimum), as the file's comment says.
    #[arg(long, requires = "export_model")]
    pub export_reduced: bool,
    /// How to choose: the proven optimum, or the fast greedy baseline.
    #[arg(long, value_enum, default_value_t = Method::Optimal)]
    pub method: Method,
    /// Worker threads for solving areas in parallel [default: one per core]. The plan
    /// is the same whatever the number.
    #[arg(long, value_name = "N", value_parser = threads, allow_negative_numbers = true)]
    pub threads: Option<usize>,
}

/// `recommend --format`: json or a table.
fn recommend_formats() -> impl clap::builder::TypedValueParser<Value = Format> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
    PossibleValuesParser::new([
        PossibleValue::new("json").help("Every candidate with its week, for programs"),
        PossibleValue::new("table").help("The candidates ranked, and who cannot, for people"),
    ])
    .map(|name| match name.as_str() {
        "json" => Format::Json,
        _ => Format::Table,
    })
}

/// `simulate --format`: the shared [`Format`]s, described as simulate writes them.
fn simulate_formats() -> impl clap::builder::TypedValueParser<Value = Format> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
    PossibleValuesParser::new([
        PossibleValue::new("json")
            .help("Every policy's measures (mean, 95% CI, replications counted), for programs"),
        PossibleValue::new("csv")
            .help("One row per replication and policy, one column per measure"),
        PossibleValue::new("table")
            .help("The policies side by side, value measures first, for people"),
    ])
    .map(|name| match name.as_str() {
        "json" => Format::Json,
        "csv" => Format::Csv,
        _ => Format::Table,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// The full plan for programs.
    Json,
    /// Assignments only (open cases and new), one per row.
    Csv,
    /// A summary for people: what a coordinator reads on Monday morning.
    Table,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Method {
    /// The weekly MIP, proven optimal (HiGHS).
    Optimal,
    /// Highest score first (fast baseline, not always optimal).
    Greedy,
}

/// An argument value that clap cannot check by itself.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadArgument(pub String);

/// The most worker threads a run may ask for: far more than any machine's cores (more
/// threads than cores gain nothing), and few enough that starting them is instant.
pub const MOST_THREADS: usize = 256;

/// `--threads N`: a whole number from 1 to [`MOST_THREADS`] (100,000 threads took
/// minutes only to start).
fn threads(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if (1..=MOST_THREADS).contains(&n) => Ok(n),
        _ => Err(format!(
            "must be a whole number from 1 to {MOST_THREADS} (more threads than cores gain nothing)"
        )),
    }
}

/// `--replications N` of `simulate` and `funding --simulate`, held to the range a
/// scenario's own `replications` has.
pub fn replications(n: u32) -> Result<u32, BadArgument> {
    if (1..=caseload_sim::MOST_REPLICATIONS).contains(&n) {
        Ok(n)
    } else {
        Err(BadArgument(format!(
            "--replications must be from 1 to {}",
            caseload_sim::MOST_REPLICATIONS
        )))
    }
}
