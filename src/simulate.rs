//! `caseload simulate`: run a scenario under several policies, print and save results.

use std::fmt::Write as _;
use std::io::{IsTerminal, Write as _};
use std::path::{Path, PathBuf};

use anyhow::Context;
use caseload_model::config::did_you_mean;
use caseload_model::files::write_atomically;
use caseload_sim::{
    builtin, rows_csv, simulate, wait_chart, write_tables, Estimate, Metrics, PolicyResult,
    ReferralPolicy, Results, Scenario, BUILTIN, DEFAULT_POLICIES,
};

use crate::cli::{BadArgument, Format, SimulateArgs};
use crate::output::{emit, progress_bar};
use crate::render::{interval, right_align, table, Number};

/// One row of the table: its label, how to find its estimate, how to print it.
type Shown = (&'static str, fn(&PolicyResult) -> &Estimate, Number);

/// The measures a person reads first, in the order shown: what families get (support
/// before the final plan, and early), then what happened to them, then waits, then
/// the service.
const SHOWN: &[Shown] = &[
    (
        "weeks of support before the final plan, per family",
        |p| &p.metrics.support_weeks,
        Number::COUNT,
    ),
    (
        "supported by week 6 of the clock (decision to assess)",
        |p| &p.metrics.supported_by_week_6,
        Number::PERCENT,
    ),
    (
        "supported by week 16 (draft plan)",
        |p| &p.metrics.supported_by_week_16,
        Number::PERCENT,
    ),
    ("families referred", |p| &p.metrics.referred, Number::COUNT),
    (
        "supported at any point",
        |p| &p.metrics.supported,
        Number::COUNT,
    ),
    (
        "coverage (supported / referred)",
        |p| &p.metrics.coverage,
        Number::PERCENT,
    ),
    (
        "missed (plan final before support)",
        |p| &p.metrics.missed,
        Number::COUNT,
    ),
    ("missed share", |p| &p.metrics.missed_share, Number::PERCENT),
    (
        "withdrawn while waiting",
        |p| &p.metrics.withdrawn,
        Number::COUNT,
    ),
    (
        "still waiting after the run-out",
        |p| &p.metrics.still_waiting,
        Number::COUNT,
    ),
    (
        "weeks waited, mean (supported)",
        |p| &p.metrics.wait_mean,
        Number::COUNT,
    ),
    (
        "weeks waited, median",
        |p| &p.metrics.wait_p50,
        Number::COUNT,
    ),
    (
        "weeks waited, 90th percentile",
        |p| &p.metrics.wait_p90,
        Number::COUNT,
    ),
    (
        "weeks waited, 95th percentile",
        |p| &p.metrics.wait_p95,
        Number::COUNT,
    ),
    (
        "weeks of support, priority 5",
        |p| &p.by_priority[4].support_weeks,
        Number::COUNT,
    ),
    (
        "coverage, priority 5",
        |p| &p.by_priority[4].coverage,
        Number::PERCENT,
    ),
    (
        "coverage, priority 4",
        |p| &p.by_priority[3].coverage,
        Number::PERCENT,
    ),
    (
        "coverage, priority 3",
        |p| &p.by_priority[2].coverage,
        Number::PERCENT,
    ),
    (
        "coverage, priority 2",
        |p| &p.by_priority[1].coverage,
        Number::PERCENT,
    ),
    (
        "coverage, priority 1",
        |p| &p.by_priority[0].coverage,
        Number::PERCENT,
    ),
    (
        "weeks waited, mean, priority 5",
        |p| &p.by_priority[4].wait_mean,
        Number::COUNT,
    ),
    (
        "weeks waited, mean, priority 1",
        |p| &p.by_priority[0].wait_mean,
        Number::COUNT,
    ),
    (
        "utilisation, paid",
        |p| &p.metrics.utilisation_paid,
        Number::PERCENT,
    ),
    (
        "utilisation, volunteer",
        |p| &p.metrics.utilisation_volunteer,
        Number::PERCENT,
    ),
    (
        "lowest district coverage",
        |p| &p.metrics.lowest_district_coverage,
        Number::PERCENT,
    ),
    (
        "district coverage, lowest / highest",
        |p| &p.metrics.district_coverage_ratio,
        Number::RATIO,
    ),
    (
        "score per week (the weekly objective)",
        |p| &p.metrics.score_per_week,
        Number::RATIO,
    ),
    (
        "run-out weeks after the horizon",
        |p| &p.metrics.run_out_weeks,
        Number::COUNT,
    ),
];

/// Shares' differences in percentage points, to two decimals: a paired interval is
/// narrow, and one decimal could show [-0.1, 0.0] for one that excludes 0.
const POINTS: Number = Number {
    scale: 100.0,
    digits: 2,
    suffix: "",
    grouped: false,
};

/// The measures compared with the first policy, replication by replication: label, the
/// difference's estimate, how to print it.
type Compared = (&'static str, fn(&Metrics<Estimate>) -> &Estimate, Number);

const COMPARED: &[Compared] = &[
    (
        "weeks of support before the final plan, per family",
        |m| &m.support_weeks,
        Number::RATIO,
    ),
    (
        "supported by week 16, percentage points",
        |m| &m.supported_by_week_16,
        POINTS,
    ),
    ("coverage, percentage points", |m| &m.coverage, POINTS),
    (
        "missed share, percentage points",
        |m| &m.missed_share,
        POINTS,
    ),
    (
        "weeks waited, mean (supported)",
        |m| &m.wait_mean,
        Number::RATIO,
    ),
    (
        "lowest district coverage, percentage points",
        |m| &m.lowest_district_coverage,
        POINTS,
    ),
];

pub fn run(args: &SimulateArgs) -> anyhow::Result<()> {
    let loaded = Scenario::load(&args.scenario)?;
    let mut scenario = loaded.scenario;
    for warning in scenario.warnings(loaded.supporters.is_some()) {
        eprintln!("warning: {}: {warning}", args.scenario.display());
    }
    if let Some(n) = args.replications {
        scenario.replications = crate::cli::replications(n)?;
    }
    if let Some(seed) = args.seed {
        scenario.seed = seed;
    }
    if let Some(weeks) = args.weeks {
        let most = 520 - scenario.warm_up_weeks.min(519);
        if weeks == 0 || weeks > most {
            return Err(BadArgument(format!(
                "--weeks must be from 1 to {most} (520 weeks less the scenario's {} of warm-up), not {weeks}",
                scenario.warm_up_weeks
            ))
            .into());
        }
        scenario.horizon_weeks = weeks;
    }
    let names: Vec<&str> = match &args.policies {
        Some(list) => list
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect(),
        None => DEFAULT_POLICIES.to_vec(),
    };
    let mut policies: Vec<&dyn ReferralPolicy> = Vec::new();
    for name in &names {
        let policy = builtin(name).ok_or_else(|| {
            BadArgument(format!(
                "--policies: unknown policy `{name}`{} (known: {})",
                did_you_mean(name, BUILTIN.iter().copied()),
                BUILTIN.join(", ")
            ))
        })?;
        if policies.iter().any(|p| p.name() == policy.name()) {
            // A policy twice would be compared with itself: name it once.
            return Err(BadArgument(format!(
                "--policies: `{}` is named twice; name each policy once",
                policy.name()
            ))
            .into());
        }
        policies.push(policy);
    }
    if policies.is_empty() {
        return Err(BadArgument("--policies: name at least one policy".into()).into());
    }
    if let Some(dir) = &args.out {
        refuse_to_overwrite(dir, args.force)?;
    }

    let bar = progress_bar(
        u64::from(scenario.replications),
        scenario.name.clone(),
        "replications",
    );
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
        write_dir(&results, &summary, dir, args.force)?;
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

/// The files a run writes into its folder.
const RUN_FILES: [&str; 5] = [
    "summary.json",
    "summary.md",
    "replications.csv",
    "replications.parquet",
    "waits.svg",
];

/// An earlier run's folder is kept unless `--force`: a folder that exists and is not
/// empty is refused (exit 2). Even with `--force`, only a folder holding nothing but a
/// run's files is replaced, so a mistyped `--out` never removes anything else.
fn refuse_to_overwrite(dir: &Path, force: bool) -> anyhow::Result<()> {
    let names: Vec<String> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
            .collect::<Result<_, _>>()
            .with_context(|| format!("cannot read {}", dir.display()))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => {
            return Err(
                BadArgument(format!("--out: {} is not a folder ({e})", dir.display())).into(),
            )
        }
    };
    if names.is_empty() {
        return Ok(());
    }
    if !force {
        return Err(BadArgument(format!(
            "--out: {} already holds files (an earlier run?); choose another folder, or add --force to replace the run",
            dir.display()
        ))
        .into());
    }
    if let Some(other) = names.iter().find(|n| !RUN_FILES.contains(&n.as_str())) {
        return Err(BadArgument(format!(
            "--out: {} holds `{other}`, which a run does not write; --force replaces only a folder of an earlier run",
            dir.display()
        ))
        .into());
    }
    Ok(())
}

/// Writes the run into a new folder beside `dir`, then puts it in `dir`'s place (an
/// earlier run there is removed only with `force`, and only once the new one is
/// complete): a reader never sees half a run.
fn write_dir(results: &Results, summary: &str, dir: &Path, force: bool) -> anyhow::Result<()> {
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent)
        .with_context(|| format!("cannot create {}", parent.display()))?;
    let name = dir
        .file_name()
        .map_or_else(|| "run".into(), |n| n.to_string_lossy().into_owned());
    let staging = parent.join(format!(".{name}.partial-{}", std::process::id()));
    let written = write_files(results, summary, &staging).and_then(|()| {
        refuse_to_overwrite(dir, force)?;
        if force && dir.exists() {
            std::fs::remove_dir_all(dir)
                .with_context(|| format!("cannot replace {}", dir.display()))?;
        }
        std::fs::rename(&staging, dir).with_context(|| format!("cannot create {}", dir.display()))
    });
    if written.is_err() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    written
}

fn write_files(results: &Results, summary: &str, dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let text = |path: PathBuf, text: String| {
        write_atomically(&path, |file| file.write_all(text.as_bytes()))
            .with_context(|| format!("cannot write {}", path.display()))
    };
    text(
        dir.join("summary.json"),
        format!("{}\n", serde_json::to_string_pretty(results)?),
    )?;
    text(dir.join("summary.md"), summary.to_string())?;
    write_tables(results, dir)?;
    wait_chart(results, &dir.join("waits.svg"))?;
    Ok(())
}

/// Policies side by side: each metric's mean and 95% confidence interval.
fn summary_table(results: &Results) -> String {
    let mut header = vec![if results.replications > 1 {
        "measure (mean, 95% CI)"
    } else {
        "measure (one replication)"
    }];
    header.extend(results.policies.iter().map(|p| p.policy.as_str()));
    let mut t = table(&header);
    for (label, estimate, how) in SHOWN {
        let mut row = vec![label.to_string()];
        for policy in &results.policies {
            row.push(interval(Some(estimate(policy)), *how));
        }
        t.add_row(row);
    }
    right_align(&mut t, &(1..=results.policies.len()).collect::<Vec<_>>());
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} (area {}): {} replication{} of {} weeks after {} weeks of warm-up, seed {}",
        results.scenario,
        results.area,
        results.replications,
        plural(u64::from(results.replications)),
        results.horizon_weeks,
        results.warm_up_weeks,
        results.seed
    );
    let _ = writeln!(
        out,
        "Families referred in those {} weeks are measured; each run then goes on until every one of them has left (the run-out).",
        results.horizon_weeks
    );
    let _ = writeln!(out, "\n{t}");
    if let Some(paired) = paired_table(results) {
        let _ = writeln!(out, "{paired}");
    }
    for policy in &results.policies {
        let _ = writeln!(
            out,
            "{}: run-out of {} weeks on average, {} at most",
            policy.policy,
            interval(Some(&policy.metrics.run_out_weeks), Number::COUNT),
            policy.run_out_weeks_max
        );
    }
    for policy in &results.policies {
        if let Some(weeks) = policy.optimal_weeks {
            let mut line = format!(
                "{}: {} of {} weekly problems proven optimal ({} by the greedy bound, {} as an assignment problem, {} by exact search, {} by HiGHS, {} with nothing to choose)",
                policy.policy,
                weeks.proven(),
                weeks.solved,
                weeks.greedy_bound,
                weeks.assignment,
                weeks.search,
                weeks.highs,
                weeks.no_choice
            );
            if weeks.not_proven > 0 {
                let _ = write!(
                    line,
                    "; {} not proven: HiGHS reached the node limit",
                    weeks.not_proven
                );
            }
            let _ = writeln!(out, "{line}");
        }
    }
    out
}

/// A paired difference as its table prints it: the mean and 95% interval, and * where
/// the interval leaves 0 out (the policies differ there). An end that would print as
/// 0.00 is printed with the digits that show it is not 0, so that no star sits beside
/// [0.00, 0.03] and no difference goes unmarked for its rounding.
fn paired_cell(e: &Estimate, how: Number) -> String {
    let apart = e.ci95.is_some_and(|[lo, hi]| lo > 0.0 || hi < 0.0);
    let shown = |digits: usize| -> bool {
        let printed = |x: f64| (x * how.scale * 10f64.powi(digits as i32)).round();
        e.ci95
            .is_some_and(|[lo, hi]| printed(lo) > 0.0 || printed(hi) < 0.0)
    };
    let digits = if apart {
        (how.digits..how.digits + 4)
            .find(|&d| shown(d))
            .unwrap_or(how.digits + 4)
    } else {
        how.digits
    };
    format!(
        "{}{}",
        interval(Some(e), Number { digits, ..how }),
        if apart { " *" } else { "" }
    )
}

/// The other policies against the first, paired by replication (every policy replays
/// the same families, so these intervals are narrower than the side-by-side ones);
/// `None` with one policy or one replication.
fn paired_table(results: &Results) -> Option<String> {
    let (first, others) = results.policies.split_first()?;
    let paired: Vec<(&str, &Metrics<Estimate>)> = others
        .iter()
        .filter_map(|p| Some((p.policy.as_str(), &p.paired.as_ref()?.difference)))
        .collect();
    if paired.is_empty() {
        return None;
    }
    let label = format!("less {} (mean, 95% CI)", first.policy);
    let mut header = vec![label.as_str()];
    header.extend(paired.iter().map(|(name, _)| *name));
    let mut t = table(&header);
    for (label, estimate, how) in COMPARED {
        let mut row = vec![label.to_string()];
        row.extend(paired.iter().map(|(_, d)| paired_cell(estimate(d), *how)));
        t.add_row(row);
    }
    right_align(&mut t, &(1..=paired.len()).collect::<Vec<_>>());
    Some(format!(
        "\nEach policy against {}, replication by replication (the same families in each): its value less {}'s; * where the 95% interval leaves out 0.\n\n{t}\n",
        first.policy, first.policy
    ))
}

fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_star_marks_every_interval_that_leaves_out_zero_and_shows_it() {
        let cell = |lo: f64, hi: f64| {
            paired_cell(
                &Estimate {
                    mean: Some((lo + hi) / 2.0),
                    ci95: Some([lo, hi]),
                    n: 30,
                },
                Number::COUNT,
            )
        };
        // Apart from 0, though an end rounds to it: marked, with the digit that shows it.
        assert_eq!(cell(0.0047, 0.0345), "0.020 [0.005, 0.035] *");
        assert_eq!(cell(-0.0277, -0.0030), "-0.015 [-0.028, -0.003] *");
        // Apart at the table's own digits.
        assert_eq!(cell(1.2, 3.4), "2.3 [1.2, 3.4] *");
        // Across 0: unmarked.
        assert_eq!(cell(-0.3, 0.5), "0.1 [-0.3, 0.5]");
    }
}
