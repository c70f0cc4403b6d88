//! Studies: grids of simulations run as exact, repeatable, mergeable shards on the
//! schedulers researchers already have (Slurm job arrays, Kubernetes Indexed Jobs).
//!
//! A study file names simulations, the policies to compare, a swept parameter and the
//! replications. [`Study::tasks`] cuts it into tasks (simulation × point × policy ×
//! block of replications), in one fixed order; shard I of N runs the tasks whose index
//! is I modulo N ([`run`]) and writes each task's rows to
//! `DIR/task=NNNNNN/part-I.parquet`, atomically. Replication r of a simulation draws
//! its random streams from (master seed, simulation name, r) only, so the rows do not
//! depend on the point, the policy, the shard or N: common random numbers hold across
//! policies and staffing levels, and any split gives the same numbers. [`merge`] checks
//! the manifest's content hash, names missing or clashing tasks (and the shard to run
//! again), and writes the summary: means and 95% confidence intervals per simulation,
//! point and policy, as JSON, CSV and charts of each swept parameter.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod merge;
mod run;
mod spec;

use std::path::PathBuf;

pub use merge::{
    merge, FundingPoint, FundingSummary, Merged, PointSummary, PolicySummary, SimulationSummary,
    Summary,
};
pub use run::{run, shard_from_env, write_manifest, ShardRun};
pub use spec::{
    Manifest, ManifestSimulation, Point, SimulationSpec, Study, StudyFile, Sweep, Task,
};

/// Why a study cannot be planned, run or merged.
#[derive(Debug, thiserror::Error)]
pub enum StudyError {
    /// The study file (or a scenario it names) is wrong: every problem, located.
    #[error(transparent)]
    Load(#[from] caseload_model::LoadError),
    /// A sweep point gives a scenario that does not hold.
    #[error("{simulation}, {parameter} = {x}: {message}")]
    Point {
        /// The simulation.
        simulation: String,
        /// The swept parameter.
        parameter: String,
        /// Its value at the point.
        x: f64,
        /// What is wrong.
        message: String,
    },
    /// A shard argument is out of range or missing.
    #[error("{0}")]
    Shard(String),
    /// The output folder holds another study's results, or parts are missing or clash.
    #[error("{0}")]
    Results(String),
    /// A simulation failed.
    #[error(transparent)]
    Sim(#[from] caseload_sim::SimError),
    /// A file could not be read or written.
    #[error("{}: {source}", file.display())]
    Io {
        /// The file.
        file: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A table could not be built, read or written.
    #[error("{}: {message}", file.display())]
    Table {
        /// The file.
        file: PathBuf,
        /// What polars said.
        message: String,
    },
}

impl StudyError {
    /// True when the user's input is at fault (exit code 2).
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            StudyError::Load(_) | StudyError::Point { .. } | StudyError::Shard(_)
        )
    }
}

/// Why a funding sweep's point failed, in full: the reason under the error (a value out
/// of range, located), not only the `--sweep: key = value` that [`StudyError::Point`]
/// already names.
pub(crate) fn funding_failure(err: &caseload_funding::FundingError) -> String {
    let said: Vec<String> = caseload_model::said_once(err)
        .into_iter()
        .filter(|text| !text.starts_with("--sweep: "))
        .collect();
    if said.is_empty() {
        err.to_string()
    } else {
        said.join(": ")
    }
}
