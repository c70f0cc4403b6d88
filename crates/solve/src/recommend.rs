//! The best supporters for one family, while the family is on the phone: for each
//! supporter of its area, the week's best total score if the family goes to them,
//! re-optimised (the week's other new assignments may change; open cases stay), and
//! why the others cannot take it now.
//!
//! Each candidate is the week planned with one more pin, so the answer is by
//! construction what `allocate --pin R=S` gives. Only the family's area is solved
//! again (areas are independent); the other areas' objective is added as planned.

use std::collections::BTreeMap;
use std::time::Instant;

use caseload_model::{
    Balance, Caseload, Decision, DecisionKind, PlanningWeek, Policy, SupporterStatus, WeekView,
};
use rayon::prelude::*;
use serde::Serialize;

use crate::decisions::{DecisionError, DecisionProblem};
use crate::plan::{in_pool, plan_week, round, Options, Plan};
use crate::{AreaAllocator, Optimal, SolveError};

/// A supporter who could take the family now, and what the week looks like then.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    /// 1 for the best week.
    pub rank: usize,
    /// The supporter.
    pub supporter_id: String,
    /// Paid or volunteer.
    pub status: SupporterStatus,
    /// `score(r, s)` of the pair.
    pub score: f64,
    /// The week's best total score with the family placed with this supporter.
    pub total: f64,
    /// `total` minus the week's best total without the family at all.
    pub change: f64,
    /// `total` minus this week's plan (0 for the supporter the plan already chose).
    pub against_plan: f64,
    /// The supporter's hours used after such a week (in its best-score plan, before
    /// balancing).
    pub hours_used: f64,
    /// Hours the supporter has.
    pub hours_per_week: f64,
    /// Cases after such a week.
    pub cases: u32,
    /// Case cap.
    pub max_cases: u32,
    /// The area's other families placed this week in one of the two plans and waiting in
    /// the other (this week's plan, and the week with the family placed here): who
    /// loses out, and who gains, from the choice.
    pub moves: Vec<Move>,
    /// The area's families that the week without this family places and that wait in
    /// this supporter's week (by id): who pays for placing the family here at all, where
    /// `moves` says who pays for this supporter rather than the plan's choice.
    pub left_waiting: Vec<String>,
}

/// A family whose new supporter changes against this week's plan (`None`: waiting).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Move {
    /// The family.
    pub referral_id: String,
    /// Its supporter in this week's plan.
    pub from: Option<String>,
    /// Its supporter in the re-optimised week.
    pub to: Option<String>,
}

/// A supporter of the area who cannot take the family now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unable {
    /// The supporter.
    pub supporter_id: String,
    /// Why, in words.
    pub why: String,
}

/// Who should take one family this week.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recommendation {
    /// The Monday planned.
    pub week: PlanningWeek,
    /// The family.
    pub referral_id: String,
    /// Its area.
    pub area: String,
    /// Its supporter, if it is an open case.
    pub open_case_with: Option<String>,
    /// The supporter a decision in force pins it to, if any: set aside for the ranking,
    /// so that every supporter is weighed.
    pub pinned_to: Option<String>,
    /// Where this week's plan puts it (`None`: waiting).
    pub planned: Option<String>,
    /// This week's plan's total score (with the week's other decisions).
    pub plan_objective: f64,
    /// The week's best total score without this family.
    pub without_family: f64,
    /// Supporters who could take the family, best week first (ties by id).
    pub candidates: Vec<Candidate>,
    /// Supporters of the area who cannot, by id.
    pub unable: Vec<Unable>,
    /// Wall-clock seconds.
    pub seconds: f64,
}

fn problem(referral_id: &str, why: String) -> SolveError {
    SolveError::Decisions(DecisionError {
        problems: vec![DecisionProblem {
            origin: String::new(),
            decision: format!("recommend {referral_id}"),
            why,
        }],
    })
}

/// The area's new assignments of a plan: referral id → supporter id.
fn new_here<'p>(plan: &'p Plan, area: &str) -> BTreeMap<&'p str, &'p str> {
    plan.assignments
        .iter()
        .filter(|a| !a.open_case && a.area == area)
        .map(|a| (a.referral_id.as_str(), a.supporter_id.as_str()))
        .collect()
}

/// Ranks the supporters of `referral_id`'s area for it this week, under `options`'
/// decisions about other families (its own pin, checked with the rest, is set aside and
/// reported in `pinned_to`; its forbids hold).
///
/// # Errors
///
/// [`SolveError::Decisions`] when the family is unknown or not active this week, or the
/// other decisions cannot hold; a solver error otherwise.
pub fn recommend(
    caseload: &Caseload,
    week: PlanningWeek,
    policy: &Policy,
    options: &Options,
    referral_id: &str,
) -> Result<Recommendation, SolveError> {
    let started = Instant::now();
    let Some(index) = caseload.referrals.iter().position(|r| r.id == referral_id) else {
        return Err(problem(referral_id, format!("no referral `{referral_id}`")));
    };
    let referral = &caseload.referrals[index];
    let area = referral.area.as_str();
    let view = WeekView::new(caseload, week);
    let holder = view
        .open
        .iter()
        .find(|c| c.referral == index)
        .map(|c| caseload.supporters[c.supporter].id.clone());
    if holder.is_none() && !view.waiting.iter().any(|w| w.referral == index) {
        return Err(problem(
            referral_id,
            format!("{referral_id} is not active in the week of {week}"),
        ));
    }
    // The decisions are checked whole, as `allocate` checks them, before the family's
    // own pin is set aside (an ineligible pin, or two, passed in silence).
    crate::decisions::check_decisions(caseload, week, policy, &options.decisions)
        .map_err(SolveError::Decisions)?;
    let pinned_to = options
        .decisions
        .iter()
        .find(|d| d.referral_id == referral_id && d.decision == DecisionKind::Pin)
        .map(|d| d.supporter_id.clone());
    let base: Vec<Decision> = options
        .decisions
        .iter()
        .filter(|d| !(d.referral_id == referral_id && d.decision == DecisionKind::Pin))
        .cloned()
        .collect();
    // Every plan below runs in the one pool of `options.threads` workers.
    let with = |extra: Vec<Decision>| Options {
        decisions: base.iter().cloned().chain(extra).collect(),
        threads: None,
        ..options.clone()
    };
    let allocator: &dyn AreaAllocator = &Optimal;
    in_pool(options.threads, || {
        rank_supporters(
            caseload,
            week,
            policy,
            (referral_id, area),
            &base,
            &with,
            allocator,
        )
    })
    .map_err(SolveError::Threads)?
    .map(|mut recommendation| {
        recommendation.open_case_with = holder;
        recommendation.pinned_to = pinned_to;
        recommendation.seconds = round(started.elapsed().as_secs_f64());
        recommendation
    })
}

fn rank_supporters(
    caseload: &Caseload,
    week: PlanningWeek,
    policy: &Policy,
    (referral_id, area): (&str, &str),
    base: &[Decision],
    with: &(dyn Fn(Vec<Decision>) -> Options + Sync),
    allocator: &dyn AreaAllocator,
) -> Result<Recommendation, SolveError> {
    // Balance never changes a plan's score at tolerance 0, so the weeks compared are
    // planned without it (a second stage per candidate would cost seconds); where the
    // family goes in this week's plan is read from the balanced plan of its area.
    let unbalanced = Policy {
        balance: Balance::None,
        ..policy.clone()
    };
    let scoring = if policy.score_tolerance == 0.0 {
        &unbalanced
    } else {
        policy
    };
    let plan = plan_week(caseload, week, scoring, allocator, &with(vec![]), None)?;
    let balanced = match scoring.balance {
        Balance::None if policy.balance != Balance::None => {
            plan_week(caseload, week, policy, allocator, &with(vec![]), Some(area))?
        }
        _ => plan.clone(),
    };
    let policy = scoring;
    let area_objective = |plan: &Plan| {
        plan.areas
            .iter()
            .filter(|a| a.area == area)
            .map(|a| a.objective)
            .sum::<f64>()
    };
    // The other areas' part of the week, which no choice here changes.
    let elsewhere = plan.solver.objective - area_objective(&plan);
    let planned = balanced
        .assignments
        .iter()
        .find(|a| a.referral_id == referral_id)
        .map(|a| a.supporter_id.clone());
    let planned_new = new_here(&plan, area);

    let mut supporters: Vec<&caseload_model::Supporter> = caseload
        .supporters
        .iter()
        .filter(|s| s.area == area)
        .collect();
    supporters.sort_by(|a, b| a.id.cmp(&b.id));
    let forbidden_by = |supporter: &str| {
        base.iter().find(|d| {
            d.referral_id == referral_id
                && d.supporter_id == supporter
                && d.decision == DecisionKind::Forbid
        })
    };

    // Without the family: every supporter of the area forbidden (an open case leaves
    // its supporter too).
    let away: Vec<Decision> = supporters
        .iter()
        .filter(|s| forbidden_by(&s.id).is_none())
        .map(|s| Decision::new(DecisionKind::Forbid, referral_id, &s.id))
        .collect();
    let without = plan_week(caseload, week, policy, allocator, &with(away), Some(area));
    let each: Vec<Result<Result<Plan, DecisionError>, SolveError>> = supporters
        .par_iter()
        .map(|s| {
            if forbidden_by(&s.id).is_some() {
                return Ok(Err(DecisionError { problems: vec![] }));
            }
            let pin = Decision::new(DecisionKind::Pin, referral_id, &s.id);
            match plan_week(
                caseload,
                week,
                policy,
                allocator,
                &with(vec![pin]),
                Some(area),
            ) {
                Ok(plan) => Ok(Ok(plan)),
                Err(SolveError::Decisions(err)) => Ok(Err(err)),
                Err(other) => Err(other),
            }
        })
        .collect();
    let without = without?;
    let placed_without = new_here(&without, area);
    let without_family = round(elsewhere + area_objective(&without));

    let mut candidates = Vec::new();
    let mut unable = Vec::new();
    for (supporter, outcome) in supporters.iter().zip(each) {
        match outcome? {
            Ok(week_plan) => {
                let total = round(elsewhere + area_objective(&week_plan));
                let load = week_plan
                    .supporters
                    .iter()
                    .find(|l| l.supporter_id == supporter.id);
                let score = week_plan
                    .assignments
                    .iter()
                    .find(|a| a.referral_id == referral_id)
                    .map_or(0.0, |a| a.score);
                let now = new_here(&week_plan, area);
                let mut moves: Vec<Move> = planned_new
                    .keys()
                    .chain(now.keys())
                    .filter(|id| **id != referral_id)
                    // Placed or displaced, not swaps between supporters: among plans
                    // with equal scores, which supporter takes whom is a tie.
                    .filter(|id| planned_new.contains_key(*id) != now.contains_key(*id))
                    .map(|id| Move {
                        referral_id: id.to_string(),
                        from: planned_new.get(id).map(|s| s.to_string()),
                        to: now.get(id).map(|s| s.to_string()),
                    })
                    .collect();
                moves.sort_by(|a, b| a.referral_id.cmp(&b.referral_id));
                moves.dedup();
                let left_waiting: Vec<String> = placed_without
                    .keys()
                    .filter(|id| **id != referral_id && !now.contains_key(*id))
                    .map(|id| id.to_string())
                    .collect();
                candidates.push(Candidate {
                    rank: 0,
                    supporter_id: supporter.id.clone(),
                    status: supporter.status,
                    score,
                    total,
                    change: round(total - without_family),
                    against_plan: round(total - plan.solver.objective),
                    hours_used: load.map_or(0.0, |l| l.hours_used),
                    hours_per_week: supporter.hours_per_week,
                    cases: load.map_or(0, |l| l.cases),
                    max_cases: supporter.max_cases,
                    moves,
                    left_waiting,
                });
            }
            Err(err) => {
                let why = match forbidden_by(&supporter.id) {
                    Some(d) => format!(
                        "forbidden by a decision ({}){}",
                        d.origin,
                        d.note
                            .as_deref()
                            .map_or(String::new(), |n| format!(": {n}"))
                    ),
                    None => {
                        let ineligible =
                            format!("{} is not eligible for {referral_id}: ", supporter.id);
                        err.problems
                            .iter()
                            .map(|p| match p.why.strip_prefix(&ineligible) {
                                Some(rule) => format!("not eligible: {rule}"),
                                None => p.why.clone(),
                            })
                            .collect::<Vec<_>>()
                            .join("; ")
                    }
                };
                unable.push(Unable {
                    supporter_id: supporter.id.clone(),
                    why,
                });
            }
        }
    }
    candidates.sort_by(|a, b| {
        b.total
            .total_cmp(&a.total)
            .then(a.supporter_id.cmp(&b.supporter_id))
    });
    for (rank, candidate) in candidates.iter_mut().enumerate() {
        candidate.rank = rank + 1;
    }
    Ok(Recommendation {
        week,
        referral_id: referral_id.to_string(),
        area: area.to_string(),
        open_case_with: None,
        pinned_to: None,
        planned,
        plan_objective: plan.solver.objective,
        without_family,
        candidates,
        unable,
        seconds: 0.0,
    })
}
