//! Results as polars tables, written as CSV or Parquet, and as SVG charts (plotters).

use std::path::Path;

use caseload_model::files::write_atomically;
use polars::prelude::{Column, CsvWriter, ParquetWriter, SerWriter};

pub use polars::prelude::DataFrame;

use crate::chart::{coverage_svg, sweep_svg, CoveragePanel, SweepLine};
use crate::{Assumptions, FundingError, SimulatedSplit, SplitResult, SweepResult};

fn table_error(file: &str) -> impl Fn(polars::error::PolarsError) -> FundingError + '_ {
    move |e| FundingError::Output {
        file: file.into(),
        source: Box::new(e),
    }
}

/// The assumption columns, one value per row from each row's assumptions; a column
/// named in `skip` (the swept parameter's own column) is left out.
fn assumption_columns(rows: &[&Assumptions], skip: &str) -> Vec<Column> {
    let text = |f: &dyn Fn(&Assumptions) -> String| rows.iter().map(|a| f(a)).collect::<Vec<_>>();
    let number = |f: &dyn Fn(&Assumptions) -> f64| rows.iter().map(|a| f(a)).collect::<Vec<_>>();
    let columns = vec![
        Column::new("period_start".into(), text(&|a| a.start.to_string())),
        Column::new("period_end".into(), text(&|a| a.end.to_string())),
        Column::new("weeks".into(), number(&|a| a.weeks)),
        Column::new("period_scale".into(), number(&|a| a.period_scale)),
        Column::new(
            "period_scale_source".into(),
            text(&|a| match a.period_scale_source {
                crate::PeriodScaleSource::Dates => "dates".into(),
                crate::PeriodScaleSource::Scenario => "scenario".into(),
            }),
        ),
        Column::new(
            "demand_columns".into(),
            text(&|a| {
                a.demand_columns
                    .iter()
                    .map(|d| format!("{}={}", d.column, d.weight))
                    .collect::<Vec<_>>()
                    .join(";")
            }),
        ),
        Column::new("take_up".into(), number(&|a| a.take_up)),
        Column::new(
            "hours_per_family_week".into(),
            number(&|a| a.hours_per_family_week),
        ),
        Column::new("weeks_per_family".into(), number(&|a| a.weeks_per_family)),
        Column::new("budget_gbp".into(), number(&|a| a.budget_gbp)),
        Column::new("admin_share".into(), number(&|a| a.admin_share)),
        Column::new(
            "paid_hourly_gbp".into(),
            number(&|a| a.costs.paid_hourly_gbp),
        ),
        Column::new(
            "paid_hours_per_supporter".into(),
            number(&|a| a.costs.paid_hours_per_week),
        ),
        Column::new(
            "volunteer_hourly_gbp".into(),
            number(&|a| a.costs.volunteer_hourly_gbp),
        ),
        Column::new(
            "volunteer_hours_per_supporter".into(),
            number(&|a| a.costs.volunteer_hours_per_week),
        ),
        Column::new(
            "volunteer_reliability".into(),
            number(&|a| a.costs.volunteer_reliability),
        ),
        Column::new(
            "training_gbp_per_supporter".into(),
            number(&|a| a.costs.training_gbp_per_supporter),
        ),
        Column::new(
            "max_volunteer_share".into(),
            number(&|a| a.costs.max_volunteer_share),
        ),
        Column::new(
            "supporters_per_area".into(),
            number(&|a| a.split.supporters_per_area),
        ),
        Column::new(
            "floor_supporters".into(),
            number(&|a| a.split.floor_supporters),
        ),
        Column::new(
            "volunteer_share".into(),
            number(&|a| a.split.volunteer_share),
        ),
        Column::new(
            "deprivation_weight".into(),
            number(&|a| a.split.deprivation_weight),
        ),
        Column::new(
            "deprivation_column".into(),
            text(&|a| a.split.deprivation_column.clone()),
        ),
        Column::new(
            "population_column".into(),
            text(&|a| a.split.population_column.clone()),
        ),
    ];
    columns
        .into_iter()
        .filter(|c| c.name().as_str() != skip)
        .collect()
}

/// Per-area rows of one or more splits (long format: one row per scenario and area).
///
/// # Errors
///
/// [`FundingError::Output`] if polars cannot build the table.
pub fn areas_frame(results: &[SplitResult]) -> Result<DataFrame, FundingError> {
    let rows: Vec<(&SplitResult, &crate::AreaFunding)> = results
        .iter()
        .flat_map(|r| r.areas.iter().map(move |a| (r, a)))
        .collect();
    let text = |f: &dyn Fn(&(&SplitResult, &crate::AreaFunding)) -> String| {
        rows.iter().map(f).collect::<Vec<String>>()
    };
    let number = |f: &dyn Fn(&crate::AreaFunding) -> f64| {
        rows.iter().map(|(_, a)| f(a)).collect::<Vec<f64>>()
    };
    let columns = vec![
        Column::new("scenario".into(), text(&|(r, _)| r.scenario.clone())),
        Column::new("rule".into(), text(&|(r, _)| r.rule.to_string())),
        Column::new("area".into(), text(&|(_, a)| a.area.clone())),
        Column::new("name".into(), text(&|(_, a)| a.name.clone())),
        Column::new("region".into(), text(&|(_, a)| a.region.clone())),
        Column::new("funding_gbp".into(), number(&|a| a.funding_gbp)),
        Column::new("paid_supporters".into(), number(&|a| a.paid_supporters)),
        Column::new(
            "volunteer_supporters".into(),
            number(&|a| a.volunteer_supporters),
        ),
        Column::new(
            "delivered_hours_per_week".into(),
            number(&|a| a.delivered_hours_per_week),
        ),
        Column::new("capacity_families".into(), number(&|a| a.capacity_families)),
        Column::new("demand_families".into(), number(&|a| a.demand_families)),
        Column::new(
            "families_supported".into(),
            number(&|a| a.families_supported),
        ),
        Column::new("coverage".into(), number(&|a| a.coverage)),
        Column::new("unspent_gbp".into(), number(&|a| a.unspent_gbp)),
        Column::new("idle_gbp".into(), number(&|a| a.idle_gbp)),
    ];
    let assumed: Vec<&Assumptions> = rows.iter().map(|(r, _)| &r.assumptions).collect();
    let columns = columns
        .into_iter()
        .chain(assumption_columns(&assumed, ""))
        .collect();
    DataFrame::new(rows.len(), columns).map_err(table_error("areas table"))
}

/// One row per sweep point.
///
/// # Errors
///
/// [`FundingError::Output`] if polars cannot build the table.
pub fn sweep_frame(sweep: &SweepResult) -> Result<DataFrame, FundingError> {
    let get = |f: &dyn Fn(&crate::Summary) -> f64| {
        sweep
            .points
            .iter()
            .map(|p| f(&p.summary))
            .collect::<Vec<f64>>()
    };
    // The scenario and rule on every row, as in the split's and the comparison's
    // tables, so that sweeps of several rules can be stacked in one sheet.
    let n = sweep.points.len();
    let columns = vec![
        Column::new("scenario".into(), vec![sweep.scenario.as_str(); n]),
        Column::new("rule".into(), vec![sweep.rule; n]),
        Column::new(
            sweep.parameter.as_str().into(),
            sweep.points.iter().map(|p| p.value).collect::<Vec<f64>>(),
        ),
        Column::new("available_gbp".into(), get(&|s| s.available_gbp)),
        Column::new("spend_gbp".into(), get(&|s| s.spend_gbp)),
        Column::new("unspent_gbp".into(), get(&|s| s.unspent_gbp)),
        Column::new("beyond_demand_gbp".into(), get(&|s| s.beyond_demand_gbp)),
        Column::new("families_supported".into(), get(&|s| s.families_supported)),
        Column::new("demand_families".into(), get(&|s| s.demand_families)),
        Column::new("unmet_demand".into(), get(&|s| s.unmet_demand)),
        Column::new("coverage".into(), get(&|s| s.coverage)),
        Column::new("min_coverage".into(), get(&|s| s.min_coverage)),
        Column::new("median_coverage".into(), get(&|s| s.median_coverage)),
        Column::new("gini_coverage".into(), get(&|s| s.gini_coverage)),
    ];
    let assumed: Vec<&Assumptions> = sweep.points.iter().map(|p| &p.assumptions).collect();
    let columns = columns
        .into_iter()
        .chain(assumption_columns(&assumed, &sweep.parameter))
        .collect();
    DataFrame::new(sweep.points.len(), columns).map_err(table_error("sweep table"))
}

/// One row per scenario and area of simulated splits: the closed form beside the
/// simulation's means and 95% intervals (null where undefined).
///
/// # Errors
///
/// [`FundingError::Output`] if polars cannot build the table.
pub fn simulated_frame(splits: &[SimulatedSplit]) -> Result<DataFrame, FundingError> {
    let rows: Vec<(&SimulatedSplit, &crate::SimulatedArea)> = splits
        .iter()
        .flat_map(|s| s.areas.iter().map(move |a| (s, a)))
        .collect();
    let text = |f: &dyn Fn(&SimulatedSplit, &crate::SimulatedArea) -> String| {
        rows.iter().map(|(s, a)| f(s, a)).collect::<Vec<String>>()
    };
    let number = |f: &dyn Fn(&crate::SimulatedArea) -> f64| {
        rows.iter().map(|(_, a)| f(a)).collect::<Vec<f64>>()
    };
    let mut columns = vec![
        Column::new("scenario".into(), text(&|s, _| s.scenario.clone())),
        Column::new("rule".into(), text(&|s, _| s.rule.to_string())),
        Column::new("policy".into(), text(&|s, _| s.policy.clone())),
        Column::new(
            "replications".into(),
            rows.iter()
                .map(|(s, _)| s.replications)
                .collect::<Vec<u32>>(),
        ),
        Column::new("area".into(), text(&|_, a| a.area.clone())),
        Column::new("name".into(), text(&|_, a| a.name.clone())),
        Column::new("funding_gbp".into(), number(&|a| a.funding_gbp)),
        Column::new("paid_supporters".into(), number(&|a| a.paid_supporters)),
        Column::new(
            "volunteer_supporters".into(),
            number(&|a| a.volunteer_supporters),
        ),
        Column::new("demand_families".into(), number(&|a| a.demand_families)),
        Column::new(
            "closed_form_families".into(),
            number(&|a| a.closed_form_families),
        ),
    ];
    type Get = fn(&crate::SimulatedArea) -> &caseload_sim::Estimate;
    let estimates: [(&str, Get); 4] = [
        ("families_supported", |a| &a.families_supported),
        ("referred", |a| &a.referred),
        ("wait_mean", |a| &a.wait_mean),
        ("supported_by_week_16", |a| &a.supported_by_week_16),
    ];
    for (name, get) in estimates {
        let part = |f: &dyn Fn(&caseload_sim::Estimate) -> Option<f64>| {
            rows.iter()
                .map(|(_, a)| f(get(a)))
                .collect::<Vec<Option<f64>>>()
        };
        columns.push(Column::new(
            format!("{name}_mean").into(),
            part(&|e| e.mean),
        ));
        columns.push(Column::new(
            format!("{name}_ci95_lo").into(),
            part(&|e| e.ci95.map(|c| c[0])),
        ));
        columns.push(Column::new(
            format!("{name}_ci95_hi").into(),
            part(&|e| e.ci95.map(|c| c[1])),
        ));
        // A wait or a share is defined only in the replications that supported or
        // referred a family: how many, where the mean may rest on fewer.
        columns.push(Column::new(
            format!("{name}_n").into(),
            rows.iter()
                .map(|(_, a)| get(a).n as u32)
                .collect::<Vec<u32>>(),
        ));
    }
    let assumed: Vec<&Assumptions> = rows.iter().map(|(s, _)| &s.assumptions).collect();
    columns.extend(assumption_columns(&assumed, ""));
    DataFrame::new(rows.len(), columns).map_err(table_error("simulated table"))
}

/// The table as CSV text.
///
/// # Errors
///
/// [`FundingError::Output`] if polars cannot write it.
pub fn csv_text(df: &mut DataFrame) -> Result<String, FundingError> {
    let mut bytes = Vec::new();
    CsvWriter::new(&mut bytes)
        .finish(df)
        .map_err(table_error("csv"))?;
    String::from_utf8(bytes).map_err(|e| FundingError::Output {
        file: "csv".into(),
        source: Box::new(e),
    })
}

/// Writes the table to `file` as Parquet, whole or not at all.
///
/// # Errors
///
/// [`FundingError::Output`] if it cannot be written.
pub fn write_parquet(df: &mut DataFrame, file: &Path) -> Result<(), FundingError> {
    write_atomically(file, |f| {
        ParquetWriter::new(f)
            .finish(df)
            .map(|_| ())
            .map_err(std::io::Error::other)
    })
    .map_err(|e| FundingError::Output {
        file: file.to_path_buf(),
        source: Box::new(e),
    })
}

fn write_svg(file: &Path, svg: &str) -> Result<(), FundingError> {
    write_atomically(file, |f| std::io::Write::write_all(f, svg.as_bytes())).map_err(|e| {
        FundingError::Output {
            file: file.to_path_buf(),
            source: Box::new(e),
        }
    })
}

/// Coverage by area: one panel per split, each area a bar, sorted from the lowest to
/// the highest coverage, the lowest and highest named.
///
/// # Errors
///
/// [`FundingError::Output`] if it cannot be written.
pub fn coverage_chart(results: &[SplitResult], file: &Path) -> Result<(), FundingError> {
    let panels: Vec<CoveragePanel> = results
        .iter()
        .map(|r| {
            CoveragePanel::with_demand(
                format!("{} ({})", r.scenario, r.rule),
                r.areas
                    .iter()
                    .map(|a| (a.name.clone(), a.demand_families, a.coverage, None)),
            )
        })
        .collect();
    write_svg(file, &coverage_svg("Coverage by area", None, &panels))
}

/// Coverage by area of simulated splits, one panel each: the closed form's as bars,
/// the simulation's mean as dots, sorted by the closed form.
///
/// # Errors
///
/// [`FundingError::Output`] if it cannot be written.
pub fn simulated_chart(splits: &[SimulatedSplit], file: &Path) -> Result<(), FundingError> {
    let panels: Vec<CoveragePanel> = splits
        .iter()
        .map(|s| {
            CoveragePanel::with_demand(
                format!("{} ({}), policy {}", s.scenario, s.rule, s.policy),
                s.areas.iter().map(|a| {
                    (
                        a.name.clone(),
                        a.demand_families,
                        (a.closed_form_families / a.demand_families).min(1.0),
                        a.coverage(),
                    )
                }),
            )
        })
        .collect();
    let replications = splits.first().map_or(0, |s| s.replications);
    write_svg(
        file,
        &coverage_svg(
            &format!("Coverage by area: closed form and {replications} simulated replications"),
            Some(("closed form", "simulated (mean)")),
            &panels,
        ),
    )
}

/// A scenario key as an axis says it: `budget_gbp` as "budget (£)",
/// `costs.volunteer_reliability` as "volunteer reliability".
pub fn key_in_words(key: &str) -> String {
    let last = key.rsplit('.').next().unwrap_or(key);
    match last.strip_suffix("_gbp") {
        Some(name) => format!("{} (£)", name.replace('_', " ")),
        None => last.replace('_', " "),
    }
}

/// Families supported against the swept parameter, with demand for reference.
///
/// # Errors
///
/// [`FundingError::Output`] if it cannot be written.
pub fn sweep_chart(sweep: &SweepResult, file: &Path) -> Result<(), FundingError> {
    let line = |label: &'static str, dashed: bool, y: fn(&crate::Summary) -> f64| SweepLine {
        label,
        dashed,
        points: sweep
            .points
            .iter()
            .map(|p| (p.value, y(&p.summary)))
            .collect(),
    };
    let pounds = sweep.parameter.ends_with("_gbp");
    let x_format = |x: f64| {
        if pounds {
            money_short(x)
        } else {
            number(x)
        }
    };
    let x_label = key_in_words(&sweep.parameter);
    let svg = sweep_svg(
        &format!(
            "{} ({}): families supported against {x_label}",
            sweep.scenario, sweep.rule
        ),
        &x_label,
        &x_format,
        "families over the period",
        &|y| thousands(y.round() as i64),
        &[
            line("families supported", false, |s| s.families_supported),
            line("demand", true, |s| s.demand_families),
        ],
    );
    write_svg(file, &svg)
}

/// A whole number with thousands separators: 28,500,000.
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{}{grouped}", if n < 0 { "-" } else { "" })
}

/// Pounds, rounded to the pound, with separators: £28,500,000.
pub fn money(x: f64) -> String {
    let pounds = x.round() as i64;
    format!(
        "{}£{}",
        if pounds < 0 { "-" } else { "" },
        thousands(pounds.abs())
    )
}

/// Pounds for an axis: £500k, £7.5m, £20m.
pub fn money_short(x: f64) -> String {
    let (value, suffix) = if x.abs() >= 1e6 {
        (x / 1e6, "m")
    } else if x.abs() >= 1e3 {
        (x / 1e3, "k")
    } else {
        (x, "")
    };
    format!("£{}{suffix}", number(value))
}

/// A number without float noise: at most 3 decimals, no trailing zeros.
pub fn number(x: f64) -> String {
    let rounded = (x * 1000.0).round() / 1000.0 + 0.0;
    let text = format!("{rounded:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}
