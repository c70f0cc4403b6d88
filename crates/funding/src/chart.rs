//! Charts as SVG text, drawn by hand: areas are unrelated, so coverage by area is a
//! sorted bar per area (no line joins one area to the next), every axis label is
//! formatted for reading (`£20m`, `10,000`, `75%`), legends sit outside the data, and
//! the areas that matter (lowest and highest) are named.

use crate::split::{named_extremes, SAME_COVERAGE};
use std::fmt::Write as _;

const WIDTH: f64 = 960.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 30.0;
const FONT: &str = "font-family=\"DejaVu Sans, Arial, sans-serif\"";
const BAR: &str = "#4a7fb0";
const DOT: &str = "#d9731a";

/// One panel of coverage by area: a bar per area, sorted from lowest to highest.
pub(crate) struct CoveragePanel {
    /// The panel's title (the scenario and its rule).
    pub title: String,
    /// Each area's name, the bar's coverage, and an optional dot (e.g. simulated):
    /// areas with demand only, as in the tables' lowest and highest.
    pub areas: Vec<(String, f64, Option<f64>)>,
    /// Areas left out for having no demand (their coverage means nothing).
    pub without_demand: usize,
}

impl CoveragePanel {
    /// A panel of the areas (name, demand, bar, dot) that have demand, counting those
    /// left out, as the tables leave them out of their lowest and highest.
    pub fn with_demand(
        title: String,
        areas: impl IntoIterator<Item = (String, f64, f64, Option<f64>)>,
    ) -> Self {
        let mut without_demand = 0;
        let areas = areas
            .into_iter()
            .filter_map(|(name, demand, bar, dot)| {
                if demand > 0.0 {
                    Some((name, bar, dot))
                } else {
                    without_demand += 1;
                    None
                }
            })
            .collect();
        CoveragePanel {
            title,
            areas,
            without_demand,
        }
    }
}

/// Escapes text for SVG.
fn text(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn percent(x: f64) -> String {
    format!("{:.1}%", x * 100.0 + 0.0)
}

/// Coverage by area, one panel per split, stacked; `legend` says what the bars and the
/// dots show, when there are dots: once, on its own line under the title, so that no
/// panel's title (a scenario's name, of any length) runs into it.
pub(crate) fn coverage_svg(
    title: &str,
    legend: Option<(&str, &str)>,
    panels: &[CoveragePanel],
) -> String {
    const PANEL: f64 = 250.0;
    let top = if legend.is_some() { 62.0 } else { 44.0 };
    let height = top + PANEL * panels.len() as f64 + 10.0;
    let mut svg = header(height);
    let _ = writeln!(
        svg,
        "<text x=\"{LEFT}\" y=\"26\" font-size=\"18\" font-weight=\"bold\">{}</text>",
        text(title)
    );
    if let Some((bars, dots)) = legend {
        // Markers before their words.
        let (x, y) = (LEFT, 40.0);
        let _ = writeln!(
            svg,
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"12\" height=\"10\" fill=\"{BAR}\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\">{}</text><circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"4\" fill=\"{DOT}\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\">{}</text>",
            y - 9.0,
            x + 16.0,
            y,
            text(bars),
            x + 136.0,
            y - 4.0,
            x + 144.0,
            y,
            text(dots)
        );
    }
    for (p, panel) in panels.iter().enumerate() {
        coverage_panel(&mut svg, panel, top + PANEL * p as f64, PANEL);
    }
    svg.push_str("</svg>\n");
    svg
}

fn coverage_panel(svg: &mut String, panel: &CoveragePanel, top: f64, height: f64) {
    // Strips from the top: title, names of the lowest and highest, plot,
    // axis label.
    let plot_top = top + 62.0;
    let plot_bottom = top + height - 34.0;
    let plot_h = plot_bottom - plot_top;
    let plot_w = WIDTH - LEFT - RIGHT;
    // Bars stop at 100%; simulated dots can pass it (families supported after the
    // period count), and the axis reaches the highest in quarters, up to 200%.
    let axis = panel
        .areas
        .iter()
        .filter_map(|a| a.2)
        .fold(1.0_f64, f64::max)
        .min(2.0);
    let axis = (axis * 4.0 - 1e-9).ceil() / 4.0;
    let y = |v: f64| plot_bottom - v.clamp(0.0, axis) / axis * plot_h;
    let _ = writeln!(
        svg,
        "<text x=\"{LEFT}\" y=\"{}\" font-size=\"14\" font-weight=\"bold\">{}</text>",
        top + 16.0,
        text(&panel.title)
    );
    for tick in (0..=(axis * 4.0).round() as u32).map(|q| f64::from(q) / 4.0) {
        let _ = writeln!(
            svg,
            "<line x1=\"{LEFT}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#dddddd\"/><text x=\"{}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"end\">{:.0}%</text>",
            LEFT + plot_w,
            LEFT - 6.0,
            y(tick) + 4.0,
            tick * 100.0,
            y = y(tick)
        );
    }
    let mut order: Vec<usize> = (0..panel.areas.len()).collect();
    order.sort_by(|&a, &b| {
        panel.areas[a]
            .1
            .total_cmp(&panel.areas[b].1)
            .then_with(|| panel.areas[a].0.cmp(&panel.areas[b].0))
    });
    let n = order.len().max(1) as f64;
    let step = plot_w / n;
    let gap = if step > 4.0 { 1.0 } else { 0.0 };
    for (i, &a) in order.iter().enumerate() {
        let (name, value, dot) = &panel.areas[a];
        let x = LEFT + step * i as f64;
        let _ = writeln!(
            svg,
            "<rect x=\"{x:.2}\" y=\"{:.2}\" width=\"{:.2}\" height=\"{:.2}\" fill=\"{BAR}\"><title>{}: {}{}</title></rect>",
            y(*value),
            (step - gap).max(0.5),
            plot_bottom - y(*value),
            text(name),
            percent(*value),
            dot.map_or(String::new(), |d| format!(", simulated {}", percent(d)))
        );
        if let Some(d) = dot {
            let _ = writeln!(
                svg,
                "<circle cx=\"{:.2}\" cy=\"{:.2}\" r=\"2.2\" fill=\"{DOT}\"/>",
                x + step / 2.0,
                y(*d)
            );
        }
    }
    let _ = writeln!(
        svg,
        "<line x1=\"{LEFT}\" x2=\"{}\" y1=\"{plot_bottom}\" y2=\"{plot_bottom}\" stroke=\"#333333\"/>",
        LEFT + plot_w
    );
    let _ = writeln!(
        svg,
        "<text x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"middle\">{} areas, sorted from lowest to highest coverage (families supported / demand){}</text>",
        LEFT + plot_w / 2.0,
        plot_bottom + 22.0,
        order.len(),
        match panel.without_demand {
            0 => String::new(),
            1 => "; 1 area without demand left out".into(),
            k => format!("; {k} areas without demand left out"),
        }
    );
    // Name the lowest and the highest, with a leader line down to their bars.
    // Among areas tied for the lowest or the highest, the one the tables name too.
    let pairs: Vec<(&str, f64)> = panel.areas.iter().map(|a| (a.0.as_str(), a.1)).collect();
    let (Some([(low, low_ties), (high, high_ties)]), Some(&last)) =
        (named_extremes(&pairs), order.last())
    else {
        return;
    };
    let label = |a: usize, others: usize, which: &str| {
        let (name, value, _) = &panel.areas[a];
        match others {
            0 => format!("{which}: {} {}", name, percent(*value)),
            1 => format!("{which}: {} and 1 other at {}", name, percent(*value)),
            k => format!("{which}: {} and {k} others at {}", name, percent(*value)),
        }
    };
    let strip = top + 40.0;
    // The leader lines go down to the first and the last bar: the area named, or with
    // ties ("and 147 others") the edge of the tied group it belongs to, under its label.
    let low_x = LEFT + step / 2.0;
    let high_x = LEFT + step * (n - 0.5);
    let high_bar = panel.areas[last].1;
    if (high_bar - panel.areas[low].1).abs() < SAME_COVERAGE {
        let _ = writeln!(
            svg,
            "<text x=\"{LEFT}\" y=\"{strip}\" font-size=\"12\">every area at {}</text>",
            percent(high_bar)
        );
        return;
    }
    let _ = writeln!(
        svg,
        "<text x=\"{LEFT}\" y=\"{strip}\" font-size=\"12\">{}</text><line x1=\"{low_x:.2}\" x2=\"{low_x:.2}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#333333\" stroke-dasharray=\"2,2\"/>",
        text(&label(low, low_ties, "lowest")),
        strip + 4.0,
        y(panel.areas[low].1) - 2.0
    );
    let _ = writeln!(
        svg,
        "<text x=\"{}\" y=\"{strip}\" font-size=\"12\" text-anchor=\"end\">{}</text><line x1=\"{high_x:.2}\" x2=\"{high_x:.2}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#333333\" stroke-dasharray=\"2,2\"/>",
        LEFT + plot_w,
        text(&label(high, high_ties, "highest")),
        strip + 4.0,
        y(high_bar) - 2.0
    );
}

fn header(height: f64) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height}\" viewBox=\"0 0 {WIDTH} {height}\" {FONT}>\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    )
}

/// A line of a sweep chart.
pub(crate) struct SweepLine {
    /// Its name in the legend.
    pub label: &'static str,
    /// Dashed (a reference) or solid.
    pub dashed: bool,
    /// (x, y) points in x order.
    pub points: Vec<(f64, f64)>,
}

/// "Nice" tick values from 0 or `lo` to at least `hi`: steps of 1, 2, 2.5 or 5 times a
/// power of ten, about `count` of them.
pub(crate) fn ticks(lo: f64, hi: f64, count: usize) -> Vec<f64> {
    let span = (hi - lo).max(f64::EPSILON);
    let raw = span / count.max(1) as f64;
    let power = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * power)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * power);
    let first = (lo / step).floor() as i64;
    let last = (hi / step - 1e-9).ceil() as i64;
    (first..=last)
        .map(|i| {
            let v = i as f64 * step;
            // Round away the noise of i * step.
            let unit = 10f64.powi((-(step.log10().floor()) as i32 + 2).max(0));
            (v * unit).round() / unit + 0.0
        })
        .collect()
}

/// Families supported (and demand) against a swept parameter.
pub(crate) fn sweep_svg(
    title: &str,
    x_label: &str,
    x_format: &dyn Fn(f64) -> String,
    y_label: &str,
    y_format: &dyn Fn(f64) -> String,
    lines: &[SweepLine],
) -> String {
    const HEIGHT: f64 = 480.0;
    const LEGEND: f64 = 190.0;
    let (left, top, bottom) = (LEFT + 20.0, 56.0, HEIGHT - 60.0);
    let right = WIDTH - LEGEND;
    let xs = lines.iter().flat_map(|l| l.points.iter().map(|p| p.0));
    let (x_lo, x_hi) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
        (a.min(x), b.max(x))
    });
    let (x_lo, x_hi) = if x_lo.is_finite() {
        (x_lo, x_hi.max(x_lo + 1e-9))
    } else {
        (0.0, 1.0)
    };
    let y_max = lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| p.1))
        .fold(0.0, f64::max);
    let y_ticks = ticks(0.0, y_max.max(1.0), 5);
    let y_hi = y_ticks.last().copied().unwrap_or(1.0);
    // A few points are labelled where they are; many get round ticks within the range.
    let values: Vec<f64> = lines
        .first()
        .map(|l| l.points.iter().map(|p| p.0).collect())
        .unwrap_or_default();
    let x_ticks: Vec<f64> = if values.len() <= 12 {
        values
    } else {
        let slack = 1e-9 * x_hi.abs().max(1.0);
        ticks(x_lo, x_hi, 8)
            .into_iter()
            .filter(|t| *t >= x_lo - slack && *t <= x_hi + slack)
            .collect()
    };
    let sx = |x: f64| left + (x - x_lo) / (x_hi - x_lo) * (right - left);
    let sy = |y: f64| bottom - y / y_hi * (bottom - top);
    let mut svg = header(HEIGHT);
    // The title on two lines at most, split at the last ": ", so that it is never cut off.
    let (first, second) = title.rsplit_once(": ").unwrap_or((title, ""));
    let _ = writeln!(
        svg,
        "<text x=\"{left}\" y=\"22\" font-size=\"15\" font-weight=\"bold\">{}</text><text x=\"{left}\" y=\"42\" font-size=\"13\">{}</text>",
        text(first),
        text(second)
    );
    for t in &y_ticks {
        let _ = writeln!(
            svg,
            "<line x1=\"{left}\" x2=\"{right}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#dddddd\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"end\">{}</text>",
            left - 6.0,
            sy(*t) + 4.0,
            text(&y_format(*t)),
            y = sy(*t)
        );
    }
    for t in &x_ticks {
        let _ = writeln!(
            svg,
            "<line x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{bottom}\" y2=\"{:.1}\" stroke=\"#333333\"/><text x=\"{x:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"middle\">{}</text>",
            bottom + 5.0,
            bottom + 19.0,
            text(&x_format(*t)),
            x = sx(*t)
        );
    }
    let _ = writeln!(
        svg,
        "<line x1=\"{left}\" x2=\"{right}\" y1=\"{bottom}\" y2=\"{bottom}\" stroke=\"#333333\"/><line x1=\"{left}\" x2=\"{left}\" y1=\"{top}\" y2=\"{bottom}\" stroke=\"#333333\"/>"
    );
    let _ = writeln!(
        svg,
        "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"13\" text-anchor=\"middle\">{}</text>",
        (left + right) / 2.0,
        bottom + 42.0,
        text(x_label)
    );
    let _ = writeln!(
        svg,
        "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"13\" text-anchor=\"middle\" transform=\"rotate(-90 {:.1} {:.1})\">{}</text>",
        18.0,
        (top + bottom) / 2.0,
        18.0,
        (top + bottom) / 2.0,
        text(y_label)
    );
    let colours = [BAR, DOT, "#5a9e4b", "#8c5aa8"];
    for (i, line) in lines.iter().enumerate() {
        let colour = colours[i % colours.len()];
        let path: Vec<String> = line
            .points
            .iter()
            .map(|(x, y)| format!("{:.2},{:.2}", sx(*x), sy(*y)))
            .collect();
        let dash = if line.dashed {
            " stroke-dasharray=\"6,4\""
        } else {
            ""
        };
        let _ = writeln!(
            svg,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\"{dash}/>",
            path.join(" ")
        );
        if !line.dashed {
            for (x, y) in &line.points {
                let _ = writeln!(
                    svg,
                    "<circle cx=\"{:.2}\" cy=\"{:.2}\" r=\"3\" fill=\"{colour}\"><title>{}: {}</title></circle>",
                    sx(*x),
                    sy(*y),
                    text(&x_format(*x)),
                    text(&y_format(*y))
                );
            }
        }
        // The legend, right of the plot, off the data.
        let ly = top + 10.0 + 22.0 * i as f64;
        let _ = writeln!(
            svg,
            "<line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{ly:.1}\" y2=\"{ly:.1}\" stroke=\"{colour}\" stroke-width=\"2\"{dash}/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\">{}</text>",
            right + 16.0,
            right + 44.0,
            right + 50.0,
            ly + 4.0,
            text(line.label)
        );
    }
    svg.push_str("</svg>\n");
    svg
}
