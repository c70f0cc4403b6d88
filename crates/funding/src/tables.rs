//! Results as polars tables, written as CSV or Parquet, and as SVG charts (plotters).

use std::path::Path;

use caseload_model::files::write_atomically;
use caseload_sim::chart::{line_chart, percent, whole, Line, LineChart, SeriesLabelPosition};
use polars::prelude::{Column, CsvWriter, DataFrame, ParquetWriter, SerWriter};

use crate::{FundingError, SplitResult, SweepResult};

fn table_error(file: &str) -> impl Fn(polars::error::PolarsError) -> FundingError + '_ {
    move |e| FundingError::Output {
        file: file.into(),
        reason: e.to_string(),
    }
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
    let columns = vec![
        Column::new(
            sweep.parameter.as_str().into(),
            sweep.points.iter().map(|p| p.value).collect::<Vec<f64>>(),
        ),
        Column::new("spend_gbp".into(), get(&|s| s.spend_gbp)),
        Column::new("unspent_gbp".into(), get(&|s| s.unspent_gbp)),
        Column::new("families_supported".into(), get(&|s| s.families_supported)),
        Column::new("unmet_demand".into(), get(&|s| s.unmet_demand)),
        Column::new("coverage".into(), get(&|s| s.coverage)),
        Column::new("min_coverage".into(), get(&|s| s.min_coverage)),
        Column::new("median_coverage".into(), get(&|s| s.median_coverage)),
        Column::new("gini_coverage".into(), get(&|s| s.gini_coverage)),
    ];
    DataFrame::new(sweep.points.len(), columns).map_err(table_error("sweep table"))
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
        reason: e.to_string(),
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
        reason: e.to_string(),
    })
}

fn write_svg(file: &Path, chart: &LineChart) -> Result<(), FundingError> {
    let fail = |reason: String| FundingError::Output {
        file: file.to_path_buf(),
        reason,
    };
    let svg = line_chart(chart).map_err(fail)?;
    write_atomically(file, |f| std::io::Write::write_all(f, svg.as_bytes()))
        .map_err(|e| fail(e.to_string()))
}

/// Coverage by area for each split, areas ordered by demand (smallest first).
///
/// # Errors
///
/// [`FundingError::Output`] if it cannot be drawn or written.
pub fn coverage_chart(results: &[SplitResult], file: &Path) -> Result<(), FundingError> {
    let Some(first) = results.first() else {
        return Ok(());
    };
    let mut order: Vec<usize> = (0..first.areas.len()).collect();
    order.sort_by(|&a, &b| {
        first.areas[a]
            .demand_families
            .total_cmp(&first.areas[b].demand_families)
    });
    let lines = results
        .iter()
        .map(|result| Line {
            label: format!("{} ({})", result.scenario, result.rule),
            points: order
                .iter()
                .enumerate()
                .map(|(x, &a)| (x as f64, result.areas.get(a).map_or(0.0, |r| r.coverage)))
                .collect(),
            width: 2,
        })
        .collect();
    write_svg(
        file,
        &LineChart {
            title: "Coverage by area (areas ordered by demand, smallest first)".into(),
            x_desc: "areas, by demand",
            y_desc: "families supported / demand",
            x_range: 0.0..order.len() as f64,
            y_range: 0.0..1.05,
            x_labels: whole,
            y_labels: percent,
            legend: SeriesLabelPosition::LowerLeft,
            lines,
        },
    )
}

/// Families supported against the swept parameter, with demand for reference.
///
/// # Errors
///
/// [`FundingError::Output`] if it cannot be drawn or written.
pub fn sweep_chart(sweep: &SweepResult, file: &Path) -> Result<(), FundingError> {
    let (lo, hi) = (
        sweep.points.first().map_or(0.0, |p| p.value),
        sweep.points.last().map_or(1.0, |p| p.value),
    );
    let top = sweep
        .points
        .iter()
        .map(|p| p.summary.demand_families.max(p.summary.families_supported))
        .fold(1.0, f64::max);
    let line = |label: &str, width: u32, y: fn(&crate::Summary) -> f64| Line {
        label: label.into(),
        points: sweep
            .points
            .iter()
            .map(|p| (p.value, y(&p.summary)))
            .collect(),
        width,
    };
    write_svg(
        file,
        &LineChart {
            title: format!(
                "{} ({}): families supported against {}",
                sweep.scenario, sweep.rule, sweep.parameter
            ),
            x_desc: &sweep.parameter,
            y_desc: "families supported",
            x_range: lo..hi.max(lo + 1e-9),
            y_range: 0.0..top * 1.05,
            x_labels: |x| format!("{x}"),
            y_labels: whole,
            legend: SeriesLabelPosition::LowerRight,
            lines: vec![
                line("families supported", 2, |s| s.families_supported),
                line("demand", 1, |s| s.demand_families),
            ],
        },
    )
}
