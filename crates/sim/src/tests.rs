//! Properties the simulator must have, on small scenarios.

use std::path::Path;

use caseload_model::Source;

use super::*;
use crate::engine::LedgerWeek;
use crate::stream::Stream;

fn scenario(extra: &str) -> Scenario {
    let text = format!(
        "name = \"test\"\nreplications = 6\nwarm_up_weeks = 8\nhorizon_weeks = 30\n{extra}"
    );
    Scenario::from_toml(Path::new("test.toml"), &text).expect("valid test scenario")
}

fn all_policies() -> Vec<&'static dyn ReferralPolicy> {
    BUILTIN.iter().map(|name| builtin(name).unwrap()).collect()
}

fn policy<'a>(results: &'a Results, name: &str) -> &'a PolicyResult {
    results.policies.iter().find(|p| p.policy == name).unwrap()
}

/// Demand well above capacity, so that policies differ.
const BUSY: &str = "[arrivals]\nnew_per_week = 3.0\ntransfer_per_week = 4.0\n";

#[test]
fn the_ledger_of_arrivals_and_exits_agrees_with_the_outcomes() {
    // The ledger is written week by week as families arrive, are first supported and
    // leave; the outcomes are counted afterwards from each family's record. Arrivals
    // are also counted straight from the draws.
    let scenario = scenario(&format!("{BUSY}[families]\nwithdrawal_per_week = 0.05\n[supporters]\nvolunteer_attrition_per_week = 0.05\nreplace_volunteers = true\n"));
    for replication in 0..scenario.replications {
        let stream = Stream::draw(&scenario, None, replication).unwrap();
        let drawn = stream
            .families
            .iter()
            .filter(|f| (scenario.warm_up_weeks..scenario.total_weeks()).contains(&f.arrival_week))
            .count() as f64;
        for policy in all_policies() {
            let run = engine::run(&scenario, &stream, policy, replication).unwrap();
            let m = metrics::of_run(&stream, &run, &scenario).metrics;
            let total = |field: fn(&LedgerWeek) -> u32| -> f64 {
                run.ledger.iter().map(|w| f64::from(field(w))).sum()
            };
            let context = format!("{} replication {replication}", policy.name());
            assert_eq!(total(|w| w.arrived), drawn, "{context}");
            assert_eq!(m.referred, drawn, "{context}");
            assert_eq!(total(|w| w.first_supported), m.supported, "{context}");
            assert_eq!(total(|w| w.left_supported), m.supported, "{context}");
            assert_eq!(total(|w| w.missed), m.missed, "{context}");
            assert_eq!(total(|w| w.withdrew), m.withdrawn, "{context}");
            assert_eq!(m.still_waiting, 0.0, "{context}");
            assert_eq!(
                m.referred,
                m.supported + m.missed + m.withdrawn + m.still_waiting,
                "{context}"
            );
            // Week by week, the families waiting never fall below 0, and none is left
            // when the run ends.
            let mut waiting: i64 = 0;
            for (week, w) in run.ledger.iter().enumerate() {
                waiting +=
                    i64::from(w.arrived) - i64::from(w.first_supported + w.missed + w.withdrew);
                assert!(waiting >= 0, "{context}: week {week}");
            }
            assert_eq!(waiting, 0, "{context}");
            // The run went past the horizon exactly as many weeks as it reports.
            assert_eq!(
                run.ledger.len() as u32,
                scenario.total_weeks() + run.run_out_weeks,
                "{context}"
            );
            assert!(
                m.missed > 0.0,
                "demand above capacity leaves families missed"
            );
        }
    }
}

#[test]
fn the_run_out_leaves_no_family_waiting() {
    let results = simulate(&scenario(BUSY), None, &all_policies(), None, &|| {}).unwrap();
    for p in &results.policies {
        assert_eq!(p.metrics.still_waiting.mean, Some(0.0), "{}", p.policy);
        // Families referred in the last week of the horizon have up to 20 weeks on
        // their clock, and more when their plan is late.
        let mean = p.metrics.run_out_weeks.mean.unwrap();
        assert!(mean >= 10.0, "{}: {mean}", p.policy);
        assert!(f64::from(p.run_out_weeks_max) >= mean);
    }
}

#[test]
fn value_measures_count_weeks_of_support_before_the_final_plan() {
    // With room for everyone at once, a family is supported from its first week until
    // its plan is final: its weeks of support are its weeks with the service.
    let ample = scenario(
        "[supporters]\npaid = 40\nvolunteer = 0\npaid_hours_per_week = 60\npaid_max_cases = 100\n\
         skills = { autism = 1.0, transfer = 1.0, tribunal = 1.0, bsl = 1.0, young_person = 1.0 }\n\
         languages = { pl = 1.0, ur = 1.0 }\n[families]\nwithdrawal_per_week = 0.0\n\
         sources = { self = 1.0, la = 0.0, professional = 0.0 }\n",
    );
    let stream = Stream::draw(&ample, None, 0).unwrap();
    let run = engine::run(&ample, &stream, &Fifo, 0).unwrap();
    let horizon = ample.warm_up_weeks..ample.total_weeks();
    let (mut families, mut weeks) = (0.0, 0.0);
    for (draw, record) in stream.families.iter().zip(&run.families) {
        if horizon.contains(&draw.arrival_week) {
            families += 1.0;
            weeks += (draw.final_week - i64::from(draw.arrival_week)).max(0) as f64;
            assert_eq!(
                i64::from(record.support_weeks),
                (draw.final_week - i64::from(draw.arrival_week)).max(0),
                "{}",
                draw.referral.id
            );
        }
    }
    let m = metrics::of_run(&stream, &run, &ample).metrics;
    assert_eq!(m.support_weeks, weeks / families);
}

#[test]
fn same_seed_same_results_whatever_the_threads() {
    let scenario = scenario(BUSY);
    let one = simulate(&scenario, None, &all_policies(), Some(1), &|| {}).unwrap();
    let two = simulate(&scenario, None, &all_policies(), Some(2), &|| {}).unwrap();
    // Compared bit for bit (Debug prints every float exactly, and NaN as NaN, where
    // `==` would call two undefined metrics different).
    assert!(
        format!("{one:?}") == format!("{two:?}"),
        "1 and 2 threads differ"
    );
    let mut reseeded = scenario.clone();
    reseeded.seed += 1;
    let other = simulate(&reseeded, None, &all_policies(), Some(2), &|| {}).unwrap();
    assert!(
        format!("{:?}", one.rows) != format!("{:?}", other.rows),
        "another seed, other draws"
    );
}

#[test]
fn adding_a_policy_leaves_the_others_unchanged() {
    let scenario = scenario(BUSY);
    let two = [builtin("fifo").unwrap(), builtin("optimal").unwrap()];
    let few = simulate(&scenario, None, &two, None, &|| {}).unwrap();
    let many = simulate(&scenario, None, &all_policies(), None, &|| {}).unwrap();
    for name in ["fifo", "optimal"] {
        assert_eq!(
            format!("{:?}", policy(&few, name)),
            format!("{:?}", policy(&many, name)),
            "{name}"
        );
        let rows = |r: &Results| {
            let rows: Vec<&RunRow> = r.rows.iter().filter(|row| row.policy == name).collect();
            format!("{rows:?}")
        };
        assert_eq!(rows(&few), rows(&many), "{name}");
    }
}

#[test]
fn every_policy_sees_the_same_families() {
    let results = simulate(&scenario(BUSY), None, &all_policies(), None, &|| {}).unwrap();
    for replication in results.rows.chunks(BUILTIN.len()) {
        let referred: Vec<f64> = replication
            .iter()
            .map(|r| r.measures.metrics.referred)
            .collect();
        assert!(referred.windows(2).all(|w| w[0] == w[1]), "{referred:?}");
    }
}

#[test]
fn referrals_come_from_all_three_sources_in_the_scenario_shares() {
    let shares = |scenario: &Scenario| {
        let mut counts = [0.0; 3];
        for replication in 0..scenario.replications {
            for f in Stream::draw(scenario, None, replication).unwrap().families {
                counts[match f.referral.source {
                    Source::SelfReferral => 0,
                    Source::La => 1,
                    Source::Professional => 2,
                }] += 1.0;
            }
        }
        let total: f64 = counts.iter().sum();
        counts.map(|c| c / total)
    };
    let default = shares(&scenario(BUSY));
    for (share, expected) in default.iter().zip([0.4, 0.4, 0.2]) {
        assert!((share - expected).abs() < 0.03, "{default:?}");
    }
    let professional = scenario(&format!(
        "{BUSY}[families]\nsources = {{ self = 0.0, la = 0.0, professional = 1.0 }}\n"
    ));
    assert_eq!(shares(&professional), [0.0, 0.0, 1.0]);
}

#[test]
fn with_ample_capacity_every_policy_supports_every_consenting_family() {
    // Forty paid supporters with every skill and language and room for a hundred
    // cases each: every family with consent is eligible and finds room at once.
    let scenario = scenario(
        "[supporters]\npaid = 40\nvolunteer = 0\npaid_hours_per_week = 60\npaid_max_cases = 100\n\
         skills = { autism = 1.0, transfer = 1.0, tribunal = 1.0, bsl = 1.0, young_person = 1.0 }\n\
         languages = { pl = 1.0, ur = 1.0 }\n[families]\nwithdrawal_per_week = 0.0\n",
    );
    let results = simulate(&scenario, None, &all_policies(), None, &|| {}).unwrap();
    for row in &results.rows {
        let stream = Stream::draw(&scenario, None, row.replication).unwrap();
        let consenting = stream
            .families
            .iter()
            .filter(|f| {
                (scenario.warm_up_weeks..scenario.total_weeks()).contains(&f.arrival_week)
                    && f.referral.has_consent()
            })
            .count();
        let m = &row.measures.metrics;
        assert_eq!(m.supported, consenting as f64, "{}", row.policy);
        assert_eq!(m.wait_p95, 0.0, "{}", row.policy);
    }
}

#[test]
fn with_one_priority_the_priority_policy_is_fifo() {
    let one_priority = scenario(&format!(
        "{BUSY}[families]\npriority = [0.0, 0.0, 1.0, 0.0, 0.0]\n"
    ));
    let policies = [builtin("fifo").unwrap(), builtin("priority").unwrap()];
    let results = simulate(&one_priority, None, &policies, None, &|| {}).unwrap();
    assert!(
        format!("{:?}", results.policies[0].metrics)
            == format!("{:?}", results.policies[1].metrics),
        "priority differs from fifo"
    );
    // And the result is not trivially equal: priority does differ when priorities do.
    let mixed = simulate(&scenario(BUSY), None, &policies, None, &|| {}).unwrap();
    assert!(
        format!("{:?}", mixed.policies[0].metrics) != format!("{:?}", mixed.policies[1].metrics),
        "priority should differ"
    );
}

#[test]
fn where_hours_cannot_bind_optimal_covers_priority_5_at_least_as_well_as_priority() {
    // Every supporter has hours for five high-complexity cases (5 x 3 h = 15 h), so
    // case slots, never hours, limit them: then each week's optimum places as many
    // priority-5 families as any plan can, and over months `optimal` covers them at
    // least as well as `priority`. (Where hours bind, two low-complexity priority-4
    // families can outscore one high-complexity priority-5 family for the same hours.)
    let slots_bind = scenario(&format!(
        "{BUSY}[supporters]\npaid = 8\nvolunteer = 0\npaid_hours_per_week = 15\npaid_max_cases = 5\n"
    ));
    let policies = [builtin("priority").unwrap(), builtin("optimal").unwrap()];
    let results = simulate(&slots_bind, None, &policies, None, &|| {}).unwrap();
    let coverage = |name: &str| policy(&results, name).by_priority[4].coverage.mean.unwrap();
    assert!(
        coverage("optimal") >= coverage("priority"),
        "{} < {}",
        coverage("optimal"),
        coverage("priority")
    );
    assert!(coverage("priority") < 1.0, "demand must exceed capacity");
}

#[test]
fn every_weekly_problem_is_proven_and_the_routes_add_up() {
    let results = simulate(&scenario(BUSY), None, &all_policies(), None, &|| {}).unwrap();
    let weeks = policy(&results, "optimal").optimal_weeks.unwrap();
    let simulated: u64 = results
        .policies
        .iter()
        .find(|p| p.policy == "optimal")
        .map(|p| {
            let m = &p.metrics.run_out_weeks;
            (m.mean.unwrap() * m.n as f64).round() as u64
        })
        .unwrap()
        + u64::from(scenario(BUSY).replications) * u64::from(scenario(BUSY).total_weeks());
    assert_eq!(
        weeks.solved, simulated,
        "one problem a week, run-out included"
    );
    assert_eq!(weeks.not_proven, 0);
    assert_eq!(weeks.proven(), weeks.solved);
    assert!(weeks.highs > 0, "some weeks reach HiGHS: {weeks:?}");
    assert!(
        weeks.greedy_bound > 0,
        "some weeks are proven by the bound: {weeks:?}"
    );
    // The orderings solve nothing.
    assert!(policy(&results, "fifo").optimal_weeks.is_none());
}

#[test]
fn a_node_limit_gives_the_same_results_on_every_run() {
    // One node: HiGHS stops at the root wherever the week is hard. What it returns then
    // depends on work done, not on time, so two runs agree bit for bit.
    let limited = scenario(&format!("optimal_week_node_limit = 1\n{BUSY}"));
    let policies = [builtin("optimal").unwrap()];
    let one = simulate(&limited, None, &policies, Some(1), &|| {}).unwrap();
    let two = simulate(&limited, None, &policies, Some(2), &|| {}).unwrap();
    assert_eq!(format!("{one:?}"), format!("{two:?}"));
    let weeks = one.policies[0].optimal_weeks.unwrap();
    assert_eq!(weeks.proven() + weeks.not_proven, weeks.solved);
}

#[test]
fn supporters_from_a_file_must_work_in_the_scenario_area() {
    let mut staff = Stream::draw(&scenario(""), None, 0).unwrap().tenures[0]
        .supporter
        .clone();
    staff.area = "E99999999".into();
    let err = simulate(&scenario(""), Some(&[staff]), &all_policies(), None, &|| {}).unwrap_err();
    assert!(
        matches!(&err, SimError::Scenario(ScenarioError::SupporterArea { area, .. }) if area == "E99999999"),
        "{err}"
    );
}

#[test]
fn a_replacement_takes_the_place_of_the_one_who_left() {
    let churn = "[supporters]\nvolunteer_attrition_per_week = 0.2\nreplace_volunteers = true\n";
    // Generated: ids of one width, a replacement sorting just after the one it replaces.
    let wide = scenario(&format!("{churn}paid = 100\nvolunteer = 3\n"));
    let stream = Stream::draw(&wide, None, 0).unwrap();
    let ids: Vec<&str> = stream
        .tenures
        .iter()
        .map(|t| t.supporter.id.as_str())
        .collect();
    assert!(
        ids.contains(&"P001") && ids.contains(&"P100") && ids.contains(&"V001"),
        "{ids:?}"
    );
    let replaced = ids
        .iter()
        .find(|id| id.starts_with("V001-"))
        .expect("V001 left in 38 weeks at 20% a week");
    assert_eq!(*replaced, "V001-2");
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    let at = |id: &str| sorted.iter().position(|i| *i == id).unwrap();
    // Between the one it replaces and the next slot (holders of a slot never overlap).
    assert!(
        at("V001") < at("V001-2") && at("V001-2") < at("V002"),
        "{sorted:?}"
    );
    // From a file: a like-for-like volunteer, without the leave of the one who left.
    let mut file = Stream::draw(&scenario(""), None, 0).unwrap().tenures[0]
        .supporter
        .clone();
    file.id = "BH-S03".into();
    file.status = caseload_model::SupporterStatus::Volunteer;
    file.hours_per_week = 20.0;
    file.max_cases = 20;
    file.skills = vec!["bsl".into()];
    file.unavailable_from = chrono::NaiveDate::from_ymd_opt(2015, 9, 1);
    file.unavailable_to = chrono::NaiveDate::from_ymd_opt(2015, 9, 30);
    let stream = Stream::draw(&scenario(churn), Some(&[file.clone()]), 0).unwrap();
    let next = &stream.tenures[1].supporter;
    assert_eq!(next.id, "BH-S03-2");
    // An id the file already uses is not given to a replacement.
    let mut other = file.clone();
    other.id = "BH-S03-2".into();
    let stream = Stream::draw(&scenario(churn), Some(&[file.clone(), other]), 0).unwrap();
    let ids: Vec<&str> = stream
        .tenures
        .iter()
        .map(|t| t.supporter.id.as_str())
        .collect();
    // BH-S03's first replacement skips BH-S03-2, the file's own.
    assert_eq!(ids[1], "BH-S03-3", "{ids:?}");
    assert_eq!(
        ids.iter().filter(|id| **id == "BH-S03-2").count(),
        1,
        "{ids:?}"
    );
    assert_eq!((next.hours_per_week, next.max_cases), (20.0, 20));
    assert_eq!(next.skills, file.skills);
    assert_eq!((next.unavailable_from, next.unavailable_to), (None, None));
}

#[test]
fn tables_and_chart_are_written() {
    let results = simulate(&scenario(BUSY), None, &all_policies(), None, &|| {}).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let files = write_tables(&results, dir.path()).unwrap();
    let csv = std::fs::read_to_string(&files[0]).unwrap();
    assert_eq!(csv.lines().count(), 1 + results.rows.len());
    assert!(csv.starts_with(
        "replication,policy,support_weeks,supported_by_week_6,supported_by_week_16,referred,"
    ));
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    assert!(header.ends_with(&[
        "wait_p95_priority_5",
        "weekly_problems",
        "weekly_problems_not_proven"
    ]));
    // The weekly problems of a policy that optimises add up to what its result counts;
    // a policy that does not optimise has none.
    let column = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (problems, not_proven) = (
        column("weekly_problems"),
        column("weekly_problems_not_proven"),
    );
    for name in ["optimal", "fifo"] {
        let rows: Vec<Vec<&str>> = csv
            .lines()
            .skip(1)
            .map(|l| l.split(',').collect::<Vec<&str>>())
            .filter(|cells| cells[1] == name)
            .collect();
        assert_eq!(rows.len(), results.replications as usize);
        let sum =
            |at: usize| -> Option<u64> { rows.iter().map(|r| r[at].parse::<u64>().ok()).sum() };
        match policy(&results, name).optimal_weeks {
            Some(weeks) => {
                assert_eq!(sum(problems), Some(weeks.solved));
                assert_eq!(sum(not_proven), Some(weeks.not_proven));
                assert!(weeks.solved > 0);
            }
            None => assert!(rows
                .iter()
                .all(|r| r[problems].is_empty() && r[not_proven].is_empty())),
        }
    }
    assert!(std::fs::read(&files[1]).unwrap().starts_with(b"PAR1"));
    let chart = dir.path().join("waits.svg");
    wait_chart(&results, &chart).unwrap();
    let svg = std::fs::read_to_string(&chart).unwrap();
    assert!(
        svg.contains("<svg") && svg.contains("optimal") && svg.contains("weeks since referral")
    );
}

#[test]
fn paired_differences_are_the_replications_own_differences() {
    // Recomputed from the rows: per replication, the other policy's coverage and
    // weeks of support less fifo's; their mean and a t interval by hand. The paired
    // interval is never wider than the two policies' own together (the standard
    // deviation of a difference is at most the sum of the two).
    let scenario = scenario(BUSY);
    let policies: Vec<&dyn ReferralPolicy> = ["fifo", "priority", "optimal"]
        .iter()
        .map(|n| builtin(n).unwrap())
        .collect();
    let results = simulate(&scenario, None, &policies, Some(1), &|| {}).unwrap();
    assert!(results.policies[0].paired.is_none());
    let rows =
        |name: &str| -> Vec<&RunRow> { results.rows.iter().filter(|r| r.policy == name).collect() };
    let n = f64::from(scenario.replications);
    for other in ["priority", "optimal"] {
        let paired = policy(&results, other).paired.as_ref().unwrap();
        assert_eq!(paired.baseline, "fifo");
        for (field, d) in [
            (
                (|m: &Metrics<f64>| m.coverage) as fn(&Metrics<f64>) -> f64,
                &paired.difference.coverage,
            ),
            (
                |m: &Metrics<f64>| m.support_weeks,
                &paired.difference.support_weeks,
            ),
        ] {
            let differences: Vec<f64> = rows(other)
                .iter()
                .zip(rows("fifo"))
                .map(|(a, b)| {
                    assert_eq!(a.replication, b.replication);
                    field(&a.measures.metrics) - field(&b.measures.metrics)
                })
                .collect();
            let mean = differences.iter().sum::<f64>() / n;
            let sd =
                (differences.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
            // t(0.975, 5 degrees of freedom).
            let half = 2.570_581_835_636_314 * sd / n.sqrt();
            assert!((d.mean.unwrap() - mean).abs() < 1e-12, "{other}");
            let [lo, hi] = d.ci95.unwrap();
            assert!(
                (lo - (mean - half)).abs() < 1e-9,
                "{other}: {lo} {mean} {half}"
            );
            assert!(
                (hi - (mean + half)).abs() < 1e-9,
                "{other}: {hi} {mean} {half}"
            );
        }
        // The policies differ here, so the check above is not of zeros.
        assert_ne!(paired.difference.support_weeks.mean, Some(0.0), "{other}");
        let own = |p: &str| policy(&results, p).metrics.coverage.ci95.unwrap();
        let width = |[lo, hi]: [f64; 2]| hi - lo;
        let paired_width = width(paired.difference.coverage.ci95.unwrap());
        assert!(
            paired_width <= width(own(other)) + width(own("fifo")),
            "{other}"
        );
    }
}

/// The families who arrive, and everything drawn about them but the setting changed,
/// do not depend on the settings of their fate or mix: a sweep over one compares the
/// same families (common random numbers), and the setting moves each family one way
/// (more plans on time: a late plan may become on time, never the reverse).
#[test]
fn a_setting_of_the_families_changes_that_setting_only() {
    let base = "[arrivals]\nnew_per_week = 3.0\ntransfer_per_week = 4.0\n";
    let who = |s: &Scenario, replication: u32| -> Vec<(String, u32, u8, String, Option<String>)> {
        let stream = Stream::draw(s, None, replication).unwrap();
        stream
            .families
            .into_iter()
            .filter(|f| f.arrival_week < s.total_weeks())
            .map(|f| {
                (
                    f.referral.id,
                    f.arrival_week,
                    f.referral.priority,
                    f.referral.district.unwrap_or_default(),
                    f.referral.language,
                )
            })
            .collect()
    };
    let on_time = |s: &Scenario, replication: u32| -> Vec<bool> {
        Stream::draw(s, None, replication)
            .unwrap()
            .families
            .into_iter()
            .filter(|f| f.arrival_week < s.total_weeks())
            .map(|f| f.final_week == f.clock_week + crate::stream::FINAL_PLAN_WEEK)
            .collect()
    };
    let plain = scenario(base);
    let changed = [
        "[ehc]\np_on_time = 0.9\n",
        "[ehc]\nlate_mean_weeks = 20\n",
        "[families]\nwithdrawal_per_week = 0.05\n",
        "[families]\nneeds = { autism = 0.5, transfer = 0.2 }\n",
        "[families]\nconsent = 0.5\n",
        "[families]\nclock_lateness_weeks = 12\n",
    ];
    for replication in 0..3 {
        let families = who(&plain, replication);
        assert!(families.len() > 100);
        for extra in changed {
            let other = scenario(&format!("{base}{extra}"));
            assert_eq!(who(&other, replication), families, "{extra}");
        }
        // The supporters too, volunteers replaced as they leave: how long a run the
        // families' fate needs does not move the draws of the volunteers' chains.
        let churn = "[supporters]\nvolunteer = 6\nvolunteer_attrition_per_week = 0.05\nreplace_volunteers = true\n";
        let staff = |extra: &str| {
            let s = scenario(&format!("{base}{churn}{extra}"));
            let stream = Stream::draw(&s, None, replication).unwrap();
            (stream.weeks, stream.tenures)
        };
        let (weeks_a, a) = staff("");
        for extra in ["[ehc]\np_on_time = 0.95\n", "[ehc]\nlate_mean_weeks = 40\n"] {
            let (weeks_b, b) = staff(extra);
            let common = weeks_a.min(weeks_b);
            let seen = |tenures: &[crate::stream::Tenure]| -> Vec<(String, u32, Option<u32>, Vec<String>)> {
                tenures
                    .iter()
                    .filter(|t| t.from_week < common)
                    .map(|t| {
                        (
                            t.supporter.id.clone(),
                            t.from_week,
                            t.until_week.filter(|w| *w < common),
                            t.supporter.skills.clone(),
                        )
                    })
                    .collect()
            };
            assert!(a.len() > 6, "volunteers leave and are replaced");
            assert_eq!(seen(&a), seen(&b), "{extra}");
        }
        // More plans on time: every plan on time before still is.
        let later = scenario(&format!("{base}[ehc]\np_on_time = 0.9\n"));
        let (before, after) = (on_time(&plain, replication), on_time(&later, replication));
        assert!(before.iter().zip(&after).all(|(b, a)| !b || *a));
        assert!(after.iter().filter(|a| **a).count() > before.iter().filter(|b| **b).count());
    }
}
