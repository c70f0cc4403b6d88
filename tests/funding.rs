//! `caseload funding` end to end on the real areas and the programme's scenarios.

use serde_json::Value;

use crate::util::{caseload, json, scratch, stderr, stdout};

fn funding(args: &[&str]) -> std::process::Output {
    let mut all = vec!["funding"];
    all.extend_from_slice(args);
    caseload(&all)
}

#[test]
fn the_2014_split_matches_the_spec_json() {
    let result = json(&funding(&[
        "--scenario",
        "fixtures/funding/2014-16-flat.toml",
        "--format",
        "json",
    ]));
    assert_eq!(result["scenario"], "2014-16: 12 per area");
    assert_eq!(result["rule"], "flat");
    assert!((result["weeks"].as_f64().unwrap() - 82.571).abs() < 1e-3);
    let areas = result["areas"].as_array().unwrap();
    assert_eq!(areas.len(), 152);
    for key in [
        "area",
        "name",
        "region",
        "funding_gbp",
        "paid_supporters",
        "volunteer_supporters",
        "paid_hours_per_week",
        "volunteer_hours_per_week",
        "capacity_families",
        "demand_families",
        "families_supported",
        "coverage",
        "unspent_gbp",
    ] {
        assert!(areas[0].get(key).is_some(), "{key}");
    }
    let summary = &result["summary"];
    assert!(
        summary["spend_gbp"].as_f64().unwrap()
            <= summary["available_gbp"].as_f64().unwrap() + 0.005
    );
    assert!(result["notes"][0].as_str().unwrap().contains("scaled down"));
}

#[test]
fn optima_dominate_the_other_rules_on_the_real_areas() {
    let files: Vec<String> = std::fs::read_dir("fixtures/funding")
        .unwrap()
        .map(|e| e.unwrap().path().to_string_lossy().into_owned())
        .filter(|p| p.contains("2016-17"))
        .collect();
    let mut args = vec!["--format", "json", "--compare"];
    args.extend(files.iter().map(String::as_str));
    let results = json(&funding(&args));
    let scenarios = results["scenarios"].as_array().unwrap();
    let by_rule = |rule: &str| scenarios.iter().find(|s| s["rule"] == rule).unwrap();
    let summary = |s: &Value, key: &str| s["summary"][key].as_f64().unwrap();
    for s in scenarios {
        assert!(
            summary(by_rule("max_families"), "families_supported")
                >= summary(s, "families_supported") - 1e-3,
            "{}",
            s["rule"]
        );
        assert!(
            summary(by_rule("max_min_coverage"), "min_coverage")
                >= summary(s, "min_coverage") - 1e-6,
            "{}",
            s["rule"]
        );
    }
}

#[test]
fn sweep_runs_a_grid_and_draws_it() {
    let dir = scratch("funding-sweep");
    let chart = dir.join("sweep.svg");
    let output = funding(&[
        "--scenario",
        "fixtures/funding/2016-17-max-families.toml",
        "--sweep",
        "budget=5e6..20e6:5e6",
        "--format",
        "csv",
        "--chart",
        chart.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(
        text.starts_with("budget_gbp,spend_gbp,unspent_gbp,families_supported"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 1 + 4);
    assert!(std::fs::read_to_string(&chart).unwrap().contains("<svg"));
}

#[test]
fn tables_go_out_as_csv_and_parquet() {
    let dir = scratch("funding-out");
    let parquet = dir.join("areas.parquet");
    let output = funding(&[
        "--compare",
        "fixtures/funding/2014-16-flat.toml",
        "fixtures/funding/2014-16-demand.toml",
        "--out",
        parquet.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(std::fs::read(&parquet).unwrap().starts_with(b"PAR1"));
    let output = funding(&[
        "--scenario",
        "fixtures/funding/2014-16-demand.toml",
        "--format",
        "csv",
    ]);
    assert_eq!(stdout(&output).lines().count(), 1 + 152);
}

#[test]
fn bad_scenarios_and_tables_exit_2() {
    let dir = scratch("funding-bad");
    let scenario = dir.join("s.toml");
    std::fs::write(&scenario, "name = \"x\"\nbudget_gbp = 1000\n").unwrap();
    let output = funding(&["--scenario", scenario.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("impossible budget"),
        "{}",
        stderr(&output)
    );

    std::fs::write(
        &scenario,
        "name = \"x\"\n[demand]\ncolumns = { transfers_2099 = 1.0 }\n",
    )
    .unwrap();
    let output = funding(&["--scenario", scenario.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output)
        .contains("column `transfers_2099` (named in `demand.columns`) is not in the areas table"));

    let areas = dir.join("areas.csv");
    std::fs::write(&areas, "new_la_code,la_name,region_name,pop_0_25_mid2017,transfers_statement_to_ehc_2015,new_ehc_plans_2015\nA,a,r,10,5,-1\n").unwrap();
    let output = funding(&[
        "--scenario",
        "fixtures/funding/2014-16-flat.toml",
        "--areas",
        areas.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output)
            .contains("areas.csv:2:6: `new_ehc_plans_2015`: -1 is negative or not finite"),
        "{}",
        stderr(&output)
    );

    let output = funding(&[
        "--scenario",
        "fixtures/funding/2014-16-flat.toml",
        "--sweep",
        "budget=1..0:1",
    ]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn simulate_runs_every_area_beside_the_closed_form() {
    let output = funding(&[
        "--scenario",
        "fixtures/funding/2016-17-flat.toml",
        "--simulate",
        "--replications",
        "3",
        "--format",
        "json",
    ]);
    let result = json(&output);
    let areas = result["areas"].as_array().unwrap();
    assert_eq!(areas.len(), 152);
    assert_eq!(result["policy"], "optimal");
    let closed: f64 = areas
        .iter()
        .map(|a| a["closed_form_families"].as_f64().unwrap())
        .sum();
    assert!((closed - result["closed_form_families"].as_f64().unwrap()).abs() < 1e-6);
    let total = result["families_supported"]["mean"].as_f64().unwrap();
    let by_area: f64 = areas
        .iter()
        .map(|a| a["families_supported"]["mean"].as_f64().unwrap())
        .sum();
    assert!(
        (total - by_area).abs() < 1e-6 * total,
        "the national total is the sum of the areas"
    );
    // The closed form assumes smooth demand; the simulation should land near it.
    assert!(
        (total / closed - 1.0).abs() < 0.15,
        "simulated {total} against closed form {closed}"
    );
    let bad = funding(&[
        "--compare",
        "fixtures/funding/2016-17-flat.toml",
        "fixtures/funding/2016-17-demand.toml",
        "--simulate",
    ]);
    assert_eq!(bad.status.code(), Some(2));
}
