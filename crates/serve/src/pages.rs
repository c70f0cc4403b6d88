//! The pages, rendered on the server. Families and supporters appear by their ids only.

use caseload_report::words::{clock, count};
use caseload_report::ReportOptions;
use caseload_solve::{Explanation, Recommendation};
use maud::{html, Markup, DOCTYPE};

use crate::db::{when, Import, WeekLine};
use caseload_report::{path_segment, wide};

use crate::web::WeekNow;

/// A whole page around `body`.
pub(crate) fn page(title: &str, body: Markup) -> Markup {
    page_with(title, None, body)
}

/// A page of one week: printed, every page's head names the week and whether it is
/// the accepted record or a draft.
pub(crate) fn week_page(title: &str, now: &WeekNow, body: Markup) -> Markup {
    let week = &now.import.files.week;
    let (head, draft) = match (&now.accepted, &now.superseded, &now.import.discarded) {
        (Some(a), _, _) => (
            format!(
                "Week of Monday {week}: accepted by {}, {}",
                a.accepted_by,
                when(&a.accepted_at)
            ),
            false,
        ),
        (None, Some(_), _) => (
            format!("Week of Monday {week}: DRAFT, superseded by another import"),
            true,
        ),
        (None, None, Some(_)) => (format!("Week of Monday {week}: DRAFT, discarded"), true),
        (None, None, None) => (
            format!("Week of Monday {week}: DRAFT, not yet accepted"),
            true,
        ),
    };
    page_with(
        title,
        Some(caseload_report::page_margins(&head, draft)),
        body,
    )
}

fn page_with(title: &str, print: Option<String>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en-GB" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                // htmx's own indicator styles would be an inline <style>, which the
                // pages' Content-Security-Policy refuses; app.css has them.
                meta name="htmx-config" content=r#"{"includeIndicatorStyles":false}"#;
                title { (title) " · caseload" }
                link rel="stylesheet" href="/static/app.css";
                @if let Some(print) = print { style { (maud::PreEscaped(print)) } }
                script src="/static/htmx.min.js" defer {}
            }
            body {
                nav.top {
                    a.brand href="/" { "caseload" }
                    a href="/" { "Weeks" }
                    a href="/history" { "History" }
                }
                main { (body) }
            }
        }
    }
}

/// An error, with every line of what is wrong.
/// The error page's way out, as rendered: a refusal to a request from one of the app's
/// pages gets a link back to it beside this (`web::with_way_back`).
pub(crate) const ALL_WEEKS_LINK: &str = "<p><a href=\"/\">All weeks</a></p>";

pub(crate) fn error(title: &str, lines: &[String]) -> Markup {
    page(
        title,
        html! {
            section.problem role="alert" {
                h1 { (title) }
                (problem_lines(lines))
                p { a href="/" { "All weeks" } }
            }
        },
    )
}

/// What is wrong, line by line, in the order given: a line ending in a colon heads the
/// problems under it (a file's "3 problems in the input:"), each listed below it.
fn problem_lines(lines: &[String]) -> Markup {
    let mut groups: Vec<(Option<&str>, Vec<&str>)> = vec![(None, Vec::new())];
    for line in lines.iter().map(|l| l.trim()).filter(|l| !l.is_empty()) {
        if line.ends_with(':') {
            groups.push((Some(line), Vec::new()));
        } else if let Some((_, items)) = groups.last_mut() {
            items.push(line);
        }
    }
    html! {
        @for (head, items) in groups.iter().filter(|(h, i)| h.is_some() || !i.is_empty()) {
            @if let Some(head) = head { p { (readable(head)) } }
            @if !items.is_empty() { ul { @for item in items { li { (readable(item)) } } } }
        }
    }
}

/// Decisions as a coordinator names them: "pin BH-R0098 to BH-S05 (urgent), forbid
/// BH-R0004 from BH-S10".
fn decisions_named(decisions: &[crate::db::DecisionRow]) -> String {
    decisions
        .iter()
        .map(|d| {
            let what = match d.kind.as_str() {
                "pin" => format!("pin {} to {}", d.referral_id, d.supporter_id),
                kind => format!("{kind} {} from {}", d.referral_id, d.supporter_id),
            };
            match d.note.trim() {
                "" => what,
                note => format!("{what} ({note})"),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A problem or remark as a coordinator reads it: `file:12:9: message` (the command
/// line's form, which editors jump to) as "file, line 12, column 9: message", the line
/// being the spreadsheet's row; names in backticks set as code, the rest as prose.
pub(crate) fn readable(line: &str) -> Markup {
    let line = line.strip_prefix("warning: ").unwrap_or(line);
    // The place ends at the first ": " whose text before it ends in `:line:column`
    // (a file's name may hold ": " itself).
    let located = line.match_indices(": ").find_map(|(at, _)| {
        let mut parts = line[..at].rsplitn(3, ':');
        let column: u64 = parts.next()?.parse().ok()?;
        let row: u64 = parts.next()?.parse().ok()?;
        let file = parts.next().filter(|f| !f.is_empty())?;
        Some((file, row, column, &line[at + 2..]))
    });
    match located {
        Some((file, row, column, message)) => html! {
            span.where {
                code { (file) }
                @if row > 0 { ", line " (row) }
                @if row > 0 && column > 0 { ", column " (column) }
            }
            ": " (ticks(message))
        },
        None => ticks(line),
    }
}

/// Text whose `names` in backticks are set as code, as the messages write them.
fn ticks(text: &str) -> Markup {
    html! {
        @for (i, part) in text.split('`').enumerate() {
            @if i % 2 == 1 { code { (part) } } @else { (part) }
        }
    }
}

fn by_field(by: &str) -> Markup {
    by_field_for(by, None)
}

/// The initials field; `purpose` names it for a screen reader where one page has a form
/// per row ("Your initials, withdrawing decision 2"), whose visible labels are alike.
fn by_field_for(by: &str, purpose: Option<&str>) -> Markup {
    html! {
        label.by {
            "Your initials "
            input type="text" name="by" value=(by) required maxlength="40" size="6" autocomplete="off"
                aria-label=[purpose.map(|p| format!("Your initials, {p}"))];
        }
    }
}

/// An import refused: what was wrong, and what the coordinator typed, to show the form
/// again with it (the files cannot be: a browser never lets a page choose them).
pub(crate) struct RefusedImport {
    pub title: String,
    pub lines: Vec<String>,
    pub week: String,
    pub by: String,
    pub anyway: bool,
    pub no_policy: bool,
}

/// The weeks, and the import form; after a refused import, the form again with what
/// was wrong above it and what was typed kept.
pub(crate) fn home(
    weeks: &[WeekLine],
    latest: Option<&Import>,
    csrf: &str,
    by: &str,
    refused: Option<&RefusedImport>,
) -> Markup {
    let next_monday = latest
        .and_then(|i| chrono::NaiveDate::parse_from_str(&i.files.week, "%Y-%m-%d").ok())
        .map(|d| (d + chrono::Duration::days(7)).to_string())
        .unwrap_or_default();
    let week = refused.map_or(next_monday.as_str(), |r| r.week.as_str());
    let described = refused.map(|_| "import-problem");
    let by = refused.map_or(by, |r| r.by.as_str());
    page(
        if refused.is_some() {
            "Import refused"
        } else {
            "Weeks"
        },
        html! {
            h1 { "The coordinator's weeks" }
            section.import {
                h2 { "Import a week" }
                p.note { "The supporters file and the register of families (referrals), as for "
                    code { "caseload allocate" } ". Every row is checked first: if any is wrong, nothing is stored and each problem is listed by file, line and column." }
                @if let Some(r) = refused {
                    // The focus starts on the problem; each field the coordinator fills
                    // in again is described by it.
                    div.problem #import-problem role="alert" {
                        h3 tabindex="-1" autofocus { (r.title) }
                        (problem_lines(&r.lines))
                        p { "Nothing was stored. The week, your initials and the boxes are kept below; choose the files again (a browser never keeps them), mended if need be." }
                    }
                }
                form method="post" action="/import" enctype="multipart/form-data" {
                    input type="hidden" name="csrf" value=(csrf);
                    // Weeks are Mondays: the browser refuses another day before sending
                    // (stepping in weeks from Monday 1 September 2014, when the reforms began).
                    p { label { "Week of Monday " input type="date" name="week" value=(week) min="2014-09-01" step="7" required aria-describedby=[described]; } }
                    p { label { "Register (referrals.csv) " input type="file" name="referrals" accept=".csv,text/csv" required aria-describedby=[described]; } }
                    p {
                        label { "Supporters (supporters.csv) " input type="file" name="supporters" accept=".csv,text/csv" required[latest.is_none()] aria-describedby=[described]; }
                        @if let Some(latest) = latest {
                            br; span.note { "Leave empty to keep " code { (latest.files.supporters_name) } " from the week of " (latest.files.week) "." }
                        }
                    }
                    p {
                        label { "Policy (policy.toml, optional) " input type="file" name="policy" accept=".toml"; }
                        @if let Some((name, _)) = latest.and_then(|l| l.files.policy.as_ref()) {
                            br; span.note { "Leave empty to keep " code { (name) } " from the week of " (latest.map_or("", |l| l.files.week.as_str())) ", or " }
                            label { input type="checkbox" name="no_policy" value="yes" checked[refused.is_some_and(|r| r.no_policy)]; " use no policy (the defaults)" }
                        }
                    }
                    p { label { input type="checkbox" name="anyway" value="yes" checked[refused.is_some_and(|r| r.anyway)]; " Import anyway: the register was changed on purpose and need not carry last week's accepted plan" } }
                    p { (by_field(by)) " " button type="submit" { "Import" } }
                }
            }
            section.weeks {
                h2 { "Weeks" }
                @if weeks.is_empty() {
                    p { "No week imported yet." }
                } @else {
                    (wide("Weeks imported", html! { table {
                        thead { tr { th { "Week of" } th { "Imported" } th.num { "Decisions" } th { "State" } } }
                        tbody {
                            // Discarded drafts last: a mistyped year must not head the list.
                            @for w in weeks.iter().filter(|w| w.discarded.is_none()).chain(weeks.iter().filter(|w| w.discarded.is_some())) {
                                tr {
                                    th scope="row" { a href={ "/weeks/" (w.id) } { (w.week) } }
                                    td { (w.imported_by) ", " (when(&w.imported_at)) }
                                    td.num { (w.decisions) }
                                    td {
                                        @match &w.accepted {
                                            Some(a) => { "accepted by " (a.by) ", " (when(&a.at)) }
                                            None if w.discarded.is_some() => { "discarded by " (w.discarded.as_ref().map_or("", |d| d.0.as_str())) ": " (w.discarded.as_ref().map_or("", |d| d.1.as_str())) }
                                            None if w.superseded => { "superseded (another import of this Monday was accepted)" }
                                            None => { span.open { "open" } }
                                        }
                                    }
                                }
                            }
                        }
                    } }))
                }
            }
        },
    )
}

/// Accepted weeks: what was decided, by whom, when, and at what cost.
pub(crate) fn history(weeks: &[WeekLine]) -> Markup {
    page(
        "History",
        html! {
            h1 { "History of accepted weeks" }
            p.note { "An accepted week is a record, not a draft: it cannot be changed. The cost of decisions is what the families waiting gave up for the coordinator's pins and forbids (score points)." }
            (wide("Accepted weeks", html! { table.history {
                thead { tr { th { "Week of" } th { "Accepted by" } th { "At" } th.num { "New assignments" } th.num { "Waiting" } th.num { "Total score" } th.num { "Decisions" } th.num { "Their cost" } th { "Files" } } }
                tbody {
                    @for w in weeks {
                        @if let Some(a) = &w.accepted {
                            tr {
                                th scope="row" { a href={ "/weeks/" (w.id) } { (w.week) } }
                                td { (a.by) }
                                td { (when(&a.at)) }
                                td.num { (a.newly_assigned) }
                                td.num { (a.waiting) }
                                td.num { (format!("{:.2}", a.objective)) }
                                td.num { (a.decisions) }
                                td.num { (format!("{:.2}", a.decisions_cost)) }
                                td { a href={ "/weeks/" (w.id) "/files/register.csv" } aria-label={ "register for the week after " (w.week) } { "register" } " · " a href={ "/weeks/" (w.id) "/report" } aria-label={ "report of the week of " (w.week) } { "report" } }
                            }
                        }
                    }
                }
            } }))
            @if weeks.iter().all(|w| w.accepted.is_none()) { p { "No week accepted yet." } }
        },
    )
}

fn report_options(id: i64) -> ReportOptions {
    ReportOptions {
        family_link: Some(format!("/weeks/{id}/families/")),
        area_link: Some(format!("/weeks/{id}/areas/")),
        embedded: true,
        ..ReportOptions::default()
    }
}

fn status_banner(now: &WeekNow) -> Markup {
    let differs = now
        .accepted
        .as_ref()
        .is_some_and(|a| crate::week::digest(&a.assignments_csv) != now.planned.digest());
    html! {
        @match (&now.accepted, &now.superseded) {
            (None, _) if now.import.discarded.is_some() => p.banner.warning {
                @if let Some((by, at, note)) = &now.import.discarded {
                    "Discarded by " strong { (by) } " at " (when(at)) ": " (note) ". This draft is kept as it was; it can no longer change or be accepted."
                }
            }
            (Some(a), _) => p.banner.accepted { "Accepted by " strong { (a.accepted_by) } " at " (when(&a.accepted_at)) ": this week is a record and cannot change. Its register for next week is under Files on the week's page." }
            (None, Some(other)) => p.banner.warning { "Superseded: another import of the week of " (now.import.files.week) " was "
                a href={ "/weeks/" (other.id) } { "accepted" } " by " strong { (other.by) } " at " (when(&other.at)) ". This import can no longer change or be accepted; it is kept as it was." }
            (None, None) => p.banner.open { "Open: a draft to review, not yet accepted. "
                @match now.import.revision { 0 => "No decision made or withdrawn yet.", 1 => "Decisions changed once so far.", n => { "Decisions changed " (n) " times so far." } } }
        }
        @if now.is_open() && !now.siblings.is_empty() {
            p.banner.warning {
                @if now.siblings.len() == 1 { "This Monday has another import open too: " } @else { "This Monday has " (now.siblings.len()) " other imports open too: " }
                @for (i, other) in now.siblings.iter().enumerate() {
                    @if i > 0 { ", " }
                    a href={ "/weeks/" (other.id) } { "imported by " (other.imported_by) " at " (when(&other.imported_at)) }
                    @match other.decisions() { 0 => " (no decision in force)", 1 => { " (" strong { "1 decision in force" } ")" }, n => { " (" strong { (n) " decisions in force" } ")" } }
                }
                ". Only one of them can be accepted, and each has its own decisions: make them on the one you will accept. Accepting this one sets the others' decisions aside." }
        }
        // What the register changed since the week before, on every state of the
        // week's page, as its reports keep it.
        @if let Some(sentence) = now.handwork.as_ref().and_then(|h| h.undone_sentence(10)) {
            p.note.undone { (sentence) }
        }
        @if let Some(sentence) = now.handwork.as_ref().and_then(|h| h.moves_sentence(10)) {
            p.note.moved { (sentence) }
        }
        @if now.accepted.is_some() && now.siblings_decisions() > 0 {
            p.note.set-aside { strong { "Set aside by this acceptance: " }
                @for (i, other) in now.siblings_holding().enumerate() {
                    @if i > 0 { "; " }
                    (decisions_named(&other.in_force)) " of "
                    a href={ "/weeks/" (other.id) } { "the import by " (other.imported_by) " at " (when(&other.imported_at)) }
                }
                @if now.siblings_holding().count() == 1 { ", another import of this Monday" } @else { ", other imports of this Monday" }
                @if now.siblings_decisions() == 1 { ": it did not apply to this week's record." } @else { ": they did not apply to this week's record." } }
        }
        @if now.is_open() {
            @if let Some(gap) = weeks_after(&now.import.files.week, now.before.as_deref()).filter(|w| *w > 1) {
                p.banner.warning { "This Monday is " (gap) " weeks after the last accepted week (the week of " (now.before.as_deref().unwrap_or_default()) "): " @if gap == 2 { "the week between has no accepted plan here." } @else { "the " (gap - 1) " weeks between have no accepted plan here." } " If the date is a typo, import the week again with the right Monday and discard this draft (below its Accept button); weeks are accepted in order, so accepting this one closes the weeks before it." }
            }
            @if now.import.files.imported_anyway {
                p.banner.warning { "Imported anyway: " (now.import.files.imported_by) " ticked \"Import anyway\", so this register was taken though it does not carry every change of the week accepted before it. Check it before accepting: what it leaves out is undone."
                }
            }
            @if !now.uncarried.is_empty() {
                div.banner.warning role="alert" {
                    p { strong { "This import cannot be accepted as it is." } }
                    @for line in &now.uncarried { p { (line) } }
                }
            }
        }
        @if differs {
            p.banner.warning { "The plan shown here was solved again and differs from the one accepted (the solver stopped at its time limit): the files under Files, and the report, are the record." }
        }
    }
}

/// Whole weeks from the Monday `before` to the Monday `week`, when both are dates.
fn weeks_after(week: &str, before: Option<&str>) -> Option<i64> {
    let date = |d: &str| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok();
    Some((date(week)? - date(before?)?).num_days() / 7)
}

/// A refusal, as a fragment (for htmx, which swaps only what answers 200).
pub(crate) fn refusal(lines: &[String]) -> Markup {
    html! {
        div.refusal role="alert" {
            @for line in lines { p { (line) } }
        }
    }
}

fn downloads(now: &WeekNow) -> Markup {
    let id = now.import.id;
    html! {
        section.files {
            h2 { "Files" }
            ul.files {
                @if now.accepted.is_some() {
                    li { a href={ "/weeks/" (id) "/files/register.csv" } { "register.csv" } " — next week's register: this week's assignments recorded as open cases" }
                }
                li { a href={ "/weeks/" (id) "/report" } { "The printable report" } }
                @for (name, what) in [
                    ("assignments.csv", "every family with a supporter after the week: open cases kept and new assignments"),
                    ("waiting.csv", "the waiting list: ranks, and why each family waits"),
                    ("supporters.csv", "each supporter's hours and cases used after the week (a table to read: next week's import takes the supporters file you keep)"),
                    ("districts.csv", "each district's share of its waiting families served"),
                    ("decisions.csv", "the pins and forbids in force, as allocate reads them"),
                ] {
                    li { a href={ "/weeks/" (id) "/files/" (name) } { (name) } " — " (what) }
                }
                li { "As imported, byte for byte: "
                    a href={ "/weeks/" (id) "/files/imported-referrals.csv" } { "the register" } " (" code { (now.import.files.referrals_name) } ") and "
                    a href={ "/weeks/" (id) "/files/imported-supporters.csv" } { "the supporters file" } " (" code { (now.import.files.supporters_name) } ")" }
                @match &now.import.files.policy {
                    Some((name, _)) => li { a href={ "/weeks/" (id) "/files/policy.toml" } { "policy.toml" } " — the policy the week was planned with (" (name) ")" },
                    None => li { "No policy file: the week was planned with the default policy." },
                }
            }
        }
    }
}

fn find_form(id: i64) -> Markup {
    html! {
        form.find method="get" action={ "/weeks/" (id) "/find" } {
            label { "Family (referral id) " input type="text" name="referral" required size="10"; }
            " " button type="submit" { "Explain" }
        }
    }
}

/// The week: its state, decisions, accept, files, and the plan (all areas when few,
/// else the overview with a page per area).
pub(crate) fn week(now: &WeekNow, csrf: &str, by: &str) -> Markup {
    let id = now.import.id;
    let plan = &now.planned.plan;
    let caseload = &now.planned.loaded.caseload;
    let options = report_options(id);
    let warnings = now.planned.loaded.warnings();
    let few_areas = plan.areas.len() <= 3;
    week_page(
        &format!("Week of {}", now.import.files.week),
        now,
        html! {
            h1 { "Week of Monday " (now.import.files.week) }
            (status_banner(now))
            p.note { "Imported by " (now.import.files.imported_by) " at " (when(&now.import.imported_at)) " from "
                code { (now.import.files.referrals_name) } " and "
                code { (now.import.files.supporters_name) }
                @if let Some(week) = &now.import.files.supporters_kept_from { " (kept from the week of " (week) ", not uploaded)" }
                @if let Some((name, _)) = &now.import.files.policy {
                    " with " code { (name) }
                    @if let Some(week) = &now.import.files.policy_kept_from { " (kept from the week of " (week) ")" }
                }
                ". Solver: " (plan.solver.status) ", total score " (format!("{:.2}", plan.solver.objective)) "." }
            @if !warnings.is_empty() {
                details.warnings {
                    summary { (count(warnings.len(), "remark", "remarks")) " on the files" }
                    ul { @for w in &warnings { li { (readable(&w.to_string())) } } }
                }
            }
            div.actions {
                (find_form(id))
                (decisions_panel(now, csrf, by, ""))
                @if now.is_open() {
                    p.note.to-accept { a href="#accept" { "Accept the week" } " is below the plan, once it is read." }
                }
                (downloads(now))
            }
            @if few_areas {
                (caseload_report::sections(caseload, plan, &options))
            } @else {
                (caseload_report::summary(caseload, plan, &options))
            }
            @if now.is_open() {
                section.accept id="accept" {
                    h2 { "Accept the week" }
                    p.note { "Records this plan's new assignments in the register for next week. Once accepted, the week cannot change." }
                    @if now.uncarried.is_empty() {
                        form method="post" action={ "/weeks/" (id) "/accept" } {
                            input type="hidden" name="csrf" value=(csrf);
                            input type="hidden" name="revision" value=(now.import.revision);
                            input type="hidden" name="plan" value=(now.planned.digest());
                            input type="hidden" name="aside" value=(now.siblings.iter().flat_map(|s| s.in_force.iter().map(|d| d.id.to_string())).collect::<Vec<_>>().join(","));
                            p { label { input type="checkbox" name="reviewed" value="yes" required; " I have read this plan and the decisions in force" } }
                            @if now.siblings_decisions() > 0 {
                                p { label { input type="checkbox" name="set_aside" value="yes" required;
                                    @if now.siblings_decisions() == 1 { " I set aside the decision" } @else { " I set aside the " (now.siblings_decisions()) " decisions" }
                                    " made on " @if now.siblings_holding().count() == 1 { "another import" } @else { "other imports" } " of this Monday ("
                                    @for (i, other) in now.siblings_holding().enumerate() {
                                        @if i > 0 { "; " }
                                        (decisions_named(&other.in_force))
                                    }
                                    "): "
                                    @if now.siblings_decisions() == 1 { "it will not apply" } @else { "they will not apply" } } }
                            }
                            // Typed each time, never filled in from an earlier form: on a
                            // shared computer, the record must name who accepted.
                            (by_field("")) " "
                            button.accept type="submit" { "Accept the week of " (now.import.files.week) }
                        }
                    } @else {
                        p.refusal { "This import cannot be accepted: its register does not carry the week accepted before it (see the top of the page)." }
                    }
                    details.discard {
                        summary { "Discard this draft instead" }
                        p.note { "For a draft that should never be accepted (a mistyped Monday, a trial import): it is kept as it was, marked discarded with the reason, and no longer offered or carried forward." }
                        form method="post" action={ "/weeks/" (id) "/discard" } {
                            input type="hidden" name="csrf" value=(csrf);
                            input type="hidden" name="revision" value=(now.import.revision);
                            p { label { "Why " input type="text" name="note" required size="40" maxlength="200"; } }
                            (by_field("")) " "
                            button type="submit" { "Discard the draft of " (now.import.files.week) }
                        }
                    }
                }
            }
        },
    )
}

/// One area of the week.
pub(crate) fn area(now: &WeekNow, area: &str) -> Markup {
    let id = now.import.id;
    let plan = &now.planned.plan;
    let section = caseload_report::area(
        &now.planned.loaded.caseload,
        plan,
        area,
        &report_options(id),
    );
    let name =
        caseload_model::england_area(area).map_or(area.to_string(), |n| format!("{n} ({area})"));
    week_page(
        &format!("{name}, week of {}", now.import.files.week),
        now,
        html! {
            p.back { a href={ "/weeks/" (id) } { "← The week of " (now.import.files.week) } }
            h1 { (name) ", week of Monday " (now.import.files.week) }
            (status_banner(now))
            (find_form(id))
            @if let Some(section) = section { (section) }
        },
    )
}

/// No such family in the week: said on a page of the week, with the way back to it and
/// the form to try another id.
pub(crate) fn no_family(now: &WeekNow, referral: &str, why: &str) -> Markup {
    let id = now.import.id;
    week_page(
        &format!("No family {referral}, week of {}", now.import.files.week),
        now,
        html! {
            p.back { a href={ "/weeks/" (id) } { "← The week of " (now.import.files.week) } }
            section.problem role="alert" {
                h1 { "No family " (referral) " in the week of Monday " (now.import.files.week) }
                p { (readable(why)) }
            }
            (find_form(id))
        },
    )
}

/// The decisions in force (and withdrawn), with the forms to change them while open.
fn decisions_panel(now: &WeekNow, csrf: &str, by: &str, back: &str) -> Markup {
    let id = now.import.id;
    let open = now.is_open();
    // The column holds the withdraw forms while the week is open, and afterwards only
    // the withdrawals made: an accepted week without any has no such column.
    let withdrawals = open || now.decisions.iter().any(|d| d.withdrawn.is_some());
    html! {
        section.decisions-panel {
            h2 { "Decisions" }
            @if now.superseded.is_some() && !now.decisions.is_empty() {
                p.note { strong { "Set aside:" } " another import of this Monday was accepted, so these decisions did not apply to the week's record." }
            }
            @if now.decisions.is_empty() {
                p { "No pin or forbid this week." }
            } @else {
                (wide("Decisions", html! { table {
                    thead { tr { th.num { "No." } th { "Decision" } th { "Family" } th { "Supporter" } th { "Note" } th { "By" } th { "At" } @if withdrawals { th { "Withdrawal" } } } }
                    tbody {
                        // Numbered as the plan's messages name them ("decision 2"),
                        // withdrawn ones counted, so that a number keeps its meaning.
                        @for (number, d) in now.decisions.iter().enumerate() {
                            tr.withdrawn[d.withdrawn.is_some()] {
                                td.num { (number + 1) }
                                td { (d.kind) }
                                th.id scope="row" { a href={ "/weeks/" (id) "/families/" (path_segment(&d.referral_id)) } { (d.referral_id) } }
                                td.id { (d.supporter_id) }
                                td { (d.note) }
                                td { (d.made_by) }
                                td { (when(&d.made_at)) }
                                @if withdrawals { td {
                                    @if let Some((who, at)) = &d.withdrawn {
                                        "withdrawn by " (who) ", " (when(at))
                                        @if !d.withdrawn_note.is_empty() { ": " (d.withdrawn_note) }
                                    } @else if open {
                                        form method="post" action={ "/weeks/" (id) "/decisions/" (d.id) "/withdraw" } {
                                            input type="hidden" name="csrf" value=(csrf);
                                            input type="hidden" name="revision" value=(now.import.revision);
                                            input type="hidden" name="back" value=(back);
                                            label { "Why " input type="text" name="note" size="16" placeholder="(no names)" aria-label={ "Why decision " (number + 1) " is withdrawn" }; }
                                            " " (by_field_for(by, Some(&format!("withdrawing decision {}", number + 1)))) " "
                                            button type="submit" { "Withdraw decision " (number + 1) }
                                        }
                                    }
                                } }
                            }
                        }
                    }
                } }))
            }
        }
    }
}

fn decision_form(
    now: &WeekNow,
    csrf: &str,
    by: &str,
    referral: &str,
    supporters: &[(&str, Option<&str>)],
) -> Markup {
    let id = now.import.id;
    html! {
        form.decide method="post" action={ "/weeks/" (id) "/decisions" } {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="revision" value=(now.import.revision);
            input type="hidden" name="referral_id" value=(referral);
            input type="hidden" name="back" value={ "/weeks/" (id) "/families/" (path_segment(referral)) };
            label { "Supporter for " (referral) " "
                select name="supporter_id" {
                    @for (s, why_not) in supporters {
                        option value=(s) { (s) @if let Some(why) = why_not { " (" (why) ")" } }
                    }
                }
            }
            " "
            label { "Note " input type="text" name="note" size="30" placeholder="why (no names)"; }
            " " (by_field(by)) " "
            button type="submit" name="kind" value="pin" { "Pin " (referral) " to this supporter" }
            " "
            button type="submit" name="kind" value="forbid" { "Forbid this supporter" }
        }
    }
}

/// Why a family was or was not given a supporter, and what the coordinator can do.
pub(crate) fn family(now: &WeekNow, e: &Explanation, csrf: &str, by: &str) -> Markup {
    let id = now.import.id;
    // Those who could take the family first, for a pin; everyone, for a forbid; each
    // with why a pin cannot hold, if it cannot (as the pin itself would be refused).
    let mut supporters: Vec<(&str, Option<&str>)> = e
        .supporters
        .iter()
        .map(|s| (s.supporter_id.as_str(), s.pin_refused))
        .collect();
    supporters.sort_by_key(|(_, why_not)| why_not.is_some());
    // What the register says of the family, for deciding who should take it.
    let row = now
        .planned
        .loaded
        .caseload
        .referrals
        .iter()
        .find(|r| r.id == e.referral_id);
    week_page(
        &format!("{}, week of {}", e.referral_id, now.import.files.week),
        now,
        html! {
            p.back { a href={ "/weeks/" (id) } { "← The week of " (now.import.files.week) } " · " a href={ "/weeks/" (id) "/areas/" (path_segment(&e.area)) } { "Area " (e.area) } }
            h1 { "Family " (e.referral_id) ", week of Monday " (now.import.files.week) }
            (status_banner(now))
            p.lead.outcome { (e.outcome) }
            table.facts {
                tbody {
                    tr { th { "Area" } td { (e.area) } }
                    @if let Some(r) = row {
                        tr { th { "District" } td { (r.district.as_deref().unwrap_or("not recorded")) } }
                        tr { th { "Assessment" } td { @match r.kind {
                            caseload_model::ReferralKind::New => "a new EHC needs assessment",
                            caseload_model::ReferralKind::Transfer => "a transfer of a statement to an EHC plan",
                        } } }
                        tr { th { "Received" } td { (r.received) ", " @match r.source {
                            caseload_model::Source::SelfReferral => "a self-referral",
                            caseload_model::Source::La => "referred by the local authority",
                            caseload_model::Source::Professional => "referred by a professional",
                        } } }
                        tr { th { "Complexity" } td { (format!("{:?}", r.complexity).to_lowercase()) } }
                        tr { th { "Needs" } td { @if r.needs.is_empty() { "none recorded" } @else { (r.needs.join(", ")) } } }
                        tr { th { "Language" } td { (r.language.as_deref().unwrap_or("English")) } }
                        @if !r.exclude.is_empty() { tr { th { "Not with (conflict of interest)" } td { (r.exclude.join(", ")) } } }
                    }
                    tr { th { "Priority" } td { (e.priority) " (weight " (e.weight) ")" } }
                    tr { th { "On the 20-week clock" } td { (clock(e.weeks_on_clock)) " (urgency " (format!("{:.2}", e.urgency)) ")" } }
                    tr { th { "Score" } td { (format!("{:.2}", e.base_score)) (caseload_report::words::with_local_bonus(e.base_score, e.local_bonus)) } }
                    tr { th { "Hours a week" } td { (e.hours) } }
                    @if let Some(s) = &e.supporter_id { tr { th { "Supporter" } td { (s) } } }
                    @if let Some(reason) = e.reason { tr { th { "Waiting because" } td { (reason.words()) } } }
                    @if let Some(rank) = e.rank { tr { th { "Place in the area's waiting list" } td { (rank) } } }
                }
            }
            @if !e.decisions.is_empty() {
                h2 { "Decisions about this family" }
                ul { @for d in &e.decisions { li { (d.decision.code()) " " (d.supporter_id) ": " (d.effect) @if let Some(note) = &d.note { " (" (note) ")" } } } }
            }
            h2 { "The area's supporters" }
            (wide("The area's supporters", html! { table.verdicts {
                thead { tr { th { "Supporter" } th { "Status" } th { "Could take the family?" } th.num { "Score" } th.num { "Hours free after the week" } th.num { "Case slots free" } th { "New cases this week" } } }
                tbody {
                    @for s in &e.supporters {
                        tr.ineligible[!s.eligible] {
                            th.id scope="row" { (s.supporter_id) }
                            td { (format!("{:?}", s.status).to_lowercase()) }
                            td { (s.detail) }
                            td.num { @if let Some(score) = s.score { (format!("{score:.2}")) } }
                            td.num { (format!("{:.1}", s.free_hours_after)) }
                            td.num { @if s.free_cases_after < 0 { "none (over by " (-s.free_cases_after) ")" } @else { (s.free_cases_after) } }
                            td { @for (i, (r, _)) in s.new_cases.iter().enumerate() { @if i > 0 { ", " } span.id { (r) } } }
                        }
                    }
                }
            } }))
            section.recommend {
                h2 { "Who should take this family?" }
                p.note { "Re-plans the area's week with the family placed with each supporter in turn, and ranks the weeks (this can take a few seconds)." }
                // A button that asks for the ranking in place; without script, the form
                // opens it as a page. A screen reader hears the short status line, not
                // the whole table; focus moves to the ranking's heading when it comes.
                form.rank method="get" action={ "/weeks/" (id) "/families/" (path_segment(&e.referral_id)) "/recommend" } {
                    button type="submit"
                        hx-get={ "/weeks/" (id) "/families/" (path_segment(&e.referral_id)) "/recommend" }
                        hx-target="#recommendation" hx-indicator="#recommend-busy" { "Rank the supporters" }
                    span #recommend-busy .htmx-indicator { " working…" }
                }
                p #recommend-status .note role="status" {}
                div #recommendation {}
            }
            @if now.is_open() && !supporters.is_empty() {
                section.decide {
                    h2 { "Pin or forbid" }
                    p.note { "A pin gives the family to that supporter this week; a forbid keeps them apart this week. The plan is re-optimised around it; a decision that cannot hold is refused with the reason. Decisions hold for this week only: to keep a family from a supporter for good (a conflict of interest, a complaint), add the supporter's id to the family's " code { "exclude" } " column in the register." }
                    (decision_form(now, csrf, by, &e.referral_id, &supporters))
                }
            }
            (decisions_panel(now, csrf, by, &format!("/weeks/{id}/families/{}", path_segment(&e.referral_id))))
        },
    )
}

/// The ranking asked for in place (htmx): a heading that takes the focus, the ranking,
/// and a short line for the status region (swapped out of band), which a screen
/// reader reads instead of the whole table; or the refusal, said the same way.
pub(crate) fn recommendation_in_place(
    id: i64,
    referral: &str,
    r: Result<&Recommendation, &[String]>,
) -> Markup {
    let status = match r {
        Ok(r) if r.candidates.is_empty() => format!("No supporter can take {referral} this week."),
        Ok(r) => format!(
            "{} ranked for {referral}; the first is {}.",
            count(r.candidates.len(), "supporter", "supporters"),
            r.candidates[0].supporter_id
        ),
        Err(_) => format!("No ranking for {referral}: see why below."),
    };
    html! {
        h3 tabindex="-1" autofocus {
            @if r.is_ok() { "Supporters ranked for " (referral) } @else { "No ranking for " (referral) }
        }
        @match r {
            Ok(r) => (recommendation(id, r)),
            Err(lines) => (refusal(lines)),
        }
        // Into the status region already on the page, not a new one in its place: a
        // screen reader reads a live region's change, not a region that arrives full.
        p #recommend-status hx-swap-oob="innerHTML" { (status) }
    }
}

/// The supporters ranked for one family (a fragment, for htmx or inside a page).
pub(crate) fn recommendation(id: i64, r: &Recommendation) -> Markup {
    html! {
        div.recommendation {
            p { @if r.pinned_to.is_some() { "Week's total score without the family's pin " } @else { "Week's total score now " } (format!("{:.2}", r.plan_objective)) "; without the family at all " (format!("{:.2}", r.without_family)) "."
                @if let Some(pinned) = &r.pinned_to {
                    " A decision pins the family to " strong { (pinned) } "; the ranking sets it aside, to weigh every supporter"
                    @if let Some(c) = r.candidates.iter().find(|c| &c.supporter_id == pinned) {
                        " (with the pin, the plan in force scores " (format!("{:.2}", c.total)) ": " (pinned) "'s row)"
                    }
                    "."
                }
                @match (r.pinned_to.is_some(), &r.planned) {
                    (false, Some(s)) => { " This week's plan gives the family to " strong { (s) } "." }
                    (false, None) => { " In this week's plan the family waits." }
                    (true, Some(s)) => { " Without that pin, this week's plan gives the family to " strong { (s) } "." }
                    (true, None) => { " Without that pin, the family would wait this week." }
                } }
            @if r.candidates.is_empty() {
                p { "No supporter of the area can take the family this week." }
            } @else {
                (wide("Supporters ranked", html! { table.candidates {
                    thead { tr { th.num { "Rank" } th { "Supporter" } th.num { "Score" } th.num { "Week's total" } th.num { @if r.pinned_to.is_some() { "Against the plan without the pin" } @else { "Against the plan" } } th.num { "Hours after" } th.num { "Cases after" } th { "Others placed or displaced, against the plan" } th { "Left waiting for the family" } } }
                    tbody {
                        @for c in &r.candidates {
                            tr {
                                td.num { (c.rank) }
                                th.id scope="row" { (c.supporter_id) }
                                td.num { (format!("{:.2}", c.score)) }
                                td.num { (format!("{:.2}", c.total)) }
                                td.num { (format!("{:+.2}", c.against_plan)) }
                                td.num { (format!("{:.1} / {:.1}", c.hours_used, c.hours_per_week)) }
                                td.num { (c.cases) " / " (c.max_cases) }
                                td {
                                    @for (i, m) in c.moves.iter().enumerate() {
                                        @if i > 0 { "; " }
                                        a href={ "/weeks/" (id) "/families/" (path_segment(&m.referral_id)) } { (m.referral_id) }
                                        ": " (m.from.as_deref().unwrap_or("waiting")) " → " (m.to.as_deref().unwrap_or("waiting"))
                                    }
                                    @if c.moves.is_empty() { span.none { "none" } }
                                }
                                td {
                                    @for (i, f) in c.left_waiting.iter().enumerate() {
                                        @if i > 0 { ", " }
                                        a href={ "/weeks/" (id) "/families/" (path_segment(f)) } { (f) }
                                    }
                                    @if c.left_waiting.is_empty() { span.none { "none" } }
                                }
                            }
                        }
                    }
                } }))
            }
            @if !r.candidates.is_empty() {
                p.note { "Each row is the week re-planned with the family placed with that supporter. Score: the family's score with them. Week's total: the best total score of such a week. Against the plan: that total less this week's plan's. Others placed or displaced: families who have a supporter in one of the two weeks and wait in the other (families who only change supporter are not listed: among plans of the same score, who takes whom is a tie). Left waiting for the family: families placed in the week without this family who wait in this one. Equal totals are ranked by supporter id." }
            }
            @if !r.unable.is_empty() {
                p.note { "Cannot take the family: " @for (i, u) in r.unable.iter().enumerate() { @if i > 0 { "; " } (u.supporter_id) " (" (u.why) ")" } }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::readable;

    #[test]
    fn problems_read_as_places_in_words() {
        let cases = [
            (
                "referrals.csv:2:9: `priority`: `0` is not a priority",
                "<span class=\"where\"><code>referrals.csv</code>, line 2, column 9</span>: <code>priority</code>: <code>0</code> is not a priority",
            ),
            // A file's name may hold ": " itself.
            (
                "week 2: referrals.csv:3:4: bad",
                "<span class=\"where\"><code>week 2: referrals.csv</code>, line 3, column 4</span>: bad",
            ),
            // A whole line, a whole file.
            (
                "s.csv:1:0: the file is empty",
                "<span class=\"where\"><code>s.csv</code>, line 1</span>: the file is empty",
            ),
            (
                "warning: s.csv:0:0: no rows",
                "<span class=\"where\"><code>s.csv</code></span>: no rows",
            ),
            // Prose stays prose, names in backticks as code.
            (
                "Tick the box: then `accept`.",
                "Tick the box: then <code>accept</code>.",
            ),
            ("<b>", "&lt;b&gt;"),
        ];
        for (line, html) in cases {
            assert_eq!(readable(line).into_string(), html, "{line}");
        }
    }
}
