//! `caseload simulate`: run a scenario under several policies, print and save results.

use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::Path;

use anyhow::Context;
use caseload_sim::{
    builtin, rows_csv, simulate, wait_chart, write_tables, ReferralPolicy, Results, Scenario,
    BUILTIN,
};
use indicatif::{ProgressBar, ProgressStyle};

use crate::cli::{BadArgument, Format, SimulateArgs};
use crate::output::emit;
use crate::render::{interval, right_align, table, Number};

/// The metrics a person reads first, in the order shown, with how to print them.
const SHOWN: &[(&str, &str, Number)] = &[
    ("referred", "families referred", Number::COUNT),
    ("supported", "supported", Number::COUNT),
    (
        "coverage",
        "coverage (supported / referred)",
        Number::PERCENT,
    ),
    (
        "missed",
        "missed (plan final before support)",
        Number::COUNT,
    ),
    ("missed_share", "missed share", Number::PERCENT),
    ("withdrawn", "withdrawn while waiting", Number::COUNT),
    ("waiting_at_end", "still waiting at the end", Number::COUNT),
    (
        "supported_by_week_6",
        "supported by week 6 of the clock",
        Number::PERCENT,
    ),
    (
        "supported_by_week_16",
        "supported by week 16 (draft plan)",
        Number::PERCENT,
    ),
    ("wait_mean", "weeks waited, mean (supported)", Number::COUNT),
    ("wait_p50", "weeks waited, median", Number::COUNT),
    ("wait_p90", "weeks waited, 90th percentile", Number::COUNT),
    ("wait_p95", "weeks waited, 95th percentile", Number::COUNT),
    (
        "coverage_priority_5",
        "coverage, priority 5",
        Number::PERCENT,
    ),
    (
        "coverage_priority_4",
        "coverage, priority 4",
        Number::PERCENT,
    ),
    (
        "coverage_priority_3",
        "coverage, priority 3",
        Number::PERCENT,
    ),
    (
        "coverage_priority_2",
        "coverage, priority 2",
        Number::PERCENT,
    ),
    (
        "coverage_priority_1",
        "coverage, priority 1",
        Number::PERCENT,
    ),
    (
        "wait_mean_priority_5",
        "weeks waited, priority 5",
        Number::COUNT,
    ),
    (
        "wait_mean_priority_1",
        "weeks waited, priority 1",
        Number::COUNT,
    ),
    ("utilisation_paid", "utilisation, paid", Number::PERCENT),
    (
        "utilisation_volunteer",
        "utilisation, volunteer",
        Number::PERCENT,
    ),
    (
        "lowest_district_coverage",
        "lowest district coverage",
        Number::PERCENT,
    ),
    (
        "district_coverage_ratio",
        "district coverage, lowest / highest",
        Number::RATIO,
    ),
];

pub fn run(args: &SimulateArgs) -> anyhow::Result<()> {
    let loaded = Scenario::load(&args.scenario)?;
    let mut scenario = loaded.scenario;
    if let Some(n) = args.replications {
        if n == 0 {
            return Err(BadArgument("--replications must be at least 1".into()).into());
        }
        scenario.replications = n;
    }
    if let Some(seed) = args.seed {
        scenario.seed = seed;
    }
    if let Some(weeks) = args.weeks {
        if weeks == 0 || weeks + scenario.warm_up_weeks > 520 {
            return Err(
                BadArgument("--weeks must be from 1 to 520 less the warm-up".into()).into(),
            );
        }
        scenario.horizon_weeks = weeks;
    }
    if args.threads == Some(0) {
        return Err(BadArgument("--threads must be at least 1".into()).into());
    }
    let names: Vec<&str> = match &args.policies {
        Some(list) => list
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect(),
        None => BUILTIN.to_vec(),
    };
    let mut policies: Vec<&dyn ReferralPolicy> = Vec::new();
    for name in &names {
        let policy = builtin(name).ok_or_else(|| {
            BadArgument(format!(
                "--policies: unknown policy `{name}` (known: {})",
                BUILTIN.join(", ")
            ))
        })?;
        if !policies.iter().any(|p| p.name() == policy.name()) {
            policies.push(policy);
        }
    }
    if policies.is_empty() {
        return Err(BadArgument("--policies: name at least one policy".into()).into());
    }

    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(u64::from(scenario.replications));
        if let Ok(style) = ProgressStyle::with_template(
            "{msg} [{bar:30}] {pos}/{len} replications, {elapsed} ({eta} left)",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(scenario.name.clone());
        bar
    } else {
        ProgressBar::hidden()
    };
    let results = simulate(
        &scenario,
        loaded.supporters.as_deref(),
        &policies,
        args.threads,
        &|| bar.inc(1),
    )?;
    bar.finish_and_clear();

    let summary = summary_table(&results);
    if let Some(dir) = &args.out {
        write_dir(&results, &summary, dir)?;
    }
    let format = args.format.unwrap_or(if std::io::stdout().is_terminal() {
        Format::Table
    } else {
        Format::Json
    });
    let text = match format {
        Format::Json => format!("{}\n", serde_json::to_string_pretty(&results)?),
        Format::Csv => rows_csv(&results)?,
        Format::Table => summary,
    };
    emit(&text, None)
}

fn write_dir(results: &Results, summary: &str, dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    emit(
        &format!("{}\n", serde_json::to_string_pretty(results)?),
        Some(&dir.join("summary.json")),
    )?;
    emit(summary, Some(&dir.join("summary.md")))?;
    write_tables(results, dir)?;
    wait_chart(results, &dir.join("waits.svg"))?;
    Ok(())
}

/// Policies side by side: each metric's mean and 95% confidence interval.
fn summary_table(results: &Results) -> String {
    let mut header = vec!["metric (mean, 95% CI)"];
    header.extend(results.policies.iter().map(|p| p.policy.as_str()));
    let mut t = table(&header);
    for (key, label, how) in SHOWN {
        let mut row = vec![label.to_string()];
        for policy in &results.policies {
            row.push(interval(policy.metrics.get(*key), *how));
        }
        t.add_row(row);
    }
    right_align(&mut t, &(1..=results.policies.len()).collect::<Vec<_>>());
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} (area {}): {} replications x {} weeks after {} weeks of warm-up, seed {}; families referred after the warm-up",
        results.scenario, results.area, results.replications, results.horizon_weeks, results.warm_up_weeks, results.seed
    );
    let _ = writeln!(out, "\n{t}");
    for policy in &results.policies {
        if let Some(weeks) = policy.optimal_weeks {
            let _ = writeln!(
                out,
                "{}: {} of {} weekly problems proven optimal ({:.2}%)",
                policy.policy,
                weeks.proven,
                weeks.solved,
                100.0 * weeks.proven as f64 / weeks.solved.max(1) as f64
            );
        }
    }
    out
}
