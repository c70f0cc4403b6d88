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
    let s = write(dir, "supporters.csv", SUPPORTERS);
    let r = write(dir, "referrals.csv", referrals);
    let mut args = vec![
        "allocate",
        "-s",
        s.to_str().unwrap(),
        "-r",
        r.to_str().unwrap(),
        "-w",
        week,
    ];
    args.extend_from_slice(extra);
    caseload(&args)
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
