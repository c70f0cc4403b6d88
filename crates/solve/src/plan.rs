//! A week's plan: every active referral placed or waiting with a reason and a rank.

use std::time::{Duration, Instant};

use std::collections::{BTreeMap, HashMap, HashSet};

use caseload_model::{
    Balance, Caseload, ClockException, Decision, DecisionKind, DistrictEquity, PlanningWeek,
    Policy, SupporterStatus, WeekView,
};
use chrono::NaiveDate;
use rayon::prelude::*;
use serde::Serialize;

use crate::allocator::{AreaAllocator, AreaSolution, Route};
use crate::balance::{balance_area, sum_f, Capacity};
use crate::clock::ClockCounts;
use crate::decisions::{resolve, room_problems, DecisionEffect, DecisionReport, Resolved};
use crate::eligibility::WaitReason;
use crate::equity::{equity_area, Districts, Floors};
use crate::greedy::{objective as choice_score, Choice};
use crate::instance::{build_instances, referral_hours, AreaInstance};
use crate::mip::Limits;
use crate::score::ScoreParts;
use crate::SolveError;

/// How to run an allocation, besides the policy.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Worker threads for solving areas in parallel (`None`: rayon's default, one per
    /// core). The plan is the same whatever the number.
    pub threads: Option<usize>,
    /// Overrides the policy's `time_limit_seconds`.
    pub time_limit_seconds: Option<f64>,
    /// The coordinator's pins and forbids: hard constraints of the week.
    pub decisions: Vec<Decision>,
}

/// The solver's account of the whole week.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SolverReport {
    /// `optimal` when every area is proven optimal, else `feasible`.
    pub status: &'static str,
    /// The method used (`optimal` or `greedy`).
    pub method: &'static str,
    /// The objective over new assignments.
    pub objective: f64,
    /// An upper bound on the best objective (equal to it when optimal).
    pub bound: f64,
    /// `(bound - objective) / objective`, 0 when optimal.
    pub gap: f64,
    /// Wall-clock seconds spent building and solving (the only figure that varies
    /// between identical runs).
    pub seconds: f64,
}

/// A referral held by a supporter this week: an open case or a new assignment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assignment {
    /// The referral.
    pub referral_id: String,
    /// The supporter holding it.
    pub supporter_id: String,
    /// The area.
    pub area: String,
    /// `score(r, s)` under the policy (for open cases: what the pair would score).
    pub score: f64,
    /// Hours per week the case needs.
    pub hours: f64,
    /// True for an open case kept with its supporter.
    pub open_case: bool,
    /// True when the family's previous supporter has left.
    pub reallocated: bool,
    /// What the coordinator decided about the family, if anything.
    #[serde(flatten)]
    pub marks: Marks,
    /// Where balance or equity moved the family from, if either did.
    #[serde(flatten)]
    pub otherwise: Otherwise,
}

/// Where the stages after the best score would otherwise have put a family: a
/// supporter id, or `waiting`, for each stage that moved it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Otherwise {
    /// In the plan before balance, when balancing moved it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub without_balance: Option<String>,
    /// In the best-score plan, when equity across districts moved it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub without_equity: Option<String>,
    /// In the plan without the coordinator's decisions, when they displaced it (a
    /// family waiting that the same week without decisions placed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub without_decisions: Option<String>,
}

/// The coordinator's decisions about one family, as every output shows them.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Marks {
    /// `pinned`, `forbidden: S1` or `pinned; forbidden: S1, S2`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision: Option<String>,
    /// The decisions' notes, joined by `; `.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The supporter who held the case until a decision took it from them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moved_from: Option<String>,
}

/// A family still waiting, why, and its place in the queue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WaitingEntry {
    /// The referral.
    pub referral_id: String,
    /// The area.
    pub area: String,
    /// Why no supporter was assigned.
    pub reason: WaitReason,
    /// Position in the area's queue for the next free slot: families who only lacked
    /// capacity first, by score (highest first), ties by id; then the others.
    pub rank: usize,
    /// Best score with an eligible supporter (the base score if there is none).
    pub score: f64,
    /// Priority 1..5.
    pub priority: u8,
    /// Whole weeks on the 20-week clock.
    pub weeks_on_clock: i64,
    /// Number of eligible supporters (all full when `reason` is `capacity`).
    pub eligible_supporters: usize,
    /// True when the family's previous supporter has left.
    pub reallocated: bool,
    /// What the coordinator decided about the family, if anything.
    #[serde(flatten)]
    pub marks: Marks,
    /// Where balance or equity moved the family from, if either did.
    #[serde(flatten)]
    pub otherwise: Otherwise,
    /// A recorded exception to the 20-week limit (reg 10(4)(a)-(d)), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exception: Option<ClockException>,
    /// When the exception was noted, if given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exception_noted: Option<NaiveDate>,
}

/// A supporter's week after the plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SupporterLoad {
    /// The supporter.
    pub supporter_id: String,
    /// The area.
    pub area: String,
    /// Paid or volunteer.
    pub status: SupporterStatus,
    /// Hours of open and new cases.
    pub hours_used: f64,
    /// Hours available.
    pub hours_per_week: f64,
    /// Open and new cases.
    pub cases: u32,
    /// Caseload cap.
    pub max_cases: u32,
    /// New cases this week.
    pub new_cases: u32,
    /// `hours_used / hours_per_week`.
    pub hours_share: f64,
    /// `cases / max_cases`.
    pub cases_share: f64,
    /// Over a limit through open cases.
    pub over_capacity: bool,
    /// On leave this week.
    pub on_leave: bool,
}

/// Counts for the week.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Active referrals (open cases plus waiting before the plan).
    pub active: usize,
    /// Open cases kept with their supporter.
    pub open_cases: usize,
    /// Families newly given a supporter.
    pub newly_assigned: usize,
    /// Families still waiting.
    pub waiting: usize,
    /// Rows not active this week.
    pub ignored: usize,
    /// Families whose supporter left, among those placed or waiting.
    pub reallocated: usize,
    /// The families waiting: on time, late, or late with a recorded exception.
    pub clock: ClockCounts,
}

/// One area's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AreaReport {
    /// The area code.
    pub area: String,
    /// `optimal` or `feasible`.
    pub status: &'static str,
    /// How the plan was reached.
    pub route: Route,
    /// Objective over new assignments in the area.
    pub objective: f64,
    /// Upper bound on it.
    pub bound: f64,
    /// Supporters in the area.
    pub supporters: usize,
    /// Families newly given a supporter.
    pub newly_assigned: usize,
    /// Families still waiting.
    pub waiting: usize,
}

/// The week's plan, as `allocate` prints it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    /// The Monday planned.
    pub week: PlanningWeek,
    /// The solver's account.
    pub solver: SolverReport,
    /// Open cases and new assignments, by area then referral id.
    pub assignments: Vec<Assignment>,
    /// Families waiting, by area then rank.
    pub waiting: Vec<WaitingEntry>,
    /// Every supporter's load, by area then id.
    pub supporters: Vec<SupporterLoad>,
    /// Counts.
    pub summary: Summary,
    /// Per-area results, by area code.
    pub areas: Vec<AreaReport>,
    /// The coordinator's decisions, what each did and what they cost (absent when
    /// there were none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decisions: Option<DecisionReport>,
    /// Each district's share served, and what equity across districts did.
    pub equity: EquityReport,
    /// How evenly the plan spreads supporters' hours, and what balancing did.
    pub balance: BalanceReport,
}

/// How evenly supporters' hours are used after the week.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Spread {
    /// The highest share of hours used.
    pub max: f64,
    /// The lowest.
    pub min: f64,
    /// The Gini coefficient of the shares (0: all equal).
    pub gini: f64,
}

/// One district of an area: its families some supporter with room could take this week
/// (pins included), and how many the plan serves.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DistrictShare {
    /// The area.
    pub area: String,
    /// The postcode district.
    pub district: String,
    /// Families of the district waiting this week that some supporter with room could
    /// take, and those pinned to a supporter by a decision.
    pub families: usize,
    /// Of them, families given a supporter this week.
    pub served: usize,
    /// `served / families`.
    pub share: f64,
    /// Families served by the best-score plan, before equity.
    pub served_without_equity: usize,
    /// Their share.
    pub share_without_equity: f64,
}

/// Equity across districts: the lowest share of a district's families served, and the
/// price of putting it first.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct EquityReport {
    /// `max_min` or `none` (the policy's `district_equity`).
    pub method: &'static str,
    /// The lowest district share served this week, over every area's districts
    /// (absent when no family's district is known).
    pub lowest_share: Option<f64>,
    /// The same in the best-score plan, before equity.
    pub lowest_share_without_equity: Option<f64>,
    /// Score given up for equity: the price of fairness.
    pub score_given_up: f64,
    /// Families whose supporter (or waiting) equity changed.
    pub families_moved: usize,
    /// Areas with at least one district counted (equity works area by area).
    pub areas_with_districts: usize,
    /// Of them, the areas whose lowest district share equity raised.
    pub areas_raised: usize,
    /// Areas where equity was asked for but the week's time limit stopped it (or the
    /// best-score stage before it) short of a proof: their plan is `feasible`.
    pub unproven_areas: Vec<String>,
    /// Every area's districts, by area then district.
    pub districts: Vec<DistrictShare>,
}

/// The second stage: balance among the plans with the best score.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct BalanceReport {
    /// `hours` or `none` (the policy's `balance`).
    pub method: &'static str,
    /// The shares of hours of supporters not on leave, over the week.
    pub spread: Spread,
    /// The sum over supporters of f(share of hours), as planned.
    pub sum_f: f64,
    /// The same sum in the plan before balancing.
    pub sum_f_unbalanced: f64,
    /// Score given up for balance (0 unless the policy's `score_tolerance` allows it).
    pub score_given_up: f64,
    /// Families whose supporter (or waiting) balancing changed.
    pub families_moved: usize,
    /// Areas whose balance stage the week's time limit stopped before a proof: their
    /// plan keeps the best score and is as even as found.
    pub unproven_areas: Vec<String>,
}

/// Plans `week`: keeps open cases, and chooses new assignments with `allocator`, one
/// independent problem per area, in parallel.
///
/// # Errors
///
/// [`SolveError`] if the solver fails on an area, or the thread pool cannot start.
pub fn allocate(
    caseload: &Caseload,
    week: PlanningWeek,
    policy: &Policy,
    allocator: &dyn AreaAllocator,
    options: &Options,
) -> Result<Plan, SolveError> {
    let started = Instant::now();
    let mut plan = plan_week(caseload, week, policy, allocator, options, None)?;
    if !options.decisions.is_empty() {
        let free = Options {
            decisions: Vec::new(),
            ..options.clone()
        };
        let without = plan_week(caseload, week, policy, allocator, &free, None)?;
        let report = report_decisions(&options.decisions, &plan, &without);
        // Each family the decisions displaced carries the supporter it had without them,
        // so that the waiting list says why it waits (not only "supporters full").
        let had: HashMap<&str, String> = without
            .assignments
            .iter()
            .filter(|a| report.displaced.contains(&a.referral_id))
            .map(|a| (a.referral_id.as_str(), a.supporter_id.clone()))
            .collect();
        mark_moves(&mut plan, had, |o| &mut o.without_decisions);
        plan.decisions = Some(report);
    }
    plan.solver.seconds = round(started.elapsed().as_secs_f64());
    Ok(plan)
}

/// The plan of the week, or of one area of it (`only`): the other areas' rows are left
/// out, and their objective with them.
pub(crate) fn plan_week(
    caseload: &Caseload,
    week: PlanningWeek,
    policy: &Policy,
    allocator: &dyn AreaAllocator,
    options: &Options,
    only: Option<&str>,
) -> Result<Plan, SolveError> {
    let started = Instant::now();
    let limit = options
        .time_limit_seconds
        .unwrap_or(policy.time_limit_seconds);
    let deadline = started + Duration::from_secs_f64(limit.clamp(0.0, 1e9));
    let mut view = WeekView::new(caseload, week);
    if let Some(area) = only {
        let here = |referral: usize| caseload.referrals[referral].area == area;
        view.open.retain(|case| here(case.referral));
        view.waiting.retain(|waiting| here(waiting.referral));
    }
    // Planning one area, the decisions about families of other areas do not apply.
    let elsewhere = |d: &Decision| {
        only.is_some_and(|area| {
            caseload
                .referrals
                .iter()
                .any(|r| r.id == d.referral_id && r.area != area)
        })
    };
    let decisions: Vec<Decision> = options
        .decisions
        .iter()
        .filter(|d| !elsewhere(d))
        .cloned()
        .collect();
    let (view, decided) = if decisions.is_empty() {
        (view, Resolved::default())
    } else {
        resolve(caseload, &view, policy, &decisions).map_err(SolveError::Decisions)?
    };
    let instances = build_instances(caseload, &view, policy, &decided, only);
    room_problems(caseload, week, &instances, &decisions).map_err(SolveError::Decisions)?;
    // Equity and balance choose among the proven optima only.
    let optimal = allocator.name() == "optimal";
    let balancing = policy.balance == Balance::Hours && optimal;
    let fair = policy.district_equity == DistrictEquity::MaxMin && optimal;
    // Every area's best score first, then the stages after it: a slow balance in one
    // area must not take the time another area needs to prove its optimum.
    let solve = || -> Result<Vec<(AreaSolution, Stages)>, SolveError> {
        let best: Vec<AreaSolution> = largest_first(
            instances.iter().collect(),
            |i| *i,
            |instance| allocator.allocate_area(instance, deadline),
        )
        .into_iter()
        .collect::<Result<_, _>>()?;
        let stages = instances.iter().zip(best).collect();
        largest_first(
            stages,
            |(i, _)| *i,
            |(instance, mut solution)| {
                let mut stages = Stages::default();
                if fair && solution.proven {
                    let districts = Districts::of(caseload, instance);
                    let limits = Limits::until(deadline);
                    let outcome = equity_area(instance, &districts, &solution.choice, limits)?;
                    solution.proven = outcome.proven;
                    stages.equity_proven = outcome.proven;
                    stages.floors = outcome.floors;
                    if outcome.choice != solution.choice {
                        stages.best = Some(std::mem::replace(&mut solution.choice, outcome.choice));
                    }
                }
                if !balancing || !solution.proven {
                    return Ok((solution, stages));
                }
                let capacity = Capacity::of(caseload, instance);
                let balanced = balance_area(
                    instance,
                    &capacity,
                    &solution.choice,
                    policy.score_tolerance,
                    &stages.floors,
                    Limits::until(deadline),
                )?;
                stages.balance_proven = balanced.proven;
                if balanced.choice != solution.choice {
                    stages.unbalanced =
                        Some(std::mem::replace(&mut solution.choice, balanced.choice));
                }
                Ok((solution, stages))
            },
        )
        .into_iter()
        .collect()
    };
    let (solutions, stages): (Vec<AreaSolution>, Vec<Stages>) = in_pool(options.threads, solve)
        .map_err(SolveError::Threads)??
        .into_iter()
        .unzip();
    let mut plan = assemble(
        caseload,
        &view,
        policy,
        allocator.name(),
        &instances,
        &solutions,
        &Decided {
            decisions: &decisions,
            resolved: &decided,
        },
    );
    plan.equity = equity_report(caseload, fair, &instances, &solutions, &stages, &mut plan);
    plan.balance = balance_report(
        caseload, policy, balancing, &instances, &solutions, &stages, &mut plan,
    );
    plan.solver.seconds = round(started.elapsed().as_secs_f64());
    Ok(plan)
}

/// The decisions of a week and what they resolved to.
struct Decided<'a> {
    decisions: &'a [Decision],
    resolved: &'a Resolved,
}

impl Decided<'_> {
    /// Per referral id, the marks every output shows.
    fn marks(&self, caseload: &Caseload) -> HashMap<String, Marks> {
        let mut by_family: BTreeMap<&str, (bool, Vec<&str>, Vec<&str>)> = BTreeMap::new();
        for decision in self.decisions {
            let entry = by_family.entry(&decision.referral_id).or_default();
            match decision.decision {
                DecisionKind::Pin => entry.0 = true,
                DecisionKind::Forbid => entry.1.push(&decision.supporter_id),
            }
            if let Some(note) = decision.note.as_deref().filter(|n| !n.is_empty()) {
                if !entry.2.contains(&note) {
                    entry.2.push(note);
                }
            }
        }
        let mut marks: HashMap<String, Marks> = by_family
            .into_iter()
            .map(|(id, (pinned, mut forbidden, notes))| {
                forbidden.sort_unstable();
                forbidden.dedup();
                let mut words = Vec::new();
                if pinned {
                    words.push("pinned".to_string());
                }
                if !forbidden.is_empty() {
                    words.push(format!("forbidden: {}", forbidden.join(", ")));
                }
                let marks = Marks {
                    decision: Some(words.join("; ")),
                    note: (!notes.is_empty()).then(|| notes.join("; ")),
                    moved_from: None,
                };
                (id.to_string(), marks)
            })
            .collect();
        for (&referral, &holder) in &self.resolved.moved {
            let id = &caseload.referrals[referral].id;
            marks.entry(id.clone()).or_default().moved_from =
                Some(caseload.supporters[holder].id.clone());
        }
        marks
    }
}

/// What each decision did, found in the finished plan, and the cost of them all.
fn report_decisions(decisions: &[Decision], plan: &Plan, without: &Plan) -> DecisionReport {
    let objective_without = without.solver.objective;
    let placed: HashMap<&str, &Assignment> = plan
        .assignments
        .iter()
        .map(|a| (a.referral_id.as_str(), a))
        .collect();
    let waiting: HashMap<&str, &WaitingEntry> = plan
        .waiting
        .iter()
        .map(|w| (w.referral_id.as_str(), w))
        .collect();
    let taken = decisions
        .iter()
        .map(|decision| {
            let id = decision.referral_id.as_str();
            let supporter = decision.supporter_id.as_str();
            let assignment = placed.get(id);
            let moved_from = assignment
                .map(|a| &a.marks)
                .or_else(|| waiting.get(id).map(|w| &w.marks))
                .and_then(|m| m.moved_from.as_deref());
            let effect = match (decision.decision, assignment) {
                (DecisionKind::Pin, Some(a)) if a.open_case => {
                    format!("already {supporter}'s open case: kept")
                }
                (DecisionKind::Pin, _) => match moved_from {
                    Some(from) => format!("moved from {from} to {supporter}"),
                    None => format!("placed with {supporter}"),
                },
                (DecisionKind::Forbid, Some(a)) if a.open_case => {
                    format!("an open case with {}: no change", a.supporter_id)
                }
                (DecisionKind::Forbid, Some(a)) => match moved_from {
                    Some(from) if from == supporter => {
                        format!("taken from {from}; placed with {}", a.supporter_id)
                    }
                    _ => format!("kept from {supporter}; placed with {}", a.supporter_id),
                },
                (DecisionKind::Forbid, None) => {
                    let reason = waiting.get(id).map_or("", |w| w.reason.words());
                    match moved_from {
                        Some(from) if from == supporter => {
                            format!("taken from {from}; waiting: {reason}")
                        }
                        _ => format!("kept from {supporter}; waiting: {reason}"),
                    }
                }
            };
            DecisionEffect {
                referral_id: decision.referral_id.clone(),
                supporter_id: decision.supporter_id.clone(),
                decision: decision.decision,
                note: decision.note.clone(),
                origin: decision.origin.to_string(),
                effect,
            }
        })
        .collect();
    let moved_cases_score: f64 = plan
        .assignments
        .iter()
        .filter(|a| !a.open_case && a.marks.moved_from.is_some())
        .map(|a| a.score)
        .sum();
    // Families the plan without decisions placed that wait in this one: the families
    // the decisions displaced (the decided families themselves are said above).
    let decided: HashSet<&str> = decisions.iter().map(|d| d.referral_id.as_str()).collect();
    let displaced: Vec<String> = without
        .assignments
        .iter()
        .filter(|a| !a.open_case && !decided.contains(a.referral_id.as_str()))
        .filter(|a| waiting.contains_key(a.referral_id.as_str()))
        .map(|a| a.referral_id.clone())
        .collect();
    DecisionReport {
        taken,
        displaced,
        objective: plan.solver.objective,
        moved_cases_score: round(moved_cases_score),
        objective_without,
        cost: round(objective_without - (plan.solver.objective - moved_cases_score)),
    }
}

/// Runs `work` on each area's item (in `items`, an item per area, the areas' order) on
/// the current rayon pool, handing the areas to the threads largest first (by eligible
/// pairs), and returns the results in the areas' order. One large area started last
/// would keep one thread busy long after the others are done; started first, the
/// small areas fill in around it.
fn largest_first<I: Send, T: Send>(
    items: Vec<I>,
    area: impl Fn(&I) -> &AreaInstance,
    work: impl Fn(I) -> T + Sync + Send,
) -> Vec<T> {
    let mut order: Vec<(usize, I)> = items.into_iter().enumerate().collect();
    order.sort_by_cached_key(|(i, item)| (std::cmp::Reverse(area(item).pairs()), *i));
    let mut done: Vec<(usize, T)> = order
        .into_iter()
        .par_bridge()
        .map(|(i, item)| (i, work(item)))
        .collect();
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, result)| result).collect()
}

/// Runs `work` on a rayon pool of `threads` workers, or on the global pool (one per
/// core) for `None`. `Err` says why the pool could not start.
///
/// # Errors
///
/// The thread pool's own error.
pub fn in_pool<T: Send>(
    threads: Option<usize>,
    work: impl FnOnce() -> T + Send,
) -> Result<T, rayon::ThreadPoolBuildError> {
    match threads {
        None => Ok(work()),
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build()
            .map(|pool| pool.install(work)),
    }
}

pub(crate) use caseload_model::round6 as round;

fn status(proven: bool) -> &'static str {
    if proven {
        "optimal"
    } else {
        "feasible"
    }
}

fn assemble(
    caseload: &Caseload,
    view: &WeekView,
    policy: &Policy,
    method: &'static str,
    instances: &[AreaInstance],
    solutions: &[AreaSolution],
    decided: &Decided,
) -> Plan {
    let mut marks = decided.marks(caseload);
    let mut marks_of = |id: &str| marks.remove(id).unwrap_or_default();
    let mut new_cases: Vec<Vec<(f64, u32)>> = instances
        .iter()
        .map(|i| vec![(0.0, 0); i.rooms.len()])
        .collect();

    let mut assignments = Vec::new();
    for case in &view.open {
        let referral = &caseload.referrals[case.referral];
        let supporter = &caseload.supporters[case.supporter];
        let parts = ScoreParts::new(referral, view.week, policy);
        assignments.push(Assignment {
            referral_id: referral.id.clone(),
            supporter_id: supporter.id.clone(),
            area: referral.area.clone(),
            score: round(parts.with_supporter(supporter.local, policy)),
            hours: referral_hours(caseload, case.referral, policy),
            open_case: true,
            reallocated: false,
            marks: marks_of(&referral.id),
            otherwise: Otherwise::default(),
        });
    }

    let mut waiting = Vec::new();
    let mut areas = Vec::new();
    let (mut objective, mut bound, mut proven) = (0.0, 0.0, true);
    for (a, (instance, solution)) in instances.iter().zip(solutions).enumerate() {
        let mut area_objective = 0.0;
        let mut area_new = 0;
        let mut queue: Vec<(bool, f64, &str, WaitingEntry)> = Vec::new();
        // Pinned families first, then the allocator's choices.
        let pinned = instance
            .pinned
            .iter()
            .map(|p| (p.referral, p.slot, p.score, p.hours, p.reallocated));
        let chosen = instance
            .candidates
            .iter()
            .zip(&solution.choice)
            .filter_map(|(c, pick)| {
                pick.map(|i| {
                    (
                        c.referral,
                        c.arcs[i].slot,
                        c.arcs[i].score,
                        c.hours,
                        c.reallocated,
                    )
                })
            });
        for (referral, slot, score, hours, reallocated) in pinned.chain(chosen) {
            let referral = &caseload.referrals[referral];
            let room = &instance.rooms[slot];
            area_objective += score;
            area_new += 1;
            let load = &mut new_cases[a][slot];
            load.0 += hours;
            load.1 += 1;
            assignments.push(Assignment {
                referral_id: referral.id.clone(),
                supporter_id: caseload.supporters[room.supporter].id.clone(),
                area: referral.area.clone(),
                score: round(score),
                hours,
                open_case: false,
                reallocated,
                marks: marks_of(&referral.id),
                otherwise: Otherwise::default(),
            });
        }
        let unplaced = instance
            .candidates
            .iter()
            .zip(&solution.choice)
            .filter(|(_, pick)| pick.is_none());
        for (candidate, _) in unplaced {
            let referral = &caseload.referrals[candidate.referral];
            let best = candidate
                .eligible
                .iter()
                .map(|&slot| {
                    let local = caseload.supporters[instance.rooms[slot].supporter].local;
                    candidate.parts.with_supporter(local, policy)
                })
                .fold(candidate.parts.base, f64::max);
            queue.push((
                true,
                best,
                referral.id.as_str(),
                waiting_entry(
                    referral,
                    WaitReason::Capacity,
                    best,
                    candidate.parts,
                    candidate.eligible.len(),
                    candidate.reallocated,
                    marks_of(&referral.id),
                ),
            ));
        }
        for unplaceable in &instance.unplaceable {
            let referral = &caseload.referrals[unplaceable.referral];
            let score = unplaceable.parts.base;
            queue.push((
                false,
                score,
                referral.id.as_str(),
                waiting_entry(
                    referral,
                    unplaceable.reason,
                    score,
                    unplaceable.parts,
                    0,
                    unplaceable.reallocated,
                    marks_of(&referral.id),
                ),
            ));
        }
        queue.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.total_cmp(&a.1)).then(a.2.cmp(b.2)));
        let area_waiting = queue.len();
        for (rank, (_, _, _, mut entry)) in queue.into_iter().enumerate() {
            entry.rank = rank + 1;
            waiting.push(entry);
        }
        let area_bound = if solution.proven {
            area_objective
        } else {
            solution.bound.max(area_objective)
        };
        objective += area_objective;
        bound += area_bound;
        proven &= solution.proven;
        areas.push(AreaReport {
            area: instance.area.clone(),
            status: status(solution.proven),
            route: solution.route,
            objective: round(area_objective),
            bound: round(area_bound),
            supporters: instance.rooms.len(),
            newly_assigned: area_new,
            waiting: area_waiting,
        });
    }
    assignments.sort_by(|a, b| a.area.cmp(&b.area).then(a.referral_id.cmp(&b.referral_id)));

    // Instances are ordered by area and their rooms by supporter id.
    let supporters = instances
        .iter()
        .zip(&new_cases)
        .flat_map(|(instance, loads)| instance.rooms.iter().zip(loads))
        .map(|(room, &(hours, cases))| {
            let supporter = &caseload.supporters[room.supporter];
            SupporterLoad {
                supporter_id: supporter.id.clone(),
                area: supporter.area.clone(),
                status: supporter.status,
                hours_used: round(room.open_hours + hours),
                hours_per_week: supporter.hours_per_week,
                cases: room.open_cases + cases,
                max_cases: supporter.max_cases,
                new_cases: cases,
                hours_share: share(room.open_hours + hours, supporter.hours_per_week),
                cases_share: share(
                    f64::from(room.open_cases + cases),
                    f64::from(supporter.max_cases),
                ),
                over_capacity: room.over_capacity,
                on_leave: room.on_leave,
            }
        })
        .collect();

    let newly_assigned = assignments.iter().filter(|a| !a.open_case).count();
    let reallocated = view.waiting.iter().filter(|w| w.reallocated).count();
    let gap = if proven || bound - objective <= 1e-9 {
        0.0
    } else {
        (bound - objective) / objective.abs().max(1e-9)
    };
    Plan {
        week: view.week,
        solver: SolverReport {
            status: status(proven),
            method,
            objective: round(objective),
            bound: round(if proven { objective } else { bound }),
            gap: round(gap),
            seconds: 0.0,
        },
        summary: Summary {
            active: view.active(),
            open_cases: view.open.len(),
            newly_assigned,
            waiting: waiting.len(),
            ignored: view.ignored,
            reallocated,
            clock: ClockCounts::of(&waiting),
        },
        assignments,
        waiting,
        supporters,
        areas,
        decisions: None,
        equity: EquityReport::default(),
        balance: BalanceReport::default(),
    }
}

/// `used / of`, rounded; 0 when there is nothing to use.
fn share(used: f64, of: f64) -> f64 {
    if of > 0.0 {
        round(used / of)
    } else {
        0.0
    }
}

/// An area's plan before the stages after the best score changed it.
#[derive(Debug, Clone, Default)]
struct Stages {
    /// The best-score plan, when equity changed it.
    best: Option<Choice>,
    /// The plan before balance, when balancing changed it.
    unbalanced: Option<Choice>,
    /// The district floors the plan keeps (none without equity).
    floors: Floors,
    /// The balance stage ran and proved its plan the most even one.
    balance_proven: bool,
    /// The equity stages ran and proved their plan.
    equity_proven: bool,
}

/// Records in `moved`, for each family whose supporter differs between `before` and
/// `after`, where `before` had it (a supporter id, or `waiting`).
fn record_moves<'a>(
    caseload: &'a Caseload,
    instance: &AreaInstance,
    before: &Choice,
    after: &Choice,
    moved: &mut HashMap<&'a str, String>,
) {
    for (c, (was, now)) in before.iter().zip(after).enumerate() {
        if was == now {
            continue;
        }
        let holder = match was {
            Some(i) => {
                let slot = instance.candidates[c].arcs[*i].slot;
                caseload.supporters[instance.rooms[slot].supporter]
                    .id
                    .clone()
            }
            None => "waiting".to_string(),
        };
        let referral = &caseload.referrals[instance.candidates[c].referral];
        moved.insert(referral.id.as_str(), holder);
    }
}

/// Writes each moved family's previous place (`moved`, by referral id) into the
/// field `stage` picks, on its assignment or waiting entry.
fn mark_moves(
    plan: &mut Plan,
    mut moved: HashMap<&str, String>,
    stage: fn(&mut Otherwise) -> &mut Option<String>,
) {
    for a in &mut plan.assignments {
        *stage(&mut a.otherwise) = moved.remove(a.referral_id.as_str());
    }
    for w in &mut plan.waiting {
        *stage(&mut w.otherwise) = moved.remove(w.referral_id.as_str());
    }
}

/// What balancing did, area by area, and the spread of the finished plan; marks the
/// families it moved.
fn balance_report(
    caseload: &Caseload,
    policy: &Policy,
    balancing: bool,
    instances: &[AreaInstance],
    solutions: &[AreaSolution],
    stages: &[Stages],
    plan: &mut Plan,
) -> BalanceReport {
    let (mut before, mut after, mut given_up) = (0.0, 0.0, 0.0);
    let mut moved: HashMap<&str, String> = HashMap::new();
    for ((instance, solution), stage) in instances.iter().zip(solutions).zip(stages) {
        let capacity = Capacity::of(caseload, instance);
        let planned = sum_f(instance, &capacity, &solution.choice);
        after += planned;
        let Some(first) = &stage.unbalanced else {
            before += planned;
            continue;
        };
        before += sum_f(instance, &capacity, first);
        given_up += choice_score(instance, first) - choice_score(instance, &solution.choice);
        record_moves(caseload, instance, first, &solution.choice, &mut moved);
    }
    let unproven_areas = instances
        .iter()
        .zip(solutions)
        .zip(stages)
        .filter(|((_, solution), stage)| balancing && solution.proven && !stage.balance_proven)
        .map(|((instance, _), _)| instance.area.clone())
        .collect();
    let families_moved = moved.len();
    mark_moves(plan, moved, |o| &mut o.without_balance);
    let shares: Vec<f64> = plan
        .supporters
        .iter()
        .filter(|s| !s.on_leave && s.hours_per_week > 0.0)
        .map(|s| s.hours_used / s.hours_per_week)
        .collect();
    BalanceReport {
        method: match (policy.balance, balancing) {
            (Balance::Hours, true) => "hours",
            _ => "none",
        },
        spread: spread(&shares),
        sum_f: round(after),
        sum_f_unbalanced: round(before),
        score_given_up: round(given_up) + 0.0,
        families_moved,
        unproven_areas,
    }
}

/// Each district's share served, with and without equity, and what equity cost; marks
/// the families it moved.
fn equity_report(
    caseload: &Caseload,
    fair: bool,
    instances: &[AreaInstance],
    solutions: &[AreaSolution],
    stages: &[Stages],
    plan: &mut Plan,
) -> EquityReport {
    let mut districts = Vec::new();
    let mut given_up = 0.0;
    let mut moved: HashMap<&str, String> = HashMap::new();
    let (mut areas_with_districts, mut areas_raised) = (0, 0);
    let mut unproven_areas = Vec::new();
    for ((instance, solution), stage) in instances.iter().zip(solutions).zip(stages) {
        // The plan equity made (before balance, which keeps its floors), and the
        // best-score plan it started from.
        let fair_plan = stage.unbalanced.as_ref().unwrap_or(&solution.choice);
        let best = stage.best.as_ref().unwrap_or(fair_plan);
        if let Some(best) = &stage.best {
            given_up += choice_score(instance, best) - choice_score(instance, fair_plan);
            // A family balance put back where the best-score plan had it is not marked.
            let (mut by_equity, mut in_the_end) = (HashMap::new(), HashMap::new());
            record_moves(caseload, instance, best, fair_plan, &mut by_equity);
            record_moves(caseload, instance, best, &solution.choice, &mut in_the_end);
            moved.extend(
                by_equity
                    .into_iter()
                    .filter(|(id, _)| in_the_end.contains_key(id)),
            );
        }
        let found = Districts::of(caseload, instance);
        let served = found.served(&solution.choice);
        let served_without = found.served(best);
        if !found.names.is_empty() {
            areas_with_districts += 1;
            if found.lowest(&solution.choice) > found.lowest(best) {
                areas_raised += 1;
            }
            if fair && !stage.equity_proven {
                unproven_areas.push(instance.area.clone());
            }
        }
        for (d, name) in found.names.iter().enumerate() {
            let eligible = found.eligible[d];
            districts.push(DistrictShare {
                area: instance.area.clone(),
                district: name.clone(),
                families: eligible as usize,
                served: served[d] as usize,
                share: share(f64::from(served[d]), f64::from(eligible)),
                served_without_equity: served_without[d] as usize,
                share_without_equity: share(f64::from(served_without[d]), f64::from(eligible)),
            });
        }
    }
    let families_moved = moved.len();
    mark_moves(plan, moved, |o| &mut o.without_equity);
    let lowest = |of: fn(&DistrictShare) -> f64| districts.iter().map(of).reduce(f64::min);
    EquityReport {
        method: if fair { "max_min" } else { "none" },
        lowest_share: lowest(|d| d.share),
        lowest_share_without_equity: lowest(|d| d.share_without_equity),
        score_given_up: round(given_up) + 0.0,
        families_moved,
        areas_with_districts,
        areas_raised,
        unproven_areas,
        districts,
    }
}

/// Max, min and Gini coefficient of `shares` (zeros when empty).
fn spread(shares: &[f64]) -> Spread {
    if shares.is_empty() {
        return Spread::default();
    }
    let n = shares.len() as f64;
    let mean = shares.iter().sum::<f64>() / n;
    // The sum of |a - b| over all ordered pairs: sorted ascending, the i-th share (from
    // 0) is above i shares and below n - 1 - i, so it counts 2i - (n - 1) times.
    let mut sorted = shares.to_vec();
    sorted.sort_by(f64::total_cmp);
    // (Equal shares can sum to a hair below 0 in floating point: clamp, so that the
    // coefficient never reads -0.)
    let differences: f64 = (2.0
        * sorted
            .iter()
            .enumerate()
            .map(|(i, x)| (2.0 * i as f64 - (n - 1.0)) * x)
            .sum::<f64>())
    .max(0.0);
    Spread {
        max: round(shares.iter().copied().fold(f64::MIN, f64::max)),
        min: round(shares.iter().copied().fold(f64::MAX, f64::min)),
        gini: if mean > 0.0 {
            round(differences / (2.0 * n * n * mean))
        } else {
            0.0
        },
    }
}

fn waiting_entry(
    referral: &caseload_model::Referral,
    reason: WaitReason,
    score: f64,
    parts: ScoreParts,
    eligible_supporters: usize,
    reallocated: bool,
    marks: Marks,
) -> WaitingEntry {
    WaitingEntry {
        referral_id: referral.id.clone(),
        area: referral.area.clone(),
        reason,
        rank: 0,
        score: round(score),
        priority: referral.priority,
        weeks_on_clock: parts.weeks_on_clock,
        eligible_supporters,
        reallocated,
        marks,
        otherwise: Otherwise::default(),
        exception: referral.exception,
        exception_noted: referral.exception_noted,
    }
}

#[cfg(test)]
mod tests {
    use super::{in_pool, largest_first, spread};

    #[test]
    fn a_pool_of_n_threads_runs_the_work_on_n() {
        for n in [1, 3] {
            assert_eq!(in_pool(Some(n), rayon::current_num_threads).unwrap(), n);
        }
        // None: the caller's pool, whatever it is.
        let outer = rayon::current_num_threads();
        assert_eq!(in_pool(None, rayon::current_num_threads).unwrap(), outer);
    }
    use crate::classes::tests::{draws, random_area, random_rooms};
    use std::sync::Mutex;

    /// `largest_first` returns every area's result in the areas' order, on one
    /// thread or several, and on one thread works through the areas by size, the
    /// largest first (ties in the areas' order).
    #[test]
    fn areas_are_handed_out_largest_first_and_come_back_in_order() {
        let mut draw = draws(7);
        let areas: Vec<_> = (0..40)
            .map(|_| {
                let rooms = random_rooms(&mut draw);
                random_area(&mut draw, rooms, 8, &[1.0, 2.0])
            })
            .collect();
        let pairs: Vec<usize> = areas.iter().map(|a| a.pairs()).collect();
        assert!(pairs.windows(2).any(|w| w[0] < w[1]), "{pairs:?}");
        for threads in [1, 2, 4] {
            let started = Mutex::new(Vec::new());
            let items: Vec<(usize, _)> = areas.iter().enumerate().collect();
            let results = in_pool(Some(threads), || {
                largest_first(
                    items,
                    |(_, area)| *area,
                    |(i, area)| {
                        started.lock().expect("not poisoned").push(i);
                        (i, area.pairs())
                    },
                )
            })
            .expect("a pool");
            let expected: Vec<(usize, usize)> = pairs.iter().copied().enumerate().collect();
            assert_eq!(results, expected, "{threads} threads");
            let started = started.into_inner().expect("not poisoned");
            assert_eq!(started.len(), areas.len());
            if threads == 1 {
                let mut by_size: Vec<usize> = (0..areas.len()).collect();
                by_size.sort_by_key(|&i| (std::cmp::Reverse(pairs[i]), i));
                assert_eq!(started, by_size);
            }
        }
    }

    /// The Gini coefficient from sorted shares is the mean absolute difference over
    /// all pairs, halved and divided by the mean, and is exactly 0, never -0, when the
    /// shares are equal.
    #[test]
    fn the_gini_coefficient_is_the_pairwise_mean_difference() {
        let equal = spread(&[0.8; 5]);
        assert_eq!(equal.gini.to_bits(), 0.0f64.to_bits(), "{}", equal.gini);
        let shares = [0.1, 0.75, 0.3, 0.0, 1.2, 0.45, 0.3];
        let n = shares.len() as f64;
        let mean = shares.iter().sum::<f64>() / n;
        let pairs: f64 = shares
            .iter()
            .flat_map(|a| shares.iter().map(move |b| (a - b).abs()))
            .sum();
        let by_pairs = pairs / (2.0 * n * n * mean);
        assert!((spread(&shares).gini - by_pairs).abs() < 1e-4, "{by_pairs}");
        assert_eq!(spread(&[]).gini, 0.0);
        assert_eq!(spread(&[0.0, 0.0]).gini, 0.0);
    }

    #[test]
    fn rounding_never_gives_minus_zero() {
        for value in [-0.0, -1e-9, -4e-7] {
            let r = super::round(value);
            assert_eq!(r, 0.0);
            assert!(r.is_sign_positive(), "{value} rounds to {r}");
            assert_eq!(format!("{r}"), "0");
        }
        assert_eq!(super::round(19.200000000000003), 19.2);
        assert_eq!(super::round(-2.5000004), -2.5);
    }
}
