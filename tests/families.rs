//! Families' absences and the exceptions to the 20-week limit (issue 10, items 3 and 4),
//! end to end on small registers written by each test.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::util::{caseload, json, scratch, stderr, stdout};

const SUPPORTERS: &str = "\
supporter_id,area,status,hours_per_week,max_cases
S1,E06000043,paid,10,3
";

/// R1 (priority 5) is away this week; R3, an open case, is away from October on; R4
/// was away until the Sunday before; R5 is away and has no consent. S1 has room for two
/// of the four families present.
const REFERRALS: &str = "\
referral_id,area,received,source,consent,kind,priority,complexity,supporter_id,unavailable_from,unavailable_to
R1,E06000043,2015-09-01,self,,new,5,low,,2015-10-26,2015-11-06
R2,E06000043,2015-09-01,self,,new,1,low,,,
R3,E06000043,2015-09-01,self,,new,2,low,S1,2015-10-01,
R4,E06000043,2015-09-01,self,,new,2,low,,,2015-11-01
R5,E06000043,2015-09-01,la,,new,3,low,,2015-11-02,2015-11-02
R6,E06000043,2015-09-08,self,,new,1,low,,,
";

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn run(dir: &Path, referrals: &str, week: &str, extra: &[&str]) -> std::process::Output {
    run_with(dir, SUPPORTERS, referrals, week, extra)
}

fn run_with(
    dir: &Path,
    supporters: &str,
    referrals: &str,
    week: &str,
    extra: &[&str],
) -> std::process::Output {
    let s = write(dir, "supporters.csv", supporters);
    let r = write(dir, "referrals.csv", referrals);
    crate::util::allocate_files(&s, &r, week, extra)
}

/// The plan's entry for family `id` in its list `list` (`waiting` or `assignments`).
fn entry<'p>(plan: &'p Value, list: &str, id: &str) -> Option<&'p Value> {
    plan[list]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["referral_id"] == id)
}

fn waiting<'p>(plan: &'p Value, id: &str) -> Option<&'p Value> {
    entry(plan, "waiting", id)
}

fn assigned<'p>(plan: &'p Value, id: &str) -> Option<&'p Value> {
    entry(plan, "assignments", id)
}

#[test]
fn issue_10_a_family_away_waits_in_its_place_and_its_open_case_stays() {
    let dir = scratch("family-away");
    let plan = json(&run(&dir, REFERRALS, "2015-11-02", &["--format", "json"]));
    let away = waiting(&plan, "R1").expect("R1 waits");
    assert_eq!(away["reason"], "family_unavailable");
    assert_eq!(away["eligible_supporters"], 0);
    // Back by Monday: R4 is placed; two slots, so one of R2 and R6 waits for room.
    assert_eq!(assigned(&plan, "R4").unwrap()["open_case"], false);
    let full = waiting(&plan, "R2")
        .or_else(|| waiting(&plan, "R6"))
        .unwrap();
    assert_eq!(full["reason"], "capacity");
    assert_eq!(full["rank"], 1);
    // Ranked with the families nobody could take, by score: R1 (priority 5) before
    // R5 (priority 3, no consent, which is checked first).
    assert_eq!(away["rank"], 2);
    assert_eq!(waiting(&plan, "R5").unwrap()["reason"], "no_consent");
    assert_eq!(waiting(&plan, "R5").unwrap()["rank"], 3);
    // The open case of a family away stays with its supporter.
    let open = assigned(&plan, "R3").expect("R3 is still an open case");
    assert_eq!(open["open_case"], true);
    assert_eq!(open["supporter_id"], "S1");

    let table = stdout(&run(&dir, REFERRALS, "2015-11-02", &["--format", "table"]));
    assert!(table.contains("the family is away this week"), "{table}");
    let explained = stdout(&run(
        &dir,
        REFERRALS,
        "2015-11-02",
        &["--format", "table", "--explain", "R1"],
    ));
    assert!(
        explained.contains("the family is away this week (2015-10-26 to 2015-11-06)"),
        "{explained}"
    );

    // The week after, R1 is back and, with the highest priority, placed.
    let next = json(&run(&dir, REFERRALS, "2015-11-09", &["--format", "json"]));
    assert_eq!(assigned(&next, "R1").unwrap()["supporter_id"], "S1");
}

#[test]
fn issue_10_a_pin_of_a_family_away_cannot_hold_and_nothing_is_written() {
    let dir = scratch("family-away-pin");
    let out = dir.join("plan.json");
    let output = run(
        &dir,
        REFERRALS,
        "2015-11-02",
        &["--pin", "R1=S1", "--out", out.to_str().unwrap()],
    );
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains(
            "R1 cannot be placed: the family is away this week (2015-10-26 to 2015-11-06)"
        ),
        "{}",
        stderr(&output)
    );
    assert!(!out.exists());
}

#[test]
fn issue_10_an_absence_ending_before_it_starts_is_located_and_nothing_is_written() {
    let dir = scratch("family-away-bad");
    let out = dir.join("plan.json");
    let referrals = "\
referral_id,area,received,source,consent,kind,priority,complexity,unavailable_from,unavailable_to
R1,E06000043,2015-09-01,self,,new,5,low,2015-11-06,2015-10-26
R2,E06000043,2015-09-01,self,,new,5,low,someday,
";
    let output = run(
        &dir,
        referrals,
        "2015-11-02",
        &["--out", out.to_str().unwrap()],
    );
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    let file = dir.join("referrals.csv");
    let file = file.display();
    assert!(
        message.contains(&format!(
            "{file}:2:10: `unavailable_to`: the family's absence ends on 2015-10-26, before it starts on 2015-11-06"
        )),
        "{message}"
    );
    assert!(
        message.contains(&format!(
            "{file}:3:9: `unavailable_from`: `someday` is not a date in the form YYYY-MM-DD"
        )),
        "{message}"
    );
    assert!(!out.exists());
}

/// On the clock at 2015-11-02: E1 21 weeks with exception (b) noted; E2 20 weeks with
/// (d) and no date; E3 20 weeks with none; E4 17 weeks with (c); E5 2 weeks. Nobody
/// can be placed (S1 takes no case), so all five wait.
const EXCEPTIONS: &str = "\
referral_id,area,received,source,consent,kind,clock_start,priority,complexity,exception,exception_noted
E1,E06000043,2015-06-01,self,,new,2015-06-08,3,low,B,2015-10-01
E2,E06000043,2015-06-01,self,,new,2015-06-15,3,low,d,
E3,E06000043,2015-06-01,self,,new,2015-06-15,3,low,,
E4,E06000043,2015-06-01,self,,new,2015-07-06,3,low,c,2015-09-14
E5,E06000043,2015-10-19,self,,new,,3,low,,
";

/// A week in which S1 takes no new case, so every family waits.
fn run_full(dir: &Path, referrals: &str, extra: &[&str]) -> std::process::Output {
    let supporters = "supporter_id,area,status,hours_per_week,max_cases\nS1,E06000043,paid,10,0\n";
    run_with(dir, supporters, referrals, "2015-11-02", extra)
}

#[test]
fn issue_10_plans_count_families_on_time_late_and_late_with_an_exception() {
    let dir = scratch("exceptions");
    let output = run_full(&dir, EXCEPTIONS, &["--format", "json"]);
    // An exception without its date is a located warning.
    let file = dir.join("referrals.csv");
    assert!(
        stderr(&output).contains(&format!(
            "warning: {}:3:10: `exception`: (d) is recorded without an `exception_noted` date",
            file.display()
        )),
        "{}",
        stderr(&output)
    );
    let plan = json(&output);
    assert_eq!(
        plan["summary"]["clock"],
        serde_json::json!({"on_time": 2, "late": 1, "late_with_exception": 2})
    );
    // The existing counts are still there.
    assert_eq!(plan["summary"]["waiting"], 5);
    let e1 = waiting(&plan, "E1").unwrap();
    assert_eq!(e1["exception"], "b");
    assert_eq!(e1["exception_noted"], "2015-10-01");
    let e2 = waiting(&plan, "E2").unwrap();
    assert_eq!(e2["exception"], "d");
    assert!(e2.get("exception_noted").is_none());
    let e3 = waiting(&plan, "E3").unwrap();
    assert!(e3.get("exception").is_none() && e3.get("exception_noted").is_none());
    // Nothing about priority or score changes: E2 and E3 differ only by the exception.
    assert_eq!(e2["score"], e3["score"]);
    assert_eq!(e2["weeks_on_clock"], 20);

    let table = stdout(&run_full(&dir, EXCEPTIONS, &["--format", "table"]));
    assert!(
        table.contains("20-week clock, families waiting: 2 on time, 1 late (past week 20), 2 late with a recorded exception."),
        "{table}"
    );
    assert!(table.contains("exception (b) noted 2015-10-01"), "{table}");
    let explained = stdout(&run_full(
        &dir,
        EXCEPTIONS,
        &["--format", "table", "--explain", "E1"],
    ));
    assert!(
        explained.contains("20-week limit: exception (b) noted 2015-10-01 (an early years provider closed for at least four weeks around the advice request): the deadline does not apply"),
        "{explained}"
    );
    let explained = json(&run_full(&dir, EXCEPTIONS, &["--explain", "E1"]));
    assert_eq!(explained["exception"], "b");
    let plain = json(&run_full(&dir, EXCEPTIONS, &["--explain", "E3"]));
    assert!(plain.get("exception").is_none());

    let tables = dir.join("week");
    let output = run_full(
        &dir,
        EXCEPTIONS,
        &["--format", "json", "--tables", tables.to_str().unwrap()],
    );
    assert!(output.status.success());
    let mut reader = csv::Reader::from_path(tables.join("waiting.csv")).unwrap();
    let header = reader.headers().unwrap().clone();
    let at = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (exception, noted, id) = (at("exception"), at("exception_noted"), at("referral_id"));
    let rows: Vec<(String, String, String)> = reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (
                r[id].to_string(),
                r[exception].to_string(),
                r[noted].to_string(),
            )
        })
        .collect();
    for expected in [
        ("E1", "b", "2015-10-01"),
        ("E2", "d", ""),
        ("E3", "", ""),
        ("E4", "c", "2015-09-14"),
    ] {
        let row = rows.iter().find(|r| r.0 == expected.0).unwrap();
        assert_eq!((row.1.as_str(), row.2.as_str()), (expected.1, expected.2));
    }
}

#[test]
fn issue_10_a_bad_exception_is_located_and_nothing_is_written() {
    let dir = scratch("exceptions-bad");
    let out = dir.join("plan.json");
    let report = dir.join("monday.html");
    let referrals = "\
referral_id,area,received,source,consent,kind,priority,complexity,exception,exception_noted
E1,E06000043,2015-06-01,self,,new,3,low,e,2015-10-01
E2,E06000043,2015-06-01,self,,new,3,low,,2015-10-01
E3,E06000043,2015-06-01,self,,new,3,low,a,2015-10-32
";
    let output = run_full(
        &dir,
        referrals,
        &[
            "--out",
            out.to_str().unwrap(),
            "--report",
            report.to_str().unwrap(),
        ],
    );
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    let file = dir.join("referrals.csv");
    let file = file.display();
    for expected in [
        format!("{file}:2:9: `exception`: `e` is not one of a, b, c, d"),
        format!("{file}:3:10: `exception_noted`: a date is given but `exception` is empty"),
        format!(
            "{file}:4:10: `exception_noted`: `2015-10-32` is not a date: October 2015 has 31 days, not 32"
        ),
    ] {
        assert!(message.contains(&expected), "{message}");
    }
    assert!(!out.exists() && !report.exists());
}

#[test]
fn issue_10_the_template_has_the_new_columns_and_documents_them() {
    let dir = scratch("template-columns");
    let output = caseload(&["template", dir.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let header = std::fs::read_to_string(dir.join("referrals.csv")).unwrap();
    assert!(header
        .lines()
        .next()
        .unwrap()
        .ends_with(",unavailable_from,unavailable_to,exception,exception_noted"));
    let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
    for column in ["`exception`", "`exception_noted`", "the family is away"] {
        assert!(readme.contains(column), "{column}");
    }
    assert!(readme.contains("### The 20-week limit and its exceptions"));
}
