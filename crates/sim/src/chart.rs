//! Line charts as SVG (plotters): the wait chart here, and the funding charts, which
//! draw through [`line_chart`] too.

use std::io::Write;
use std::ops::Range;
use std::path::Path;

use plotters::prelude::*;

pub use plotters::chart::SeriesLabelPosition;

use crate::tables::atomic_write;
use crate::{Results, SimError, WAIT_WEEKS};

const COLOURS: [RGBColor; 6] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(230, 159, 0),
];

/// One line of a chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// Its legend entry.
    pub label: String,
    /// The points, in x order.
    pub points: Vec<(f64, f64)>,
    /// Stroke width in pixels.
    pub width: u32,
    /// A dot at each point: where the points are the values run (a sweep's), not a
    /// curve sampled finely, so that two points do not read as a measured curve.
    pub markers: bool,
}

/// A line chart: axes, the lines (coloured in turn) and a legend.
#[derive(Debug, Clone)]
pub struct LineChart<'a> {
    /// The caption.
    pub title: String,
    /// The x axis's description.
    pub x_desc: &'a str,
    /// The y axis's description.
    pub y_desc: &'a str,
    /// The x range shown.
    pub x_range: Range<f64>,
    /// The y range shown.
    pub y_range: Range<f64>,
    /// How x tick labels are printed.
    pub x_labels: fn(&f64) -> String,
    /// How y tick labels are printed.
    pub y_labels: fn(&f64) -> String,
    /// Where the legend sits.
    pub legend: SeriesLabelPosition,
    /// The lines.
    pub lines: Vec<Line>,
}

/// Tick labels as whole numbers.
pub fn whole(x: &f64) -> String {
    format!("{x:.0}")
}

/// Tick labels as percentages of 1.
pub fn percent(y: &f64) -> String {
    format!("{:.0}%", y * 100.0)
}

/// Draws `chart` as SVG text, the legend inside the plot at `chart.legend`.
///
/// # Errors
///
/// plotters' error, as text.
pub fn line_chart(chart: &LineChart) -> Result<String, String> {
    draw(chart, Some(chart.legend.clone()))
}

/// Draws `chart` as SVG text, the legend in a column right of the plot, where it can
/// never hide a line (`chart.legend` is not used).
///
/// # Errors
///
/// plotters' error, as text.
pub fn line_chart_legend_beside(chart: &LineChart) -> Result<String, String> {
    draw(chart, None)
}

/// Width of the legend column beside the plot, pixels.
const LEGEND_WIDTH: u32 = 170;

fn draw(chart: &LineChart, inside: Option<SeriesLabelPosition>) -> Result<String, String> {
    let (width, height) = (900, 520);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        // Inside: the caption over the plot. Beside: the title over the whole width (the
        // plot is narrower than a long title), then the plot and the legend column.
        let mut builder_area = root.clone();
        let mut legend_area = None;
        if inside.is_none() {
            let titled = root
                .titled(&chart.title, ("sans-serif", 16))
                .map_err(|e| e.to_string())?;
            let (plot, legend) = titled.split_horizontally(width - LEGEND_WIDTH);
            builder_area = plot;
            legend_area = Some(legend);
        }
        let mut builder = ChartBuilder::on(&builder_area);
        if inside.is_some() {
            builder.caption(&chart.title, ("sans-serif", 20));
        }
        let mut plot = builder
            .margin(16)
            .x_label_area_size(56)
            .y_label_area_size(80)
            .build_cartesian_2d(chart.x_range.clone(), chart.y_range.clone())
            .map_err(|e| e.to_string())?;
        plot.configure_mesh()
            .x_desc(chart.x_desc)
            .y_desc(chart.y_desc)
            .x_label_formatter(&chart.x_labels)
            .y_label_formatter(&chart.y_labels)
            .axis_desc_style(("sans-serif", 15))
            .label_style(("sans-serif", 13))
            .draw()
            .map_err(|e| e.to_string())?;
        for (i, line) in chart.lines.iter().enumerate() {
            let style = COLOURS[i % COLOURS.len()].stroke_width(line.width);
            plot.draw_series(LineSeries::new(line.points.iter().copied(), style))
                .map_err(|e| e.to_string())?
                .label(line.label.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], style));
            if line.markers {
                let colour = COLOURS[i % COLOURS.len()];
                plot.draw_series(
                    line.points
                        .iter()
                        .map(|&point| Circle::new(point, 4, colour.filled())),
                )
                .map_err(|e| e.to_string())?;
            }
        }
        match (inside, legend_area) {
            (Some(position), _) => {
                plot.configure_series_labels()
                    .position(position)
                    .background_style(WHITE.mix(0.9))
                    .border_style(BLACK)
                    .draw()
                    .map_err(|e| e.to_string())?;
            }
            (None, Some(legend)) => {
                for (i, line) in chart.lines.iter().enumerate() {
                    let style = COLOURS[i % COLOURS.len()].stroke_width(line.width.max(2));
                    let y = 70 + 24 * i as i32;
                    legend
                        .draw(&PathElement::new(vec![(8, y), (34, y)], style))
                        .map_err(|e| e.to_string())?;
                    legend
                        .draw(&Text::new(
                            line.label.clone(),
                            (42, y - 7),
                            ("sans-serif", 14).into_font(),
                        ))
                        .map_err(|e| e.to_string())?;
                }
            }
            (None, None) => {}
        }
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

/// Writes the wait chart to `file` (SVG), whole or not at all: for each policy, the
/// share of referred families supported within w weeks of referral, the legend beside
/// the plot.
///
/// # Errors
///
/// [`SimError::Output`] if it cannot be drawn or written.
pub fn wait_chart(results: &Results, file: &Path) -> Result<(), SimError> {
    let chart = LineChart {
        title: format!(
            "{}: families supported within w weeks of referral",
            results.scenario
        ),
        x_desc: "weeks since referral",
        y_desc: "share of referred families supported",
        x_range: 0.0..WAIT_WEEKS as f64,
        y_range: 0.0..1.0,
        x_labels: whole,
        y_labels: percent,
        legend: SeriesLabelPosition::UpperLeft,
        lines: results
            .policies
            .iter()
            .map(|p| Line {
                label: p.policy.clone(),
                points: p
                    .supported_within_weeks
                    .iter()
                    .enumerate()
                    .map(|(w, s)| (w as f64, *s))
                    .collect(),
                width: 2,
                markers: false,
            })
            .collect(),
    };
    let svg = line_chart_legend_beside(&chart).map_err(|reason| SimError::Output {
        file: file.to_path_buf(),
        source: reason.into(),
    })?;
    atomic_write(file, |f| f.write_all(svg.as_bytes()))
}
