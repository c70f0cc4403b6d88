//! The planning week: which rows are active, open, orphaned or waiting.

use std::collections::HashMap;
use std::fmt;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::Serialize;

use crate::load::Caseload;

/// The week being planned, identified by its Monday.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct PlanningWeek(NaiveDate);

/// Why a date cannot start a planning week.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WeekError {
    /// Not an ISO date, or not a day of the calendar; the reason says which.
    #[error("{0}")]
    NotADate(String),
    /// A date outside the years caseload reads (see [`FIRST_YEAR`]).
    #[error("{0}")]
    OutOfRange(String),
    /// A date, but not a Monday.
    #[error("{date} is a {}; a planning week starts on a Monday (that week's is {})", .date.format("%A"), monday_of(.date))]
    NotAMonday {
        /// The date given.
        date: NaiveDate,
        /// Its day of the week.
        weekday: Weekday,
    },
}

/// The first year of the dates caseload reads: far earlier than any service's records,
/// and late enough that the weeks and days added to a date (a simulation's horizon, the
/// 20-week clock, the Monday of a week) stay within the calendar.
pub const FIRST_YEAR: i32 = 1900;
/// The last year of the dates caseload reads (see [`FIRST_YEAR`]).
pub const LAST_YEAR: i32 = 2999;

/// `date` itself, or why it is outside the years caseload reads ([`FIRST_YEAR`] to
/// [`LAST_YEAR`]).
///
/// # Errors
///
/// The message for a date outside those years.
pub fn within_years(date: NaiveDate) -> Result<NaiveDate, String> {
    if (FIRST_YEAR..=LAST_YEAR).contains(&date.year()) {
        Ok(date)
    } else {
        Err(format!(
            "{date} is outside the years caseload reads ({FIRST_YEAR} to {LAST_YEAR})"
        ))
    }
}

/// Reads a `YYYY-MM-DD` date; the reason says whether the form is wrong or the day
/// does not exist (`2015-02-30`: February 2015 has 28 days). Not held to the years
/// caseload reads: see [`within_years`].
///
/// # Errors
///
/// The reason, naming `value`.
pub fn calendar_date(value: &str) -> Result<NaiveDate, String> {
    if let Ok(date) = NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        return Ok(date);
    }
    let parts: Vec<&str> = value.split('-').collect();
    let numbers: Vec<Option<u32>> = parts
        .iter()
        .map(|part| {
            (part.len() == 2 || part.len() == 4)
                .then(|| part.parse().ok())
                .flatten()
        })
        .collect();
    if let [Some(year), Some(month), Some(day)] = numbers[..] {
        if value.len() == 10 && parts[0].len() == 4 {
            if !(1..=12).contains(&month) {
                return Err(format!(
                    "`{value}` is not a date: there is no month {month} (YYYY-MM-DD)"
                ));
            }
            let first = NaiveDate::from_ymd_opt(year as i32, month, 1);
            let next = first.and_then(|d| d.checked_add_months(chrono::Months::new(1)));
            if let (Some(first), Some(next)) = (first, next) {
                return Err(format!(
                    "`{value}` is not a date: {} has {} days, not {day}",
                    first.format("%B %Y"),
                    (next - first).num_days()
                ));
            }
        }
    }
    match day_month_year(value) {
        Some(date) => Err(format!(
            "`{value}` is not a date in the form YYYY-MM-DD ({}: {date})",
            crate::table::DAY_MONTH_YEAR
        )),
        None => Err(format!("`{value}` is not a date in the form YYYY-MM-DD")),
    }
}

/// `value` read as a day, a month and a four-digit year (`14-09-2015`, `02/11/2015`,
/// `2.11.2015`), the way dates are often written in England, if it is a day.
fn day_month_year(value: &str) -> Option<NaiveDate> {
    let parts: Vec<&str> = value.split(['-', '/', '.']).collect();
    let [day, month, year] = parts[..] else {
        return None;
    };
    let short = |p: &str| (1..=2).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit());
    if !(short(day) && short(month) && year.len() == 4 && year.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    NaiveDate::from_ymd_opt(year.parse().ok()?, month.parse().ok()?, day.parse().ok()?)
}

/// The Monday of `date`'s week.
fn monday_of(date: &NaiveDate) -> NaiveDate {
    *date - chrono::Duration::days(i64::from(date.weekday().num_days_from_monday()))
}

impl PlanningWeek {
    /// The week starting on `monday`.
    ///
    /// # Errors
    ///
    /// [`WeekError::NotAMonday`] for any other weekday, [`WeekError::OutOfRange`] for a
    /// date outside the years caseload reads.
    pub fn new(monday: NaiveDate) -> Result<PlanningWeek, WeekError> {
        within_years(monday).map_err(WeekError::OutOfRange)?;
        match monday.weekday() {
            Weekday::Mon => Ok(PlanningWeek(monday)),
            weekday => Err(WeekError::NotAMonday {
                date: monday,
                weekday,
            }),
        }
    }

    /// Parses `YYYY-MM-DD`, which must be a Monday.
    ///
    /// # Errors
    ///
    /// [`WeekError`] if the text is not an ISO date, not a Monday, or outside the years
    /// caseload reads.
    pub fn parse(text: &str) -> Result<PlanningWeek, WeekError> {
        let date = calendar_date(text.trim()).map_err(WeekError::NotADate)?;
        PlanningWeek::new(date)
    }

    /// The Monday the week starts on.
    pub fn monday(self) -> NaiveDate {
        self.0
    }

    /// Whole weeks from `start` to this Monday (negative if `start` is later).
    pub fn weeks_since(self, start: NaiveDate) -> i64 {
        (self.0 - start).num_days().div_euclid(7)
    }
}

impl fmt::Display for PlanningWeek {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// An active case that stays with the supporter who holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenCase {
    /// Index into [`Caseload::referrals`].
    pub referral: usize,
    /// Index into [`Caseload::supporters`].
    pub supporter: usize,
}

/// An active referral with no supporter this week.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Waiting {
    /// Index into [`Caseload::referrals`].
    pub referral: usize,
    /// True when its supporter has left (absent from `supporters.csv`).
    pub reallocated: bool,
}

/// The caseload register split for one planning week.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeekView {
    /// The week planned.
    pub week: PlanningWeek,
    /// Open cases, in file order.
    pub open: Vec<OpenCase>,
    /// Waiting and orphaned referrals, in file order.
    pub waiting: Vec<Waiting>,
    /// Rows not active this week (not yet received, or closed).
    pub ignored: usize,
}

impl WeekView {
    /// Classifies every row of the register for `week`.
    pub fn new(caseload: &Caseload, week: PlanningWeek) -> WeekView {
        let by_id: HashMap<&str, usize> = caseload
            .supporters
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.as_str(), i))
            .collect();
        let mut view = WeekView {
            week,
            open: Vec::new(),
            waiting: Vec::new(),
            ignored: 0,
        };
        for (index, referral) in caseload.referrals.iter().enumerate() {
            if !referral.is_active(week.monday()) {
                view.ignored += 1;
                continue;
            }
            match referral.supporter_id.as_deref() {
                None => view.waiting.push(Waiting {
                    referral: index,
                    reallocated: false,
                }),
                Some(holder) => match by_id.get(holder) {
                    Some(&supporter) => view.open.push(OpenCase {
                        referral: index,
                        supporter,
                    }),
                    None => view.waiting.push(Waiting {
                        referral: index,
                        reallocated: true,
                    }),
                },
            }
        }
        view
    }

    /// Number of active rows (open plus waiting).
    pub fn active(&self) -> usize {
        self.open.len() + self.waiting.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_mondays_start_a_week() {
        assert!(PlanningWeek::parse("2015-11-02").is_ok());
        assert_eq!(
            PlanningWeek::parse("2015-11-03").unwrap_err().to_string(),
            "2015-11-03 is a Tuesday; a planning week starts on a Monday (that week's is 2015-11-02)"
        );
        assert!(matches!(
            PlanningWeek::parse("2015-02-30"),
            Err(WeekError::NotADate(_))
        ));
    }

    #[test]
    fn weeks_outside_the_years_read_are_refused_not_a_panic() {
        // The first days chrono can hold have no Monday before them in the calendar:
        // asking for their week's Monday used to overflow.
        for text in ["-262143-01-01", "-262143-01-05", "1899-12-25", "3000-01-06"] {
            let err = PlanningWeek::parse(text).unwrap_err();
            assert!(matches!(err, WeekError::OutOfRange(_)), "{text}: {err}");
            assert!(err
                .to_string()
                .contains("outside the years caseload reads (1900 to 2999)"));
        }
        assert!(PlanningWeek::parse("1900-01-01").is_ok());
        assert!(PlanningWeek::parse("2999-12-30").is_ok());
    }

    #[test]
    fn a_date_that_is_not_a_day_says_why() {
        let reason = |text: &str| calendar_date(text).unwrap_err();
        assert_eq!(
            reason("2015-02-30"),
            "`2015-02-30` is not a date: February 2015 has 28 days, not 30"
        );
        assert_eq!(
            reason("2016-02-30"),
            "`2016-02-30` is not a date: February 2016 has 29 days, not 30"
        );
        assert_eq!(
            reason("2015-00-10"),
            "`2015-00-10` is not a date: there is no month 0 (YYYY-MM-DD)"
        );
        // Day, month, year: the form is named, and the date it would be if that is
        // what was meant (not 'September 0014 has 30 days, not 2015').
        assert_eq!(
            reason("14-09-2015"),
            "`14-09-2015` is not a date in the form YYYY-MM-DD (if it is day, month, year: 2015-09-14)"
        );
        assert_eq!(
            reason("02/11/2015"),
            "`02/11/2015` is not a date in the form YYYY-MM-DD (if it is day, month, year: 2015-11-02)"
        );
        for form in [
            "31/02/2015",
            "11/2015",
            "2015-11-02T00:00",
            "2015-11",
            "",
            "2015-1x-02",
        ] {
            assert_eq!(
                reason(form),
                format!("`{form}` is not a date in the form YYYY-MM-DD")
            );
        }
        assert_eq!(
            calendar_date("2016-02-29").unwrap(),
            NaiveDate::from_ymd_opt(2016, 2, 29).unwrap()
        );
    }

    #[test]
    fn weeks_since_floors_towards_earlier_weeks() {
        let week = PlanningWeek::parse("2015-11-02").unwrap();
        assert_eq!(week.weeks_since("2015-11-02".parse().unwrap()), 0);
        assert_eq!(week.weeks_since("2015-10-27".parse().unwrap()), 0);
        assert_eq!(week.weeks_since("2015-10-26".parse().unwrap()), 1);
        assert_eq!(week.weeks_since("2015-11-03".parse().unwrap()), -1);
    }
}
