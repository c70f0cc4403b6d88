//! Benchmarking referral policies over months: families arrive on the 20-week EHC
//! clock, each week a policy gives the free places (with `caseload allocate`'s
//! eligibility and capacity), and many replications give each metric a mean and a 95%
//! confidence interval. Every policy sees the same random families in replication i.
//!
//! ```
//! use std::path::Path;
//! use caseload_sim::{builtin, simulate, Scenario};
//!
//! let text = "name = \"tiny\"\nreplications = 3\nhorizon_weeks = 20\nwarm_up_weeks = 4\n";
//! let scenario = Scenario::from_toml(Path::new("tiny.toml"), text)?;
//! let policies = [builtin("fifo").unwrap(), builtin("optimal").unwrap()];
//! let results = simulate(&scenario, None, &policies, None, &|| {})?;
//! let fifo = &results.policies[0];
//! assert_eq!(fifo.policy, "fifo");
//! assert!(fifo.metrics["coverage"].mean.unwrap() > 0.0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Overview
//!
//! - [`Scenario`]: one area's supporters (counts or a supporters.csv), arrivals,
//!   families, the EHC clock and the allocation policy, from TOML with documented
//!   defaults.
//! - [`ReferralPolicy`]: `fifo`, `priority`, `deadline`, `lottery` and `optimal` (the
//!   weekly MIP) built in; a researcher's own is a comparator in a few lines.
//! - [`simulate`] runs replications in parallel (rayon); results are the same, byte
//!   for byte, for the same seed whatever the number of threads.
//! - [`Results`] holds each policy's [`Estimate`]s, every replication's metrics (as
//!   rows, written as CSV and Parquet with polars by [`write_tables`]) and the
//!   distribution of waits (drawn by [`wait_chart`]).
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod chart;
mod engine;
mod metrics;
mod policy;
mod scenario;
mod stream;
mod tables;

use std::collections::BTreeMap;

use caseload_model::Supporter;
use rayon::prelude::*;
use serde::Serialize;

pub use chart::wait_chart;
pub use metrics::{estimate, Estimate};
pub use policy::{
    builtin, Allocation, Deadline, Fifo, Lottery, OptimalPolicy, Priority, ReferralPolicy,
    WeekState, BUILTIN,
};
pub use scenario::{
    Arrivals, Ehc, Families, LoadedScenario, Scenario, SupporterPlan, TransferWave,
};
pub use tables::{rows_csv, write_tables};

/// Why a simulation could not run.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The scenario cannot be simulated as given.
    #[error("scenario: {0}")]
    Scenario(String),
    /// A distribution's parameters were rejected.
    #[error("a random distribution was given bad parameters: {0}")]
    Distribution(String),
    /// A policy broke the rules (e.g. overfilled a supporter).
    #[error("{0}")]
    Policy(String),
    /// The weekly MIP failed.
    #[error(transparent)]
    Solve(#[from] caseload_solve::SolveError),
    /// The worker threads could not start.
    #[error("could not start worker threads: {0}")]
    Threads(String),
    /// An output file could not be written.
    #[error("could not write {file}: {reason}")]
    Output {
        /// The file.
        file: std::path::PathBuf,
        /// What went wrong.
        reason: String,
    },
}

/// Longest wait shown in the wait distribution (weeks after referral).
pub const WAIT_WEEKS: usize = 26;

/// One policy's results over all replications.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PolicyResult {
    /// The policy's name.
    pub policy: String,
    /// Every metric's mean and 95% confidence interval, by name.
    pub metrics: BTreeMap<String, Estimate>,
    /// For a policy that optimises: weekly problems solved, and how many proven optimal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub optimal_weeks: Option<OptimalWeeks>,
    /// Share of referred families supported within w weeks of referral, w = 0..=26,
    /// pooled over replications.
    pub supported_within_weeks: Vec<f64>,
}

/// How often the weekly MIP was proven optimal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct OptimalWeeks {
    /// Weekly problems given to the policy.
    pub solved: u64,
    /// Of those, proven optimal (within the week's time limit).
    pub proven: u64,
}

/// One replication of one policy: its metrics, in a fixed order.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRow {
    /// Replication number (0-based).
    pub replication: u32,
    /// The policy's name.
    pub policy: String,
    /// Metric name and value (NaN where undefined).
    pub metrics: Vec<(String, f64)>,
}

/// Everything a simulation produced.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Results {
    /// The scenario's name.
    pub scenario: String,
    /// The area code.
    pub area: String,
    /// The seed used.
    pub seed: u64,
    /// Replications run.
    pub replications: u32,
    /// Weeks simulated before measuring.
    pub warm_up_weeks: u32,
    /// Weeks measured.
    pub horizon_weeks: u32,
    /// Per policy, in the order asked.
    pub policies: Vec<PolicyResult>,
    /// Per replication and policy (not in JSON; see [`write_tables`]).
    #[serde(skip)]
    pub rows: Vec<RunRow>,
}

struct ReplicationResult {
    rows: Vec<RunRow>,
    /// Per policy: supported-within-w counts, referred count, weeks solved, proven.
    curves: Vec<(Vec<f64>, f64, u32, u32)>,
}

/// Runs `scenario` under each policy, `scenario.replications` times, in parallel.
/// `staff` are supporters from the scenario's file, if any; `threads` sizes the pool
/// (`None`: one per core); `progress` is called after each replication.
///
/// # Errors
///
/// [`SimError`] if the scenario cannot be simulated or a policy fails.
pub fn simulate(
    scenario: &Scenario,
    staff: Option<&[Supporter]>,
    policies: &[&dyn ReferralPolicy],
    threads: Option<usize>,
    progress: &(dyn Fn() + Sync),
) -> Result<Results, SimError> {
    if let Some(staff) = staff {
        if let Some(other) = staff.iter().find(|s| s.area != scenario.area) {
            return Err(SimError::Scenario(format!(
                "supporter `{}` works in area {}, but the scenario's area is {}",
                other.id, other.area, scenario.area
            )));
        }
    }
    let run_all = || -> Result<Vec<ReplicationResult>, SimError> {
        (0..scenario.replications)
            .into_par_iter()
            .map(|replication| {
                let result = replicate(scenario, staff, policies, replication);
                progress();
                result
            })
            .collect()
    };
    let replications = caseload_solve::in_pool(threads, run_all).map_err(SimError::Threads)??;

    let mut results = Results {
        scenario: scenario.name.clone(),
        area: scenario.area.clone(),
        seed: scenario.seed,
        replications: scenario.replications,
        warm_up_weeks: scenario.warm_up_weeks,
        horizon_weeks: scenario.horizon_weeks,
        policies: Vec::new(),
        rows: Vec::new(),
    };
    for (p, policy) in policies.iter().enumerate() {
        let rows: Vec<&RunRow> = replications.iter().map(|r| &r.rows[p]).collect();
        let mut metrics = BTreeMap::new();
        for (m, (name, _)) in rows[0].metrics.iter().enumerate() {
            let values: Vec<f64> = rows.iter().map(|row| row.metrics[m].1).collect();
            metrics.insert(name.clone(), estimate(&values));
        }
        let mut within = vec![0.0; WAIT_WEEKS + 1];
        let (mut referred, mut solved, mut proven) = (0.0, 0_u64, 0_u64);
        for r in &replications {
            let (counts, n, s, pr) = &r.curves[p];
            for (total, c) in within.iter_mut().zip(counts) {
                *total += c;
            }
            referred += n;
            solved += u64::from(*s);
            proven += u64::from(*pr);
        }
        results.policies.push(PolicyResult {
            policy: policy.name().to_string(),
            metrics,
            optimal_weeks: (solved > 0).then_some(OptimalWeeks { solved, proven }),
            supported_within_weeks: within
                .iter()
                .map(|c| if referred > 0.0 { c / referred } else { 0.0 })
                .collect(),
        });
    }
    results.rows = replications.into_iter().flat_map(|r| r.rows).collect();
    Ok(results)
}

fn replicate(
    scenario: &Scenario,
    staff: Option<&[Supporter]>,
    policies: &[&dyn ReferralPolicy],
    replication: u32,
) -> Result<ReplicationResult, SimError> {
    let stream = stream::Stream::draw(scenario, staff, replication)?;
    let mut result = ReplicationResult {
        rows: Vec::new(),
        curves: Vec::new(),
    };
    for policy in policies {
        let run = engine::run(scenario, &stream, *policy, replication)?;
        let metrics = metrics::of_run(&stream, &run, scenario.warm_up_weeks);
        let mut within = vec![0.0; WAIT_WEEKS + 1];
        let mut referred = 0.0;
        for (f, (_, support)) in run.outcomes.iter().enumerate() {
            let draw = &stream.families[f];
            if draw.arrival_week < scenario.warm_up_weeks {
                continue;
            }
            referred += 1.0;
            if let Some(week) = support {
                let wait = (week - draw.arrival_week) as usize;
                for slot in within.iter_mut().skip(wait) {
                    *slot += 1.0;
                }
            }
        }
        result
            .curves
            .push((within, referred, run.weeks_solved, run.weeks_proven));
        result.rows.push(RunRow {
            replication,
            policy: policy.name().to_string(),
            metrics,
        });
    }
    Ok(result)
}

#[cfg(test)]
mod tests;
