//! The first stage's optimum by exact branch and bound in Rust, for small areas.
//!
//! Most areas that reach a MIP in a national week hold a handful of families and a
//! dozen supporters; HiGHS's set-up, presolve and root LP cost about a millisecond
//! each, where a search over the families settles them in microseconds. The search
//! has a node budget: the areas it gives up on go to HiGHS from the best plan it
//! found (DESIGN.md, "Small areas without HiGHS").

use crate::greedy::{objective, respects_capacity, Choice};
use crate::instance::{AreaInstance, HOURS_EPS};

/// How a search (this one, or the balance stage's) ended.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Searched {
    /// It visited every plan that could beat the one returned: that plan is optimal.
    Optimal(Choice),
    /// It ran out of nodes; the best plan found so far.
    GaveUp(Choice),
}

/// The area's week as the search walks it.
struct Walk<'a> {
    instance: &'a AreaInstance,
    /// Candidates with arcs, in the order they are decided (longest cases first, then
    /// best score, twins side by side).
    order: Vec<usize>,
    /// Per position in `order`, whether the candidate before is its twin: same arcs
    /// (slots and scores) and hours, so that the two can swap.
    twin: Vec<bool>,
    /// How much more than the best plan a plan must score to count as better: half a
    /// step of the score grid (every plan scores on it), or a hair without one.
    better_by: f64,
    /// No plan scores more than this.
    ceiling: f64,
    nodes: u64,
    budget: u64,
    scratch: Scratch,
    best_value: f64,
    best: Choice,
}

/// Buffers of [`Walk::bound`], kept between nodes.
struct Scratch {
    /// (score, hours) per candidate left with an arc that fits.
    items: Vec<(f64, f64)>,
    /// Per slot, (gain over the second best, hours) of the candidates whose best arc
    /// is there.
    wanting: Vec<Vec<(f64, f64)>>,
}

/// The sum of the `slots` largest values of `items` ((value, hours) pairs; sorts
/// them).
fn best_per_slot(items: &mut [(f64, f64)], slots: usize) -> f64 {
    if items.len() <= slots {
        return items.iter().map(|i| i.0).sum();
    }
    items.sort_unstable_by(|a, b| b.0.total_cmp(&a.0));
    items[..slots].iter().map(|i| i.0).sum()
}

/// The fractional knapsack of `items` ((value, hours) pairs) into `room` hours:
/// best value per hour first (sorts them).
fn knapsack(items: &mut [(f64, f64)], mut room: f64) -> f64 {
    items.sort_unstable_by(|a, b| (b.0 * a.1).total_cmp(&(a.0 * b.1)));
    let mut total = 0.0;
    for &(value, hours) in items.iter() {
        if hours <= room {
            total += value;
            room -= hours;
        } else {
            total += value * room / hours;
            break;
        }
    }
    total
}

/// The search's state at a node.
struct State {
    choice: Choice,
    /// Per slot, hours and case slots still free.
    free_hours: Vec<f64>,
    free_cases: Vec<u32>,
    /// The score of the candidates decided.
    score: f64,
}

impl Walk<'_> {
    /// Whether `candidate` fits on `slot` now.
    fn fits(&self, state: &State, candidate: usize, slot: usize) -> bool {
        state.fits(self.instance.candidates[candidate].hours, slot)
    }

    /// An upper bound on what the candidates from `depth` on can add, the least of
    /// three, each from every candidate's best and second-best arc that fits now:
    ///
    /// - (a) the best of the best scores, one per case slot left;
    /// - (b) the fractional knapsack of the best scores into the hours left (every
    ///   hour a family takes is one of a supporter with a slot left, and a supporter
    ///   with n slots left gives no more than n times the longest case left);
    /// - (c) away from its best arc's supporter a candidate scores at most its second
    ///   best (or 0), so a plan scores at most the sum of those plus, per supporter,
    ///   what the candidates whose best arc is theirs gain over their second best,
    ///   for those of them that fit in its hours (a fractional knapsack) and in its
    ///   slots (the best gains, one per slot).
    ///
    /// (a) and (b) are tight where supporters are interchangeable, (c) where families
    /// compete for one supporter. (Each candidate taking its best, the obvious bound,
    /// is never under (c).)
    fn bound(&mut self, state: &State, depth: usize) -> f64 {
        self.bounds(state, depth)
            .into_iter()
            .fold(f64::INFINITY, f64::min)
    }

    /// The three bounds of [`Walk::bound`], (a) to (c).
    fn bounds(&mut self, state: &State, depth: usize) -> [f64; 3] {
        let scratch = &mut self.scratch;
        scratch.items.clear();
        for wanting in &mut scratch.wanting {
            wanting.clear();
        }
        let (mut seconds, mut longest) = (0.0, 0.0_f64);
        for &c in &self.order[depth..] {
            let candidate = &self.instance.candidates[c];
            let (mut first, mut slot, mut second) = (0.0, usize::MAX, 0.0_f64);
            for arc in &candidate.arcs {
                if !state.fits(candidate.hours, arc.slot) {
                    continue;
                }
                if arc.score > first {
                    second = second.max(first);
                    (first, slot) = (arc.score, arc.slot);
                } else {
                    second = second.max(arc.score);
                }
            }
            if slot == usize::MAX {
                continue;
            }
            seconds += second;
            longest = longest.max(candidate.hours);
            scratch.items.push((first, candidate.hours));
            if first > second {
                scratch.wanting[slot].push((first - second, candidate.hours));
            }
        }
        let mut pool = 0.0;
        let mut cases = 0usize;
        for (hours, &free) in state.free_hours.iter().zip(&state.free_cases) {
            if free > 0 {
                pool += (hours.max(0.0) + HOURS_EPS).min(free as f64 * longest);
                cases += free as usize;
            }
        }
        let per_slot = best_per_slot(&mut scratch.items, cases);
        let pooled = knapsack(&mut scratch.items, pool);
        let mut first_choices = seconds;
        for (slot, gains) in scratch.wanting.iter_mut().enumerate() {
            if !gains.is_empty() {
                let cases = state.free_cases[slot] as usize;
                let hours = state.free_hours[slot].max(0.0) + HOURS_EPS;
                first_choices += best_per_slot(gains, cases).min(knapsack(gains, hours));
            }
        }
        [per_slot, pooled, first_choices]
    }

    fn go(&mut self, state: &mut State, depth: usize, previous: usize) -> bool {
        if self.best_value >= self.ceiling - self.better_by {
            return true; // nothing scores more than the best plan
        }
        self.nodes += 1;
        if self.nodes > self.budget {
            return false;
        }
        if depth == self.order.len() {
            self.leaf(state);
            return true;
        }
        if state.score + self.bound(state, depth) < self.best_value + self.better_by {
            return true;
        }
        let c = self.order[depth];
        let candidate = &self.instance.candidates[c];
        // Twins decide in arc order (not placed counting as after every arc), which
        // leaves one of each set of plans that differ by swapping twins.
        let first = if self.twin[depth] { previous } else { 0 };
        let mut options: Vec<usize> = (first..candidate.arcs.len())
            .filter(|&i| self.fits(state, c, candidate.arcs[i].slot))
            .collect();
        // Best score first, ties to the supporter with most hours free (as greedy).
        options.sort_by(|&a, &b| {
            let (a, b) = (candidate.arcs[a], candidate.arcs[b]);
            b.score
                .total_cmp(&a.score)
                .then(state.free_hours[b.slot].total_cmp(&state.free_hours[a.slot]))
                .then(a.slot.cmp(&b.slot))
        });
        for i in options {
            let arc = candidate.arcs[i];
            state.choice[c] = Some(i);
            state.free_hours[arc.slot] -= candidate.hours;
            state.free_cases[arc.slot] -= 1;
            state.score += arc.score;
            let finished = self.go(state, depth + 1, i);
            state.score -= arc.score;
            state.free_cases[arc.slot] += 1;
            state.free_hours[arc.slot] += candidate.hours;
            state.choice[c] = None;
            if !finished {
                return false;
            }
        }
        self.go(state, depth + 1, candidate.arcs.len())
    }

    /// A complete plan: kept when it beats the best so far, checked from scratch.
    fn leaf(&mut self, state: &State) {
        if state.score < self.best_value + self.better_by {
            return;
        }
        let value = objective(self.instance, &state.choice);
        if value >= self.best_value + self.better_by
            && respects_capacity(self.instance, &state.choice)
        {
            self.best_value = value;
            self.best = state.choice.clone();
        }
    }
}

/// The best plan of `instance` by exact branch and bound over its candidates, from
/// `start` (a plan that fits), within `budget` nodes. `ceiling` bounds every plan's
/// score (the search stops when a plan reaches it), and `step` is the score grid when
/// there is one ([`crate::mip::score_grid`]).
///
/// Each candidate takes an arc or none, the longest cases first (they are the ones
/// that hours leave out), each trying its best score first. A branch is cut when
/// [`Walk::bound`] shows it cannot beat the best plan found by at least half a step;
/// twins (same arcs and hours) are decided in a fixed order, so that no plan is
/// visited once per ordering of interchangeable families.
pub(crate) fn best_plan(
    instance: &AreaInstance,
    start: &Choice,
    ceiling: f64,
    step: Option<f64>,
    budget: u64,
) -> Searched {
    let mut walk = walk(instance, start, ceiling, step, budget);
    let mut state = root(instance);
    if walk.go(&mut state, 0, 0) {
        Searched::Optimal(walk.best)
    } else {
        Searched::GaveUp(walk.best)
    }
}

/// The search of [`best_plan`], before its first node.
fn walk<'a>(
    instance: &'a AreaInstance,
    start: &Choice,
    ceiling: f64,
    step: Option<f64>,
    budget: u64,
) -> Walk<'a> {
    let (order, twin) = decision_order(instance, true, |_| ());
    Walk {
        instance,
        twin,
        order,
        better_by: step.map_or(1e-9, |s| s / 2.0),
        ceiling,
        nodes: 0,
        budget,
        scratch: Scratch {
            items: Vec::new(),
            wanting: vec![Vec::new(); instance.rooms.len()],
        },
        best_value: objective(instance, start),
        best: start.clone(),
    }
}

/// The candidates with arcs in the order a search decides them: longest cases first
/// (then, `by_score`, the best score first), candidates with the same arcs (slots and
/// scores) and the same `label` side by side; and per position, whether the candidate
/// before is its twin (same hours, arcs and label: the two can swap in any plan).
pub(crate) fn decision_order<L: Ord>(
    instance: &AreaInstance,
    by_score: bool,
    label: impl Fn(usize) -> L,
) -> (Vec<usize>, Vec<bool>) {
    let candidates = &instance.candidates;
    let arcs_key = |c: usize| -> Vec<(usize, u64)> {
        candidates[c]
            .arcs
            .iter()
            .map(|a| (a.slot, a.score.to_bits()))
            .collect()
    };
    let mut order: Vec<usize> = (0..candidates.len())
        .filter(|&c| !candidates[c].arcs.is_empty())
        .collect();
    let top = |c: usize| candidates[c].best_score();
    order.sort_by(|&a, &b| {
        candidates[b]
            .hours
            .total_cmp(&candidates[a].hours)
            .then_with(|| {
                if by_score {
                    top(b).total_cmp(&top(a))
                } else {
                    std::cmp::Ordering::Equal
                }
            })
            .then_with(|| arcs_key(a).cmp(&arcs_key(b)))
            .then_with(|| label(a).cmp(&label(b)))
            .then(a.cmp(&b))
    });
    let twin = (0..order.len())
        .map(|i| {
            i > 0 && {
                let (a, b) = (order[i - 1], order[i]);
                candidates[a].hours.to_bits() == candidates[b].hours.to_bits()
                    && arcs_key(a) == arcs_key(b)
                    && label(a) == label(b)
            }
        })
        .collect();
    (order, twin)
}

impl State {
    /// Whether a case of `hours` fits on `slot` now (to the capacity checks'
    /// millionth of an hour).
    fn fits(&self, hours: f64, slot: usize) -> bool {
        self.free_cases[slot] >= 1 && hours <= self.free_hours[slot] + HOURS_EPS
    }
}

/// The state before anything is decided: every supporter's room free.
fn root(instance: &AreaInstance) -> State {
    State {
        choice: vec![None; instance.candidates.len()],
        free_hours: instance.rooms.iter().map(|r| r.free_hours).collect(),
        free_cases: instance.rooms.iter().map(|r| r.free_cases).collect(),
        score: 0.0,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::classes::tests::{brute_force, draws, random_area, random_rooms, room_with};
    use crate::greedy::greedy;
    use crate::instance::Room;
    use crate::mip::tests::tight_rooms;
    use crate::mip::{score_grid, solve_area, Limits};

    /// Random supporters' rooms: on odd trials two or three tight on hours, on even
    /// ones one to three of any room.
    fn mixed_rooms(draw: &mut impl FnMut(u64) -> u64, trial: usize) -> Vec<Room> {
        if trial.is_multiple_of(2) {
            random_rooms(draw)
        } else {
            tight_rooms(draw, 3)
        }
    }

    /// A random tiny area of up to seven families, half the time with supporters tight
    /// on hours, and every tenth with a score off any grid; `None` when no family has
    /// an arc.
    pub(crate) fn tiny_area(
        draw: &mut impl FnMut(u64) -> u64,
        trial: usize,
    ) -> Option<AreaInstance> {
        let rooms = mixed_rooms(draw, trial);
        let mut instance = random_area(draw, rooms, 7, &[0.5, 1.0, 1.5, 2.0, 3.0]);
        let with_arcs = instance
            .candidates
            .iter()
            .position(|c| !c.arcs.is_empty())?;
        if trial.is_multiple_of(10) {
            for arc in &mut instance.candidates[with_arcs].arcs {
                arc.score += 1.0 / 3001.0;
            }
        }
        Some(instance)
    }

    /// On 600 random tiny areas, from an empty start and from the greedy plan, with
    /// the upper bound or the optimum itself as the ceiling, the search proves the
    /// brute-force optimum, and its plan fits.
    #[test]
    fn the_search_reaches_the_brute_force_optimum() {
        let mut draw = draws(0x3c6e_f372_fe94_f82b);
        let (mut off_grid, mut short) = (0, 0);
        for trial in 0..600 {
            let Some(instance) = tiny_area(&mut draw, trial) else {
                continue;
            };
            let step = score_grid(&instance);
            off_grid += usize::from(step.is_none());
            let best = brute_force(&instance);
            let greedy_plan = greedy(&instance);
            short += usize::from(objective(&instance, &greedy_plan) < best - 1e-9);
            for start in [vec![None; instance.candidates.len()], greedy_plan] {
                for ceiling in [instance.upper_bound(), best] {
                    let Searched::Optimal(plan) =
                        best_plan(&instance, &start, ceiling, step, u64::MAX)
                    else {
                        panic!("no budget, yet gave up: {instance:?}");
                    };
                    assert!(respects_capacity(&instance, &plan));
                    let value = objective(&instance, &plan);
                    assert!(
                        (value - best).abs() < 1e-9,
                        "{value} vs {best}: {instance:?}"
                    );
                }
            }
        }
        assert!(off_grid >= 30, "{off_grid} areas off the grid");
        assert!(
            short >= 30,
            "the greedy plan was short on only {short} areas"
        );
    }

    /// Each of the three bounds is at least the best the families left can add, by
    /// a brute force of the rest of the area, at the root and at every node down a
    /// random path (hours of 0.3 to 2, so that the capacity checks' tolerance is
    /// met), on random tiny areas; and each is the least of them at some root (so
    /// each is tested alone, and each earns its place).
    #[test]
    fn every_bound_holds_and_each_is_the_tightest_somewhere() {
        let mut draw = draws(0x510e_527f_ade6_82d1);
        let mut tightest = [0; 3];
        let mut inner = 0;
        for trial in 0..1000_usize {
            let rooms = mixed_rooms(&mut draw, trial);
            let instance = random_area(&mut draw, rooms, 7, &[0.3, 0.5, 0.7, 1.1, 2.0]);
            let start = vec![None; instance.candidates.len()];
            let mut walk = walk(&instance, &start, f64::INFINITY, None, 0);
            let mut state = root(&instance);
            for depth in 0..=walk.order.len() {
                // The rest of the area: the room left, the families from `depth` on.
                let mut rest = instance.clone();
                for (room, (&hours, &cases)) in rest
                    .rooms
                    .iter_mut()
                    .zip(state.free_hours.iter().zip(&state.free_cases))
                {
                    (room.free_hours, room.free_cases) = (hours, cases);
                }
                for (c, candidate) in rest.candidates.iter_mut().enumerate() {
                    if !walk.order[depth..].contains(&c) {
                        candidate.arcs.clear();
                    }
                }
                let best = brute_force(&rest).max(0.0);
                let bounds = walk.bounds(&state, depth);
                for bound in bounds {
                    assert!(bound >= best - 1e-9, "{bounds:?} vs {best}: {rest:?}");
                }
                if depth == 0 {
                    let least = bounds.iter().copied().fold(f64::INFINITY, f64::min);
                    for (k, bound) in bounds.iter().enumerate() {
                        let strictly = bounds
                            .iter()
                            .enumerate()
                            .all(|(j, other)| j == k || *other > bound + 1e-9);
                        tightest[k] += usize::from(*bound == least && strictly);
                    }
                } else {
                    inner += 1;
                }
                // One step down a random path: a random arc that fits, or none.
                let Some(&c) = walk.order.get(depth) else {
                    break;
                };
                let candidate = &instance.candidates[c];
                let fitting: Vec<usize> = (0..candidate.arcs.len())
                    .filter(|&i| walk.fits(&state, c, candidate.arcs[i].slot))
                    .collect();
                let pick = draw(fitting.len() as u64 + 1) as usize;
                if let Some(&i) = fitting.get(pick) {
                    let arc = candidate.arcs[i];
                    state.choice[c] = Some(i);
                    state.free_hours[arc.slot] -= candidate.hours;
                    state.free_cases[arc.slot] -= 1;
                    state.score += arc.score;
                }
            }
        }
        assert!(tightest.iter().all(|&n| n >= 10), "{tightest:?}");
        assert!(inner >= 1000, "{inner} inner nodes");
    }

    /// With a budget of one to a few nodes, the search returns a plan that fits and
    /// scores at least the start, and says it is optimal only when it is.
    #[test]
    fn stopped_early_the_search_claims_nothing_false() {
        let mut draw = draws(0x7f4a_7c15_9e37_79b9);
        let (mut gave_up, mut improved) = (0, 0);
        for trial in 0..400 {
            let Some(instance) = tiny_area(&mut draw, trial) else {
                continue;
            };
            let best = brute_force(&instance);
            let empty = vec![None; instance.candidates.len()];
            for (start, budget) in [empty, greedy(&instance)]
                .iter()
                .flat_map(|start| [1, 2, 5, 20].map(|budget| (start, budget)))
            {
                let searched = best_plan(
                    &instance,
                    start,
                    instance.upper_bound(),
                    score_grid(&instance),
                    budget,
                );
                let (plan, proven) = match searched {
                    Searched::Optimal(plan) => (plan, true),
                    Searched::GaveUp(plan) => (plan, false),
                };
                assert!(respects_capacity(&instance, &plan));
                let value = objective(&instance, &plan);
                assert!(value >= objective(&instance, start) - 1e-9);
                assert!(value <= best + 1e-9);
                assert!(!proven || (value - best).abs() < 1e-9, "{instance:?}");
                gave_up += usize::from(!proven);
                improved += usize::from(!proven && value > objective(&instance, start) + 1e-9);
            }
        }
        assert!(gave_up >= 100 && improved >= 30, "{gave_up} {improved}");
    }

    /// On areas of up to 40 families, too many for a brute force, with six supporters
    /// tight on hours, the search (given the nodes it needs) and HiGHS prove the same
    /// optimum.
    #[test]
    fn the_search_and_the_mip_agree_where_hours_bind() {
        let mut draw = draws(0x6a09_e667_f3bc_c908);
        let mut greedy_short = 0;
        for _ in 0..30 {
            let rooms: Vec<Room> = (0..6)
                .map(|_| Room {
                    free_hours: 0.5 * (2 + draw(10)) as f64,
                    ..room_with(1 + draw(4) as u32)
                })
                .collect();
            let instance = random_area(&mut draw, rooms, 40, &[0.5, 1.0, 1.5, 2.0, 3.0, 4.0]);
            let start = greedy(&instance);
            let mip = solve_area(&instance, &start, Limits::default()).unwrap();
            assert!(mip.proven);
            let step = score_grid(&instance);
            let Searched::Optimal(plan) =
                best_plan(&instance, &start, instance.upper_bound(), step, u64::MAX)
            else {
                unreachable!("no budget");
            };
            assert!(respects_capacity(&instance, &plan));
            let (a, b) = (
                objective(&instance, &mip.choice),
                objective(&instance, &plan),
            );
            assert!((a - b).abs() < 1e-9, "HiGHS {a} vs search {b}");
            greedy_short += usize::from(objective(&instance, &start) < b - 1e-9);
        }
        assert!(
            greedy_short >= 10,
            "only {greedy_short} areas left greedy short"
        );
    }
}
