//! A coordinator's decisions as hard constraints of the week.
//!
//! A pin fixes x(r, s) = 1: the family leaves the choice, its hours and a case slot are
//! taken from the supporter before the MIP, and its score is added to the objective.
//! The MIP then solves what is left, so the plan is optimal subject to the pins. A
//! forbid removes the pair's arc. A pin of an open case to another supporter, or a
//! forbid of its own supporter, first returns the case to the waiting families (its
//! supporter's room freed), then treats it as any other.
//!
//! Whatever cannot hold (unknown ids, a family not active this week, pin and forbid
//! of one pair, two supporters pinned for one family, a supporter not eligible, not
//! enough room) is collected, every problem at once, before anything is solved.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use caseload_model::config::did_you_mean;
use caseload_model::{
    Caseload, Decision, DecisionField, DecisionKind, PlanningWeek, Policy, Waiting, WeekView,
};
use serde::Serialize;

use crate::eligibility::check;
use crate::explain::{absence, ineligible_detail};
use crate::instance::{AreaInstance, HOURS_EPS};

/// Decisions that cannot hold this week, each with where it was given and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", render(.problems))]
pub struct DecisionError {
    /// Every problem found.
    pub problems: Vec<DecisionProblem>,
}

/// One decision that cannot hold, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionProblem {
    /// Where it was given (`decisions.csv:3:1`, at the field in question; `--pin`), or
    /// empty when the decision was not given by the user as such (a recommendation's
    /// trial pin).
    pub origin: String,
    /// The decision: `pin R=S`.
    pub decision: String,
    /// Why it cannot hold.
    pub why: String,
}

impl std::fmt::Display for DecisionProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if !self.origin.is_empty() {
            write!(f, "{}: ", self.origin)?;
        }
        write!(f, "{}: {}", self.decision, self.why)
    }
}

fn render(problems: &[DecisionProblem]) -> String {
    let mut text = match problems.len() {
        1 => "a decision cannot hold:".to_string(),
        n => format!("{n} decisions cannot hold:"),
    };
    for problem in problems {
        text.push_str("\n  ");
        text.push_str(&problem.to_string());
    }
    text
}

/// The decisions checked against the week's register, by index.
#[derive(Debug, Clone, Default)]
pub(crate) struct Resolved {
    /// Referral → the supporter it is pinned to and the pin's place in the decisions
    /// (open cases pinned to their own supporter are not listed: nothing changes).
    pub pins: BTreeMap<usize, (usize, usize)>,
    /// Pairs (referral, supporter) kept apart.
    pub forbids: BTreeSet<(usize, usize)>,
    /// Open cases returned to the waiting families → the supporter who held them.
    pub moved: BTreeMap<usize, usize>,
}

impl Resolved {
    pub fn is_forbidden(&self, referral: usize, supporter: usize) -> bool {
        self.forbids.contains(&(referral, supporter))
    }
}

fn index_of<'a>(ids: impl Iterator<Item = &'a str>) -> HashMap<&'a str, usize> {
    ids.enumerate().map(|(i, id)| (id, i)).collect()
}

/// Checks `decisions` against `view` (ids, activity, contradictions, eligibility) and
/// returns the week with moved open cases returned to the waiting families. Room is
/// checked later, on the built instances ([`room_problems`]).
pub(crate) fn resolve(
    caseload: &Caseload,
    view: &WeekView,
    policy: &Policy,
    decisions: &[Decision],
) -> Result<(WeekView, Resolved), DecisionError> {
    resolve_marking(caseload, view, policy, decisions).map_err(|(error, _)| error)
}

/// [`resolve`], with, on failure, the indices of the decisions that cannot hold (of a
/// contradicting pair, the later one).
fn resolve_marking(
    caseload: &Caseload,
    view: &WeekView,
    policy: &Policy,
    decisions: &[Decision],
) -> Result<(WeekView, Resolved), (DecisionError, BTreeSet<usize>)> {
    let referrals = index_of(caseload.referrals.iter().map(|r| r.id.as_str()));
    let supporters = index_of(caseload.supporters.iter().map(|s| s.id.as_str()));
    let holder: HashMap<usize, usize> = view
        .open
        .iter()
        .map(|c| (c.referral, c.supporter))
        .collect();
    let waiting: BTreeSet<usize> = view.waiting.iter().map(|w| w.referral).collect();
    // Each problem with the index of its decision.
    let mut problems: Vec<(usize, DecisionProblem)> = Vec::new();
    let mut resolved = Resolved::default();
    // Referral → (supporter, where pinned), to find a family pinned twice.
    let mut pinned: BTreeMap<usize, (usize, usize)> = BTreeMap::new();
    let mut known = Vec::new();
    for (d, decision) in decisions.iter().enumerate() {
        let say = |field: DecisionField, why: String| (d, say(decision, field, &why));
        let referral = referrals.get(decision.referral_id.as_str()).copied();
        let supporter = supporters.get(decision.supporter_id.as_str()).copied();
        if referral.is_none() {
            problems.push(say(
                DecisionField::Referral,
                format!(
                    "no referral `{}` in {}{}",
                    decision.referral_id,
                    caseload.origins.referrals_file.display(),
                    did_you_mean(
                        &decision.referral_id,
                        caseload.referrals.iter().map(|r| r.id.as_str())
                    )
                ),
            ));
        }
        if supporter.is_none() {
            problems.push(say(
                DecisionField::Supporter,
                format!(
                    "no supporter `{}` in the supporters file{}",
                    decision.supporter_id,
                    did_you_mean(
                        &decision.supporter_id,
                        caseload.supporters.iter().map(|s| s.id.as_str())
                    )
                ),
            ));
        }
        let (Some(r), Some(s)) = (referral, supporter) else {
            continue;
        };
        if !holder.contains_key(&r) && !waiting.contains(&r) {
            problems.push(say(
                DecisionField::Referral,
                format!(
                    "{} is not active in the week of {}",
                    decision.referral_id, view.week
                ),
            ));
            continue;
        }
        known.push((d, r, s));
        match decision.decision {
            DecisionKind::Forbid => {
                resolved.forbids.insert((r, s));
            }
            DecisionKind::Pin => match pinned.get(&r) {
                Some(&(other, first)) if other != s => problems.push(say(
                    DecisionField::Decision,
                    format!(
                        "{} is already pinned to {} ({})",
                        decision.referral_id,
                        decisions[first].supporter_id,
                        decisions[first].origin
                    ),
                )),
                Some(_) => {}
                None => {
                    pinned.insert(r, (s, d));
                }
            },
        }
    }
    // The first forbid of each pair, to name it beside a pin of the same pair.
    let mut forbidden_by: HashMap<(usize, usize), usize> = HashMap::new();
    for &(d, r, s) in &known {
        if decisions[d].decision == DecisionKind::Forbid {
            forbidden_by.entry((r, s)).or_insert(d);
        }
    }
    for &(d, r, s) in &known {
        if decisions[d].decision != DecisionKind::Pin {
            continue;
        }
        // Said of the later of the two, which is the one that contradicts.
        if let Some(&f) = forbidden_by.get(&(r, s)) {
            let (later, earlier, what) = if f > d {
                (f, d, "pinned")
            } else {
                (d, f, "forbidden")
            };
            let why = format!(
                "the same pair is already {what} ({}); withdraw that first",
                decisions[earlier].origin
            );
            problems.push((later, say(&decisions[later], DecisionField::Decision, &why)));
        }
    }
    // A pin of an open case to its own supporter changes nothing; the others must
    // pass the eligibility rules, and the family must not be away this week.
    for (&r, &(s, d)) in pinned.iter().filter(|(r, (s, _))| holder.get(r) != Some(s)) {
        let decision = &decisions[d];
        let referral = &caseload.referrals[r];
        let supporter = &caseload.supporters[s];
        let why = if !referral.has_consent() {
            Some((
                DecisionField::Referral,
                format!(
                    "{} cannot be placed: consent is {}",
                    referral.id,
                    referral.consent_basis().describe()
                ),
            ))
        } else if referral.away(view.week.monday()) {
            Some((
                DecisionField::Referral,
                format!(
                    "{} cannot be placed: the family is away this week ({})",
                    referral.id,
                    absence(referral)
                ),
            ))
        } else if let Err(reason) = check(referral, supporter, view.week, policy) {
            Some((
                DecisionField::Supporter,
                format!(
                    "{} is not eligible for {}: {}",
                    supporter.id,
                    referral.id,
                    ineligible_detail(reason, referral, supporter)
                ),
            ))
        } else {
            None
        };
        if let Some((field, why)) = why {
            problems.push((d, say(decision, field, &why)));
        }
    }
    if !problems.is_empty() {
        let flagged = problems.iter().map(|(d, _)| *d).collect();
        let problems = problems.into_iter().map(|(_, problem)| problem).collect();
        return Err((DecisionError { problems }, flagged));
    }

    let mut week = view.clone();
    for (&r, &(s, d)) in &pinned {
        match holder.get(&r) {
            Some(&h) if h == s => {}
            Some(&h) => {
                resolved.moved.insert(r, h);
                resolved.pins.insert(r, (s, d));
            }
            None => {
                resolved.pins.insert(r, (s, d));
            }
        }
    }
    for &(r, s) in &resolved.forbids {
        if holder.get(&r) == Some(&s) {
            resolved.moved.insert(r, s);
        }
    }
    week.open
        .retain(|case| !resolved.moved.contains_key(&case.referral));
    week.waiting
        .extend(resolved.moved.keys().map(|&referral| Waiting {
            referral,
            reallocated: false,
        }));
    Ok((week, resolved))
}

/// Whether `decisions` can all hold in `week`, without planning it: every check
/// `allocate` makes before solving (ids, activity, contradictions, eligibility, room).
///
/// # Errors
///
/// [`DecisionError`] listing every decision that cannot hold, and why.
pub fn check_decisions(
    caseload: &Caseload,
    week: PlanningWeek,
    policy: &Policy,
    decisions: &[Decision],
) -> Result<(), DecisionError> {
    let view = WeekView::new(caseload, week);
    let room = |decisions: &[Decision], view: &WeekView, decided: &Resolved| {
        let instances = crate::instance::build_instances(caseload, view, policy, decided, None);
        room_problems(caseload, week, &instances, decisions)
    };
    let (mut found, flagged) = match resolve_marking(caseload, &view, policy, decisions) {
        Ok((resolved_view, decided)) => return room(decisions, &resolved_view, &decided),
        Err(failed) => failed,
    };
    // Room is checked on the decisions that hold too, so that a pin with no room is
    // said with the rest, not once the others are mended (of two contradicting
    // decisions, the earlier one is kept for this).
    let fine: Vec<Decision> = decisions
        .iter()
        .enumerate()
        .filter(|(d, _)| !flagged.contains(d))
        .map(|(_, decision)| decision.clone())
        .collect();
    if let Ok((resolved_view, decided)) = resolve(caseload, &view, policy, &fine) {
        if let Err(more) = room(&fine, &resolved_view, &decided) {
            found.problems.extend(more.problems);
        }
    }
    Err(found)
}

/// Pins that do not fit their supporter's room after open cases (all pins to one
/// supporter together).
pub(crate) fn room_problems(
    caseload: &Caseload,
    week: PlanningWeek,
    instances: &[AreaInstance],
    decisions: &[Decision],
) -> Result<(), DecisionError> {
    let mut problems = Vec::new();
    for instance in instances {
        for (slot, room) in instance.rooms.iter().enumerate() {
            if room.pinned_cases == 0 {
                continue;
            }
            let supporter = &caseload.supporters[room.supporter];
            let pins: Vec<_> = instance.pinned.iter().filter(|p| p.slot == slot).collect();
            let families: Vec<&str> = pins
                .iter()
                .map(|p| caseload.referrals[p.referral].id.as_str())
                .collect();
            let Some(first) = pins.iter().map(|p| p.decision).min().map(|d| &decisions[d]) else {
                continue;
            };
            let free_hours = (supporter.hours_per_week - room.open_hours).max(0.0);
            let free_cases = supporter.max_cases.saturating_sub(room.open_cases);
            let pins = if families.len() == 1 {
                format!("{} needs", families[0])
            } else {
                format!(
                    "the pins to {} ({}) need",
                    supporter.id,
                    families.join(", ")
                )
            };
            let need = format!(
                "{pins} {} h and {}",
                crate::plan::round(room.pinned_hours),
                crate::words::count(room.pinned_cases, "case slot", "case slots")
            );
            if room.over_capacity {
                problems.push(say(
                    first,
                    DecisionField::Supporter,
                    &format!(
                        "{} is already over a limit through open cases ({} h of {}, {} of {} cases): no new cases",
                        supporter.id,
                        crate::plan::round(room.open_hours),
                        supporter.hours_per_week,
                        room.open_cases,
                        supporter.max_cases
                    ),
                ));
            } else if room.pinned_hours > free_hours + HOURS_EPS || room.pinned_cases > free_cases {
                problems.push(say(
                    first,
                    DecisionField::Supporter,
                    &format!(
                        "no room: {need}; after open cases {} has {} h and {} free in the week of {week}",
                        supporter.id,
                        crate::plan::round(free_hours),
                        crate::words::count(free_cases, "case slot", "case slots")
                    ),
                ));
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(DecisionError { problems })
    }
}

/// The problem of `decision`, located at its `field` when it is a file's row.
fn say(decision: &Decision, field: DecisionField, why: &str) -> DecisionProblem {
    DecisionProblem {
        origin: decision.origin.at(field),
        decision: format!(
            "{} {}={}",
            decision.decision.code(),
            decision.referral_id,
            decision.supporter_id
        ),
        why: why.to_string(),
    }
}

/// One decision as the plan reports it: what it did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecisionEffect {
    /// The family.
    pub referral_id: String,
    /// The supporter.
    pub supporter_id: String,
    /// Pin or forbid.
    pub decision: DecisionKind,
    /// The coordinator's note.
    pub note: Option<String>,
    /// Where it was given (`--pin`, or the file and line).
    pub origin: String,
    /// What it did this week, in words.
    pub effect: String,
}

/// The week's decisions and what they cost.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecisionReport {
    /// Every decision, in the order given.
    pub taken: Vec<DecisionEffect>,
    /// Families the same week without any decision would have placed that now wait
    /// (besides the decided families themselves), in the plan's order.
    pub displaced: Vec<String>,
    /// The objective of this plan (subject to the decisions).
    pub objective: f64,
    /// The part of `objective` scored by open cases the decisions moved or returned
    /// (placed again, they count as new assignments).
    pub moved_cases_score: f64,
    /// The objective of the same week planned without any decision.
    pub objective_without: f64,
    /// What the families waiting this week gave up for the decisions:
    /// `objective_without - (objective - moved_cases_score)` (negative when a move freed
    /// room that served them better).
    pub cost: f64,
}
