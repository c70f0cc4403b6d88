//! `caseload funding`: split a budget across the areas, compare scenarios, sweep.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use caseload_funding::tables::{money, number, thousands};
use caseload_funding::{
    compare, load_scenario, named_extremes, simulate_splits_with_progress, sweep, tables,
    AreaFunding, AreasTable, Assumptions, FundingScenario, PeriodWarning, SimulatedSplit,
    SplitResult, Summary, SweepResult, SweepSpec, SAME_COVERAGE,
};
use caseload_model::config;

use crate::cli::{BadArgument, Format, FundingArgs};
use crate::output::{
    emit, format_by_extension, format_name, is_stdio, no_collisions, one_from_stdin, progress_bar,
    require_folders, stdout_format,
};
use crate::render::{interval, right_align, table, Number};

/// What `--out` (or its absence) asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Output {
    Text(Format),
    Parquet,
}

/// The output's format and file (None: standard output), checked before any work so
/// that a bad `--out` or `--chart` writes nothing.
fn output(args: &FundingArgs) -> Result<(Output, Option<&Path>), BadArgument> {
    no_collisions(
        [
            ("--scenario", args.scenario.as_deref()),
            ("--areas", args.areas.as_deref()),
        ]
        .into_iter()
        .chain(
            args.compare
                .iter()
                .map(|f| ("--compare", Some(f.as_path()))),
        ),
        [
            ("--out", args.out.as_deref()),
            ("--chart", args.chart.as_deref()),
        ],
    )?;
    require_folders([
        ("--out", args.out.as_deref()),
        ("--chart", args.chart.as_deref()),
    ])?;
    if let Some(chart) = &args.chart {
        if chart.extension().and_then(|e| e.to_str()) != Some("svg") {
            return Err(BadArgument(format!(
                "--chart {}: charts are SVG; give a file ending in .svg",
                chart.display()
            )));
        }
    }
    let file = args.out.as_deref().filter(|file| !is_stdio(file));
    let Some(path) = file else {
        return Ok((Output::Text(stdout_format(args.format)), None));
    };
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let by_extension = match extension.as_deref() {
        Some("parquet") => Some(Output::Parquet),
        Some(other) => format_by_extension(other).map(Output::Text),
        None => None,
    };
    let Some(by_extension) = by_extension else {
        return Err(BadArgument(format!(
            "--out {}: funding writes .json, .csv, .parquet, .md or .txt files (or - for standard output), not {}",
            path.display(),
            extension.map_or("a file without an extension".into(), |e| format!(".{e}"))
        )));
    };
    match (args.format, by_extension) {
        (Some(asked), Output::Text(named)) if asked != named => Err(BadArgument(format!(
            "--format {} does not match --out {}, which is written as {}",
            format_name(asked),
            path.display(),
            format_name(named)
        ))),
        (Some(asked), Output::Parquet) => Err(BadArgument(format!(
            "--format {} does not match --out {}, which is written as Parquet",
            format_name(asked),
            path.display()
        ))),
        _ => Ok((by_extension, Some(path))),
    }
}

/// Writes one result in the asked format; `json`, `table` and `frame` are only built
/// when asked for.
fn deliver(
    (output, file): (Output, Option<&Path>),
    json: impl FnOnce() -> serde_json::Result<String>,
    table: impl FnOnce() -> String,
    frame: impl FnOnce() -> Result<tables::DataFrame, caseload_funding::FundingError>,
) -> anyhow::Result<()> {
    let text = match output {
        Output::Parquet => {
            let file = file.ok_or_else(|| BadArgument("Parquet needs an --out file".into()))?;
            return Ok(tables::write_parquet(&mut frame()?, file)?);
        }
        Output::Text(Format::Json) => format!("{}\n", json()?),
        Output::Text(Format::Csv) => tables::csv_text(&mut frame()?)?,
        Output::Text(Format::Table) => table(),
    };
    emit(&text, file)
}

/// Warnings go to standard error as well as into the output; so do notes where the
/// output (CSV, Parquet) has no place for prose.
fn tell(scenario: &str, warnings: &[PeriodWarning], notes: &[String], output: Output) {
    for w in warnings {
        eprintln!("warning: {scenario}: {w}");
    }
    if !matches!(output, Output::Text(Format::Table | Format::Json)) {
        for note in notes {
            eprintln!("note: {scenario}: {note}");
        }
    }
}

/// Scenarios of the same `name` (a fixture copied and one figure changed) told apart
/// in every output by their files: each such name gets its file's name, or the path as
/// given where those are alike too. What was renamed, to say.
fn tell_apart(scenarios: &mut [FundingScenario], files: &[&PathBuf]) -> Option<String> {
    let names: Vec<String> = scenarios.iter().map(|s| s.name.clone()).collect();
    let short = |i: usize| {
        files[i].file_name().map_or_else(
            || files[i].display().to_string(),
            |f| f.to_string_lossy().into_owned(),
        )
    };
    let mut renamed = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let same: Vec<usize> = (0..names.len()).filter(|&j| names[j] == *name).collect();
        if same.len() < 2 {
            continue;
        }
        let alike = |of: &dyn Fn(usize) -> String| same.iter().any(|&j| j != i && of(j) == of(i));
        let path = |j: usize| files[j].display().to_string();
        // The file's name; the path where names are alike; the letter where the same
        // file is given twice.
        let by = if !alike(&short) {
            short(i)
        } else if !alike(&path) {
            path(i)
        } else {
            format!("{}, {}", path(i), letter(i))
        };
        scenarios[i].name = format!("{name} ({by})");
        renamed.push(format!("{} as `{}`", letter(i), scenarios[i].name));
    }
    (!renamed.is_empty()).then(|| {
        format!(
            "scenarios of the same name are told apart by their files: {}; give each scenario its own `name`",
            renamed.join(", ")
        )
    })
}

pub fn run(args: &FundingArgs) -> anyhow::Result<()> {
    caseload_solve::in_pool(args.threads, || run_in_pool(args)).map_err(|_| {
        anyhow::anyhow!(
            "could not start {} worker threads",
            args.threads.unwrap_or(0)
        )
    })?
}

fn run_in_pool(args: &FundingArgs) -> anyhow::Result<()> {
    let target = output(args)?;
    one_from_stdin(
        args.scenario
            .iter()
            .chain(&args.compare)
            .chain(&args.areas)
            .map(PathBuf::as_path),
    )?;
    let areas = match &args.areas {
        Some(file) => AreasTable::load(file)?,
        None => AreasTable::embedded(),
    };
    if args.compare.len() == 1 {
        return Err(BadArgument(
            "--compare takes two scenarios or more; for one, give --scenario FILE".into(),
        )
        .into());
    }
    let files: Vec<&PathBuf> = args.scenario.iter().chain(&args.compare).collect();
    if files.is_empty() {
        return Err(BadArgument("give --scenario FILE, or --compare FILE FILE ...".into()).into());
    }

    if let Some(grid) = &args.sweep {
        let [file] = files.as_slice() else {
            return Err(BadArgument("--sweep runs one --scenario".into()).into());
        };
        if args.simulate {
            return Err(BadArgument(
                "--sweep and --simulate cannot be combined: compare a few scenarios with --compare ... --simulate, or run a grid of simulated splits as a study (caseload study, [[funding]] tasks)".into(),
            )
            .into());
        }
        let spec = SweepSpec::parse(grid)?;
        let text = config::read(file)?;
        let result = sweep(file, &text, &spec, &areas)?;
        tell(&result.scenario, &result.warnings, &[], target.0);
        if let Some(chart) = &args.chart {
            tables::sweep_chart(&result, chart)?;
        }
        return deliver(
            target,
            || serde_json::to_string_pretty(&result),
            || sweep_table(&result),
            || tables::sweep_frame(&result),
        );
    }

    let mut scenarios = files
        .iter()
        .map(|file| load_scenario(file, &areas))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(warning) = tell_apart(&mut scenarios, &files) {
        eprintln!("warning: {warning}");
    }
    let results = compare(&scenarios, &areas)?;
    for r in &results {
        tell(&r.scenario, &r.warnings, &r.notes, target.0);
    }
    if args.simulate {
        let simulated = simulate_all(args, &scenarios, &results)?;
        if let Some(chart) = &args.chart {
            tables::simulated_chart(&simulated, chart)?;
        }
        return deliver(
            target,
            || match simulated.as_slice() {
                [one] => serde_json::to_string_pretty(one),
                _ => serde_json::to_string_pretty(&serde_json::json!({ "scenarios": simulated })),
            },
            || match simulated.as_slice() {
                [one] => simulated_table(one),
                _ => compare_simulated_table(&results, &simulated),
            },
            || tables::simulated_frame(&simulated),
        );
    }
    if let Some(chart) = &args.chart {
        tables::coverage_chart(&results, chart)?;
    }
    deliver(
        target,
        || match results.as_slice() {
            [one] => serde_json::to_string_pretty(one),
            _ => serde_json::to_string_pretty(&serde_json::json!({ "scenarios": results })),
        },
        || match results.as_slice() {
            [one] => split_table(one),
            _ => compare_table(&results),
        },
        || tables::areas_frame(&results),
    )
}

/// Every split through the weekly simulation, one after the other, under one progress
/// bar (areas x replications over them all).
fn simulate_all(
    args: &FundingArgs,
    scenarios: &[FundingScenario],
    results: &[SplitResult],
) -> anyhow::Result<Vec<SimulatedSplit>> {
    let replications = crate::cli::replications(args.replications)?;
    let policy = caseload_sim::builtin(&args.policy).ok_or_else(|| {
        BadArgument(format!(
            "--policy: unknown policy `{}` (known: {})",
            args.policy,
            caseload_sim::BUILTIN.join(", ")
        ))
    })?;
    // A national run simulates 152 x 20 area replications by default, per scenario.
    let areas: u64 = results.iter().map(|r| r.areas.len() as u64).sum();
    let what = match results {
        [one] => one.scenario.clone(),
        _ => format!("{} scenarios", results.len()),
    };
    let bar = progress_bar(
        areas * u64::from(replications),
        format!("{what} through the weekly simulation"),
        "area replications",
    );
    let pairs: Vec<(&FundingScenario, &SplitResult)> = scenarios.iter().zip(results).collect();
    let simulated =
        simulate_splits_with_progress(&pairs, policy, replications, args.seed, &|| bar.inc(1));
    bar.finish_and_clear();
    Ok(simulated?)
}

/// Terminal width the tables and prose are laid out for.
const WIDTH: usize = 100;

/// `text` wrapped at [`WIDTH`], continuation lines indented by `indent` spaces.
fn wrap(text: &str, indent: usize) -> String {
    let mut out = String::new();
    let body = text.trim_start_matches(' ');
    let mut line = " ".repeat(text.len() - body.len());
    for word in body.split(' ') {
        if !line.trim().is_empty() && line.chars().count() + 1 + word.chars().count() > WIDTH {
            out.push_str(line.trim_end());
            out.push('\n');
            line = " ".repeat(indent);
        } else if !line.trim().is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    out.push_str(&line);
    out.push('\n');
    out
}

/// The assumptions as a list under `heading`.
fn assumptions_block(out: &mut String, heading: &str, a: &Assumptions) {
    lines_block(out, heading, a.describe());
}

/// `lines` as a list under `heading`.
fn lines_block(out: &mut String, heading: &str, lines: Vec<String>) {
    let _ = writeln!(out, "{heading}");
    for line in lines {
        out.push_str(&wrap(&format!("- {line}"), 2));
    }
}

/// Warnings and notes as prose.
fn remarks(out: &mut String, warnings: &[PeriodWarning], notes: &[String]) {
    for w in warnings {
        out.push_str(&wrap(&format!("Warning: {w}"), 2));
    }
    for note in notes {
        out.push_str(&wrap(&format!("Note: {note}"), 2));
    }
}

/// The weakest and the strongest area by coverage (areas with demand), each with the
/// number of other areas at the same coverage.
fn extremes(r: &SplitResult) -> Option<[(&AreaFunding, usize); 2]> {
    let with_demand: Vec<&AreaFunding> =
        r.areas.iter().filter(|a| a.demand_families > 0.0).collect();
    let pairs: Vec<(&str, f64)> = with_demand
        .iter()
        .map(|a| (a.name.as_str(), a.coverage))
        .collect();
    let [(low, low_ties), (high, high_ties)] = named_extremes(&pairs)?;
    Some([(with_demand[low], low_ties), (with_demand[high], high_ties)])
}

fn extremes_line(r: &SplitResult) -> String {
    let Some([(weak, weak_ties), (strong, strong_ties)]) = extremes(r) else {
        return "no area has demand".into();
    };
    if (strong.coverage - weak.coverage).abs() < SAME_COVERAGE {
        return format!(
            "every area at the same coverage ({})",
            Number::PERCENT.show(weak.coverage)
        );
    }
    let area = |a: &AreaFunding, ties: usize| match ties {
        0 => format!("{} ({})", a.name, Number::PERCENT.show(a.coverage)),
        1 => format!(
            "{} and 1 other ({})",
            a.name,
            Number::PERCENT.show(a.coverage)
        ),
        n => format!(
            "{} and {n} others ({})",
            a.name,
            Number::PERCENT.show(a.coverage)
        ),
    };
    format!(
        "weakest area {}; strongest {}",
        area(weak, weak_ties),
        area(strong, strong_ties)
    )
}

/// Unspent pounds as the tables print them: the difference of the rounded available
/// and spent, so that the printed rows add up.
fn unspent_shown(s: &Summary) -> f64 {
    s.available_gbp.round() - s.spend_gbp.round()
}

/// Unmet demand as the tables print it: rounded demand less rounded families
/// supported, so that the printed rows add up.
fn unmet_shown(s: &Summary) -> i64 {
    (s.demand_families.round() - s.families_supported.round()) as i64
}

/// The summary rows shared by the single and the side-by-side tables.
fn summary_rows(r: &SplitResult) -> Vec<(&'static str, String)> {
    let s = &r.summary;
    let count = |x: f64| thousands(x.round() as i64);
    vec![
        ("budget", money(s.budget_gbp)),
        ("available after top-slice", money(s.available_gbp)),
        ("spent by areas", money(s.spend_gbp)),
        ("unspent", money(unspent_shown(s))),
        ("spent beyond demand", money(s.beyond_demand_gbp)),
        ("families supported", count(s.families_supported)),
        ("demand (families)", count(s.demand_families)),
        ("unmet demand", thousands(unmet_shown(s))),
        ("coverage", Number::PERCENT.show(s.coverage)),
        (
            "smallest area coverage",
            Number::PERCENT.show(s.min_coverage),
        ),
        (
            "median area coverage",
            Number::PERCENT.show(s.median_coverage),
        ),
        (
            "largest area coverage",
            Number::PERCENT.show(s.max_coverage),
        ),
        (
            "Gini of area coverage (0: every area alike)",
            format!("{:.3}", s.gini_coverage),
        ),
    ]
    .into_iter()
    .chain(supporters_rows(r))
    .collect()
}

/// The supporters a split buys, nationally, as rows of a summary.
fn supporters_rows(r: &SplitResult) -> [(&'static str, String); 2] {
    let total = |each: fn(&AreaFunding) -> f64| {
        thousands(r.areas.iter().map(each).sum::<f64>().round() as i64)
    };
    [
        ("paid supporters (FTE)", total(|a| a.paid_supporters)),
        (
            "volunteer supporters (FTE)",
            total(|a| a.volunteer_supporters),
        ),
    ]
}

fn split_table(r: &SplitResult) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} (rule {})\n", r.scenario, r.rule);
    let mut summary = table(&["national", "value"]);
    for (label, value) in summary_rows(r) {
        summary.add_row(vec![label.to_string(), value]);
    }
    right_align(&mut summary, &[1]);
    let _ = writeln!(out, "{summary}\n");
    out.push_str(&wrap(&format!("{}.", capitalise(&extremes_line(r))), 2));
    out.push('\n');
    assumptions_block(&mut out, "Assumptions", &r.assumptions);
    if !r.warnings.is_empty() || !r.notes.is_empty() {
        out.push('\n');
        remarks(&mut out, &r.warnings, &r.notes);
    }
    let mut areas = table(&[
        "area",
        "name",
        "region",
        "funding",
        "paid FTE",
        "volunteer FTE",
        "delivered h/week",
        "capacity",
        "demand",
        "supported",
        "coverage",
        "beyond demand",
        "unspent",
    ]);
    for a in &r.areas {
        areas.add_row(vec![
            a.area.clone(),
            a.name.clone(),
            a.region.clone(),
            money(a.funding_gbp),
            format!("{:.1}", a.paid_supporters),
            format!("{:.1}", a.volunteer_supporters),
            format!("{:.1}", a.delivered_hours_per_week),
            format!("{:.1}", a.capacity_families),
            format!("{:.1}", a.demand_families),
            format!("{:.1}", a.families_supported),
            Number::PERCENT.show(a.coverage),
            money(a.idle_gbp),
            money(a.unspent_gbp),
        ]);
    }
    right_align(&mut areas, &(3..13).collect::<Vec<_>>());
    let _ = writeln!(out, "\nAreas ({})", r.areas.len());
    out.push_str(&wrap(
        "Paid and volunteer supporters are full-time equivalents of the standard hours; delivered hours count volunteers' hours at their reliability; capacity, demand and supported are families over the period; beyond demand is the part of the funding that buys capacity the area's demand does not use; unspent is money given to an area and not spent, £0 under every rule (each spends what it gives an area: the money no area is given is the national unspent above).",
        0,
    ));
    let _ = writeln!(out, "\n{areas}");
    out
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or(String::new(), |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// Scenario `i`'s column: A, B, ..., Z, AA, AB, ...
fn letter(i: usize) -> String {
    let mut name = String::new();
    let mut n = i;
    loop {
        name.insert(0, char::from(b'A' + (n % 26) as u8));
        if n < 26 {
            break name;
        }
        n = n / 26 - 1;
    }
}

/// Scenarios as lettered columns (A, B, ...), metrics as rows, split into blocks of
/// columns that fit the terminal; then what each letter is, and every area side by
/// side.
fn compare_table(results: &[SplitResult]) -> String {
    let rows: Vec<Vec<(&str, String)>> = results.iter().map(summary_rows).collect();
    let mut out = national_columns(&rows);
    out.push_str(&legend(results, true));
    let areas: Vec<Vec<AreaCell>> = results
        .iter()
        .map(|r| {
            r.areas
                .iter()
                .map(|a| AreaCell {
                    code: &a.area,
                    name: &a.name,
                    demand: a.demand_families,
                    families: Some(a.families_supported),
                    coverage: Some(a.coverage),
                })
                .collect()
        })
        .collect();
    out.push_str(&areas_side_by_side(
        &areas,
        "families supported over the period, and coverage, under each scenario",
    ));
    out
}

/// Simulated splits as lettered columns: the national figures with their intervals,
/// what each letter is, and every area's simulated families side by side.
fn compare_simulated_table(results: &[SplitResult], simulated: &[SimulatedSplit]) -> String {
    let rows: Vec<Vec<(&str, String)>> = simulated
        .iter()
        .zip(results)
        .enumerate()
        .map(|(i, (s, r))| {
            let demand = r.summary.demand_families;
            let [paid, volunteers] = supporters_rows(r);
            vec![
                ("spent by areas", money(r.summary.spend_gbp)),
                paid,
                volunteers,
                ("demand (families)", thousands(demand.round() as i64)),
                (
                    "families supported, closed form",
                    thousands(s.closed_form_families.round() as i64),
                ),
                (
                    "families supported, simulated",
                    interval(Some(&s.families_supported), Number::THOUSANDS),
                ),
                (
                    "less A's, paired by replication",
                    paired_with_first(i, simulated),
                ),
                (
                    "coverage, simulated (mean / demand)",
                    s.families_supported
                        .mean
                        .filter(|_| demand > 0.0)
                        .map_or("-".into(), |m| Number::PERCENT.show(m / demand)),
                ),
                (
                    "families referred",
                    interval(Some(&s.referred), Number::THOUSANDS),
                ),
                (
                    "% of referred supported by week 16",
                    interval(Some(&s.supported_by_week_16), Number::PERCENT_FIGURE),
                ),
                (
                    "weeks waited, of those supported",
                    interval(Some(&s.wait_mean), Number::COUNT),
                ),
            ]
        })
        .collect();
    let (replications, policy) = simulated
        .first()
        .map_or((0, ""), |s| (s.replications, s.policy.as_str()));
    let mut out = wrap(
        &format!(
            "Through the weekly simulation: {} per area, policy {policy}; means ({}).{}",
            replications_said(replications),
            intervals_said(replications),
            if replications > 1 {
                " An area draws the same random numbers under every scenario (its seed is the run's mixed with its code), so scenarios of the same demand meet the same families: a difference between two columns is less uncertain than their intervals suggest, and the row \"less A's\" gives it replication by replication, with its own interval."
            } else {
                ""
            }
        ),
        0,
    );
    out.push('\n');
    out.push_str(&national_columns(&rows));
    // Paired or not, a difference between scenarios of different demand is mostly the
    // demand's: say which.
    let other_demand: Vec<String> = results
        .iter()
        .enumerate()
        .skip(1)
        .filter(|(_, r)| {
            let (this, first) = (
                r.summary.demand_families,
                results[0].summary.demand_families,
            );
            (this - first).abs() > 1e-9 * first.abs().max(1.0)
        })
        .map(|(i, _)| letter(i))
        .collect();
    if !other_demand.is_empty() {
        out.push_str(&wrap(
            &format!(
                "{} {} a different demand from A's: the row \"less A's\" then measures the demand's difference as well as the split's, and the families referred differ.",
                other_demand.join(", "),
                if other_demand.len() == 1 { "has" } else { "have" }
            ),
            0,
        ));
        out.push('\n');
    }
    out.push_str(&legend(results, false));
    let areas: Vec<Vec<AreaCell>> = simulated
        .iter()
        .map(|s| {
            s.areas
                .iter()
                .map(|a| AreaCell {
                    code: &a.area,
                    name: &a.name,
                    demand: a.demand_families,
                    families: a.families_supported.mean,
                    coverage: a.coverage(),
                })
                .collect()
        })
        .collect();
    out.push_str(&areas_side_by_side(
        &areas,
        "under each scenario, the simulated families supported (the mean over replications) and, in brackets, their share of demand, which can pass 100% because families supported after the period count",
    ));
    out.push('\n');
    out.push_str(&wrap(
        "For each area's interval, its waits and its share supported by week 16, run one scenario with --simulate, or write csv or json.",
        0,
    ));
    if let Some(first) = simulated.first() {
        out.push('\n');
        out.push_str(&wrap(&simulation_terms(&first.assumptions), 0));
    }
    out
}

/// How the simulation's supporters differ from the closed form's hours, which a reader
/// comparing the two needs: a volunteer's delivered hours hold whole families only, and
/// volunteers who leave are not replaced.
fn simulation_terms(a: &Assumptions) -> String {
    let c = &a.costs;
    let delivered = c.volunteer_hours_per_week * c.volunteer_reliability;
    let families = caseload_funding::families_held(delivered, a.hours_per_family_week);
    let attrition = caseload_sim::SupporterPlan::default().volunteer_attrition_per_week;
    format!(
        "How the simulation differs from the closed form. Each supporter takes the families its hours hold whole: a volunteer delivering {} hours a week ({} offered x {} reliability) takes {} at a time ({} hours a week each), where the closed form counts every hour delivered; and {} of volunteers leave each week, not replaced. So the simulation credits volunteers with less than the closed form does, and a split that buys volunteers gains less from them here. A family keeps its supporter until its plan is final (week 20 of its clock), so a policy that starts families late supports more of them for fewer weeks each: fifo (the longest waiting first) can count more families supported than the default optimal, which takes the highest priorities first, early; compare policies (--policy) on the share supported by week 16 and the wait as well.",
        Number::RATIO.show(delivered),
        Number::RATIO.show(c.volunteer_hours_per_week),
        Number::PERCENT.show(c.volunteer_reliability),
        if families == 1 {
            "1 family".to_string()
        } else {
            format!("{families} families")
        },
        Number::RATIO.show(a.hours_per_family_week),
        Number::PERCENT.show(attrition),
    )
}

/// Families supported in scenario `i` less those in the first, replication by
/// replication, with the 95% interval of the mean difference ("-" for the first).
fn paired_with_first(i: usize, simulated: &[SimulatedSplit]) -> String {
    if i == 0 {
        return "-".into();
    }
    let difference = caseload_sim::paired_estimate(
        &simulated[i].families_supported_by_replication,
        &simulated[0].families_supported_by_replication,
        caseload_sim::Kind::Count,
    );
    interval(Some(&difference), Number::THOUSANDS)
}

/// `rows[i]` (label, value) as scenario `i`'s column, in blocks that fit [`WIDTH`].
fn national_columns(rows: &[Vec<(&str, String)>]) -> String {
    let label_width = rows[0].iter().map(|(l, _)| l.len()).max().unwrap_or(0);
    let column_width = |i: usize| {
        rows[i]
            .iter()
            .map(|(_, v)| v.chars().count())
            .chain([letter(i).len()])
            .max()
            .unwrap_or(0)
    };
    // A Markdown table row: "| label |" then " value |" per column.
    let widths: Vec<usize> = (0..rows.len()).map(column_width).collect();
    let mut out = String::new();
    for block in &column_blocks(label_width + 4, &widths) {
        let mut header = vec!["national".to_string()];
        header.extend(block.iter().map(|&i| letter(i)));
        let header: Vec<&str> = header.iter().map(String::as_str).collect();
        let mut t = table(&header);
        for (r, (label, _)) in rows[0].iter().enumerate() {
            let mut row = vec![label.to_string()];
            row.extend(block.iter().map(|&i| rows[i][r].1.clone()));
            t.add_row(row);
        }
        right_align(&mut t, &(1..=block.len()).collect::<Vec<_>>());
        let _ = writeln!(out, "{t}\n");
    }
    out
}

/// What each letter is (its scenario, rule and split settings, and with `extremes` its
/// least and best covered areas), the assumptions the scenarios share, and their
/// remarks.
fn legend(results: &[SplitResult], extremes: bool) -> String {
    let mut out = String::new();
    for (i, r) in results.iter().enumerate() {
        out.push_str(&wrap(
            &format!("{}: {} (rule {})", letter(i), r.scenario, r.rule),
            3,
        ));
        if extremes {
            out.push_str(&wrap(&format!("   {}", extremes_line(r)), 3));
        }
        out.push_str(&wrap(&format!("   {}", r.assumptions.describe_split()), 3));
    }
    // Each letter's rule and settings are above; the rest is listed once for the
    // scenarios that share it.
    let mut groups: Vec<(Assumptions, Vec<usize>)> = Vec::new();
    for (i, r) in results.iter().enumerate() {
        let shared = r.assumptions.shared();
        match groups.iter_mut().find(|(a, _)| *a == shared) {
            Some((_, members)) => members.push(i),
            None => groups.push((shared, vec![i])),
        }
    }
    for (assumptions, members) in &groups {
        let names: Vec<String> = members.iter().map(|&i| letter(i)).collect();
        out.push('\n');
        lines_block(
            &mut out,
            &format!("Assumptions of {}", names.join(", ")),
            assumptions.describe_shared(),
        );
    }
    let mut any = false;
    for (i, r) in results.iter().enumerate() {
        if r.warnings.is_empty() && r.notes.is_empty() {
            continue;
        }
        if !any {
            out.push('\n');
            any = true;
        }
        let _ = writeln!(out, "{}:", letter(i));
        remarks(&mut out, &r.warnings, &r.notes);
    }
    out
}

/// The columns `0..widths.len()` (each `widths[i]` characters of content) in blocks
/// that fit [`WIDTH`] beside `fixed` characters of leading columns, each column taking
/// three more for its Markdown separators.
fn column_blocks(fixed: usize, widths: &[usize]) -> Vec<Vec<usize>> {
    let mut blocks: Vec<Vec<usize>> = vec![Vec::new()];
    let mut width = fixed;
    for (i, w) in widths.iter().map(|w| w + 3).enumerate() {
        let block = blocks.last_mut().expect("one block at least");
        if !block.is_empty() && width + w > WIDTH {
            blocks.push(vec![i]);
            width = fixed + w;
        } else {
            block.push(i);
            width += w;
        }
    }
    blocks
}

/// One area under one scenario, as the side-by-side table shows it.
struct AreaCell<'a> {
    code: &'a str,
    name: &'a str,
    demand: f64,
    /// Families supported (None: not defined, e.g. no replication).
    families: Option<f64>,
    /// Families over demand (None where there is no demand to cover).
    coverage: Option<f64>,
}

/// Every area under every scenario (`scenarios[i]` the areas of scenario `i`), side by
/// side: families supported and coverage, as `what` says, the areas least covered under
/// any of the scenarios first, so that the areas a rule leaves short head the list.
fn areas_side_by_side(scenarios: &[Vec<AreaCell>], what: &str) -> String {
    // Each scenario's areas by code.
    let by_code: Vec<std::collections::HashMap<&str, &AreaCell>> = scenarios
        .iter()
        .map(|areas| areas.iter().map(|a| (a.code, a)).collect())
        .collect();
    let of = |i: usize, code: &str| by_code[i].get(code).copied();
    let lowest = |code: &str| {
        (0..scenarios.len())
            .filter_map(|i| of(i, code)?.coverage)
            .fold(f64::INFINITY, f64::min)
    };
    // Every area of any scenario, once (scenarios read the same areas table today).
    let mut seen = std::collections::HashSet::new();
    let mut codes: Vec<(&str, &str, f64)> = scenarios
        .iter()
        .flatten()
        .filter(|a| seen.insert(a.code))
        .map(|a| (a.code, a.name, lowest(a.code)))
        .collect();
    if codes.is_empty() {
        return String::new();
    }
    codes.sort_by(|a, b| a.2.total_cmp(&b.2).then(a.1.cmp(b.1)));
    let cell = |i: usize, code: &str| {
        of(i, code).map_or("-".to_string(), |a| {
            format!(
                "{} ({})",
                a.families
                    .map_or("-".into(), |f| thousands(f.round() as i64)),
                a.coverage.map_or("-".into(), |c| Number::PERCENT.show(c))
            )
        })
    };
    let cells: Vec<Vec<String>> = (0..scenarios.len())
        .map(|i| codes.iter().map(|(code, ..)| cell(i, code)).collect())
        .collect();
    let name_width = codes
        .iter()
        .map(|(_, n, _)| n.chars().count())
        .max()
        .unwrap_or(4);
    let demand: Vec<String> = codes
        .iter()
        .map(|(code, ..)| {
            (0..scenarios.len())
                .find_map(|i| of(i, code))
                .map_or("-".into(), |a| thousands(a.demand.round() as i64))
        })
        .collect();
    let demand_width = demand.iter().map(String::len).max().unwrap_or(6).max(6);
    let widths: Vec<usize> = cells
        .iter()
        .enumerate()
        .map(|(i, c)| {
            c.iter()
                .map(String::len)
                .chain([letter(i).len()])
                .max()
                .unwrap_or(1)
        })
        .collect();
    let mut out = String::from("\n");
    out.push_str(&wrap(
        &format!(
            "Areas side by side ({}): {what}; the areas least covered under any of them first (demand as under the first scenario that has the area).",
            codes.len()
        ),
        0,
    ));
    // Named, not coded, so that three scenarios fit a terminal's width (the codes are in
    // the CSV, one row per scenario and area).
    for block in column_blocks(2 + name_width + 3 + demand_width + 2, &widths) {
        let mut header = vec!["area".to_string(), "demand".to_string()];
        header.extend(block.iter().map(|&i| letter(i)));
        let header: Vec<&str> = header.iter().map(String::as_str).collect();
        let mut t = table(&header);
        for (row, (_, name, _)) in codes.iter().enumerate() {
            let mut line = vec![name.to_string(), demand[row].clone()];
            line.extend(block.iter().map(|&i| cells[i][row].clone()));
            t.add_row(line);
        }
        right_align(&mut t, &(1..=block.len() + 1).collect::<Vec<_>>());
        let _ = writeln!(out, "\n{t}");
    }
    out
}

fn sweep_table(result: &SweepResult) -> String {
    let mut t = table(&[
        result.parameter.as_str(),
        "available",
        "spent",
        "unspent",
        "beyond demand",
        "families supported",
        "unmet demand",
        "coverage",
        "smallest",
        "median",
        "Gini",
    ]);
    let pounds = result.parameter.ends_with("_gbp");
    for p in &result.points {
        let s = &p.summary;
        t.add_row(vec![
            if pounds {
                money(p.value)
            } else {
                number(p.value)
            },
            money(s.available_gbp),
            money(s.spend_gbp),
            money(unspent_shown(s)),
            money(s.beyond_demand_gbp),
            thousands(s.families_supported.round() as i64),
            thousands(unmet_shown(s)),
            Number::PERCENT.show(s.coverage),
            Number::PERCENT.show(s.min_coverage),
            Number::PERCENT.show(s.median_coverage),
            format!("{:.3}", s.gini_coverage),
        ]);
    }
    right_align(&mut t, &(0..11).collect::<Vec<_>>());
    let mut out = format!(
        "{} ({}), sweeping {}\n\n{t}\n\n",
        result.scenario, result.rule, result.parameter
    );
    assumptions_block(
        &mut out,
        &format!(
            "Assumptions (before the sweep sets {}; every point's own are in json and csv)",
            result.parameter
        ),
        &result.assumptions,
    );
    if !result.warnings.is_empty() {
        out.push('\n');
        remarks(&mut out, &result.warnings, &[]);
    }
    out
}

/// "1 replication", "20 replications".
fn replications_said(n: u32) -> String {
    match n {
        1 => "1 replication".into(),
        n => format!("{n} replications"),
    }
}

/// What the brackets beside a simulated figure are: no interval comes of one
/// replication.
fn intervals_said(n: u32) -> &'static str {
    match n {
        1 => "one replication: no intervals",
        _ => "95% CIs",
    }
}

fn simulated_table(s: &SimulatedSplit) -> String {
    let ci = if s.replications > 1 { " (95% CI)" } else { "" };
    let (simulated, waited, by_16) = (
        format!("simulated{ci}"),
        format!("weeks waited{ci}"),
        format!("% of referred supported by week 16{ci}"),
    );
    let mut t = table(&[
        "area",
        "name",
        "funding",
        "paid FTE",
        "volunteer FTE",
        "demand",
        "closed form",
        &simulated,
        "simulated coverage",
        &waited,
        &by_16,
    ]);
    let mut fewer = Vec::new();
    for a in &s.areas {
        let coverage = a
            .coverage()
            .map_or("-".to_string(), |c| Number::PERCENT.show(c));
        // The wait and the share by week 16 are means over the replications that
        // supported (or referred) a family; say where that is not all of them.
        let n = a.wait_mean.n.min(a.supported_by_week_16.n);
        if n < s.replications as usize {
            fewer.push(format!("{} ({n} of {})", a.name, s.replications));
        }
        t.add_row(vec![
            a.area.clone(),
            a.name.clone(),
            money(a.funding_gbp),
            format!("{:.1}", a.paid_supporters),
            format!("{:.1}", a.volunteer_supporters),
            format!("{:.1}", a.demand_families),
            format!("{:.1}", a.closed_form_families),
            interval(Some(&a.families_supported), Number::COUNT),
            coverage,
            interval(Some(&a.wait_mean), Number::COUNT),
            interval(Some(&a.supported_by_week_16), Number::PERCENT_FIGURE),
        ]);
    }
    right_align(&mut t, &(2..11).collect::<Vec<_>>());
    let mut out = format!(
        "{} ({}) through the weekly simulation: {} per area, policy {}\nSpend {}; families supported: closed form {}, simulated {}\n",
        s.scenario,
        s.rule,
        replications_said(s.replications),
        s.policy,
        money(s.spend_gbp),
        thousands(s.closed_form_families.round() as i64),
        interval(Some(&s.families_supported), Number::THOUSANDS)
    );
    out.push_str(&wrap(
        &format!(
            "Nationally: {} families referred in the period; {} of them supported by week 16 of the 20-week clock; {} weeks waited on average by those supported ({}).",
            interval(Some(&s.referred), Number::THOUSANDS),
            interval(Some(&s.supported_by_week_16), Number::PERCENT),
            interval(Some(&s.wait_mean), Number::COUNT),
            intervals_said(s.replications)
        ),
        0,
    ));
    out.push('\n');
    assumptions_block(&mut out, "Assumptions", &s.assumptions);
    if !s.warnings.is_empty() || !s.notes.is_empty() {
        out.push('\n');
        remarks(&mut out, &s.warnings, &s.notes);
    }
    out.push('\n');
    out.push_str(&wrap(
        "Funding and supporters are the split's (paid and volunteer supporters as full-time equivalents of the standard hours). Demand and closed form are families over the period (closed form: the families the split's funded hours support by the formula, hours over the hours a family needs). Simulated is the mean over replications of the families referred in the period whom the weekly simulation supports, followed until their plans are final: some are supported after the period ends, by the area's supporters, which the closed form no longer counts, so simulated can exceed the closed form, and simulated coverage (the simulated mean over demand) can exceed 100%. Weeks waited is the mean wait of the families supported only: families never supported have no wait, so read it with the last column, the share of the families referred who were supported by week 16 of the 20-week clock.",
        0,
    ));
    out.push('\n');
    out.push_str(&wrap(&simulation_terms(&s.assumptions), 0));
    if !fewer.is_empty() {
        out.push_str(&wrap(
            &format!(
                "Waits and shares by week 16 rest on fewer replications where some supported or referred nobody: {}.",
                fewer.join(", ")
            ),
            0,
        ));
    }
    let _ = writeln!(out, "\n{t}");
    out
}
