//! `caseload allocate`: load, plan, print.

use std::path::{Path, PathBuf};

use anyhow::Context;
use caseload_model::config::did_you_mean;
use caseload_model::files::Staged;
use caseload_model::{Caseload, Decision, DecisionKind, LoadError, PlanningWeek, Policy, Problem};
use caseload_report::tables;
use caseload_solve::{
    allocate, check_decisions, explain, export_model, next_register, AreaAllocator, Greedy,
    ModelScope, Optimal, Options,
};

use crate::cli::{AllocateArgs, BadArgument, DecisionArgs, Format, Method, WeekArgs};
use crate::output::{
    emit, format_by_extension, format_name, is_stdio, no_collisions, one_from_stdin,
    require_folder_or_new, require_folders, stdout_format,
};
use crate::render;

/// The files `--tables DIR` writes, in this order.
const TABLES: [&str; 4] = [
    "assignments.csv",
    "waiting.csv",
    "supporters.csv",
    "districts.csv",
];

pub fn run(args: &AllocateArgs) -> anyhow::Result<()> {
    let week = week_and_limits(&args.input, args.time_limit)?;
    require_extension(
        "--export-model",
        args.export_model.as_deref(),
        &["lp", "mps"],
    )?;
    require_extension("--report", args.report.as_deref(), &["html", "htm"])?;
    require_extension("--register-out", args.register_out.as_deref(), &["csv"])?;
    if let Some(dir) = &args.tables {
        require_folder_or_new("--tables", dir)?;
    }
    require_folders([
        ("--out", args.out.as_deref()),
        ("--export-model", args.export_model.as_deref()),
        ("--report", args.report.as_deref()),
        ("--register-out", args.register_out.as_deref()),
    ])?;
    // Settle the output format before any work, so that a wrong file name writes nothing.
    let format = output_format(args)?;
    no_output_over_an_input(args)?;
    let (policy, caseload) = load_week(&args.input, &args.decided, week)?;
    if let Some(referral_id) = &args.explain {
        known_referral("--explain", &caseload, referral_id, &args.input)?;
    }

    let allocator: &dyn AreaAllocator = match args.method {
        Method::Optimal => &Optimal,
        Method::Greedy => &Greedy,
    };
    let options = Options {
        threads: args.threads,
        time_limit_seconds: args.time_limit,
        decisions: decisions(&args.decided, &caseload, week, &policy)?,
    };
    let plan = allocate(&caseload, week, &policy, allocator, &options)?;
    let text = match &args.explain {
        Some(referral_id) => {
            let explanation = explain(&caseload, &policy, &plan, referral_id)
                .context("the referral disappeared from the plan")?;
            match format {
                Format::Json => to_json(&explanation)?,
                Format::Table => render::explanation(&explanation),
                Format::Csv => return Err(explain_not_csv().into()),
            }
        }
        None => match format {
            Format::Json => to_json(&plan)?,
            Format::Csv => tables::assignments_csv(&plan)?,
            Format::Table => render::plan(&plan),
        },
    };

    // Every file of the run is written all or none: staged beside its target first (a
    // missing folder fails here, before anything is in place), then renamed together.
    let mut files = Staged::default();
    let stage = |files: &mut Staged, file: &Path, bytes: &[u8]| {
        files
            .add(file, bytes)
            .with_context(|| format!("cannot write {}", file.display()))
    };
    if let Some(file) = &args.register_out {
        let register = next_register(&caseload, &plan)?;
        // A register edited by hand since it was written (next week's referrals added
        // to it) is not lost to a run repeated: one whose rows differ in more than who
        // holds each case is refused unless asked, before any file of the run is
        // written. The same week planned again, with other decisions, replaces it.
        if let Ok(existing) = std::fs::read(file) {
            if !args.replace_register
                && !caseload_model::register::same_but_holders(&existing, &register)
            {
                return Err(BadArgument(format!(
                    "--register-out {}: the file exists and holds other rows than this run's register (edited since it was written: a referral added, a case closed?); nothing was written: give another name, or --replace-register to replace it",
                    file.display()
                ))
                .into());
            }
        }
        stage(&mut files, file, &register)?;
    }
    if let Some(file) = &args.report {
        let options = caseload_report::ReportOptions {
            long_wait_weeks: args.alert_after_weeks,
            policy: policy.clone(),
            ..caseload_report::ReportOptions::default()
        };
        stage(
            &mut files,
            file,
            caseload_report::render(&caseload, &plan, &options).as_bytes(),
        )?;
    }
    if let Some(dir) = &args.tables {
        files
            .create_dir(dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        let tables = [
            tables::assignments_csv(&plan)?,
            tables::waiting_csv(&plan)?,
            tables::supporters_csv(&plan)?,
            tables::districts_csv(&plan)?,
        ];
        for (name, table) in TABLES.iter().zip(&tables) {
            stage(&mut files, &dir.join(name), table.as_bytes())?;
        }
    }
    let out = args.out.as_deref().filter(|file| !is_stdio(file));
    if let Some(file) = out {
        stage(&mut files, file, text.as_bytes())?;
    }
    if let Some(file) = &args.export_model {
        let scope = if args.export_reduced {
            ModelScope::Reduced
        } else {
            ModelScope::Full
        };
        export_model(&caseload, week, &policy, scope, &options.decisions, file)?;
    }
    files.commit().map_err(|(file, err)| {
        anyhow::Error::new(err).context(format!("cannot write {}", file.display()))
    })?;
    match out {
        Some(_) => Ok(()),
        None => emit(&text, None),
    }
}

/// Refuses an output file that is one of the run's input files (`--tables .` in the
/// folder of `supporters.csv`, `--register-out` naming this week's register): the
/// input would be replaced and lost; and two outputs of one file (`--out x.csv
/// --register-out x.csv`), one of which would be lost.
fn no_output_over_an_input(args: &AllocateArgs) -> Result<(), BadArgument> {
    let tables = args
        .tables
        .as_deref()
        .map(|dir| TABLES.map(|name| dir.join(name)));
    no_collisions(
        [
            ("--supporters", Some(args.input.supporters.as_path())),
            ("--referrals", Some(args.input.referrals.as_path())),
            ("--policy", args.input.policy.as_deref()),
            ("--decisions", args.decided.decisions.as_deref()),
        ],
        [
            ("--out", args.out.as_deref()),
            ("--register-out", args.register_out.as_deref()),
            ("--report", args.report.as_deref()),
            ("--export-model", args.export_model.as_deref()),
        ]
        .into_iter()
        .chain(
            tables
                .iter()
                .flatten()
                .map(|f| ("--tables", Some(f.as_path()))),
        ),
    )
}

/// The week's Monday, after checking the time limit asked for (`--threads` is held to
/// its range as it is read).
pub fn week_and_limits(input: &WeekArgs, time_limit: Option<f64>) -> anyhow::Result<PlanningWeek> {
    let week = PlanningWeek::parse(&input.week).context("--week")?;
    if let Some(limit) = time_limit {
        if !limit.is_finite() || limit <= 0.0 {
            return Err(BadArgument(format!(
                "--time-limit must be a positive number of seconds, got {limit}"
            ))
            .into());
        }
    }
    Ok(week)
}

/// The policy and the two files (their warnings printed); at most one input may come
/// from standard input.
pub fn load_week(
    input: &WeekArgs,
    decided: &DecisionArgs,
    week: PlanningWeek,
) -> anyhow::Result<(Policy, Caseload)> {
    one_from_stdin(
        [
            Some(&input.supporters),
            Some(&input.referrals),
            input.policy.as_ref(),
            decided.decisions.as_ref(),
        ]
        .into_iter()
        .flatten()
        .map(PathBuf::as_path),
    )?;
    let policy = match &input.policy {
        Some(path) => Policy::load(path)?,
        None => Policy::default(),
    };
    let caseload = Caseload::load(&input.supporters, &input.referrals)?;
    Caseload::require_supporters(&caseload.supporters, &input.supporters)?;
    for warning in caseload
        .warnings
        .iter()
        .chain(&caseload.week_warnings(week.monday()))
    {
        eprintln!("{warning}");
    }
    Ok((policy, caseload))
}

/// `flag`'s referral must be in the register.
pub fn known_referral(
    flag: &str,
    caseload: &Caseload,
    referral_id: &str,
    input: &WeekArgs,
) -> Result<(), BadArgument> {
    if caseload.referrals.iter().any(|r| r.id == referral_id) {
        return Ok(());
    }
    Err(BadArgument(format!(
        "{flag}: no referral `{referral_id}` in {}{}",
        input.referrals.display(),
        did_you_mean(
            referral_id,
            caseload.referrals.iter().map(|r| r.id.as_str())
        )
    )))
}

/// A file flag's name must end in one of `allowed`: checked before any work, so a
/// wrong name writes nothing.
fn require_extension(flag: &str, file: Option<&Path>, allowed: &[&str]) -> Result<(), BadArgument> {
    let Some(file) = file else { return Ok(()) };
    if file
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| allowed.contains(&e))
    {
        return Ok(());
    }
    let names: Vec<String> = allowed.iter().map(|e| format!(".{e}")).collect();
    Err(BadArgument(format!(
        "{flag}: {} must end in {}",
        file.display(),
        names.join(" or ")
    )))
}

/// The format to write: `--format`, else by `--out`'s extension, else by the terminal.
/// An `--out` file's extension must name the format written to it.
fn output_format(args: &AllocateArgs) -> Result<Format, BadArgument> {
    let format = match args.out.as_deref().filter(|file| !is_stdio(file)) {
        Some(file) => {
            let Some(by_extension) = file
                .extension()
                .and_then(|e| e.to_str())
                .and_then(format_by_extension)
            else {
                return Err(BadArgument(format!(
                    "--out {}: allocate writes .json, .csv (assignments), .txt or .md (the table); name the file with one of these extensions",
                    file.display()
                )));
            };
            match args.format {
                Some(asked) if asked != by_extension => {
                    return Err(BadArgument(format!(
                        "--out {} names {} output, but --format {} was asked for",
                        file.display(),
                        format_name(by_extension),
                        format_name(asked)
                    )))
                }
                _ => by_extension,
            }
        }
        None => stdout_format(args.format),
    };
    if args.explain.is_some() && format == Format::Csv {
        return Err(explain_not_csv());
    }
    Ok(format)
}

fn explain_not_csv() -> BadArgument {
    BadArgument("--explain prints json or a table (.json, .txt, .md), not csv".into())
}

/// The decisions as given, `--decisions` file rows first, then `--pin` and `--forbid`,
/// with the problems of the file's rows that are not decisions (located).
pub fn read_decisions(args: &DecisionArgs) -> anyhow::Result<(Vec<Decision>, Vec<Problem>)> {
    let (mut decisions, unread) = match &args.decisions {
        Some(file) => Decision::load_rows(file)?,
        None => (Vec::new(), Vec::new()),
    };
    for (kind, values) in [
        (DecisionKind::Pin, &args.pin),
        (DecisionKind::Forbid, &args.forbid),
    ] {
        for value in values {
            decisions.push(Decision::from_flag(kind, value).map_err(BadArgument)?);
        }
    }
    Ok((decisions, unread))
}

/// The week's decisions (see [`read_decisions`]). When a row of the file cannot be
/// read, the rows that can are checked against the week too, so that every problem is
/// said at once: the unreadable rows, then the decisions that cannot hold (an unknown
/// family, a pin with no room), rather than the second list only once the first is
/// mended.
pub fn decisions(
    args: &DecisionArgs,
    caseload: &Caseload,
    week: PlanningWeek,
    policy: &Policy,
) -> anyhow::Result<Vec<Decision>> {
    let (decisions, unread) = read_decisions(args)?;
    checked(decisions, unread, caseload, week, policy)
}

/// Decisions read by [`read_decisions`], with the problems of the rows that could not
/// be: as [`decisions`] says.
pub fn checked(
    decisions: Vec<Decision>,
    unread: Vec<Problem>,
    caseload: &Caseload,
    week: PlanningWeek,
    policy: &Policy,
) -> anyhow::Result<Vec<Decision>> {
    if unread.is_empty() {
        return Ok(decisions);
    }
    let unread = LoadError::Invalid(unread);
    match check_decisions(caseload, week, policy, &decisions) {
        Ok(()) => Err(unread.into()),
        Err(cannot_hold) => Err(BadArgument(format!("{unread}\n{cannot_hold}")).into()),
    }
}

pub fn to_json(value: &impl serde::Serialize) -> anyhow::Result<String> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    Ok(text)
}
