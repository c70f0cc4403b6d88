use std::path::Path;

use caseload_model::{Caseload, PlanningWeek, Policy};
use caseload_solve::{allocate, Optimal, Options, Plan};

use super::*;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

fn plan_of(week: &str, supporters: &[u8], referrals: &[u8]) -> (Caseload, Plan) {
    let caseload = Caseload::from_bytes(
        Path::new("supporters.csv"),
        supporters,
        Path::new("referrals.csv"),
        referrals,
    )
    .unwrap();
    let week = PlanningWeek::parse(week).unwrap();
    let plan = allocate(
        &caseload,
        week,
        &Policy::default(),
        &Optimal,
        &Options::default(),
    )
    .unwrap();
    (caseload, plan)
}

fn fixture(folder: &str) -> (Caseload, Plan) {
    let read = |file: &str| std::fs::read(format!("{ROOT}/fixtures/{folder}/{file}")).unwrap();
    plan_of(
        "2015-11-02",
        &read("supporters.csv"),
        &read("referrals.csv"),
    )
}

#[test]
fn every_waiting_family_and_every_new_assignment_is_in_the_report() {
    let (caseload, plan) = fixture("provider-week");
    let html = render(&caseload, &plan, &ReportOptions::default());
    assert!(!plan.waiting.is_empty() && plan.assignments.iter().any(|a| !a.open_case));
    for w in &plan.waiting {
        let row = format!("<th class=\"id\" scope=\"row\">{}", w.referral_id);
        assert!(html.contains(&row), "{} is missing", w.referral_id);
        assert!(html.contains(w.reason.words()));
    }
    for a in plan.assignments.iter().filter(|a| !a.open_case) {
        let cell = format!("<span class=\"assigned\">{}</span>", a.referral_id);
        assert!(html.contains(&cell), "{} is missing", a.referral_id);
    }
    assert!(html.contains(RANK_RULE));
    assert!(html.contains("Brighton and Hove (E06000043)"));
}

#[test]
fn the_report_needs_nothing_from_the_network() {
    let (caseload, plan) = fixture("national-week");
    let html = render(&caseload, &plan, &ReportOptions::default());
    for outside in [
        "http://", "https://", "<link", "<script", "src=", "@import", "url(",
    ] {
        assert!(!html.contains(outside), "the report refers to {outside}");
    }
    // One row per area in the overview, the most families waiting per supporter first, and a section per area.
    let overview = &html[html.find("<section class=\"overview\"").unwrap()..];
    let overview = &overview[..overview.find("</section>").unwrap()];
    assert_eq!(
        overview.matches("<a href=\"#area-").count(),
        plan.areas.len()
    );
    assert_eq!(
        html.matches("<section class=\"area\"").count(),
        plan.areas.len()
    );
}

#[test]
fn ids_are_escaped_and_alerts_name_late_and_long_waiting_families() {
    let supporters =
        b"supporter_id,area,status,hours_per_week,max_cases\nS<b>1,E06000043,paid,3,1\n";
    // R-late has been on the clock 17 weeks, R-past 21 (past the limit); R-long was
    // received 9 weeks ago; R-open is an open case that takes S<b>1's only slot and all
    // its hours, and more.
    let referrals = b"referral_id,area,received,source,consent,kind,clock_start,priority,complexity,hours_per_week,supporter_id
R-late,E06000043,2015-10-26,la,true,new,2015-07-06,3,low,,
R-past,E06000043,2015-10-26,la,true,new,2015-06-08,3,low,,
R-long,E06000043,2015-08-31,la,true,new,,2,low,,
R<i>x,E06000043,2015-10-26,la,,new,,2,low,,
R-open,E06000043,2015-10-01,la,true,new,,2,low,4,S<b>1
";
    let (caseload, plan) = plan_of("2015-11-02", supporters, referrals);
    let html = render(&caseload, &plan, &ReportOptions::default());
    assert!(!html.contains("<b>") && !html.contains("<i>"));
    assert!(html.contains("S&lt;b&gt;1") && html.contains("R&lt;i&gt;x"));
    let alerts = &html[html.find("Alerts").unwrap()..html.find("<section class=\"area\"").unwrap()];
    // Past the limit apart from past week 16, each family once.
    let limit = alerts
        .find("1 family past the 20-week limit")
        .expect(alerts);
    let draft = alerts.find("1 family past week 16").expect(alerts);
    assert!(limit < draft, "{alerts}");
    assert!(alerts[limit..draft].contains("R-past") && !alerts[limit..draft].contains("R-late"));
    assert!(alerts[draft..].contains("R-late") && !alerts[draft..].contains("R-past"));
    assert!(alerts.contains("1 supporter over capacity"), "{alerts}");
    assert!(alerts.contains("waiting 8 weeks or more"), "{alerts}");
    assert!(alerts.contains("R-long"));
    assert!(
        !alerts.contains("R&lt;i&gt;x"),
        "received a week ago: no long-wait alert"
    );
    // A late family's row is marked in the waiting list.
    assert!(html.contains("<tr class=\"late\"><td class=\"num\">"));
}

#[test]
fn long_waits_are_listed_longest_first_and_say_who_had_a_supporter() {
    let supporters = b"supporter_id,area,status,hours_per_week,max_cases\nS1,E06000043,paid,1,1\n";
    // A waits 9 weeks, B 13, C 11 (its supporter S9 has left: it had one until then).
    let referrals =
        b"referral_id,area,received,source,consent,kind,priority,complexity,supporter_id
A,E06000043,2015-08-31,self,,new,1,low,
B,E06000043,2015-08-03,self,,new,1,low,
C,E06000043,2015-08-17,self,,new,1,low,S9
R,E06000043,2015-10-26,self,,new,5,low,
";
    let (caseload, plan) = plan_of("2015-11-02", supporters, referrals);
    let html = render(&caseload, &plan, &ReportOptions::default());
    let alerts = &html[html.find("weeks or more since referral").unwrap()..];
    let at = |id: &str| alerts.find(&format!("<strong>{id}</strong>")).unwrap();
    assert!(at("B") < at("C") && at("C") < at("A"), "{alerts}");
    assert!(
        alerts.contains("11 weeks since referral (supported until their supporter left)"),
        "{alerts}"
    );
    assert!(alerts.contains("9 weeks since referral, "), "{alerts}");
}

#[test]
fn the_footer_gives_the_score_rule_of_the_policy_planned_under() {
    let (caseload, plan) = fixture("provider-week");
    let html = render(&caseload, &plan, &ReportOptions::default());
    assert!(
        html.contains("priority weight (1, 2, 4, 8, 16) × urgency"),
        "{html}"
    );
    assert!(html.contains(", plus 0.05 with a supporter who knows the area."));
    let policy = Policy {
        priority_weights: [1.0, 3.0, 9.0, 27.0, 81.0],
        local_bonus: 0.0,
        ..Policy::default()
    };
    let html = render(
        &caseload,
        &plan,
        &ReportOptions {
            policy,
            ..ReportOptions::default()
        },
    );
    assert!(html.contains("priority weight (1, 3, 9, 27, 81) × urgency (1 + weeks on the 20-week clock / 20, up to 2). "));
    assert!(!html.contains("knows the area"));
}

#[test]
fn alerts_of_several_areas_are_listed_area_by_area() {
    // Three supporters over capacity through open cases, in two areas, and one late
    // family in one area: the lists of several areas are grouped under each area's
    // name and count; a list of one area keeps the area beside each entry.
    let supporters = b"supporter_id,area,status,hours_per_week,max_cases
S2,E06000043,paid,1,1
S1,E06000043,paid,1,1
T1,E10000032,paid,1,1
";
    let referrals = b"referral_id,area,received,source,consent,kind,clock_start,priority,complexity,hours_per_week,supporter_id
O1,E06000043,2015-10-01,la,true,new,,2,low,2,S1
O2,E06000043,2015-10-01,la,true,new,,2,low,2,S2
O3,E10000032,2015-10-01,la,true,new,,2,low,2,T1
R-late,E06000043,2015-10-26,la,true,new,2015-07-06,3,low,,
";
    let (caseload, plan) = plan_of("2015-11-02", supporters, referrals);
    let html = render(&caseload, &plan, &ReportOptions::default());
    let alerts =
        &html[html.find("Alerts").unwrap()..html.find("<section class=\"overview\"").unwrap()];
    let over = &alerts[alerts.find("3 supporters over capacity").unwrap()..];
    let over = &over[..over.find("</ul></li></ul>").unwrap()];
    let brighton = over
        .find("<a href=\"#area-E06000043\">Brighton and Hove (E06000043)</a>: 2")
        .unwrap();
    let sussex = over
        .find("<a href=\"#area-E10000032\">West Sussex (E10000032)</a>: 1")
        .unwrap();
    assert!(brighton < sussex, "{over}");
    for (id, within) in [
        ("S1", brighton..sussex),
        ("S2", brighton..sussex),
        ("T1", sussex..over.len()),
    ] {
        let at = over
            .find(&format!("<strong>{id}</strong>: 2 of 1 h"))
            .unwrap();
        assert!(within.contains(&at), "{id} is not under its area: {over}");
    }
    // One area's late family: no grouping, the area beside it.
    assert!(
        alerts.contains("<li><strong>R-late</strong> (E06000043), "),
        "{alerts}"
    );
}

#[test]
fn issue_10_alerts_say_which_late_families_have_an_exception_and_the_clock_is_counted() {
    let supporters = b"supporter_id,area,status,hours_per_week,max_cases\nS1,E06000043,paid,3,0\n";
    // On the clock: R-b 21 weeks with exception (b), R-d 17 weeks with (d) and no date,
    // R-late 20 weeks with none, R-new 2 weeks.
    let referrals = b"referral_id,area,received,source,consent,kind,clock_start,priority,complexity,exception,exception_noted
R-b,E06000043,2015-06-01,la,true,new,2015-06-08,3,low,B,2015-10-01
R-d,E06000043,2015-07-01,la,true,new,2015-07-06,3,low,d,
R-late,E06000043,2015-06-01,la,true,new,2015-06-15,3,low,,
R-new,E06000043,2015-10-19,la,true,new,,3,low,,
";
    let (caseload, plan) = plan_of("2015-11-02", supporters, referrals);
    let html = render(&caseload, &plan, &ReportOptions::default());
    assert!(html.contains(
        "20-week clock, families waiting: 2 on time, 1 late (past week 20), 1 late with a recorded exception."
    ));
    let alerts = &html[html.find("Alerts").unwrap()..html.find("<section class=\"area\"").unwrap()];
    // Past the limit (R-b, with its exception, and R-late) apart from past week 16.
    assert!(
        alerts.contains("2 families past the 20-week limit"),
        "{alerts}"
    );
    assert!(alerts.contains("1 family past week 16"), "{alerts}");
    let item = |id: &str| {
        let at = alerts.find(&format!("<strong>{id}</strong>")).unwrap();
        &alerts[at..at + alerts[at..].find("</li>").unwrap()]
    };
    assert!(
        item("R-b").contains("<span class=\"exception\">exception (b) noted 2015-10-01</span>"),
        "{alerts}"
    );
    assert!(
        item("R-d").contains("exception (d), date not noted"),
        "{alerts}"
    );
    assert!(!item("R-late").contains("exception"), "{alerts}");
}

#[test]
fn an_empty_table_keeps_its_header() {
    // Nobody waiting and no district recorded: the files hold their header row, the
    // same as when they have rows, so a spreadsheet or a script still sees the columns.
    let supporters = b"supporter_id,area,status,hours_per_week,max_cases\nS1,E06000043,paid,10,5\n";
    let referrals = b"referral_id,area,received,source,consent,kind,priority,complexity\nR1,E06000043,2015-10-01,self,true,new,2,low\n";
    let (_, plan) = plan_of("2015-11-02", supporters, referrals);
    assert!(plan.waiting.is_empty() && plan.equity.districts.is_empty());
    let (_, full) = fixture("provider-week");
    for (empty, rows) in [
        (tables::waiting_csv(&plan), tables::waiting_csv(&full)),
        (tables::districts_csv(&plan), tables::districts_csv(&full)),
    ] {
        let (empty, rows) = (empty.unwrap(), rows.unwrap());
        assert_eq!(empty.lines().count(), 1, "{empty}");
        assert_eq!(empty.lines().next(), rows.lines().next());
    }
    let (_, nobody) = plan_of(
        "2015-11-02",
        supporters,
        b"referral_id,area,received,source,consent,kind,priority,complexity\n",
    );
    assert_eq!(
        tables::assignments_csv(&nobody).unwrap(),
        tables::assignments_csv(&full)
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .to_string()
            + "\n"
    );
}

#[test]
fn late_rows_say_so_in_words_not_only_in_colour() {
    // BH-R0048 is 17 weeks on the clock in the provider week: past week 16.
    let (caseload, plan) = fixture("provider-week");
    let html = render(&caseload, &plan, &ReportOptions::default());
    assert!(html.contains("17 weeks (past week 16)"), "{html}");
}

/// The running head of a draft says so on every printed page, and no text given to the
/// report (initials, a note) can end its CSS string or its `<style>` element.
#[test]
fn a_drafts_running_head_is_marked_and_holds_any_text_safely() {
    let (caseload, plan) = fixture("provider-week");
    let hostile = "AB\"; } body { display: none } </style><script>alert(1)</script>\\";
    let html = render(
        &caseload,
        &plan,
        &ReportOptions {
            accepted: Some(format!("Accepted by {hostile}.")),
            ..ReportOptions::default()
        },
    );
    let head = html
        .split("<style>")
        .nth(2)
        .and_then(|rest| rest.split("</style>").next())
        .expect("the running head's own style element");
    assert!(head.starts_with("@page { @top-left { content: \"Allocation for the week of Monday 2015-11-02. Accepted by AB\\22 ; "), "{head}");
    assert!(!head.contains('<') && !head.contains('\n'), "{head}");
    assert_eq!(html.matches("</style>").count(), 2);
    assert!(!html.contains("<script>"));
    // Its string ends where the head's text ends: only escapes before the closing quote.
    let text = head
        .split("content: \"")
        .nth(1)
        .and_then(|rest| rest.split("\"; font").next())
        .unwrap();
    assert!(!text.contains('"'), "{text}");

    let draft = render(
        &caseload,
        &plan,
        &ReportOptions {
            accepted: Some("This week is not yet accepted.".into()),
            draft: true,
            ..ReportOptions::default()
        },
    );
    assert!(draft.contains(
        "content: \"DRAFT, not the week's record: Allocation for the week of Monday 2015-11-02\"; font: 8pt system-ui, sans-serif; color: #a4380a;"
    ));
    assert!(draft
        .contains("<p class=\"draft\"><strong>Draft. </strong>This week is not yet accepted.</p>"));
    // A report of the command line names the week alone, and numbers its pages.
    let plain = render(&caseload, &plan, &ReportOptions::default());
    assert!(plain.contains("content: \"Allocation for the week of Monday 2015-11-02\";"));
    assert!(plain.contains("counter(page) \" of \" counter(pages)"));
}
