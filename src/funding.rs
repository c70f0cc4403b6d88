//! `caseload funding`: split a budget across the areas, compare scenarios, sweep.

use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use caseload_funding::{
    compare, simulate_split, sweep, tables, AreasTable, FundingScenario, SimulatedSplit,
    SplitResult, SweepResult, SweepSpec,
};
use caseload_model::config;

use crate::cli::{BadArgument, Format, FundingArgs};
use crate::output::emit;
use crate::render::{interval, right_align, table, Number};

pub fn run(args: &FundingArgs) -> anyhow::Result<()> {
    let areas = match &args.areas {
        Some(file) => AreasTable::load(file)?,
        None => AreasTable::embedded(),
    };
    let files: Vec<&PathBuf> = args.scenario.iter().chain(&args.compare).collect();
    if files.is_empty() {
        return Err(BadArgument("give --scenario FILE, or --compare FILE FILE ...".into()).into());
    }
    let extension = args
        .out
        .as_deref()
        .and_then(|p| p.extension())
        .and_then(|e| e.to_str())
        .unwrap_or("");
    let format = args.format.unwrap_or(match extension {
        "csv" | "parquet" => Format::Csv,
        "md" | "txt" => Format::Table,
        "json" => Format::Json,
        _ if args.out.is_none() && std::io::stdout().is_terminal() => Format::Table,
        _ => Format::Json,
    });
    let parquet = extension == "parquet";

    if let Some(grid) = &args.sweep {
        let [file] = files.as_slice() else {
            return Err(BadArgument("--sweep runs one --scenario".into()).into());
        };
        let spec = SweepSpec::parse(grid)?;
        let text = config::read(file)?;
        let result = sweep(file, &text, &spec, &areas)?;
        if let Some(chart) = &args.chart {
            tables::sweep_chart(&result, chart)?;
        }
        let mut df = tables::sweep_frame(&result)?;
        if parquet {
            return Ok(tables::write_parquet(&mut df, out_file(args))?);
        }
        let text = match format {
            Format::Json => format!("{}\n", serde_json::to_string_pretty(&result)?),
            Format::Csv => tables::csv_text(&mut df)?,
            Format::Table => sweep_table(&result),
        };
        return emit(&text, args.out.as_deref());
    }

    let scenarios = files
        .iter()
        .map(|file| FundingScenario::load(file))
        .collect::<Result<Vec<_>, _>>()?;
    let results = compare(&scenarios, &areas)?;
    if args.simulate {
        let [scenario] = scenarios.as_slice() else {
            return Err(BadArgument("--simulate runs one --scenario".into()).into());
        };
        if args.replications == 0 {
            return Err(BadArgument("--replications must be at least 1".into()).into());
        }
        let policy = caseload_sim::builtin(&args.policy).ok_or_else(|| {
            BadArgument(format!(
                "--policy: unknown policy `{}` (known: {})",
                args.policy,
                caseload_sim::BUILTIN.join(", ")
            ))
        })?;
        let simulated =
            simulate_split(scenario, &results[0], policy, args.replications, args.seed)?;
        let text = match format {
            Format::Table => simulated_table(&simulated),
            _ => format!("{}\n", serde_json::to_string_pretty(&simulated)?),
        };
        return emit(&text, args.out.as_deref());
    }
    if format == Format::Csv {
        // The table and JSON carry the notes; CSV rows cannot.
        for (r, note) in results
            .iter()
            .flat_map(|r| r.notes.iter().map(move |n| (r, n)))
        {
            eprintln!("note: {}: {note}", r.scenario);
        }
    }
    if let Some(chart) = &args.chart {
        tables::coverage_chart(&results, chart)?;
    }
    let mut df = tables::areas_frame(&results)?;
    if parquet {
        return Ok(tables::write_parquet(&mut df, out_file(args))?);
    }
    let text = match format {
        Format::Json if results.len() == 1 => {
            format!("{}\n", serde_json::to_string_pretty(&results[0])?)
        }
        Format::Json => format!(
            "{}\n",
            serde_json::to_string_pretty(&serde_json::json!({ "scenarios": results }))?
        ),
        Format::Csv => tables::csv_text(&mut df)?,
        Format::Table if results.len() == 1 => split_table(&results[0]),
        Format::Table => compare_table(&results),
    };
    emit(&text, args.out.as_deref())
}

fn out_file(args: &FundingArgs) -> &Path {
    args.out.as_deref().unwrap_or(Path::new("funding.parquet"))
}

fn money(x: f64) -> String {
    let pounds = x.round() as i64;
    let digits = pounds.abs().to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{}£{grouped}", if pounds < 0 { "-" } else { "" })
}

/// The summary rows shared by the single and the side-by-side tables.
fn summary_rows(r: &SplitResult) -> Vec<(&'static str, String)> {
    let s = &r.summary;
    vec![
        ("rule", r.rule.to_string()),
        ("budget", money(s.budget_gbp)),
        ("available after top-slice", money(s.available_gbp)),
        ("spent by areas", money(s.spend_gbp)),
        ("unspent", money(s.unspent_gbp)),
        ("families supported", format!("{:.0}", s.families_supported)),
        ("demand (families)", format!("{:.0}", s.demand_families)),
        ("unmet demand", format!("{:.0}", s.unmet_demand)),
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
        ("Gini of area coverage", format!("{:.3}", s.gini_coverage)),
        (
            "paid supporters (FTE)",
            format!(
                "{:.0}",
                r.areas.iter().map(|a| a.paid_supporters).sum::<f64>()
            ),
        ),
        (
            "volunteer supporters (FTE)",
            format!(
                "{:.0}",
                r.areas.iter().map(|a| a.volunteer_supporters).sum::<f64>()
            ),
        ),
    ]
}

fn split_table(r: &SplitResult) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} ({} weeks)\n",
        r.scenario,
        (r.weeks * 1000.0).round() / 1000.0
    );
    let mut summary = table(&["national", "value"]);
    for (label, value) in summary_rows(r) {
        summary.add_row(vec![label.to_string(), value]);
    }
    right_align(&mut summary, &[1]);
    let _ = writeln!(out, "{summary}");
    for note in &r.notes {
        let _ = writeln!(out, "\nNote: {note}");
    }
    let mut areas = table(&[
        "area",
        "name",
        "region",
        "funding",
        "paid",
        "volunteer",
        "hours/week",
        "capacity",
        "demand",
        "supported",
        "coverage",
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
            money(a.unspent_gbp),
        ]);
    }
    right_align(&mut areas, &(3..12).collect::<Vec<_>>());
    let _ = writeln!(out, "\nAreas ({})\n{areas}", r.areas.len());
    out
}

fn compare_table(results: &[SplitResult]) -> String {
    let mut header = vec!["national".to_string()];
    header.extend(results.iter().map(|r| r.scenario.clone()));
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let mut t = table(&header);
    let rows: Vec<Vec<(&str, String)>> = results.iter().map(summary_rows).collect();
    for (i, (label, _)) in rows[0].iter().enumerate() {
        let mut row = vec![label.to_string()];
        row.extend(rows.iter().map(|r| r[i].1.clone()));
        t.add_row(row);
    }
    right_align(&mut t, &(1..=results.len()).collect::<Vec<_>>());
    let mut out = format!("{t}\n");
    for r in results {
        for note in &r.notes {
            let _ = writeln!(out, "Note ({}): {note}", r.scenario);
        }
    }
    out
}

fn sweep_table(result: &SweepResult) -> String {
    let mut t = table(&[
        result.parameter.as_str(),
        "spent",
        "families supported",
        "coverage",
        "smallest",
        "median",
        "Gini",
    ]);
    for p in &result.points {
        let s = &p.summary;
        t.add_row(vec![
            format!("{}", p.value),
            money(s.spend_gbp),
            format!("{:.0}", s.families_supported),
            Number::PERCENT.show(s.coverage),
            Number::PERCENT.show(s.min_coverage),
            Number::PERCENT.show(s.median_coverage),
            format!("{:.3}", s.gini_coverage),
        ]);
    }
    right_align(&mut t, &(0..7).collect::<Vec<_>>());
    format!(
        "{} ({}), sweeping {}\n\n{t}\n",
        result.scenario, result.rule, result.parameter
    )
}

fn simulated_table(s: &SimulatedSplit) -> String {
    let mut t = table(&[
        "area",
        "name",
        "closed form",
        "simulated (95% CI)",
        "weeks waited",
        "% by week 16",
    ]);
    for a in &s.areas {
        t.add_row(vec![
            a.area.clone(),
            a.name.clone(),
            format!("{:.1}", a.closed_form_families),
            interval(Some(&a.families_supported), Number::COUNT),
            interval(Some(&a.wait_mean), Number::COUNT),
            interval(
                Some(&a.supported_by_week_16),
                Number {
                    suffix: "",
                    ..Number::PERCENT
                },
            ),
        ]);
    }
    right_align(&mut t, &[2, 3, 4, 5]);
    format!(
        "{} ({}) through the weekly simulation: {} replications per area, policy {}\nFamilies supported: closed form {:.0}, simulated {}\n\n{t}\n",
        s.scenario, s.rule, s.replications, s.policy, s.closed_form_families, interval(Some(&s.families_supported), Number::WHOLE)
    )
}
