//! `caseload allocate`: load, plan, print.

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::Context;
use caseload_model::files::write_atomically;
use caseload_model::register::record_assignments;
use caseload_model::{Caseload, PlanningWeek, Policy};
use caseload_solve::{allocate, explain, export_model, AreaAllocator, Greedy, Optimal, Options};

use crate::cli::{AllocateArgs, BadArgument, Format, Method};
use crate::output::{default_format, emit};
use crate::render;

pub fn run(args: &AllocateArgs) -> anyhow::Result<()> {
    let week = PlanningWeek::parse(&args.week).context("--week")?;
    if let Some(limit) = args.time_limit {
        if !limit.is_finite() || limit <= 0.0 {
            return Err(BadArgument(format!(
                "--time-limit must be a positive number of seconds, got {limit}"
            ))
            .into());
        }
    }
    if let Some(file) = &args.export_model {
        if !matches!(
            file.extension().and_then(|e| e.to_str()),
            Some("lp" | "mps")
        ) {
            return Err(BadArgument(format!(
                "--export-model: {} must end in .lp or .mps",
                file.display()
            ))
            .into());
        }
    }
    if let Some(file) = &args.report {
        if !matches!(
            file.extension().and_then(|e| e.to_str()),
            Some("html" | "htm")
        ) {
            return Err(BadArgument(format!(
                "--report: {} must end in .html (the report is one HTML file)",
                file.display()
            ))
            .into());
        }
    }
    if args.threads == Some(0) {
        return Err(BadArgument("--threads must be at least 1".into()).into());
    }
    let policy = match &args.policy {
        Some(path) => Policy::load(path)?,
        None => Policy::default(),
    };
    let caseload = Caseload::load(&args.supporters, &args.referrals)?;
    for warning in caseload
        .warnings
        .iter()
        .chain(&caseload.week_warnings(week.monday()))
    {
        eprintln!("{warning}");
    }
    if let Some(referral_id) = &args.explain {
        if !caseload.referrals.iter().any(|r| &r.id == referral_id) {
            return Err(BadArgument(format!(
                "--explain: no referral `{referral_id}` in {}",
                args.referrals.display()
            ))
            .into());
        }
    }

    let allocator: &dyn AreaAllocator = match args.method {
        Method::Optimal => &Optimal,
        Method::Greedy => &Greedy,
    };
    let options = Options {
        threads: args.threads,
        time_limit_seconds: args.time_limit,
    };
    let plan = allocate(&caseload, week, &policy, allocator, &options)?;
    if let Some(file) = &args.export_model {
        export_model(&caseload, week, &policy, file)?;
    }
    if let Some(file) = &args.register_out {
        write_register(&caseload, &plan, &args.referrals, file)?;
    }
    if let Some(file) = &args.report {
        let options = caseload_report::ReportOptions {
            long_wait_weeks: args.alert_after_weeks,
        };
        let html = caseload_report::render(&caseload, &plan, &options);
        write_atomically(file, |out| out.write_all(html.as_bytes()))
            .with_context(|| format!("cannot write {}", file.display()))?;
    }

    let format = args
        .format
        .unwrap_or_else(|| default_format(args.out.as_deref()));
    let text = match &args.explain {
        Some(referral_id) => {
            let explanation = explain(&caseload, &policy, &plan, referral_id)
                .context("the referral disappeared from the plan")?;
            match format {
                Format::Json => to_json(&explanation)?,
                Format::Table => render::explanation(&explanation),
                Format::Csv => {
                    return Err(
                        BadArgument("--explain prints json or table, not csv".into()).into(),
                    )
                }
            }
        }
        None => match format {
            Format::Json => to_json(&plan)?,
            Format::Csv => render::assignments_csv(&plan)?,
            Format::Table => render::plan(&plan),
        },
    };
    emit(&text, args.out.as_deref())
}

/// Next week's register: this week's new assignments (reallocated cases included)
/// become open cases; nothing else in the file changes.
fn write_register(
    caseload: &Caseload,
    plan: &caseload_solve::Plan,
    referrals: &std::path::Path,
    file: &std::path::Path,
) -> anyhow::Result<()> {
    let holders: BTreeMap<String, String> = plan
        .assignments
        .iter()
        .filter(|a| !a.open_case)
        .map(|a| (a.referral_id.clone(), a.supporter_id.clone()))
        .collect();
    let bytes = record_assignments(referrals, &caseload.origins.register, &holders)?;
    write_atomically(file, |out| out.write_all(&bytes))
        .with_context(|| format!("cannot write {}", file.display()))
}

fn to_json(value: &impl serde::Serialize) -> anyhow::Result<String> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    Ok(text)
}
