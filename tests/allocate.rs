//! `caseload allocate` on the fixture weeks: the contract, end to end.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use caseload_model::{Caseload, PlanningWeek, WeekView};
use serde_json::Value;

use crate::util::{
    allocate, allocate_bad, allocate_files, caseload, json, mask_seconds, scratch, stderr, stdout,
    without_seconds,
};

fn load(week: &str) -> Caseload {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(week);
    Caseload::load(&dir.join("supporters.csv"), &dir.join("referrals.csv")).unwrap()
}

/// Checks the contract's invariants of a JSON plan against the input files.
fn check_contract(week: &str, plan: &Value) {
    let caseload = load(week);
    let view = WeekView::new(&caseload, PlanningWeek::parse("2015-11-02").unwrap());
    let assignments = plan["assignments"].as_array().unwrap();
    let waiting = plan["waiting"].as_array().unwrap();

    // Nothing lost: every active referral exactly once in assignments or waiting.
    let mut seen = HashMap::new();
    for id in assignments
        .iter()
        .chain(waiting)
        .map(|x| x["referral_id"].as_str().unwrap())
    {
        *seen.entry(id).or_insert(0) += 1;
    }
    let active: HashSet<&str> = view
        .open
        .iter()
        .map(|o| o.referral)
        .chain(view.waiting.iter().map(|w| w.referral))
        .map(|i| caseload.referrals[i].id.as_str())
        .collect();
    assert_eq!(seen.len(), active.len());
    assert!(seen.iter().all(|(id, n)| *n == 1 && active.contains(id)));
    assert_eq!(plan["summary"]["active"], active.len());
    assert_eq!(plan["summary"]["ignored"], view.ignored);

    // Open cases stay with their supporter.
    for o in &view.open {
        let r = &caseload.referrals[o.referral];
        let a = assignments
            .iter()
            .find(|a| a["referral_id"] == r.id.as_str())
            .unwrap();
        assert_eq!(a["open_case"], true);
        assert_eq!(
            a["supporter_id"],
            caseload.supporters[o.supporter].id.as_str()
        );
    }

    // Capacity: a supporter given new cases stays within hours and cases.
    for s in plan["supporters"].as_array().unwrap() {
        if s["new_cases"].as_u64().unwrap() > 0 {
            assert!(
                s["hours_used"].as_f64().unwrap() <= s["hours_per_week"].as_f64().unwrap() + 1e-6,
                "{s}"
            );
            assert!(
                s["cases"].as_u64().unwrap() <= s["max_cases"].as_u64().unwrap(),
                "{s}"
            );
        }
    }

    // The objective is the sum of the new assignments' scores.
    let objective: f64 = assignments
        .iter()
        .filter(|a| a["open_case"] == false)
        .map(|a| a["score"].as_f64().unwrap())
        .sum();
    assert!((objective - plan["solver"]["objective"].as_f64().unwrap()).abs() < 1e-6);

    // Ranks run 1..n within each area.
    let mut by_area: HashMap<&str, Vec<u64>> = HashMap::new();
    for w in waiting {
        by_area
            .entry(w["area"].as_str().unwrap())
            .or_default()
            .push(w["rank"].as_u64().unwrap());
    }
    for ranks in by_area.values() {
        assert_eq!(*ranks, (1..=ranks.len() as u64).collect::<Vec<_>>());
    }
}

#[test]
fn provider_week_is_planned_to_proven_optimality() {
    let plan = json(&allocate("provider-week", &["--format", "json"]));
    assert_eq!(plan["week"], "2015-11-02");
    assert_eq!(plan["solver"]["status"], "optimal");
    assert_eq!(plan["solver"]["gap"], 0.0);
    assert_eq!(plan["solver"]["bound"], plan["solver"]["objective"]);
    check_contract("provider-week", &plan);
    // The fixture's orphaned case (its supporter left) is re-allocated and flagged.
    let reallocated: Vec<&Value> = plan["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .chain(plan["waiting"].as_array().unwrap())
        .filter(|x| x["reallocated"] == true)
        .collect();
    assert_eq!(
        reallocated.len(),
        plan["summary"]["reallocated"].as_u64().unwrap() as usize
    );
    assert!(!reallocated.is_empty());
}

#[test]
fn national_week_is_planned_to_proven_optimality() {
    let plan = json(&allocate("national-week", &["--format", "json"]));
    assert_eq!(plan["solver"]["status"], "optimal");
    assert_eq!(plan["areas"].as_array().unwrap().len(), 152);
    check_contract("national-week", &plan);
}

#[test]
fn reruns_and_thread_counts_give_the_same_bytes() {
    let first = allocate("national-week", &["--format", "json", "--threads", "1"]);
    let second = allocate("national-week", &["--format", "json", "--threads", "2"]);
    let third = allocate("national-week", &["--format", "json"]);
    let masked = mask_seconds(&stdout(&first));
    assert_eq!(masked, mask_seconds(&stdout(&second)));
    assert_eq!(masked, mask_seconds(&stdout(&third)));
    let csv_one = allocate("national-week", &["--format", "csv", "--threads", "1"]);
    let csv_two = allocate("national-week", &["--format", "csv", "--threads", "2"]);
    assert_eq!(csv_one.stdout, csv_two.stdout);
}

#[test]
fn greedy_baseline_is_never_better_than_the_optimum() {
    let optimal = json(&allocate("national-week", &["--format", "json"]));
    let greedy = json(&allocate(
        "national-week",
        &["--format", "json", "--method", "greedy"],
    ));
    check_contract("national-week", &greedy);
    assert_eq!(greedy["solver"]["method"], "greedy");
    let (o, g) = (
        optimal["solver"]["objective"].as_f64().unwrap(),
        greedy["solver"]["objective"].as_f64().unwrap(),
    );
    assert!(g <= o + 1e-6, "greedy {g} > optimal {o}");
}

#[test]
fn csv_lists_every_assignment() {
    let output = allocate("provider-week", &["--format", "csv"]);
    assert!(output.status.success());
    let text = stdout(&output);
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("referral_id,supporter_id,area,score,hours,open_case,reallocated,decision,note,moved_from,without_equity,without_balance")
    );
    let plan = json(&allocate("provider-week", &["--format", "json"]));
    assert_eq!(lines.count(), plan["assignments"].as_array().unwrap().len());
}

#[test]
fn table_is_what_a_coordinator_reads() {
    let output = allocate("provider-week", &["--format", "table"]);
    assert!(output.status.success(), "{}", stderr(&output));
    // The solver's wall-clock seconds end the `Plan:` line.
    insta::with_settings!({filters => vec![(r"(?m); \d+\.\d+ s$", "; [seconds]")]}, {
        insta::assert_snapshot!("provider_week_table", stdout(&output));
    });
}

#[test]
fn explain_tells_a_waiting_family_why() {
    let output = allocate(
        "provider-week",
        &["--format", "table", "--explain", "BH-R0071"],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    insta::assert_snapshot!("explain_capacity", stdout(&output));
    let explained = json(&allocate(
        "provider-week",
        &["--format", "json", "--explain", "BH-R0071"],
    ));
    assert_eq!(explained["state"], "waiting");
    assert_eq!(explained["reason"], "capacity");
    // Every eligible supporter is full for this family after the plan.
    for s in explained["supporters"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["eligible"] == true)
    {
        let no_room = s["free_cases_after"].as_i64().unwrap() < 1
            || s["free_hours_after"].as_f64().unwrap() < explained["hours"].as_f64().unwrap()
            || s["detail"].as_str().unwrap().contains("no new cases");
        assert!(no_room, "{s}");
    }
}

/// A family that no supporter may take, whoever they are (no consent), has no
/// supporter marked eligible in its explanation: every one fails the family's own
/// check, as the week's reason code and a pin say.
#[test]
fn explain_marks_nobody_eligible_for_a_family_without_consent() {
    let explained = json(&allocate(
        "provider-week",
        &["--format", "json", "--explain", "BH-R0090"],
    ));
    assert_eq!(explained["reason"], "no_consent");
    let supporters = explained["supporters"].as_array().unwrap();
    assert_eq!(supporters.len(), 12);
    for s in supporters {
        assert_eq!(s["eligible"], false, "{s}");
        assert_eq!(s["failed_check"], "no_consent", "{s}");
        assert_eq!(s["score"], serde_json::Value::Null, "{s}");
        assert!(s["detail"]
            .as_str()
            .unwrap()
            .contains("no supporter can take them"));
    }
    let pinned = allocate("provider-week", &["--pin", "BH-R0090=BH-S05"]);
    assert_eq!(pinned.status.code(), Some(2), "{}", stderr(&pinned));
}

/// A family whose supporter left and who waits is said to be one in every format: the
/// table's waiting list and its explanation, as the JSON's `reallocated`.
#[test]
fn a_family_whose_supporter_left_and_who_waits_is_said_so_in_the_table() {
    let dir = scratch("left-waiting");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/provider-week");
    let supporters = std::fs::read_to_string(fixture.join("supporters.csv")).unwrap();
    // BH-S01 leaves: its open cases are planned again, and some wait.
    let kept: String = supporters
        .lines()
        .filter(|l| !l.starts_with("BH-S01,"))
        .map(|l| format!("{l}\n"))
        .collect();
    let s = dir.as_ref().join("supporters.csv");
    std::fs::write(&s, kept).unwrap();
    let r = fixture.join("referrals.csv");
    let plan = json(&allocate_files(&s, &r, "2015-11-02", &["--format", "json"]));
    let left: Vec<&str> = plan["waiting"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["reallocated"] == true)
        .map(|w| w["referral_id"].as_str().unwrap())
        .collect();
    assert!(!left.is_empty(), "no family whose supporter left waits");
    let table = stdout(&allocate_files(
        &s,
        &r,
        "2015-11-02",
        &["--format", "table"],
    ));
    for id in &left {
        let row = table
            .lines()
            .find(|l| l.contains(&format!("| {id} ")))
            .unwrap_or_else(|| panic!("{id} not in the table"));
        assert!(
            row.contains("supported until their supporter left"),
            "{row}"
        );
        let explained = stdout(&allocate_files(
            &s,
            &r,
            "2015-11-02",
            &["--format", "table", "--explain", id],
        ));
        assert!(
            explained
                .contains("has left (not in the supporters file): the family is planned again"),
            "{explained}"
        );
    }
}

#[test]
fn explain_says_what_fills_a_supporter_and_why_a_family_is_placed() {
    // S1's room is all taken by its open case: the plan chose nothing there, so the
    // story does not say it filled S1 with better families.
    let dir = scratch("explain-full");
    let supporters = dir.join("supporters.csv");
    let referrals = dir.join("referrals.csv");
    std::fs::write(
        &supporters,
        "supporter_id,area,status,hours_per_week,max_cases\nS1,E06000043,paid,2,1\n",
    )
    .unwrap();
    std::fs::write(
        &referrals,
        "referral_id,area,received,source,consent,kind,priority,complexity,supporter_id\n\
         R1,E06000043,2015-09-07,self,,new,3,medium,S1\n\
         R2,E06000043,2015-10-05,self,,new,5,medium,\n",
    )
    .unwrap();
    let e = json(&caseload(&[
        "allocate",
        "-s",
        supporters.to_str().unwrap(),
        "-r",
        referrals.to_str().unwrap(),
        "-w",
        "2015-11-02",
        "--format",
        "json",
        "--explain",
        "R2",
    ]));
    let outcome = e["outcome"].as_str().unwrap();
    assert!(
        outcome.contains("None has room left for it: their hours and case slots are taken by their open cases, and the plan gives them no new family this week."),
        "{outcome}"
    );
    assert!(!outcome.contains("combined score"), "{outcome}");
    // A pinned family is there by the decision, not as part of the best plan.
    let pinned = json(&allocate(
        "provider-week",
        &[
            "--format",
            "json",
            "--pin",
            "BH-R0071=BH-S01",
            "--explain",
            "BH-R0071",
        ],
    ));
    let outcome = pinned["outcome"].as_str().unwrap();
    assert!(outcome.starts_with("Pinned to BH-S01"), "{outcome}");
    assert!(!outcome.contains("part of that best plan"), "{outcome}");
}

#[test]
fn a_register_edited_since_it_was_written_is_not_overwritten() {
    let dir = scratch("register-kept");
    let register = dir.join("next.csv");
    let out = register.to_str().unwrap();
    let run = |extra: &[&str]| {
        let mut args = vec!["--format", "json", "--register-out", out];
        args.extend_from_slice(extra);
        allocate("provider-week", &args)
    };
    assert!(run(&[]).status.success());
    let first = std::fs::read(&register).unwrap();
    // The week planned again with decisions replaces it: only holders differ.
    assert!(run(&["--forbid", "BH-R0004=BH-S10"]).status.success());
    assert_ne!(std::fs::read(&register).unwrap(), first);
    // Next week's referrals added by hand: a repeated run does not lose them.
    let mut edited = std::fs::read(&register).unwrap();
    edited.extend_from_slice(b"BH-R0999,E06000043,BN1,2015-11-04,self,,new,,3,low,,,,,,\n");
    std::fs::write(&register, &edited).unwrap();
    let report = dir.join("monday.html");
    let refused = run(&["--report", report.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("holds other rows than this run's register"),
        "{}",
        stderr(&refused)
    );
    assert_eq!(std::fs::read(&register).unwrap(), edited);
    assert!(!report.exists(), "no file of the run is written");
    // Asked for, it is replaced.
    assert!(run(&["--replace-register"]).status.success());
    assert_eq!(std::fs::read(&register).unwrap(), first);
}

#[test]
fn explain_covers_every_state() {
    let plan = json(&allocate("provider-week", &["--format", "json"]));
    let new = plan["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["open_case"] == false)
        .unwrap();
    let open = plan["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["open_case"] == true)
        .unwrap();
    let unplaced = plan["waiting"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["reason"] != "capacity")
        .unwrap();
    for (row, state) in [
        (new, "assigned"),
        (open, "open_case"),
        (unplaced, "waiting"),
    ] {
        let id = row["referral_id"].as_str().unwrap();
        let e = json(&allocate(
            "provider-week",
            &["--format", "json", "--explain", id],
        ));
        assert_eq!(e["state"], state, "{id}");
    }
    let missing = allocate("provider-week", &["--explain", "NOBODY"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("no referral `NOBODY`"));
}

#[test]
fn out_file_is_written_whole_and_stdout_stays_empty() {
    let dir = scratch("out");
    let out = dir.join("plan.json");
    let output = allocate("provider-week", &["--out", out.to_str().unwrap()]);
    assert!(output.status.success());
    assert!(output.stdout.is_empty());
    let written: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(written["solver"]["status"], "optimal");
    // By extension: .csv gives CSV.
    let csv = dir.join("plan.csv");
    assert!(allocate("provider-week", &["--out", csv.to_str().unwrap()])
        .status
        .success());
    assert!(std::fs::read_to_string(&csv)
        .unwrap()
        .starts_with("referral_id,"));
    // Bad input leaves no file behind.
    let failed = dir.join("failed.json");
    let output = allocate_bad("nan-hours", &["--out", failed.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(!failed.exists());
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        2,
        "no temporary file left"
    );
}

#[test]
fn model_exports_as_lp_and_mps() {
    let dir = scratch("export");
    let plan = json(&allocate("provider-week", &["--format", "json"]));
    for name in ["week.lp", "week.mps"] {
        let file = dir.join(name);
        let output = allocate(
            "provider-week",
            &["--format", "json", "--export-model", file.to_str().unwrap()],
        );
        // The plan is still printed, and HiGHS writes nothing to stdout.
        let printed = without_seconds(json(&output));
        assert!(
            printed == without_seconds(plan.clone()),
            "{name}: the plan changed"
        );
        let model = std::fs::read_to_string(&file).unwrap();
        // One binary column per family and eligible supporter, named after the pair,
        // with or without room now: BH-S07 is over a limit through open cases.
        assert!(model.contains("x(BH_R0071,BH_S01)"), "{name}");
        assert!(model.contains("x(BH_R0071,BH_S07)"), "{name}");
        assert!(model.contains("the FULL model"), "{name}");
        if name.ends_with(".lp") {
            assert!(model.contains("max") && model.contains("bin"));
        } else {
            assert!(model.contains("ROWS") && model.contains("MARKER"));
        }
    }
    let reduced = dir.join("reduced.lp");
    let output = allocate(
        "provider-week",
        &[
            "--format",
            "json",
            "--export-model",
            reduced.to_str().unwrap(),
            "--export-reduced",
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let model = std::fs::read_to_string(&reduced).unwrap();
    assert!(model.starts_with("\\ caseload weekly allocation model"));
    assert!(model.contains("the REDUCED model"));
    assert!(!model.contains("x(BH_R0071,BH_S07)"));

    let txt = dir.join("week.txt");
    let bad = allocate("provider-week", &["--export-model", txt.to_str().unwrap()]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("must end in .lp or .mps"));
    assert!(!txt.exists());

    // A folder that does not exist: refused before planning, for both formats (HiGHS
    // itself crashed on the .lp file), and nothing left behind.
    for name in ["missing/week.lp", "missing/week.mps"] {
        let file = dir.join(name);
        let bad = allocate("provider-week", &["--export-model", file.to_str().unwrap()]);
        assert_eq!(bad.status.code(), Some(2), "{name}: {}", stderr(&bad));
        assert!(
            stderr(&bad).contains(&format!(
                "--export-model {}: the folder {} does not exist",
                file.display(),
                dir.join("missing").display()
            )),
            "{}",
            stderr(&bad)
        );
        assert!(!dir.join("missing").exists());
    }
}

#[test]
fn every_out_extension_writes_its_format() {
    let dir = scratch("out-formats");
    let path = |name: &str| dir.join(name).to_str().unwrap().to_string();
    for name in ["plan.json", "plan.csv", "plan.txt", "plan.md"] {
        let output = allocate("provider-week", &["--out", &path(name)]);
        assert!(output.status.success(), "{name}: {}", stderr(&output));
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        match name.rsplit('.').next() {
            Some("json") => assert!(serde_json::from_str::<Value>(&text).is_ok()),
            Some("csv") => assert!(text.starts_with("referral_id,supporter_id,")),
            _ => assert!(text.starts_with("Allocation for the week of Monday 2015-11-02")),
        }
    }
    let written = std::fs::read_dir(&dir).unwrap().count();
    // Another extension, or a format that contradicts the extension, is refused with
    // exit 2 before anything is written (the model file included).
    let model = path("week.lp");
    for (args, message) in [
        (vec!["--out", "plan.xlsx"], "allocate writes .json, .csv"),
        (vec!["--out", "plan"], "allocate writes .json, .csv"),
        (
            vec!["--out", "plan.csv", "--format", "json"],
            "names csv output, but --format json",
        ),
        (
            vec!["--out", "why.csv", "--explain", "BH-R0071"],
            "--explain prints json or a table",
        ),
    ] {
        let mut args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        args[1] = path(&args[1]);
        args.extend(["--export-model".to_string(), model.clone()]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = allocate("provider-week", &args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(stderr(&output).contains(message), "{}", stderr(&output));
    }
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        written,
        "nothing written"
    );
}

/// The words a table must not show: reason codes and routes as codes, `(s)` plurals,
/// negative counts of slots or weeks.
fn assert_plain_words(text: &str) {
    assert!(!text.contains("(s)"), "{text}");
    assert!(!text.contains('_'), "a code in a table: {text}");
    let negative = text
        .as_bytes()
        .windows(3)
        .any(|w| w[0] == b' ' && w[1] == b'-' && w[2].is_ascii_digit());
    assert!(!negative, "a negative number: {text}");
}

#[test]
fn tables_show_no_impossible_numbers() {
    let table = stdout(&allocate("provider-week", &["--format", "table"]));
    assert_plain_words(&table);
    assert!(table.contains(", gap 0.00%);"), "{table}");
    assert!(table.contains("clock starts in 3 weeks"), "{table}");
    assert!(table.contains("over by 1 case (open cases)"), "{table}");
    assert!(table.contains("eligible supporters are full"), "{table}");
    assert!(table.contains("Rank: the order in which families would be offered"));
    for id in ["BH-R0071", "BH-R0095", "BH-R0094", "BH-R0090"] {
        let explained = stdout(&allocate(
            "provider-week",
            &["--format", "table", "--explain", id],
        ));
        assert_plain_words(&explained);
        assert!(explained.contains("Rank: the order"), "{explained}");
    }
    let explained = stdout(&allocate(
        "provider-week",
        &["--format", "table", "--explain", "BH-R0071"],
    ));
    assert!(
        explained.contains("BH-S07 (2 h left, over by 1 case: no new case while over a limit)"),
        "{explained}"
    );
    let late = stdout(&allocate(
        "provider-week",
        &["--format", "table", "--explain", "BH-R0095"],
    ));
    assert!(
        late.contains("the 20-week clock starts in 3 weeks"),
        "{late}"
    );
    let national = stdout(&allocate("national-week", &["--format", "table"]));
    assert_plain_words(&national);
}

#[test]
fn proven_areas_say_how_they_were_proven() {
    let plan = json(&allocate("national-week", &["--format", "json"]));
    let routes = |route: &str| {
        plan["areas"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["route"] == route && a["status"] == "optimal")
            .count()
    };
    let (mip, at_bound, assignment, search, no_choice) = (
        routes("mip"),
        routes("greedy_at_bound"),
        routes("assignment"),
        routes("search"),
        routes("no_choice"),
    );
    assert!(mip > 0 && at_bound > 0 && assignment > 0 && search > 0);
    let table = stdout(&allocate("national-week", &["--format", "table"]));
    let mut line = format!(
        "152 of 152 areas proven optimal ({mip} by HiGHS, {at_bound} by the greedy plan reaching the upper bound, {assignment} as an assignment problem, {search} by exact search"
    );
    if no_choice > 0 {
        line.push_str(&format!(", {no_choice} with no choice to make"));
    }
    line.push(')');
    assert!(table.contains(&line), "{line}\n{table}");
}

#[test]
fn policy_changes_the_plan() {
    let default = json(&allocate(
        "provider-week",
        &[
            "--format",
            "json",
            "--policy",
            "fixtures/provider-week/policy.toml",
        ],
    ));
    let plain = json(&allocate("provider-week", &["--format", "json"]));
    assert!(
        without_seconds(default) == without_seconds(plain.clone()),
        "the documented defaults changed the plan"
    );

    let dir = scratch("policy");
    let policy = dir.join("policy.toml");
    std::fs::write(&policy, "volunteers_take_high = true\n").unwrap();
    let relaxed = json(&allocate(
        "provider-week",
        &["--format", "json", "--policy", policy.to_str().unwrap()],
    ));
    let complexity = |plan: &Value| {
        plan["waiting"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|w| w["reason"] == "complexity")
            .count()
    };
    assert!(complexity(&plain) > 0);
    assert_eq!(complexity(&relaxed), 0);
    assert!(relaxed["solver"]["objective"].as_f64() >= plain["solver"]["objective"].as_f64());
}

#[test]
fn a_week_must_start_on_monday() {
    let output = caseload(&[
        "allocate",
        "-s",
        "fixtures/provider-week/supporters.csv",
        "-r",
        "fixtures/provider-week/referrals.csv",
        "-w",
        "2015-11-03",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        "error: --week: 2015-11-03 is a Tuesday; a planning week starts on a Monday (that week's is 2015-11-02)\n"
    );
}
