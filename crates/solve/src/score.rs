//! The default objective's score of a family for a supporter.

use caseload_model::{PlanningWeek, Policy, Referral};
use serde::Serialize;

/// The statutory EHC clock: urgency stops growing after this many weeks.
pub const CLOCK_WEEKS: i64 = 20;

/// The parts of a referral's score that do not depend on the supporter.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ScoreParts {
    /// `weight(priority)`, 2^(priority-1) by default.
    pub weight: f64,
    /// Whole weeks since the clock started (may be negative if it starts later).
    pub weeks_on_clock: i64,
    /// `1 + min(max(weeks_on_clock, 0), 20) / 20`.
    pub urgency: f64,
    /// `weight * urgency`.
    pub base: f64,
}

impl ScoreParts {
    /// Scores `referral` in `week` under `policy`.
    pub fn new(referral: &Referral, week: PlanningWeek, policy: &Policy) -> ScoreParts {
        let weight = policy.weight(referral.priority);
        let weeks_on_clock = week.weeks_since(referral.clock_start());
        let urgency = 1.0 + weeks_on_clock.clamp(0, CLOCK_WEEKS) as f64 / CLOCK_WEEKS as f64;
        ScoreParts {
            weight,
            weeks_on_clock,
            urgency,
            base: weight * urgency,
        }
    }

    /// `score(r, s)`: the base plus the local bonus when the supporter is local.
    pub fn with_supporter(&self, local: bool, policy: &Policy) -> f64 {
        self.base + if local { policy.local_bonus } else { 0.0 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use caseload_model::{Complexity, ReferralKind, Source};

    #[test]
    fn urgency_grows_over_the_twenty_week_clock_and_stops() {
        let week = PlanningWeek::parse("2015-11-02").unwrap();
        let policy = Policy::default();
        let mut referral = Referral {
            id: "R".into(),
            area: "A".into(),
            district: None,
            received: "2015-10-01".parse().unwrap(),
            source: Source::SelfReferral,
            consent: None,
            kind: ReferralKind::Transfer,
            clock_start: Some("2015-10-05".parse().unwrap()),
            priority: 5,
            complexity: Complexity::Low,
            hours_per_week: None,
            needs: vec![],
            language: None,
            exclude: vec![],
            supporter_id: None,
            closed: None,
            unavailable_from: None,
            unavailable_to: None,
            exception: None,
            exception_noted: None,
        };
        let parts = ScoreParts::new(&referral, week, &policy);
        assert_eq!((parts.weight, parts.weeks_on_clock), (16.0, 4));
        assert!((parts.base - 16.0 * 1.2).abs() < 1e-12);
        assert!((parts.with_supporter(true, &policy) - (19.2 + 0.05)).abs() < 1e-12);
        referral.clock_start = Some("2014-01-06".parse().unwrap());
        assert_eq!(ScoreParts::new(&referral, week, &policy).urgency, 2.0);
        referral.clock_start = Some("2015-12-07".parse().unwrap());
        assert_eq!(ScoreParts::new(&referral, week, &policy).urgency, 1.0);
    }
}
