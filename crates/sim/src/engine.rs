//! One replication under one policy, week by week.
//!
//! The register is a [`Caseload`] holding every family drawn for the replication,
//! each with its future `received` date: the week's problems ([`area_weeks`]) ignore
//! those not yet referred, a family that leaves gets its `closed` date, and a volunteer
//! who leaves is removed from the supporters (so their open cases become orphaned and
//! waiting, as in `allocate`). Eligibility and capacity are `allocate`'s own.
//!
//! After the horizon the run goes on (families still arrive, unmeasured) until every
//! measured family has left: its outcome and its weeks of support are then known.

use std::collections::HashSet;

use caseload_model::{Caseload, PlanningWeek, SupporterStatus};
use caseload_solve::{area_weeks, Effort, Route};
use serde::Serialize;

use crate::policy::{ReferralPolicy, WeekState};
use crate::scenario::Scenario;
use crate::stream::{generator, monday, Stream};
use crate::SimError;

/// How a family's time with the service ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Given a supporter at some point.
    Supported,
    /// The plan was final before any supporter came.
    Missed,
    /// Withdrew while waiting.
    Withdrawn,
    /// Still waiting when the run ended (never for a measured family: the run-out goes
    /// on until each has left).
    Waiting,
}

/// One family's story in a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FamilyRecord {
    pub outcome: Outcome,
    /// The week support first came.
    pub first_support: Option<u32>,
    /// Weeks with a supporter before the plan was final.
    pub support_weeks: u32,
}

/// Measured families' events in one week, recorded as they happen: a ledger kept apart
/// from the outcomes, to check them against.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct LedgerWeek {
    /// Measured families who joined the waiting list.
    pub arrived: u32,
    /// Measured families given their first supporter.
    pub first_supported: u32,
    /// Measured families who left without a supporter because their plan was final.
    pub missed: u32,
    /// Measured families who withdrew.
    pub withdrew: u32,
    /// Measured families who left, supported, because their plan was final.
    pub left_supported: u32,
}

/// How the weekly problems of a policy that optimises were settled.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct WeeklyProofs {
    /// Weekly problems given to the policy (one per week simulated, run-out included).
    pub solved: u64,
    /// Proven optimal with nothing to choose (no waiting family had a supporter with
    /// room).
    pub no_choice: u64,
    /// Proven optimal by the greedy bound (every family placed got its best score),
    /// without the solver.
    pub greedy_bound: u64,
    /// Proven optimal as an assignment problem (the best matching, ignoring hours,
    /// fitted them), without the solver.
    pub assignment: u64,
    /// Proven optimal by the exact search of a small area, without the solver.
    pub search: u64,
    /// Proven optimal by HiGHS.
    pub highs: u64,
    /// Not proven: HiGHS reached the scenario's node limit.
    pub not_proven: u64,
}

impl WeeklyProofs {
    /// Adds `other`'s counts.
    pub fn add(&mut self, other: &WeeklyProofs) {
        self.solved += other.solved;
        self.no_choice += other.no_choice;
        self.greedy_bound += other.greedy_bound;
        self.assignment += other.assignment;
        self.search += other.search;
        self.highs += other.highs;
        self.not_proven += other.not_proven;
    }

    /// Weekly problems proven optimal, by any route.
    pub fn proven(&self) -> u64 {
        self.no_choice + self.greedy_bound + self.assignment + self.search + self.highs
    }

    fn record(&mut self, route: Route, proven: bool) {
        self.solved += 1;
        match (proven, route) {
            (false, _) => self.not_proven += 1,
            (true, Route::NoChoice) => self.no_choice += 1,
            // The greedy baseline is proven only when it reaches the bound.
            (true, Route::GreedyAtBound | Route::Greedy) => self.greedy_bound += 1,
            (true, Route::Assignment) => self.assignment += 1,
            (true, Route::Search) => self.search += 1,
            (true, Route::Mip) => self.highs += 1,
        }
    }
}

/// What one run recorded.
#[derive(Debug, Clone)]
pub(crate) struct Run {
    /// Per family (stream order).
    pub families: Vec<FamilyRecord>,
    /// Over the horizon's weeks: hours used and hours available, paid then volunteer.
    pub paid_hours: (f64, f64),
    pub volunteer_hours: (f64, f64),
    /// Weekly problems of a policy that optimises, and how each was proven.
    pub proofs: WeeklyProofs,
    /// Weeks simulated after the horizon.
    pub run_out_weeks: u32,
    /// The scores of the assignments made in the horizon's weeks, summed.
    pub score: f64,
    /// Per week simulated.
    pub ledger: Vec<LedgerWeek>,
}

/// A stable stream number for a policy's own random draws (FNV-1a of its name).
pub(crate) fn policy_stream(name: &str) -> u64 {
    let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    hash | 1 // odd: never a stream of the draws (see `stream`)
}

pub(crate) fn run(
    scenario: &Scenario,
    stream: &Stream,
    policy: &dyn ReferralPolicy,
    replication: u32,
) -> Result<Run, SimError> {
    let mut rng = generator(scenario.seed, replication, policy_stream(policy.name()));
    let mut caseload = Caseload {
        supporters: Vec::new(),
        referrals: stream.families.iter().map(|f| f.referral.clone()).collect(),
        warnings: Vec::new(),
        origins: Default::default(),
    };
    let effort = Effort {
        node_limit: scenario.optimal_week_node_limit,
    };
    let horizon = scenario.warm_up_weeks..scenario.total_weeks();
    let measured = |f: usize| horizon.contains(&stream.families[f].arrival_week);
    let n = stream.families.len();
    let mut first_support: Vec<Option<u32>> = vec![None; n];
    let mut support_weeks: Vec<u32> = vec![0; n];
    let mut ended: Vec<Option<Outcome>> = vec![None; n];
    let mut run = Run {
        families: Vec::new(),
        paid_hours: (0.0, 0.0),
        volunteer_hours: (0.0, 0.0),
        proofs: WeeklyProofs::default(),
        run_out_weeks: 0,
        score: 0.0,
        ledger: Vec::new(),
    };
    // Families arrive in week order: those before `next` have arrived.
    let mut next = 0;
    let mut present: Vec<usize> = Vec::new();
    // Measured families referred and not yet left.
    let mut measured_present = 0_usize;

    for week in 0..stream.weeks {
        if week >= horizon.end && measured_present == 0 {
            break;
        }
        if week >= horizon.end {
            run.run_out_weeks += 1;
        }
        let mut ledger = LedgerWeek::default();
        let date = monday(scenario, i64::from(week));
        let planning = PlanningWeek::new(date).map_err(|source| SimError::Week { date, source })?;
        caseload.supporters = stream
            .tenures
            .iter()
            .filter(|t| t.from_week <= week && t.until_week.is_none_or(|u| week < u))
            .map(|t| t.supporter.clone())
            .collect();
        while next < n && stream.families[next].arrival_week <= week {
            present.push(next);
            if measured(next) {
                measured_present += 1;
                ledger.arrived += 1;
            }
            next += 1;
        }
        // Plans made final this week end the family's time with the service;
        // families never supported withdraw with their drawn week.
        present.retain(|&f| {
            let draw = &stream.families[f];
            let outcome = if draw.final_week <= i64::from(week) {
                Some(if first_support[f].is_some() {
                    Outcome::Supported
                } else {
                    Outcome::Missed
                })
            } else if first_support[f].is_none() && draw.withdraw_week.is_some_and(|w| w <= week) {
                Some(Outcome::Withdrawn)
            } else {
                None
            };
            if let Some(outcome) = outcome {
                ended[f] = Some(outcome);
                caseload.referrals[f].closed = Some(date);
                if measured(f) {
                    measured_present -= 1;
                    match outcome {
                        Outcome::Supported => ledger.left_supported += 1,
                        Outcome::Missed => ledger.missed += 1,
                        Outcome::Withdrawn => ledger.withdrew += 1,
                        Outcome::Waiting => {}
                    }
                }
            }
            outcome.is_none()
        });

        for area in area_weeks(&caseload, planning, &scenario.policy) {
            let state = WeekState {
                caseload: &caseload,
                week: planning,
                area: &area,
                effort,
            };
            let placement = policy.choose(&state, &mut rng)?;
            if !area.admits(&placement) {
                return Err(SimError::Policy {
                    policy: policy.name().to_string(),
                    week: date,
                });
            }
            if let Some(optimised) = placement.optimised() {
                run.proofs.record(optimised.route, optimised.proven);
            }
            for case in area.new_cases(&placement) {
                if horizon.contains(&week) {
                    run.score += case.score;
                }
                let supporter = &caseload.supporters[case.supporter];
                caseload.referrals[case.referral].supporter_id = Some(supporter.id.clone());
                if first_support[case.referral].is_none() {
                    first_support[case.referral] = Some(week);
                    if measured(case.referral) {
                        ledger.first_supported += 1;
                    }
                }
            }
            if horizon.contains(&week) {
                for load in area.supporter_hours(&placement) {
                    let supporter = &caseload.supporters[load.supporter];
                    let hours = match supporter.status {
                        SupporterStatus::Paid => &mut run.paid_hours,
                        SupporterStatus::Volunteer => &mut run.volunteer_hours,
                    };
                    hours.0 += load.used;
                    hours.1 += supporter.hours_per_week;
                }
            }
        }
        // A week of support: the family has a supporter who is still with the service
        // (a volunteer who left leaves the family waiting until reallocated).
        let here: HashSet<&str> = caseload.supporters.iter().map(|s| s.id.as_str()).collect();
        for &f in &present {
            if caseload.referrals[f]
                .supporter_id
                .as_deref()
                .is_some_and(|id| here.contains(id))
            {
                support_weeks[f] += 1;
            }
        }
        run.ledger.push(ledger);
    }
    run.families = (0..n)
        .map(|f| FamilyRecord {
            outcome: ended[f].unwrap_or(if first_support[f].is_some() {
                Outcome::Supported
            } else {
                Outcome::Waiting
            }),
            first_support: first_support[f],
            support_weeks: support_weeks[f],
        })
        .collect();
    Ok(run)
}
