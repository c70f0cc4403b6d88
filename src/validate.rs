//! `caseload validate`: check the two files (and a week) without planning, and
//! `caseload template`: start a provider's files from a spreadsheet-ready template.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;

use anyhow::Context;
use caseload_model::files::write_atomically;
use caseload_model::{Caseload, DecisionKind, PlanningWeek, Policy, SupporterStatus, WeekView};
use caseload_report::words::count;
use caseload_solve::{check_decisions, SolveError};
use clap::Args;

use crate::allocate::{checked, read_decisions};
use crate::cli::{BadArgument, DecisionArgs};
use crate::output::{emit, require_folder_or_new};

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// The supporters file (supporters.csv); `-` reads standard input.
    #[arg(long, short = 's', value_name = "FILE")]
    pub supporters: PathBuf,
    /// The caseload register (referrals.csv); `-` reads standard input.
    #[arg(long, short = 'r', value_name = "FILE")]
    pub referrals: PathBuf,
    /// Also check the register for this Monday's week: which rows are active, open,
    /// waiting or reallocated, and the warnings that depend on the week.
    #[arg(long, short = 'w', value_name = "DATE")]
    pub week: Option<String>,
    /// With --week: the policy the decisions are checked under (eligibility rules such
    /// as `volunteers_take_high`) [default: the contract's defaults].
    #[arg(long, value_name = "FILE", requires = "week")]
    pub policy: Option<PathBuf>,
    /// With --week: check the coordinator's decisions too (--pin, --forbid,
    /// --decisions), as `allocate` would before planning.
    #[command(flatten)]
    pub decided: DecisionArgs,
}

#[derive(Debug, Args)]
pub struct TemplateArgs {
    /// The folder to write supporters.csv, referrals.csv and README.md into (created
    /// if missing).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Replace files of those names that are already there.
    #[arg(long)]
    pub force: bool,
}

/// Checks both files, prints what they hold and every warning; a bad file is an
/// error (exit 2) listing every problem.
pub fn validate(args: &ValidateArgs) -> anyhow::Result<()> {
    let week = args
        .week
        .as_deref()
        .map(PlanningWeek::parse)
        .transpose()
        .context("--week")?;
    let policy = match &args.policy {
        Some(file) => Policy::load(file)?,
        None => Policy::default(),
    };
    let (given, unread) = read_decisions(&args.decided)?;
    if week.is_none() && !(given.is_empty() && unread.is_empty()) {
        return Err(BadArgument(
            "decisions hold for one week: give the --week they are for".into(),
        )
        .into());
    }
    let caseload = Caseload::load(&args.supporters, &args.referrals)?;
    let decided = match week {
        Some(week) => checked(given, unread, &caseload, week, &policy)?,
        None => given,
    };
    let mut warnings = caseload.warnings.clone();
    // A fresh template reads without a problem, but a plan needs a supporter: say so
    // here rather than let allocate be the first to refuse it.
    if let Err(err) = Caseload::require_supporters(&caseload.supporters, &args.supporters) {
        warnings.extend(err.problems().into_iter().map(|mut p| {
            p.message.push_str(" (allocate refuses it)");
            caseload_model::Warning(p)
        }));
    }
    if let Some(week) = week {
        warnings.extend(caseload.week_warnings(week.monday()));
    }

    let mut out = String::new();
    let areas = |codes: BTreeSet<&str>| count(codes.len(), "area", "areas");
    let paid = caseload
        .supporters
        .iter()
        .filter(|s| s.status == SupporterStatus::Paid)
        .count();
    let _ = writeln!(
        out,
        "{}: {} ({} paid, {}) in {}",
        args.supporters.display(),
        count(caseload.supporters.len(), "supporter", "supporters"),
        paid,
        count(caseload.supporters.len() - paid, "volunteer", "volunteers"),
        areas(
            caseload
                .supporters
                .iter()
                .map(|s| s.area.as_str())
                .collect()
        )
    );
    let holding = caseload
        .referrals
        .iter()
        .filter(|r| r.supporter_id.is_some())
        .count();
    let closed = caseload
        .referrals
        .iter()
        .filter(|r| r.closed.is_some())
        .count();
    let _ = writeln!(
        out,
        "{}: {} in {} ({} with a supporter, {} with a closing date)",
        args.referrals.display(),
        count(caseload.referrals.len(), "referral", "referrals"),
        areas(caseload.referrals.iter().map(|r| r.area.as_str()).collect()),
        holding,
        closed
    );
    if let Some(week) = week {
        let view = WeekView::new(&caseload, week);
        let reallocated = view.waiting.iter().filter(|w| w.reallocated).count();
        let _ = writeln!(
            out,
            "Week of Monday {week}: {} active = {} + {} waiting ({} reallocated after a supporter left); {} not active",
            view.active(),
            count(view.open.len(), "open case", "open cases"),
            view.waiting.len(),
            reallocated,
            count(view.ignored, "row", "rows"),
        );
        if !decided.is_empty() {
            check_decisions(&caseload, week, &policy, &decided).map_err(SolveError::Decisions)?;
            let pins = decided
                .iter()
                .filter(|d| d.decision == DecisionKind::Pin)
                .count();
            let _ = writeln!(
                out,
                "Decisions: {} and {} can all hold this week",
                count(pins, "pin", "pins"),
                count(decided.len() - pins, "forbid", "forbids"),
            );
        }
    }
    if warnings.is_empty() {
        let _ = writeln!(out, "No problems and no warnings.");
    } else {
        let _ = writeln!(
            out,
            "No problems; {}:",
            count(warnings.len(), "warning", "warnings")
        );
        for warning in &warnings {
            let _ = writeln!(out, "  {}", warning.0);
        }
    }
    emit(&out, None)
}

const SUPPORTERS_TEMPLATE: &str = "\
supporter_id,area,status,hours_per_week,max_cases,skills,languages,local,districts,unavailable_from,unavailable_to
# S01,E06000043,paid,22.5,10,autism;transfer,pl,true,BN1;BN2,2015-12-21,2016-01-01
";

const REFERRALS_TEMPLATE: &str = "\
referral_id,area,district,received,source,consent,kind,clock_start,priority,complexity,hours_per_week,needs,language,exclude,supporter_id,closed,unavailable_from,unavailable_to,exception,exception_noted
# R0001,E06000043,BN2,2015-10-05,self,,new,2015-09-28,4,medium,,autism,,S03,,,,,,
";

/// The column reference of docs/allocation.md, the one place it is written.
const GUIDE: &str = include_str!("../docs/allocation.md");

fn template_readme() -> String {
    let section = GUIDE
        .split_once("## The two files")
        .map(|(_, rest)| rest)
        .and_then(|rest| rest.split_once("\n## ").map(|(section, _)| section))
        .unwrap_or_default();
    format!(
        "# A provider's files for caseload\n\n\
         Fill in one row per supporter in `supporters.csv` and one row per family in\n\
         `referrals.csv` (a spreadsheet can open and save both: keep them as\n\
         \"CSV UTF-8 (comma delimited)\"). Lines starting with `#` are comments: the\n\
         example row in each file shows the format and is not read.\n\n\
         Check them with `caseload validate --supporters supporters.csv --referrals referrals.csv --week YYYY-MM-DD`,\n\
         then plan the week with `caseload allocate` and the same arguments.\n\n\
         ## The columns{section}"
    )
}

/// Writes the two empty files, with their headers and a commented example row each,
/// and a README of their columns.
pub fn template(args: &TemplateArgs) -> anyhow::Result<()> {
    let files = [
        ("supporters.csv", SUPPORTERS_TEMPLATE.to_string()),
        ("referrals.csv", REFERRALS_TEMPLATE.to_string()),
        ("README.md", template_readme()),
    ];
    require_folder_or_new("template", &args.dir)?;
    if !args.force {
        let existing: Vec<String> = files
            .iter()
            .map(|(name, _)| args.dir.join(name))
            .filter(|path| path.exists())
            .map(|path| path.display().to_string())
            .collect();
        if !existing.is_empty() {
            return Err(BadArgument(format!(
                "{} already there; use --force to replace",
                existing.join(", ")
            ))
            .into());
        }
    }
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("cannot create {}", args.dir.display()))?;
    for (name, text) in &files {
        let path = args.dir.join(name);
        write_atomically(&path, |file| file.write_all(text.as_bytes()))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    emit(
        &format!(
            "Wrote supporters.csv, referrals.csv and README.md in {}\n",
            args.dir.display()
        ),
        None,
    )
}
