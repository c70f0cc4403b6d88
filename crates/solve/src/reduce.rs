//! Exact reductions of an area's problem before the MIP: families that can be left out
//! without changing the optimum, and a tighter upper bound.
//!
//! A score is `base(r) + bonus * local(s)`, so family `d` is at least as good as family
//! `c` everywhere when `base(d) >= base(c)`, `hours(d) <= hours(c)` and `d` can go to
//! every supporter `c` can. Say `d` dominates `c`. At most `K` families are placed in
//! any plan (`K` = the area's free case slots). If `K` kept families dominate `c`, then
//! in any plan that places `c`, at most `K - 1` of them are placed, so one is free to
//! take `c`'s place, fitting and scoring at least as much. Repeating the swap turns
//! any plan into one without dropped families that scores no less: the optimum of the
//! reduced problem is the optimum.

use crate::instance::{AreaInstance, Candidate};

/// Supporters a candidate can go to, as a bit set over the area's slots.
fn reach(candidate: &Candidate, words: usize) -> Vec<u64> {
    let mut bits = vec![0u64; words];
    for arc in &candidate.arcs {
        bits[arc.slot / 64] |= 1 << (arc.slot % 64);
    }
    bits
}

/// For each candidate, whether it is kept (`false`: provably not needed).
pub(crate) fn kept(instance: &AreaInstance) -> Vec<bool> {
    let k = instance.max_placed();
    let n = instance.candidates.len();
    let mut keep = vec![true; n];
    if k == 0 || n <= k {
        return keep;
    }
    let words = instance.rooms.len().div_ceil(64);
    let reach: Vec<Vec<u64>> = instance
        .candidates
        .iter()
        .map(|c| reach(c, words))
        .collect();
    // Dominators first: highest base, then fewest hours; candidates are in id order
    // and the sort is stable.
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| {
        let (ca, cb) = (&instance.candidates[a], &instance.candidates[b]);
        cb.parts
            .base
            .total_cmp(&ca.parts.base)
            .then(ca.hours.total_cmp(&cb.hours))
    });
    let mut kept_so_far: Vec<usize> = Vec::with_capacity(n);
    for &c in &order {
        let candidate = &instance.candidates[c];
        if candidate.arcs.is_empty() {
            keep[c] = false;
            continue;
        }
        let dominators = kept_so_far
            .iter()
            .filter(|&&d| {
                let other = &instance.candidates[d];
                other.parts.base >= candidate.parts.base
                    && other.hours <= candidate.hours
                    && reach[c]
                        .iter()
                        .zip(&reach[d])
                        .all(|(need, has)| need & !has == 0)
            })
            .take(k)
            .count();
        if dominators >= k {
            keep[c] = false;
        } else {
            kept_so_far.push(c);
        }
    }
    keep
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classes::tests::{candidate as with_bonus, room_with};
    use crate::instance::Room;

    fn room(free_cases: u32) -> Room {
        room_with(free_cases)
    }

    fn candidate(base: f64, hours: f64, slots: &[usize]) -> Candidate {
        let slots: Vec<(usize, f64)> = slots.iter().map(|&s| (s, 0.0)).collect();
        with_bonus(base, hours, &slots)
    }

    #[test]
    fn a_family_with_k_better_placed_rivals_is_dropped() {
        let instance = AreaInstance {
            area: "A".into(),
            rooms: vec![room(1), room(1)],
            candidates: vec![
                candidate(8.0, 1.0, &[0, 1]),
                candidate(4.0, 1.0, &[0, 1]),
                // Dominated by both above: two slots, two dominators.
                candidate(2.0, 2.0, &[0]),
                // Cheaper in hours than every rival: kept.
                candidate(1.0, 0.5, &[0]),
                // Both top families can go to supporter 1 too, in no more hours: dropped.
                candidate(1.0, 1.0, &[1]),
            ],
            unplaceable: vec![],
            pinned: vec![],
        };
        assert_eq!(kept(&instance), [true, true, false, true, false]);
        assert_eq!(instance.upper_bound(), 12.0);
    }

    #[test]
    fn reach_matters() {
        let instance = AreaInstance {
            area: "A".into(),
            rooms: vec![room(1), room(1)],
            candidates: vec![
                candidate(8.0, 1.0, &[0]),
                candidate(4.0, 1.0, &[0]),
                // Its rivals cannot go to supporter 1.
                candidate(2.0, 1.0, &[0, 1]),
            ],
            unplaceable: vec![],
            pinned: vec![],
        };
        assert_eq!(kept(&instance), [true, true, true]);
    }
}
