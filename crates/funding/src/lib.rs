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
mod assumptions;
mod chart;
mod scenario;
mod simulate;
mod split;
pub mod tables;

use std::path::Path;

use caseload_model::{config, LoadError};
use rayon::prelude::*;
use serde::Serialize;

pub use areas::{Area, AreasTable};
pub use assumptions::{Assumptions, DemandColumn, PeriodWarning};
pub use scenario::{
    Costs, Demand, FundingScenario, PeriodScaleSource, Rule, Split, MOST_BUDGET_GBP, WEEKS_PER_YEAR,
};
pub use simulate::{
    families_held, simulate_split, simulate_split_with_progress, simulate_splits_with_progress,
    SimulatedArea, SimulatedSplit,
};
pub use split::{named_extremes, split, AreaFunding, SplitResult, Summary, SAME_COVERAGE};

/// A shortfall in pounds, with pence when it is under a pound (the two sums it separates
/// then print alike), or less than a penny.
fn shortfall(pounds: f64) -> String {
    if pounds < 0.005 {
        "less than a penny".into()
    } else if pounds < 1.0 {
        format!("£{pounds:.2}")
    } else {
        tables::money(pounds)
    }
}

/// Why a split could not be made.
#[derive(Debug, thiserror::Error)]
pub enum FundingError {
    /// The floors alone cost more than the budget after the top-slice.
    #[error("scenario `{scenario}`: an impossible budget: the floors alone cost {}, {} more than the {} available after the top-slice", tables::money(*floors_gbp), shortfall(*floors_gbp - *available_gbp), tables::money(*available_gbp))]
    ImpossibleBudget {
        /// The scenario.
        scenario: String,
        /// Cost of every area's floor.
        floors_gbp: f64,
        /// Budget after the top-slice.
        available_gbp: f64,
    },
    /// An LP failed (HiGHS's own status, as good_lp reports it).
    #[error("the LP failed at stage `{stage}`")]
    Solver {
        /// Which stage of the lexicographic solve.
        stage: &'static str,
        /// good_lp's resolution error.
        #[source]
        source: good_lp::ResolutionError,
    },
    /// A sweep is malformed.
    #[error("--sweep: {0}")]
    Sweep(String),
    /// A sweep names a key that is not a numeric parameter of the scenario.
    #[error("--sweep: `{key}` is not a numeric parameter of the scenario{hint}")]
    SweepKey {
        /// The dotted key.
        key: String,
        /// The nearest numeric parameter (`; did you mean ...?`), or the list of them.
        hint: String,
    },
    /// A sweep's value is out of its parameter's range.
    #[error("--sweep: {key} = {value}")]
    SweepValue {
        /// The dotted key.
        key: String,
        /// The value.
        value: f64,
        /// Why the scenario refuses it.
        #[source]
        source: Refusal,
    },
    /// An area's simulation scenario could not be built.
    #[error("simulation: the scenario of area {area}")]
    SimulationScenario {
        /// The area's code.
        area: String,
        /// The simulator's reader's error.
        #[source]
        source: LoadError,
    },
    /// An area's funded service is beyond what one area's simulation takes.
    #[error("--simulate: area {area} ({name}) as funded by scenario `{scenario}` cannot be simulated: {}; change what the reason names (the budget buys the supporters, the period sets the weeks, the demand the arrivals), or leave out --simulate", reasons.join("; "))]
    NotSimulable {
        /// The scenario whose split funds it so.
        scenario: String,
        /// The area's code.
        area: String,
        /// The area's name.
        name: String,
        /// What is out of the simulator's range.
        reasons: Vec<String>,
    },
    /// An area's weekly simulation failed.
    #[error("simulation of area {area}")]
    Simulation {
        /// The area's code.
        area: String,
        /// The simulator's error.
        #[source]
        source: caseload_sim::SimError,
    },
    /// A scenario or areas table is invalid.
    #[error(transparent)]
    Input(#[from] LoadError),
    /// A table or chart could not be built or written.
    #[error("could not write {}", file.display())]
    Output {
        /// The file (or what was being built).
        file: std::path::PathBuf,
        /// What went wrong.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl FundingError {
    /// True when the user's input is at fault (exit code 2), not the program.
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            FundingError::ImpossibleBudget { .. }
                | FundingError::Sweep(_)
                | FundingError::SweepKey { .. }
                | FundingError::SweepValue { .. }
                | FundingError::NotSimulable { .. }
                | FundingError::Input(_)
        )
    }
}

/// Why a swept value is refused: the scenario's reasons without the file's place of the
/// key (the value came from the command line or a study, and the file's line holds
/// another value, or none).
#[derive(Debug, thiserror::Error)]
#[error("{}", .0.join("; "))]
pub struct Refusal(pub Vec<String>);

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
        // Inclusive of HI within a relative tolerance, so that 0..0.6:0.1 has 7 points.
        let count = ((hi - lo) / step + 1e-9).floor() as usize + 1;
        if count > 10_000 {
            return Err(bad("more than 10,000 points"));
        }
        // Each point is LO + i * STEP rounded to the decimals of LO and STEP, so that
        // 3 * 0.1 is 0.3, not 0.30000000000000004, and no point passes HI by noise.
        let digits = decimals(lo).max(decimals(step));
        let unit = 10f64.powi(digits);
        let key = match key.trim() {
            "budget" => "budget_gbp".to_string(),
            other => other.to_string(),
        };
        Ok(SweepSpec {
            key,
            values: (0..count)
                .map(|i| ((lo + step * i as f64) * unit).round() / unit + 0.0)
                .collect(),
        })
    }
}

/// Decimals needed to write `x` exactly as typed (at most 12): 0.1 has 1, 2.5e6 has 0.
fn decimals(x: f64) -> i32 {
    (0..12)
        .find(|&d| {
            let scaled = x * 10f64.powi(d);
            (scaled - scaled.round()).abs() <= 1e-9 * scaled.abs().max(1.0)
        })
        .unwrap_or(12)
}

/// One point of a sweep.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SweepPoint {
    /// The parameter's value.
    pub value: f64,
    /// The split's national figures.
    pub summary: Summary,
    /// The point's assumptions (the swept parameter at its value).
    pub assumptions: Assumptions,
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
    /// The scenario's assumptions before the sweep sets the parameter.
    pub assumptions: Assumptions,
    /// Demand columns whose years do not describe the period.
    pub warnings: Vec<PeriodWarning>,
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
    // Collected whole before the first error is taken, so that it is the first in
    // order (a parallel collect into Result keeps whichever thread failed first).
    let results: Vec<Result<SplitResult, FundingError>> = scenarios
        .par_iter()
        .map(|scenario| split(scenario, &areas.resolve(scenario)?))
        .collect();
    results.into_iter().collect()
}

/// Reads the scenario `file` for `areas`: [`FundingScenario::load`], then the columns it
/// names looked up in the table and its floors priced, so that every problem of the
/// scenario is located in its file: a column the table lacks at the key naming it, a
/// budget that cannot pay the floors at `budget_gbp`.
///
/// # Errors
///
/// [`LoadError`] listing the problems, located.
pub fn load_scenario(file: &Path, areas: &AreasTable) -> Result<FundingScenario, LoadError> {
    let text = config::read(file)?;
    let scenario = FundingScenario::from_toml(file, &text)?;
    let resolved = areas.resolve_from(&scenario, Some((file, &text)))?;
    match split::affordable(&scenario, resolved.len()) {
        Ok(()) => Ok(scenario),
        Err(e) => Err(LoadError::Invalid(vec![config::problem_at_key(
            file,
            &text,
            "budget_gbp",
            format!(
                "{e}: raise `budget_gbp`, or lower `split.floor_supporters` or the costs of a paid hour"
            ),
        )])),
    }
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
    // Whole-number parameters (none at present) would reject a float; keep floats.
    config::set_key(&mut table, key, toml::Value::Float(value)).map_err(FundingError::Sweep)?;
    let Ok(scenario) = toml::Value::Table(table).try_into::<FundingScenario>() else {
        // Only now is the scenario as written read, to name the keys a sweep can take.
        let known = FundingScenario::from_toml(file, text)
            .map(|base| numeric_keys(&base))
            .unwrap_or_default();
        let hint = match config::did_you_mean(key, known.iter().map(String::as_str)) {
            near if !near.is_empty() => near,
            _ => format!(" (its numeric parameters: {})", known.join(", ")),
        };
        return Err(FundingError::SweepKey {
            key: key.to_string(),
            hint,
        });
    };
    scenario
        .check(file, text)
        .map_err(|source| FundingError::SweepValue {
            key: key.to_string(),
            value,
            source: Refusal(source.problems().into_iter().map(|p| p.message).collect()),
        })?;
    Ok(scenario)
}

/// The dotted keys of `scenario`'s numbers, as a sweep names them (`budget_gbp`,
/// `costs.paid_hourly_gbp`, ...; `demand.period_scale` too, which is unset unless the
/// file sets it), sorted.
fn numeric_keys(scenario: &FundingScenario) -> Vec<String> {
    fn walk(prefix: &str, value: &toml::Value, out: &mut Vec<String>) {
        match value {
            toml::Value::Integer(_) | toml::Value::Float(_) => out.push(prefix.to_string()),
            toml::Value::Table(table) => {
                for (key, value) in table {
                    let dotted = if prefix.is_empty() {
                        key.clone()
                    } else {
                        format!("{prefix}.{key}")
                    };
                    walk(&dotted, value, out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    if let Ok(value) = toml::Value::try_from(scenario) {
        walk("", &value, &mut out);
    }
    if scenario.demand.period_scale.is_none() {
        out.push("demand.period_scale".to_string());
    }
    out.sort();
    out
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
    // A column the scenario names that the table lacks is named once, at its key.
    areas.resolve_from(&base, Some((file, text)))?;
    // Every point is read and checked first, in order, so that a bad value is named
    // before any split runs; then the splits run in parallel, the first failure in
    // order reported.
    let scenarios = spec
        .values
        .iter()
        .map(|&value| Ok((value, with_parameter(file, text, &spec.key, value)?)))
        .collect::<Result<Vec<_>, FundingError>>()?;
    let points: Vec<Result<SweepPoint, FundingError>> = scenarios
        .par_iter()
        .map(|(value, scenario)| {
            // A point whose budget cannot pay the floors is named by its value.
            let result = split(scenario, &areas.resolve(scenario)?).map_err(|e| match e {
                FundingError::ImpossibleBudget { .. } => FundingError::SweepValue {
                    key: spec.key.clone(),
                    value: *value,
                    source: Refusal(vec![e.to_string()]),
                },
                other => other,
            })?;
            Ok(SweepPoint {
                value: *value,
                summary: result.summary,
                assumptions: result.assumptions,
            })
        })
        .collect();
    let points = points
        .into_iter()
        .collect::<Result<Vec<_>, FundingError>>()?;
    let assumptions = Assumptions::of(&base);
    Ok(SweepResult {
        warnings: assumptions.warnings(),
        assumptions,
        scenario: base.name,
        rule: base.split.rule.name(),
        parameter: spec.key.clone(),
        points,
    })
}

#[cfg(test)]
mod tests;
