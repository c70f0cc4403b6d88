//! Phrasing shared by explanations, the command line's tables and the report: counts
//! with their plural, the 20-week clock and its exceptions, the waiting list's rank
//! rule, and a coordinator's decisions.

use caseload_model::ClockException;
use chrono::NaiveDate;

use crate::{ClockCounts, DecisionReport, EquityReport, Marks};

/// `n` with the singular or plural noun: "1 week", "3 weeks", "0 weeks".
pub fn count(n: impl TryInto<i64>, singular: &str, plural: &str) -> String {
    let n: i64 = n.try_into().unwrap_or(i64::MAX);
    format!("{n} {}", if n == 1 { singular } else { plural })
}

/// What a local supporter adds to a family's base score: `; 9.25 with a local
/// supporter (local bonus 0.05)`, or nothing when the policy gives no bonus.
pub fn with_local_bonus(base: f64, bonus: f64) -> String {
    if bonus == 0.0 {
        return String::new();
    }
    let total = ((base + bonus) * 1e6).round() / 1e6;
    format!("; {total} with a local supporter (local bonus {bonus})")
}

/// Where a family stands on the 20-week clock, never as a negative count: "3 weeks",
/// or "clock starts in 2 weeks" for a clock that starts after the planning week.
pub fn clock(weeks_on_clock: i64) -> String {
    if weeks_on_clock < 0 {
        format!(
            "clock starts in {}",
            count(-weeks_on_clock, "week", "weeks")
        )
    } else {
        count(weeks_on_clock, "week", "weeks")
    }
}

/// A recorded exception to the 20-week limit: `exception (b) noted 2015-10-01`, or
/// `exception (d), date not noted`; empty without one.
pub fn exception(exception: Option<ClockException>, noted: Option<NaiveDate>) -> String {
    match (exception, noted) {
        (Some(e), Some(noted)) => format!("exception ({}) noted {noted}", e.letter()),
        (Some(e), None) => format!("exception ({}), date not noted", e.letter()),
        (None, _) => String::new(),
    }
}

/// The waiting families against the 20-week limit, in one sentence.
pub fn clock_counts(counts: &ClockCounts) -> String {
    format!(
        "20-week clock, families waiting: {} on time, {} late (past week 20), {} late with a recorded exception.",
        counts.on_time, counts.late, counts.late_with_exception
    )
}

/// How ranks in a waiting list are ordered (the allocation contract's rank rule).
pub const RANK_RULE: &str = "Rank: the order in which families would be offered the area's \
next free slot: families who lacked only capacity first, by their best score; then families \
with no eligible supporter, by score; ties by referral id.";

/// The lowest and highest of some shares (0 to 1) as percentages: whole ones, or with one
/// decimal where whole ones would print two different shares alike (`8.9%` and `9.2%`,
/// not `9%` and `9%`).
pub fn percent_range(low: f64, high: f64) -> (String, String) {
    let whole = |x: f64| format!("{:.0}%", x * 100.0 + 0.0);
    let (a, b) = (whole(low), whole(high));
    if a == b && (high - low).abs() > 1e-9 {
        let tenth = |x: f64| format!("{:.1}%", x * 100.0 + 0.0);
        (tenth(low), tenth(high))
    } else {
        (a, b)
    }
}

/// What the decisions cost, in one sentence.
pub fn decision_cost(report: &DecisionReport) -> String {
    let moved = moved_cases(report).map_or(String::new(), |m| format!(" ({m})"));
    // Where the waiting families gain in all (the decided families' own places count),
    // those who lost their place are the exception.
    let though = if report.cost < 0.0 { "though " } else { "" };
    let displaced = match report.displaced.as_slice() {
        [] => String::new(),
        [one] => format!(" ({though}{one}, placed without them, now waits)"),
        many => format!(
            " ({though}{}, placed without them, now wait)",
            and_list(many)
        ),
    };
    format!(
        "Total score {} with the decisions{moved}, {} without them: {}{displaced}.",
        report.objective,
        report.objective_without,
        decision_effect(report)
    )
}

/// The part of the total with decisions that open cases they moved score, counted as new
/// assignments:
/// `3.2 of it for the open cases they moved, which count as new assignments once
/// moved`; `None` when they moved none.
pub fn moved_cases(report: &DecisionReport) -> Option<String> {
    (report.moved_cases_score > 0.0).then(|| {
        format!(
            "{} of it for the open cases they moved, which count as new assignments once moved",
            report.moved_cases_score
        )
    })
}

/// What the decisions did to the families waiting: `they cost the families waiting
/// this week 2`, or what those families gained in all (the decided families' own
/// places count: a pinned family is one of them), or nothing.
pub fn decision_effect(report: &DecisionReport) -> String {
    if report.cost > 0.0 {
        format!("they cost the families waiting this week {}", report.cost)
    } else if report.cost < 0.0 {
        format!(
            "the families waiting this week score {} more in all, the decided families' own places counted",
            crate::plan::round(-report.cost)
        )
    } else {
        "they cost the families waiting this week nothing".to_string()
    }
}

/// A family's decisions and move in words: `pinned (knows the family); moved from S1`.
pub fn marks(marks: &Marks) -> String {
    let mut words = Vec::new();
    if let Some(decision) = &marks.decision {
        words.push(match &marks.note {
            Some(note) => format!("{decision} ({note})"),
            None => decision.clone(),
        });
    }
    if let Some(from) = &marks.moved_from {
        words.push(format!("moved from {from}"));
    }
    words.join("; ")
}

/// Equity's reach in a week of several areas: "it raised the lowest share in 23 of the
/// 144 areas with districts" (`None` with one area or none).
pub fn areas_raised(equity: &EquityReport) -> Option<String> {
    (equity.areas_with_districts > 1).then(|| {
        format!(
            "it raised the lowest share in {} of the {} areas with districts",
            equity.areas_raised, equity.areas_with_districts
        )
    })
}

/// Areas a stage did not finish: "the time limit stopped it short of a proof in 2
/// areas: E1, E2" (`None` when there are none).
pub fn stopped_short(areas: &[String]) -> Option<String> {
    (!areas.is_empty()).then(|| {
        format!(
            "the time limit stopped it short of a proof in {}: {}",
            count(areas.len(), "area", "areas"),
            areas.join(", ")
        )
    })
}

/// `a`, `a and b`, `a, b and c`.
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions_that_gain_in_all_name_who_lost_their_place_as_the_exception() {
        let report = |cost: f64, displaced: &[&str]| DecisionReport {
            taken: Vec::new(),
            displaced: displaced.iter().map(ToString::to_string).collect(),
            objective: 50.0,
            moved_cases_score: 0.0,
            objective_without: 50.0 + cost,
            cost,
        };
        assert_eq!(
            decision_cost(&report(-14.65, &["R9"])),
            "Total score 50 with the decisions, 35.35 without them: the families waiting this week score 14.65 more in all, the decided families' own places counted (though R9, placed without them, now waits)."
        );
        assert_eq!(
            decision_cost(&report(2.0, &["R9", "R8"])),
            "Total score 50 with the decisions, 52 without them: they cost the families waiting this week 2 (R9 and R8, placed without them, now wait)."
        );
    }

    #[test]
    fn counts_and_clocks_read_as_words() {
        assert_eq!(count(1, "week", "weeks"), "1 week");
        assert_eq!(count(0_usize, "week", "weeks"), "0 weeks");
        assert_eq!(clock(3), "3 weeks");
        assert_eq!(clock(1), "1 week");
        assert_eq!(clock(-2), "clock starts in 2 weeks");
        assert_eq!(clock(-1), "clock starts in 1 week");
    }

    #[test]
    fn issue_10_exceptions_read_as_words() {
        let noted = "2015-10-01".parse().ok();
        assert_eq!(
            exception(Some(ClockException::B), noted),
            "exception (b) noted 2015-10-01"
        );
        assert_eq!(
            exception(Some(ClockException::D), None),
            "exception (d), date not noted"
        );
        assert_eq!(exception(None, noted), "");
    }

    #[test]
    fn a_range_of_shares_never_prints_two_different_shares_alike() {
        let range = |a, b| {
            let (x, y) = percent_range(a, b);
            format!("{x} to {y}")
        };
        assert_eq!(range(0.6, 1.0), "60% to 100%");
        assert_eq!(range(0.089, 0.092), "8.9% to 9.2%");
        assert_eq!(range(0.5, 0.5), "50% to 50%");
        assert_eq!(range(-0.0, 0.0), "0% to 0%");
    }
}
