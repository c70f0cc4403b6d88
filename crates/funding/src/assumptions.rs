//! What a split assumed: the period, how much annual demand falls in it, the demand
//! columns, take-up and the costs. Every output carries these, so that a figure is
//! never read without the assumptions that made it.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::scenario::{Costs, FundingScenario, PeriodScaleSource, Rule, Split, WEEKS_PER_YEAR};

/// One demand column, its weight, and the calendar year its name carries.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DemandColumn {
    /// The areas table's column.
    pub column: String,
    /// Its weight in the demand sum.
    pub weight: f64,
    /// The calendar year in the column's name (`new_ehc_plans_2015`: 2015), if any.
    pub year: Option<i32>,
}

/// The assumptions of one split.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assumptions {
    /// First day of the period.
    pub start: NaiveDate,
    /// Last day of the period, included.
    pub end: NaiveDate,
    /// W: days from `start` to `end`, both included, over 7.
    pub weeks: f64,
    /// Years of annual demand counted in the period.
    pub period_scale: f64,
    /// Whether `period_scale` came from the dates (W / 52.1775) or the scenario.
    pub period_scale_source: PeriodScaleSource,
    /// The demand columns and their weights.
    pub demand_columns: Vec<DemandColumn>,
    /// Share of families who would use a supporter.
    pub take_up: f64,
    /// Hours a week a supported family needs.
    pub hours_per_family_week: f64,
    /// Weeks a family is supported.
    pub weeks_per_family: f64,
    /// The budget for the period.
    pub budget_gbp: f64,
    /// The national top-slice.
    pub admin_share: f64,
    /// The cost figures.
    pub costs: Costs,
    /// The rule and its settings (floor, mix, supporters per area, columns).
    pub split: Split,
}

/// The period reaches outside the years a demand column describes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeriodWarning {
    /// The column.
    pub column: String,
    /// The calendar year its name carries.
    pub year: i32,
    /// First day the column describes: 1 January of the year before.
    pub describes_from: NaiveDate,
    /// Last day it describes: 31 December of the year after.
    pub describes_to: NaiveDate,
    /// The warning in words.
    pub message: String,
}

impl std::fmt::Display for PeriodWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// The calendar year a column's name carries: the last run of exactly four digits
/// that is a year from 1900 to 2100 (`statements_jan2015`: 2015).
pub(crate) fn column_year(column: &str) -> Option<i32> {
    column
        .split(|c: char| !c.is_ascii_digit())
        .filter(|run| run.len() == 4)
        .filter_map(|run| run.parse::<i32>().ok())
        .rfind(|year| (1900..=2100).contains(year))
}

/// The days a column of calendar year `year` describes: that year, give or take one
/// calendar year (a flow counted in 2015 is a fair guide to 2014 and 2016, not later).
pub(crate) fn described_days(year: i32) -> Option<(NaiveDate, NaiveDate)> {
    Some((
        NaiveDate::from_ymd_opt(year - 1, 1, 1)?,
        NaiveDate::from_ymd_opt(year + 1, 12, 31)?,
    ))
}

impl Assumptions {
    /// The assumptions of `scenario`.
    pub fn of(scenario: &FundingScenario) -> Assumptions {
        let (period_scale, period_scale_source) = scenario.period_scale();
        let d = &scenario.demand;
        Assumptions {
            start: scenario.start,
            end: scenario.end,
            weeks: scenario.weeks(),
            period_scale,
            period_scale_source,
            demand_columns: d
                .columns
                .iter()
                .map(|(column, weight)| DemandColumn {
                    column: column.clone(),
                    weight: *weight,
                    year: column_year(column),
                })
                .collect(),
            take_up: d.take_up,
            hours_per_family_week: d.hours_per_family_week,
            weeks_per_family: d.weeks_per_family,
            budget_gbp: scenario.budget_gbp,
            admin_share: scenario.admin_share,
            costs: scenario.costs.clone(),
            split: scenario.split.clone(),
        }
    }

    /// A warning for each demand column whose year does not describe the whole period.
    /// Columns whose names carry no year cannot be checked and give none.
    pub fn warnings(&self) -> Vec<PeriodWarning> {
        self.demand_columns
            .iter()
            .filter_map(|c| {
                let year = c.year?;
                let (from, to) = described_days(year)?;
                if self.start >= from && self.end <= to {
                    return None;
                }
                Some(PeriodWarning {
                    column: c.column.clone(),
                    year,
                    describes_from: from,
                    describes_to: to,
                    message: format!(
                        "the period {} to {} is outside the years demand column `{}` describes ({} to {}: its calendar year {}, give or take one): demand counted in {} stands in for dates up to {} years away",
                        self.start,
                        self.end,
                        c.column,
                        from,
                        to,
                        year,
                        year,
                        year_gap(year, self.start, self.end)
                    ),
                })
            })
            .collect()
    }

    /// The assumptions in words, one line each, for tables and Markdown: those a
    /// comparison's scenarios may share, then the rule's settings.
    pub fn describe(&self) -> Vec<String> {
        let mut lines = self.describe_shared();
        lines.push(self.describe_split());
        lines
    }

    /// The assumptions but the rule and its settings: what scenarios compared side by
    /// side share when only their rules differ.
    pub fn shared(&self) -> Assumptions {
        Assumptions {
            split: Split::default(),
            ..self.clone()
        }
    }

    /// [`Assumptions::describe`] without the rule's settings (the line of
    /// [`Assumptions::describe_split`]).
    pub fn describe_shared(&self) -> Vec<String> {
        let c = &self.costs;
        let columns: Vec<String> = self
            .demand_columns
            .iter()
            .map(|d| format!("{} x {}", d.column, d.weight))
            .collect();
        vec![
            format!(
                "period: {} to {}, W = {} weeks",
                self.start,
                self.end,
                round(self.weeks, 3)
            ),
            match self.period_scale_source {
                PeriodScaleSource::Dates => format!(
                    "period_scale: {} years of annual demand, from the dates (W / {WEEKS_PER_YEAR})",
                    round(self.period_scale, 4)
                ),
                PeriodScaleSource::Scenario => format!(
                    "period_scale: {} years of annual demand, set in the scenario (the dates give {})",
                    round(self.period_scale, 4),
                    round(self.weeks / WEEKS_PER_YEAR, 4)
                ),
            },
            format!(
                "demand: a year's families = {} (areas table columns), take-up {}%",
                columns.join(" + "),
                round(self.take_up * 100.0, 2)
            ),
            format!(
                "support: {} hours a week for {} weeks per family",
                self.hours_per_family_week, self.weeks_per_family
            ),
            format!(
                "budget: {}, {}% top-sliced nationally",
                crate::tables::money(self.budget_gbp),
                round(self.admin_share * 100.0, 2)
            ),
            format!(
                "costs: paid £{:.2} an hour, {} hours a week per supporter; volunteer £{:.2} an hour, {} hours a week, {}% of offered hours delivered; training {} per supporter; volunteers at most {}% of an area's supporters",
                c.paid_hourly_gbp,
                c.paid_hours_per_week,
                c.volunteer_hourly_gbp,
                c.volunteer_hours_per_week,
                round(c.volunteer_reliability * 100.0, 2),
                crate::tables::money(c.training_gbp_per_supporter),
                round(c.max_volunteer_share * 100.0, 2)
            ),
        ]
    }

    /// The rule's settings in words: what it shares, the floor and the mix.
    pub fn describe_split(&self) -> String {
        let s = &self.split;
        let supporters = |n: f64| if n == 1.0 { "supporter" } else { "supporters" };
        let floor = format!(
            "a floor of {} paid {} in every area",
            s.floor_supporters,
            supporters(s.floor_supporters)
        );
        let share = round(s.volunteer_share * 100.0, 2);
        let beyond = format!("of the supporters bought beyond the floor, {share}% volunteers");
        let (shared, mix) = match s.rule {
            Rule::Flat => (
                format!(
                    "{} {} per area",
                    s.supporters_per_area,
                    supporters(s.supporters_per_area)
                ),
                format!("{share}% of them volunteers, never fewer paid than the floor"),
            ),
            Rule::Population => (format!("the rest by `{}`", s.population_column), beyond),
            Rule::Demand => ("the rest by demand".into(), beyond),
            Rule::Deprivation => (
                format!(
                    "the rest by demand x (1 + {} x `{}`)",
                    s.deprivation_weight, s.deprivation_column
                ),
                beyond,
            ),
            Rule::MaxFamilies | Rule::MaxMinCoverage => (
                "an LP".into(),
                "each area's mix chosen by the LP, volunteers at most the share the costs allow"
                    .into(),
            ),
        };
        format!("split: `{}`, {shared}; {floor}; {mix}", s.rule.name())
    }
}

/// Whole years from the column's year to the period's farthest date.
fn year_gap(year: i32, start: NaiveDate, end: NaiveDate) -> i32 {
    (start.year() - year).abs().max((end.year() - year).abs())
}

/// `x` rounded to `digits` decimals, printed without trailing noise.
fn round(x: f64, digits: i32) -> f64 {
    let unit = 10f64.powi(digits);
    (x * unit).round() / unit + 0.0
}
