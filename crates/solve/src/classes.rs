//! Interchangeable families solved as one: the aggregated model that HiGHS is given.
//!
//! Two families are interchangeable when they may go to the same supporters (the
//! same arcs), need the same hours and get the same supporter-dependent part of the
//! score with each (`score(r, s) - base(r)`, the local bonus). Call such a set a class.
//! Within a class, which members are placed where does not matter to the constraints,
//! and only their bases matter to the objective: if a member is placed while one with a
//! higher base waits, swapping the two fits and scores no less. So a plan is described
//! exactly by how many members of each class each supporter takes, `y(k, s)`, and the
//! number placed, `m(k) = sum_s y(k, s)`, is worth the `m(k)` highest bases of the
//! class. Members with equal bases form a group with an integer `z(k, g)` (how many of
//! the group are placed); the objective's weight on each group's base makes the
//! maximum fill the highest groups first, so the model is
//!
//! ```text
//! max  sum_k [ sum_g base(k, g) z(k, g) + sum_s bonus(k, s) y(k, s) ]
//! s.t. sum_s y(k, s) = sum_g z(k, g)                   for every class k
//!      sum_k hours(k) y(k, s) <= free hours of s        for every supporter s
//!      sum_k y(k, s)          <= free case slots of s   for every supporter s
//!      0 <= z(k, g) <= size of group g, y(k, s) >= 0, all integer.
//! ```
//!
//! Its optimum is the per-family model's, and a solution maps back to families by
//! placing each class's `m(k)` highest-based members (ties by referral id) on its
//! supporters in slot order. The per-family model has a symmetric copy of every plan
//! for each permutation of a class's members; branch and bound no longer explores
//! them. On tight county weeks (`benches/hard_weeks.py`) this is worth several times
//! the plain model's solve time; see DESIGN.md.

use std::collections::BTreeMap;

use crate::greedy::Choice;
use crate::instance::AreaInstance;

/// Interchangeable families: same arcs (slots and supporter-dependent bonus), same
/// hours.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Class {
    /// Slots of the members' arcs, in the members' arc order.
    pub slots: Vec<usize>,
    /// `score(r, s) - base(r)` for each of those slots.
    pub bonus: Vec<f64>,
    /// Hours each member needs.
    pub hours: f64,
    /// Candidate indices of the members, highest base first, ties by candidate index
    /// (candidates are in referral id order).
    pub members: Vec<usize>,
    /// Groups of members with equal bases, in `members` order: (base, size).
    pub groups: Vec<(f64, usize)>,
}

/// The bonus rounded to a grid fine enough to tell policies' bonuses apart, and coarse
/// enough to absorb floating-point noise in `base + bonus - base`.
fn bonus_key(bonus: f64) -> i64 {
    (bonus * 1e9).round() as i64
}

/// The area's candidates with at least one arc, grouped into classes, in the order of
/// each class's first member.
pub(crate) fn classes(instance: &AreaInstance) -> Vec<Class> {
    classes_by(instance, &[])
}

/// [`classes`], keeping apart families with different labels (one per candidate; a
/// missing label counts as `None`): with a district as label, every class lies in one
/// district, so a row over a district's families is a row over its classes.
pub(crate) fn classes_by(instance: &AreaInstance, label: &[Option<usize>]) -> Vec<Class> {
    type Key = (Vec<(usize, i64)>, u64, Option<usize>);
    let mut by_key: BTreeMap<Key, usize> = BTreeMap::new();
    let mut out: Vec<Class> = Vec::new();
    for (index, candidate) in instance.candidates.iter().enumerate() {
        if candidate.arcs.is_empty() {
            continue;
        }
        let bonus: Vec<f64> = candidate
            .arcs
            .iter()
            .map(|a| a.score - candidate.parts.base)
            .collect();
        let key: Key = (
            candidate
                .arcs
                .iter()
                .zip(&bonus)
                .map(|(a, &b)| (a.slot, bonus_key(b)))
                .collect(),
            candidate.hours.to_bits(),
            label.get(index).copied().flatten(),
        );
        let k = *by_key.entry(key).or_insert_with(|| {
            out.push(Class {
                slots: candidate.arcs.iter().map(|a| a.slot).collect(),
                bonus,
                hours: candidate.hours,
                members: Vec::new(),
                groups: Vec::new(),
            });
            out.len() - 1
        });
        out[k].members.push(index);
    }
    for class in &mut out {
        let base = |c: usize| instance.candidates[c].parts.base;
        // Stable: equal bases stay in candidate (referral id) order.
        class.members.sort_by(|&a, &b| base(b).total_cmp(&base(a)));
        for &member in &class.members {
            match class.groups.last_mut() {
                Some((b, size)) if *b == base(member) => *size += 1,
                _ => class.groups.push((base(member), 1)),
            }
        }
    }
    out
}

/// How many members of each class each of its slots takes in `choice` (per class, in
/// `slots` order).
pub(crate) fn counts(instance: &AreaInstance, classes: &[Class], choice: &Choice) -> Vec<Vec<u32>> {
    classes
        .iter()
        .map(|class| {
            let mut count = vec![0_u32; class.slots.len()];
            for &member in &class.members {
                if let Some(arc) = choice[member] {
                    let slot = instance.candidates[member].arcs[arc].slot;
                    if let Some(i) = class.slots.iter().position(|&s| s == slot) {
                        count[i] += 1;
                    }
                }
            }
            count
        })
        .collect()
}

/// The plan that places, for each class, `counts[k][i]` members on its `i`-th slot:
/// the highest-based members (ties by referral id), taken in slot order.
pub(crate) fn expand(instance: &AreaInstance, classes: &[Class], counts: &[Vec<u32>]) -> Choice {
    let mut choice = vec![None; instance.candidates.len()];
    for (class, count) in classes.iter().zip(counts) {
        let mut members = class.members.iter();
        for (&slot, &n) in class.slots.iter().zip(count) {
            for &member in members.by_ref().take(n as usize) {
                choice[member] = instance.candidates[member]
                    .arcs
                    .iter()
                    .position(|a| a.slot == slot);
            }
        }
    }
    choice
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::greedy::{greedy, objective, respects_capacity};
    use crate::instance::{Arc, Candidate, Room};
    use crate::mip::{solve_area, Limits};
    use crate::score::ScoreParts;

    /// A candidate with base score `base`, going to each `(slot, bonus)`, scoring
    /// `base + bonus` there (for this module's and `reduce`'s tests).
    pub(crate) fn candidate(base: f64, hours: f64, slots: &[(usize, f64)]) -> Candidate {
        Candidate {
            referral: 0,
            reallocated: false,
            hours,
            parts: ScoreParts {
                weight: base,
                weeks_on_clock: 0,
                urgency: 1.0,
                base,
            },
            eligible: slots.iter().map(|s| s.0).collect(),
            arcs: slots
                .iter()
                .map(|&(slot, bonus)| Arc {
                    slot,
                    score: base + bonus,
                })
                .collect(),
        }
    }

    /// A supporter with 10 free hours and `free_cases` free case slots.
    pub(crate) fn room_with(free_cases: u32) -> Room {
        Room {
            supporter: 0,
            open_hours: 0.0,
            open_cases: 0,
            free_hours: 10.0,
            free_cases,
            pinned_hours: 0.0,
            pinned_cases: 0,
            over_capacity: false,
            on_leave: false,
        }
    }

    fn room() -> Room {
        room_with(5)
    }

    /// A seeded xorshift stream: each call draws a number below `n`.
    pub(crate) fn draws(seed: u64) -> impl FnMut(u64) -> u64 {
        let mut state = seed;
        move |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        }
    }

    /// One to three supporters with room for half an hour to four hours and up to three
    /// cases.
    pub(crate) fn random_rooms(draw: &mut impl FnMut(u64) -> u64) -> Vec<Room> {
        (0..1 + draw(3))
            .map(|_| Room {
                free_hours: 0.5 * (1 + draw(8)) as f64,
                free_cases: draw(4) as u32,
                ..room()
            })
            .collect()
    }

    /// A random tiny area on `rooms`: 1 to `most` families, few bases, `hours` to
    /// draw from, each reaching about two thirds of the supporters (with the local
    /// bonus where the supporter is local), so that many are interchangeable.
    pub(crate) fn random_area(
        draw: &mut impl FnMut(u64) -> u64,
        rooms: Vec<Room>,
        most: u64,
        hours: &[f64],
    ) -> AreaInstance {
        let local: Vec<bool> = rooms.iter().map(|_| draw(2) == 0).collect();
        let candidates: Vec<Candidate> = (0..1 + draw(most))
            .map(|_| {
                let base = [1.0, 2.0, 2.2, 4.0][draw(4) as usize];
                let hours = hours[draw(hours.len() as u64) as usize];
                let slots: Vec<(usize, f64)> = (0..rooms.len())
                    .filter(|_| draw(3) > 0)
                    .map(|s| (s, if local[s] { 0.05 } else { 0.0 }))
                    .collect();
                candidate(base, hours, &slots)
            })
            .collect();
        AreaInstance {
            area: "A".into(),
            rooms,
            candidates,
            unplaceable: vec![],
            pinned: vec![],
        }
    }

    /// Every plan of a tiny instance that fits, by trying them all.
    pub(crate) fn every_plan(instance: &AreaInstance) -> Vec<Choice> {
        fn go(instance: &AreaInstance, choice: &mut Choice, c: usize, out: &mut Vec<Choice>) {
            if c == choice.len() {
                if respects_capacity(instance, choice) {
                    out.push(choice.clone());
                }
                return;
            }
            go(instance, choice, c + 1, out);
            for arc in 0..instance.candidates[c].arcs.len() {
                choice[c] = Some(arc);
                go(instance, choice, c + 1, out);
                choice[c] = None;
            }
        }
        let mut out = Vec::new();
        go(
            instance,
            &mut vec![None; instance.candidates.len()],
            0,
            &mut out,
        );
        out
    }

    /// The best plan of a tiny instance, by trying every one.
    pub(crate) fn brute_force(instance: &AreaInstance) -> f64 {
        every_plan(instance)
            .iter()
            .map(|plan| objective(instance, plan))
            .fold(f64::NEG_INFINITY, f64::max)
    }

    /// The aggregated model on random tiny areas full of interchangeable families (few
    /// hours, bases and reaches to draw from) reaches the brute-force optimum, from an
    /// empty start and from the greedy plan, and its plan fits.
    #[test]
    fn the_class_model_reaches_the_brute_force_optimum() {
        let mut draw = draws(0x9e37_79b9_7f4a_7c15);
        let mut aggregated = 0;
        for _ in 0..300 {
            let rooms = random_rooms(&mut draw);
            let instance = random_area(&mut draw, rooms, 7, &[0.5, 1.0, 2.0]);
            if instance.candidates.iter().all(|c| c.arcs.is_empty()) {
                continue; // No choice: the allocator never calls the solver.
            }
            let found = classes(&instance);
            aggregated += usize::from(found.iter().any(|c| c.members.len() > 1));
            let best = brute_force(&instance);
            for start in [vec![None; instance.candidates.len()], greedy(&instance)] {
                let outcome = solve_area(&instance, &start, Limits::default()).unwrap();
                assert!(outcome.proven);
                assert!(respects_capacity(&instance, &outcome.choice));
                let value = objective(&instance, &outcome.choice);
                assert!(
                    (value - best).abs() < 1e-9,
                    "{value} vs {best}: {instance:?}"
                );
                assert!((outcome.bound - best).abs() < 1e-6);
            }
        }
        assert!(
            aggregated > 100,
            "only {aggregated} instances had a class of two"
        );
    }

    #[test]
    fn families_with_the_same_arcs_and_hours_form_a_class_by_base() {
        let instance = AreaInstance {
            area: "A".into(),
            rooms: vec![room(), room()],
            candidates: vec![
                candidate(2.0, 1.0, &[(0, 0.05), (1, 0.0)]),
                candidate(4.0, 1.0, &[(0, 0.05), (1, 0.0)]),
                // Other hours.
                candidate(4.0, 2.0, &[(0, 0.05), (1, 0.0)]),
                candidate(2.0, 1.0, &[(0, 0.05), (1, 0.0)]),
                // Other bonus with supporter 1.
                candidate(4.0, 1.0, &[(0, 0.05), (1, 0.05)]),
                // No arcs: in no class.
                candidate(4.0, 1.0, &[]),
            ],
            unplaceable: vec![],
            pinned: vec![],
        };
        let found = classes(&instance);
        assert_eq!(found.len(), 3);
        assert_eq!(found[0].members, [1, 0, 3]);
        assert_eq!(found[0].groups, [(4.0, 1), (2.0, 2)]);
        assert_eq!(found[1].members, [2]);
        assert_eq!(found[2].members, [4]);

        // Members 3 and 1 placed: the counts place the best two, 1 and 0, instead.
        let choice = vec![None, Some(1), None, Some(0), None, None];
        let count = counts(&instance, &found, &choice);
        assert_eq!(count, [vec![1, 1], vec![0, 0], vec![0, 0]]);
        let expanded = expand(&instance, &found, &count);
        assert_eq!(expanded, [Some(1), Some(0), None, None, None, None]);
        assert!(objective(&instance, &expanded) >= objective(&instance, &choice));
    }
}
