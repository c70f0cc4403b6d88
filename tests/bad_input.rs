//! Every case under `fixtures/bad/` exits 2, prints nothing on stdout, and names the
//! file, line and column of each problem.

use crate::util::{allocate, allocate_bad, caseload, root, stderr};

fn run_case(case: &str) -> std::process::Output {
    allocate_bad(case, &["--format", "json"])
}

#[test]
fn every_bad_case_exits_2_with_located_messages() {
    let mut cases: Vec<String> = std::fs::read_dir(root().join("fixtures/bad"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    cases.sort();
    assert!(cases.len() >= 14, "{cases:?}");
    for case in &cases {
        let output = run_case(case);
        assert_eq!(output.status.code(), Some(2), "{case}: {}", stderr(&output));
        assert!(output.stdout.is_empty(), "{case}");
        let message = stderr(&output);
        let located = message
            .lines()
            .filter(|l| l.trim_start().starts_with("fixtures/bad/"))
            .all(|l| {
                // file:line:column: reason
                let parts: Vec<&str> = l.trim_start().splitn(4, ':').collect();
                parts.len() == 4
                    && parts[1].parse::<u64>().is_ok()
                    && parts[2].parse::<u64>().is_ok()
            });
        assert!(located, "{case}: {message}");
        insta::assert_snapshot!(format!("bad_{case}"), message);
    }
}

#[test]
fn many_problems_are_all_listed() {
    let message = stderr(&run_case("many-problems"));
    let problems = message
        .lines()
        .filter(|l| l.trim_start().starts_with("fixtures/bad/"))
        .count();
    assert!(problems >= 4, "{message}");
}

#[test]
fn missing_file_is_bad_input() {
    let output = caseload(&[
        "allocate",
        "-s",
        "nowhere.csv",
        "-r",
        "fixtures/provider-week/referrals.csv",
        "-w",
        "2015-11-02",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).starts_with("error: nowhere.csv: cannot read:"));
}

#[test]
fn bad_policy_is_located() {
    let dir = crate::util::scratch("bad-policy");
    let policy = dir.join("policy.toml");
    std::fs::write(
        &policy,
        "local_bonus = 0.05\npriority_weights = [1, 2, 4, 8]\n",
    )
    .unwrap();
    let output = allocate("provider-week", &["--policy", policy.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(message.contains("policy.toml:2:20:"), "{message}");
}
