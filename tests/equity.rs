//! Equity across districts (`district_equity = "max_min"`) end to end: the plan, its
//! tables, `--explain`, and a bad setting.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use crate::util::{allocate, allocate_files, json, scratch, stderr, stdout};

/// The provider week's referrals: district by referral id.
fn districts() -> HashMap<String, String> {
    let mut reader =
        csv::Reader::from_path(crate::util::root().join("fixtures/provider-week/referrals.csv"))
            .unwrap();
    let header = reader.headers().unwrap().clone();
    let (id, district) = (
        header.iter().position(|h| h == "referral_id").unwrap(),
        header.iter().position(|h| h == "district").unwrap(),
    );
    reader
        .records()
        .map(|r| r.unwrap())
        .map(|r| (r[id].to_string(), r[district].to_string()))
        .collect()
}

/// A one-area week in `dir` for `district_equity = "max_min"`: the supporters' rows
/// (after the header), and families (id, district, priority) of 2 medium hours each;
/// the paths of the supporters, the referrals and the policy.
fn equity_week(
    dir: &Path,
    supporters: &str,
    families: &[(&str, &str, u8)],
) -> (PathBuf, PathBuf, PathBuf) {
    let (supporters_csv, referrals_csv, policy) = (
        dir.join("supporters.csv"),
        dir.join("referrals.csv"),
        dir.join("policy.toml"),
    );
    std::fs::write(
        &supporters_csv,
        format!("supporter_id,area,status,hours_per_week,max_cases,skills,languages,local,districts,unavailable_from,unavailable_to\n{supporters}"),
    )
    .unwrap();
    let mut rows = String::from("referral_id,area,district,received,source,consent,kind,clock_start,priority,complexity,hours_per_week,needs,language,exclude,supporter_id,closed\n");
    for (id, district, priority) in families {
        rows.push_str(&format!(
            "{id},E06000043,{district},2015-10-01,la,true,new,,{priority},medium,2,,,,,\n"
        ));
    }
    std::fs::write(&referrals_csv, rows).unwrap();
    std::fs::write(&policy, "district_equity = \"max_min\"\n").unwrap();
    (supporters_csv, referrals_csv, policy)
}

#[test]
fn issue_10_equity_serves_the_district_served_least_first() {
    let dir = scratch("equity");
    let policy = dir.as_ref().join("policy.toml");
    std::fs::write(&policy, "district_equity = \"max_min\"\n").unwrap();
    let tables = dir.as_ref().join("tables");
    let policy = policy.to_str().unwrap();
    let output = allocate(
        "provider-week",
        &[
            "--format",
            "json",
            "--policy",
            policy,
            "--tables",
            tables.to_str().unwrap(),
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let fair = json(&output);
    let best = json(&allocate("provider-week", &["--format", "json"]));
    let equity = &fair["equity"];
    assert_eq!(equity["method"], "max_min");
    assert_eq!(best["equity"]["method"], "none");

    // Each district's served count is the plan's new assignments there.
    let district = districts();
    let mut served: BTreeMap<&str, u64> = BTreeMap::new();
    for a in fair["assignments"].as_array().unwrap() {
        if a["open_case"] == false {
            *served
                .entry(district[a["referral_id"].as_str().unwrap()].as_str())
                .or_default() += 1;
        }
    }
    let rows = equity["districts"].as_array().unwrap();
    assert!(rows.len() >= 2);
    let mut lowest = f64::INFINITY;
    for row in rows {
        let name = row["district"].as_str().unwrap();
        assert_eq!(
            row["served"],
            served.get(name).copied().unwrap_or(0),
            "{name}"
        );
        let share = row["share"].as_f64().unwrap();
        let families = row["families"].as_f64().unwrap();
        assert!((share - row["served"].as_f64().unwrap() / families).abs() < 1e-6);
        lowest = lowest.min(share);
    }
    // Equity raises the lowest share on this week, at a price in score.
    let with = equity["lowest_share"].as_f64().unwrap();
    let without = equity["lowest_share_without_equity"].as_f64().unwrap();
    assert!((with - lowest).abs() < 1e-9);
    assert!(with > without, "{with} vs {without}");
    let best_lowest = best["equity"]["lowest_share"].as_f64().unwrap();
    assert!(with > best_lowest);
    let given_up = equity["score_given_up"].as_f64().unwrap();
    let objectives = (
        best["solver"]["objective"].as_f64().unwrap(),
        fair["solver"]["objective"].as_f64().unwrap(),
    );
    assert!(given_up > 0.0);
    assert!((given_up - (objectives.0 - objectives.1)).abs() < 1e-6);

    // Every family equity moved says where it would have been.
    let moved: Vec<&serde_json::Value> = fair["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .chain(fair["waiting"].as_array().unwrap())
        .filter(|e| e.get("without_equity").is_some())
        .collect();
    assert_eq!(
        moved.len() as u64,
        equity["families_moved"].as_u64().unwrap()
    );
    assert!(!moved.is_empty());

    assert_eq!(equity["areas_with_districts"], 1);
    assert_eq!(equity["areas_raised"], 1);
    assert_eq!(equity["unproven_areas"].as_array().unwrap().len(), 0);
    // The waiting list and assignments tables say where equity would have put them.
    for name in ["assignments.csv", "waiting.csv"] {
        let mut reader = csv::Reader::from_path(tables.join(name)).unwrap();
        let header = reader.headers().unwrap().clone();
        let (id, other) = (
            header.iter().position(|h| h == "referral_id").unwrap(),
            header.iter().position(|h| h == "without_equity").unwrap(),
        );
        for record in reader.records().map(|r| r.unwrap()) {
            let entry = moved.iter().find(|e| e["referral_id"] == record[id]);
            let want = entry.map_or("", |e| e["without_equity"].as_str().unwrap());
            assert_eq!(&record[other], want, "{name} {}", &record[id]);
        }
    }

    // The districts table is the JSON's.
    let mut reader = csv::Reader::from_path(tables.join("districts.csv")).unwrap();
    let header = reader.headers().unwrap().clone();
    assert_eq!(
        header.iter().collect::<Vec<_>>(),
        [
            "area",
            "district",
            "families",
            "served",
            "share",
            "served_without_equity",
            "share_without_equity"
        ]
    );
    let records: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(records.len(), rows.len());
    for (record, row) in records.iter().zip(rows) {
        assert_eq!(&record[1], row["district"].as_str().unwrap());
        assert_eq!(
            record[3].parse::<u64>().unwrap(),
            row["served"].as_u64().unwrap()
        );
    }

    // `--explain` tells a moved family's story.
    let id = moved[0]["referral_id"].as_str().unwrap();
    let explained = allocate(
        "provider-week",
        &["--format", "table", "--policy", policy, "--explain", id],
    );
    assert!(explained.status.success(), "{}", stderr(&explained));
    let text = stdout(&explained);
    assert!(
        text.contains("Equity across districts moved this family"),
        "{text}"
    );
    let other = moved[0]["without_equity"].as_str().unwrap();
    assert!(text.contains(other), "{text}");
}

#[test]
fn issue_10_a_bad_equity_setting_is_located() {
    let dir = scratch("equity-bad");
    let policy = dir.as_ref().join("policy.toml");
    std::fs::write(&policy, "balance = \"hours\"\ndistrict_equity = \"fair\"\n").unwrap();
    let output = allocate("provider-week", &["--policy", policy.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(message.contains("policy.toml:2:19"), "{message}");
    assert!(message.contains("max_min"), "{message}");
    assert!(stdout(&output).is_empty());
}

#[test]
fn issue_10_equity_keeps_within_the_time_limit() {
    // On this week the best score is proven in about a second and the equity stages
    // take many more: both stages together must stop at the limit (the second stage
    // was once given the whole budget again, and the run took a third longer).
    let dir = scratch("equity-time");
    let policy = dir.as_ref().join("policy.toml");
    std::fs::write(
        &policy,
        "district_equity = \"max_min\"\nbalance = \"none\"\n",
    )
    .unwrap();
    let output = allocate(
        "hard-week",
        &[
            "--format",
            "json",
            "--policy",
            policy.to_str().unwrap(),
            "--time-limit",
            "3",
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let plan = json(&output);
    let seconds = plan["solver"]["seconds"].as_f64().unwrap();
    assert!(seconds < 3.5, "{seconds} s with a 3 s time limit");
    // Stopped short of a proof, the area says so.
    assert_eq!(plan["solver"]["status"], "feasible");
    assert_eq!(
        plan["equity"]["unproven_areas"].as_array().unwrap().len(),
        1
    );
}

#[test]
fn issue_10_a_family_equity_sent_back_to_wait_is_not_told_the_best_plan_left_it_out() {
    // BH-R0088 is with BH-S12 in the best-score plan and waits with equity: the plan
    // without it scores less than one with it, so the story must name the districts'
    // floors, not claim that no plan with the family scores more.
    let dir = scratch("equity-explain-waiting");
    let policy = dir.as_ref().join("policy.toml");
    std::fs::write(&policy, "district_equity = \"max_min\"\n").unwrap();
    let policy = policy.to_str().unwrap();
    let output = allocate(
        "provider-week",
        &[
            "--format",
            "table",
            "--policy",
            policy,
            "--explain",
            "BH-R0088",
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(
        text.contains("Equity across districts moved this family"),
        "{text}"
    );
    assert!(
        !text.contains("at least as high as any plan that includes this one."),
        "{text}"
    );
    assert!(
        text.contains("any plan that includes this one and serves every district of the area"),
        "{text}"
    );
}

#[test]
fn issue_10_a_family_balance_put_back_is_not_marked_as_moved_by_equity() {
    // With these decisions, equity moves BH-R0082 and BH-R0089 and balance puts them
    // back where the best-score plan had them: no family may be marked as moved by
    // equity to where it already is, and the count is of the families marked.
    let dir = scratch("equity-balance-back");
    let policy = dir.as_ref().join("policy.toml");
    std::fs::write(&policy, "district_equity = \"max_min\"\n").unwrap();
    let output = allocate(
        "provider-week",
        &[
            "--format",
            "json",
            "--policy",
            policy.to_str().unwrap(),
            "--pin",
            "BH-R0088=BH-S12",
            "--forbid",
            "BH-R0064=BH-S04",
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let plan = json(&output);
    let mut marked = 0;
    for a in plan["assignments"].as_array().unwrap() {
        if let Some(other) = a.get("without_equity") {
            marked += 1;
            assert_ne!(other, &a["supporter_id"], "{a}");
        }
    }
    for w in plan["waiting"].as_array().unwrap() {
        if let Some(other) = w.get("without_equity") {
            marked += 1;
            assert_ne!(other, "waiting", "{w}");
        }
    }
    assert_eq!(plan["equity"]["families_moved"], marked);
}

#[test]
fn issue_10_a_family_without_a_district_moved_by_equity_is_told_so() {
    // R5 has no district: equity sends it back to wait so that D2 and D3 are served.
    let dir = scratch("equity-no-district");
    let (supporters, referrals, policy) = equity_week(
        dir.as_ref(),
        "S1,E06000043,paid,4,2,,,true,,,\nS2,E06000043,paid,2,1,,,true,,,\n",
        &[
            ("R1", "BN1", 5),
            ("R2", "BN1", 5),
            ("R3", "BN2", 1),
            ("R4", "BN3", 1),
            ("R5", "", 5),
        ],
    );
    let output = allocate_files(
        &supporters,
        &referrals,
        "2015-11-02",
        &[
            "--format",
            "table",
            "--policy",
            policy.to_str().unwrap(),
            "--explain",
            "R5",
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(
        text.contains("Equity across districts moved this family"),
        "{text}"
    );
    assert!(!text.contains("its district is not counted"), "{text}");
    assert!(
        text.contains("it has no district recorded, so it is counted in no district"),
        "{text}"
    );
}

#[test]
fn issue_10_recommend_under_equity_names_it() {
    let dir = scratch("equity-recommend");
    let policy = dir.as_ref().join("policy.toml");
    std::fs::write(&policy, "district_equity = \"max_min\"\n").unwrap();
    let output = crate::util::recommend(
        "BH-R0088",
        &["--policy", policy.to_str().unwrap(), "--format", "table"],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(
        text.contains(
            "The week's best total score (given equity across districts): 79.8 as planned"
        ),
        "{text}"
    );
}

#[test]
fn issue_10_room_a_pin_takes_is_not_counted_for_another_district() {
    // S1 is the only supporter R3 (BN2) may take; the coordinator pins R1 (BN1) to S1,
    // which fills S1. BN2 then has no family a supporter with room could take, so it
    // is not counted, and the pin does not hold every other district's share at 0:
    // BN3's two families still share S2 with BN1's second family.
    let dir = scratch("equity-pin-room");
    let (supporters, referrals, policy) = equity_week(
        dir.as_ref(),
        "S1,E06000043,paid,2,1,,,true,BN1;BN2,,\nS2,E06000043,paid,4,2,,,true,BN1;BN3,,\n",
        &[
            ("R1", "BN1", 1),
            ("R2", "BN1", 5),
            ("R3", "BN2", 5),
            ("R4", "BN3", 1),
            ("R5", "BN3", 1),
        ],
    );
    let output = allocate_files(
        &supporters,
        &referrals,
        "2015-11-02",
        &[
            "--format",
            "json",
            "--policy",
            policy.to_str().unwrap(),
            "--pin",
            "R1=S1",
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let plan = json(&output);
    let rows = plan["equity"]["districts"].as_array().unwrap();
    let counted: BTreeMap<&str, (u64, u64)> = rows
        .iter()
        .map(|d| {
            (
                d["district"].as_str().unwrap(),
                (
                    d["families"].as_u64().unwrap(),
                    d["served"].as_u64().unwrap(),
                ),
            )
        })
        .collect();
    assert!(!counted.contains_key("BN2"), "{counted:?}");
    // BN1: the pinned R1 and R2 (S2 could take it); BN3: R4 and R5.
    assert_eq!(counted["BN1"].0, 2, "{counted:?}");
    assert_eq!(counted["BN3"].0, 2, "{counted:?}");
    // S2 takes two of R2, R4, R5: the best lowest share is BN1 2/2 and BN3 1/2 (both
    // BN3 families would leave BN1 at 1/2 as well, at a lower score), so R2 is placed.
    let served: BTreeMap<&str, &str> = plan["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["referral_id"].as_str().unwrap(),
                a["supporter_id"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(served.get("R1"), Some(&"S1"), "{served:?}");
    assert_eq!(served.get("R2"), Some(&"S2"), "{served:?}");
    assert_eq!(counted["BN3"].1, 1, "{counted:?}");
    assert_eq!(plan["equity"]["lowest_share"], 0.5);
}
