//! Highest score first: the fast baseline, and the optimiser's starting plan.

use crate::instance::{AreaInstance, HOURS_EPS};

/// For each candidate, the arc it takes (index into its `arcs`), or `None`.
pub(crate) type Choice = Vec<Option<usize>>;

/// Allocates an area greedily: families in order of their best score (ties by
/// referral id), each placed as by [`assign_in_order`].
pub(crate) fn greedy(instance: &AreaInstance) -> Choice {
    let best = |c: usize| {
        instance.candidates[c]
            .arcs
            .iter()
            .map(|a| a.score)
            .fold(f64::NEG_INFINITY, f64::max)
    };
    // Candidates are ordered by referral id, and the sort is stable.
    let mut order: Vec<usize> = (0..instance.candidates.len()).collect();
    order.sort_by(|a, b| best(*b).total_cmp(&best(*a)));
    assign_in_order(instance, order)
}

/// Places families one by one in the given `order` (candidate indices): each goes to
/// the eligible supporter with room giving the highest score, ties to the one with
/// most free hours (so no one is stretched first), then to the lowest id. A family
/// with no supporter with room left stays unplaced. This is how every ordering
/// policy (greedy, first come first served, priority, ...) shares capacity rules.
pub(crate) fn assign_in_order(
    instance: &AreaInstance,
    order: impl IntoIterator<Item = usize>,
) -> Choice {
    let mut free_hours: Vec<f64> = instance.rooms.iter().map(|r| r.free_hours).collect();
    let mut free_cases: Vec<u32> = instance.rooms.iter().map(|r| r.free_cases).collect();
    let mut choice = vec![None; instance.candidates.len()];
    for c in order {
        let candidate = &instance.candidates[c];
        let pick = candidate
            .arcs
            .iter()
            .enumerate()
            .filter(|(_, arc)| {
                free_cases[arc.slot] >= 1 && candidate.hours <= free_hours[arc.slot] + HOURS_EPS
            })
            .max_by(|(_, a), (_, b)| {
                a.score
                    .total_cmp(&b.score)
                    .then(free_hours[a.slot].total_cmp(&free_hours[b.slot]))
                    .then(b.slot.cmp(&a.slot))
            });
        if let Some((index, arc)) = pick {
            free_cases[arc.slot] -= 1;
            free_hours[arc.slot] -= candidate.hours;
            choice[c] = Some(index);
        }
    }
    choice
}

/// The objective of a choice: the sum of the chosen arcs' scores.
pub(crate) fn objective(instance: &AreaInstance, choice: &Choice) -> f64 {
    instance
        .candidates
        .iter()
        .zip(choice)
        .filter_map(|(c, pick)| pick.map(|i| c.arcs[i].score))
        .sum()
}

/// Whether a choice respects every supporter's free hours and case slots.
pub(crate) fn respects_capacity(instance: &AreaInstance, choice: &Choice) -> bool {
    let mut hours = vec![0.0; instance.rooms.len()];
    let mut cases = vec![0_u32; instance.rooms.len()];
    for (candidate, pick) in instance.candidates.iter().zip(choice) {
        if let Some(i) = pick {
            let slot = candidate.arcs[*i].slot;
            hours[slot] += candidate.hours;
            cases[slot] += 1;
        }
    }
    instance.rooms.iter().enumerate().all(|(slot, room)| {
        cases[slot] <= room.free_cases && hours[slot] <= room.free_hours + HOURS_EPS
    })
}
