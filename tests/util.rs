//! Helpers: run the binary from the repository root, mask what varies between runs.

use std::path::Path;
use std::process::{Command, Output};

/// The repository root (fixture paths in messages are relative to it).
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `caseload` with `args` from the repository root.
pub fn caseload(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_caseload"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("the caseload binary runs")
}

/// `allocate` on a fixture week (`provider-week`, `national-week`) plus `extra` args.
pub fn allocate(week: &str, extra: &[&str]) -> Output {
    allocate_on(week, "2015-11-02", extra)
}

/// `allocate` on a fixture's files for the week starting `monday`, plus `extra` args.
pub fn allocate_on(week: &str, monday: &str, extra: &[&str]) -> Output {
    let supporters = format!("fixtures/{week}/supporters.csv");
    let referrals = format!("fixtures/{week}/referrals.csv");
    let mut args = vec![
        "allocate",
        "--supporters",
        &supporters,
        "--referrals",
        &referrals,
        "--week",
        monday,
    ];
    args.extend_from_slice(extra);
    caseload(&args)
}

/// `allocate` on two files of the caller's for the week starting `monday`, plus `extra`.
pub fn allocate_files(supporters: &Path, referrals: &Path, monday: &str, extra: &[&str]) -> Output {
    let (s, r) = (supporters.to_str().unwrap(), referrals.to_str().unwrap());
    let mut args = vec!["allocate", "-s", s, "-r", r, "-w", monday];
    args.extend_from_slice(extra);
    caseload(&args)
}

/// `recommend` for `referral` on the provider week, plus `extra` args.
pub fn recommend(referral: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "recommend",
        "-s",
        "fixtures/provider-week/supporters.csv",
        "-r",
        "fixtures/provider-week/referrals.csv",
        "-w",
        "2015-11-02",
        "--referral",
        referral,
    ];
    args.extend_from_slice(extra);
    caseload(&args)
}

/// A regular expression matching `text` literally (for insta's filters).
pub fn regex_literal(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '/' || c == '_' || c == '-' {
                c.to_string()
            } else {
                format!("\\{c}")
            }
        })
        .collect()
}

/// `allocate` on a case under `fixtures/bad/` plus `extra` args.
pub fn allocate_bad(case: &str, extra: &[&str]) -> Output {
    let supporters = format!("fixtures/bad/{case}/supporters.csv");
    let referrals = format!("fixtures/bad/{case}/referrals.csv");
    let mut args = vec![
        "allocate",
        "-s",
        &supporters,
        "-r",
        &referrals,
        "-w",
        "2015-11-02",
    ];
    args.extend_from_slice(extra);
    caseload(&args)
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("stderr is UTF-8")
}

/// Asserts success and parses stdout as JSON.
pub fn json(output: &Output) -> serde_json::Value {
    assert!(output.status.success(), "failed: {}", stderr(output));
    serde_json::from_slice(&output.stdout).expect("stdout is JSON")
}

/// Replaces the solver's wall-clock seconds, the only figure that varies between runs.
pub fn mask_seconds(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        if let Some(at) = line.find("\"seconds\": ") {
            let end = line[at..].find([',', '\n']).map_or(line.len(), |e| at + e);
            out.push_str(&line[..at]);
            out.push_str("\"seconds\": [masked]");
            out.push_str(&line[end..]);
        } else if let Some(at) = line.rfind("proven optimal; ") {
            out.push_str(&line[..at]);
            out.push_str("proven optimal; [seconds]\n");
        } else {
            out.push_str(line);
        }
    }
    out
}

/// The plan without the solver's wall-clock seconds, the only figure that varies.
pub fn without_seconds(mut plan: serde_json::Value) -> serde_json::Value {
    if let Some(solver) = plan.get_mut("solver").and_then(|s| s.as_object_mut()) {
        solver.remove("seconds");
    }
    plan
}

/// A fresh empty directory for files a test writes, removed when the test ends.
pub struct Scratch(tempfile::TempDir);

impl std::ops::Deref for Scratch {
    type Target = Path;

    fn deref(&self) -> &Path {
        self.0.path()
    }
}

impl AsRef<Path> for Scratch {
    fn as_ref(&self) -> &Path {
        self.0.path()
    }
}

/// A [`Scratch`] directory named after the test that uses it.
pub fn scratch(name: &str) -> Scratch {
    let dir = tempfile::Builder::new()
        .prefix(&format!("caseload-test-{name}-"))
        .tempdir()
        .expect("scratch dir");
    Scratch(dir)
}
