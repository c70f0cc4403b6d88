//! The wait chart: for each policy, the share of referred families supported within
//! w weeks of referral, as an SVG drawn with plotters.

use std::io::Write;
use std::path::Path;

use plotters::prelude::*;

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

/// Draws the chart as SVG text.
fn draw(results: &Results) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (860, 520)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let title = format!(
            "{}: families supported within w weeks of referral",
            results.scenario
        );
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(16)
            .x_label_area_size(44)
            .y_label_area_size(56)
            .build_cartesian_2d(0..WAIT_WEEKS as i32, 0.0..1.0)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc("weeks since referral")
            .y_desc("share of referred families supported")
            .y_label_formatter(&|y| format!("{:.0}%", y * 100.0))
            .draw()
            .map_err(|e| e.to_string())?;
        for (i, policy) in results.policies.iter().enumerate() {
            let colour = COLOURS[i % COLOURS.len()];
            let points = policy
                .supported_within_weeks
                .iter()
                .enumerate()
                .map(|(w, share)| (w as i32, *share));
            chart
                .draw_series(LineSeries::new(points, colour.stroke_width(2)))
                .map_err(|e| e.to_string())?
                .label(policy.policy.clone())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(2))
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .draw()
            .map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

/// Writes the wait chart to `file` (SVG), whole or not at all.
///
/// # Errors
///
/// [`SimError::Output`] if it cannot be drawn or written.
pub fn wait_chart(results: &Results, file: &Path) -> Result<(), SimError> {
    let svg = draw(results).map_err(|reason| SimError::Output {
        file: file.to_path_buf(),
        reason,
    })?;
    atomic_write(file, |f| {
        f.write_all(svg.as_bytes()).map_err(|e| e.to_string())
    })
}
