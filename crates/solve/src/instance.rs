//! One independent allocation problem per area: supporters' room after their open
//! cases, and each waiting family's eligible supporters with their scores.

use std::collections::BTreeMap;

use caseload_model::{Caseload, Policy, WeekView};

use crate::decisions::Resolved;
use crate::eligibility::{check, no_eligible_reason, WaitReason};
use crate::score::ScoreParts;

/// Tolerance on hours: a case fits when it needs at most this much more than is free.
/// (HiGHS's own feasibility tolerance is 1e-6; 1e-6 hours is 3.6 milliseconds.)
pub(crate) const HOURS_EPS: f64 = 1e-6;

/// A supporter's load from open cases and room for new ones.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Room {
    /// Index into [`Caseload::supporters`].
    pub supporter: usize,
    /// Hours used by open cases.
    pub open_hours: f64,
    /// Number of open cases.
    pub open_cases: u32,
    /// Hours free for new cases after open cases and pins (0 when not accepting).
    pub free_hours: f64,
    /// Case slots free for new cases after open cases and pins (0 when not accepting).
    pub free_cases: u32,
    /// Hours of families pinned to this supporter this week.
    pub pinned_hours: f64,
    /// Families pinned to this supporter this week.
    pub pinned_cases: u32,
    /// Already over a limit through open cases (gets no new cases).
    pub over_capacity: bool,
    /// On leave this week (gets no new cases).
    pub on_leave: bool,
}

/// A waiting family that some supporter of its area may take.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Candidate {
    /// Index into [`Caseload::referrals`].
    pub referral: usize,
    /// Its supporter has left.
    pub reallocated: bool,
    /// Hours per week the case needs.
    pub hours: f64,
    /// Score parts independent of the supporter.
    pub parts: ScoreParts,
    /// Eligible supporters (slots into [`AreaInstance::rooms`]), with or without room.
    pub eligible: Vec<usize>,
    /// The eligible supporters with room for this case now, and the score with each.
    pub arcs: Vec<Arc>,
}

impl Candidate {
    /// The best score among its arcs (0 when it has none: it may stay unplaced).
    pub(crate) fn best_score(&self) -> f64 {
        self.arcs.iter().map(|a| a.score).fold(0.0, f64::max)
    }
}

/// A possible new assignment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Arc {
    /// Slot into [`AreaInstance::rooms`].
    pub slot: usize,
    /// `score(r, s)`.
    pub score: f64,
}

/// A waiting family a decision places with a supporter.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Pinned {
    /// Index into [`Caseload::referrals`].
    pub referral: usize,
    /// Slot into [`AreaInstance::rooms`].
    pub slot: usize,
    /// `score(r, s)`.
    pub score: f64,
    /// Hours per week the case needs.
    pub hours: f64,
    /// Its supporter has left.
    pub reallocated: bool,
    /// The pin's place in the week's decisions.
    pub decision: usize,
}

/// A waiting family no supporter may take, and why.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Unplaceable {
    /// Index into [`Caseload::referrals`].
    pub referral: usize,
    /// Its supporter has left.
    pub reallocated: bool,
    /// The reason code.
    pub reason: WaitReason,
    /// Score parts (for ranking the waiting list).
    pub parts: ScoreParts,
}

/// Everything needed to allocate one area. `pub` in name only: the module is private,
/// so no other crate can name it, and [`crate::AreaAllocator`], which takes it, is
/// sealed; callers outside use [`crate::AreaWeek`].
#[derive(Debug, Clone, PartialEq)]
pub struct AreaInstance {
    /// The area code.
    pub(crate) area: String,
    /// The area's supporters, ordered by id.
    pub(crate) rooms: Vec<Room>,
    /// Waiting families with at least one eligible supporter, ordered by id.
    pub(crate) candidates: Vec<Candidate>,
    /// Waiting families with none, ordered by id.
    pub(crate) unplaceable: Vec<Unplaceable>,
    /// Families placed by a decision, ordered by id: their room is already taken
    /// from [`rooms`](Self::rooms), so the allocators never see them.
    pub(crate) pinned: Vec<Pinned>,
}

impl AreaInstance {
    /// The area's eligible pairs (arcs): the measure of its size.
    pub(crate) fn pairs(&self) -> usize {
        self.candidates.iter().map(|c| c.arcs.len()).sum()
    }

    /// The most families any plan can place: the area's free case slots, and never
    /// more than there are candidates.
    pub(crate) fn max_placed(&self) -> usize {
        let free: usize = self.rooms.iter().map(|r| r.free_cases as usize).sum();
        free.min(self.candidates.len())
    }

    /// No plan scores more: each candidate's best score, summed over the
    /// [`max_placed`](Self::max_placed) best candidates (at most that many are placed).
    pub(crate) fn upper_bound(&self) -> f64 {
        let mut best: Vec<f64> = self
            .candidates
            .iter()
            .filter_map(|c| c.arcs.iter().map(|a| a.score).reduce(f64::max))
            .collect();
        best.sort_by(|a, b| b.total_cmp(a));
        best.iter().take(self.max_placed()).sum()
    }
}

/// Hours a referral needs (its own figure or the policy default for its complexity).
pub(crate) fn referral_hours(caseload: &Caseload, referral: usize, policy: &Policy) -> f64 {
    let referral = &caseload.referrals[referral];
    referral
        .hours_per_week
        .unwrap_or_else(|| policy.default_hours.for_complexity(referral.complexity))
}

/// Splits the week into one instance per area (or only the area `only`), ordered by
/// area code, with the decisions in `decided` applied (pinned families placed,
/// forbidden pairs left out).
pub(crate) fn build_instances(
    caseload: &Caseload,
    view: &WeekView,
    policy: &Policy,
    decided: &Resolved,
    only: Option<&str>,
) -> Vec<AreaInstance> {
    // Per area: its supporters, and its waiting referrals (with the reallocated flag).
    type AreaRows = (Vec<usize>, Vec<(usize, bool)>);
    let mut areas: BTreeMap<&str, AreaRows> = BTreeMap::new();
    for (index, supporter) in caseload.supporters.iter().enumerate() {
        areas
            .entry(supporter.area.as_str())
            .or_default()
            .0
            .push(index);
    }
    for waiting in &view.waiting {
        let area = caseload.referrals[waiting.referral].area.as_str();
        areas
            .entry(area)
            .or_default()
            .1
            .push((waiting.referral, waiting.reallocated));
    }
    if let Some(only) = only {
        areas.retain(|area, _| *area == only);
    }
    let mut open_load = vec![(0.0_f64, 0_u32); caseload.supporters.len()];
    for case in &view.open {
        let load = &mut open_load[case.supporter];
        load.0 += referral_hours(caseload, case.referral, policy);
        load.1 += 1;
    }
    let mut pinned_load = vec![(0.0_f64, 0_u32); caseload.supporters.len()];
    for (&referral, &(supporter, _)) in &decided.pins {
        let load = &mut pinned_load[supporter];
        load.0 += referral_hours(caseload, referral, policy);
        load.1 += 1;
    }

    areas
        .into_iter()
        .map(|(area, (mut supporters, mut waiting))| {
            supporters.sort_by(|a, b| caseload.supporters[*a].id.cmp(&caseload.supporters[*b].id));
            waiting.sort_by(|a, b| caseload.referrals[a.0].id.cmp(&caseload.referrals[b.0].id));
            let rooms: Vec<Room> = supporters
                .iter()
                .map(|&index| room(caseload, view, index, open_load[index], pinned_load[index]))
                .collect();
            let mut instance = AreaInstance {
                area: area.to_string(),
                rooms,
                candidates: Vec::new(),
                unplaceable: Vec::new(),
                pinned: Vec::new(),
            };
            for (referral, reallocated) in waiting {
                if let Some(&(supporter, decision)) = decided.pins.get(&referral) {
                    let slot = supporters.iter().position(|&s| s == supporter);
                    if let Some(slot) = slot {
                        let row = &caseload.referrals[referral];
                        let parts = ScoreParts::new(row, view.week, policy);
                        instance.pinned.push(Pinned {
                            referral,
                            slot,
                            score: parts
                                .with_supporter(caseload.supporters[supporter].local, policy),
                            hours: referral_hours(caseload, referral, policy),
                            reallocated,
                            decision,
                        });
                        continue;
                    }
                }
                place(
                    caseload,
                    view,
                    policy,
                    decided,
                    &supporters,
                    &mut instance,
                    referral,
                    reallocated,
                );
            }
            instance
        })
        .collect()
}

/// A supporter's room after open cases `(hours, cases)` and pins. Pins that do not fit
/// leave no room (and are reported by [`crate::decisions::room_problems`]).
fn room(
    caseload: &Caseload,
    view: &WeekView,
    index: usize,
    (hours, cases): (f64, u32),
    (pinned_hours, pinned_cases): (f64, u32),
) -> Room {
    let supporter = &caseload.supporters[index];
    let over_capacity = hours > supporter.hours_per_week + HOURS_EPS || cases > supporter.max_cases;
    let on_leave = supporter.on_leave(view.week.monday());
    let accepting = !over_capacity && !on_leave;
    Room {
        supporter: index,
        open_hours: hours,
        open_cases: cases,
        free_hours: if accepting {
            (supporter.hours_per_week - hours - pinned_hours).max(0.0)
        } else {
            0.0
        },
        free_cases: if accepting {
            supporter
                .max_cases
                .saturating_sub(cases)
                .saturating_sub(pinned_cases)
        } else {
            0
        },
        pinned_hours,
        pinned_cases,
        over_capacity,
        on_leave,
    }
}

#[allow(clippy::too_many_arguments)]
fn place(
    caseload: &Caseload,
    view: &WeekView,
    policy: &Policy,
    decided: &Resolved,
    supporters: &[usize],
    instance: &mut AreaInstance,
    referral: usize,
    reallocated: bool,
) {
    let row = &caseload.referrals[referral];
    let parts = ScoreParts::new(row, view.week, policy);
    let area_supporters = supporters.iter().map(|&s| &caseload.supporters[s]);
    if let Some(reason) = no_eligible_reason(row, area_supporters, view.week, policy) {
        instance.unplaceable.push(Unplaceable {
            referral,
            reallocated,
            reason,
            parts,
        });
        return;
    }
    let hours = referral_hours(caseload, referral, policy);
    let mut eligible = Vec::new();
    let mut arcs = Vec::new();
    let mut forbidden = false;
    for (slot, &index) in supporters.iter().enumerate() {
        let supporter = &caseload.supporters[index];
        if check(row, supporter, view.week, policy).is_err() {
            continue;
        }
        if decided.is_forbidden(referral, index) {
            forbidden = true;
            continue;
        }
        eligible.push(slot);
        let room = &instance.rooms[slot];
        if room.free_cases >= 1 && hours <= room.free_hours + HOURS_EPS {
            arcs.push(Arc {
                slot,
                score: parts.with_supporter(supporter.local, policy),
            });
        }
    }
    if eligible.is_empty() && forbidden {
        instance.unplaceable.push(Unplaceable {
            referral,
            reallocated,
            reason: WaitReason::Forbidden,
            parts,
        });
        return;
    }
    instance.candidates.push(Candidate {
        referral,
        reallocated,
        hours,
        parts,
        eligible,
        arcs,
    });
}
