//! `caseload funding` end to end on the real areas and the programme's scenarios.

use serde_json::Value;

use crate::util::{caseload, json, regex_literal, stderr, stdout};

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
fn money_spent_beyond_demand_is_totalled_nationally() {
    // Split by demand with the whole 2014-16 budget, every area is covered and part of
    // the money buys capacity no family uses: the national figure is the areas' sum.
    let result = json(&funding(&[
        "--scenario",
        "fixtures/funding/2014-16-demand.toml",
        "--format",
        "json",
    ]));
    let areas = result["areas"].as_array().unwrap();
    let idle: f64 = areas.iter().map(|a| a["idle_gbp"].as_f64().unwrap()).sum();
    let beyond = result["summary"]["beyond_demand_gbp"].as_f64().unwrap();
    assert!((beyond - idle).abs() < 1e-6, "{beyond} against {idle}");
    let spend = result["summary"]["spend_gbp"].as_f64().unwrap();
    assert_eq!(result["summary"]["unmet_demand"].as_f64().unwrap(), 0.0);
    assert!(beyond > 0.0 && beyond <= spend, "{beyond}");
    let table = stdout(&funding(&[
        "--scenario",
        "fixtures/funding/2014-16-demand.toml",
        "--format",
        "table",
    ]));
    let row = table
        .lines()
        .find(|l| l.starts_with("| spent beyond demand "))
        .unwrap_or_else(|| panic!("no row in\n{table}"));
    assert!(
        row.contains(&format!(
            "£{}",
            caseload_funding::tables::thousands(beyond.round() as i64)
        )),
        "{row}"
    );
}

#[test]
fn optima_dominate_the_other_rules_on_the_real_areas() {
    // docs/funding.md: on the fixtures both orders hold to the last digit (a checker
    // comparing them exactly must not find a coverage of 0.9999999999999997 where
    // another rule reaches 1).
    for period in ["2014-16", "2016-17"] {
        let mut files: Vec<String> = std::fs::read_dir("fixtures/funding")
            .unwrap()
            .map(|e| e.unwrap().path().to_string_lossy().into_owned())
            .filter(|p| p.contains(period))
            .collect();
        files.sort();
        let mut args = vec!["--format", "json", "--compare"];
        args.extend(files.iter().map(String::as_str));
        let results = json(&funding(&args));
        let scenarios = results["scenarios"].as_array().unwrap();
        assert!(scenarios.len() >= 3, "{period}: {files:?}");
        let by_rule = |rule: &str| scenarios.iter().find(|s| s["rule"] == rule).unwrap();
        let summary = |s: &Value, key: &str| s["summary"][key].as_f64().unwrap();
        for s in scenarios {
            assert!(
                summary(by_rule("max_families"), "families_supported")
                    >= summary(s, "families_supported"),
                "{period}: {}",
                s["rule"]
            );
            assert!(
                summary(by_rule("max_min_coverage"), "min_coverage") >= summary(s, "min_coverage"),
                "{period}: {}",
                s["rule"]
            );
        }
    }
}

#[test]
fn money_a_rule_leaves_unspent_is_explained() {
    // max_families meets every family of the 2014-16 demand before the money runs out.
    let output = funding(&[
        "--scenario",
        "fixtures/funding/2014-16-max-families.toml",
        "--format",
        "json",
    ]);
    let result = json(&output);
    let summary = &result["summary"];
    let unspent =
        summary["available_gbp"].as_f64().unwrap() - summary["spend_gbp"].as_f64().unwrap();
    assert!(unspent > 1e6, "{summary}");
    assert_eq!(summary["families_supported"], summary["demand_families"]);
    let notes = result["notes"].to_string();
    assert!(
        notes.contains(
            "every family of the demand is supported with £22,281,117: the other £6,218,883"
        ),
        "{notes}"
    );
    // A flat budget that pays the floors and nothing above them says so in words.
    let dir = tempfile::tempdir().unwrap();
    let floors = std::fs::read_to_string("fixtures/funding/2014-16-flat.toml")
        .unwrap()
        .replace("budget_gbp = 30_000_000", "budget_gbp = 2_722_500");
    let scenario = write(dir.path(), "floors.toml", &floors);
    let result = json(&funding(&["--scenario", &scenario, "--format", "json"]));
    let notes = result["notes"].to_string();
    assert!(
        notes.contains("available: only the floors are funded."),
        "{notes}"
    );
}

#[test]
fn sweep_runs_a_grid_and_draws_it() {
    let dir = tempfile::tempdir().unwrap();
    let chart = dir.path().join("sweep.svg");
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
        text.starts_with("scenario,rule,budget_gbp,available_gbp,spend_gbp,unspent_gbp,beyond_demand_gbp,families_supported,demand_families,unmet_demand"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 1 + 4);
    // Every row names its scenario and rule, so that sweeps stack in one sheet.
    assert!(
        text.lines()
            .skip(1)
            .all(|row| row
                .starts_with("\"2016-17: same money, the most families (LP)\",max_families,")),
        "{text}"
    );
    // Axis labels formatted for reading: pounds as £m, counts with separators.
    let svg = std::fs::read_to_string(&chart).unwrap();
    assert!(
        svg.contains(">£5m</text>") && svg.contains(">£20m</text>"),
        "{svg}"
    );
    assert!(!svg.contains(">5000000<"), "{svg}");
    assert!(svg.contains(",000</text>"), "{svg}");
}

#[test]
fn tables_go_out_as_csv_and_parquet() {
    let dir = tempfile::tempdir().unwrap();
    let parquet = dir.path().join("areas.parquet");
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
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("s.toml");
    std::fs::write(&scenario, "name = \"x\"\nbudget_gbp = 1000\n").unwrap();
    let output = funding(&["--scenario", scenario.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    // Located at the key to change, in the file that sets it.
    let at = format!(
        "{}:2:1: scenario `x`: an impossible budget",
        scenario.display()
    );
    assert!(stderr(&output).contains(&at), "{}", stderr(&output));
    // A sweep's point is named by its value.
    let output = funding(&[
        "--scenario",
        "fixtures/funding/2014-16-flat.toml",
        "--sweep",
        "budget=1e6..3e6:1e6",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("error: --sweep: budget_gbp = 1000000: scenario `2014-16: 12 per area`: an impossible budget"),
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
    // At the scenario's key naming it, where the fix is, not at the table's header.
    let at = format!(
        "{}:3:13: column `transfers_2099` (named in `demand.columns`) is not in the areas table fixtures/areas_england_2014_2017.csv (its columns:",
        scenario.display()
    );
    assert!(stderr(&output).contains(&at), "{}", stderr(&output));

    // --scenario with --compare is said as the two combined, not as too few values;
    // --compare alone takes two.
    let flat = "fixtures/funding/2016-17-flat.toml";
    let output = funding(&["--scenario", flat, "--compare", flat]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("cannot be used with"),
        "{}",
        stderr(&output)
    );
    let output = funding(&["--compare", flat]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output)
            .contains("--compare takes two scenarios or more; for one, give --scenario FILE"),
        "{}",
        stderr(&output)
    );

    let areas = dir.path().join("areas.csv");
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
            .contains("areas.csv:2:6: `new_ehc_plans_2015`: -1 is negative (every figure of the areas table is 0 or more)"),
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

    // The simulation's own limit on replications holds here too.
    let output = funding(&[
        "--scenario",
        "fixtures/funding/2016-17-flat.toml",
        "--simulate",
        "--replications",
        "100001",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--replications must be from 1 to 100000"));
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
}

#[test]
fn simulate_compares_scenarios_each_as_if_run_alone() {
    let dir = tempfile::tempdir().unwrap();
    let areas = write(dir.path(), "areas.csv", SMALL_AREAS);
    let flat = "fixtures/funding/2014-16-flat.toml";
    let demand = "fixtures/funding/2014-16-demand.toml";
    let common = [
        "--areas",
        areas.as_str(),
        "--simulate",
        "--replications",
        "4",
    ];
    let run = |scenarios: &[&str], format: &str| {
        let mut args: Vec<&str> = common.to_vec();
        args.extend(scenarios);
        args.extend(["--format", format]);
        funding(&args)
    };
    let both = json(&run(&["--compare", flat, demand], "json"));
    let both = both["scenarios"].as_array().unwrap();
    assert_eq!(both.len(), 2);
    // Each scenario's figures are those of the same scenario simulated alone: areas
    // draw their own random numbers, whatever else runs.
    for (i, file) in [flat, demand].iter().enumerate() {
        let alone = json(&run(&["--scenario", file], "json"));
        assert_eq!(both[i], alone, "{file}");
    }
    let table = stdout(&run(&["--compare", flat, demand], "table")).replace("\n  ", " ");
    for needle in [
        "Through the weekly simulation: 4 replications per area, policy optimal",
        "| families supported, simulated ",
        "| % of referred supported by week 16 ",
        "A: 2014-16: 12 per area (rule flat)",
        "| coverage, simulated (mean / demand) ",
        "Areas side by side (3): under each scenario, the simulated families supported",
    ] {
        assert!(table.contains(needle), "{needle} not in\n{table}");
    }
    // Each side-by-side cell is the scenario's own mean and its coverage.
    let large = table
        .lines()
        .find(|l| l.starts_with("| Large "))
        .unwrap_or_else(|| panic!("no Large row in\n{table}"));
    for scenario in both {
        let area = scenario["areas"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == "Large")
            .unwrap();
        let mean = area["families_supported"]["mean"].as_f64().unwrap();
        let coverage = mean / area["demand_families"].as_f64().unwrap();
        let cell = format!(
            "{} ({:.1}%)",
            mean.round() as i64,
            (coverage * 1000.0).round() / 10.0
        );
        assert!(large.contains(&cell), "{cell} not in {large}");
    }
    // B less A, replication by replication: the per-replication totals are those whose
    // mean is the national figure, and the table's paired row is the mean difference.
    let totals = |s: &Value| -> Vec<f64> {
        s["families_supported_by_replication"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect()
    };
    let (a, b) = (totals(&both[0]), totals(&both[1]));
    assert_eq!((a.len(), b.len()), (4, 4));
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    assert!((mean(&a) - both[0]["families_supported"]["mean"].as_f64().unwrap()).abs() < 1e-9);
    let difference: Vec<f64> = b.iter().zip(&a).map(|(b, a)| b - a).collect();
    let paired = table
        .lines()
        .find(|l| l.starts_with("| less A's, paired by replication "))
        .unwrap_or_else(|| panic!("no paired row in\n{table}"));
    let cells: Vec<&str> = paired.split('|').map(str::trim).collect();
    assert_eq!(cells[2], "-", "{paired}");
    assert!(
        cells[3].starts_with(&format!("{} [", mean(&difference).round() as i64)),
        "{paired}: mean difference {}",
        mean(&difference)
    );
    // What the simulation credits a volunteer with, from the scenario's own costs.
    let costs = &both[0]["assumptions"]["costs"];
    let delivered = costs["volunteer_hours_per_week"].as_f64().unwrap()
        * costs["volunteer_reliability"].as_f64().unwrap();
    let per_family = both[0]["assumptions"]["hours_per_family_week"]
        .as_f64()
        .unwrap();
    let whole = (delivered / per_family).floor().max(1.0);
    let terms = format!(
        "a volunteer delivering {delivered:.2} hours a week ({:.2} offered x {:.1}% reliability) takes {} at a time",
        costs["volunteer_hours_per_week"].as_f64().unwrap(),
        costs["volunteer_reliability"].as_f64().unwrap() * 100.0,
        if whole == 1.0 { "1 family".to_string() } else { format!("{whole} families") }
    );
    let joined = table.replace('\n', " ");
    assert!(joined.contains(&terms), "{terms} not in\n{table}");
    // One CSV row per scenario and area, with the split's own funding and supporters
    // beside the simulated figures (the same as the closed form's run gives), and how
    // many replications each mean rests on.
    let csv = stdout(&run(&["--compare", flat, demand], "csv"));
    assert_eq!(csv.lines().count(), 1 + 2 * 3, "{csv}");
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header = reader.headers().unwrap().clone();
    let column = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name} in {header:?}"))
    };
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let closed = json(&funding(&[
        "--areas",
        areas.as_str(),
        "--compare",
        flat,
        demand,
        "--format",
        "json",
    ]));
    for (row, (s, area)) in rows.iter().zip(
        closed["scenarios"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| s["areas"].as_array().unwrap().iter().map(move |a| (s, a))),
    ) {
        assert_eq!(&row[column("area")], area["area"].as_str().unwrap());
        assert_eq!(&row[column("scenario")], s["scenario"].as_str().unwrap());
        for key in ["funding_gbp", "paid_supporters", "volunteer_supporters"] {
            let given: f64 = row[column(key)].parse().unwrap();
            assert!(
                (given - area[key].as_f64().unwrap()).abs() < 1e-6,
                "{key}: {row:?}"
            );
        }
        assert_eq!(&row[column("families_supported_n")], "4");
        let referred: f64 = row[column("referred_mean")].parse().unwrap();
        assert!(referred > 0.0, "{row:?}");
        let waits: u32 = row[column("wait_mean_n")].parse().unwrap();
        assert!(waits <= 4, "{row:?}");
    }
    for (i, s) in both.iter().enumerate() {
        let spend = closed["scenarios"][i]["summary"]["spend_gbp"]
            .as_f64()
            .unwrap();
        assert!((s["spend_gbp"].as_f64().unwrap() - spend).abs() < 1e-6);
    }
    assert!(table.contains("| spent by areas "), "{table}");
    assert!(table.contains("| paid supporters (FTE) "), "{table}");
    // Scenarios of the same demand are not told apart; one of another demand is named.
    assert!(!joined.contains("a different demand"), "{table}");
    let more = std::fs::read_to_string(flat)
        .unwrap()
        .replace("take_up = 0.3", "take_up = 0.5")
        .replace("name = \"2014-16: 12 per area\"", "name = \"more take-up\"");
    let more = write(dir.path(), "more.toml", &more);
    let table = stdout(&run(&["--compare", flat, demand, &more], "table")).replace('\n', " ");
    assert!(
        table.contains("C has a different demand from A's"),
        "{table}"
    );
}

/// Three areas in the embedded table's columns, so that every output path runs fast.
/// An LP's split can give an area a crumb of volunteer hours (Rutland, 0.001 a week at
/// £10m): the simulation leaves out a supporter who could hold no family, where it
/// refused the whole run (the national budget study stopped on it).
#[test]
fn a_crumb_of_hours_is_no_supporter_in_the_simulation() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string("fixtures/funding/2016-17-max-min-coverage.toml")
        .unwrap()
        .replace("budget_gbp = 15_000_000", "budget_gbp = 10_000_000");
    let scenario = write(dir.path(), "crumb.toml", &text);
    let closed = json(&funding(&["--scenario", &scenario, "--format", "json"]));
    let rutland = |r: &Value| -> Value {
        r["areas"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["area"] == "E06000017")
            .unwrap()
            .clone()
    };
    let crumb = rutland(&closed)["volunteer_hours_per_week"]
        .as_f64()
        .unwrap();
    assert!(crumb > 0.0 && crumb * 0.7 < 0.01, "{crumb}");
    let output = funding(&[
        "--scenario",
        &scenario,
        "--simulate",
        "--replications",
        "1",
        "--format",
        "json",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let simulated = json(&output);
    assert!(
        rutland(&simulated)["families_supported"]["mean"]
            .as_f64()
            .unwrap()
            > 0.0
    );
}

/// `--threads` sizes the pool of the sweep's points and the simulation's areas; the
/// output is the same whatever the number.
#[test]
fn threads_change_nothing_but_the_pool() {
    let dir = tempfile::tempdir().unwrap();
    let areas = write(dir.path(), "areas.csv", SMALL_AREAS);
    let flat = "fixtures/funding/2014-16-flat.toml";
    let runs: [&[&str]; 2] = [
        &["--scenario", flat, "--sweep", "budget=10e6..30e6:5e6"],
        &["--scenario", flat, "--simulate", "--replications", "3"],
    ];
    for run in runs {
        let with = |threads: Option<&str>| {
            let mut args = vec!["--areas", areas.as_str(), "--format", "json"];
            args.extend(run);
            if let Some(n) = threads {
                args.extend(["--threads", n]);
            }
            let output = funding(&args);
            assert!(output.status.success(), "{}", stderr(&output));
            stdout(&output)
        };
        let default = with(None);
        assert_eq!(with(Some("1")), default, "{run:?}");
        assert_eq!(with(Some("3")), default, "{run:?}");
    }
    // One replication is said in the singular, and has no interval.
    let output = funding(&[
        "--areas",
        &areas,
        "--scenario",
        flat,
        "--simulate",
        "--replications",
        "1",
        "--format",
        "table",
    ]);
    let table = stdout(&output).replace('\n', " ");
    assert!(table.contains("1 replication per area"), "{table}");
    assert!(table.contains("(one replication: no intervals)"), "{table}");
    assert!(!table.contains("95% CI"), "{table}");
    let output = funding(&["--scenario", flat, "--threads", "0"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("must be a whole number from 1"),
        "{}",
        stderr(&output)
    );
}

/// Two scenarios of one name (a fixture copied and its budget changed) are told apart
/// by their files in every output, and the run says so.
#[test]
fn scenarios_of_the_same_name_are_told_apart_by_their_files() {
    let dir = tempfile::tempdir().unwrap();
    let areas = write(dir.path(), "areas.csv", SMALL_AREAS);
    let flat = "fixtures/funding/2014-16-flat.toml";
    let text = std::fs::read_to_string(flat).unwrap();
    let cheaper = text.replace("budget_gbp = 30_000_000", "budget_gbp = 20_000_000");
    assert_ne!(text, cheaper);
    let copy = write(dir.path(), "cheaper.toml", &cheaper);
    let name = text
        .lines()
        .find_map(|l| l.strip_prefix("name = \""))
        .and_then(|l| l.strip_suffix('"'))
        .unwrap()
        .to_string();
    let output = funding(&[
        "--areas",
        &areas,
        "--compare",
        flat,
        &copy,
        "--format",
        "csv",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains(&format!(
            "warning: scenarios of the same name are told apart by their files: A as `{name} (2014-16-flat.toml)`, B as `{name} (cheaper.toml)`; give each scenario its own `name`"
        )),
        "{}",
        stderr(&output)
    );
    let csv = stdout(&output);
    assert_eq!(
        csv.matches(&format!("{name} (2014-16-flat.toml)")).count(),
        3,
        "{csv}"
    );
    assert_eq!(
        csv.matches(&format!("{name} (cheaper.toml)")).count(),
        3,
        "{csv}"
    );
    // The scenarios' names in the JSON of two files compared.
    let compared = |a: &str, b: &str| -> Vec<String> {
        let output = funding(&["--areas", &areas, "--compare", a, b, "--format", "json"]);
        assert!(output.status.success(), "{}", stderr(&output));
        json(&output)["scenarios"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["scenario"].as_str().unwrap().to_string())
            .collect()
    };
    // Files of the same name in two folders: the paths as given.
    std::fs::create_dir(dir.path().join("other")).unwrap();
    let twin = write(&dir.path().join("other"), "cheaper.toml", &cheaper);
    assert_eq!(
        compared(&copy, &twin),
        [format!("{name} ({copy})"), format!("{name} ({twin})")]
    );
    // The same file twice: its path and letter.
    assert_eq!(
        compared(&copy, &copy),
        [format!("{name} ({copy}, A)"), format!("{name} ({copy}, B)")]
    );
    // Scenarios of their own names are left as they are, and nothing is said.
    let output = funding(&[
        "--areas",
        &areas,
        "--compare",
        flat,
        "fixtures/funding/2014-16-demand.toml",
        "--format",
        "csv",
    ]);
    assert!(
        !stderr(&output).contains("told apart"),
        "{}",
        stderr(&output)
    );
}

const SMALL_AREAS: &str = "new_la_code,la_name,region_name,pop_0_25_mid2017,transfers_statement_to_ehc_2015,new_ehc_plans_2015\n\
E1,Small,R,1000,10,5\nE2,Middle,R,5000,60,30\nE3,Large,R,20000,400,200\n";

fn write(dir: &std::path::Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

fn twelve_months(extra: &str) -> String {
    format!(
        "name = \"twelve months\"\nbudget_gbp = 2_000_000\nstart = \"2027-04-01\"\nend = \"2028-03-31\"\n\
         [demand]\ncolumns = {{ transfers_statement_to_ehc_2015 = 1.0, new_ehc_plans_2015 = 1.0 }}\n{extra}\
         [split]\nrule = \"demand\"\n"
    )
}

#[test]
fn issue7_a_twelve_month_period_counts_twelve_months_of_demand() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write(dir.path(), "s.toml", &twelve_months(""));
    let output = funding(&["--scenario", &scenario, "--format", "json"]);
    let result = json(&output);
    let weeks = 366.0 / 7.0;
    let scale = weeks / 52.1775;
    let a = &result["assumptions"];
    assert!((a["weeks"].as_f64().unwrap() - weeks).abs() < 1e-9);
    assert!((a["period_scale"].as_f64().unwrap() - scale).abs() < 1e-9);
    assert_eq!(a["period_scale_source"], "dates");
    assert_eq!(a["start"], "2027-04-01");
    assert_eq!(a["take_up"], 0.3);
    assert_eq!(a["costs"]["paid_hourly_gbp"], 20.0);
    assert_eq!(a["demand_columns"][0]["column"], "new_ehc_plans_2015");
    assert_eq!(a["demand_columns"][0]["year"], 2015);
    // England's 2015 transfers and new plans (42,005 + 24,654), a year of them.
    let demand = result["summary"]["demand_families"].as_f64().unwrap();
    let expected = (42_005.0 + 24_654.0) * 0.3 * scale;
    assert!(
        (demand - expected).abs() < 1e-6 * expected,
        "{demand} != {expected}"
    );
    // 2027-28 is far from what 2015's columns describe: warned, in JSON and on stderr.
    let warnings = result["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert_eq!(warnings[0]["describes_to"], "2016-12-31");
    assert!(stderr(&output).contains("warning: twelve months: the period 2027-04-01 to 2028-03-31 is outside the years demand column `new_ehc_plans_2015` describes"), "{}", stderr(&output));

    // An explicit period_scale overrides the dates, and says so.
    let scenario = write(dir.path(), "o.toml", &twelve_months("period_scale = 1.5\n"));
    let result = json(&funding(&["--scenario", &scenario, "--format", "json"]));
    assert_eq!(result["assumptions"]["period_scale"], 1.5);
    assert_eq!(result["assumptions"]["period_scale_source"], "scenario");
    let demand = result["summary"]["demand_families"].as_f64().unwrap();
    assert!((demand - (42_005.0 + 24_654.0) * 0.3 * 1.5).abs() < 1e-6);
}

#[test]
fn issue7_every_output_states_its_assumptions() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write(dir.path(), "s.toml", &twelve_months(""));
    // Long lines wrap at 100 columns with a two-space indent: read them joined.
    let table =
        stdout(&funding(&["--scenario", &scenario, "--format", "table"])).replace("\n  ", " ");
    for needle in [
        "period: 2027-04-01 to 2028-03-31, W = 52.286 weeks",
        "period_scale: 1.0021 years of annual demand, from the dates (W / 52.1775)",
        "new_ehc_plans_2015 x 1 + transfers_statement_to_ehc_2015 x 1",
        "take-up 30%",
        "paid £20.00 an hour",
        "split: `demand`, the rest by demand; a floor of 1 paid supporter in every area; of the supporters bought beyond the floor, 0% volunteers",
        "Warning: the period 2027-04-01 to 2028-03-31 is outside",
    ] {
        assert!(table.contains(needle), "{needle} not in\n{table}");
    }
    let csv = stdout(&funding(&["--scenario", &scenario, "--format", "csv"]));
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let row: Vec<&str> = lines.next().unwrap().split(',').collect();
    let cell = |name: &str| row[header.iter().position(|h| *h == name).unwrap()];
    assert_eq!(cell("period_start"), "2027-04-01");
    assert_eq!(cell("period_scale_source"), "dates");
    assert!((cell("period_scale").parse::<f64>().unwrap() - 366.0 / 7.0 / 52.1775).abs() < 1e-9);
    assert_eq!(
        cell("demand_columns"),
        "new_ehc_plans_2015=1;transfers_statement_to_ehc_2015=1"
    );
    assert_eq!(cell("take_up"), "0.3");
    assert_eq!(cell("paid_hourly_gbp"), "20.0");
    // The rule's own settings too: two splits differing only in the floor differ here.
    assert_eq!(cell("floor_supporters"), "1.0");
    assert_eq!(cell("volunteer_share"), "0.0");
    assert_eq!(cell("population_column"), "pop_0_25_mid2017");
    let floor = write(
        dir.path(),
        "floor.toml",
        &format!("{}floor_supporters = 1.1\n", twelve_months("")),
    );
    let result = json(&funding(&["--scenario", &floor, "--format", "json"]));
    assert_eq!(result["assumptions"]["split"]["floor_supporters"], 1.1);
    // Markdown by extension.
    let md = dir.path().join("split.md");
    let output = funding(&["--scenario", &scenario, "--out", md.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = std::fs::read_to_string(&md).unwrap();
    assert!(text.contains("Assumptions\n- period: 2027-04-01"), "{text}");
    assert!(text.contains("| national"), "{text}");
}

#[test]
fn issue7_the_shipped_periods_are_described_by_their_columns() {
    for entry in std::fs::read_dir("fixtures/funding").unwrap() {
        let path = entry.unwrap().path();
        let output = funding(&["--scenario", path.to_str().unwrap(), "--format", "json"]);
        let result = json(&output);
        assert_eq!(result["warnings"].as_array().unwrap().len(), 0, "{path:?}");
        assert_eq!(
            result["assumptions"]["period_scale_source"], "dates",
            "{path:?}"
        );
        assert!(!stderr(&output).contains("warning"), "{path:?}");
    }
}

/// Runs `args` with `--out FILE` for each extension funding writes and checks the file
/// is in that format, and that `--chart` draws on the same path.
fn every_extension(args: &[&str], dir: &std::path::Path, stem: &str) {
    for ext in ["json", "csv", "parquet", "md", "txt"] {
        let out = dir.join(format!("{stem}.{ext}"));
        let chart = dir.join(format!("{stem}-{ext}.svg"));
        let mut all = args.to_vec();
        all.extend([
            "--out",
            out.to_str().unwrap(),
            "--chart",
            chart.to_str().unwrap(),
        ]);
        let output = funding(&all);
        assert!(output.status.success(), "{stem}.{ext}: {}", stderr(&output));
        let bytes = std::fs::read(&out).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        match ext {
            "json" => {
                let value: Value = serde_json::from_slice(&bytes).expect("JSON");
                assert!(value.get("assumptions").is_some() || value.get("scenarios").is_some());
            }
            "csv" => {
                let header = text.lines().next().unwrap();
                assert!(header.contains(",period_scale,"), "{stem}: {header}");
                assert!(!text.trim_start().starts_with('{'), "{stem}: {text}");
            }
            "parquet" => assert!(bytes.starts_with(b"PAR1"), "{stem}.parquet"),
            _ => {
                assert!(text.contains("| "), "{stem}.{ext}: {text}");
                assert!(text.contains("Assumptions"), "{stem}.{ext}: {text}");
            }
        }
        let svg = std::fs::read_to_string(&chart).unwrap();
        assert!(svg.starts_with("<svg"), "{stem}-{ext}.svg");
    }
}

#[test]
fn issue7_every_out_extension_writes_its_format_on_every_path() {
    let dir = tempfile::tempdir().unwrap();
    let areas = write(dir.path(), "areas.csv", SMALL_AREAS);
    let flat = "fixtures/funding/2014-16-flat.toml";
    let demand = "fixtures/funding/2014-16-demand.toml";
    every_extension(
        &["--areas", &areas, "--scenario", flat],
        dir.path(),
        "split",
    );
    every_extension(
        &["--areas", &areas, "--compare", flat, demand],
        dir.path(),
        "compare",
    );
    every_extension(
        &[
            "--areas",
            &areas,
            "--scenario",
            flat,
            "--sweep",
            "budget=1e5..2e5:5e4",
        ],
        dir.path(),
        "sweep",
    );
    let simulate = ["--simulate", "--replications", "2", "--policy", "fifo"];
    let mut alone = vec!["--areas", areas.as_str(), "--scenario", flat];
    alone.extend(simulate);
    every_extension(&alone, dir.path(), "simulate");
    let mut compared = vec!["--areas", areas.as_str(), "--compare", flat, demand];
    compared.extend(simulate);
    every_extension(&compared, dir.path(), "compare-simulate");
}

#[test]
fn issue7_an_unknown_out_extension_is_an_error_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let flat = "fixtures/funding/2014-16-flat.toml";
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let cases: [&[&str]; 5] = [
        &["--scenario", flat, "--out", &path("plan.xlsx")],
        &["--scenario", flat, "--out", &path("plan")],
        &[
            "--scenario",
            flat,
            "--simulate",
            "--out",
            &path("plan.xlsx"),
        ],
        &[
            "--scenario",
            flat,
            "--format",
            "json",
            "--out",
            &path("plan.csv"),
        ],
        &["--scenario", flat, "--chart", &path("chart.png")],
    ];
    let mut messages = Vec::new();
    for args in cases {
        let output = funding(args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        messages.push(stderr(&output));
    }
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing written"
    );
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(&regex_literal(dir.path().to_str().unwrap()), "[TEMP]");
    settings.bind(|| insta::assert_snapshot!("funding_bad_out", messages.join("")));
}

#[test]
fn standard_input_serves_one_input_only() {
    // Both from `-` would read standard input twice, the second time empty: refused up
    // front rather than blamed on the scenario's missing keys.
    let output = funding(&["--areas", "-", "--scenario", "-"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("only one input can be read from standard input"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn issue7_dash_out_is_standard_output() {
    let output = funding(&[
        "--scenario",
        "fixtures/funding/2014-16-demand.toml",
        "--format",
        "csv",
        "--out",
        "-",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).starts_with("scenario,rule,area,"));
    assert!(!std::path::Path::new("-").exists());
}

#[test]
fn issue7_funding_help_describes_its_own_formats() {
    let help = stdout(&funding(&["--help"]));
    assert!(help.contains("csv = one row per area"), "{help}");
    assert!(
        help.contains("table = the summary, the assumptions"),
        "{help}"
    );
    assert!(!help.contains("Assignments only"), "{help}");
    assert!(
        help.contains(".json, .csv, .parquet, .md or .txt"),
        "{help}"
    );
}

#[test]
fn issue7_compare_fits_100_columns_and_names_weakest_and_strongest() {
    let mut files: Vec<String> = std::fs::read_dir("fixtures/funding")
        .unwrap()
        .map(|e| e.unwrap().path().to_string_lossy().into_owned())
        .filter(|p| p.contains("2014-16"))
        .collect();
    files.sort();
    let mut args = vec!["--format", "table", "--compare"];
    args.extend(files.iter().map(String::as_str));
    let output = funding(&args);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    for line in text.lines() {
        assert!(line.chars().count() <= 100, "too wide: {line}");
    }
    assert_eq!(
        text.matches("   weakest area ").count()
            + text.matches("   every area at the same coverage").count(),
        files.len(),
        "{text}"
    );
    assert!(text.contains("weakest area Kent ("), "{text}");
    assert!(
        text.contains("£28,500,000"),
        "money with separators: {text}"
    );
    assert_money_grouped(&text);
    assert!(text.contains("Assumptions of A, B, C, D, E, F"), "{text}");
    areas_side_by_side_agree_with_each_split(&files, &text);
}

/// The compare table's areas side by side: every area once per block of scenarios,
/// the areas least covered under any scenario first, and every cell the families and
/// coverage each scenario's own split (its JSON) gives the area.
fn areas_side_by_side_agree_with_each_split(files: &[String], text: &str) {
    let side = text
        .split("Areas side by side (152)")
        .nth(1)
        .unwrap_or_else(|| panic!("no areas side by side: {text}"));
    let splits: Vec<Value> = files
        .iter()
        .map(|f| json(&funding(&["--format", "json", "--scenario", f])))
        .collect();
    let mut lowest_before = f64::NEG_INFINITY;
    let mut rows_seen = 0;
    let mut letters_seen = Vec::new();
    for block in side.split("\n\n").filter(|b| b.starts_with("| area")) {
        let mut lines = block.lines();
        let header: Vec<&str> = lines.next().unwrap().split('|').map(str::trim).collect();
        let letters: Vec<&str> = header[3..header.len() - 1].to_vec();
        letters_seen.extend(letters.iter().map(|l| l.to_string()));
        let rows: Vec<Vec<&str>> = lines
            .skip(1)
            .map(|l| l.split('|').map(str::trim).collect())
            .collect();
        assert_eq!(rows.len(), 152, "{block}");
        for row in &rows {
            let name = row[1];
            let mut lowest = f64::INFINITY;
            for (k, letter) in letters.iter().enumerate() {
                let i = usize::from(letter.as_bytes()[0] - b'A');
                let area = splits[i]["areas"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|a| a["name"] == name)
                    .unwrap_or_else(|| panic!("{name} not in {}", files[i]));
                let families = area["families_supported"].as_f64().unwrap();
                let coverage = area["coverage"].as_f64().unwrap();
                lowest = lowest.min(coverage);
                let cell = row[3 + k];
                let expected_families = format!("{}", families.round() as i64);
                assert_eq!(
                    cell.split(' ').next().unwrap().replace(',', ""),
                    expected_families,
                    "{name} under {letter}: {cell}"
                );
                assert!(
                    cell.ends_with(&format!("({:.1}%)", 100.0 * coverage)),
                    "{name} under {letter}: {cell}"
                );
            }
            if letters.contains(&"A") {
                // Sorted by the lowest coverage under any scenario; the first block
                // holds A, and its order is every block's.
                let all_lowest = splits
                    .iter()
                    .map(|s| {
                        s["areas"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .find(|a| a["name"] == name)
                            .unwrap()["coverage"]
                            .as_f64()
                            .unwrap()
                    })
                    .fold(f64::INFINITY, f64::min);
                assert!(all_lowest >= lowest_before, "{name} out of order");
                lowest_before = all_lowest;
                rows_seen += 1;
            }
            assert!(lowest.is_finite());
        }
    }
    assert_eq!(rows_seen, 152);
    assert_eq!(letters_seen, ["A", "B", "C", "D", "E", "F"]);
    assert!(side.contains("\n| Kent "), "{side}");
}

/// Every amount in pounds has its thousands separated: no `£` before four digits in a row.
fn assert_money_grouped(text: &str) {
    for (at, _) in text.match_indices('£') {
        let digits = text[at + '£'.len_utf8()..]
            .chars()
            .take_while(char::is_ascii_digit)
            .count();
        assert!(digits <= 3, "ungrouped money at {}", &text[at..]);
    }
}

#[test]
fn issue7_sweeps_step_without_float_noise() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write(
        dir.path(),
        "s.toml",
        "name = \"v\"\n[costs]\nmax_volunteer_share = 0.3\n[split]\nrule = \"demand\"\n",
    );
    let output = funding(&[
        "--scenario",
        &scenario,
        "--sweep",
        "split.volunteer_share=0..0.3:0.1",
        "--format",
        "json",
    ]);
    let result = json(&output);
    let values: Vec<f64> = result["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["value"].as_f64().unwrap())
        .collect();
    assert_eq!(values, [0.0, 0.1, 0.2, 0.3]);
    let table = stdout(&funding(&[
        "--scenario",
        &scenario,
        "--sweep",
        "split.volunteer_share=0..0.3:0.1",
        "--format",
        "table",
    ]));
    assert!(table.contains(" 0.3 |"), "{table}");
    assert!(!table.contains("0000000"), "{table}");
    let budgets = stdout(&funding(&[
        "--scenario",
        &scenario,
        "--sweep",
        "budget=10e6..12.5e6:2.5e6",
        "--format",
        "table",
    ]));
    assert!(budgets.contains(" £12,500,000 |"), "{budgets}");
    assert_money_grouped(&budgets);
}

#[test]
fn issue7_charts_are_sorted_bars_with_names_and_formatted_axes() {
    let dir = tempfile::tempdir().unwrap();
    let coverage = dir.path().join("coverage.svg");
    let output = funding(&[
        "--compare",
        "fixtures/funding/2016-17-flat.toml",
        "fixtures/funding/2016-17-demand.toml",
        "--format",
        "json",
        "--chart",
        coverage.to_str().unwrap(),
    ]);
    let result = json(&output);
    let svg = std::fs::read_to_string(&coverage).unwrap();
    assert!(!svg.contains("<polyline"), "no line joins unrelated areas");
    assert_eq!(svg.matches("<rect x=").count(), 2 * 152);
    // Bars in each panel go from the lowest coverage to the highest.
    let heights: Vec<f64> = svg
        .lines()
        .filter(|l| l.starts_with("<rect x="))
        .map(|l| {
            let at = l.find("height=\"").unwrap() + 8;
            l[at..l[at..].find('"').unwrap() + at].parse().unwrap()
        })
        .collect();
    for panel in heights.chunks(152) {
        assert!(panel.windows(2).all(|w| w[0] <= w[1]), "sorted bars");
    }
    let weakest = result["scenarios"][0]["areas"]
        .as_array()
        .unwrap()
        .iter()
        .min_by(|a, b| {
            a["coverage"]
                .as_f64()
                .unwrap()
                .total_cmp(&b["coverage"].as_f64().unwrap())
        })
        .unwrap()["name"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(svg.contains(&format!("lowest: {weakest} ")), "{weakest}");
    assert!(svg.contains(">100%</text>") && svg.contains(">0%</text>"));
}
