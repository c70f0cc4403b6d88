//! A coordinator's weeks: the plan carried into next week's register, week after week.

use std::collections::BTreeMap;
use std::path::Path;

use crate::util::{allocate, allocate_on, caseload, json, root, scratch, stderr};

fn plan_week(
    supporters: &Path,
    referrals: &Path,
    week: &str,
    register_out: &Path,
) -> serde_json::Value {
    json(&caseload(&[
        "allocate",
        "-s",
        supporters.to_str().unwrap(),
        "-r",
        referrals.to_str().unwrap(),
        "-w",
        week,
        "--format",
        "json",
        "--register-out",
        register_out.to_str().unwrap(),
    ]))
}

fn read_rows(file: &Path) -> (csv::StringRecord, Vec<csv::StringRecord>) {
    let mut reader = csv::Reader::from_path(file).unwrap();
    let header = reader.headers().unwrap().clone();
    let rows = reader.records().map(Result::unwrap).collect();
    (header, rows)
}

fn column(header: &csv::StringRecord, name: &str) -> usize {
    header.iter().position(|h| h == name).unwrap()
}

/// A plan's open cases (`open = true`) or new assignments: referral id → supporter id.
fn assignments(plan: &serde_json::Value, open: bool) -> BTreeMap<String, String> {
    plan["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["open_case"] == open)
        .map(|a| {
            (
                a["referral_id"].as_str().unwrap().to_string(),
                a["supporter_id"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn issue_8_four_weeks_of_plans_carry_every_assignment_and_lose_no_row() {
    let dir = scratch("four-weeks");
    let supporters = root().join("fixtures/provider-week/supporters.csv");
    let mut register = root().join("fixtures/provider-week/referrals.csv");
    let weeks = ["2015-11-02", "2015-11-09", "2015-11-16", "2015-11-23"];
    let mut carried: BTreeMap<String, String> = BTreeMap::new();
    let mut closed_ids: Vec<String> = Vec::new();
    let mut total_new = 0;
    for (k, week) in weeks.iter().enumerate() {
        let out = dir.join(format!("register-{k}.csv"));
        let plan = plan_week(&supporters, &register, week, &out);

        // Last week's new assignments are this week's open cases, with the same
        // supporter, unless their case was closed in between.
        let open = assignments(&plan, true);
        for (referral, supporter) in &carried {
            if closed_ids.contains(referral) {
                assert!(
                    !open.contains_key(referral),
                    "week {week}: {referral} was closed"
                );
                continue;
            }
            assert_eq!(
                open.get(referral),
                Some(supporter),
                "week {week}: {referral}"
            );
        }

        // The register written holds the same rows in the same order, with exactly
        // this plan's new assignments recorded.
        let (in_header, in_rows) = read_rows(&register);
        let (out_header, out_rows) = read_rows(&out);
        assert_eq!(in_header, out_header);
        assert_eq!(in_rows.len(), out_rows.len(), "week {week}: a row was lost");
        let id = column(&in_header, "referral_id");
        let holder = column(&in_header, "supporter_id");
        let assigned = assignments(&plan, false);
        total_new += assigned.len();
        for (before, after) in in_rows.iter().zip(&out_rows) {
            assert_eq!(before[id], after[id]);
            for (i, (b, a)) in before.iter().zip(after.iter()).enumerate() {
                if i == holder {
                    let expected = assigned.get(&before[id]).map_or(b, String::as_str);
                    assert_eq!(a, expected, "week {week}: {}", &before[id]);
                } else {
                    assert_eq!(a, b, "week {week}: {} column {i} changed", &before[id]);
                }
            }
        }

        // Between Mondays: two families' plans are finalised and three new families
        // are referred.
        let next = dir.join(format!("register-{k}-edited.csv"));
        let closed = column(&out_header, "closed");
        let mut writer = csv::Writer::from_path(&next).unwrap();
        writer.write_record(&out_header).unwrap();
        let mut to_close = 2;
        for row in &out_rows {
            let mut fields: Vec<String> = row.iter().map(str::to_string).collect();
            if to_close > 0 && assigned.contains_key(&fields[id]) && fields[closed].is_empty() {
                // Closed on next Monday: not active in next week's plan.
                fields[closed] = weeks.get(k + 1).copied().unwrap_or("2015-11-30").into();
                closed_ids.push(fields[id].clone());
                to_close -= 1;
            }
            writer.write_record(&fields).unwrap();
        }
        for n in 0..3 {
            let mut fields = vec![String::new(); out_header.len()];
            let set = |fields: &mut Vec<String>, name: &str, value: &str| {
                fields[column(&out_header, name)] = value.to_string();
            };
            set(&mut fields, "referral_id", &format!("BH-N{k}{n}"));
            set(&mut fields, "area", "E06000043");
            set(&mut fields, "received", week);
            set(&mut fields, "source", "self");
            set(&mut fields, "kind", "new");
            set(&mut fields, "priority", &(n + 3).to_string());
            set(&mut fields, "complexity", "low");
            writer.write_record(&fields).unwrap();
        }
        writer.flush().unwrap();
        carried = assigned;
        register = next;
    }
    assert!(
        total_new >= 8,
        "the loop should place families: {total_new}"
    );
}

#[test]
fn issue_8_register_out_is_written_whole_with_a_bad_week() {
    let dir = scratch("register-bad");
    let out = dir.join("next.csv");
    let output = allocate_on(
        "provider-week",
        "2015-11-03",
        &["--register-out", out.to_str().unwrap()],
    );
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(!out.exists(), "nothing is written when the run fails");
}

#[test]
fn issue_8_a_template_validates_and_its_example_rows_are_valid() {
    let dir = scratch("template");
    let output = caseload(&["template", dir.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let validate = |supporters: &Path, referrals: &Path| {
        caseload(&[
            "validate",
            "-s",
            supporters.to_str().unwrap(),
            "-r",
            referrals.to_str().unwrap(),
            "-w",
            "2015-11-02",
        ])
    };
    let supporters = dir.join("supporters.csv");
    let referrals = dir.join("referrals.csv");
    let empty = validate(&supporters, &referrals);
    assert!(empty.status.success(), "{}", stderr(&empty));
    assert!(crate::util::stdout(&empty).contains("0 supporters"));
    // Read without a problem, but a plan needs a supporter: validate says so first.
    assert!(crate::util::stdout(&empty)
        .contains("no supporters: the file has a header but no rows, so there is nobody to plan for (allocate refuses it)"));
    assert!(std::fs::read_to_string(dir.join("README.md"))
        .unwrap()
        .contains("| `hours_per_week` | yes |"));

    // Uncommented, the example rows are a valid week (the referral excludes S03, who
    // is not in the file: a warning, not an error).
    for file in [&supporters, &referrals] {
        let text = std::fs::read_to_string(file).unwrap().replace("# ", "");
        std::fs::write(file, text).unwrap();
    }
    let filled = validate(&supporters, &referrals);
    assert!(filled.status.success(), "{}", stderr(&filled));
    let summary = crate::util::stdout(&filled);
    assert!(
        summary.contains("1 supporter (1 paid, 0 volunteers) in 1 area"),
        "{summary}"
    );
    assert!(
        summary.contains("1 active = 0 open cases + 1 waiting"),
        "{summary}"
    );
    assert!(
        summary.contains("`S03` is not in the supporters file"),
        "{summary}"
    );

    // A second template does not overwrite the provider's files.
    let again = caseload(&["template", dir.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(2));
    assert!(std::fs::read_to_string(&supporters)
        .unwrap()
        .contains("S01,E06000043"));
}

#[test]
fn issue_8_validate_lists_every_problem_and_exits_2() {
    let output = caseload(&[
        "validate",
        "-s",
        "fixtures/bad/many-problems/supporters.csv",
        "-r",
        "fixtures/bad/many-problems/referrals.csv",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let message = stderr(&output);
    assert!(
        message.matches("fixtures/bad/many-problems/").count() >= 4,
        "{message}"
    );
}

#[test]
fn issue_8_a_run_that_cannot_write_one_file_writes_none() {
    let dir = scratch("all-or-none");
    let register = dir.join("next.csv");
    let report = dir.join("monday.html");
    // A folder where the plan should go: found only when the files are put in place,
    // after the others are written.
    let out = dir.join("plan.json");
    std::fs::create_dir(&out).unwrap();
    // The tables' folders are made for the run, and removed with everything else.
    let tables = dir.join("new").join("week");
    let output = allocate(
        "provider-week",
        &[
            "--register-out",
            register.to_str().unwrap(),
            "--report",
            report.to_str().unwrap(),
            "--tables",
            tables.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert_ne!(output.status.code(), Some(0));
    assert!(
        stderr(&output).contains("cannot write"),
        "{}",
        stderr(&output)
    );
    let left: Vec<_> = std::fs::read_dir(&*dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, ["plan.json"], "files were left behind");
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 0);
}

#[test]
fn a_run_that_fails_adds_nothing_to_a_tables_folder_that_was_there() {
    let dir = scratch("tables-kept");
    let kept = dir.join("kept");
    std::fs::create_dir(&kept).unwrap();
    let out = dir.join("plan.json");
    std::fs::create_dir(&out).unwrap();
    let output = allocate(
        "provider-week",
        &[
            "--tables",
            kept.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert_ne!(output.status.code(), Some(0));
    assert_eq!(std::fs::read_dir(&kept).unwrap().count(), 0);
}

#[test]
fn issue_8_every_table_of_the_plan_is_a_csv_file() {
    let dir = scratch("tables");
    let tables = dir.join("week");
    let plan = json(&allocate(
        "provider-week",
        &["--format", "json", "--tables", tables.to_str().unwrap()],
    ));
    let (header, rows) = read_rows(&tables.join("waiting.csv"));
    let waiting = plan["waiting"].as_array().unwrap();
    assert_eq!(rows.len(), waiting.len());
    let (rank, id, reason, code) = (
        column(&header, "rank"),
        column(&header, "referral_id"),
        column(&header, "reason"),
        column(&header, "reason_code"),
    );
    for row in &rows {
        let entry = waiting
            .iter()
            .find(|w| w["referral_id"] == row[id])
            .expect("every row is a waiting family");
        assert_eq!(row[rank], entry["rank"].to_string());
        assert_eq!(&row[code], entry["reason"].as_str().unwrap());
        assert!(
            !row[reason].contains('_'),
            "the reason is in words: {}",
            &row[reason]
        );
    }
    assert!(rows
        .iter()
        .any(|r| &r[column(&header, "on_the_clock")] == "clock starts in 1 week"));

    let (header, rows) = read_rows(&tables.join("supporters.csv"));
    assert_eq!(rows.len(), plan["supporters"].as_array().unwrap().len());
    let over = column(&header, "over_capacity");
    let share = column(&header, "cases_share");
    let s07 = rows
        .iter()
        .find(|r| &r[column(&header, "supporter_id")] == "BH-S07")
        .unwrap();
    assert_eq!(&s07[over], "true");
    assert_eq!(&s07[share], "1.125");

    let (_, rows) = read_rows(&tables.join("assignments.csv"));
    assert_eq!(rows.len(), plan["assignments"].as_array().unwrap().len());
}

#[test]
fn issue_8_an_output_never_replaces_an_input() {
    let dir = scratch("no-overwrite");
    for name in ["supporters.csv", "referrals.csv"] {
        std::fs::copy(
            root().join("fixtures/provider-week").join(name),
            dir.join(name),
        )
        .unwrap();
    }
    let (s, r) = (dir.join("supporters.csv"), dir.join("referrals.csv"));
    let before = std::fs::read(&s).unwrap();
    let cases: [&[&str]; 3] = [
        &["--tables", dir.to_str().unwrap()],
        &["--register-out", r.to_str().unwrap()],
        &["--out", s.to_str().unwrap()],
    ];
    for extra in cases {
        let output = crate::util::allocate_files(&s, &r, "2015-11-02", extra);
        assert_eq!(output.status.code(), Some(2), "{extra:?}");
        assert!(
            stderr(&output).contains("it would be replaced and lost"),
            "{}",
            stderr(&output)
        );
    }
    assert_eq!(std::fs::read(&s).unwrap(), before);
    assert!(!dir.join("waiting.csv").exists());
}
