//! `caseload simulate` end to end on the scenario fixtures.

use serde_json::Value;

use crate::util::{caseload, json, regex_literal, stderr, stdout};

fn simulate(scenario: &str, extra: &[&str]) -> std::process::Output {
    let file = format!("fixtures/sim/{scenario}.toml");
    let mut args = vec![
        "simulate",
        "--scenario",
        &file,
        "--replications",
        "4",
        "--weeks",
        "20",
    ];
    args.extend_from_slice(extra);
    caseload(&args)
}

fn mean(policy: &Value, metric: &str) -> f64 {
    policy["metrics"][metric]["mean"].as_f64().unwrap()
}

/// Measures that are shares of 1.
const SHARES: [&str; 8] = [
    "supported_by_week_6",
    "supported_by_week_16",
    "coverage",
    "missed_share",
    "utilisation_paid",
    "utilisation_volunteer",
    "lowest_district_coverage",
    "district_coverage_ratio",
];

#[test]
fn every_fixture_runs_under_every_policy() {
    for scenario in ["small-area", "large-county", "transfer-wave"] {
        let results = json(&simulate(scenario, &["--format", "json"]));
        let policies = results["policies"].as_array().unwrap();
        let names: Vec<&str> = policies
            .iter()
            .map(|p| p["policy"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            ["fifo", "priority", "deadline", "lottery", "optimal"],
            "{scenario}"
        );
        for policy in policies {
            let metrics = policy["metrics"].as_object().unwrap();
            let priorities = policy["by_priority"].as_array().unwrap();
            let levels: Vec<u64> = priorities
                .iter()
                .map(|p| p["priority"].as_u64().unwrap())
                .collect();
            assert_eq!(levels, [1, 2, 3, 4, 5], "{scenario}");
            let all = metrics
                .iter()
                .chain(priorities.iter().flat_map(|p| p.as_object().unwrap()));
            for (name, estimate) in all {
                let Some([lo, hi]) = estimate["ci95"]
                    .as_array()
                    .map(|b| [b[0].as_f64().unwrap(), b[1].as_f64().unwrap()])
                else {
                    continue;
                };
                let m = estimate["mean"].as_f64().unwrap();
                assert!(
                    lo >= 0.0 && lo <= m && m <= hi,
                    "{scenario} {name}: {estimate}"
                );
                if SHARES.contains(&name.as_str()) {
                    assert!(hi <= 1.0, "{scenario} {name}: {estimate}");
                }
            }
            assert_eq!(mean(policy, "still_waiting"), 0.0, "{scenario}");
        }
        let optimal = &policies[4]["optimal_weeks"];
        let count = |key: &str| optimal[key].as_u64().unwrap();
        assert_eq!(count("not_proven"), 0, "{scenario}: {optimal}");
        assert_eq!(
            count("no_choice")
                + count("greedy_bound")
                + count("assignment")
                + count("search")
                + count("highs"),
            count("solved"),
            "{scenario}: {optimal}"
        );
    }
}

#[test]
fn small_area_supports_everyone_eligible_whatever_the_policy() {
    // Twelve supporters for about half a referral a week: hardly anyone waits (only
    // for the one supporter with a skill or language they need), so the policies
    // support the same families for the same weeks.
    let results = json(&simulate("small-area", &["--format", "json"]));
    let policies = results["policies"].as_array().unwrap();
    for policy in policies {
        let name = &policy["policy"];
        assert!(mean(policy, "wait_mean") < 0.5, "{name}");
        for measure in ["supported", "support_weeks", "wait_mean"] {
            assert_eq!(mean(policy, measure), mean(&policies[0], measure), "{name}");
        }
    }
}

#[test]
fn rows_account_for_every_family() {
    let output = simulate("large-county", &["--format", "csv"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let column = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let mut rows = 0;
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        let value = |name: &str| cells[column(name)].parse::<f64>().unwrap();
        assert_eq!(value("still_waiting"), 0.0, "{line}");
        let sum = value("supported") + value("missed") + value("withdrawn");
        assert_eq!(sum, value("referred"), "{line}");
        rows += 1;
    }
    assert_eq!(rows, 4 * 5);
}

#[test]
fn same_seed_same_bytes_whatever_the_threads() {
    let one = simulate("transfer-wave", &["--format", "json", "--threads", "1"]);
    let two = simulate("transfer-wave", &["--format", "json", "--threads", "2"]);
    assert!(one.status.success() && one.stdout == two.stdout);
    let other = simulate("transfer-wave", &["--format", "json", "--seed", "7"]);
    assert!(other.stdout != one.stdout);
}

#[test]
fn the_table_puts_value_first_and_says_how_each_week_was_proven() {
    let output = simulate(
        "large-county",
        &["--format", "table", "--policies", "fifo,optimal"],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    insta::assert_snapshot!("simulate_kent_table", stdout(&output));
}

#[test]
fn one_replication_prints_no_interval() {
    let one = |format: &str| {
        caseload(&[
            "simulate",
            "--scenario",
            "fixtures/sim/large-county.toml",
            "--replications",
            "1",
            "--weeks",
            "20",
            "--policies",
            "fifo",
            "--format",
            format,
        ])
    };
    let results = json(&one("json"));
    let metrics = results["policies"][0]["metrics"].as_object().unwrap();
    for (name, estimate) in metrics {
        assert!(estimate["ci95"].is_null(), "{name}: {estimate}");
        assert_eq!(estimate["n"], 1, "{name}");
    }
    let text = stdout(&one("table"));
    assert!(text.contains("measure (one replication)"), "{text}");
    assert!(!text.contains('['), "{text}");
}

#[test]
fn weeks_beyond_the_simulators_reach_say_the_limit_and_the_value() {
    let output = caseload(&[
        "simulate",
        "--scenario",
        "fixtures/sim/small-area.toml",
        "--weeks",
        "1000",
    ]);
    assert_eq!(output.status.code(), Some(2));
    let warm_up: u32 = std::fs::read_to_string("fixtures/sim/small-area.toml")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("warm_up_weeks = "))
        .map_or(26, |v| v.trim().parse().unwrap());
    assert!(
        stderr(&output).contains(&format!(
            "--weeks must be from 1 to {} (520 weeks less the scenario's {warm_up} of warm-up), not 1000",
            520 - warm_up
        )),
        "{}",
        stderr(&output)
    );
}

#[test]
fn out_dir_holds_summary_tables_and_chart_and_is_not_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("kent");
    let out_arg = out.to_str().unwrap();
    let run = |extra: &[&str]| {
        let mut args = vec![
            "--format",
            "json",
            "--policies",
            "fifo,optimal",
            "--out",
            out_arg,
        ];
        args.extend_from_slice(extra);
        simulate("large-county", &args)
    };
    let output = run(&[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let summary: Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["policies"].as_array().unwrap().len(), 2);
    assert_eq!(summary, json(&output));
    let csv = std::fs::read_to_string(out.join("replications.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 4 * 2);
    assert!(std::fs::read(out.join("replications.parquet"))
        .unwrap()
        .starts_with(b"PAR1"));
    let svg = std::fs::read_to_string(out.join("waits.svg")).unwrap();
    assert!(svg.contains("<svg") && svg.contains("fifo") && svg.contains("optimal"));
    assert!(std::fs::read_to_string(out.join("summary.md"))
        .unwrap()
        .contains("| weeks of support before the final plan, per family"));

    // A second run into the same folder is refused, and the first run is kept.
    let before = std::fs::read(out.join("summary.json")).unwrap();
    let again = run(&["--seed", "7"]);
    assert_eq!(again.status.code(), Some(2), "{}", stderr(&again));
    let pattern = regex_literal(out_arg);
    insta::with_settings!({filters => vec![(pattern.as_str(), "[OUT]")]}, {
        insta::assert_snapshot!("simulate_out_exists", stderr(&again));
    });
    assert_eq!(std::fs::read(out.join("summary.json")).unwrap(), before);

    // With --force it is replaced, whole.
    let forced = run(&["--seed", "7", "--force"]);
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert_ne!(std::fs::read(out.join("summary.json")).unwrap(), before);
    let left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, ["kent"], "no partial folder is left behind");

    // A folder that is not a run is never replaced, even with --force.
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    let foreign = run(&["--force"]);
    assert_eq!(foreign.status.code(), Some(2));
    assert!(
        stderr(&foreign).contains("holds `notes.txt`"),
        "{}",
        stderr(&foreign)
    );
    assert!(out.join("notes.txt").exists());
}

#[test]
fn help_describes_simulate_formats() {
    let output = caseload(&["simulate", "--help"]);
    let help = stdout(&output);
    assert!(
        help.contains("One row per replication and policy"),
        "{help}"
    );
    assert!(!help.contains("Assignments only"), "{help}");
    assert!(help.contains("--force"), "{help}");
}

#[test]
fn bad_scenarios_and_arguments_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.toml");
    let file_arg = file.to_str().unwrap();
    // Well-typed but out of range: every such problem is listed, located.
    std::fs::write(&file, "name = \"bad\"\nstart = \"2015-03-10\"\n[families]\nconsent = 2\nwithdrawal_per_week = -0.1\n").unwrap();
    let output = caseload(&["simulate", "--scenario", file_arg]);
    assert_eq!(output.status.code(), Some(2));
    let pattern = regex_literal(file_arg);
    insta::with_settings!({filters => vec![(pattern.as_str(), "bad.toml")]}, {
        insta::assert_snapshot!("simulate_bad_scenario", stderr(&output));
    });

    // A supporters file that cannot be read, or of another area, is named where the
    // scenario names it.
    for (line, expected) in [
        ("file = \"nope.csv\"", "bad.toml:4:1: `supporters.file`: "),
        (
            "file = \"supporters.csv\"",
            "bad.toml:2:1: supporter `BH-S01` of `supporters.file` (",
        ),
    ] {
        std::fs::copy(
            "fixtures/provider-week/supporters.csv",
            dir.path().join("supporters.csv"),
        )
        .unwrap();
        std::fs::write(
            &file,
            format!("name = \"x\"\narea = \"E10000016\"\n[supporters]\n{line}\n"),
        )
        .unwrap();
        let output = caseload(&["simulate", "--scenario", file_arg]);
        assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
        let message = stderr(&output).replace(file_arg, "bad.toml");
        assert!(message.contains(expected), "{message}");
    }

    // issue 7: a value of the wrong shape no longer stops the parse: it is reported
    // with the out-of-range value after it, both located, in words.
    std::fs::write(
        &file,
        "name = \"bad\"\n[families]\npriority = [1, 0]\nconsent = 2\n",
    )
    .unwrap();
    let output = caseload(&["simulate", "--scenario", file_arg]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message.contains(
            "bad.toml:3:12: `families.priority` must be a list of length 5, one probability per priority 1..5, not a list of 2"
        ),
        "{message}"
    );
    assert!(
        message.contains("bad.toml:4:1: `families.consent` must be a probability, got 2"),
        "{message}"
    );

    let output = simulate("small-area", &["--policies", "fifo,quickest"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("unknown policy `quickest`"));
    let output = simulate("small-area", &["--policies", "fifo,priorty"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("unknown policy `priorty`; did you mean `priority`?"),
        "{}",
        stderr(&output)
    );
    // A policy named twice would be compared with itself: refused, not dropped in silence.
    let output = simulate("small-area", &["--policies", "fifo,optimal,fifo"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("`fifo` is named twice"),
        "{}",
        stderr(&output)
    );

    // The command line is held to the scenario's own limit on replications.
    let output = caseload(&[
        "simulate",
        "--scenario",
        "fixtures/sim/small-area.toml",
        "--replications",
        "100001",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--replications must be from 1 to 100000"));
}
