//! Referral policies: who gets the free places each week.
//!
//! Every policy sees the same weekly problem as `caseload allocate` (the same
//! eligibility rules, the same supporters' room), and differs only in whom it picks.

use std::cmp::Ordering;

use caseload_model::{Caseload, PlanningWeek, Referral};
use caseload_solve::{AreaWeek, Effort, Placement};
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::SimError;

/// What a policy sees in one week, in one area.
pub struct WeekState<'a> {
    /// The register: every family referred so far, open or waiting.
    pub caseload: &'a Caseload,
    /// The week being planned.
    pub week: PlanningWeek,
    /// The area's problem: its waiting families, and the room each supporter has.
    pub area: &'a AreaWeek,
    /// How far a policy that optimises may search (a work limit, never a time limit).
    pub effort: Effort,
}

impl WeekState<'_> {
    /// The waiting families some supporter may take, by referral id.
    pub fn families(&self) -> Vec<&Referral> {
        self.area
            .families()
            .map(|r| &self.caseload.referrals[r])
            .collect()
    }

    /// Places families in `order` (positions in [`families`](Self::families)), each
    /// with the eligible supporter with room that scores best.
    pub fn fill_in_order(&self, order: impl IntoIterator<Item = usize>) -> Placement {
        self.area.fill_in_order(order)
    }

    /// Places families in the order `compare` gives (first = served first; ties by
    /// referral id), each with the eligible supporter with room that scores best.
    pub fn assign_by(
        &self,
        mut compare: impl FnMut(&Referral, &Referral) -> Ordering,
    ) -> Placement {
        let families = self.families();
        // Families come ordered by referral id, and the sort is stable.
        let mut order: Vec<usize> = (0..families.len()).collect();
        order.sort_by(|&a, &b| compare(families[a], families[b]));
        self.fill_in_order(order)
    }
}

/// A referral policy. Implement it to benchmark your own: `choose` gets the week's
/// state and a random generator of its own (the same sequence in every run of a
/// replication) and returns whom to place.
///
/// ```
/// use caseload_model::ReferralKind;
/// use caseload_sim::{Placement, ReferralPolicy, SimError, WeekState};
///
/// /// Transfers first (their statements lapse), then longest on the clock.
/// struct TransfersFirst;
///
/// impl ReferralPolicy for TransfersFirst {
///     fn name(&self) -> &str {
///         "transfers_first"
///     }
///     fn choose(&self, week: &WeekState, _: &mut rand_chacha::ChaCha8Rng) -> Result<Placement, SimError> {
///         Ok(week.assign_by(|a, b| {
///             let transfer = |r: &caseload_model::Referral| r.kind == ReferralKind::Transfer;
///             transfer(b).cmp(&transfer(a)).then(a.clock_start().cmp(&b.clock_start()))
///         }))
///     }
/// }
/// # let _ = TransfersFirst;
/// ```
pub trait ReferralPolicy: Sync {
    /// Short name used in output.
    fn name(&self) -> &str;

    /// Chooses this week's new assignments.
    ///
    /// # Errors
    ///
    /// [`SimError`] when an underlying solver fails.
    fn choose(&self, week: &WeekState, rng: &mut ChaCha8Rng) -> Result<Placement, SimError>;
}

/// First come, first served: longest waiting (earliest received) first.
#[derive(Debug, Clone, Copy, Default)]
pub struct Fifo;

impl ReferralPolicy for Fifo {
    fn name(&self) -> &str {
        "fifo"
    }
    fn choose(&self, week: &WeekState, _: &mut ChaCha8Rng) -> Result<Placement, SimError> {
        Ok(week.assign_by(|a, b| a.received.cmp(&b.received)))
    }
}

/// Highest priority first, first come first served within a priority.
#[derive(Debug, Clone, Copy, Default)]
pub struct Priority;

impl ReferralPolicy for Priority {
    fn name(&self) -> &str {
        "priority"
    }
    fn choose(&self, week: &WeekState, _: &mut ChaCha8Rng) -> Result<Placement, SimError> {
        Ok(week.assign_by(|a, b| {
            b.priority
                .cmp(&a.priority)
                .then(a.received.cmp(&b.received))
        }))
    }
}

/// Most weeks on the EHC clock first (nearest the final plan).
#[derive(Debug, Clone, Copy, Default)]
pub struct Deadline;

impl ReferralPolicy for Deadline {
    fn name(&self) -> &str {
        "deadline"
    }
    fn choose(&self, week: &WeekState, _: &mut ChaCha8Rng) -> Result<Placement, SimError> {
        Ok(week.assign_by(|a, b| {
            a.clock_start()
                .cmp(&b.clock_start())
                .then(a.received.cmp(&b.received))
        }))
    }
}

/// A fresh random order every week.
#[derive(Debug, Clone, Copy, Default)]
pub struct Lottery;

impl ReferralPolicy for Lottery {
    fn name(&self) -> &str {
        "lottery"
    }
    fn choose(&self, week: &WeekState, rng: &mut ChaCha8Rng) -> Result<Placement, SimError> {
        let mut order: Vec<usize> = (0..week.area.families().len()).collect();
        order.shuffle(rng);
        Ok(week.fill_in_order(order))
    }
}

/// The weekly MIP of `caseload allocate`: the best total score each week, searched to
/// a proof (or to the scenario's node limit), never stopped by the clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct OptimalPolicy;

impl ReferralPolicy for OptimalPolicy {
    fn name(&self) -> &str {
        "optimal"
    }
    fn choose(&self, week: &WeekState, _: &mut ChaCha8Rng) -> Result<Placement, SimError> {
        Ok(week.area.fill_optimally(week.effort)?)
    }
}

/// The weekly MIP with `district_equity = "max_min"`: first the highest lowest share of
/// a district's waiting families served, then the best total score given it.
#[derive(Debug, Clone, Copy, Default)]
pub struct OptimalEquity;

impl ReferralPolicy for OptimalEquity {
    fn name(&self) -> &str {
        "optimal_equity"
    }
    fn choose(&self, week: &WeekState, _: &mut ChaCha8Rng) -> Result<Placement, SimError> {
        Ok(week.area.fill_equitably(week.caseload, week.effort)?)
    }
}

/// The built-in policies by name, in the order results are shown.
pub fn builtin(name: &str) -> Option<&'static dyn ReferralPolicy> {
    match name {
        "fifo" => Some(&Fifo),
        "priority" => Some(&Priority),
        "deadline" => Some(&Deadline),
        "lottery" => Some(&Lottery),
        "optimal" => Some(&OptimalPolicy),
        "optimal_equity" => Some(&OptimalEquity),
        _ => None,
    }
}

/// The names of the built-in policies.
pub const BUILTIN: [&str; 6] = [
    "fifo",
    "priority",
    "deadline",
    "lottery",
    "optimal",
    "optimal_equity",
];

/// The policies a simulation compares when none are named: the five referral rules
/// (`optimal_equity` is asked for by name).
pub const DEFAULT_POLICIES: [&str; 5] = ["fifo", "priority", "deadline", "lottery", "optimal"];
