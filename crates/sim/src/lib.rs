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
//! assert!(fifo.metrics.coverage.mean.unwrap() > 0.0);
//! // The run-out leaves no measured family waiting.
//! assert_eq!(fifo.metrics.still_waiting.mean, Some(0.0));
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
//! - [`Results`] holds each policy's [`Metrics`] as [`Estimate`]s (value first: weeks
//!   of support before the final plan, the share supported by weeks 6 and 16), every
//!   replication's metrics (as rows, written as CSV and Parquet with polars by
//!   [`write_tables`]) and the distribution of waits (drawn by [`wait_chart`]).
//! - After the horizon each run goes on, arrivals still drawn but not measured, until
//!   every measured family has left: no family is judged "still waiting".
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod chart;
mod engine;
mod metrics;
mod policy;
mod scenario;
mod stream;
mod tables;

use caseload_model::Supporter;
use chrono::NaiveDate;
use rayon::prelude::*;
use serde::Serialize;

pub use caseload_solve::{Effort, Placement};
pub use chart::wait_chart;
pub use engine::{Outcome, WeeklyProofs};
pub use metrics::{
    estimate, paired_difference, paired_estimate, Estimate, Kind, Metrics, PriorityMetrics,
    RunMetrics,
};
pub use policy::{
    builtin, Deadline, Fifo, Lottery, OptimalEquity, OptimalPolicy, Priority, ReferralPolicy,
    WeekState, BUILTIN, DEFAULT_POLICIES,
};
pub use scenario::{
    Arrivals, Ehc, Families, LoadedScenario, Scenario, Sources, SupporterPlan, TransferWave,
    MOST_REPLICATIONS, MOST_SUPPORTERS,
};
pub use tables::{rows_csv, rows_frame, write_tables};

/// Why a scenario cannot be simulated as given: bad input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScenarioError {
    /// A supporter from the scenario's file works in another area.
    #[error(
        "supporter `{supporter}` works in area {area}, but the scenario's area is {scenario_area}"
    )]
    SupporterArea {
        /// The supporter's id.
        supporter: String,
        /// Their area.
        area: String,
        /// The scenario's.
        scenario_area: String,
    },
    /// The scenario asks for no replications.
    #[error("a simulation needs at least one replication")]
    NoReplications,
}

/// Why a simulation could not run.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The scenario cannot be simulated as given (bad input).
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// A simulated week does not start on a Monday.
    #[error("week of {date} cannot be planned")]
    Week {
        /// Its first day.
        date: NaiveDate,
        /// Why.
        #[source]
        source: caseload_model::WeekError,
    },
    /// A waiting time could not be drawn.
    #[error("a waiting time could not be drawn")]
    Geometric(#[source] rand_distr::GeoError),
    /// An arrival count could not be drawn.
    #[error("an arrival count could not be drawn")]
    Poisson(#[source] rand_distr::PoissonError),
    /// A policy returned a placement that is not of the week's problem or overfills a
    /// supporter.
    #[error("policy `{policy}` returned a placement that does not fit the week of {week}")]
    Policy {
        /// The policy's name.
        policy: String,
        /// The week.
        week: NaiveDate,
    },
    /// The weekly MIP failed.
    #[error("the weekly optimisation failed")]
    Solve(#[from] caseload_solve::SolveError),
    /// The worker threads could not start.
    #[error("could not start worker threads")]
    Threads(#[source] rayon::ThreadPoolBuildError),
    /// An output file could not be written.
    #[error("could not write {}", file.display())]
    Output {
        /// The file.
        file: std::path::PathBuf,
        /// What went wrong.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// caseload's version and the commit it was built from (`0.1.0+1a2b3c4d5e6f`; `+unknown`
/// when built outside a git checkout): what a summary records as `caseload_version` and a
/// study's hash includes, since results can change from one commit to the next while the
/// version number does not. Changes not committed when it was built are not recorded.
pub const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "+", env!("CASELOAD_COMMIT"));

/// Longest wait shown in the wait distribution (weeks after referral).
pub const WAIT_WEEKS: usize = 26;

/// One policy's results over all replications.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PolicyResult {
    /// The policy's name.
    pub policy: String,
    /// Every measure's mean and 95% confidence interval.
    pub metrics: Metrics<Estimate>,
    /// The same per priority, 1 to 5 (index 0 is priority 1); in JSON each level says
    /// its `priority`.
    #[serde(serialize_with = "levels")]
    pub by_priority: [PriorityMetrics<Estimate>; 5],
    /// The longest run-out of any replication, weeks (the mean is in `metrics`).
    pub run_out_weeks_max: u32,
    /// For a policy that optimises: weekly problems solved, and how each was proven.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub optimal_weeks: Option<WeeklyProofs>,
    /// Share of referred families supported within w weeks of referral, w = 0..=26,
    /// pooled over replications.
    pub supported_within_weeks: Vec<f64>,
    /// For every policy after the first: each measure less the first policy's, paired
    /// by replication (absent for the first policy, or with one replication).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paired: Option<Paired>,
}

/// One policy against the first asked for, replication by replication. Every policy
/// replays the same families, so a paired difference is sharper than the two
/// policies' own intervals side by side.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Paired {
    /// The policy compared against: the first of the run.
    pub baseline: String,
    /// Each measure: this policy's value less the baseline's, per replication; the mean
    /// difference and its 95% CI.
    pub difference: Metrics<Estimate>,
}

/// Per-priority measures as a list in which each entry names its priority, so that a
/// reader of the JSON need not know that the first entry is priority 1.
fn levels<S: serde::Serializer, T: Serialize>(by: &[T; 5], s: S) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct Level<'a, T> {
        priority: u8,
        #[serde(flatten)]
        measures: &'a T,
    }
    s.collect_seq(
        by.iter()
            .zip(1..)
            .map(|(measures, priority)| Level { priority, measures }),
    )
}

/// One replication of one policy: its measures.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRow {
    /// Replication number (0-based).
    pub replication: u32,
    /// The policy's name.
    pub policy: String,
    /// The measures (NaN where undefined).
    pub measures: RunMetrics,
    /// How its weekly problems were settled, for a policy that optimises.
    pub proofs: Option<WeeklyProofs>,
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
    /// Weeks in which referred families are measured.
    pub horizon_weeks: u32,
    /// The version of caseload that ran it.
    pub caseload_version: &'static str,
    /// The scenario as run: every setting, defaults filled in and the command line's
    /// overrides applied, so that a saved summary says what made it.
    pub settings: Scenario,
    /// Per policy, in the order asked.
    pub policies: Vec<PolicyResult>,
    /// Per replication and policy (not in JSON; see [`write_tables`]).
    #[serde(skip)]
    pub rows: Vec<RunRow>,
}

/// One policy in one replication, before aggregation.
struct PolicyRun {
    row: RunRow,
    /// Supported-within-w counts, and families referred.
    within: Vec<f64>,
    referred: f64,
    run_out_weeks: u32,
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
            return Err(ScenarioError::SupporterArea {
                supporter: other.id.clone(),
                area: other.area.clone(),
                scenario_area: scenario.area.clone(),
            }
            .into());
        }
    }
    let replications = run_replications(
        scenario,
        staff,
        policies,
        0..scenario.replications,
        threads,
        progress,
    )?;

    let mut results = Results {
        scenario: scenario.name.clone(),
        area: scenario.area.clone(),
        seed: scenario.seed,
        replications: scenario.replications,
        warm_up_weeks: scenario.warm_up_weeks,
        horizon_weeks: scenario.horizon_weeks,
        caseload_version: VERSION,
        settings: scenario.clone(),
        policies: Vec::new(),
        rows: Vec::new(),
    };
    for (p, policy) in policies.iter().enumerate() {
        let runs: Vec<&PolicyRun> = replications.iter().map(|r| &r[p]).collect();
        let Some((first, rest)) = runs.split_first() else {
            return Err(ScenarioError::NoReplications.into());
        };
        results.policies.push(aggregate(policy.name(), first, rest));
    }
    if scenario.replications > 1 {
        let metrics = |p: usize| -> Vec<&Metrics<f64>> {
            replications
                .iter()
                .map(|r| &r[p].row.measures.metrics)
                .collect()
        };
        let baseline = metrics(0);
        for (p, result) in results.policies.iter_mut().enumerate().skip(1) {
            result.paired = paired_difference(&metrics(p), &baseline).map(|difference| Paired {
                baseline: policies[0].name().to_string(),
                difference,
            });
        }
    }
    results.rows = replications
        .into_iter()
        .flatten()
        .map(|run| run.row)
        .collect();
    Ok(results)
}

/// The measures of replications `replications` of `scenario` under each policy, in
/// parallel, ordered by replication and then policy. Replication r's random streams
/// depend only on the scenario's seed and r, so any split of the replications gives the
/// same rows as one run of them all (what a sharded study relies on).
///
/// # Errors
///
/// [`SimError`] if the scenario cannot be simulated or a policy fails.
pub fn replications(
    scenario: &Scenario,
    staff: Option<&[Supporter]>,
    policies: &[&dyn ReferralPolicy],
    replications: std::ops::Range<u32>,
    threads: Option<usize>,
) -> Result<Vec<RunRow>, SimError> {
    let runs = run_replications(scenario, staff, policies, replications, threads, &|| {})?;
    Ok(runs.into_iter().flatten().map(|run| run.row).collect())
}

/// Replications `replications` under each policy, in parallel, in replication order;
/// `progress` is called after each.
fn run_replications(
    scenario: &Scenario,
    staff: Option<&[Supporter]>,
    policies: &[&dyn ReferralPolicy],
    replications: std::ops::Range<u32>,
    threads: Option<usize>,
    progress: &(dyn Fn() + Sync),
) -> Result<Vec<Vec<PolicyRun>>, SimError> {
    let run_all = || -> Result<Vec<Vec<PolicyRun>>, SimError> {
        replications
            .into_par_iter()
            .map(|replication| {
                let result = replicate(scenario, staff, policies, replication);
                progress();
                result
            })
            .collect()
    };
    caseload_solve::in_pool(threads, run_all).map_err(SimError::Threads)?
}

/// One policy's results; `runs` (one per replication) is not empty.
fn aggregate(policy: &str, first: &PolicyRun, runs: &[&PolicyRun]) -> PolicyResult {
    let metrics = Metrics::columns(
        &first.row.measures.metrics,
        runs.iter().map(|r| &r.row.measures.metrics),
    )
    .map(|kind, values| estimate(values, kind));
    let by_priority = std::array::from_fn(|p| {
        PriorityMetrics::columns(
            &first.row.measures.by_priority[p],
            runs.iter().map(|r| &r.row.measures.by_priority[p]),
        )
        .map(|kind, values| estimate(values, kind))
    });
    let mut within = vec![0.0; WAIT_WEEKS + 1];
    let mut referred = 0.0;
    let mut proofs: Option<WeeklyProofs> = None;
    let all = || std::iter::once(first).chain(runs.iter().copied());
    for run in all() {
        for (total, c) in within.iter_mut().zip(&run.within) {
            *total += c;
        }
        referred += run.referred;
        if let Some(p) = &run.row.proofs {
            proofs.get_or_insert_with(WeeklyProofs::default).add(p);
        }
    }
    PolicyResult {
        policy: policy.to_string(),
        metrics,
        by_priority,
        run_out_weeks_max: all().map(|r| r.run_out_weeks).max().unwrap_or(0),
        optimal_weeks: proofs,
        supported_within_weeks: within
            .iter()
            .map(|c| if referred > 0.0 { c / referred } else { 0.0 })
            .collect(),
        paired: None,
    }
}

fn replicate(
    scenario: &Scenario,
    staff: Option<&[Supporter]>,
    policies: &[&dyn ReferralPolicy],
    replication: u32,
) -> Result<Vec<PolicyRun>, SimError> {
    let stream = stream::Stream::draw(scenario, staff, replication)?;
    let horizon = scenario.warm_up_weeks..scenario.total_weeks();
    let mut runs = Vec::new();
    for policy in policies {
        let run = engine::run(scenario, &stream, *policy, replication)?;
        let measures = metrics::of_run(&stream, &run, scenario);
        let mut within = vec![0.0; WAIT_WEEKS + 1];
        let mut referred = 0.0;
        for (draw, family) in stream.families.iter().zip(&run.families) {
            if !horizon.contains(&draw.arrival_week) {
                continue;
            }
            referred += 1.0;
            if let Some(week) = family.first_support {
                let wait = (week - draw.arrival_week) as usize;
                for slot in within.iter_mut().skip(wait) {
                    *slot += 1.0;
                }
            }
        }
        runs.push(PolicyRun {
            row: RunRow {
                replication,
                policy: policy.name().to_string(),
                measures,
                proofs: (run.proofs.solved > 0).then_some(run.proofs),
            },
            within,
            referred,
            run_out_weeks: run.run_out_weeks,
        });
    }
    Ok(runs)
}

#[cfg(test)]
mod tests;
