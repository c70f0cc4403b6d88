//! Allocation methods behind one interface: the optimal MIP and the greedy baseline.

use std::time::Instant;

use serde::Serialize;

use crate::assignment::best_matching;
use crate::branch::{best_plan, Searched};
use crate::greedy::{greedy, objective, respects_capacity, Choice};
use crate::instance::AreaInstance;
use crate::mip::{score_grid, solve_area, Limits};
use crate::reduce::kept;
use crate::SolveError;

/// How an area's plan was reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Route {
    /// Nobody to choose: no waiting family had a supporter with room.
    NoChoice,
    /// The greedy plan gave every family its best possible score: provably optimal
    /// without calling the solver.
    GreedyAtBound,
    /// Proven through the assignment problem: the best matching of families to free
    /// case slots, ignoring hours, fitted every supporter's hours (or the greedy plan
    /// reached that matching's score, which bounds every plan), so no MIP was needed.
    Assignment,
    /// Proven by an exact branch and bound over the families, without HiGHS: a
    /// small area whose hours bind.
    Search,
    /// Solved by the MIP (HiGHS), started from the best plan so far (the greedy plan,
    /// or the exact search's when it gave up).
    Mip,
    /// The greedy baseline, not proven optimal.
    Greedy,
}

/// One area's allocation.
#[derive(Debug, Clone, PartialEq)]
pub struct AreaSolution {
    /// For each candidate, the index of the arc it takes.
    pub(crate) choice: Choice,
    /// Proven optimal.
    pub(crate) proven: bool,
    /// An upper bound on the best objective.
    pub(crate) bound: f64,
    /// How the plan was reached.
    pub(crate) route: Route,
}

/// A way of choosing new assignments in one area. Implementations see the same
/// eligibility and capacity (one area's problem, private to this crate, which seals the
/// trait); they differ only in whom they pick.
pub trait AreaAllocator: Sync {
    /// Short name used in output.
    fn name(&self) -> &'static str;

    /// Chooses new assignments for one area, finishing by `deadline` where it can.
    ///
    /// # Errors
    ///
    /// [`SolveError`] when an underlying solver fails.
    fn allocate_area(
        &self,
        instance: &AreaInstance,
        deadline: Instant,
    ) -> Result<AreaSolution, SolveError>;
}

/// Highest score first; fast, not always optimal.
#[derive(Debug, Clone, Copy, Default)]
pub struct Greedy;

impl AreaAllocator for Greedy {
    fn name(&self) -> &'static str {
        "greedy"
    }

    fn allocate_area(
        &self,
        instance: &AreaInstance,
        _: Instant,
    ) -> Result<AreaSolution, SolveError> {
        let choice = greedy(instance);
        let bound = instance.upper_bound();
        let at_bound = objective(instance, &choice) >= bound - 1e-9;
        Ok(AreaSolution {
            choice,
            proven: at_bound,
            bound,
            route: Route::Greedy,
        })
    }
}

/// The exact weekly MIP, skipping the solver where the greedy plan or the assignment
/// problem proves a plan optimal.
#[derive(Debug, Clone, Copy, Default)]
pub struct Optimal;

impl AreaAllocator for Optimal {
    fn name(&self) -> &'static str {
        "optimal"
    }

    fn allocate_area(
        &self,
        instance: &AreaInstance,
        deadline: Instant,
    ) -> Result<AreaSolution, SolveError> {
        optimal_area(instance, Limits::until(deadline))
    }
}

/// Areas with fewer arcs than this try [`best_plan`] before HiGHS.
const SEARCH_BELOW_ARCS: usize = 1_000;

/// Nodes [`best_plan`] may visit before handing an area to HiGHS.
const SEARCH_NODES: u64 = 1_000;

/// The optimum of one area within `limits`: no solver where nobody has a choice, the
/// greedy plan reaches the bound, or the best matching ignoring hours (see
/// [`crate::assignment`]) fits them or is reached by the greedy plan; then, on a small
/// area, the exact search of [`crate::branch`]; else HiGHS from the best plan so far.
pub(crate) fn optimal_area(
    instance: &AreaInstance,
    limits: Limits,
) -> Result<AreaSolution, SolveError> {
    optimal_area_with(instance, limits, SEARCH_NODES)
}

/// [`optimal_area`] with `search_nodes` for the exact search (0: every area that
/// needs a MIP goes to HiGHS).
fn optimal_area_with(
    instance: &AreaInstance,
    limits: Limits,
    search_nodes: u64,
) -> Result<AreaSolution, SolveError> {
    let start = greedy(instance);
    let bound = instance.upper_bound();
    let value = objective(instance, &start);
    if instance.candidates.iter().all(|c| c.arcs.is_empty()) {
        return Ok(AreaSolution {
            choice: start,
            proven: true,
            bound: value,
            route: Route::NoChoice,
        });
    }
    if value >= bound - 1e-9 {
        return Ok(AreaSolution {
            choice: start,
            proven: true,
            bound: value,
            route: Route::GreedyAtBound,
        });
    }
    // Leave out families that provably cannot improve the plan (see `reduce`), and
    // start HiGHS from the better greedy plan with or without them.
    let keep = kept(instance);
    let kept_index: Vec<usize> = (0..keep.len()).filter(|&c| keep[c]).collect();
    let reduced = AreaInstance {
        candidates: kept_index
            .iter()
            .map(|&c| instance.candidates[c].clone())
            .collect(),
        ..instance.clone()
    };
    let restricted: Choice = kept_index.iter().map(|&c| start[c]).collect();
    let fresh = greedy(&reduced);
    let mut reduced_start = if objective(&reduced, &fresh) > objective(&reduced, &restricted) {
        fresh
    } else {
        restricted
    };
    // Without hours rows the area is an assignment problem: its best matching bounds
    // every plan, and is the optimum when it fits everyone's hours.
    // (On the reduced area: its optimum is the whole area's.)
    let step = score_grid(&reduced);
    let matching = step.and_then(|step| best_matching(&reduced, step));
    // A plan of the reduced area, on the whole area (the families left out unplaced).
    let on_area = |plan: &Choice| {
        let mut choice = vec![None; instance.candidates.len()];
        for (&c, pick) in kept_index.iter().zip(plan) {
            choice[c] = *pick;
        }
        choice
    };
    let mut bound = bound;
    if let Some(matching) = &matching {
        let reached = |value: f64| value >= matching.value - 1e-9;
        let plan = if matching.fits {
            Some(on_area(&matching.choice))
        } else if reached(objective(&reduced, &reduced_start)) {
            Some(on_area(&reduced_start))
        } else if reached(value) {
            Some(start.clone())
        } else {
            None
        };
        if let Some(choice) = plan {
            let value = objective(instance, &choice);
            return Ok(AreaSolution {
                choice,
                proven: true,
                bound: value,
                route: Route::Assignment,
            });
        }
        bound = bound.min(matching.value);
    }
    // Small areas: an exact search in Rust, which settles most of them in
    // microseconds; HiGHS gets those it gives up on, from the best plan it found.
    if search_nodes > 0 && reduced.pairs() < SEARCH_BELOW_ARCS {
        match best_plan(&reduced, &reduced_start, bound, step, search_nodes) {
            Searched::Optimal(plan) => {
                let choice = on_area(&plan);
                let value = objective(instance, &choice);
                return Ok(AreaSolution {
                    choice,
                    proven: true,
                    bound: value,
                    route: Route::Search,
                });
            }
            Searched::GaveUp(plan) => reduced_start = plan,
        }
    }
    let outcome = solve_area(&reduced, &reduced_start, limits)?;
    // The best plan HiGHS started from: the greedy plan, or the reduced area's start
    // (its own greedy plan, or the search's best) where that scores more.
    let handed = on_area(&reduced_start);
    let handed_value = objective(instance, &handed);
    let (start, value) = if handed_value > value + 1e-9 {
        (handed, handed_value)
    } else {
        (start, value)
    };
    let solved_choice = on_area(&outcome.choice);
    let solved = objective(instance, &solved_choice);
    // Keep whichever plan is better: with a time limit HiGHS may stop early. HiGHS's
    // proof is about its own plan, so only that plan is reported proven.
    let took = solved + 1e-9 >= value && respects_capacity(instance, &solved_choice);
    let (choice, value) = if took {
        (solved_choice, solved)
    } else {
        (start, value)
    };
    let proven = outcome.proven && took;
    Ok(AreaSolution {
        choice,
        proven,
        bound: if proven {
            value
        } else {
            outcome.bound.min(bound).max(value)
        },
        route: Route::Mip,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::branch::tests::tiny_area;
    use crate::classes::tests::{brute_force, draws};

    /// On random tiny areas (some off the score grid) every route proves the
    /// brute-force optimum: with the search; with HiGHS where the search is left out
    /// (so that the MIP route of small areas stays checked against the brute force
    /// too); and with HiGHS from the plan of a search given one or five nodes (the
    /// hand-over); and each route is taken.
    #[test]
    fn with_or_without_the_search_the_optimum_is_the_brute_force() {
        let mut draw = draws(0x243f_6a88_85a3_08d3);
        let mut routes = std::collections::HashMap::new();
        for trial in 0..400 {
            let Some(instance) = tiny_area(&mut draw, trial) else {
                continue;
            };
            let best = brute_force(&instance);
            for nodes in [0, 1, 5, SEARCH_NODES] {
                let solution = optimal_area_with(&instance, Limits::default(), nodes).unwrap();
                assert!(solution.proven);
                assert!(respects_capacity(&instance, &solution.choice));
                let value = objective(&instance, &solution.choice);
                assert!(
                    (value - best).abs() < 1e-9,
                    "{value} vs {best}: {instance:?}"
                );
                assert!((solution.bound - best).abs() < 1e-6);
                *routes.entry((nodes, solution.route)).or_insert(0) += 1;
            }
        }
        let took = |nodes, route| routes.get(&(nodes, route)).copied().unwrap_or(0);
        assert!(took(0, Route::Mip) >= 30, "{routes:?}");
        assert!(took(SEARCH_NODES, Route::Search) >= 30, "{routes:?}");
        assert_eq!(took(0, Route::Search), 0);
        // With one node the search settles only the areas whose root bound proves
        // the start optimal, and gives every other one to HiGHS, from its plan.
        assert_eq!(
            took(1, Route::Search) + took(1, Route::Mip),
            took(0, Route::Mip)
        );
        assert!(took(1, Route::Mip) >= 30, "{routes:?}");
    }

    /// With HiGHS stopped after one node, after a search of one or five nodes, the
    /// area's plan fits, scores at least the greedy plan, is called proven only at
    /// the optimum, and its bound holds.
    #[test]
    fn stopped_early_an_area_claims_nothing_false() {
        let mut draw = draws(0x1319_8a2e_0370_7344);
        let limits = Limits {
            seconds: None,
            nodes: Some(1),
        };
        for trial in 0..300 {
            let Some(instance) = tiny_area(&mut draw, trial) else {
                continue;
            };
            let best = brute_force(&instance);
            let floor = objective(&instance, &greedy(&instance));
            for nodes in [1, 5] {
                let solution = optimal_area_with(&instance, limits, nodes).unwrap();
                let value = objective(&instance, &solution.choice);
                assert!(respects_capacity(&instance, &solution.choice));
                assert!(value >= floor - 1e-9 && value <= best + 1e-9);
                assert!(!solution.proven || (value - best).abs() < 1e-9);
                assert!(solution.bound >= best - 1e-6, "{} < {best}", solution.bound);
            }
        }
    }
}
