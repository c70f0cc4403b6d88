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
    let message = stderr(&output);
    assert!(
        message.starts_with("error: nowhere.csv: cannot read:"),
        "{message}"
    );
    // issue 7: the operating system's reason is said once, not twice.
    assert_eq!(
        message.matches("No such file or directory").count(),
        1,
        "{message}"
    );
}

#[test]
fn issue_7_a_closed_pipe_ends_quietly() {
    // The national plan is larger than a pipe's buffer, so writing it hits the
    // closed pipe once `head` has read its byte and gone.
    let script = format!(
        "{} allocate -s fixtures/national-week/supporters.csv -r fixtures/national-week/referrals.csv -w 2015-11-02 --format json | head -c 1 >/dev/null; exit ${{PIPESTATUS[0]}}",
        env!("CARGO_BIN_EXE_caseload")
    );
    let output = std::process::Command::new("bash")
        .args(["-c", &script])
        .current_dir(root())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    // Only the fixture's located warnings (it has supporters who left), no error.
    let message = stderr(&output);
    assert!(
        message.lines().all(|l| l.starts_with("warning: fixtures/")),
        "{message}"
    );
}

#[test]
fn issue_7_dash_reads_standard_input_and_writes_standard_output() {
    let from_files = allocate("provider-week", &["--format", "csv"]);
    let register = std::fs::read(root().join("fixtures/provider-week/referrals.csv")).unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_caseload"))
        .args([
            "allocate",
            "-s",
            "fixtures/provider-week/supporters.csv",
            "-r",
            "-",
            "-w",
            "2015-11-02",
            "--format",
            "csv",
            "--out",
            "-",
        ])
        .current_dir(root())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), &register).unwrap();
    let from_stdin = child.wait_with_output().unwrap();
    assert!(from_stdin.status.success(), "{}", stderr(&from_stdin));
    assert!(!from_stdin.stdout.is_empty());
    assert_eq!(from_stdin.stdout, from_files.stdout);
    assert!(
        !root().join("-").exists(),
        "`--out -` must not create a file named -"
    );
    // Two inputs cannot come from one standard input.
    let both = caseload(&["allocate", "-s", "-", "-r", "-", "-w", "2015-11-02"]);
    assert_eq!(both.status.code(), Some(2));
    assert!(
        stderr(&both).contains("only one input"),
        "{}",
        stderr(&both)
    );
    let policy_too = caseload(&[
        "allocate",
        "-s",
        "fixtures/provider-week/supporters.csv",
        "-r",
        "-",
        "--policy",
        "-",
        "-w",
        "2015-11-02",
    ]);
    assert_eq!(policy_too.status.code(), Some(2));
    assert!(
        stderr(&policy_too).contains("only one input"),
        "{}",
        stderr(&policy_too)
    );
}

#[test]
fn issue_7_explicit_consent_false_blocks_a_self_referral() {
    // BH-R0091 referred themselves but their `consent` is `false`.
    let plan = crate::util::json(&allocate("provider-week", &["--format", "json"]));
    let waiting = plan["waiting"].as_array().unwrap();
    let row = waiting
        .iter()
        .find(|w| w["referral_id"] == "BH-R0091")
        .expect("BH-R0091 waits");
    assert_eq!(row["reason"], "no_consent");
    let explained = allocate(
        "provider-week",
        &["--format", "table", "--explain", "BH-R0091"],
    );
    let text = crate::util::stdout(&explained);
    assert!(text.contains("Consent: refused"), "{text}");
}

#[test]
fn issue_7_likely_typos_are_located_warnings() {
    let dir = crate::util::scratch("typos");
    let referrals = dir.join("referrals.csv");
    std::fs::write(
        &referrals,
        "referral_id,area,received,source,consent,kind,priority,complexity,needs,exclude,supporter_id\n\
         T1,E06000043,2015-10-01,la,true,new,3,low,sign_language,,\n\
         T2,E06000043,2015-10-01,la,true,new,3,low,,BH-S99,\n\
         T3,E06000043,2015-10-01,la,true,new,3,low,,,BH-S42\n\
         T4,E6000043,2015-10-01,la,true,new,3,low,,,\n",
    )
    .unwrap();
    let output = caseload(&[
        "allocate",
        "-s",
        "fixtures/provider-week/supporters.csv",
        "-r",
        referrals.to_str().unwrap(),
        "-w",
        "2015-11-02",
        "--format",
        "json",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let message = stderr(&output);
    let file = referrals.display().to_string();
    for (at, what) in [
        (
            ":5:2:",
            "`E6000043` is not the code of one of England's 152",
        ),
        (
            ":2:9:",
            "no supporter in area E06000043 has the skill `sign_language`",
        ),
        (":3:10:", "`BH-S99` is not in the supporters file"),
        (
            ":4:11:",
            "`BH-S42` is not in the supporters file; the case is reallocated",
        ),
    ] {
        assert!(
            message.contains(&format!("warning: {file}{at}")) && message.contains(what),
            "{at} {what}: {message}"
        );
    }
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

#[test]
fn an_output_in_a_missing_folder_is_refused_before_any_work() {
    // Refused up front (exit 2, the folder named), not after the plan or the split is
    // computed; and no folder is made.
    let dir = crate::util::scratch("missing-folder");
    let missing = dir.join("not-made");
    let plan = missing.join("plan.json");
    let report = missing.join("week.html");
    for (args, flag, file) in [
        (vec!["--out", plan.to_str().unwrap()], "--out", &plan),
        (
            vec!["--report", report.to_str().unwrap()],
            "--report",
            &report,
        ),
    ] {
        let output = allocate("provider-week", &args);
        assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
        let message = stderr(&output);
        let expected = format!(
            "error: {flag} {}: the folder {} does not exist",
            file.display(),
            missing.display()
        );
        assert!(
            message.lines().any(|l| l == expected),
            "{expected} in {message}"
        );
        assert!(
            !message.contains("warning:"),
            "refused before the files are read: {message}"
        );
    }
    let chart = missing.join("coverage.svg");
    let output = caseload(&[
        "funding",
        "--scenario",
        "fixtures/funding/2014-16-flat.toml",
        "--chart",
        chart.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("the folder") && stderr(&output).contains("does not exist"),
        "{}",
        stderr(&output)
    );
    assert!(!missing.exists());
}

#[test]
fn outputs_never_overwrite_an_input_or_each_other() {
    // Each refused up front (exit 2), naming both flags, and nothing is written.
    let dir = crate::util::scratch("collisions");
    let x = dir.join("x.csv");
    let tables = dir.join("tables");
    std::fs::create_dir(&tables).unwrap();
    let waiting = tables.join("waiting.csv");
    for (args, expected) in [
        (
            vec![
                "--out".to_string(),
                x.display().to_string(),
                "--register-out".into(),
                x.display().to_string(),
            ],
            "--register-out and --out would both write",
        ),
        (
            vec![
                "--tables".to_string(),
                tables.display().to_string(),
                "--register-out".into(),
                waiting.display().to_string(),
            ],
            "--tables and --register-out would both write",
        ),
    ] {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = allocate("provider-week", &args);
        assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
        assert!(stderr(&output).contains(expected), "{}", stderr(&output));
    }
    assert!(!x.exists() && !waiting.exists());

    // funding --out over its own --areas table.
    let areas = dir.join("areas.csv");
    std::fs::copy(root().join("fixtures/areas_england_2014_2017.csv"), &areas).unwrap();
    let before = std::fs::read(&areas).unwrap();
    let output = caseload(&[
        "funding",
        "--scenario",
        "fixtures/funding/2016-17-flat.toml",
        "--areas",
        areas.to_str().unwrap(),
        "--out",
        areas.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("which is the --areas file of this run"));
    assert_eq!(std::fs::read(&areas).unwrap(), before);

    // study merge --out into the results folder (over its manifest), or not JSON.
    let results = dir.join("results");
    std::fs::create_dir(&results).unwrap();
    let manifest = results.join("manifest.json");
    std::fs::write(&manifest, "{}").unwrap();
    for (out, expected) in [
        (manifest.clone(), "inside the results folder"),
        (dir.join("study.toml"), "give a file ending in .json"),
    ] {
        let output = caseload(&[
            "study",
            "merge",
            results.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
        assert!(stderr(&output).contains(expected), "{}", stderr(&output));
    }
    assert_eq!(std::fs::read_to_string(&manifest).unwrap(), "{}");
}

#[test]
fn threads_are_held_to_a_range_as_they_are_read() {
    // 100,000 threads took minutes only to start; 0 did nothing.
    for threads in ["--threads=0", "--threads=100000", "--threads=-1"] {
        let output = allocate("provider-week", &[threads]);
        assert_eq!(output.status.code(), Some(2), "{threads}");
        assert!(
            stderr(&output).contains("must be a whole number from 1 to 256"),
            "{}",
            stderr(&output)
        );
    }
    let output = caseload(&[
        "simulate",
        "--scenario",
        "fixtures/sim/small-area.toml",
        "--threads",
        "100000",
    ]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
}

#[test]
fn a_folder_to_make_that_is_a_file_is_refused_before_any_work() {
    let dir = crate::util::scratch("file-not-folder");
    let file = dir.join("notes.txt");
    std::fs::write(&file, "kept").unwrap();
    let output = allocate("provider-week", &["--tables", file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("is a file, not a folder"));
    assert!(
        !stderr(&output).contains("warning:"),
        "before the files are read"
    );
    let under = file.join("service");
    let output = caseload(&["template", under.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains(&format!("cannot be made: {} is a file", file.display())));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "kept");
}
