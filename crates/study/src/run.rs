//! Running one shard of a study.

use std::path::{Path, PathBuf};

use caseload_model::files::write_atomically;
use caseload_sim::rows_frame;
use polars::prelude::{Column, DataFrame, ParquetWriter};

use crate::spec::{Manifest, Study, Task, TaskKind};
use crate::StudyError;

/// What a shard ran and wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct ShardRun {
    /// The shard.
    pub shard: u32,
    /// Of how many.
    pub of: u32,
    /// The tasks it ran.
    pub tasks: Vec<u32>,
    /// The files it wrote.
    pub files: Vec<PathBuf>,
}

/// The manifest's file in an output folder.
pub(crate) fn manifest_file(out: &Path) -> PathBuf {
    out.join("manifest.json")
}

/// A task's folder in an output folder.
pub(crate) fn task_dir(out: &Path, task: u32) -> PathBuf {
    out.join(format!("task={task:06}"))
}

/// The shard index and count: as given, else from the scheduler's environment (Slurm's
/// `SLURM_ARRAY_TASK_ID` and `SLURM_ARRAY_TASK_COUNT`, a Kubernetes Indexed Job's
/// `JOB_COMPLETION_INDEX`).
///
/// # Errors
///
/// [`StudyError::Shard`] when either is missing or `shard >= of`.
pub fn shard_from_env(shard: Option<u32>, of: Option<u32>) -> Result<(u32, u32), StudyError> {
    let env = |name: &str| -> Result<Option<u32>, StudyError> {
        match std::env::var(name) {
            Ok(text) => text
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| StudyError::Shard(format!("{name}={text} is not a whole number"))),
            Err(_) => Ok(None),
        }
    };
    let shard = match shard {
        Some(i) => i,
        None => env("SLURM_ARRAY_TASK_ID")?
            .or(env("JOB_COMPLETION_INDEX")?)
            .ok_or_else(|| {
                StudyError::Shard(
                    "--shard is missing, and neither SLURM_ARRAY_TASK_ID nor JOB_COMPLETION_INDEX is set".into(),
                )
            })?,
    };
    let of = match of {
        Some(n) => n,
        None => env("SLURM_ARRAY_TASK_COUNT")?.ok_or_else(|| {
            StudyError::Shard(
                "--of is missing (the number of shards), and SLURM_ARRAY_TASK_COUNT is not set"
                    .into(),
            )
        })?,
    };
    in_range(shard, of)?;
    Ok((shard, of))
}

/// Shard `shard` of `of` exists: `of` is at least 1 and `shard` below it.
fn in_range(shard: u32, of: u32) -> Result<(), StudyError> {
    if of == 0 {
        return Err(StudyError::Shard(
            "--of 0: a study runs as 1 shard or more (--of 1 runs every task)".into(),
        ));
    }
    if shard >= of {
        return Err(StudyError::Shard(format!(
            "shard {shard} of {of}: the shard must be from 0 to {}",
            of - 1
        )));
    }
    Ok(())
}

/// Writes the study's manifest into `out`, or checks that the one there is this
/// study's.
pub(crate) fn ensure_manifest(study: &Study, out: &Path) -> Result<Manifest, StudyError> {
    std::fs::create_dir_all(out).map_err(|source| StudyError::Io {
        file: out.to_path_buf(),
        source,
    })?;
    let file = manifest_file(out);
    let manifest = study.manifest();
    match std::fs::read(&file) {
        Ok(bytes) => {
            let there: Manifest = serde_json::from_slice(&bytes).map_err(|e| {
                StudyError::Results(format!("{}: not a study manifest: {e}", file.display()))
            })?;
            if there.hash != manifest.hash {
                return Err(StudyError::Results(format!(
                    "{} holds the results of another version of a study (`{}`, hash {}), not of this one (hash {}): use another --out, or delete that folder",
                    out.display(),
                    there.study,
                    short(&there.hash),
                    short(&manifest.hash)
                )));
            }
        }
        Err(_) => {
            // No manifest: the folder is a new study's, so it holds nothing else (a
            // simulation's run or other files would be mixed with the study's); a
            // shard starting at the same time may have left its parts or a temporary
            // manifest.
            let foreign = std::fs::read_dir(out)
                .map_err(|source| StudyError::Io {
                    file: out.to_path_buf(),
                    source,
                })?
                .filter_map(Result::ok)
                .map(|entry| entry.file_name().to_string_lossy().into_owned())
                .find(|name| {
                    !name.starts_with('.') && !name.starts_with("task=") && name != "lost+found"
                });
            // A shard started at the same moment has written the manifest since it was
            // looked for: checked as any manifest found is.
            if foreign.as_deref() == Some("manifest.json") {
                return ensure_manifest(study, out);
            }
            if let Some(name) = foreign {
                return Err(StudyError::Results(format!(
                    "{} holds `{name}` and no study manifest: a study writes into an empty folder (or its own); use another --out",
                    out.display()
                )));
            }
            let mut text = serde_json::to_string_pretty(&manifest)
                .map_err(|e| StudyError::Results(e.to_string()))?;
            text.push('\n');
            write_atomically(&file, |f| std::io::Write::write_all(f, text.as_bytes())).map_err(
                |source| StudyError::Io {
                    file: file.clone(),
                    source,
                },
            )?;
        }
    }
    Ok(manifest)
}

/// Writes the study's manifest into `out` (what `study plan --out` does), or checks
/// that the one there is this study's.
///
/// # Errors
///
/// [`StudyError::Results`] if `out` holds another study's manifest; [`StudyError::Io`]
/// if it cannot be written.
pub fn write_manifest(study: &Study, out: &Path) -> Result<(), StudyError> {
    ensure_manifest(study, out).map(|_| ())
}

pub(crate) fn short(hash: &str) -> &str {
    &hash[..hash.len().min(12)]
}

/// Runs shard `shard` of `of`: every task whose index is `shard` modulo `of`, each
/// written to `out/task=NNNNNN/part-SHARD.parquet` whole or not at all (a retried shard
/// replaces its own files and nothing else). `progress` is called after each task.
///
/// # Errors
///
/// [`StudyError`] if the output folder holds another study, a simulation fails, or a
/// file cannot be written.
pub fn run(
    study: &Study,
    shard: u32,
    of: u32,
    out: &Path,
    threads: Option<usize>,
    progress: &dyn Fn(&Task),
) -> Result<ShardRun, StudyError> {
    in_range(shard, of)?;
    let manifest = ensure_manifest(study, out)?;
    let mut ran = ShardRun {
        shard,
        of,
        tasks: Vec::new(),
        files: Vec::new(),
    };
    for task in manifest.tasks.iter().filter(|t| t.task % of == shard) {
        let mut frame = task_rows(study, task, threads)?;
        for (i, column) in [
            Column::new(
                "study_hash".into(),
                vec![study.hash.as_str(); frame.height()],
            ),
            Column::new("task".into(), vec![task.task; frame.height()]),
            Column::new("shard".into(), vec![shard; frame.height()]),
            Column::new("of".into(), vec![of; frame.height()]),
            Column::new(
                "simulation".into(),
                vec![task.simulation.as_str(); frame.height()],
            ),
            Column::new("point".into(), vec![task.point; frame.height()]),
            Column::new("x".into(), vec![task.x; frame.height()]),
        ]
        .into_iter()
        .enumerate()
        {
            frame.insert_column(i, column).map_err(|e| table(out, e))?;
        }
        let dir = task_dir(out, task.task);
        std::fs::create_dir_all(&dir).map_err(|source| StudyError::Io {
            file: dir.clone(),
            source,
        })?;
        let file = dir.join(format!("part-{shard}.parquet"));
        write_atomically(&file, |f| {
            ParquetWriter::new(f)
                .finish(&mut frame)
                .map(|_| ())
                .map_err(std::io::Error::other)
        })
        .map_err(|source| StudyError::Io {
            file: file.clone(),
            source,
        })?;
        ran.tasks.push(task.task);
        ran.files.push(file);
        progress(task);
    }
    Ok(ran)
}

fn table(file: &Path, e: polars::error::PolarsError) -> StudyError {
    StudyError::Table {
        file: file.to_path_buf(),
        message: e.to_string(),
    }
}

/// One task's rows: its replications of its point under its policy, or a funding
/// point's one row.
fn task_rows(study: &Study, task: &Task, threads: Option<usize>) -> Result<DataFrame, StudyError> {
    if task.kind == TaskKind::Funding {
        return funding_row(study, task, threads);
    }
    let s = study
        .spec
        .simulation
        .iter()
        .position(|sim| sim.name == task.simulation)
        .ok_or_else(|| StudyError::Results(format!("no simulation `{}`", task.simulation)))?;
    let point = study.spec.simulation[s]
        .points()
        .into_iter()
        .nth(task.point as usize)
        .ok_or_else(|| StudyError::Results(format!("no point {}", task.point)))?;
    let scenario = study.scenario(s, &point)?;
    let policy = caseload_sim::builtin(&task.policy)
        .ok_or_else(|| StudyError::Results(format!("no policy `{}`", task.policy)))?;
    let staff = study.scenarios[s].2.as_deref();
    let rows =
        caseload_sim::replications(&scenario, staff, &[policy], task.from..task.to, threads)?;
    Ok(rows_frame(&rows)?)
}

/// A funding point: the split's national figures at the point, and with `simulate`,
/// the simulated families supported (mean and 95% CI over replications).
fn funding_row(
    study: &Study,
    task: &Task,
    threads: Option<usize>,
) -> Result<DataFrame, StudyError> {
    let f = study
        .spec
        .funding
        .iter()
        .position(|f| f.name == task.simulation)
        .ok_or_else(|| StudyError::Results(format!("no funding sweep `{}`", task.simulation)))?;
    let spec = &study.spec.funding[f];
    let (file, text) = &study.funding_scenarios[f];
    let failed = |e: caseload_funding::FundingError| StudyError::Point {
        simulation: spec.name.clone(),
        parameter: spec.sweep.parameter.clone(),
        x: task.x,
        message: crate::funding_failure(&e),
    };
    let scenario = caseload_funding::with_parameter(file, text, &spec.sweep.parameter, task.x)
        .map_err(failed)?;
    let areas = caseload_funding::AreasTable::embedded();
    let split = caseload_funding::compare(std::slice::from_ref(&scenario), &areas)
        .map_err(failed)?
        .remove(0);
    let summary = &split.summary;
    let (mut mean, mut low, mut high) = (None, None, None);
    if let Some(sim) = &spec.simulate {
        let policy = caseload_sim::builtin(&sim.policy)
            .ok_or_else(|| StudyError::Results(format!("no policy `{}`", sim.policy)))?;
        let seed = study.seed(&spec.name) >> 1;
        let run =
            || caseload_funding::simulate_split(&scenario, &split, policy, sim.replications, seed);
        let simulated = caseload_solve::in_pool(threads, run)
            .map_err(|e| StudyError::Results(format!("cannot start worker threads: {e}")))?
            .map_err(failed)?;
        mean = simulated.families_supported.mean;
        low = simulated.families_supported.ci95.map(|c| c[0]);
        high = simulated.families_supported.ci95.map(|c| c[1]);
    }
    let one = |name: &str, value: f64| Column::new(name.into(), vec![value]);
    let maybe = |name: &str, value: Option<f64>| Column::new(name.into(), vec![value]);
    DataFrame::new(
        1,
        vec![
            Column::new("rule".into(), vec![split.rule]),
            one("budget_gbp", summary.budget_gbp),
            one("spend_gbp", summary.spend_gbp),
            one("families_supported", summary.families_supported),
            one("demand_families", summary.demand_families),
            one("coverage", summary.coverage),
            one("min_coverage", summary.min_coverage),
            maybe("simulated_families_supported", mean),
            maybe("simulated_families_supported_ci95_low", low),
            maybe("simulated_families_supported_ci95_high", high),
        ],
    )
    .map_err(|e| table(file, e))
}
