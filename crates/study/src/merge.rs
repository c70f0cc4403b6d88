//! Merging the shards' parts into the study's summary.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use caseload_model::files::write_atomically;
use caseload_sim::chart::{
    line_chart_legend_beside, percent, Line, LineChart, SeriesLabelPosition,
};
use caseload_sim::{estimate, paired_estimate, Estimate, Kind, Metrics};
use polars::prelude::{DataFrame, ParquetReader, SerReader};
use serde::Serialize;

use crate::run::{manifest_file, short, task_dir};
use crate::spec::{Manifest, Task, TaskKind};
use crate::StudyError;

/// The study's results: per simulation, point and policy, every measure's mean and 95%
/// confidence interval over the replications. Holds no timings and no paths, so any
/// split into shards gives the same bytes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// The study's name.
    pub study: String,
    /// Its content hash.
    pub hash: String,
    /// The caseload that planned and ran it: version and commit (parts of another
    /// build have another hash, and are refused).
    pub caseload_version: String,
    /// The study's master seed: with the study file, all it takes to run it again.
    pub master_seed: u64,
    /// Replications per point and policy.
    pub replications: u32,
    /// Per simulation.
    pub simulations: Vec<SimulationSummary>,
    /// Per funding sweep.
    pub funding: Vec<FundingSummary>,
}

/// A funding sweep's results: the split at every value, and the first value that
/// reaches the target coverage.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FundingSummary {
    /// Its name.
    pub name: String,
    /// The split's rule.
    pub rule: String,
    /// The swept key.
    pub parameter: String,
    /// The national coverage asked for.
    pub target_coverage: f64,
    /// The smallest swept value whose split reaches the target (closed form).
    pub reaches_target: Option<f64>,
    /// The smallest swept value whose simulated coverage (mean) reaches it, if simulated.
    pub reaches_target_simulated: Option<f64>,
    /// Every value, in order.
    pub points: Vec<FundingPoint>,
}

/// One value of a funding sweep.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FundingPoint {
    /// The swept value.
    pub x: f64,
    /// Spent by the areas.
    pub spend_gbp: f64,
    /// Families supported (closed form).
    pub families_supported: f64,
    /// Families who would use a supporter.
    pub demand_families: f64,
    /// Supported / demand, nationally.
    pub coverage: f64,
    /// The area served least.
    pub min_coverage: f64,
    /// Simulated families supported: mean and 95% CI, if simulated.
    pub simulated_families_supported: Option<Estimate>,
    /// Simulated coverage (the mean over demand), if simulated.
    pub simulated_coverage: Option<f64>,
}

/// One simulation's results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SimulationSummary {
    /// Its name.
    pub name: String,
    /// The swept parameter, if any.
    pub parameter: Option<String>,
    /// Per point of the sweep, in order.
    pub points: Vec<PointSummary>,
}

/// One point's results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PointSummary {
    /// The parameter's value (none for a simulation without a sweep).
    pub x: Option<f64>,
    /// Per policy, in the study's order.
    pub policies: Vec<PolicySummary>,
}

/// One policy's results at one point.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PolicySummary {
    /// The policy.
    pub policy: String,
    /// Every measure's mean and 95% confidence interval, by name.
    pub metrics: BTreeMap<String, Estimate>,
    /// Against the point's first policy, for every policy after it: each measure less
    /// the first policy's, replication by replication (the same families), as
    /// `caseload simulate` gives it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paired: Option<PairedSummary>,
    /// For a policy that optimises: its weekly problems over all replications, and how
    /// many were not proven optimal (only a scenario's node limit leaves one so).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weekly_problems: Option<WeeklyProblems>,
}

/// The weekly problems of a policy that optimises, over a point's replications.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct WeeklyProblems {
    /// Weekly problems solved.
    pub solved: u64,
    /// Of them, not proven optimal.
    pub not_proven: u64,
}

/// A policy against the baseline, paired by replication.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairedSummary {
    /// The policy compared with (the point's first).
    pub baseline: String,
    /// Every measure's mean difference and its 95% confidence interval, by name.
    pub difference: BTreeMap<String, Estimate>,
}

/// What a merge wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct Merged {
    /// The summary.
    pub summary: Summary,
    /// The files written.
    pub files: Vec<PathBuf>,
}

/// The measures charted against a swept parameter.
const CHARTED: [&str; 3] = ["supported_by_week_6", "supported_by_week_16", "coverage"];

fn read_part(file: &Path) -> Result<DataFrame, StudyError> {
    let handle = File::open(file).map_err(|source| StudyError::Io {
        file: file.to_path_buf(),
        source,
    })?;
    ParquetReader::new(handle)
        .finish()
        .map_err(|e| StudyError::Table {
            file: file.to_path_buf(),
            message: e.to_string(),
        })
}

/// Two parts of one task hold the same results: every column equal but those that say
/// which shard of which split wrote them.
fn same_results(a: &DataFrame, b: &DataFrame) -> bool {
    a.height() == b.height()
        && a.width() == b.width()
        && a.columns()
            .iter()
            .zip(b.columns())
            .filter(|(x, _)| x.name() != "shard" && x.name() != "of")
            .all(|(x, y)| x.name() == y.name() && x.equals_missing(y))
}

/// Checks the parts in `dir` against its manifest and summarises them; writes
/// `dir/summary/` (summary.json, summary.csv, and a chart of each charted measure
/// against each swept parameter) and, if given, `out` (the JSON).
///
/// # Errors
///
/// [`StudyError::Results`] naming missing tasks (and the shard to run again), clashing
/// parts, or parts of another version of the study; [`StudyError::Io`] or
/// [`StudyError::Table`] for files that cannot be read or written.
pub fn merge(dir: &Path, out: Option<&Path>) -> Result<Merged, StudyError> {
    let manifest_path = manifest_file(dir);
    let bytes = std::fs::read(&manifest_path).map_err(|_| {
        StudyError::Results(format!(
            "{} has no manifest.json: run `caseload study plan STUDY --out {}` or a shard first",
            dir.display(),
            dir.display()
        ))
    })?;
    let manifest: Manifest = serde_json::from_slice(&bytes).map_err(|e| {
        StudyError::Results(format!(
            "{}: not a study manifest: {e}",
            manifest_path.display()
        ))
    })?;

    let mut frames: BTreeMap<u32, DataFrame> = BTreeMap::new();
    let mut missing: Vec<&Task> = Vec::new();
    let mut shards_of: BTreeMap<u32, usize> = BTreeMap::new();
    for task in &manifest.tasks {
        let folder = task_dir(dir, task.task);
        let mut parts: Vec<PathBuf> = std::fs::read_dir(&folder)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| {
                        p.file_name()
                            .and_then(|n| n.to_str())
                            .is_some_and(|n| n.starts_with("part-") && n.ends_with(".parquet"))
                    })
                    .collect()
            })
            .unwrap_or_default();
        parts.sort();
        let Some((first, rest)) = parts.split_first() else {
            missing.push(task);
            continue;
        };
        let frame = read_part(first)?;
        check_part(first, &frame, &manifest, task)?;
        if let Ok(of) = frame.column("of").and_then(|c| c.u32().cloned()) {
            if let Some(n) = of.get(0) {
                *shards_of.entry(n).or_default() += 1;
            }
        }
        for other in rest {
            let again = read_part(other)?;
            if !same_results(&frame, &again) {
                return Err(StudyError::Results(format!(
                    "task {} has two different results, {} and {}: they come from runs of different versions or splits that disagree; delete the folder {} and run its shard again",
                    task.task,
                    first.display(),
                    other.display(),
                    folder.display()
                )));
            }
        }
        frames.insert(task.task, frame);
    }
    if !missing.is_empty() {
        let of = shards_of
            .iter()
            .max_by_key(|(_, count)| **count)
            .map(|(n, _)| *n);
        let lines: Vec<String> = missing
            .iter()
            .take(20)
            .map(|t| {
                let rerun = match of {
                    Some(n) => format!("; run shard {} of {n} again", t.task % n),
                    None => String::new(),
                };
                format!("{t}{rerun}")
            })
            .collect();
        let more = missing.len().saturating_sub(lines.len());
        let rerun = match of {
            Some(n) => {
                let mut shards: Vec<u32> = missing.iter().map(|t| t.task % n).collect();
                shards.sort_unstable();
                shards.dedup();
                let list: Vec<String> = shards.iter().map(u32::to_string).collect();
                format!(
                    "\nRun again (or for the first time) shards {} of {n}: `caseload study run STUDY --shard I --of {n} --out {}`",
                    list.join(", "),
                    dir.display()
                )
            }
            None => "\nNo shard has written results yet: run the shards.".to_string(),
        };
        return Err(StudyError::Results(format!(
            "{} of {} tasks have no results in {}:\n  {}{}{rerun}",
            missing.len(),
            manifest.tasks.len(),
            dir.display(),
            lines.join("\n  "),
            if more > 0 {
                format!("\n  and {more} more")
            } else {
                String::new()
            }
        )));
    }

    let summary = summarise(&manifest, &frames, dir)?;
    let files = write_summary(&summary, &manifest, dir, out)?;
    Ok(Merged { summary, files })
}

/// A part must be this study's, this task's, and hold its replications.
fn check_part(
    file: &Path,
    frame: &DataFrame,
    manifest: &Manifest,
    task: &Task,
) -> Result<(), StudyError> {
    let hash = frame
        .column("study_hash")
        .ok()
        .and_then(|c| c.str().ok().and_then(|s| s.get(0).map(str::to_string)));
    if hash.as_deref() != Some(manifest.hash.as_str()) {
        return Err(StudyError::Results(format!(
            "{} was written by another version of the study (hash {}, the manifest's is {}): delete it and run its shard again",
            file.display(),
            hash.as_deref().map_or("none", short),
            short(&manifest.hash)
        )));
    }
    // A part copied into another task's folder (a slip of rsync or cp) says which task
    // it holds: merged there, its rows would count twice and the task's own not at all.
    let tasks = frame
        .column("task")
        .ok()
        .and_then(|c| {
            c.u32()
                .ok()
                .map(|t| (0..t.len()).filter_map(|i| t.get(i)).collect::<Vec<u32>>())
        })
        .map(|t| (t.iter().min().copied(), t.iter().max().copied()));
    if tasks != Some((Some(task.task), Some(task.task))) {
        let held = match tasks {
            Some((Some(lo), Some(hi))) if lo == hi => format!("task {lo}'s results"),
            Some((Some(lo), Some(hi))) => format!("the results of tasks {lo} to {hi}"),
            _ => "no task number".to_string(),
        };
        return Err(StudyError::Results(format!(
            "{} holds {held}, not task {}'s: it was copied or moved into the wrong folder; delete it and run shard {} again",
            file.display(),
            task.task,
            shard_hint(frame, task)
        )));
    }
    let expected = match task.kind {
        TaskKind::Simulation => (task.to - task.from) as usize,
        TaskKind::Funding => 1,
    };
    if frame.height() != expected {
        return Err(StudyError::Results(format!(
            "{} holds {} rows where task {} has {expected} replications",
            file.display(),
            frame.height(),
            task.task
        )));
    }
    Ok(())
}

/// "I of N" for the shard that runs `task`, from the `of` a part records (or the
/// task's number when it records none).
fn shard_hint(frame: &DataFrame, task: &Task) -> String {
    match frame
        .column("of")
        .ok()
        .and_then(|c| c.u32().ok().and_then(|o| o.get(0)))
    {
        Some(of) if of > 0 => format!("{} of {of}", task.task % of),
        _ => format!("for task {}", task.task),
    }
}

fn summarise(
    manifest: &Manifest,
    frames: &BTreeMap<u32, DataFrame>,
    dir: &Path,
) -> Result<Summary, StudyError> {
    let table_error = |e: polars::error::PolarsError| StudyError::Table {
        file: dir.to_path_buf(),
        message: e.to_string(),
    };
    let mut simulations: Vec<SimulationSummary> = Vec::new();
    for sim in &manifest.simulations {
        let mut points: Vec<PointSummary> = Vec::new();
        let tasks: Vec<&Task> = manifest
            .tasks
            .iter()
            .filter(|t| t.kind == TaskKind::Simulation && t.simulation == sim.name)
            .collect();
        let mut point_ids: Vec<u32> = tasks.iter().map(|t| t.point).collect();
        point_ids.dedup();
        for point in point_ids {
            let here: Vec<&&Task> = tasks.iter().filter(|t| t.point == point).collect();
            let mut policies: Vec<String> = here.iter().map(|t| t.policy.clone()).collect();
            policies.dedup();
            let mut results: Vec<PolicySummary> = Vec::new();
            // The first policy's values, replication by replication, for the pairs.
            let mut baseline: Option<(String, BTreeMap<&str, Vec<f64>>)> = None;
            for policy in &policies {
                // The policy's blocks in replication order.
                let mut blocks: Vec<&&&Task> =
                    here.iter().filter(|t| &t.policy == policy).collect();
                blocks.sort_by_key(|t| t.from);
                let mut columns: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
                let mut weekly: Option<WeeklyProblems> = None;
                for task in blocks {
                    let frame = &frames[&task.task];
                    // Parts written before these columns existed have none: no count.
                    let count = |name: &str| -> Option<u64> {
                        let column = frame.column(name).ok()?.u64().ok()?;
                        (0..column.len()).map(|i| column.get(i)).sum()
                    };
                    if let (Some(solved), Some(not_proven)) = (
                        count("weekly_problems"),
                        count("weekly_problems_not_proven"),
                    ) {
                        let sum = weekly.get_or_insert(WeeklyProblems {
                            solved: 0,
                            not_proven: 0,
                        });
                        sum.solved += solved;
                        sum.not_proven += not_proven;
                    }
                    for (name, _) in Metrics::<()>::kinds() {
                        let column = frame.column(name).map_err(table_error)?;
                        let values = column.f64().map_err(table_error)?;
                        columns
                            .entry(name)
                            .or_default()
                            .extend(values.iter().map(|v| v.unwrap_or(f64::NAN)));
                    }
                }
                let values = |name: &str| columns.get(name).map(Vec::as_slice).unwrap_or(&[]);
                let metrics = Metrics::<()>::kinds()
                    .into_iter()
                    .map(|(name, kind): (&str, Kind)| {
                        (name.to_string(), estimate(values(name), kind))
                    })
                    .collect();
                let paired = baseline.as_ref().map(|(first, theirs)| PairedSummary {
                    baseline: first.clone(),
                    difference: Metrics::<()>::kinds()
                        .into_iter()
                        .map(|(name, kind): (&str, Kind)| {
                            let those = theirs.get(name).map(Vec::as_slice).unwrap_or(&[]);
                            (name.to_string(), paired_estimate(values(name), those, kind))
                        })
                        .collect(),
                });
                results.push(PolicySummary {
                    policy: policy.clone(),
                    metrics,
                    paired,
                    weekly_problems: weekly,
                });
                if baseline.is_none() {
                    baseline = Some((policy.clone(), columns));
                }
            }
            points.push(PointSummary {
                x: here
                    .first()
                    .map(|t| t.x)
                    .filter(|_| sim.parameter.is_some()),
                policies: results,
            });
        }
        simulations.push(SimulationSummary {
            name: sim.name.clone(),
            parameter: sim.parameter.clone(),
            points,
        });
    }
    let mut funding = Vec::new();
    for f in &manifest.funding {
        let mut rule = String::new();
        let mut points = Vec::new();
        for task in manifest
            .tasks
            .iter()
            .filter(|t| t.kind == TaskKind::Funding && t.simulation == f.name)
        {
            let frame = &frames[&task.task];
            let value = |name: &str| -> Result<Option<f64>, StudyError> {
                Ok(frame
                    .column(name)
                    .map_err(table_error)?
                    .f64()
                    .map_err(table_error)?
                    .get(0))
            };
            rule = frame
                .column("rule")
                .map_err(table_error)?
                .str()
                .map_err(table_error)?
                .get(0)
                .unwrap_or_default()
                .to_string();
            let demand = value("demand_families")?.unwrap_or(f64::NAN);
            let simulated = value("simulated_families_supported")?;
            let ci = value("simulated_families_supported_ci95_low")?
                .zip(value("simulated_families_supported_ci95_high")?);
            points.push(FundingPoint {
                x: task.x,
                spend_gbp: value("spend_gbp")?.unwrap_or(f64::NAN),
                families_supported: value("families_supported")?.unwrap_or(f64::NAN),
                demand_families: demand,
                coverage: value("coverage")?.unwrap_or(f64::NAN),
                min_coverage: value("min_coverage")?.unwrap_or(f64::NAN),
                simulated_families_supported: simulated.map(|mean| Estimate {
                    mean: Some(mean),
                    ci95: ci.map(|(lo, hi)| [lo, hi]),
                    n: (task.to - task.from) as usize,
                }),
                simulated_coverage: simulated.map(|mean| mean / demand),
            });
        }
        let first = |reached: &dyn Fn(&FundingPoint) -> bool| {
            points
                .iter()
                .filter(|p| reached(p))
                .map(|p| p.x)
                .min_by(f64::total_cmp)
        };
        let target = f.target_coverage;
        funding.push(FundingSummary {
            name: f.name.clone(),
            rule,
            parameter: f.parameter.clone(),
            target_coverage: target,
            reaches_target: first(&|p| p.coverage >= target),
            reaches_target_simulated: first(&|p| p.simulated_coverage.is_some_and(|c| c >= target)),
            points,
        });
    }
    Ok(Summary {
        study: manifest.study.clone(),
        hash: manifest.hash.clone(),
        caseload_version: manifest.caseload_version.clone(),
        master_seed: manifest.master_seed,
        replications: manifest.replications,
        simulations,
        funding,
    })
}

fn write(file: &Path, bytes: &[u8]) -> Result<PathBuf, StudyError> {
    write_atomically(file, |f| std::io::Write::write_all(f, bytes)).map_err(|source| {
        StudyError::Io {
            file: file.to_path_buf(),
            source,
        }
    })?;
    Ok(file.to_path_buf())
}

fn write_summary(
    summary: &Summary,
    manifest: &Manifest,
    dir: &Path,
    out: Option<&Path>,
) -> Result<Vec<PathBuf>, StudyError> {
    let folder = dir.join("summary");
    std::fs::create_dir_all(&folder).map_err(|source| StudyError::Io {
        file: folder.clone(),
        source,
    })?;
    let mut json =
        serde_json::to_string_pretty(summary).map_err(|e| StudyError::Results(e.to_string()))?;
    json.push('\n');
    let mut files = vec![write(&folder.join("summary.json"), json.as_bytes())?];
    if let Some(out) = out {
        files.push(write(out, json.as_bytes())?);
    }
    files.push(write(
        &folder.join("summary.csv"),
        summary_csv(summary).as_bytes(),
    )?);
    if !summary.funding.is_empty() {
        files.push(write(
            &folder.join("funding.csv"),
            funding_csv(summary).as_bytes(),
        )?);
        for (simulated, name) in [
            (false, "funding-coverage.svg"),
            (true, "funding-coverage-simulated.svg"),
        ] {
            if let Some(svg) = funding_chart(summary, simulated)? {
                files.push(write(&folder.join(name), svg.as_bytes())?);
            }
        }
    }
    for sim in &summary.simulations {
        let Some(parameter) = &sim.parameter else {
            continue;
        };
        if sim.points.len() < 2 {
            continue;
        }
        for measure in CHARTED {
            let svg = chart(sim, parameter, measure, manifest)?;
            let name = format!("{}-{measure}.svg", file_safe(&sim.name));
            files.push(write(&folder.join(name), svg.as_bytes())?);
        }
    }
    Ok(files)
}

fn file_safe(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// A CSV cell of an optional number: empty when there is none.
fn number(v: Option<f64>) -> String {
    v.map(|v| format!("{v}")).unwrap_or_default()
}

/// One row per simulation, point, policy and measure.
fn summary_csv(summary: &Summary) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let _ = writer.write_record([
        "simulation",
        "parameter",
        "x",
        "policy",
        "measure",
        "mean",
        "ci95_low",
        "ci95_high",
        "n",
        "against",
        "difference_mean",
        "difference_ci95_low",
        "difference_ci95_high",
    ]);
    for sim in &summary.simulations {
        for point in &sim.points {
            for policy in &point.policies {
                for (measure, e) in &policy.metrics {
                    let pair = policy
                        .paired
                        .as_ref()
                        .and_then(|p| Some((p.baseline.clone(), p.difference.get(measure)?)));
                    let d = pair.as_ref().map(|(_, d)| *d);
                    let _ = writer.write_record([
                        sim.name.clone(),
                        sim.parameter.clone().unwrap_or_default(),
                        point.x.map(|x| format!("{x}")).unwrap_or_default(),
                        policy.policy.clone(),
                        measure.clone(),
                        number(e.mean),
                        number(e.ci95.map(|c| c[0])),
                        number(e.ci95.map(|c| c[1])),
                        e.n.to_string(),
                        pair.as_ref().map(|(b, _)| b.clone()).unwrap_or_default(),
                        number(d.and_then(|d| d.mean)),
                        number(d.and_then(|d| d.ci95.map(|c| c[0]))),
                        number(d.and_then(|d| d.ci95.map(|c| c[1]))),
                    ]);
                }
            }
        }
    }
    String::from_utf8(writer.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// One row per funding sweep and value.
fn funding_csv(summary: &Summary) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let _ = writer.write_record([
        "funding",
        "rule",
        "parameter",
        "x",
        "spend_gbp",
        "families_supported",
        "demand_families",
        "coverage",
        "min_coverage",
        "target_coverage",
        "reaches_target",
        "simulated_families_supported",
        "simulated_ci95_low",
        "simulated_ci95_high",
        "simulated_coverage",
    ]);
    for f in &summary.funding {
        for p in &f.points {
            let sim = p.simulated_families_supported.as_ref();
            let _ = writer.write_record([
                f.name.clone(),
                f.rule.clone(),
                f.parameter.clone(),
                format!("{}", p.x),
                format!("{}", p.spend_gbp),
                format!("{}", p.families_supported),
                format!("{}", p.demand_families),
                format!("{}", p.coverage),
                format!("{}", p.min_coverage),
                format!("{}", f.target_coverage),
                (p.coverage >= f.target_coverage).to_string(),
                number(sim.and_then(|e| e.mean)),
                number(sim.and_then(|e| e.ci95).map(|c| c[0])),
                number(sim.and_then(|e| e.ci95).map(|c| c[1])),
                number(p.simulated_coverage),
            ]);
        }
    }
    String::from_utf8(writer.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// National coverage against the swept value, one line per funding sweep (a rule):
/// the closed form's, or with `simulated` the simulation's (none if not simulated).
fn funding_chart(summary: &Summary, simulated: bool) -> Result<Option<String>, StudyError> {
    let Some(first) = summary.funding.first() else {
        return Ok(None);
    };
    let xs = summary
        .funding
        .iter()
        .flat_map(|f| f.points.iter().map(|p| p.x));
    let (lo, hi) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
        (lo.min(x), hi.max(x))
    });
    if hi.partial_cmp(&lo) != Some(std::cmp::Ordering::Greater) {
        return Ok(None);
    }
    let lines: Vec<Line> = summary
        .funding
        .iter()
        .map(|f| Line {
            label: f.name.clone(),
            points: f
                .points
                .iter()
                .filter_map(|p| {
                    Some((
                        p.x,
                        if simulated {
                            p.simulated_coverage?
                        } else {
                            p.coverage
                        },
                    ))
                })
                .collect(),
            width: 2,
            markers: true,
        })
        .filter(|line| !line.points.is_empty())
        .collect();
    if lines.is_empty() {
        return Ok(None);
    }
    // Each sweep's target coverage as a thin line across (one per target).
    let mut lines = lines;
    let mut targets: Vec<f64> = summary.funding.iter().map(|f| f.target_coverage).collect();
    targets.sort_by(f64::total_cmp);
    targets.dedup();
    for target in targets {
        lines.push(Line {
            label: format!("target {:.0}%", target * 100.0),
            points: vec![(lo, target), (hi, target)],
            width: 1,
            markers: false,
        });
    }
    let x_desc = caseload_funding::tables::key_in_words(&first.parameter);
    line_chart_legend_beside(&LineChart {
        title: format!(
            "National coverage by {x_desc}{}",
            if simulated { ", simulated" } else { "" },
        ),
        x_desc: &x_desc,
        y_desc: "families supported / families who would use a supporter",
        x_range: lo..hi,
        y_range: 0.0..1.1,
        x_labels: if first.parameter.ends_with("_gbp") {
            pounds
        } else {
            plain
        },
        y_labels: percent,
        legend: SeriesLabelPosition::UpperLeft,
        lines,
    })
    .map(Some)
    .map_err(|message| StudyError::Table {
        file: PathBuf::from("funding-coverage.svg"),
        message,
    })
}

/// Tick labels in pounds, in thousands or millions (`£15m`), as `funding --sweep`'s.
fn pounds(x: &f64) -> String {
    caseload_funding::tables::money_short(*x)
}

/// Tick labels without float noise (`0.3`, not `0.30000000000000004`).
fn plain(x: &f64) -> String {
    caseload_funding::tables::number(*x)
}

fn chart(
    sim: &SimulationSummary,
    parameter: &str,
    measure: &str,
    manifest: &Manifest,
) -> Result<String, StudyError> {
    let xs: Vec<f64> = sim.points.iter().filter_map(|p| p.x).collect();
    let (lo, hi) = xs
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
            (lo.min(*x), hi.max(*x))
        });
    let policies: Vec<&str> = sim.points[0]
        .policies
        .iter()
        .map(|p| p.policy.as_str())
        .collect();
    let lines = policies
        .iter()
        .map(|policy| Line {
            label: policy.to_string(),
            points: sim
                .points
                .iter()
                .filter_map(|point| {
                    let e = point
                        .policies
                        .iter()
                        .find(|p| p.policy == *policy)?
                        .metrics
                        .get(measure)?;
                    Some((point.x?, e.mean?))
                })
                .collect(),
            width: 2,
            markers: true,
        })
        .collect();
    let words = match measure {
        "supported_by_week_6" => "supported by week 6 of the 20-week clock",
        "supported_by_week_16" => "supported by week 16 (the draft plan)",
        _ => "coverage (supported / referred)",
    };
    let what = if measure.starts_with("supported") {
        format!("families {words}")
    } else {
        words.to_string()
    };
    line_chart_legend_beside(&LineChart {
        title: format!(
            "{}: {what}, mean of {}",
            sim.name,
            match manifest.replications {
                1 => "1 replication".to_string(),
                n => format!("{n} replications"),
            }
        ),
        x_desc: parameter,
        y_desc: words,
        x_range: lo..hi,
        y_range: 0.0..1.0,
        x_labels: plain,
        y_labels: percent,
        legend: SeriesLabelPosition::UpperLeft,
        lines,
    })
    .map_err(|message| StudyError::Table {
        file: PathBuf::from(format!("{}-{measure}.svg", sim.name)),
        message,
    })
}
