//! `caseload simulate` end to end on the scenario fixtures.

use serde_json::Value;

use crate::util::{caseload, json, scratch, stderr, stdout};

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
            let coverage = &policy["metrics"]["coverage"];
            let [lo, hi] = [
                coverage["ci95"][0].as_f64().unwrap(),
                coverage["ci95"][1].as_f64().unwrap(),
            ];
            assert!(
                lo <= mean(policy, "coverage") && mean(policy, "coverage") <= hi,
                "{scenario}"
            );
        }
        let optimal = &policies[4]["optimal_weeks"];
        assert_eq!(
            optimal["proven"], optimal["solved"],
            "{scenario}: every weekly MIP proven optimal"
        );
    }
}

#[test]
fn small_area_supports_everyone_eligible_whatever_the_policy() {
    // Twelve supporters for about half a referral a week: nobody waits for capacity,
    // so the policies agree.
    let results = json(&simulate("small-area", &["--format", "json"]));
    let policies = results["policies"].as_array().unwrap();
    for policy in policies {
        assert_eq!(mean(policy, "wait_p95"), 0.0, "{}", policy["policy"]);
        assert_eq!(mean(policy, "supported"), mean(&policies[0], "supported"));
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
        let sum =
            value("supported") + value("missed") + value("withdrawn") + value("waiting_at_end");
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
fn out_dir_holds_summary_tables_and_chart() {
    let dir = scratch("simulate-out");
    let out = dir.join("kent");
    let output = simulate(
        "large-county",
        &[
            "--format",
            "table",
            "--policies",
            "fifo,optimal",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("optimal: 184 of 184 weekly problems proven optimal"));
    let summary: Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["policies"].as_array().unwrap().len(), 2);
    let csv = std::fs::read_to_string(out.join("replications.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 4 * 2);
    assert!(std::fs::read(out.join("replications.parquet"))
        .unwrap()
        .starts_with(b"PAR1"));
    let svg = std::fs::read_to_string(out.join("waits.svg")).unwrap();
    assert!(svg.contains("<svg") && svg.contains("fifo") && svg.contains("optimal"));
    assert!(std::fs::read_to_string(out.join("summary.md"))
        .unwrap()
        .contains("| coverage (supported / referred)"));
}

#[test]
fn bad_scenarios_and_arguments_exit_2() {
    let dir = scratch("simulate-bad");
    let file = dir.join("bad.toml");
    // Well-typed but out of range: every such problem is listed, located.
    std::fs::write(&file, "name = \"bad\"\nstart = \"2015-03-10\"\n[families]\nconsent = 2\nwithdrawal_per_week = -0.1\n").unwrap();
    let output = caseload(&["simulate", "--scenario", file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output).replace(file.to_str().unwrap(), "bad.toml");
    insta::assert_snapshot!("simulate_bad_scenario", message);

    // A type error stops the parse: it is reported alone, located.
    std::fs::write(&file, "name = \"bad\"\n[families]\npriority = [1, 0]\n").unwrap();
    let output = caseload(&["simulate", "--scenario", file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("bad.toml:3:12: invalid length 2, expected an array of length 5")
    );

    let output = simulate("small-area", &["--policies", "fifo,quickest"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("unknown policy `quickest`"));
}
