//! The printable report of a week's plan: one self-contained HTML file for the
//! coordinators' Monday meeting (no network, no external assets, print styles for A4).
//!
//! ```
//! use std::path::Path;
//! use caseload_model::{Caseload, PlanningWeek, Policy};
//! use caseload_solve::{allocate, Optimal, Options};
//! use caseload_report::{render, ReportOptions};
//!
//! let supporters = "supporter_id,area,status,hours_per_week,max_cases\nS1,E06000043,paid,4,1\n";
//! let referrals = "referral_id,area,received,source,consent,kind,priority,complexity\n\
//!                  R1,E06000043,2015-10-12,self,,new,2,medium\n\
//!                  R2,E06000043,2015-10-19,la,true,new,4,medium\n";
//! let caseload = Caseload::from_bytes(
//!     Path::new("supporters.csv"), supporters.as_bytes(),
//!     Path::new("referrals.csv"), referrals.as_bytes(),
//! )?;
//! let week = PlanningWeek::parse("2015-11-02")?;
//! let plan = allocate(&caseload, week, &Policy::default(), &Optimal, &Options::default())?;
//! let html = render(&caseload, &plan, &ReportOptions::default());
//! assert!(html.starts_with("<!DOCTYPE html>"));
//! assert!(html.contains("R2") && html.contains("R1"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Overview
//!
//! [`render`] lays out, in this order: the week's summary and the waiting families on
//! time, late or late with a recorded exception to the 20-week limit; alerts (families
//! past the 20-week limit still waiting, then those past week 16, each with its
//! exception if one is recorded, supporters over capacity, families waiting longer than
//! [`ReportOptions::long_wait_weeks`]); with more than one area, one row
//! per area, the most families waiting per supporter first; then per area, who takes whom and each supporter's
//! load after the week, the waiting list with ranks and reasons in words, and coverage
//! by district, in the phrasing of [`words`], shared with the command line's tables.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub use caseload_solve::words;

pub mod tables;

use std::collections::{BTreeMap, HashMap};

use caseload_model::{Caseload, Policy, Referral};
use caseload_solve::{
    Assignment, BalanceReport, DecisionReport, DistrictShare, EquityReport, Marks, Plan,
    SupporterLoad, WaitingEntry,
};
use maud::{html, Markup, PreEscaped, DOCTYPE};

use crate::words::{clock, clock_counts, count, decision_cost, exception, marks, RANK_RULE};

/// What the report flags, besides the plan itself.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportOptions {
    /// Families waiting at least this many weeks since their referral was received
    /// are listed as alerts (default 8).
    pub long_wait_weeks: i64,
    /// When set, every family's id links to this prefix followed by the id (the web
    /// app's page of the family); the printed report has no links.
    pub family_link: Option<String>,
    /// The prefix of the links from the areas' overview to each area (`#area-` when
    /// unset: the area's section further down the report).
    pub area_link: Option<String>,
    /// Who accepted the week and when, said under the title (the web app's record of
    /// an accepted week), or why the report is not the week's record (with `draft`).
    pub accepted: Option<String>,
    /// The report is not the week's record (a draft not yet accepted, discarded or
    /// superseded): `accepted` is said as a warning under the title, and every printed
    /// page's head says so.
    pub draft: bool,
    /// What the register says that the week before it did not leave (the web app's
    /// moves made by hand between the weeks, changes an "Import anyway" left out), said
    /// under the title: the record keeps why a supporter is over capacity, or a family
    /// back on the waiting list.
    pub register_notes: Vec<String>,
    /// The decisions as the web app keeps them, withdrawn ones included: who made each
    /// and when. The "Decisions taken" section names them, and lists those withdrawn.
    pub decision_log: Vec<DecisionLog>,
    /// The report sits inside a page with its own top heading (the web app's week): its
    /// title is then a second-level heading, so that headings go in order.
    pub embedded: bool,
    /// The policy the week was planned under: the footer gives its score rule (the
    /// priority weights and the local bonus).
    pub policy: Policy,
}

/// One decision of the web app's week, as its list keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct DecisionLog {
    /// Its number in the week's list, withdrawn ones counted (the plan names it
    /// "decision 2").
    pub number: usize,
    /// `pin` or `forbid`.
    pub kind: String,
    /// The family.
    pub referral_id: String,
    /// The supporter.
    pub supporter_id: String,
    /// Why, as the coordinator wrote it (may be empty).
    pub note: String,
    /// Who made it and when, in words: `JS, 7 Dec 2026, 15:57 UTC`.
    pub made: String,
    /// Who withdrew it, when and why, in words, if it was withdrawn.
    pub withdrawn: Option<String>,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            long_wait_weeks: 8,
            family_link: None,
            area_link: None,
            accepted: None,
            draft: false,
            register_notes: Vec::new(),
            decision_log: Vec::new(),
            embedded: false,
            policy: Policy::default(),
        }
    }
}

impl ReportOptions {
    /// A family's id, as a link when [`ReportOptions::family_link`] is set.
    fn family(&self, id: &str) -> Markup {
        match &self.family_link {
            Some(prefix) => html! { a.family href={ (prefix) (path_segment(id)) } { (id) } },
            None => html! { (id) },
        }
    }
}

/// `text` safe as one segment of a URL path: every byte but letters, digits and
/// `-_.~` percent-encoded (ids are free text and may hold `/`, `#` or `?`).
pub fn path_segment(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The week on the 20-week clock after which a family still waiting is an alert: the
/// draft plan is due at week 16.
pub const DRAFT_PLAN_WEEK: i64 = 16;

/// The report's stylesheet (embedded in the report; the web app serves it too).
pub const STYLE: &str = include_str!("report.css");

/// The report of `plan`, made from `caseload`, as a whole HTML document.
pub fn render(caseload: &Caseload, plan: &Plan, options: &ReportOptions) -> String {
    let title = format!("Allocation for the week of Monday {}", plan.week);
    let page = html! {
        (DOCTYPE)
        html lang="en-GB" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { (PreEscaped(STYLE)) }
                style { (PreEscaped(running_head(&title, options))) }
            }
            body {
                main { (sections(caseload, plan, options)) }
                footer {
                    p { "Scores: priority weight (" (weights(&options.policy.priority_weights)) ") × urgency (1 + weeks on the 20-week clock / 20, up to 2)" (local_bonus(options.policy.local_bonus)) ". Weeks on the clock count from the start of the 20-week EHC clock (the register's clock_start, or the referral's date when it has none), which may be before the family was referred: weeks since referral can be fewer. " (if plan.equity.method == "max_min" { "The plan first serves the lowest share of a district's families as high as capacity allows, then has the highest total score any such plan can have within every supporter's hours and case slots" } else { "The plan has the highest total score any plan can have within every supporter's hours and case slots" }) (if plan.decisions.is_some() { " that keeps the week's decisions (pins and forbids)." } else { "." }) }
                }
            }
        }
    };
    page.into_string()
}

/// The printed pages' margins: the week (and, for a report that is not the week's
/// record, that it is a draft) at the head of every page, and its number at the foot,
/// so that a page read alone still says what it is.
fn running_head(title: &str, options: &ReportOptions) -> String {
    let head = match (&options.accepted, options.draft) {
        (_, true) => format!("DRAFT, not the week's record: {title}"),
        (Some(status), false) => format!("{title}. {status}"),
        (None, false) => title.to_string(),
    };
    page_margins(&head, options.draft)
}

/// CSS for every printed page: `head` at its top (in the warning colour for a `draft`)
/// and its number at its foot (the web app's pages use it too).
pub fn page_margins(head: &str, draft: bool) -> String {
    format!(
        "@page {{ @top-left {{ content: \"{}\"; font: 8pt system-ui, sans-serif; color: {}; }} \
         @bottom-right {{ content: \"page \" counter(page) \" of \" counter(pages); font: 8pt system-ui, sans-serif; color: #5a5a5a; }} }}",
        css_string(head),
        if draft { "#a4380a" } else { "#5a5a5a" }
    )
}

/// `text` inside a CSS string: every character but letters, digits, spaces and plain
/// punctuation as a CSS escape, so that no text (a coordinator's note, initials) can
/// end the string or the `<style>` element.
fn css_string(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_alphanumeric() || " .,:;()-_/'".contains(c) {
                c.to_string()
            } else {
                format!("\\{:x} ", u32::from(c))
            }
        })
        .collect()
}

/// The priority weights, 1 to 5, as the policy gives them: `1, 2, 4, 8, 16`.
fn weights(weights: &[f64; 5]) -> String {
    weights
        .iter()
        .map(f64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// `, plus 0.05 with a supporter who knows the area`, or nothing with no bonus.
fn local_bonus(bonus: f64) -> String {
    if bonus == 0.0 {
        String::new()
    } else {
        format!(", plus {bonus} with a supporter who knows the area")
    }
}

/// The report's content without the page around it or its footer: [`summary`], then
/// every area's [`area`] section (the web app shows it inside its own page).
pub fn sections(caseload: &Caseload, plan: &Plan, options: &ReportOptions) -> Markup {
    let referrals = by_id(caseload);
    let areas = Areas::of(plan);
    html! {
        (week_summary(plan, &referrals, &areas, options))
        @for (area, part) in &areas.0 {
            (area_section(area, part, &referrals, &plan.equity, options))
        }
    }
}

/// The week as a whole: the summary, alerts, decisions, and (with more than one area)
/// the areas, the most families waiting per supporter first.
pub fn summary(caseload: &Caseload, plan: &Plan, options: &ReportOptions) -> Markup {
    week_summary(plan, &by_id(caseload), &Areas::of(plan), options)
}

/// [`summary`], from the referrals by id and the plan's areas already gathered.
fn week_summary(
    plan: &Plan,
    referrals: &HashMap<&str, &Referral>,
    areas: &Areas,
    options: &ReportOptions,
) -> Markup {
    let title = format!("Allocation for the week of Monday {}", plan.week);
    html! {
        header {
            @if options.embedded { h2.title { (title) } } @else { h1 { (title) } }
            @if let Some(accepted) = &options.accepted {
                @if options.draft { p.draft { strong { "Draft. " } (accepted) } } @else { p.accepted { (accepted) } }
            }
            @for note in &options.register_notes { p.register-note { (note) } }
            p.lead { (summary_line(plan)) }
            p.clock { (clock_counts(&plan.summary.clock)) }
            p.balance { (balance_sentence(&plan.balance)) }
            @if let Some(sentence) = equity_sentence(&plan.equity) { p.equity { (sentence) } }
        }
        (alerts(plan, referrals, options))
        @if plan.decisions.is_some() || !options.decision_log.is_empty() { (decisions(plan.decisions.as_ref(), options)) }
        @if areas.0.len() > 1 { (area_overview(areas, options)) }
    }
}

/// One area's section: who takes whom, supporters' loads, the waiting list with reasons
/// in words, and its districts; `None` if the plan has no such area.
pub fn area(
    caseload: &Caseload,
    plan: &Plan,
    area: &str,
    options: &ReportOptions,
) -> Option<Markup> {
    let referrals = by_id(caseload);
    let areas = Areas::of(plan);
    let part = areas.0.get(area)?;
    Some(area_section(area, part, &referrals, &plan.equity, options))
}

fn by_id(caseload: &Caseload) -> HashMap<&str, &Referral> {
    caseload
        .referrals
        .iter()
        .map(|r| (r.id.as_str(), r))
        .collect()
}

/// How evenly supporters' hours are used, and what balancing did.
fn balance_sentence(b: &BalanceReport) -> String {
    let (low, high) = words::percent_range(b.spread.min, b.spread.max);
    let spread = format!(
        "Supporters not on leave use from {low} to {high} of their hours (Gini coefficient {:.2}: 0 when all use the same share, nearer 1 the more uneven).",
        b.spread.gini
    );
    let unproven = words::stopped_short(&b.unproven_areas).map_or(String::new(), |a| {
        format!(" Balance: {a}; the score there is still the best, the spread as even as found.")
    });
    let sentence = match (b.method, b.families_moved) {
        ("none", _) => format!("{spread} Balance is off (policy `balance = \"none\"`)."),
        (_, 0) => format!("{spread} The best plan found was already the most even one."),
        (_, moved) => format!(
            "{spread} Among the plans with the same total score, the most even one was kept: {} with another supporter (or waiting) than in the best-score plan before balancing.",
            count(moved, "family", "families")
        ),
    };
    format!("{sentence}{unproven}")
}

fn summary_line(plan: &Plan) -> String {
    let s = &plan.summary;
    let proven = plan.areas.iter().filter(|a| a.status == "optimal").count();
    // With decisions the total is not the week's best: say so where it is read, so
    // that a higher total (moved open cases count as new assignments) is not read as a better week.
    let with_decisions = match &plan.decisions {
        Some(d) => format!(
            " with the week's decisions{} ({} without them; {}: see Decisions taken)",
            words::moved_cases(d).map_or(String::new(), |m| format!(", {m}")),
            d.objective_without,
            words::decision_effect(d)
        ),
        None => String::new(),
    };
    format!(
        "{} active: {} kept, {} newly assigned, {} waiting; {} whose supporter left planned again; {} not active this week. Total score {}{with_decisions}, {} of {} proven optimal.",
        count(s.active, "family", "families"),
        count(s.open_cases, "open case", "open cases"),
        s.newly_assigned,
        s.waiting,
        count(s.reallocated, "family", "families"),
        count(s.ignored, "row", "rows"),
        plan.solver.objective,
        proven,
        count(plan.areas.len(), "area", "areas"),
    )
}

/// One area's part of the plan.
struct AreaPart<'p> {
    new: Vec<&'p Assignment>,
    open: Vec<&'p Assignment>,
    waiting: Vec<&'p WaitingEntry>,
    supporters: Vec<&'p SupporterLoad>,
}

struct Areas<'p>(BTreeMap<&'p str, AreaPart<'p>>);

impl<'p> Areas<'p> {
    fn of(plan: &'p Plan) -> Areas<'p> {
        let mut areas: BTreeMap<&str, AreaPart> = BTreeMap::new();
        for a in &plan.assignments {
            let entry = areas.entry(a.area.as_str()).or_insert_with(AreaPart::empty);
            if a.open_case {
                entry.open.push(a);
            } else {
                entry.new.push(a);
            }
        }
        for w in &plan.waiting {
            let entry = areas.entry(w.area.as_str()).or_insert_with(AreaPart::empty);
            entry.waiting.push(w);
        }
        for s in &plan.supporters {
            let entry = areas.entry(s.area.as_str()).or_insert_with(AreaPart::empty);
            entry.supporters.push(s);
        }
        for part in areas.values_mut() {
            part.waiting.sort_by_key(|w| w.rank);
        }
        Areas(areas)
    }
}

impl AreaPart<'_> {
    fn empty() -> Self {
        AreaPart {
            new: Vec::new(),
            open: Vec::new(),
            waiting: Vec::new(),
            supporters: Vec::new(),
        }
    }

    /// Families still waiting per supporter of the area; infinite for families waiting
    /// in an area with no supporter at all (the most pressed of all).
    fn waiting_per_supporter(&self) -> f64 {
        match (self.waiting.len(), self.supporters.len()) {
            (0, _) => 0.0,
            (_, 0) => f64::INFINITY,
            (waiting, supporters) => waiting as f64 / supporters as f64,
        }
    }
}

fn alerts(plan: &Plan, referrals: &HashMap<&str, &Referral>, options: &ReportOptions) -> Markup {
    // Each list longest first (then by id), as the coordinator reads it.
    let mut late: Vec<&WaitingEntry> = plan
        .waiting
        .iter()
        .filter(|w| w.weeks_on_clock >= DRAFT_PLAN_WEEK)
        .collect();
    late.sort_by(|a, b| {
        b.weeks_on_clock
            .cmp(&a.weeks_on_clock)
            .then(a.referral_id.cmp(&b.referral_id))
    });
    let (past_limit, past_draft): (Vec<&WaitingEntry>, Vec<&WaitingEntry>) = late
        .iter()
        .partition(|w| caseload_solve::is_late(w.weeks_on_clock));
    let over: Vec<&SupporterLoad> = plan.supporters.iter().filter(|s| s.over_capacity).collect();
    let monday = plan.week.monday();
    let mut long: Vec<(&WaitingEntry, i64)> = plan
        .waiting
        .iter()
        .filter_map(|w| {
            let received = referrals.get(w.referral_id.as_str())?.received;
            let weeks = (monday - received).num_days().div_euclid(7);
            (weeks >= options.long_wait_weeks).then_some((w, weeks))
        })
        .collect();
    long.sort_by(|(a, x), (b, y)| y.cmp(x).then(a.referral_id.cmp(&b.referral_id)));
    html! {
        section.alerts {
            h2 { "Alerts" }
            @if late.is_empty() && over.is_empty() && long.is_empty() {
                p { "None this week." }
            }
            // Past the 20-week limit apart from those still within it: the first are
            // late already, the others about to be.
            @for (heading, families) in [
                ("past the 20-week limit, still waiting", &past_limit),
                ("past week 16 of the 20-week clock, still waiting", &past_draft),
            ] {
                @if !families.is_empty() {
                    h3 { (count(families.len(), "family", "families")) " " (heading) }
                    (by_area(options, families, |w| w.area.as_str(), |w, grouped| html! {
                        strong { (options.family(&w.referral_id)) } (area_after(w.area.as_str(), grouped)) ", " (clock(w.weeks_on_clock)) " on the clock, priority " (w.priority) ": " (w.reason.words())
                        @if w.exception.is_some() { "; " span.exception { (exception(w.exception, w.exception_noted)) } }
                    }))
                }
            }
            @if !over.is_empty() {
                h3 { (count(over.len(), "supporter", "supporters")) " over capacity through open cases" }
                (by_area(options, &over, |s| s.area.as_str(), |s, grouped| html! {
                    strong { (s.supporter_id) } (area_after(s.area.as_str(), grouped)) ": " (hours(s.hours_used)) " of " (hours(s.hours_per_week)) " h, " (s.cases) " of " (s.max_cases) " cases"
                }))
            }
            @if !long.is_empty() {
                h3 { (count(long.len(), "family", "families")) " waiting " (options.long_wait_weeks) " weeks or more since referral" }
                (by_area(options, &long, |(w, _)| w.area.as_str(), |(w, weeks), grouped| html! {
                    strong { (options.family(&w.referral_id)) } (area_after(w.area.as_str(), grouped)) ": " (count(*weeks, "week", "weeks")) " since referral"
                    @if w.reallocated { " (supported until their supporter left)" }
                    ", " (w.reason.words())
                }))
            }
        }
    }
}

/// Whether `entries` belong to more than one area.
fn several_areas<T>(entries: &[T], area: impl Fn(&T) -> &str) -> bool {
    entries
        .windows(2)
        .any(|pair| area(&pair[0]) != area(&pair[1]))
}

/// " (area)" after an alert's id when its list is of one area; nothing when the list
/// is `grouped` by area, whose heading already names it.
fn area_after(code: &str, grouped: bool) -> String {
    if grouped {
        String::new()
    } else {
        format!(" ({code})")
    }
}

/// An alert list: an item per entry when the entries are of one area; otherwise an item
/// per area, its name (a link to its section) and how many, with its entries under it
/// (areas in code order, entries in the order given), so that a report of many areas is
/// read area by area. `item` is told whether the list is grouped.
fn by_area<T>(
    options: &ReportOptions,
    entries: &[T],
    area: impl Fn(&T) -> &str,
    item: impl Fn(&T, bool) -> Markup,
) -> Markup {
    if !several_areas(entries, &area) {
        return html! { ul { @for e in entries { li { (item(e, false)) } } } };
    }
    let link = options.area_link.as_deref().unwrap_or("#area-");
    let mut grouped: BTreeMap<&str, Vec<&T>> = BTreeMap::new();
    for e in entries {
        grouped.entry(area(e)).or_default().push(e);
    }
    html! {
        ul.by-area {
            @for (code, entries) in &grouped {
                li {
                    a href={ (link) (path_segment(code)) } { (area_name(code)) } ": " (entries.len())
                    ul { @for e in entries { li { (item(e, true)) } } }
                }
            }
        }
    }
}

fn area_overview(areas: &Areas, options: &ReportOptions) -> Markup {
    let link = options.area_link.as_deref().unwrap_or("#area-");
    let mut rows: Vec<(&str, &AreaPart)> = areas.0.iter().map(|(a, p)| (*a, p)).collect();
    rows.sort_by(|a, b| {
        b.1.waiting_per_supporter()
            .total_cmp(&a.1.waiting_per_supporter())
            .then(a.0.cmp(b.0))
    });
    html! {
        section.overview {
            h2 { "Areas, the most families waiting per supporter first" }
            (wide("Areas", html! { table {
                thead { tr { th { "Area" } th.num { "Supporters" } th.num { "Open cases" } th.num { "New" } th.num { "Waiting" } th.num { "Waiting for room" } th.num { "Waiting per supporter" } } }
                tbody {
                    @for (area, part) in &rows {
                        tr {
                            th scope="row" { a href={ (link) (path_segment(area)) } { (area_name(area)) } }
                            td.num { (part.supporters.len()) }
                            td.num { (part.open.len()) }
                            td.num { (part.new.len()) }
                            td.num { (part.waiting.len()) }
                            td.num { (part.waiting.iter().filter(|w| w.reason == caseload_solve::WaitReason::Capacity).count()) }
                            td.num {
                                @if part.waiting_per_supporter().is_infinite() { "no supporter" }
                                @else { (format!("{:.2}", part.waiting_per_supporter())) }
                            }
                        }
                    }
                }
            } }))
        }
    }
}

fn area_name(area: &str) -> String {
    match caseload_model::england_area(area) {
        Some(name) => format!("{name} ({area})"),
        None => area.to_string(),
    }
}

fn area_section(
    area: &str,
    part: &AreaPart,
    referrals: &HashMap<&str, &Referral>,
    equity: &EquityReport,
    options: &ReportOptions,
) -> Markup {
    let mut new_by_supporter: BTreeMap<&str, Vec<&Assignment>> = BTreeMap::new();
    for a in &part.new {
        new_by_supporter
            .entry(a.supporter_id.as_str())
            .or_default()
            .push(a);
    }
    html! {
        section.area id={ "area-" (area) } {
            // A heading and the lines under it stay with the table that follows them.
            div.lead-in {
                h2 { (area_name(area)) }
                p { (count(part.new.len(), "new assignment", "new assignments")) ", " (count(part.open.len(), "open case", "open cases")) " kept, " (part.waiting.len()) " waiting." }
                h3 { "Who takes whom, and each supporter's load after the week" }
                // Read before the table, like the waiting list's rule of ranks: after
                // it, the note could be printed alone at the head of the next page.
                @if !part.supporters.is_empty() {
                    p.note { "Load: the upper bar is the hours used, the lower the case slots; a bar in red is past the supporter's limit." }
                }
            }
            @if part.supporters.is_empty() {
                p { "No supporter works in this area." }
            } @else {
                (wide(&format!("Supporters of {}", area_name(area)), html! { table.supporters {
                    thead { tr { th { "Supporter" } th { "Status" } th { "New this week" } th.num { "Hours used" } th.num { "Cases" } th { "Load: hours, cases" } th { "Note" } } }
                    tbody {
                        @for s in &part.supporters {
                            tr {
                                th.id scope="row" { (s.supporter_id) }
                                td { (status(s)) }
                                td {
                                    @if let Some(new) = new_by_supporter.get(s.supporter_id.as_str()) {
                                        @for (i, a) in new.iter().enumerate() {
                                            @if i > 0 { ", " }
                                            // The family's decisions inside its brackets: after
                                            // them, a comma could read as the next family.
                                            span.assigned { (options.family(&a.referral_id)) } " (" (hours(a.hours)) " h" @if a.reallocated { ", reallocated" }
                                            @if a.marks != Marks::default() { "; " span.decision { (marks(&a.marks)) } }
                                            ")"
                                        }
                                    } @else { span.none { "none" } }
                                }
                                td.num { (hours(s.hours_used)) " / " (hours(s.hours_per_week)) br; span.share { (format!("{:.0}%", s.hours_share * 100.0)) } }
                                td.num { (s.cases) " / " (s.max_cases) br; span.share { (format!("{:.0}%", s.cases_share * 100.0)) } }
                                td { (load_bar(s)) }
                                td { (note(s)) }
                            }
                        }
                    }
                } }))
            }
            @if part.waiting.is_empty() {
                h3 { "Waiting list" }
                p { "Nobody is waiting." }
            } @else {
                div.lead-in {
                    h3 { "Waiting list" }
                    p.note { (RANK_RULE) }
                }
                (wide(&format!("Waiting list of {}", area_name(area)), html! { table.waiting {
                    thead { tr { th.num { "Rank" } th { "Referral" } th.num { "Priority" } th { "On the clock" } th.num { "Score" } th { "Reason" } } }
                    tbody {
                        @for w in &part.waiting {
                            tr.late[w.weeks_on_clock >= DRAFT_PLAN_WEEK] {
                                td.num { (w.rank) }
                                th.id scope="row" { (options.family(&w.referral_id)) @if w.reallocated { " (supporter left)" } }
                                td.num { (w.priority) }
                                td {
                                    (clock(w.weeks_on_clock))
                                    // Said in words as well as by the row's colour, which a
                                    // grey printer or a reader who cannot see it loses.
                                    @if caseload_solve::is_late(w.weeks_on_clock) { " (past week 20)" } @else if w.weeks_on_clock >= DRAFT_PLAN_WEEK { " (past week 16)" }
                                }
                                td.num { (w.score) }
                                td {
                                    (w.reason.words())
                                    @if w.marks != Marks::default() { "; " span.decision { (marks(&w.marks)) } }
                                    @if let Some(had) = &w.otherwise.without_decisions { "; " span.decision { "displaced by the week's decisions (" (had) " without them)" } }
                                    @if w.exception.is_some() { "; " span.exception { (exception(w.exception, w.exception_noted)) } }
                                }
                            }
                        }
                    }
                } }))
            }
            (districts(area, part, referrals, equity))
        }
    }
}

/// The decisions taken for the week, what each did, and what they cost; with the web
/// app's log, who made each and when, and the decisions withdrawn.
fn decisions(report: Option<&DecisionReport>, options: &ReportOptions) -> Markup {
    let log = &options.decision_log;
    let made = |origin: &str| {
        log.iter()
            .find(|d| format!("decision {}", d.number) == origin)
            .map(|d| d.made.as_str())
    };
    let withdrawn: Vec<&DecisionLog> = log.iter().filter(|d| d.withdrawn.is_some()).collect();
    html! {
        section.decisions {
            @if let Some(report) = report {
                div.lead-in {
                    h2 { "Decisions taken" }
                    p { (decision_cost(report)) }
                }
                (wide("Decisions taken", html! { table {
                    thead { tr { th { "Decision" } th { "Referral" } th { "Supporter" } th { "Effect" } th { "Note" } th { "Given in" } @if !log.is_empty() { th { "By, at" } } } }
                    tbody {
                        @for d in &report.taken {
                            tr {
                                td { (d.decision.code()) }
                                th.id scope="row" { (options.family(&d.referral_id)) }
                                td.id { (d.supporter_id) }
                                td { (d.effect) }
                                td { (d.note.as_deref().unwrap_or("")) }
                                td.id { (d.origin) }
                                @if !log.is_empty() { td { (made(&d.origin).unwrap_or("")) } }
                            }
                        }
                    }
                } }))
            } @else {
                h2 { "Decisions taken" }
                p { "None in force: every decision made this week was withdrawn." }
            }
            @if !withdrawn.is_empty() {
                h3 { "Withdrawn, so not in the plan" }
                ul.withdrawn {
                    @for d in &withdrawn {
                        li { "Decision " (d.number) ": " (d.kind) " " (d.referral_id) " to " (d.supporter_id)
                            @if !d.note.is_empty() { " (" (d.note) ")" }
                            ", made by " (d.made) "; " (d.withdrawn.as_deref().unwrap_or("")) "." }
                    }
                }
            }
        }
    }
}

fn districts(
    area: &str,
    part: &AreaPart,
    referrals: &HashMap<&str, &Referral>,
    equity: &EquityReport,
) -> Markup {
    // Active families by district: supported (kept or new) or waiting.
    let mut by_district: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let district = |id: &str| {
        referrals
            .get(id)
            .and_then(|r| r.district.clone())
            .unwrap_or_else(|| "no district given".to_string())
    };
    for a in part.open.iter().chain(&part.new) {
        by_district.entry(district(&a.referral_id)).or_default().0 += 1;
    }
    for w in &part.waiting {
        by_district.entry(district(&w.referral_id)).or_default().1 += 1;
    }
    // This week's shares: families some supporter with room could take, and served.
    let this_week: HashMap<&str, &DistrictShare> = equity
        .districts
        .iter()
        .filter(|d| d.area == area)
        .map(|d| (d.district.as_str(), d))
        .collect();
    let fair = equity.method == "max_min";
    let percent = |share: f64| format!("{:.0}%", 100.0 * share);
    html! {
        h3 { "Coverage by district" }
        (wide(&format!("Coverage by district in {}", area_name(area)), html! { table.districts {
            thead {
                tr {
                    td { }
                    th.group colspan="4" { "Active families, after the plan" }
                    th.group colspan=(if fair { "3" } else { "2" }) { "Families waiting before the plan" }
                }
                tr {
                    th { "District" } th.num { "All" } th.num { "Supported" } th.num { "Waiting" } th.num { "Share" }
                    th.num { "Could be taken" }
                    th.num { "Served" }
                    @if fair { th.num { "Without equity" } }
                }
            }
            tbody {
                @for (name, (supported, waiting)) in &by_district {
                    tr {
                        th scope="row" { (name) }
                        td.num { (supported + waiting) }
                        td.num { (supported) }
                        td.num { (waiting) }
                        td.num { (percent(*supported as f64 / (supported + waiting) as f64)) }
                        @match this_week.get(name.as_str()) {
                            Some(d) => {
                                td.num { (d.families) }
                                td.num { (d.served) " (" (percent(d.share)) ")" }
                                @if fair { td.num { (d.served_without_equity) " (" (percent(d.share_without_equity)) ")" } }
                            }
                            None => {
                                td.num { "–" } td.num { "–" }
                                @if fair { td.num { "–" } }
                            }
                        }
                    }
                }
            }
        } }))
        p.note {
            "Supported and waiting count the families after this week's plan; could be taken counts those waiting before it whom some supporter with room could take, and served those of them the plan placed (who are now among the supported)."
            @if fair { " Without equity: those the best-score plan, before equity, would have served." }
        }
    }
}

/// A table that may be wider than a narrow or zoomed window: it scrolls inside its own
/// box, named by `label`, which a keyboard can reach to scroll it, instead of making
/// the whole page scroll sideways.
pub fn wide(label: &str, table: Markup) -> Markup {
    html! {
        div.wide role="region" aria-label=(label) tabindex="0" { (table) }
    }
}

/// The lowest share of a district's families served this week, and what equity did
/// (`None` when no family's district is known).
fn equity_sentence(e: &EquityReport) -> Option<String> {
    let Some(lowest) = e.lowest_share else {
        return (e.method != "none").then(|| {
            "Equity across districts is on, but no family's district is recorded (or none could be taken this week): there was nothing to even out.".to_string()
        });
    };
    let served = format!(
        "The district served least this week has {:.0}% of the families a supporter with room could take.",
        100.0 * lowest
    );
    if e.method != "max_min" {
        return Some(format!(
            "{served} Equity across districts is off (the policy's district_equity is \"none\")."
        ));
    }
    let areas = words::areas_raised(e).map_or(String::new(), |a| format!(" Area by area, {a}."));
    let unproven = words::stopped_short(&e.unproven_areas).map_or(String::new(), |a| {
        format!(" Equity: {a}; their plans are feasible, not proven.")
    });
    Some(format!(
        "{served} Equity across districts put it first (the policy's district_equity is \"max_min\"): {:.0}% in the best-score plan; {} moved, {} of the total score given up.{areas}{unproven}",
        100.0 * e.lowest_share_without_equity.unwrap_or(lowest),
        count(e.families_moved, "family", "families"),
        e.score_given_up
    ))
}

fn status(s: &SupporterLoad) -> &'static str {
    match s.status {
        caseload_model::SupporterStatus::Paid => "paid",
        caseload_model::SupporterStatus::Volunteer => "volunteer",
    }
}

fn note(s: &SupporterLoad) -> String {
    let mut notes = Vec::new();
    if s.on_leave {
        notes.push("on leave".to_string());
    }
    if s.over_capacity {
        notes.push("over capacity (open cases)".to_string());
    }
    notes.join("; ")
}

/// Hours and slots used as two bars; past 100% the bar is drawn full and marked.
fn load_bar(s: &SupporterLoad) -> Markup {
    let share = |used: f64, of: f64| if of > 0.0 { used / of } else { 1.0 };
    let hours_share = share(s.hours_used, s.hours_per_week);
    let cases_share = share(f64::from(s.cases), f64::from(s.max_cases));
    let width = |x: f64| format!("width: {:.0}%", 100.0 * x.min(1.0));
    html! {
        // The shares are in the hours and cases columns in words; the bars only draw them.
        div.bar aria-hidden="true" {
            span.hours.over[hours_share > 1.0 + 1e-9] style=(width(hours_share)) {}
        }
        div.bar aria-hidden="true" {
            span.cases.over[cases_share > 1.0 + 1e-9] style=(width(cases_share)) {}
        }
    }
}

fn hours(h: f64) -> String {
    let rounded = (h * 100.0).round() / 100.0;
    format!("{rounded}")
}

#[cfg(test)]
mod tests;
