//! One replication under one policy, week by week.
//!
//! The register is a [`Caseload`] holding every family drawn for the replication,
//! each with its future `received` date: [`WeekView`] then ignores those not yet
//! referred, a family that leaves gets its `closed` date, a volunteer who leaves is
//! removed from the supporters (so their open cases become orphaned and waiting, as in
//! `allocate`), and [`build_instances`] applies the same eligibility and capacity.

use std::time::{Duration, Instant};

use caseload_model::{Caseload, PlanningWeek, SupporterStatus, WeekView};
use caseload_solve::build_instances;

use crate::policy::{ReferralPolicy, WeekState};
use crate::scenario::Scenario;
use crate::stream::{generator, monday, Stream};
use crate::SimError;

/// How a family's story ended (at the end of the horizon for those still there).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Given a supporter at some point.
    Supported,
    /// The plan was final before any supporter came.
    Missed,
    /// Withdrew while waiting.
    Withdrawn,
    /// Still waiting at the end, never supported.
    Waiting,
}

/// What one run recorded.
#[derive(Debug, Clone)]
pub(crate) struct Run {
    /// Per family (stream order): outcome, and the week support first came.
    pub outcomes: Vec<(Outcome, Option<u32>)>,
    /// Over measured weeks: hours used and hours available, paid then volunteer.
    pub paid_hours: (f64, f64),
    pub volunteer_hours: (f64, f64),
    /// Weeks a policy that optimises solved, and how many of them were proven optimal.
    pub weeks_solved: u32,
    pub weeks_proven: u32,
}

/// A stable stream number for a policy's own random draws (FNV-1a of its name).
pub(crate) fn policy_stream(name: &str) -> u64 {
    let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    hash | 1 // never 0, which is the draws' stream
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
    let n = stream.families.len();
    let mut first_support: Vec<Option<u32>> = vec![None; n];
    let mut ended: Vec<Option<Outcome>> = vec![None; n];
    let mut run = Run {
        outcomes: Vec::new(),
        paid_hours: (0.0, 0.0),
        volunteer_hours: (0.0, 0.0),
        weeks_solved: 0,
        weeks_proven: 0,
    };
    // Families arrive in week order: those before `next` have arrived.
    let mut next = 0;
    let mut present: Vec<usize> = Vec::new();

    for week in 0..scenario.total_weeks() {
        let date = monday(scenario, i64::from(week));
        let planning = PlanningWeek::new(date).map_err(|e| SimError::Scenario(e.to_string()))?;
        caseload.supporters = stream
            .tenures
            .iter()
            .filter(|t| t.from_week <= week && t.until_week.is_none_or(|u| week < u))
            .map(|t| t.supporter.clone())
            .collect();
        while next < n && stream.families[next].arrival_week <= week {
            present.push(next);
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
            }
            outcome.is_none()
        });

        let view = WeekView::new(&caseload, planning);
        let instances = build_instances(&caseload, &view, &scenario.policy);
        for instance in &instances {
            let state = WeekState {
                caseload: &caseload,
                week: planning,
                instance,
                deadline: Instant::now()
                    + Duration::from_secs_f64(scenario.optimal_week_time_limit_seconds),
            };
            let allocation = policy.choose(&state, &mut rng)?;
            if allocation.choice.len() != instance.candidates.len() {
                return Err(SimError::Policy(format!(
                    "policy `{}` returned {} choices for {} candidates",
                    policy.name(),
                    allocation.choice.len(),
                    instance.candidates.len()
                )));
            }
            if let Some(proven) = allocation.proven_optimal {
                run.weeks_solved += 1;
                run.weeks_proven += u32::from(proven);
            }
            let mut new_hours = vec![0.0; instance.rooms.len()];
            for (candidate, pick) in instance.candidates.iter().zip(&allocation.choice) {
                let Some(arc) = pick.and_then(|i| candidate.arcs.get(i)) else {
                    continue;
                };
                let supporter = &caseload.supporters[instance.rooms[arc.slot].supporter];
                new_hours[arc.slot] += candidate.hours;
                caseload.referrals[candidate.referral].supporter_id = Some(supporter.id.clone());
                first_support[candidate.referral].get_or_insert(week);
            }
            if !caseload_solve::greedy::respects_capacity(instance, &allocation.choice) {
                return Err(SimError::Policy(format!(
                    "policy `{}` exceeded a supporter's room",
                    policy.name()
                )));
            }
            if week >= scenario.warm_up_weeks {
                for (room, extra) in instance.rooms.iter().zip(&new_hours) {
                    let supporter = &caseload.supporters[room.supporter];
                    let hours = match supporter.status {
                        SupporterStatus::Paid => &mut run.paid_hours,
                        SupporterStatus::Volunteer => &mut run.volunteer_hours,
                    };
                    hours.0 += room.open_hours + extra;
                    hours.1 += supporter.hours_per_week;
                }
            }
        }
    }
    run.outcomes = (0..n)
        .map(|f| {
            let outcome = ended[f].unwrap_or(if first_support[f].is_some() {
                Outcome::Supported
            } else {
                Outcome::Waiting
            });
            (outcome, first_support[f])
        })
        .collect();
    Ok(run)
}
