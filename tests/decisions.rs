//! A coordinator's decisions: pins and forbids as hard constraints, their cost, their
//! marks in every output, and every decision that cannot hold refused with its reason.

use std::path::Path;

use crate::util::{allocate, json, recommend, scratch, stderr, stdout};

const DECISIONS: &str = "\
referral_id,supporter_id,decision,note
BH-R0071,BH-S01,pin,knows the family from school
BH-R0006,BH-S01,pin,\"moves to BN1, closer to S01\"
BH-R0004,BH-S10,forbid,S10 on a long course
BH-R0066,BH-S01,forbid,
";

fn write(dir: &Path, name: &str, text: &str) -> String {
    let file = dir.join(name);
    std::fs::write(&file, text).unwrap();
    file.to_str().unwrap().to_string()
}

fn row<'a>(plan: &'a serde_json::Value, list: &str, referral: &str) -> &'a serde_json::Value {
    plan[list]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["referral_id"] == referral)
        .unwrap_or_else(|| panic!("{referral} not in {list}"))
}

#[test]
fn issue_8_decisions_hold_cost_what_they_say_and_show_everywhere() {
    let dir = scratch("decisions");
    let decisions = write(&dir, "decisions.csv", DECISIONS);
    let tables = dir.join("tables");
    let register = dir.join("next.csv");
    let plain = json(&allocate("provider-week", &["--format", "json"]));
    let plan = json(&allocate(
        "provider-week",
        &[
            "--format",
            "json",
            "--decisions",
            &decisions,
            "--tables",
            tables.to_str().unwrap(),
            "--register-out",
            register.to_str().unwrap(),
        ],
    ));

    // Pinned: placed with the supporter, marked, with the note.
    let pinned = row(&plan, "assignments", "BH-R0071");
    assert_eq!(pinned["supporter_id"], "BH-S01");
    assert_eq!(pinned["decision"], "pinned");
    assert_eq!(pinned["note"], "knows the family from school");
    // An open case pinned to another supporter moves, and S06's room is freed.
    let moved = row(&plan, "assignments", "BH-R0006");
    assert_eq!(
        (
            &moved["supporter_id"],
            &moved["open_case"],
            &moved["moved_from"]
        ),
        (&"BH-S01".into(), &false.into(), &"BH-S06".into())
    );
    // Forbidding an open case's own supporter sends it back to be reallocated.
    let returned = row(&plan, "assignments", "BH-R0004");
    assert_ne!(returned["supporter_id"], "BH-S10");
    assert_eq!(returned["moved_from"], "BH-S10");
    assert_eq!(returned["decision"], "forbidden: BH-S10");
    // A forbidden family placed elsewhere or waiting, never with that supporter.
    let forbidden = plan["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["referral_id"] == "BH-R0066");
    assert!(forbidden.is_none_or(|a| a["supporter_id"] != "BH-S01"));

    // The cost: the objective with and without the decisions.
    let report = &plan["decisions"];
    let with = plan["solver"]["objective"].as_f64().unwrap();
    let without = plain["solver"]["objective"].as_f64().unwrap();
    assert_eq!(report["objective"].as_f64(), Some(with));
    assert_eq!(report["objective_without"].as_f64(), Some(without));
    let cost = report["cost"].as_f64().unwrap();
    // The moved open cases: BH-R0006 (pinned elsewhere) and BH-R0004 (returned).
    let moved = moved["score"].as_f64().unwrap() + returned["score"].as_f64().unwrap();
    assert_eq!(report["moved_cases_score"].as_f64(), Some(moved));
    assert!((cost - (without - (with - moved))).abs() < 1e-6, "{cost}");
    // Displaced: exactly the families the plan without decisions placed as new
    // assignments that wait now, the decided families aside (checked against the two
    // plans themselves).
    let decided = ["BH-R0071", "BH-R0006", "BH-R0004", "BH-R0066"];
    let placed_without: Vec<&str> = plain["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["open_case"] == false)
        .filter_map(|a| a["referral_id"].as_str())
        .collect();
    let waiting_with: Vec<&str> = plan["waiting"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|w| w["referral_id"].as_str())
        .collect();
    let mut expected: Vec<&str> = placed_without
        .iter()
        .copied()
        .filter(|r| waiting_with.contains(r) && !decided.contains(r))
        .collect();
    let mut displaced: Vec<&str> = report["displaced"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d.as_str())
        .collect();
    expected.sort_unstable();
    displaced.sort_unstable();
    assert_eq!(displaced, expected);
    assert!(!displaced.is_empty());
    // Each displaced family waits with the supporter the plan without decisions gave
    // it; no other waiting family carries one.
    for w in plan["waiting"].as_array().unwrap() {
        let id = w["referral_id"].as_str().unwrap();
        let had = plain["assignments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["referral_id"] == id)
            .and_then(|a| a["supporter_id"].as_str());
        let carried = w["without_decisions"].as_str();
        if displaced.contains(&id) {
            assert_eq!(carried, had, "{id}");
        } else {
            assert_eq!(carried, None, "{id}");
        }
    }
    let taken = report["taken"].as_array().unwrap();
    assert_eq!(taken.len(), 4);
    assert_eq!(taken[0]["origin"], format!("{decisions}:2"));
    assert_eq!(taken[1]["effect"], "moved from BH-S06 to BH-S01");
    assert!(taken[2]["effect"]
        .as_str()
        .unwrap()
        .starts_with("taken from BH-S10; "));

    // The tables carry the marks.
    let assignments = std::fs::read_to_string(tables.join("assignments.csv")).unwrap();
    assert!(assignments.starts_with(
        "referral_id,supporter_id,area,score,hours,open_case,reallocated,decision,note,moved_from,without_equity,without_balance\n"
    ));
    assert!(assignments.contains(",pinned,knows the family from school,,,\n"));
    assert!(assignments.contains(",pinned,\"moves to BN1, closer to S01\",BH-S06,,\n"));

    // Next week's register records the moves.
    let text = std::fs::read_to_string(&register).unwrap();
    let line = |id: &str| {
        text.lines()
            .find(|l| l.starts_with(id))
            .unwrap()
            .to_string()
    };
    assert!(
        line("BH-R0006,").ends_with(",BH-S01,"),
        "{}",
        line("BH-R0006,")
    );
    let holder = returned["supporter_id"].as_str().unwrap();
    assert!(line("BH-R0004,").contains(&format!(",{holder},")));

    // The report for the Monday meeting has them too.
    let report_file = dir.join("week.html");
    let output = allocate(
        "provider-week",
        &[
            "--decisions",
            &decisions,
            "--report",
            report_file.to_str().unwrap(),
            "-o",
            dir.join("p.json").to_str().unwrap(),
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let html = std::fs::read_to_string(&report_file).unwrap();
    assert!(html.contains("<h2>Decisions taken</h2>"));
    // The waiting list says who waits because of the decisions, with whom they would
    // have been.
    for id in &displaced {
        let had = plan["waiting"]
            .as_array()
            .unwrap()
            .iter()
            .find(|w| w["referral_id"] == *id)
            .and_then(|w| w["without_decisions"].as_str())
            .unwrap();
        let row = html
            .split("<tr")
            .find(|r| r.contains(&format!(">{id}")) && r.contains("displaced by"))
            .unwrap_or_else(|| panic!("{id} not said displaced"));
        assert!(
            row.contains(&format!(
                "displaced by the week's decisions ({had} without them)"
            )),
            "{row}"
        );
    }
    for d in taken {
        assert!(
            html.contains(d["effect"].as_str().unwrap()),
            "{}",
            d["effect"]
        );
    }
    assert!(html.contains("pinned (knows the family from school)"));
    // Its summary's total says it is the total with the decisions, and the one without.
    // The total counts the open cases the decisions moved as new: said beside it, with
    // what the families waiting gave up, so that the higher total is not read as better.
    assert!(
        html.contains(&format!(
            "Total score {with} with the week's decisions, {moved} of it for the open cases they moved, which count as new assignments once moved ({without} without them; they cost the families waiting this week {cost}: see Decisions taken)"
        )),
        "{html}"
    );
    // Its closing note says the plan is the best that keeps them, not the best of all.
    assert!(
        html.contains("within every supporter's hours and case slots that keeps the week's decisions (pins and forbids)."),
        "{html}"
    );

    // The table says what the decisions did and cost; --explain tells the story.
    let table = stdout(&allocate(
        "provider-week",
        &["--format", "table", "--decisions", &decisions],
    ));
    assert!(table.contains("Decisions (4)"), "{table}");
    assert!(table.contains(&format!(
        "Total score {with} with the decisions ({moved} of it for the open cases they moved, which count as new assignments once moved), {without} without them: they cost the families waiting this week {cost}"
    )));
    assert!(table.contains("pinned (knows the family from school)"));
    let story = stdout(&allocate(
        "provider-week",
        &[
            "--format",
            "table",
            "--decisions",
            &decisions,
            "--explain",
            "BH-R0066",
        ],
    ));
    assert!(
        story.contains("Forbidden from BH-S01 by the coordinator"),
        "{story}"
    );
    assert!(story.contains("forbidden by a decision"), "{story}");
}

#[test]
fn issue_8_flags_and_a_file_are_the_same_decisions() {
    let dir = scratch("decision-flags");
    let from_file = json(&allocate(
        "provider-week",
        &[
            "--format",
            "json",
            "--decisions",
            &write(&dir, "d.csv", DECISIONS),
        ],
    ));
    let from_flags = json(&allocate(
        "provider-week",
        &[
            "--format",
            "json",
            "--pin",
            "BH-R0071=BH-S01",
            "--pin",
            "BH-R0006=BH-S01",
            "--forbid",
            "BH-R0004=BH-S10",
            "--forbid",
            "BH-R0066=BH-S01",
        ],
    ));
    let pairs = |plan: &serde_json::Value| -> Vec<(String, String)> {
        plan["assignments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| (a["referral_id"].to_string(), a["supporter_id"].to_string()))
            .collect()
    };
    assert_eq!(pairs(&from_file), pairs(&from_flags));
    assert_eq!(
        from_file["solver"]["objective"],
        from_flags["solver"]["objective"]
    );
}

#[test]
fn issue_8_decisions_that_cannot_hold_exit_2_with_the_reason_and_write_nothing() {
    let dir = scratch("bad-decisions");
    let out = dir.join("plan.json");
    let bad_file = write(
        &dir,
        "bad.csv",
        "referral_id,supporter_id,decision\nBH-R0071,BH-S01,keep\n",
    );
    let cases: &[(&[&str], &str)] = &[
        (&["--pin", "NOPE=BH-S01"], "no referral `NOPE`"),
        (&["--forbid", "BH-R0071=BH-S99"], "no supporter `BH-S99`"),
        // A typo in an id gets the id it most likely meant.
        (
            &["--pin", "BH-R071=BH-S01"],
            "no referral `BH-R071` in fixtures/provider-week/referrals.csv; did you mean `BH-R0071`?",
        ),
        (
            &["--forbid", "BH-R0071=bh-s1"],
            "no supporter `bh-s1` in the supporters file; did you mean `BH-S01`?",
        ),
        (&["--pin", "BH-R0002=BH-S01"], "BH-R0002 is not active in the week of 2015-11-02"),
        (
            &["--pin", "BH-R0071=BH-S02"],
            "BH-S02 is not eligible for BH-R0071: lacks the skills the family needs: transfer, tribunal",
        ),
        (
            &["--pin", "BH-R0071=BH-S07"],
            "BH-S07 is already over a limit through open cases (22 h of 24, 9 of 8 cases): no new cases",
        ),
        (
            &["--pin", "BH-R0071=BH-S01", "--pin", "BH-R0066=BH-S01", "--pin", "BH-R0054=BH-S01"],
            "no room: the pins to BH-S01 (BH-R0054, BH-R0066, BH-R0071) need 8.5 h and 3 case slots; after open cases BH-S01 has 6.5 h and 2 case slots free",
        ),
        (
            &["--pin", "BH-R0071=BH-S01", "--forbid", "BH-R0071=BH-S01"],
            "--forbid: forbid BH-R0071=BH-S01: the same pair is already pinned (--pin); withdraw that first",
        ),
        (
            &["--pin", "BH-R0066=BH-S01", "--pin", "BH-R0066=BH-S09"],
            "BH-R0066 is already pinned to BH-S01 (--pin)",
        ),
        (&["--pin", "BH-R0071"], "--pin `BH-R0071`: expected REFERRAL_ID=SUPPORTER_ID"),
        (
            &["--decisions", &bad_file],
            "bad.csv:2:3: `decision`: `keep` is not one of pin, forbid",
        ),
    ];
    for (args, reason) in cases {
        let mut all = vec!["--out", out.to_str().unwrap()];
        all.extend_from_slice(args);
        let output = allocate("provider-week", &all);
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {message}");
        assert!(message.contains(reason), "{args:?}: {message}");
        assert!(!message.contains("panicked"), "{message}");
        assert!(!out.exists(), "{args:?} wrote the plan");
    }
}

#[test]
fn issue_8_recommend_ranks_supporters_as_pins_would_and_says_why_not() {
    let answer = json(&recommend("BH-R0066", &["--format", "json"]));
    assert_eq!(answer["area"], "E06000043");
    assert_eq!(answer["planned"], "BH-S01");
    let candidates = answer["candidates"].as_array().unwrap();
    let unable = answer["unable"].as_array().unwrap();
    assert_eq!(candidates.len() + unable.len(), 12);
    // New assignments of a plan, by family.
    let placed = |plan: &serde_json::Value| -> std::collections::BTreeSet<String> {
        plan["assignments"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["open_case"] == false)
            .map(|a| a["referral_id"].as_str().unwrap().to_string())
            .collect()
    };
    // The week without the family: forbidden with every supporter who could take it.
    let forbids: Vec<String> = candidates
        .iter()
        .map(|c| format!("BH-R0066={}", c["supporter_id"].as_str().unwrap()))
        .collect();
    let mut args = vec!["--format", "json"];
    for f in &forbids {
        args.extend_from_slice(&["--forbid", f]);
    }
    let without = json(&allocate("provider-week", &args));
    assert_eq!(without["solver"]["objective"], answer["without_family"]);
    for c in candidates {
        let supporter = c["supporter_id"].as_str().unwrap();
        let pinned = json(&allocate(
            "provider-week",
            &[
                "--format",
                "json",
                "--pin",
                &format!("BH-R0066={supporter}"),
            ],
        ));
        assert_eq!(pinned["solver"]["objective"], c["total"], "{supporter}");
        // Who waits for the family: placed in the week without it, waiting in this one.
        let left: Vec<String> = placed(&without)
            .difference(&placed(&pinned))
            .filter(|id| *id != "BH-R0066")
            .cloned()
            .collect();
        assert_eq!(c["left_waiting"], serde_json::json!(left), "{supporter}");
    }
    let s02 = unable
        .iter()
        .find(|u| u["supporter_id"] == "BH-S02")
        .unwrap();
    assert!(s02["why"]
        .as_str()
        .unwrap()
        .contains("not the family's district BN41"));

    // A decision of the week holds while recommending: a forbid makes S01 unable.
    let forbidden = json(&recommend(
        "BH-R0066",
        &["--format", "json", "--forbid", "BH-R0066=BH-S01"],
    ));
    let s01 = forbidden["unable"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["supporter_id"] == "BH-S01")
        .unwrap();
    assert!(s01["why"]
        .as_str()
        .unwrap()
        .starts_with("forbidden by a decision (--forbid)"));

    let table = stdout(&recommend("BH-R0071", &["--format", "table"]));
    assert!(
        table.contains("Who should take BH-R0071 (area E06000043)"),
        "{table}"
    );
    assert!(table.contains("| BH-S01    | paid   |  9.25 |"), "{table}");
    // BH-R0071 waits in the plan, so the week without it is the plan: the family the
    // pin displaces against the plan is the one left waiting for it.
    let r71 = json(&recommend("BH-R0071", &["--format", "json"]));
    assert_eq!(
        r71["candidates"][0]["left_waiting"],
        serde_json::json!(["BH-R0054"])
    );
    assert!(
        table.contains("11 supporters cannot take the family now"),
        "{table}"
    );
}

/// A family the week's decisions push out of the best plan is told so, not that the best
/// plan chose better families; one that no supporter speaking its language can take
/// this week is told who speaks it and why they cannot.
#[test]
fn explanations_name_the_decisions_and_the_supporters_away() {
    let plan = json(&allocate(
        "provider-week",
        &["--format", "json", "--pin", "BH-R0071=BH-S01"],
    ));
    let displaced = plan["decisions"]["displaced"].as_array().unwrap();
    assert!(!displaced.is_empty(), "{plan}");
    for id in displaced {
        let id = id.as_str().unwrap();
        let told = stdout(&allocate(
            "provider-week",
            &[
                "--format",
                "table",
                "--pin",
                "BH-R0071=BH-S01",
                "--explain",
                id,
            ],
        ));
        assert!(
            told.contains("The best plan without the week's decisions places this family: it waits because of them"),
            "{told}"
        );
        assert!(!told.contains("the best plan fills"), "{told}");
        assert!(told.contains("keeps the week's decisions"), "{told}");
    }
    // Without decisions nobody is told so.
    let plain = stdout(&allocate(
        "provider-week",
        &["--format", "table", "--explain", "BH-R0054"],
    ));
    assert!(!plain.contains("because of them"), "{plain}");
    let away = stdout(&allocate(
        "provider-week",
        &["--format", "table", "--explain", "BH-R0095"],
    ));
    assert!(
        away.contains("no supporter left speaks ar. Supporters who pass that check fail an earlier one: BH-S05 (on leave (2015-10-26 to 2015-11-06)); BH-S11 (on leave (2015-11-02 to 2015-11-20))."),
        "{away}"
    );
}

#[test]
fn issue_8_recommend_refuses_what_it_cannot_answer() {
    let dir = scratch("recommend-bad");
    let cases: &[(&str, &[&str], &str)] = &[
        ("NOPE", &[], "--referral: no referral `NOPE`"),
        (
            "BH-R0002",
            &[],
            "BH-R0002 is not active in the week of 2015-11-02",
        ),
        (
            "BH-R0071",
            &["--out", "x.csv"],
            "recommend writes .json, .txt or .md",
        ),
        (
            "BH-R0071",
            &["--pin", "BH-R0066=BH-S02"],
            "BH-S02 is not eligible for BH-R0066",
        ),
        // The family's own pins are checked as allocate checks them, before the
        // ranking sets them aside (they passed in silence).
        (
            "BH-R0048",
            &["--pin", "BH-R0048=BH-S03"],
            "BH-S03 is not eligible for BH-R0048",
        ),
        (
            "BH-R0071",
            &["--pin", "BH-R0071=BH-S01", "--pin", "BH-R0071=BH-S02"],
            "BH-R0071 is already pinned to",
        ),
    ];
    for (referral, extra, reason) in cases {
        let mut args = extra.to_vec();
        let out = dir.join("answer.json");
        args.extend_from_slice(&["-o", out.to_str().unwrap()]);
        if extra.contains(&"--out") {
            args.truncate(extra.len());
        }
        let output = recommend(referral, &args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{referral}: {}",
            stderr(&output)
        );
        assert!(stderr(&output).contains(reason), "{}", stderr(&output));
        assert!(!out.exists());
    }
}

#[test]
fn recommend_names_the_familys_own_pin_and_ranks_without_it() {
    let free = json(&recommend("BH-R0071", &["--format", "json"]));
    let best = free["candidates"][0]["supporter_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(free["pinned_to"].is_null());
    let pin = format!("BH-R0071={best}");
    let pinned = json(&recommend("BH-R0071", &["--format", "json", "--pin", &pin]));
    assert_eq!(pinned["pinned_to"], best.as_str());
    // Set aside, the pin changes neither the ranking nor the plan it is weighed against.
    assert_eq!(pinned["candidates"], free["candidates"]);
    assert_eq!(pinned["planned"], free["planned"]);
    let table = crate::util::stdout(&recommend(
        "BH-R0071",
        &["--format", "table", "--pin", &pin],
    ));
    assert!(
        table.contains(&format!(
            "Now: pinned to {best} by a decision, set aside here"
        )),
        "{table}"
    );
    // The plan the ranking compares with is the one without the pin, and says so: the
    // plan in force is the pinned supporter's row, not a row at minus something.
    let with_pin = &pinned["candidates"][0]["total"];
    assert!(
        table.contains(&format!(
            "without the pin ({with_pin} with the pin, the plan in force: {best}'s row)"
        )),
        "{table}"
    );
    assert!(
        table.contains("| Against the plan without the pin |"),
        "{table}"
    );
}

#[test]
fn issue_8_an_open_case_sent_back_to_wait_leaves_its_supporter_in_next_weeks_register() {
    let dir = scratch("returned");
    let register = dir.join("next.csv");
    // BH-R0004 is BH-S10's open case; forbidding every supporter of the area returns it
    // to the waiting families with nobody to take it.
    let supporters: Vec<String> = (1..=12).map(|n| format!("BH-R0004=BH-S{n:02}")).collect();
    let mut args = vec![
        "--format",
        "json",
        "--register-out",
        register.to_str().unwrap(),
    ];
    for pair in &supporters {
        args.extend_from_slice(&["--forbid", pair]);
    }
    let plan = json(&allocate("provider-week", &args));
    let waiting = row(&plan, "waiting", "BH-R0004");
    assert_eq!(waiting["reason"], "forbidden");
    assert_eq!(waiting["moved_from"], "BH-S10");
    let before = std::fs::read_to_string("fixtures/provider-week/referrals.csv").unwrap();
    let after = std::fs::read_to_string(&register).unwrap();
    let line = |text: &str| {
        text.lines()
            .find(|l| l.starts_with("BH-R0004,"))
            .unwrap()
            .to_string()
    };
    assert_eq!(line(&before).replace(",BH-S10,", ",,"), line(&after));
    assert_eq!(before.lines().count(), after.lines().count());
}

#[test]
fn issue_8_recommend_keeps_the_weeks_decisions_about_other_areas() {
    // Two areas; a pin in West Sussex must not stop a question about Brighton and Hove.
    let dir = scratch("recommend-areas");
    let supporters = std::fs::read_to_string("fixtures/provider-week/supporters.csv").unwrap()
        + "WS-S01,E10000032,paid,20,5,transfer,,true,,,\n";
    let s = write(&dir, "supporters.csv", &supporters);
    let output = crate::util::caseload(&[
        "recommend",
        "-s",
        &s,
        "-r",
        "fixtures/provider-week/referrals.csv",
        "-w",
        "2015-11-02",
        "--referral",
        "BH-R0066",
        "--format",
        "json",
        "--pin",
        "BH-R0093=WS-S01",
    ]);
    let answer = json(&output);
    assert_eq!(answer["planned"], "BH-S01");
    assert!(!answer["candidates"].as_array().unwrap().is_empty());
}

#[test]
fn validate_checks_decisions_as_allocate_would_without_planning() {
    let base = [
        "validate",
        "-s",
        "fixtures/provider-week/supporters.csv",
        "-r",
        "fixtures/provider-week/referrals.csv",
    ];
    let run = |extra: &[&str]| {
        let mut args = base.to_vec();
        args.extend_from_slice(extra);
        crate::util::caseload(&args)
    };
    let good = run(&[
        "-w",
        "2015-11-02",
        "--pin",
        "BH-R0071=BH-S01",
        "--forbid",
        "BH-R0004=BH-S10",
    ]);
    assert!(good.status.success(), "{}", stderr(&good));
    assert!(stdout(&good).contains("Decisions: 1 pin and 1 forbid can all hold this week"));
    // The same refusals as allocate's, every one listed, exit 2.
    let bad_args = [
        "-w",
        "2015-11-02",
        "--pin",
        "BH-R0071=BH-S02",
        "--pin",
        "BH-R9999=BH-S01",
    ];
    let bad = run(&bad_args);
    assert_eq!(bad.status.code(), Some(2));
    let message = stderr(&bad);
    assert!(message.contains("2 decisions cannot hold"), "{message}");
    let planned = allocate("provider-week", &bad_args[2..]);
    assert_eq!(planned.status.code(), Some(2));
    let refusals = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| l.starts_with("  --pin"))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(refusals(&message), refusals(&stderr(&planned)));
    assert_eq!(refusals(&message).len(), 2);
    // Decisions are for one week.
    let weekless = run(&["--pin", "BH-R0071=BH-S01"]);
    assert_eq!(weekless.status.code(), Some(2));
    assert!(stderr(&weekless).contains("--week"));
}

#[test]
fn a_decisions_file_says_every_problem_at_once_each_at_its_column() {
    // One row is not a decision (`pinn`); the others are, but name a family that is not
    // in the register, a supporter who is not in the supporters file, and a pin with no
    // room. Mending the first must not be what reveals the rest.
    let dir = scratch("decisions-at-once");
    let file = write(
        &dir,
        "decisions.csv",
        "note,decision,referral_id,supporter_id\n\
         typo,pinn,BH-R0071,BH-S01\n\
         ,pin,BH-R9999,BH-S01\n\
         ,forbid,BH-R0071,BH-S99\n\
         ,pin,BH-R0071,BH-S07\n\
         ,pin,BH-R0066,BH-S01\n\
         ,forbid,BH-R0066,BH-S01\n",
    );
    // A contradiction (lines 6 and 7) does not hide the pin with no room either.
    let expected = [
        "decisions.csv:2:2: `decision`: `pinn` is not one of pin, forbid",
        "decisions.csv:3:3: pin BH-R9999=BH-S01: no referral `BH-R9999`",
        "decisions.csv:4:4: forbid BH-R0071=BH-S99: no supporter `BH-S99` in the supporters file; did you mean `BH-S09`?",
        "decisions.csv:7:2: forbid BH-R0066=BH-S01: the same pair is already pinned (",
        "decisions.csv:5:4: pin BH-R0071=BH-S07: BH-S07 is already over a limit through open cases",
    ];
    let week = ["-w", "2015-11-02", "--decisions", file.as_str()];
    let files = [
        "-s",
        "fixtures/provider-week/supporters.csv",
        "-r",
        "fixtures/provider-week/referrals.csv",
    ];
    let runs = [
        allocate("provider-week", &["--decisions", &file]),
        crate::util::caseload(&[&["validate"][..], &files, &week].concat()),
        recommend("BH-R0066", &["--decisions", &file]),
    ];
    for output in runs {
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{message}");
        let mut at = 0;
        for line in expected {
            let found = message[at..]
                .find(line)
                .unwrap_or_else(|| panic!("`{line}` not in order in:\n{message}"));
            at += found + line.len();
        }
        assert!(message.contains("1 problem in the input"), "{message}");
        assert!(message.contains("4 decisions cannot hold"), "{message}");
    }
}
