//! The week's tables as CSV (what `allocate --tables` writes, and the web app's
//! downloads): assignments, the waiting list, supporters' loads and districts.

use caseload_model::SupporterStatus;
use caseload_solve::{Plan, WaitingEntry};

use crate::words::clock;

/// A table could not be written as CSV.
#[derive(Debug, thiserror::Error)]
#[error("cannot write the table as CSV: {0}")]
pub struct TableError(String);

impl From<csv::Error> for TableError {
    fn from(err: csv::Error) -> TableError {
        TableError(err.to_string())
    }
}

/// Assignments (open cases and new) as CSV, with the coordinator's decisions.
pub fn assignments_csv(plan: &Plan) -> Result<String, TableError> {
    #[derive(serde::Serialize, Default)]
    struct Row<'p> {
        referral_id: &'p str,
        supporter_id: &'p str,
        area: &'p str,
        score: f64,
        hours: f64,
        open_case: bool,
        reallocated: bool,
        decision: Option<&'p str>,
        note: Option<&'p str>,
        moved_from: Option<&'p str>,
        without_equity: Option<&'p str>,
        without_balance: Option<&'p str>,
    }
    let rows: Vec<Row> = plan
        .assignments
        .iter()
        .map(|a| Row {
            referral_id: &a.referral_id,
            supporter_id: &a.supporter_id,
            area: &a.area,
            score: a.score,
            hours: a.hours,
            open_case: a.open_case,
            reallocated: a.reallocated,
            decision: a.marks.decision.as_deref(),
            note: a.marks.note.as_deref(),
            moved_from: a.marks.moved_from.as_deref(),
            without_equity: a.otherwise.without_equity.as_deref(),
            without_balance: a.otherwise.without_balance.as_deref(),
        })
        .collect();
    to_csv(&rows)
}

/// The waiting list as CSV, by area and rank: the reason in words and as its code, the
/// clock in words beside its number, and any exception to the 20-week limit.
pub fn waiting_csv(plan: &Plan) -> Result<String, TableError> {
    #[derive(serde::Serialize, Default)]
    struct Row<'p> {
        area: &'p str,
        rank: usize,
        referral_id: &'p str,
        priority: u8,
        weeks_on_clock: i64,
        on_the_clock: String,
        score: f64,
        reason: &'static str,
        reason_code: &'static str,
        eligible_supporters: usize,
        reallocated: bool,
        decision: Option<&'p str>,
        note: Option<&'p str>,
        moved_from: Option<&'p str>,
        without_equity: Option<&'p str>,
        without_balance: Option<&'p str>,
        without_decisions: Option<&'p str>,
        exception: Option<char>,
        exception_noted: Option<String>,
    }
    let mut waiting: Vec<&WaitingEntry> = plan.waiting.iter().collect();
    waiting.sort_by(|a, b| a.area.cmp(&b.area).then(a.rank.cmp(&b.rank)));
    let rows: Vec<Row> = waiting
        .into_iter()
        .map(|w| Row {
            area: &w.area,
            rank: w.rank,
            referral_id: &w.referral_id,
            priority: w.priority,
            weeks_on_clock: w.weeks_on_clock,
            on_the_clock: clock(w.weeks_on_clock),
            score: w.score,
            reason: w.reason.words(),
            reason_code: w.reason.code(),
            eligible_supporters: w.eligible_supporters,
            reallocated: w.reallocated,
            decision: w.marks.decision.as_deref(),
            note: w.marks.note.as_deref(),
            moved_from: w.marks.moved_from.as_deref(),
            without_equity: w.otherwise.without_equity.as_deref(),
            without_balance: w.otherwise.without_balance.as_deref(),
            without_decisions: w.otherwise.without_decisions.as_deref(),
            exception: w.exception.map(|e| e.letter()),
            exception_noted: w.exception_noted.map(|d| d.to_string()),
        })
        .collect();
    to_csv(&rows)
}

/// Every area's districts as CSV: the families some supporter with room could take
/// this week, those served, and the same in the best-score plan before equity.
pub fn districts_csv(plan: &Plan) -> Result<String, TableError> {
    to_csv(&plan.equity.districts)
}

/// Every supporter's load after the week as CSV, with the shares of hours and case
/// slots used.
pub fn supporters_csv(plan: &Plan) -> Result<String, TableError> {
    #[derive(serde::Serialize, Default)]
    struct Row<'p> {
        area: &'p str,
        supporter_id: &'p str,
        status: &'static str,
        hours_used: f64,
        hours_per_week: f64,
        hours_share: f64,
        cases: u32,
        max_cases: u32,
        cases_share: f64,
        new_cases: u32,
        over_capacity: bool,
        on_leave: bool,
    }
    let rows: Vec<Row> = plan
        .supporters
        .iter()
        .map(|s| Row {
            area: &s.area,
            supporter_id: &s.supporter_id,
            status: match s.status {
                SupporterStatus::Paid => "paid",
                SupporterStatus::Volunteer => "volunteer",
            },
            hours_used: s.hours_used,
            hours_per_week: s.hours_per_week,
            hours_share: s.hours_share,
            cases: s.cases,
            max_cases: s.max_cases,
            cases_share: s.cases_share,
            new_cases: s.new_cases,
            over_capacity: s.over_capacity,
            on_leave: s.on_leave,
        })
        .collect();
    to_csv(&rows)
}

/// The rows as CSV, under their header; with no rows, the header alone (an empty file
/// told a spreadsheet or a script nothing of the columns).
fn to_csv<T: serde::Serialize + Default>(rows: &[T]) -> Result<String, TableError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    if rows.is_empty() {
        // The header comes from serialising a row; the row itself is left out.
        writer.serialize(T::default())?;
    }
    for row in rows {
        writer.serialize(row)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|err| TableError(err.to_string()))?;
    let mut text = String::from_utf8(bytes).map_err(|err| TableError(err.to_string()))?;
    if rows.is_empty() {
        let header = text.find('\n').map_or(text.len(), |end| end + 1);
        text.truncate(header);
    }
    Ok(text)
}
