//! The week without its hours rows: an assignment problem, solved exactly without HiGHS.
//!
//! Drop every supporter's hours limit from an area's model and what is left is a
//! bipartite matching: each family goes to at most one eligible supporter, each
//! supporter takes at most its free case slots, and the score is the sum of the chosen
//! arcs. Giving each supporter one column per free slot, and each family a column of
//! its own that scores 0 (not placed), makes it the assignment problem that the
//! Kuhn-Munkres (Hungarian) algorithm solves exactly in integers.
//!
//! It is a relaxation: every plan is a matching, so its optimum bounds every plan's
//! score. Where its best matching also fits every supporter's hours, that matching is
//! the area's optimum, proven without a MIP; otherwise its value is still an upper
//! bound, tighter than the per-family one of [`AreaInstance::upper_bound`] whenever
//! families compete for slots. On a national week many areas' hours do not bind at the
//! optimum, and HiGHS's fixed cost per model (two solver objects, presolve, a root LP) is
//! most of their solve time: see DESIGN.md, "Areas without a MIP".

use pathfinding::prelude::{kuhn_munkres, Matrix};

use crate::greedy::{respects_capacity, Choice};
use crate::instance::AreaInstance;

/// Areas whose weight matrix (families x columns) would be larger than this are left
/// to HiGHS: the algorithm takes about families² x columns steps (8 million here at
/// most, a few milliseconds), and on large areas, where hours bind (the county weeks),
/// its matching rarely fits them.
pub(crate) const MAX_CELLS: usize = 40_000;

/// The best matching of an area's families to its supporters' free case slots.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Matching {
    /// The matching, as a plan.
    pub choice: Choice,
    /// Its score: an upper bound on every plan of the area.
    pub value: f64,
    /// Whether it fits every supporter's hours (then it is the area's optimum).
    pub fits: bool,
}

/// The best matching ignoring hours, with scores counted in whole steps of `step`
/// (every arc's score must be a multiple of it: see [`crate::mip::score_grid`]).
/// `None` for an area with no families, or too large (see [`MAX_CELLS`]).
pub(crate) fn best_matching(instance: &AreaInstance, step: f64) -> Option<Matching> {
    let n = instance.candidates.len();
    if n == 0 || n * n > MAX_CELLS {
        return None;
    }
    // Each supporter needs no more columns than the families that may go to it.
    let mut reach = vec![0usize; instance.rooms.len()];
    for arc in instance.candidates.iter().flat_map(|c| &c.arcs) {
        reach[arc.slot] += 1;
    }
    let mut first_column = Vec::with_capacity(instance.rooms.len());
    let mut columns = 0;
    for (room, &reach) in instance.rooms.iter().zip(&reach) {
        first_column.push(columns);
        columns += reach.min(room.free_cases as usize);
    }
    let slot_columns = columns;
    columns += n; // one "not placed" column per family
    if n * columns > MAX_CELLS {
        return None;
    }
    let steps = |score: f64| (score / step).round() as i64;
    // An ineligible pair costs more than every arc together gains, so no best
    // matching uses one: every family has its own "not placed" column at 0.
    let forbidden = -1
        - instance
            .candidates
            .iter()
            .flat_map(|c| &c.arcs)
            .map(|a| steps(a.score).abs())
            .sum::<i64>();
    let mut weights = Matrix::new(n, columns, forbidden);
    for (row, candidate) in instance.candidates.iter().enumerate() {
        for arc in &candidate.arcs {
            let from = first_column[arc.slot];
            let to = from + reach[arc.slot].min(instance.rooms[arc.slot].free_cases as usize);
            for column in from..to {
                weights[(row, column)] = steps(arc.score);
            }
        }
        weights[(row, slot_columns + row)] = 0;
    }
    let (_, columns_of) = kuhn_munkres(&weights);
    let choice: Choice = instance
        .candidates
        .iter()
        .zip(&columns_of)
        .map(|(candidate, &column)| {
            if column >= slot_columns {
                return None;
            }
            // The slot whose columns hold `column`.
            let slot = first_column.partition_point(|&first| first <= column) - 1;
            candidate.arcs.iter().position(|a| a.slot == slot)
        })
        .collect();
    let value = crate::greedy::objective(instance, &choice);
    Some(Matching {
        fits: respects_capacity(instance, &choice),
        choice,
        value,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classes::tests::{brute_force, draws, random_area, random_rooms};
    use crate::greedy::objective;
    use crate::mip::score_grid;

    /// On random tiny areas, the best matching scores exactly what the brute force
    /// finds once hours are lifted (it is the optimum of the relaxation), never less
    /// than the brute force with hours (it bounds every plan), respects every case
    /// limit, and when it fits the hours it is the brute-force optimum.
    #[test]
    fn the_best_matching_is_the_optimum_without_hours_and_bounds_every_plan() {
        let mut draw = draws(0x5851_f42d_4c95_7f2d);
        let (mut fitted, mut above) = (0, 0);
        for _ in 0..400 {
            let rooms = random_rooms(&mut draw);
            let instance = random_area(&mut draw, rooms, 7, &[0.5, 1.0, 2.0, 3.5]);
            let step = score_grid(&instance).expect("scores on the 0.05 grid");
            let matching = best_matching(&instance, step).expect("a few families");
            assert!((objective(&instance, &matching.choice) - matching.value).abs() < 1e-9);
            let mut loose = instance.clone();
            for room in &mut loose.rooms {
                room.free_hours = 1e6;
            }
            assert!(
                (matching.value - brute_force(&loose)).abs() < 1e-9,
                "the best matching is the optimum without hours"
            );
            assert!(
                respects_capacity(&loose, &matching.choice),
                "case limits hold"
            );
            let best = brute_force(&instance);
            assert!(
                matching.value >= best - 1e-9,
                "the matching bounds every plan"
            );
            assert_eq!(
                matching.fits,
                respects_capacity(&instance, &matching.choice)
            );
            if matching.fits {
                fitted += 1;
                assert!((matching.value - best).abs() < 1e-9);
            } else {
                above += usize::from(matching.value > best + 1e-9);
            }
        }
        // Both ways are tested: matchings that fit, and bounds above the optimum.
        assert!(fitted > 100 && above > 30, "{fitted} fitted, {above} above");
    }

    /// Families with no arc, and supporters with more free slots than families, change
    /// nothing: the first stay unplaced, the second need no extra columns.
    #[test]
    fn families_without_arcs_stay_unplaced() {
        let mut draw = draws(0x2545_f491_4f6c_dd1d);
        let rooms = random_rooms(&mut draw);
        let mut instance = random_area(&mut draw, rooms, 7, &[1.0]);
        for room in &mut instance.rooms {
            room.free_cases = 50;
        }
        instance.candidates[0].arcs.clear();
        let matching = best_matching(&instance, 0.05).unwrap();
        assert_eq!(matching.choice[0], None);
        assert!(best_matching(
            &AreaInstance {
                candidates: vec![],
                ..instance
            },
            0.05
        )
        .is_none());
    }
}
