//! A funding scenario (TOML), as the funding spec defines it, with documented defaults.
//!
//! No per-area cost figures were ever published: the cost defaults are assumptions
//! chosen so that 12 paid supporters in each of 152 areas cost about the 2014-16 budget.

use std::collections::BTreeMap;
use std::path::Path;

use caseload_model::{config, LoadError};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The largest budget a scenario may name, pounds: over 300 times the 2014-16
/// programme, and small enough that every sum of money stays exact to the penny.
pub const MOST_BUDGET_GBP: f64 = 1e10;

/// A budget, a period and a rule for splitting the budget across areas.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FundingScenario {
    /// A name for output.
    pub name: String,
    /// The budget for the period, pounds (default 30,000,000: 2014-16).
    #[serde(default = "default_budget")]
    pub budget_gbp: f64,
    /// First day of the period (default 2014-09-01).
    #[serde(default = "default_start", deserialize_with = "config::date")]
    pub start: NaiveDate,
    /// Last day of the period, included (default 2016-03-31).
    #[serde(default = "default_end", deserialize_with = "config::date")]
    pub end: NaiveDate,
    /// National top-slice for training and coordination (default 0.05).
    #[serde(default = "default_admin")]
    pub admin_share: f64,
    /// Unit costs.
    #[serde(default)]
    pub costs: Costs,
    /// How demand is computed from the areas table.
    #[serde(default)]
    pub demand: Demand,
    /// The rule.
    #[serde(default)]
    pub split: Split,
}

/// Unit costs (assumptions: no per-area costs were published).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Costs {
    /// Fully loaded cost of a paid supporter's hour (default 20).
    pub paid_hourly_gbp: f64,
    /// Hours a week of one paid supporter (default 10, a sessional post).
    pub paid_hours_per_week: f64,
    /// Expenses, supervision and coordination per volunteer hour (default 5).
    pub volunteer_hourly_gbp: f64,
    /// Hours a week of one volunteer (default 5).
    pub volunteer_hours_per_week: f64,
    /// Share of offered volunteer hours delivered (default 0.7).
    pub volunteer_reliability: f64,
    /// Training per supporter, paid or volunteer (default 500).
    pub training_gbp_per_supporter: f64,
    /// Most volunteers an area may have, as a share of its supporters in full-time
    /// equivalents (default 0.5).
    pub max_volunteer_share: f64,
}

impl Default for Costs {
    fn default() -> Self {
        Costs {
            paid_hourly_gbp: 20.0,
            paid_hours_per_week: 10.0,
            volunteer_hourly_gbp: 5.0,
            volunteer_hours_per_week: 5.0,
            volunteer_reliability: 0.7,
            training_gbp_per_supporter: 500.0,
            max_volunteer_share: 0.5,
        }
    }
}

/// Demand: families entering the EHC process, from the areas table's columns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Demand {
    /// Columns and weights (default transfers and new plans in 2015, weight 1 each).
    pub columns: BTreeMap<String, f64>,
    /// Years of the columns' annual demand that fall in the period: an override. When
    /// absent (the default) it is the period's length in years, weeks / 52.1775.
    pub period_scale: Option<f64>,
    /// Share of those families who would use a supporter (default 0.3).
    pub take_up: f64,
    /// Hours a week a supported family needs (default 2).
    pub hours_per_family_week: f64,
    /// Weeks a family is supported (default 20: the EHC clock).
    pub weeks_per_family: f64,
}

impl Default for Demand {
    fn default() -> Self {
        Demand {
            columns: [
                ("transfers_statement_to_ehc_2015", 1.0),
                ("new_ehc_plans_2015", 1.0),
            ]
            .map(|(k, v)| (k.to_string(), v))
            .into(),
            period_scale: None,
            take_up: 0.3,
            hours_per_family_week: 2.0,
            weeks_per_family: 20.0,
        }
    }
}

/// Weeks in a mean Gregorian year (365.2425 / 7).
pub const WEEKS_PER_YEAR: f64 = 52.1775;

/// Where a scenario's period scale came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodScaleSource {
    /// The period's length in years, from `start` and `end`.
    Dates,
    /// The scenario's `demand.period_scale`, an override.
    Scenario,
}

impl PeriodScaleSource {
    /// In words, for tables.
    pub fn describe(self) -> &'static str {
        match self {
            PeriodScaleSource::Dates => "from the dates",
            PeriodScaleSource::Scenario => "set in the scenario",
        }
    }
}

/// The rules, as the spec names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// The same number of supporters in every area (the 2014 decision).
    Flat,
    /// In proportion to the population aged 0-25.
    Population,
    /// In proportion to demand.
    Demand,
    /// In proportion to demand times (1 + weight * deprivation share).
    Deprivation,
    /// The LP that supports the most families.
    MaxFamilies,
    /// The LP that makes the smallest area coverage as large as it can be, then
    /// supports the most families with that held.
    MaxMinCoverage,
}

impl Rule {
    /// The rule's name in scenario files and output.
    pub fn name(self) -> &'static str {
        match self {
            Rule::Flat => "flat",
            Rule::Population => "population",
            Rule::Demand => "demand",
            Rule::Deprivation => "deprivation",
            Rule::MaxFamilies => "max_families",
            Rule::MaxMinCoverage => "max_min_coverage",
        }
    }
}

/// The split rule and its parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Split {
    /// The rule (default flat).
    pub rule: Rule,
    /// Supporters per area under `flat` (default 12).
    pub supporters_per_area: f64,
    /// Paid supporters every area gets first, under every rule (default 1).
    pub floor_supporters: f64,
    /// Share of each area's supporters who are volunteers, for the rules that do not
    /// optimise (default 0; at most `costs.max_volunteer_share`).
    pub volunteer_share: f64,
    /// Weight of the deprivation share under `deprivation` (default 1).
    pub deprivation_weight: f64,
    /// The areas table's deprivation column (default the share of small areas in
    /// England's most deprived tenth).
    pub deprivation_column: String,
    /// The population column used by `population` (default `pop_0_25_mid2017`).
    pub population_column: String,
}

impl Default for Split {
    fn default() -> Self {
        Split {
            rule: Rule::Flat,
            supporters_per_area: 12.0,
            floor_supporters: 1.0,
            volunteer_share: 0.0,
            deprivation_weight: 1.0,
            deprivation_column: "imd2015_prop_lsoa_most_deprived_10pct".into(),
            population_column: "pop_0_25_mid2017".into(),
        }
    }
}

fn default_budget() -> f64 {
    30_000_000.0
}
fn default_start() -> NaiveDate {
    NaiveDate::from_ymd_opt(2014, 9, 1).expect("a valid date")
}
fn default_end() -> NaiveDate {
    NaiveDate::from_ymd_opt(2016, 3, 31).expect("a valid date")
}
fn default_admin() -> f64 {
    0.05
}

impl FundingScenario {
    /// Reads and validates a scenario file.
    ///
    /// # Errors
    ///
    /// [`LoadError`] for an unreadable file, bad TOML, an unknown key or an out-of-range
    /// value, located by line and column.
    pub fn load(file: &Path) -> Result<FundingScenario, LoadError> {
        let text = config::read(file)?;
        FundingScenario::from_toml(file, &text)
    }

    /// Parses and validates scenario TOML; `file` only names it in messages.
    ///
    /// # Errors
    ///
    /// [`LoadError::Invalid`] listing every problem, located.
    pub fn from_toml(file: &Path, text: &str) -> Result<FundingScenario, LoadError> {
        config::load(file, text, FundingScenario::invalid_values)
    }

    /// Checks every value's range; `text` is the TOML it came from, to locate problems.
    ///
    /// # Errors
    ///
    /// [`LoadError::Invalid`] listing every out-of-range value.
    pub fn check(&self, file: &Path, text: &str) -> Result<(), LoadError> {
        config::check_values(file, text, self.invalid_values())
    }

    /// Weeks in the period: days from `start` to `end`, both included, over 7.
    pub fn weeks(&self) -> f64 {
        ((self.end - self.start).num_days() + 1) as f64 / 7.0
    }

    /// Years of annual demand in the period, and where that figure came from: the
    /// scenario's `demand.period_scale` if given, else weeks / 52.1775 (the mean
    /// Gregorian year in weeks).
    pub fn period_scale(&self) -> (f64, PeriodScaleSource) {
        match self.demand.period_scale {
            Some(scale) => (scale, PeriodScaleSource::Scenario),
            None => (self.weeks() / WEEKS_PER_YEAR, PeriodScaleSource::Dates),
        }
    }

    /// The budget after the national top-slice.
    pub fn available(&self) -> f64 {
        self.budget_gbp * (1.0 - self.admin_share)
    }

    fn invalid_values(&self) -> Vec<(&'static str, String)> {
        let mut bad = Vec::new();
        let mut check = |ok: bool, key: &'static str, message: String| {
            if !ok {
                bad.push((key, message));
            }
        };
        let c = &self.costs;
        let d = &self.demand;
        let s = &self.split;
        // (key, value, range): every number has a lower and an upper bound, so that no
        // sum of money or count of supporters leaves what an f64 holds to the penny.
        let mut numbers = vec![
            ("admin_share", self.admin_share, Range::FromBelow(0.0, 1.0)),
            (
                "costs.paid_hourly_gbp",
                c.paid_hourly_gbp,
                Range::FromTo(0.01, 10_000.0),
            ),
            (
                "costs.paid_hours_per_week",
                c.paid_hours_per_week,
                Range::FromTo(0.1, 60.0),
            ),
            (
                "costs.volunteer_hourly_gbp",
                c.volunteer_hourly_gbp,
                Range::FromTo(0.01, 10_000.0),
            ),
            (
                "costs.volunteer_hours_per_week",
                c.volunteer_hours_per_week,
                Range::FromTo(0.1, 60.0),
            ),
            (
                "costs.volunteer_reliability",
                c.volunteer_reliability,
                Range::FromTo(0.0, 1.0),
            ),
            (
                "costs.training_gbp_per_supporter",
                c.training_gbp_per_supporter,
                Range::FromTo(0.0, 1e6),
            ),
            (
                "costs.max_volunteer_share",
                c.max_volunteer_share,
                Range::FromBelow(0.0, 1.0),
            ),
            ("demand.take_up", d.take_up, Range::AboveTo(0.0, 1.0)),
            (
                "demand.hours_per_family_week",
                d.hours_per_family_week,
                Range::FromTo(0.1, 60.0),
            ),
            (
                "demand.weeks_per_family",
                d.weeks_per_family,
                Range::FromTo(1.0, 520.0),
            ),
            (
                "split.supporters_per_area",
                s.supporters_per_area,
                Range::FromTo(0.0, 10_000.0),
            ),
            (
                "split.floor_supporters",
                s.floor_supporters,
                Range::FromTo(0.0, 10_000.0),
            ),
            (
                "split.deprivation_weight",
                s.deprivation_weight,
                Range::FromTo(0.0, 1000.0),
            ),
        ];
        if let Some(value) = d.period_scale {
            numbers.push(("demand.period_scale", value, Range::AboveTo(0.0, 1000.0)));
        }
        check(
            Range::AboveTo(0.0, MOST_BUDGET_GBP).holds(self.budget_gbp),
            "budget_gbp",
            format!(
                "`budget_gbp` must be more than 0 and at most {} (ten billion pounds), got {}",
                shown(MOST_BUDGET_GBP),
                shown(self.budget_gbp)
            ),
        );
        for (key, date) in [("start", self.start), ("end", self.end)] {
            if let Err(message) = caseload_model::within_years(date) {
                check(false, key, format!("`{key}`: {message}"));
            }
        }
        check(
            self.end >= self.start,
            "end",
            format!("`end` ({}) is before `start` ({})", self.end, self.start),
        );
        for (key, value, range) in numbers {
            check(
                range.holds(value),
                key,
                format!("`{key}` must be {}, got {}", range.words(), shown(value)),
            );
        }
        check(
            Range::FromTo(0.0, c.max_volunteer_share).holds(s.volunteer_share),
            "split.volunteer_share",
            format!(
                "`split.volunteer_share` must be from 0 to `costs.max_volunteer_share` ({}), got {}",
                shown(c.max_volunteer_share),
                shown(s.volunteer_share)
            ),
        );
        check(
            !d.columns.is_empty(),
            "demand.columns",
            "`demand.columns` must name at least one column".into(),
        );
        check(
            d.columns
                .values()
                .all(|w| Range::FromTo(0.0, 1000.0).holds(*w)),
            "demand.columns",
            "`demand.columns`: every weight must be from 0 to 1000".into(),
        );
        bad
    }
}

/// The values a number of a scenario may take.
#[derive(Debug, Clone, Copy)]
enum Range {
    /// More than the first, at most the second.
    AboveTo(f64, f64),
    /// From the first to the second, both included.
    FromTo(f64, f64),
    /// From the first to below the second.
    FromBelow(f64, f64),
}

impl Range {
    fn holds(self, x: f64) -> bool {
        x.is_finite()
            && match self {
                Range::AboveTo(low, high) => x > low && x <= high,
                Range::FromTo(low, high) => x >= low && x <= high,
                Range::FromBelow(low, high) => x >= low && x < high,
            }
    }

    fn words(self) -> String {
        match self {
            Range::AboveTo(low, high) => {
                format!("more than {} and at most {}", shown(low), shown(high))
            }
            Range::FromTo(low, high) => format!("from {} to {}", shown(low), shown(high)),
            Range::FromBelow(low, high) => format!("from {} to below {}", shown(low), shown(high)),
        }
    }
}

/// A number as a message shows it: as written, or in e-notation when it is huge or
/// tiny (1e308 written out is 309 digits).
fn shown(x: f64) -> String {
    if x != 0.0 && !(1e-6..1e15).contains(&x.abs()) {
        format!("{x:e}")
    } else {
        x.to_string()
    }
}
