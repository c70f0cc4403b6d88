//! The second stage of the weekly optimum: among the plans with the best total score,
//! the one that spreads supporters' hours most evenly.
//!
//! share(s) = hours used after the week (open cases, pins and new cases) / hours a week,
//! and f(share) is share² interpolated linearly between multiples of 0.05: convex and
//! piecewise linear, so "t(s) >= each segment's line" makes t(s) = f(share(s)) at the
//! optimum, with no integer variable besides the assignments (HiGHS has no quadratic
//! MIP). The stage keeps the total score at least the first stage's optimum (less the
//! policy's `score_tolerance` share), and minimises the sum of t(s) over the area.

use std::time::Instant;

use good_lp::{solvers::highs::highs, variable, Expression, ProblemVariables, SolverModel};
use highs::HighsModelStatus;

use caseload_model::Caseload;

use crate::equity::Floors;
use crate::greedy::{objective, respects_capacity, Choice};
use crate::instance::AreaInstance;
use crate::settings::configure;
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
/// the stages before). Returns `start` itself when HiGHS does not prove a better one
/// in time, or when nothing can move.
pub(crate) fn balance_area(
    instance: &AreaInstance,
    capacity: &Capacity,
    start: &Choice,
    tolerance: f64,
    floors: &Floors,
    deadline: Instant,
) -> Result<Choice, SolveError> {
    if instance.candidates.iter().all(|c| c.arcs.is_empty()) {
        return Ok(start.clone());
    }
    let best = objective(instance, start);
    // Scores are sums of a few decimals: a floor a hair below the optimum lets the
    // solver keep every plan with the same score, and the check below refuses any
    // that comes back lower.
    let floor = best * (1.0 - tolerance) - 1e-7 * best.abs().max(1.0);

    let mut vars = ProblemVariables::new();
    let mut score = Expression::default();
    let mut by_slot: Vec<Expression> = vec![Expression::default(); instance.rooms.len()];
    let mut cases: Vec<Expression> = vec![Expression::default(); instance.rooms.len()];
    let mut has_arc = vec![false; instance.rooms.len()];
    let mut columns: Vec<Vec<good_lp::Variable>> = Vec::with_capacity(instance.candidates.len());
    let mut constraints = Vec::new();
    let mut initial = Vec::new();
    let mut by_district: Vec<Expression> = vec![Expression::default(); floors.min.len()];
    for (c, (candidate, pick)) in instance.candidates.iter().zip(start).enumerate() {
        let district = floors.of.get(c).copied().flatten();
        let mut one = Expression::default();
        let mut row = Vec::with_capacity(candidate.arcs.len());
        for (i, arc) in candidate.arcs.iter().enumerate() {
            let x = vars.add(variable().binary());
            initial.push(if *pick == Some(i) { 1.0 } else { 0.0 });
            score.add_mul(arc.score, x);
            one.add_mul(1.0, x);
            by_slot[arc.slot].add_mul(candidate.hours, x);
            cases[arc.slot].add_mul(1.0, x);
            has_arc[arc.slot] = true;
            if let Some(d) = district {
                by_district[d].add_mul(1.0, x);
            }
            row.push(x);
        }
        if row.len() > 1 {
            constraints.push(one.leq(1.0));
        }
        columns.push(row);
    }
    let mut spread = Expression::default();
    let used_by_start = used_after(instance, capacity, start);
    for (slot, room) in instance.rooms.iter().enumerate() {
        if !has_arc[slot] {
            continue;
        }
        let hours = capacity.hours_per_week[slot];
        let used = capacity.used_hours[slot];
        let t = vars.add(variable().min(0.0));
        initial.push(f(used_by_start[slot] / hours));
        spread.add_mul(1.0, t);
        let new_hours = std::mem::take(&mut by_slot[slot]);
        constraints.push(new_hours.clone().leq(room.free_hours));
        constraints.push(std::mem::take(&mut cases[slot]).leq(f64::from(room.free_cases)));
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
            constraints.push((Expression::from(t) - new_hours.clone() * slope).geq(constant));
        }
    }
    constraints.push(score.geq(floor));
    for (placed, &min) in by_district.into_iter().zip(&floors.min) {
        if min > 0 {
            constraints.push(placed.geq(f64::from(min)));
        }
    }

    let mut model = highs(vars.minimise(spread))
        .with_all(constraints)
        .try_into_inner()
        .map_err(SolveError::Build)?;
    model.make_quiet();
    let seconds = deadline
        .saturating_duration_since(Instant::now())
        .as_secs_f64();
    configure(&mut model, &instance.area, Some(seconds), None, &initial)?;
    let solved = model.try_solve().map_err(|status| SolveError::Highs {
        area: instance.area.clone(),
        status: format!("{status:?}"),
    })?;
    if !matches!(
        solved.status(),
        HighsModelStatus::Optimal
            | HighsModelStatus::ReachedTimeLimit
            | HighsModelStatus::ReachedInterrupt
    ) {
        return Ok(start.clone());
    }
    let values = solved.get_solution();
    let values = values.columns();
    let mut offset = 0;
    let mut choice: Choice = Vec::with_capacity(columns.len());
    for row in &columns {
        choice.push((0..row.len()).find(|i| values[offset + i] > 0.5));
        offset += row.len();
    }
    let fits = respects_capacity(instance, &choice) && floors.met_by(&choice);
    let scores = objective(instance, &choice) >= best * (1.0 - tolerance) - 1e-9;
    let better = sum_f(instance, capacity, &choice) < sum_f(instance, capacity, start) - 1e-12;
    Ok(if fits && scores && better {
        choice
    } else {
        start.clone()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
