//! The national split: how a budget for a period is shared across England's 152 areas
//! and between paid and volunteer supporters, by six rules, two of them exact LPs
//! (good_lp on HiGHS), and what each split means for families in each area.
//!
//! ```
//! use std::path::Path;
//! use caseload_funding::{split, AreasTable, FundingScenario};
//!
//! let text = "name = \"12 per area\"\n[split]\nrule = \"flat\"\n";
//! let scenario = FundingScenario::from_toml(Path::new("s.toml"), text)?;
//! let areas = AreasTable::embedded().resolve(&scenario)?;
//! let result = split(&scenario, &areas)?;
//! assert_eq!(result.areas.len(), 152);
//! assert!(result.summary.spend_gbp <= scenario.available());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Overview
//!
//! - [`FundingScenario`]: budget, period, costs, demand and the rule, from TOML with
//!   documented defaults; [`AreasTable`]: the areas (embedded: England 2014-2017).
//! - [`split`] applies the rule: `flat`, `population`, `demand`, `deprivation` share
//!   what is left after every area's floor; `max_families` and `max_min_coverage` are
//!   LPs solved lexicographically (see `split.rs`).
//! - [`sweep`] re-runs a scenario over a grid of any numeric parameter, in parallel.
//! - [`simulate_split`] runs each area's funded supporters through `caseload-sim`'s
//!   weekly simulation, areas in parallel, beside the closed form.
//! - [`tables`] builds polars tables of the results and writes CSV or Parquet.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod areas;
mod scenario;
mod simulate;
mod split;
pub mod tables;

use std::path::Path;

use caseload_model::{config, LoadError};
use rayon::prelude::*;
use serde::Serialize;

pub use areas::{Area, AreasTable};
pub use scenario::{Costs, Demand, FundingScenario, Rule, Split};
pub use simulate::{simulate_split, SimulatedArea, SimulatedSplit};
pub use split::{split, AreaFunding, SplitResult, Summary};

/// Why a split could not be made.
#[derive(Debug, thiserror::Error)]
pub enum FundingError {
    /// The floors alone cost more than the budget after the top-slice.
    #[error("scenario `{scenario}`: an impossible budget: the floors alone cost £{floors_gbp:.0}, but only £{available_gbp:.0} is available after the top-slice")]
    ImpossibleBudget {
        /// The scenario.
        scenario: String,
        /// Cost of every area's floor.
        floors_gbp: f64,
        /// Budget after the top-slice.
        available_gbp: f64,
    },
    /// An LP failed (HiGHS's own status).
    #[error("the LP failed at stage `{stage}`: {reason}")]
    Solver {
        /// Which stage of the lexicographic solve.
        stage: String,
        /// good_lp's resolution error.
        reason: String,
    },
    /// A sweep is malformed.
    #[error("--sweep: {0}")]
    Sweep(String),
    /// An area's weekly simulation failed.
    #[error("simulation: {0}")]
    Simulation(String),
    /// A scenario or areas table is invalid.
    #[error(transparent)]
    Input(#[from] LoadError),
    /// A table could not be built or written.
    #[error("could not write {file}: {reason}")]
    Output {
        /// The file.
        file: std::path::PathBuf,
        /// What went wrong.
        reason: String,
    },
}

impl FundingError {
    /// True when the user's input is at fault (exit code 2), not the program.
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            FundingError::ImpossibleBudget { .. } | FundingError::Sweep(_) | FundingError::Input(_)
        )
    }
}

/// A grid over one numeric parameter: `KEY=LO..HI:STEP`.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepSpec {
    /// The dotted key in the scenario (`budget` stands for `budget_gbp`).
    pub key: String,
    /// The values, from LO to HI by STEP.
    pub values: Vec<f64>,
}

impl SweepSpec {
    /// Parses `KEY=LO..HI:STEP`, e.g. `budget=10e6..40e6:2.5e6`.
    ///
    /// # Errors
    ///
    /// [`FundingError::Sweep`] naming what is wrong.
    pub fn parse(text: &str) -> Result<SweepSpec, FundingError> {
        let bad = |why: &str| {
            FundingError::Sweep(format!(
                "`{text}`: {why} (expected KEY=LO..HI:STEP, e.g. budget=10e6..40e6:2.5e6)"
            ))
        };
        let (key, range) = text.split_once('=').ok_or_else(|| bad("no `=`"))?;
        let (bounds, step) = range.split_once(':').ok_or_else(|| bad("no `:STEP`"))?;
        let (lo, hi) = bounds.split_once("..").ok_or_else(|| bad("no `LO..HI`"))?;
        let number = |s: &str| s.trim().parse::<f64>().ok().filter(|v| v.is_finite());
        let (lo, hi, step) = match (number(lo), number(hi), number(step)) {
            (Some(lo), Some(hi), Some(step)) => (lo, hi, step),
            _ => return Err(bad("LO, HI and STEP must be numbers")),
        };
        if step <= 0.0 || hi < lo {
            return Err(bad("STEP must be positive and HI at least LO"));
        }
        let count = ((hi - lo) / step + 1e-9).floor() as usize + 1;
        if count > 10_000 {
            return Err(bad("more than 10,000 points"));
        }
        let key = match key.trim() {
            "budget" => "budget_gbp".to_string(),
            other => other.to_string(),
        };
        Ok(SweepSpec {
            key,
            values: (0..count).map(|i| lo + step * i as f64).collect(),
        })
    }
}

/// One point of a sweep.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SweepPoint {
    /// The parameter's value.
    pub value: f64,
    /// The split's national figures.
    pub summary: Summary,
}

/// A sweep's results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SweepResult {
    /// The scenario swept.
    pub scenario: String,
    /// The rule.
    pub rule: &'static str,
    /// The parameter.
    pub parameter: String,
    /// Every point, in order.
    pub points: Vec<SweepPoint>,
}

/// Splits several scenarios over the same areas, in parallel (rayon); results come
/// back in the scenarios' order.
///
/// # Errors
///
/// The first scenario's [`FundingError`] in order, if any fails.
pub fn compare(
    scenarios: &[FundingScenario],
    areas: &AreasTable,
) -> Result<Vec<SplitResult>, FundingError> {
    scenarios
        .par_iter()
        .map(|scenario| split(scenario, &areas.resolve(scenario)?))
        .collect()
}

/// Sets the dotted `key` of scenario TOML `text` to `value` and re-reads it.
///
/// # Errors
///
/// [`FundingError::Sweep`] for a key that is not a numeric parameter of the scenario,
/// or a value out of its range.
pub fn with_parameter(
    file: &Path,
    text: &str,
    key: &str,
    value: f64,
) -> Result<FundingScenario, FundingError> {
    let mut table: toml::Table = config::parse(file, text)?;
    let parts: Vec<&str> = key.split('.').collect();
    let (last, parents) = parts
        .split_last()
        .ok_or_else(|| FundingError::Sweep("an empty key".into()))?;
    let mut current = &mut table;
    for part in parents {
        current = current
            .entry(part.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()))
            .as_table_mut()
            .ok_or_else(|| FundingError::Sweep(format!("`{key}`: `{part}` is not a table")))?;
    }
    // Whole-number parameters (none at present) would reject a float; keep floats.
    current.insert(last.to_string(), toml::Value::Float(value));
    let scenario: FundingScenario =
        toml::Value::Table(table)
            .try_into()
            .map_err(|e: toml::de::Error| {
                FundingError::Sweep(format!(
                    "`{key}` is not a numeric parameter of the scenario: {}",
                    e.message().trim()
                ))
            })?;
    scenario
        .check(file, text)
        .map_err(|e| FundingError::Sweep(format!("{key} = {value}: {e}")))?;
    Ok(scenario)
}

/// Runs the scenario at every value of the sweep, in parallel (rayon); points come
/// back in order.
///
/// # Errors
///
/// The first point's [`FundingError`] in order, if any fails.
pub fn sweep(
    file: &Path,
    text: &str,
    spec: &SweepSpec,
    areas: &AreasTable,
) -> Result<SweepResult, FundingError> {
    let base = FundingScenario::from_toml(file, text)?;
    let points = spec
        .values
        .par_iter()
        .map(|&value| {
            let scenario = with_parameter(file, text, &spec.key, value)?;
            let result = split(&scenario, &areas.resolve(&scenario)?)?;
            Ok(SweepPoint {
                value,
                summary: result.summary,
            })
        })
        .collect::<Result<Vec<_>, FundingError>>()?;
    Ok(SweepResult {
        scenario: base.name,
        rule: base.split.rule.name(),
        parameter: spec.key.clone(),
        points,
    })
}

#[cfg(test)]
mod tests;
