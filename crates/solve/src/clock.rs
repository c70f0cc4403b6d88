//! The 20-week limit: how many waiting families are on time, late, or late with a
//! recorded exception (issue 10).

use serde::Serialize;

use crate::plan::WaitingEntry;
use crate::score::CLOCK_WEEKS;

/// The week's waiting families by where they stand against the 20-week limit. The
/// three counts add up to the families waiting.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ClockCounts {
    /// Waiting and not yet past week 20 of the clock (fewer than 20 whole weeks on it,
    /// or a clock that has not started).
    pub on_time: usize,
    /// Waiting past week 20 of the clock (20 whole weeks or more), with no exception
    /// recorded.
    pub late: usize,
    /// Waiting past week 20 of the clock, with an exception to the limit recorded
    /// (SEND Regulations 2014, reg 13(3) applying reg 10(4)(a)-(d)).
    pub late_with_exception: usize,
}

impl ClockCounts {
    /// Counts `waiting`, the families still waiting after the plan.
    pub fn of<'a>(waiting: impl IntoIterator<Item = &'a WaitingEntry>) -> ClockCounts {
        let mut counts = ClockCounts::default();
        for entry in waiting {
            match (is_late(entry.weeks_on_clock), entry.exception) {
                (false, _) => counts.on_time += 1,
                (true, None) => counts.late += 1,
                (true, Some(_)) => counts.late_with_exception += 1,
            }
        }
        counts
    }
}

/// Past week 20 of the clock: 20 whole weeks or more on it.
pub fn is_late(weeks_on_clock: i64) -> bool {
    weeks_on_clock >= CLOCK_WEEKS
}
