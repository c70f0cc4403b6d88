//! The second stage of the weekly optimum: among the plans with the best total score,
//! the one that spreads supporters' hours most evenly.
//!
//! share(s) = hours used after the week (open cases, pins and new cases) / hours a week,
//! and f(share) is share² interpolated linearly between multiples of 0.05: convex and
//! piecewise linear, so "t(s) >= each segment's line" makes t(s) = f(share(s)) at the
//! optimum, with no integer variable besides the assignments (HiGHS has no quadratic
//! MIP). The stage keeps the total score at least the first stage's optimum (less the
//! policy's `score_tolerance` share), and minimises the sum of t(s) over the area.
//!
//! Two exact ways, tried in turn (DESIGN.md has what each bought):
//!
//! 1. [`search`]: branch and bound over the candidates in Rust, with a node budget.
//!    Most areas are settled in microseconds, where HiGHS's set-up alone costs about a
//!    millisecond.
//! 2. [`balance_classes`]: the MIP on the aggregated model of [`crate::classes`], from
//!    the best plan the search found, for the areas it gives up on; the options that
//!    would lose too much score are closed first, by the score's slack and by the
//!    reduced costs of the first stage's LP relaxation.

use good_lp::{variable, Expression};

use caseload_model::Caseload;

use crate::branch::{decision_order, Searched};
use crate::classes::{classes_by, counts};
use crate::equity::Floors;
use crate::greedy::{objective, respects_capacity, Choice};
use crate::instance::{AreaInstance, HOURS_EPS};
use crate::mip::{ClassModel, Limits, LpBounds, Stops};
use crate::SolveError;

/// The grid of f: share² is exact at multiples of this.
pub(crate) const STEP: f64 = 0.05;

/// f(share): share² at multiples of [`STEP`], linear between.
pub(crate) fn f(share: f64) -> f64 {
    let share = share.max(0.0);
    let k = (share / STEP).floor();
    let (lo, hi) = (k * STEP, (k + 1.0) * STEP);
    lo * lo + (share - lo) * (lo + hi)
}

/// Per slot of an area: hours a week, and hours already used before new cases (open
/// cases and pins).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Capacity {
    pub hours_per_week: Vec<f64>,
    pub used_hours: Vec<f64>,
}

impl Capacity {
    pub fn of(caseload: &Caseload, instance: &AreaInstance) -> Capacity {
        Capacity {
            hours_per_week: instance
                .rooms
                .iter()
                .map(|r| caseload.supporters[r.supporter].hours_per_week)
                .collect(),
            used_hours: instance
                .rooms
                .iter()
                .map(|r| r.open_hours + r.pinned_hours)
                .collect(),
        }
    }
}

/// Per slot, the hours used after `choice`.
fn used_after(instance: &AreaInstance, capacity: &Capacity, choice: &Choice) -> Vec<f64> {
    let mut used = capacity.used_hours.clone();
    for (candidate, pick) in instance.candidates.iter().zip(choice) {
        if let Some(i) = pick {
            used[candidate.arcs[*i].slot] += candidate.hours;
        }
    }
    used
}

/// The area's sum of f(share) after `choice`.
pub(crate) fn sum_f(instance: &AreaInstance, capacity: &Capacity, choice: &Choice) -> f64 {
    used_after(instance, capacity, choice)
        .iter()
        .zip(&capacity.hours_per_week)
        .filter(|(_, h)| **h > 0.0)
        .map(|(u, h)| f(u / h))
        .sum()
}

/// The balanced plan among those scoring at least `(1 - tolerance)` times `start`'s
/// score and meeting `floors` (equity across districts), from `start` (the optimum of
/// the stages before). Returns `start` itself when nothing better is found in time,
/// or when nothing can move. HiGHS, when the search hands the area to it, runs within
/// `limits`.
pub(crate) fn balance_area(
    instance: &AreaInstance,
    capacity: &Capacity,
    start: &Choice,
    tolerance: f64,
    floors: &Floors,
    limits: Limits,
) -> Result<Balanced, SolveError> {
    if instance.candidates.iter().all(|c| c.arcs.is_empty()) {
        return Ok(Balanced {
            choice: start.clone(),
            proven: true,
        });
    }
    let best = objective(instance, start);
    let least = best * (1.0 - tolerance) - 1e-9;
    // Most areas are settled by the search below in microseconds; HiGHS, whose set-up
    // alone costs about a millisecond an area, only gets those it gives up on.
    let searched = search(instance, capacity, start, least, floors, SEARCH_NODES);
    let incumbent = match searched {
        Searched::Optimal(choice) => {
            return Ok(Balanced {
                choice,
                proven: true,
            })
        }
        Searched::GaveUp(choice) => choice,
    };
    balance_classes(
        instance, capacity, start, &incumbent, tolerance, floors, limits,
    )
}

/// The balance stage's plan, and whether it is proven the most even one (HiGHS may
/// stop at the week's time limit first; the plan then keeps the best score and is as
/// even as found).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Balanced {
    pub choice: Choice,
    pub proven: bool,
}

/// Nodes the exact search may visit before handing an area to HiGHS (with the chords
/// of [`reachable_loads`], HiGHS settles what the search leaves sooner than more
/// nodes would: DESIGN.md).
const SEARCH_NODES: u64 = 2_000;

/// The area's balance problem as the search walks it.
struct Walk<'a> {
    instance: &'a AreaInstance,
    capacity: &'a Capacity,
    floors: &'a Floors,
    /// The least score a plan may have.
    least: f64,
    /// Candidates with arcs, in the order they are decided (most hours first, twins
    /// side by side).
    order: Vec<usize>,
    /// Per position in `order`, whether the candidate before is its twin: same arcs
    /// (slots and scores), hours and district, so that the two can swap.
    twin: Vec<bool>,
    /// Per candidate, its best arc score (at least 0: it may also stay unplaced).
    top: Vec<f64>,
    /// Per position in `order`, the sum of `top` from there on.
    rest: Vec<f64>,
    /// Per slot, 1 / hours a week (0 when it has none: it counts for nothing).
    inverse: Vec<f64>,
    nodes: u64,
    budget: u64,
    best_f: f64,
    best: Choice,
}

/// The search's state at a node.
struct State {
    choice: Choice,
    /// Per slot, hours used (as [`used_after`]) and new cases.
    used: Vec<f64>,
    cases: Vec<u32>,
    /// Per district, candidates placed and candidates still to decide.
    placed: Vec<u32>,
    open: Vec<u32>,
    /// The score of the candidates decided.
    score: f64,
    /// The sum of f(share) over the slots at `used`.
    spread: f64,
}

impl Walk<'_> {
    /// f(share) of `slot` at `used` hours.
    fn f_at(&self, slot: usize, used: f64) -> f64 {
        if self.inverse[slot] > 0.0 {
            f(used * self.inverse[slot])
        } else {
            0.0
        }
    }

    /// Whether `candidate` fits on `slot` now.
    fn fits(&self, state: &State, candidate: usize, slot: usize) -> bool {
        let room = &self.instance.rooms[slot];
        let hours = self.instance.candidates[candidate].hours;
        let new = state.used[slot] - self.capacity.used_hours[slot];
        state.cases[slot] < room.free_cases && new + hours <= room.free_hours + HOURS_EPS
    }

    /// A lower bound on the spread of every plan below the node at `depth`: f is
    /// convex, so what the candidates left add together is at least the sum of what
    /// each adds alone to the loads now, and each must take one of the options its
    /// score slack still allows.
    fn bound(&self, state: &State, depth: usize, slack: f64) -> f64 {
        let mut bound = state.spread;
        for &c in &self.order[depth..] {
            let candidate = &self.instance.candidates[c];
            let mut least = if self.top[c] <= slack {
                0.0
            } else {
                f64::INFINITY
            };
            if least == 0.0 {
                continue;
            }
            for arc in &candidate.arcs {
                if self.top[c] - arc.score <= slack && self.fits(state, c, arc.slot) {
                    let used = state.used[arc.slot];
                    let added =
                        self.f_at(arc.slot, used + candidate.hours) - self.f_at(arc.slot, used);
                    least = least.min(added);
                }
            }
            bound += least;
            if bound == f64::INFINITY {
                break;
            }
        }
        bound
    }

    fn go(&mut self, state: &mut State, depth: usize, previous: usize) -> bool {
        self.nodes += 1;
        if self.nodes > self.budget {
            return false;
        }
        // What the score can still lose, if every candidate left took its best.
        let slack = state.score + self.rest[depth] - self.least;
        if slack < 0.0 {
            return true;
        }
        if self
            .floors
            .min
            .iter()
            .enumerate()
            .any(|(d, &min)| state.placed[d] + state.open[d] < min)
        {
            return true;
        }
        if depth == self.order.len() {
            self.leaf(state);
            return true;
        }
        if self.bound(state, depth, slack) >= self.best_f - 1e-9 {
            return true;
        }
        let c = self.order[depth];
        let candidate = &self.instance.candidates[c];
        let district = self.floors.of.get(c).copied().flatten();
        // Twins decide in arc order (not placed counting as after every arc), which
        // leaves one of each set of plans that differ by swapping twins.
        let first = if self.twin[depth] { previous } else { 0 };
        let mut options: Vec<(f64, usize)> = candidate
            .arcs
            .iter()
            .enumerate()
            .skip(first)
            .filter(|(_, arc)| self.top[c] - arc.score <= slack && self.fits(state, c, arc.slot))
            .map(|(i, arc)| {
                let used = state.used[arc.slot];
                let added = self.f_at(arc.slot, used + candidate.hours) - self.f_at(arc.slot, used);
                (added, i)
            })
            .collect();
        options.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        if let Some(d) = district {
            state.open[d] -= 1;
        }
        let mut finished = true;
        for (added, i) in options {
            let arc = candidate.arcs[i];
            state.choice[c] = Some(i);
            state.used[arc.slot] += candidate.hours;
            state.cases[arc.slot] += 1;
            state.score += arc.score;
            state.spread += added;
            if let Some(d) = district {
                state.placed[d] += 1;
            }
            finished = self.go(state, depth + 1, i);
            if let Some(d) = district {
                state.placed[d] -= 1;
            }
            state.spread -= added;
            state.score -= arc.score;
            state.cases[arc.slot] -= 1;
            state.used[arc.slot] -= candidate.hours;
            state.choice[c] = None;
            if !finished {
                break;
            }
        }
        if finished && self.top[c] <= slack {
            finished = self.go(state, depth + 1, candidate.arcs.len());
        }
        if let Some(d) = district {
            state.open[d] += 1;
        }
        finished
    }

    /// A complete plan: kept when it beats the best so far, checked from scratch.
    fn leaf(&mut self, state: &State) {
        if state.spread >= self.best_f - 1e-9 {
            return;
        }
        let choice = &state.choice;
        let spread = sum_f(self.instance, self.capacity, choice);
        if spread < self.best_f - 1e-12
            && objective(self.instance, choice) >= self.least
            && respects_capacity(self.instance, choice)
            && self.floors.met_by(choice)
        {
            self.best_f = spread;
            self.best = choice.clone();
        }
    }
}

/// The balanced plan by exact branch and bound over the candidates, from `start` (a
/// plan scoring at least `least` and meeting `floors`), within `budget` nodes.
///
/// Each candidate takes an arc or none. A branch is cut when even the best arc of
/// every candidate left would not bring the score to `least`, when a district can no
/// longer reach its floor, or when [`Walk::bound`] shows it cannot beat the best plan
/// found. Twins (interchangeable candidates) are decided in a fixed order.
fn search(
    instance: &AreaInstance,
    capacity: &Capacity,
    start: &Choice,
    least: f64,
    floors: &Floors,
    budget: u64,
) -> Searched {
    let candidates = &instance.candidates;
    let district = |c: usize| floors.of.get(c).copied().flatten();
    let (order, twin) = decision_order(instance, false, district);
    let top: Vec<f64> = candidates.iter().map(|c| c.best_score()).collect();
    let mut rest = vec![0.0; order.len() + 1];
    for i in (0..order.len()).rev() {
        rest[i] = rest[i + 1] + top[order[i]];
    }
    let used = capacity.used_hours.clone();
    let spread = used
        .iter()
        .zip(&capacity.hours_per_week)
        .filter(|(_, h)| **h > 0.0)
        .map(|(u, h)| f(u / h))
        .sum();
    let mut open = vec![0_u32; floors.min.len()];
    for &c in &order {
        if let Some(d) = district(c) {
            open[d] += 1;
        }
    }
    let mut walk = Walk {
        instance,
        capacity,
        floors,
        least,
        order,
        twin,
        top,
        rest,
        inverse: capacity
            .hours_per_week
            .iter()
            .map(|&h| if h > 0.0 { 1.0 / h } else { 0.0 })
            .collect(),
        nodes: 0,
        budget,
        best_f: sum_f(instance, capacity, start),
        best: start.clone(),
    };
    let mut state = State {
        choice: vec![None; candidates.len()],
        used,
        cases: vec![0; instance.rooms.len()],
        placed: vec![0; floors.min.len()],
        open,
        score: 0.0,
        spread,
    };
    if walk.go(&mut state, 0, 0) {
        Searched::Optimal(walk.best)
    } else {
        Searched::GaveUp(walk.best)
    }
}

/// The hours every new load is a multiple of (half hours, say), when there is one.
fn load_unit(instance: &AreaInstance) -> Option<f64> {
    let halves: Option<Vec<u64>> = instance
        .candidates
        .iter()
        .filter(|c| !c.arcs.is_empty())
        .map(|c| {
            let h = c.hours * 2.0;
            (h > 0.0 && (h - h.round()).abs() < 1e-9).then_some(h.round() as u64)
        })
        .collect();
    let gcd = halves?.into_iter().fold(0, |a, b| {
        let (mut a, mut b) = (a, b);
        while b != 0 {
            (a, b) = (b, a % b);
        }
        a
    });
    (gcd > 0).then_some(gcd as f64 / 2.0)
}

/// Whether the area has at least twice as many families with an option as supporters
/// they may go to. Where supporters take several families each (the county weeks with
/// a backlog), HiGHS does better branching on each supporter's load in units as an
/// integer column; where they take one or none (most national areas), the column and
/// its equality row only give it more to branch and cut on (DESIGN.md).
fn takes_several(instance: &AreaInstance) -> bool {
    let families = instance
        .candidates
        .iter()
        .filter(|c| !c.arcs.is_empty())
        .count();
    let supporters: std::collections::BTreeSet<usize> = instance
        .candidates
        .iter()
        .flat_map(|c| c.arcs.iter().map(|a| a.slot))
        .collect();
    families >= 2 * supporters.len()
}

/// The new loads, in `unit`s, that a slot can reach with some of the families in
/// `joining` ((hours, how many) pairs, hours multiples of `unit`) within `free_hours`
/// (with the capacity checks' millionth of an hour, as every plan is held to) and
/// `free_cases`: sorted, 0 first. Past 127 units, every load up to the most the hours
/// allow.
fn reachable_loads(
    joining: &[(f64, usize)],
    unit: f64,
    free_hours: f64,
    free_cases: u32,
) -> Vec<u32> {
    let units = |hours: f64| (hours / unit).round() as u32;
    let all: u32 = joining.iter().map(|&(h, n)| units(h) * n as u32).sum();
    let most = (((free_hours + HOURS_EPS) / unit).floor().max(0.0) as u32).min(all);
    if most > 127 {
        return (0..=most).collect();
    }
    let cases = (free_cases as usize).min(joining.iter().map(|&(_, n)| n).sum());
    let within = u128::MAX >> (127 - most);
    // by_count[c]: bit l set when c of the families can make a load of l units.
    let mut by_count = vec![0_u128; cases + 1];
    by_count[0] = 1;
    for &(hours, n) in joining {
        for _ in 0..n.min(cases) {
            for c in (1..=cases).rev() {
                by_count[c] |= by_count[c - 1].checked_shl(units(hours)).unwrap_or(0) & within;
            }
        }
    }
    let reachable = by_count.iter().fold(0, |all, &c| all | c);
    (0..=most).filter(|&l| reachable >> l & 1 == 1).collect()
}

/// The balanced plan by HiGHS on the aggregated model of [`crate::classes`] (classes
/// split by district, so that the floors are rows over classes), from `incumbent`
/// (the best plan known, `start` or better); `start` is the optimum of the stages
/// before.
///
/// Against every candidate taking its best arc, a plan may lose at most `slack`
/// score: a class's slots that lose more are closed, members whose leaving would lose
/// more are placed, and when even the worst of the options left cannot lose more, the
/// score row cannot bind and is left out. Where all hours are multiples of a unit,
/// each slot's t lies above the chords of f between the loads the slot can reach
/// ([`reachable_loads`]), on an integer load column where the area's families are at
/// least twice its supporters who may take one; otherwise above f's own segments.
fn balance_classes(
    instance: &AreaInstance,
    capacity: &Capacity,
    start: &Choice,
    incumbent: &Choice,
    tolerance: f64,
    floors: &Floors,
    limits: Limits,
) -> Result<Balanced, SolveError> {
    let best = objective(instance, start);
    // Scores are sums of a few decimals: a floor a hair below the optimum lets the
    // solver keep every plan with the same score, and the check below refuses any
    // that comes back lower.
    let floor = best * (1.0 - tolerance) - 1e-7 * best.abs().max(1.0);
    let classes = classes_by(instance, &floors.of);
    let fixed = reduced_cost_bounds(instance, &classes, floor)?;
    let mut model = ClassModel::new(instance, &classes);
    let score = std::mem::take(&mut model.objective);
    let columns = model.variables();
    let counts = counts(instance, &classes, incumbent);
    let slack = instance
        .candidates
        .iter()
        .map(|c| c.best_score())
        .sum::<f64>()
        - floor;
    let mut worst = 0.0;
    let rooms = instance.rooms.len();
    let mut new_hours: Vec<Expression> = vec![Expression::default(); rooms];
    let mut has_arc = vec![false; rooms];
    // Per slot, the families that may still join it: (hours, how many).
    let mut joining: Vec<Vec<(f64, usize)>> = vec![Vec::new(); rooms];
    let mut by_district: Vec<Expression> = vec![Expression::default(); floors.min.len()];
    for (k, class) in classes.iter().enumerate() {
        let (ys, zs) = &model.columns[k];
        let most = class
            .bonus
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        let mut lose: f64 = 0.0;
        for (i, (&slot, &bonus)) in class.slots.iter().zip(&class.bonus).enumerate() {
            let y = columns[ys[i]];
            if most - bonus > slack && counts[k][i] == 0 {
                model.constraints.push(Expression::from(y).leq(0.0));
                continue;
            }
            lose = lose.max(most - bonus);
            new_hours[slot].add_mul(class.hours, y);
            has_arc[slot] = true;
            joining[slot].push((class.hours, class.members.len()));
        }
        // Groups come highest base first: those worth more than the slack are placed.
        for (&z, &(base, size)) in zs.iter().zip(&class.groups) {
            let size = size as f64;
            if base + most > slack {
                model
                    .constraints
                    .push(Expression::from(columns[z]).geq(size));
                worst += lose * size;
            } else {
                worst += lose.max(base + most) * size;
            }
        }
        if let Some(d) = floors.of.get(class.members[0]).copied().flatten() {
            by_district[d] += model.placed[k].clone();
        }
    }
    if worst > slack {
        model.constraints.push(score.geq(floor));
    }
    // The incumbent meets every bound (it scores enough); if rounding says otherwise,
    // none is used.
    let at_incumbent = model.initial(instance, &classes, incumbent, &[]);
    if let Some(bounds) = fixed.filter(|b| b.columns_met_by(&at_incumbent)) {
        model.impose(&bounds);
    }
    for (placed, &min) in by_district.into_iter().zip(&floors.min) {
        if min > 0 {
            model.constraints.push(placed.geq(f64::from(min)));
        }
    }
    let unit = load_unit(instance);
    let load_columns = takes_several(instance);
    let used_by_incumbent = used_after(instance, capacity, incumbent);
    let mut spread = Expression::default();
    let mut extra = Vec::new();
    for (slot, new_hours) in new_hours.into_iter().enumerate() {
        let hours = capacity.hours_per_week[slot];
        if !has_arc[slot] || hours <= 0.0 {
            continue;
        }
        let room = &instance.rooms[slot];
        let used = capacity.used_hours[slot];
        let t = model.vars.add(variable().min(0.0));
        extra.push(f(used_by_incumbent[slot] / hours));
        spread.add_mul(1.0, t);
        if let Some(unit) = unit {
            // The new load is a whole number of units, and only some numbers can be
            // reached: t lies above the chords of f between consecutive reachable
            // loads, which meet f at every reachable load (f is convex) and lie above
            // it in between, tighter than f's own segments.
            let loads = reachable_loads(&joining[slot], unit, room.free_hours, room.free_cases);
            let f_at = |load: u32| f((used + unit * f64::from(load)) / hours);
            let units = if load_columns {
                let most = f64::from(loads.last().copied().unwrap_or(0));
                let u = model.vars.add(variable().integer().min(0.0).max(most));
                extra.push(((used_by_incumbent[slot] - used) / unit).round());
                model.constraints.push((new_hours - unit * u).eq(0.0));
                Expression::from(u)
            } else {
                new_hours * (1.0 / unit)
            };
            for pair in loads.windows(2) {
                let (a, b) = (pair[0], pair[1]);
                let slope = (f_at(b) - f_at(a)) / f64::from(b - a);
                // t >= f(a) + slope (units - a)
                model.constraints.push(
                    (Expression::from(t) - units.clone() * slope)
                        .geq(f_at(a) - slope * f64::from(a)),
                );
            }
            if loads.len() < 2 {
                model.constraints.push(Expression::from(t).geq(f_at(0)));
            }
            continue;
        }
        // The segments the share can lie on, from its value before new cases to its
        // most after them.
        let lowest = used / hours;
        let highest = (used + room.free_hours) / hours;
        let first = (lowest / STEP).floor() as i64;
        let last = (highest / STEP).ceil().max(first as f64 + 1.0) as i64;
        for k in first..last {
            let (lo, hi) = (k as f64 * STEP, (k + 1) as f64 * STEP);
            // t >= lo² + (share - lo)(lo + hi), share = (used + new hours) / hours.
            let slope = (lo + hi) / hours;
            let constant = lo * lo + (used / hours - lo) * (lo + hi);
            model
                .constraints
                .push((Expression::from(t) - new_hours.clone() * slope).geq(constant));
        }
    }
    // Minimise the spread: maximise its opposite.
    let outcome = model.solve(
        instance,
        &classes,
        -spread,
        incumbent,
        &extra,
        Stops::default(),
        limits,
    )?;
    let choice = outcome.choice;
    let fits = respects_capacity(instance, &choice) && floors.met_by(&choice);
    let scores = objective(instance, &choice) >= best * (1.0 - tolerance) - 1e-9;
    let better = sum_f(instance, capacity, &choice) < sum_f(instance, capacity, incumbent) - 1e-12;
    Ok(Balanced {
        choice: if fits && scores && better {
            choice
        } else {
            incumbent.clone()
        },
        proven: outcome.proven,
    })
}

/// Bounds that every plan scoring at least `floor` meets, per column of the class
/// model, from its LP's reduced costs (see [`crate::mip::Relaxation::bounds_above`]).
/// `None` when the LP is not solved to optimality. The least use of each supporter's
/// room, which the LP's row duals also give, is left out: with it the national week's
/// balance stage took 8% longer.
fn reduced_cost_bounds(
    instance: &AreaInstance,
    classes: &[crate::classes::Class],
    floor: f64,
) -> Result<Option<LpBounds>, SolveError> {
    let mut model = ClassModel::new(instance, classes);
    let objective = std::mem::take(&mut model.objective);
    let lp = model.relax(instance, objective, None)?;
    let bounds = lp.and_then(|lp| lp.bounds_above(floor));
    Ok(bounds.map(|b| LpBounds {
        caps: Vec::new(),
        ..b
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classes::tests::{draws, every_plan, random_area, room_with};
    use crate::instance::Room;
    use std::time::{Duration, Instant};

    /// Every plan of a tiny area that fits and meets `floors`, by trying them all.
    fn plans(instance: &AreaInstance, floors: &Floors) -> Vec<Choice> {
        let mut all = every_plan(instance);
        all.retain(|plan| floors.met_by(plan));
        all
    }

    /// Random tiny areas (a few supporters part-filled, families with few hours,
    /// bases and reaches to draw from, so that many plans tie on score, some
    /// districts with floors, sometimes a score tolerance): the search, HiGHS on the
    /// classes, and `balance_area` all reach the brute force's least sum of f among
    /// the plans scoring enough, and return plans that fit, meet the floors and score
    /// enough.
    #[test]
    fn every_path_reaches_the_brute_force_balance() {
        let mut draw = draws(0x2545_f491_4f6c_dd1d);
        let (mut moved, mut gave_up, mut floored) = (0, 0, 0);
        let (mut segments, mut on_load_columns, mut on_the_load) = (0, 0, 0);
        for _ in 0..400 {
            let hours_per_week: Vec<f64> = (0..1 + draw(3))
                .map(|_| [3.0, 5.0, 7.5, 10.0][draw(4) as usize])
                .collect();
            let used_hours: Vec<f64> = hours_per_week
                .iter()
                .map(|&h: &f64| [0.0_f64, 1.0, 2.5][draw(3) as usize].min(h))
                .collect();
            let rooms: Vec<Room> = hours_per_week
                .iter()
                .zip(&used_hours)
                .map(|(&h, &u)| Room {
                    free_hours: h - u,
                    free_cases: draw(4) as u32,
                    ..room_with(0)
                })
                .collect();
            // Now and then hours that are no multiple of half an hour: f's own
            // segments instead of the chords between reachable loads.
            let hours: &[f64] = if draw(5) == 0 {
                &[0.7, 1.0, 2.0]
            } else {
                &[0.5, 1.0, 1.5, 2.0, 3.0]
            };
            let instance = random_area(&mut draw, rooms, 6, hours);
            if instance.candidates.iter().all(|c| c.arcs.is_empty()) {
                continue;
            }
            // Which form of f the HiGHS path writes: f's own segments (hours off
            // the grid of half hours), or the chords, on an integer load column
            // where supporters take several families, else on the load itself.
            match (load_unit(&instance), takes_several(&instance)) {
                (None, _) => segments += 1,
                (Some(_), true) => on_load_columns += 1,
                (Some(_), false) => on_the_load += 1,
            }
            let capacity = Capacity {
                hours_per_week,
                used_hours,
            };
            let floors = if draw(2) == 0 {
                Floors {
                    of: instance
                        .candidates
                        .iter()
                        .map(|c| (!c.arcs.is_empty()).then(|| draw(2) as usize))
                        .collect(),
                    min: vec![draw(2) as u32, draw(3) as u32],
                }
            } else {
                Floors::default()
            };
            let all = plans(&instance, &floors);
            // The start: the first plan with the best score, as the stages before
            // would give.
            let Some(best) = all.iter().map(|c| objective(&instance, c)).reduce(f64::max) else {
                continue;
            };
            let start = all
                .iter()
                .find(|c| objective(&instance, c) >= best - 1e-9)
                .unwrap()
                .clone();
            let tolerance = if draw(4) == 0 { 0.1 } else { 0.0 };
            let least = best * (1.0 - tolerance) - 1e-9;
            let spread = all
                .iter()
                .filter(|c| objective(&instance, c) >= least)
                .map(|c| sum_f(&instance, &capacity, c))
                .fold(f64::INFINITY, f64::min);
            floored += usize::from(floors.min.iter().any(|&m| m > 0));
            let limits = Limits::until(Instant::now() + Duration::from_secs(60));
            let check = |choice: &Choice, path: &str| {
                assert!(respects_capacity(&instance, choice), "{path}: {instance:?}");
                assert!(floors.met_by(choice), "{path}: {instance:?}");
                assert!(
                    objective(&instance, choice) >= least,
                    "{path}: {instance:?}"
                );
                let found = sum_f(&instance, &capacity, choice);
                assert!(
                    (found - spread).abs() < 1e-9,
                    "{path}: {found} vs brute force {spread}: {instance:?} {floors:?}"
                );
            };
            let Searched::Optimal(searched) =
                search(&instance, &capacity, &start, least, &floors, u64::MAX)
            else {
                panic!("no budget, yet the search gave up");
            };
            check(&searched, "search");
            let by_highs = balance_classes(
                &instance, &capacity, &start, &start, tolerance, &floors, limits,
            )
            .unwrap();
            assert!(by_highs.proven);
            check(&by_highs.choice, "classes");
            let balanced =
                balance_area(&instance, &capacity, &start, tolerance, &floors, limits).unwrap();
            assert!(balanced.proven);
            let balanced = balanced.choice;
            check(&balanced, "balance_area");
            moved += usize::from(balanced != start);
            // With one node the search gives up, with a plan no worse than `start`.
            if let Searched::GaveUp(plan) = search(&instance, &capacity, &start, least, &floors, 1)
            {
                gave_up += 1;
                assert!(sum_f(&instance, &capacity, &plan) <= sum_f(&instance, &capacity, &start));
            }
        }
        println!(
            "{moved} moved, {floored} with a floor, {gave_up} gave up; f on segments \
             {segments}, on load columns {on_load_columns}, on the load {on_the_load}"
        );
        assert!(moved > 30, "balance moved families in only {moved} areas");
        assert!(segments > 30, "only {segments} areas without a load unit");
        assert!(
            on_load_columns > 30,
            "only {on_load_columns} areas on load columns"
        );
        assert!(
            on_the_load > 30,
            "only {on_the_load} areas on the load itself"
        );
        assert!(floored > 50, "only {floored} areas had a floor");
        assert!(gave_up > 100, "the search gave up in only {gave_up} areas");
    }

    #[test]
    fn reachable_loads_are_the_sums_of_families_that_fit() {
        let mut draw = draws(0x9e37_79b9_7f4a_7c15);
        for _ in 0..500 {
            let joining: Vec<(f64, usize)> = (0..draw(4))
                .map(|_| {
                    (
                        [0.5, 1.0, 1.5, 2.0, 4.0][draw(5) as usize],
                        1 + draw(3) as usize,
                    )
                })
                .collect();
            // Sometimes a hair under the half hour (as hours left after open cases
            // can be): the capacity checks' tolerance still lets that load in.
            let free_hours = [0.0, 1.0, 2.5, 6.0, 12.5][draw(5) as usize]
                - if draw(3) == 0 { 1e-9 } else { 0.0 };
            let free_cases = draw(5) as u32;
            // Every choice of how many of each kind join, by trying them all.
            let mut sums = std::collections::BTreeSet::new();
            let mut counts = vec![0_usize; joining.len()];
            loop {
                let cases: usize = counts.iter().sum();
                let hours: f64 = counts
                    .iter()
                    .zip(&joining)
                    .map(|(&k, &(h, _))| k as f64 * h)
                    .sum();
                if cases <= free_cases as usize && hours <= free_hours + HOURS_EPS {
                    sums.insert((hours / 0.5).round() as u32);
                }
                let Some(i) = (0..joining.len()).find(|&i| counts[i] < joining[i].1) else {
                    break;
                };
                counts[i] += 1;
                counts[..i].iter_mut().for_each(|k| *k = 0);
            }
            let expected: Vec<u32> = sums.into_iter().collect();
            assert_eq!(
                reachable_loads(&joining, 0.5, free_hours, free_cases),
                expected,
                "{joining:?} {free_hours} {free_cases}"
            );
        }
        // Past 127 units: every load up to the most the hours allow.
        assert_eq!(reachable_loads(&[(2.0, 100)], 0.5, 100.0, 100).len(), 201);
    }

    #[test]
    fn f_is_the_square_on_the_grid_and_linear_between() {
        for k in 0..=25 {
            let share = f64::from(k) * STEP;
            assert!((f(share) - share * share).abs() < 1e-12, "{share}");
        }
        // Halfway between 0.5 and 0.55: the chord's midpoint, above the square.
        let mid = (0.25 + 0.3025) / 2.0;
        assert!((f(0.525) - mid).abs() < 1e-12);
        assert!(f(0.525) > 0.525 * 0.525);
    }
}
