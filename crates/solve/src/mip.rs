//! The weekly allocation MIP, built with good_lp and solved by HiGHS.

use good_lp::{
    solvers::highs::highs, variable, Constraint, Expression, ProblemVariables, SolverModel,
    Variable,
};
use highs::HighsModelStatus;

use std::time::Instant;

use crate::classes::{classes, counts, expand, Class};
use crate::greedy::{objective as greedy_objective, respects_capacity, Choice};
use crate::instance::{AreaInstance, HOURS_EPS};
use crate::settings::configure;
use crate::SolveError;

/// Column and row names, in the order HiGHS numbers them.
pub(crate) type Names = (Vec<String>, Vec<String>);

/// The MIP over one or more areas: a binary x(r, s) per arc, at most one supporter per
/// family, and each supporter's free hours and case slots.
pub(crate) struct WeeklyModel {
    vars: ProblemVariables,
    objective: Expression,
    constraints: Vec<Constraint>,
    /// Names of columns and rows, kept only when the model is to be written out.
    names: Option<Names>,
    /// Per area added, per candidate, the column number of each arc (columns are
    /// numbered in the order variables are added).
    pub columns: Vec<Vec<Vec<usize>>>,
}

impl WeeklyModel {
    pub fn new(named: bool) -> WeeklyModel {
        WeeklyModel {
            vars: ProblemVariables::new(),
            objective: Expression::default(),
            constraints: Vec::new(),
            names: named.then(Default::default),
            columns: Vec::new(),
        }
    }

    /// Adds one area's variables and constraints. With `lean`, rows that cannot bind
    /// (a family with one option, a supporter whose every option fits at once) are
    /// left out: the optimum is the same and HiGHS has less to read.
    pub fn add_area(
        &mut self,
        instance: &AreaInstance,
        ids: &dyn Fn(usize, usize) -> (String, String),
        lean: bool,
    ) {
        let mut by_slot: Vec<Vec<(Variable, f64)>> = vec![Vec::new(); instance.rooms.len()];
        let mut area_columns = Vec::with_capacity(instance.candidates.len());
        for candidate in &instance.candidates {
            let mut row = Expression::with_capacity(candidate.arcs.len());
            let mut vars = Vec::with_capacity(candidate.arcs.len());
            for arc in &candidate.arcs {
                let column = self.vars.len();
                let x = self.vars.add(variable().binary());
                if let Some((cols, _)) = &mut self.names {
                    let (referral, supporter) =
                        ids(candidate.referral, instance.rooms[arc.slot].supporter);
                    cols.push(format!("x({referral},{supporter})"));
                }
                self.objective.add_mul(arc.score, x);
                row.add_mul(1.0, x);
                by_slot[arc.slot].push((x, candidate.hours));
                vars.push(column);
            }
            if !lean || vars.len() > 1 {
                self.push_row(row.leq(1.0), || {
                    format!("one_supporter({})", ids(candidate.referral, 0).0)
                });
            }
            area_columns.push(vars);
        }
        for (slot, arcs) in by_slot.iter().enumerate() {
            if arcs.is_empty() {
                continue;
            }
            let room = &instance.rooms[slot];
            let supporter = || ids(0, room.supporter).1;
            let total_hours: f64 = arcs.iter().map(|(_, h)| h).sum();
            if !lean || total_hours > room.free_hours {
                let mut hours = Expression::with_capacity(arcs.len());
                for (x, h) in arcs {
                    hours.add_mul(*h, *x);
                }
                self.push_row(hours.leq(room.free_hours), || {
                    format!("hours({})", supporter())
                });
            }
            if !lean || arcs.len() > room.free_cases as usize {
                let mut cases = Expression::with_capacity(arcs.len());
                for (x, _) in arcs {
                    cases.add_mul(1.0, *x);
                }
                self.push_row(cases.leq(f64::from(room.free_cases)), || {
                    format!("cases({})", supporter())
                });
            }
        }
        self.columns.push(area_columns);
    }

    fn push_row(&mut self, constraint: Constraint, name: impl FnOnce() -> String) {
        if let Some((_, rows)) = &mut self.names {
            rows.push(name());
        }
        self.constraints.push(constraint);
    }

    /// Hands the model to HiGHS (quiet), returning it with the column and row names.
    pub fn into_highs(self) -> Result<(highs::Model, Option<Names>), SolveError> {
        let model = quiet_highs(self.vars, self.objective, self.constraints)?;
        Ok((model, self.names))
    }
}

/// The model maximising `objective`, handed to HiGHS, quiet.
fn quiet_highs(
    vars: ProblemVariables,
    objective: Expression,
    constraints: Vec<Constraint>,
) -> Result<highs::Model, SolveError> {
    let problem = highs(vars.maximise(objective)).with_all(constraints);
    let mut model = problem.try_into_inner().map_err(SolveError::Build)?;
    model.make_quiet();
    Ok(model)
}

/// Runs HiGHS on `model`, naming `area` if it fails.
fn run_highs(model: highs::Model, area: &str) -> Result<highs::SolvedModel, SolveError> {
    model.try_solve().map_err(|status| SolveError::Highs {
        area: area.to_string(),
        status: format!("{status:?}"),
    })
}

/// What HiGHS made of one area.
pub(crate) struct MipOutcome {
    pub choice: Choice,
    pub proven: bool,
    pub bound: f64,
}

/// When HiGHS stops short of a proof: a wall-clock limit (seconds; where it binds, the
/// result depends on the machine) and a branch-and-bound node limit (the same on every
/// machine). `None`: no limit.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Limits {
    pub seconds: Option<f64>,
    pub nodes: Option<u32>,
}

impl Limits {
    /// The time left until `deadline`, and no node limit.
    pub fn until(deadline: std::time::Instant) -> Limits {
        Limits {
            seconds: Some(
                deadline
                    .saturating_duration_since(std::time::Instant::now())
                    .as_secs_f64(),
            ),
            nodes: None,
        }
    }
}

/// The aggregated model of one area (see [`crate::classes`]): per class, an integer
/// `y(k, s)` per slot and `z(k, g)` per group of equal bases.
pub(crate) struct ClassModel {
    pub vars: ProblemVariables,
    /// The week's score.
    pub objective: Expression,
    pub constraints: Vec<Constraint>,
    /// Per class, the column numbers of its `y`s (in slot order) and `z`s.
    pub columns: Vec<ClassColumns>,
    /// Per class, the members it places: the sum of its `y`s.
    pub placed: Vec<Expression>,
    /// The supporters' hours and case rows: each row's number among the
    /// constraints, its left-hand side and its right-hand side (`lhs <= rhs`).
    caps: Vec<(usize, Expression, f64)>,
    /// Per slot given them by [`with_fills`](Self::with_fills), its fills.
    fills: Vec<Fills>,
    /// The fills' rows (`lhs <= rhs`): each row's number among the constraints and its
    /// right-hand side.
    fill_rows: Vec<(usize, f64)>,
    /// Per slot, whether it has an hours row.
    hours_rows: Vec<bool>,
}

/// One slot's fills (see [`ClassModel::with_fills`]): the class columns of each
/// length, the maximal fills (families per length) and a column per fill.
struct Fills {
    /// Per length, the `y` columns of the slot's classes of that length.
    by_length: Vec<Vec<usize>>,
    /// The maximal fills, families per length (in the order of `by_length`).
    maximal: Vec<Vec<u32>>,
    /// Per maximal fill, its column.
    columns: Vec<usize>,
}

impl ClassModel {
    pub fn new(instance: &AreaInstance, classes: &[Class]) -> ClassModel {
        let mut vars = ProblemVariables::new();
        let mut objective = Expression::default();
        let mut constraints = Vec::new();
        let mut caps = Vec::new();
        let mut hours_rows = vec![false; instance.rooms.len()];
        let mut columns = Vec::with_capacity(classes.len());
        let mut placed_by_class = Vec::with_capacity(classes.len());
        // Per slot: (y, hours, class size).
        let mut by_slot: Vec<Vec<(Variable, f64, f64)>> = vec![Vec::new(); instance.rooms.len()];
        for class in classes {
            let size = class.members.len() as f64;
            let mut placed = Expression::with_capacity(class.slots.len());
            let mut ys = Vec::with_capacity(class.slots.len());
            for (&slot, &bonus) in class.slots.iter().zip(&class.bonus) {
                ys.push(vars.len());
                let y = vars.add(variable().integer().min(0).max(size));
                objective.add_mul(bonus, y);
                placed.add_mul(1.0, y);
                by_slot[slot].push((y, class.hours, size));
            }
            let mut chosen = Expression::with_capacity(class.groups.len());
            let mut zs = Vec::with_capacity(class.groups.len());
            for &(base, group) in &class.groups {
                zs.push(vars.len());
                let z = vars.add(variable().integer().min(0).max(group as f64));
                objective.add_mul(base, z);
                chosen.add_mul(1.0, z);
            }
            constraints.push(placed.clone().eq(chosen));
            columns.push((ys, zs));
            placed_by_class.push(placed);
        }
        let small = vars.len() < SMALL_MODEL_COLUMNS;
        for (slot, ys) in by_slot.iter().enumerate() {
            let room = &instance.rooms[slot];
            // Rows that cannot bind are left out: the set of plans is the same. The
            // hours row cannot bind when the longest cases that the slots allow fit;
            // the case row cannot when every family may have a slot. In a small model
            // it is also left out when, with the hours row, even the shortest cases
            // one more than the slots overrun the hours by more than HiGHS's
            // tolerance could forgive (a thousandth of an hour; any less and the row
            // stays): the integer plans are the same, but not the LP relaxation, which
            // gets weaker; a small model gains from one row fewer (the national week
            // took 10% less time), a large one loses by the weaker bound (40 x 300
            // seeds 1 and 3 took 1.6 and 1.7 times as long).
            let hours_row =
                hours_within(ys, room.free_cases, |a, b| b.total_cmp(&a)) > room.free_hours;
            hours_rows[slot] = hours_row;
            if hours_row {
                let mut hours = Expression::with_capacity(ys.len());
                for (y, h, _) in ys {
                    hours.add_mul(*h, *y);
                }
                caps.push((constraints.len(), hours.clone(), room.free_hours));
                constraints.push(hours.leq(room.free_hours));
            }
            let crowded = ys.iter().map(|(_, _, n)| n).sum::<f64>() > f64::from(room.free_cases);
            let one_more = room.free_cases.saturating_add(1);
            let implied = small
                && hours_row
                && hours_within(ys, one_more, |a, b| a.total_cmp(&b)) > room.free_hours + 1e-3;
            if crowded && !implied {
                let mut cases = Expression::with_capacity(ys.len());
                for (y, _, _) in ys {
                    cases.add_mul(1.0, *y);
                }
                caps.push((constraints.len(), cases.clone(), f64::from(room.free_cases)));
                constraints.push(cases.leq(f64::from(room.free_cases)));
            }
        }
        ClassModel {
            vars,
            objective,
            constraints,
            columns,
            placed: placed_by_class,
            caps,
            fills: Vec::new(),
            fill_rows: Vec::new(),
            hours_rows,
        }
    }

    /// Adds, for every slot with an hours row and at most [`MOST_FILLS`] maximal
    /// fills, the convex hull of its fills: a fill is how many families of each length
    /// (hours) the slot takes, within its free hours and free cases; a column
    /// `w(s, f)` in [0, 1] per maximal fill (none can take one family more), at most
    /// one of them in all, and per length, the slot's families of that length at most
    /// the sum over fills of `w(s, f)` times the fill's count. Every plan meets these
    /// rows (with `w` = 1 on a maximal fill above its own), so the optimum is the
    /// same; the LP relaxation may no longer split a family over the slack hours of two
    /// supporters, which on weeks of many supporters with little room left (the scaled
    /// national weeks: Kent at 10x, 683 supporters) takes most of its gap to the
    /// optimum away.
    pub fn with_fills(mut self, instance: &AreaInstance, classes: &[Class]) -> ClassModel {
        let mut by_slot: Vec<Vec<(usize, f64, u32)>> = vec![Vec::new(); instance.rooms.len()];
        for ((ys, _), class) in self.columns.iter().zip(classes) {
            for (&y, &slot) in ys.iter().zip(&class.slots) {
                by_slot[slot].push((y, class.hours, class.members.len() as u32));
            }
        }
        let all = self.variables();
        for (slot, ys) in by_slot.into_iter().enumerate() {
            // Without an hours row, the slot's fills are its case row and the class
            // sizes: nothing the LP does not have already.
            if !self.hours_rows[slot] {
                continue;
            }
            let room = &instance.rooms[slot];
            let mut lengths: Vec<(f64, Vec<usize>, u32)> = Vec::new();
            for (y, h, n) in ys {
                match lengths.iter_mut().find(|(l, _, _)| (*l - h).abs() < 1e-9) {
                    Some((_, cols, m)) => {
                        cols.push(y);
                        *m += n;
                    }
                    None => lengths.push((h, vec![y], n)),
                }
            }
            let available: Vec<(f64, u32)> = lengths.iter().map(|(h, _, n)| (*h, *n)).collect();
            let Some(maximal) = maximal_fills(&available, room.free_cases, room.free_hours) else {
                continue;
            };
            let first = self.vars.len();
            let fills: Vec<Variable> = maximal
                .iter()
                .map(|_| self.vars.add(variable().min(0.0).max(1.0)))
                .collect();
            let fills_columns: Vec<usize> = (first..first + fills.len()).collect();
            let mut one = Expression::with_capacity(fills.len());
            for &w in &fills {
                one.add_mul(1.0, w);
            }
            self.fill_rows.push((self.constraints.len(), 1.0));
            self.constraints.push(one.leq(1.0));
            for (k, (_, cols, _)) in lengths.iter().enumerate() {
                let mut row = Expression::with_capacity(cols.len() + fills.len());
                for &y in cols {
                    row.add_mul(1.0, all[y]);
                }
                for (fill, &w) in maximal.iter().zip(&fills) {
                    if fill[k] > 0 {
                        row.add_mul(-f64::from(fill[k]), w);
                    }
                }
                self.fill_rows.push((self.constraints.len(), 0.0));
                self.constraints.push(row.leq(0.0));
            }
            self.fills.push(Fills {
                by_length: lengths.into_iter().map(|(_, cols, _)| cols).collect(),
                maximal,
                columns: fills_columns,
            });
        }
        self
    }

    /// Every column's variable, by column number (to write rows over the `y`s and
    /// `z`s of [`columns`](Self::columns)).
    pub fn variables(&self) -> Vec<Variable> {
        self.vars
            .iter_variables_with_def()
            .map(|(v, _)| v)
            .collect()
    }

    /// Adds `bounds` (from [`Relaxation::bounds_above`] on this model) as rows.
    pub fn impose(&mut self, bounds: &LpBounds) {
        debug_assert!(bounds.caps.is_empty() || bounds.caps.len() == self.caps.len());
        debug_assert_eq!(bounds.columns.len(), self.vars.len());
        let least = self.caps.iter().zip(&bounds.caps);
        let rows: Vec<Constraint> = least
            .filter_map(|((_, lhs, _), least)| least.map(|least| lhs.clone().geq(least)))
            .collect();
        self.constraints.extend(rows);
        let columns = self.variables();
        for (&x, &(lo, hi)) in columns.iter().zip(&bounds.columns) {
            if lo > 0.0 {
                self.constraints.push(Expression::from(x).geq(lo));
            }
            if let Some(hi) = hi {
                self.constraints.push(Expression::from(x).leq(hi));
            }
        }
    }

    /// Fixes, by an equality row, every column where `point` and `other` (values per
    /// column) agree within 1e-6, to its value in `point`; returns, per column, whether
    /// it was fixed.
    pub fn fix_where_equal(&mut self, point: &[f64], other: &[f64]) -> Vec<bool> {
        let columns = self.variables();
        let mut fixed = Vec::with_capacity(columns.len());
        for ((&x, &a), &b) in columns.iter().zip(point).zip(other) {
            let agree = (a - b).abs() < 1e-6;
            if agree {
                self.constraints.push(Expression::from(x).eq(a));
            }
            fixed.push(agree);
        }
        fixed
    }

    /// The values of the class columns for the plan `start`, followed by `extra` (the
    /// columns added after the class model's own).
    pub(crate) fn initial(
        &self,
        instance: &AreaInstance,
        classes: &[Class],
        start: &Choice,
        extra: &[f64],
    ) -> Vec<f64> {
        let mut initial = vec![0.0; self.vars.len()];
        for ((ys, zs), (class, count)) in self
            .columns
            .iter()
            .zip(classes.iter().zip(counts(instance, classes, start)))
        {
            for (&y, &n) in ys.iter().zip(&count) {
                initial[y] = f64::from(n);
            }
            // The placed members are worth the highest bases: fill the groups in order.
            let mut left: usize = count.iter().map(|&n| n as usize).sum();
            for (&z, &(_, group)) in zs.iter().zip(&class.groups) {
                let take = left.min(group);
                initial[z] = take as f64;
                left -= take;
            }
        }
        // Each slot's fill: a maximal one at least as large as the plan's (none, if
        // none is: then the plan breaks a row, and HiGHS drops it as a start).
        for fills in &self.fills {
            let fill: Vec<f64> = fills
                .by_length
                .iter()
                .map(|ys| ys.iter().map(|&y| initial[y]).sum())
                .collect();
            let above = fills.maximal.iter().position(|m| {
                m.iter()
                    .zip(&fill)
                    .all(|(&most, &n)| n <= f64::from(most) + 1e-9)
            });
            if let Some(at) = above {
                initial[fills.columns[at]] = 1.0;
            }
        }
        let added = extra.len().min(initial.len());
        let at = initial.len() - added;
        initial[at..].copy_from_slice(&extra[..added]);
        initial
    }

    /// Maximises `objective` (the score, or any other expression over the model's
    /// columns) from the plan `start` within `limits`; `extra` gives the starting
    /// values of columns added after the class model's own; `stops` says when HiGHS may
    /// stop short of its own proof.
    #[allow(clippy::too_many_arguments)]
    pub fn solve(
        self,
        instance: &AreaInstance,
        classes: &[Class],
        objective: Expression,
        start: &Choice,
        extra: &[f64],
        stops: Stops,
        limits: Limits,
    ) -> Result<MipOutcome, SolveError> {
        let initial = self.initial(instance, classes, start, extra);
        let run = self.run(instance, classes, objective, Some(&initial), stops, limits)?;
        let proven = match run.status {
            HighsModelStatus::Optimal => true,
            // Only asked for when a plan reaching the target is known to be optimal.
            HighsModelStatus::ObjectiveTarget => stops.enough.is_some(),
            HighsModelStatus::ReachedTimeLimit
            | HighsModelStatus::ReachedIterationLimit
            | HighsModelStatus::ReachedSolutionLimit
            | HighsModelStatus::ReachedInterrupt => false,
            // The starting plan is feasible and the objective is bounded, so any
            // other status is a solver failure, reported with HiGHS's own name for it.
            other => {
                return Err(SolveError::Highs {
                    area: instance.area.clone(),
                    status: format!("{other:?}"),
                })
            }
        };
        Ok(MipOutcome {
            choice: run.choice,
            proven,
            bound: run.bound,
        })
    }

    /// Runs HiGHS on the model, from `initial` if given, and reads back its status,
    /// its dual bound and the plan of its best solution (empty if it has none).
    fn run(
        self,
        instance: &AreaInstance,
        classes: &[Class],
        objective: Expression,
        initial: Option<&[f64]>,
        stops: Stops,
        limits: Limits,
    ) -> Result<Run, SolveError> {
        let mut model = quiet_highs(self.vars, objective, self.constraints)?;
        configure(
            &mut model,
            &instance.area,
            limits.seconds,
            limits.nodes,
            initial,
        )?;
        let option = |name: &str| SolveError::Option {
            area: instance.area.clone(),
            option: name.to_string(),
        };
        if let Some(gap) = stops.abs_gap {
            model
                .try_set_option("mip_abs_gap", gap)
                .map_err(|_| option("mip_abs_gap"))?;
        }
        if let Some(cutoff) = stops.cutoff {
            // HiGHS minimises internally: its objective bound is a cutoff on minus the
            // score.
            model
                .try_set_option("objective_bound", -cutoff)
                .map_err(|_| option("objective_bound"))?;
        }
        if let Some(enough) = stops.enough {
            model
                .try_set_option("objective_target", enough)
                .map_err(|_| option("objective_target"))?;
        }
        let solved = run_highs(model, &instance.area)?;
        let status = solved.status();
        let bound = solved
            .double_info_value(c"mip_dual_bound")
            .unwrap_or(f64::INFINITY);
        let values = solved.get_solution();
        let values = values.columns();
        let found: Vec<Vec<u32>> = self
            .columns
            .iter()
            .map(|(ys, _)| {
                ys.iter()
                    .map(|&y| values.get(y).map_or(0, |v| v.round().max(0.0) as u32))
                    .collect()
            })
            .collect();
        Ok(Run {
            status,
            bound,
            choice: expand(instance, classes, &found),
        })
    }

    /// The LP relaxation of the model, maximising `objective`: `None` when HiGHS does
    /// not solve it to optimality.
    pub fn relax(
        mut self,
        instance: &AreaInstance,
        objective: Expression,
        seconds: Option<f64>,
    ) -> Result<Option<Relaxation>, SolveError> {
        let (bounds, integer): (Vec<(f64, f64)>, Vec<bool>) = self
            .vars
            .iter_variables_with_def()
            .map(|(_, d)| ((d.get_min(), d.get_max()), d.is_integer()))
            .unzip();
        let caps = std::mem::take(&mut self.caps);
        let fill_rows = std::mem::take(&mut self.fill_rows);
        let mut lp = quiet_highs(self.vars, objective, self.constraints)?;
        configure(&mut lp, &instance.area, seconds, None, None)?;
        lp.try_set_option("solve_relaxation", true)
            .map_err(|_| SolveError::Option {
                area: instance.area.clone(),
                option: "solve_relaxation".to_string(),
            })?;
        let solved = run_highs(lp, &instance.area)?;
        if solved.status() != HighsModelStatus::Optimal {
            return Ok(None);
        }
        let solution = solved.get_solution();
        // A row's right-hand side, its value in the LP's optimum and its dual value.
        let at_optimum = |row: usize, rhs: f64| {
            let at = solution.rows().get(row).copied().unwrap_or(f64::NAN);
            let dual = solution.dual_rows().get(row).copied().unwrap_or(0.0);
            (rhs, at, dual)
        };
        Ok(Some(Relaxation {
            value: solved.objective_value(),
            values: solution.columns().to_vec(),
            reduced_costs: solution.dual_columns().to_vec(),
            bounds,
            integer,
            caps: caps
                .iter()
                .map(|&(row, _, rhs)| at_optimum(row, rhs))
                .collect(),
            other_rows: fill_rows
                .iter()
                .map(|&(row, rhs)| at_optimum(row, rhs))
                .collect(),
        }))
    }
}

/// A column's lower bound and, where tightened, its upper bound.
pub(crate) type Bounds = (f64, Option<f64>);

/// What every plan scoring at least a floor meets, by LP duality (see
/// [`Relaxation::bounds_above`]).
pub(crate) struct LpBounds {
    /// Per column of the class model, its bounds.
    pub columns: Vec<Bounds>,
    /// Per hours or case row of the model (in the order of its `caps`), the least
    /// its left-hand side may be, where that is above nothing.
    pub caps: Vec<Option<f64>>,
}

impl LpBounds {
    /// Whether `point` (a value per column of the class model) is within every column
    /// bound.
    pub fn columns_met_by(&self, point: &[f64]) -> bool {
        point
            .iter()
            .zip(&self.columns)
            .all(|(&v, &(lo, hi))| v >= lo - 1e-9 && hi.is_none_or(|hi| v <= hi + 1e-9))
    }
}

impl Relaxation {
    /// What every plan scoring at least `floor` meets, from the LP's duals (the
    /// objective maximised). For any plan, LP optimum - score = the sum over rows of
    /// dual x slack plus the sum over columns at a bound of |reduced cost| x distance
    /// from it, every term at least 0; a plan scoring `floor` or more keeps each term
    /// within (LP optimum - floor). So a column with reduced cost d moves at most
    /// gap / d units from its bound, and a supporter's hours or case row with dual p
    /// leaves at most gap / p of its room unused. `None` when `floor` is above the LP's
    /// optimum (beyond its tolerances), or when the LP's solution and duals are not
    /// complementary (a row with slack and a dual, a column between its bounds with a
    /// reduced cost: then the terms above need not all be at least 0).
    pub fn bounds_above(&self, floor: f64) -> Option<LpBounds> {
        const ZERO: f64 = 1e-7;
        let gap = self.value - floor;
        let margin = 1e-6 * self.value.abs().max(1.0);
        if gap.is_nan() || gap < -margin {
            return None;
        }
        let at_bound =
            |x: f64, (lo, hi): (f64, f64)| (x - lo).abs() < ZERO || (x - hi).abs() < ZERO;
        let tight = |at: f64, rhs: f64| at >= rhs - ZERO * rhs.abs().max(1.0);
        let complementary = self
            .values
            .iter()
            .zip(&self.bounds)
            .zip(&self.reduced_costs)
            .all(|((&x, &b), &d)| d.abs() <= ZERO || at_bound(x, b))
            && self
                .caps
                .iter()
                .chain(&self.other_rows)
                .all(|&(rhs, at, dual)| dual.abs() <= ZERO || tight(at, rhs));
        if !complementary {
            return None;
        }
        let room = gap + margin;
        let columns = self
            .bounds
            .iter()
            .zip(self.values.iter().zip(&self.reduced_costs))
            .zip(&self.integer)
            .map(|((&(lo, hi), (&x, &d)), &integer)| {
                let d = d.abs();
                if d <= room {
                    return (lo, None);
                }
                // How far the column may move away from its bound in the LP optimum
                // (whole units, for an integer column).
                let moves = if integer {
                    (room / d).floor()
                } else {
                    room / d
                };
                if (x - lo).abs() < ZERO && lo + moves < hi {
                    (lo, Some(lo + moves))
                } else if (x - hi).abs() < ZERO && hi - moves > lo {
                    ((hi - moves).max(lo), None)
                } else {
                    (lo, None)
                }
            })
            .collect();
        let caps = self
            .caps
            .iter()
            .map(|&(rhs, at, dual)| {
                let dual = dual.abs();
                let least = rhs - room / dual;
                (tight(at, rhs) && dual > ZERO && least > 0.0).then_some(least)
            })
            .collect();
        Some(LpBounds { columns, caps })
    }
}

/// The hours that `cases` of the class columns `ys` (y, hours, class size) take when
/// chosen in the order `by` of their hours: the longest first gives the most hours
/// `cases` families can need, the shortest first the least.
fn hours_within(
    ys: &[(Variable, f64, f64)],
    cases: u32,
    by: impl Fn(f64, f64) -> std::cmp::Ordering,
) -> f64 {
    let mut by_hours: Vec<(f64, f64)> = ys.iter().map(|&(_, h, n)| (h, n)).collect();
    by_hours.sort_by(|a, b| by(a.0, b.0));
    let mut left = f64::from(cases);
    let mut hours = 0.0;
    for (h, n) in by_hours {
        let take = n.min(left);
        hours += h * take;
        left -= take;
        if left <= 0.0 {
            break;
        }
    }
    hours
}

/// Maximal fills a slot may have at most for [`ClassModel::with_fills`]: more are
/// left out (supporters with many free hours, whose knapsack the LP already fills
/// almost exactly).
const MOST_FILLS: usize = 64;

/// The maximal fills of one slot: counts per length of `available` (hours, families
/// of that length) within `room` hours (with the capacity checks' millionth of an
/// hour) and `cases` families, none of which can take one family more. `None` when
/// there are more than [`MOST_FILLS`], or more than `MOST_VISITS` partial fills to
/// look through.
fn maximal_fills(available: &[(f64, u32)], cases: u32, room: f64) -> Option<Vec<Vec<u32>>> {
    fn go(
        available: &[(f64, u32)],
        at: usize,
        fill: &mut Vec<u32>,
        (hours, cases): (f64, u32),
        (out, visits): (&mut Vec<Vec<u32>>, &mut u32),
    ) -> bool {
        *visits += 1;
        if *visits > MOST_VISITS {
            return false;
        }
        if at == available.len() {
            let more = cases > 0
                && available
                    .iter()
                    .zip(fill.iter())
                    .any(|(&(h, n), &k)| k < n && h <= hours);
            if !more {
                out.push(fill.clone());
            }
            return out.len() <= MOST_FILLS;
        }
        let (h, n) = available[at];
        let most = n.min(cases).min(((hours / h) + 1e-9).floor() as u32);
        for k in (0..=most).rev() {
            fill.push(k);
            let left = (hours - f64::from(k) * h, cases - k);
            let kept = go(available, at + 1, fill, left, (&mut *out, &mut *visits));
            fill.pop();
            if !kept {
                return false;
            }
        }
        true
    }
    // Partial fills visited at most: a slot with many lengths and much room has far
    // more fills than MOST_FILLS, and is given up on early.
    const MOST_VISITS: u32 = 20_000;
    let mut out = Vec::new();
    let room = room.max(0.0) + HOURS_EPS;
    let found = go(
        available,
        0,
        &mut Vec::new(),
        (room, cases),
        (&mut out, &mut 0),
    );
    found.then_some(out)
}

/// The LP relaxation of a class model: its optimum, and per column its value, reduced
/// cost and bounds.
pub(crate) struct Relaxation {
    pub value: f64,
    pub values: Vec<f64>,
    pub reduced_costs: Vec<f64>,
    pub bounds: Vec<(f64, f64)>,
    /// Per column, whether it is integer.
    pub integer: Vec<bool>,
    /// Per hours or case row of the model (in the order of its `caps`): its
    /// right-hand side, its value in the LP's optimum and its dual value.
    pub caps: Vec<(f64, f64, f64)>,
    /// The same for the model's other inequality rows (the fills'), which bound
    /// nothing but must be complementary too.
    pub other_rows: Vec<(f64, f64, f64)>,
}

/// When HiGHS may stop short of its own proof.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Stops {
    /// HiGHS's absolute gap, where its default (1e-6) is too fine for the objective.
    pub abs_gap: Option<f64>,
    /// Only plans scoring more than this are searched for (none found: none exists).
    pub cutoff: Option<f64>,
    /// Stop as soon as a plan scores more than this (one that does is known to be
    /// optimal).
    pub enough: Option<f64>,
}

/// What HiGHS made of one model.
struct Run {
    status: HighsModelStatus,
    bound: f64,
    choice: Choice,
}

/// Column numbers of one class's `y(k, s)` (in slot order) and `z(k, g)`.
type ClassColumns = (Vec<usize>, Vec<usize>);

/// Models with fewer columns are small: they leave out the case rows that the hours
/// rows imply for integer plans (see [`ClassModel::new`]). Every model runs HiGHS's
/// whole presolve: small ones once left out probing and enumeration (7% less time on
/// the national week), but HiGHS (1.15.0, and 1.16.0 too) then mishandled the start
/// plan on some models and proved a wrong optimum (DESIGN.md, "Areas without a MIP").
const SMALL_MODEL_COLUMNS: usize = 1000;

/// Rounds from the LP bound at most (see [`solve_area`]): the first at the bound, the
/// second two steps under it. A third, six steps under, made the scaled national weeks
/// and some hard weeks slower when tried.
const ROUNDS: usize = 2;
/// Areas with fewer arcs take the plain MIP: an LP and a round cost them more than
/// the few nodes HiGHS needs (with rounds everywhere, the national week's small areas
/// took nearly twice as long).
const ROUNDS_FROM_ARCS: usize = 1000;
/// Branch-and-bound nodes a round may take (a whole round out of nodes gives way to
/// the full MIP; the start plan's neighbourhood, to the whole rounds): a node limit,
/// not a time limit, so the plan is the same on every machine.
const ROUND_NODES: u32 = 200;

/// The step of the score grid: every arc's score is a whole multiple of it (weights
/// times twentieths plus the local bonus, by default multiples of 0.05), so every
/// plan's total is too. `None` when no step 1/q with q up to 1000 fits.
pub(crate) fn score_grid(instance: &AreaInstance) -> Option<f64> {
    (1..=1000u32).map(f64::from).find_map(|q| {
        let fits = instance
            .candidates
            .iter()
            .flat_map(|c| &c.arcs)
            .all(|a| ((a.score * q) - (a.score * q).round()).abs() <= 1e-6);
        fits.then_some(1.0 / q)
    })
}

/// Solves one area's MIP from the `start` plan, within `limits`: the aggregated model
/// of [`crate::classes`], whose optimum is the per-family model's.
///
/// Plans score on a grid (see [`score_grid`]), so the LP relaxation's bound rounded
/// down to it, `top`, bounds every plan. On tight weeks the optimum is often `top`
/// itself or a step or two below, and the hard part is finding that plan, not proving
/// it. So the MIP is first run with a cutoff half a step below `top`: HiGHS then
/// searches only plans reaching `top`, pruning everything else from the start. A plan
/// found is optimal; none found lowers `top` by a step, and a second round looks two
/// steps lower (the best plan above a cutoff is the optimum whenever one exists). Each
/// round may take a few hundred nodes. Before them, a round at `top` searches only the
/// start plan's neighbourhood: the plans keeping every column where it agrees with the
/// LP's optimum (RINS, in MIP terms); finding none there lowers nothing. That model is
/// small, so HiGHS is through it in milliseconds, and on many tight areas it holds a
/// plan reaching `top`, which a whole round spends most of a second of root work to
/// find. Then the full MIP runs from the better of `start` and the rounds' plans,
/// stopping as soon as a plan reaches `top` (which the rounds have shown nothing
/// beats). Areas under [`ROUNDS_FROM_ARCS`] arcs take the plain MIP.
pub(crate) fn solve_area(
    instance: &AreaInstance,
    start: &Choice,
    limits: Limits,
) -> Result<MipOutcome, SolveError> {
    let rounds = (instance.pairs() >= ROUNDS_FROM_ARCS).then_some(ROUNDS);
    solve_area_with(instance, start, limits, rounds)
}

/// [`solve_area`] with at most `rounds` rounds from the LP bound (after the start
/// plan's neighbourhood, when there are any), or (`None`) the plain MIP.
fn solve_area_with(
    instance: &AreaInstance,
    start: &Choice,
    limits: Limits,
    rounds: Option<usize>,
) -> Result<MipOutcome, SolveError> {
    let started = Instant::now();
    let left = |limits: Limits| Limits {
        seconds: limits
            .seconds
            .map(|s| (s - started.elapsed().as_secs_f64()).max(0.0)),
        ..limits
    };
    let classes = classes(instance);
    // The best plan so far: the start, or a round's plan that scores more.
    let mut best_start = start.clone();
    let mut best_value = greedy_objective(instance, start);
    let mut stops = Stops::default();
    let mut top = f64::INFINITY;
    if let Some((step, rounds)) = score_grid(instance).zip(rounds) {
        let relax = |mut model: ClassModel| {
            let objective = std::mem::take(&mut model.objective);
            model.relax(instance, objective, left(limits).seconds)
        };
        // A twentieth of a step of room for the LP's tolerances: a value reported a
        // hair under the true optimum must not round down a step (a `top` a step too
        // high only costs a round).
        let grid_point = |value: f64| (value / step + 0.05).floor() * step;
        let margin = 1e-3 * step;
        // The bound comes from the LP with every slot's fills: on weeks of supporters
        // with little room left it is much the tighter (see `with_fills`). The MIPs
        // below are on the model without them, whose columns come first.
        let lp = relax(ClassModel::new(instance, &classes).with_fills(instance, &classes))?;
        if let Some(lp) = lp {
            top = grid_point(lp.value);
            // The rounds: first the start plan's neighbourhood at the bound, then
            // round k at 2^(k+1) - 2 steps under the bound (0, 2, 6...). The best plan
            // above a cutoff is the optimum whenever one exists, so a round looking
            // deeper covers the steps it skips, at less pruning.
            let near_start = (rounds > 0).then_some((0.0, true));
            let schedule = near_start
                .into_iter()
                .chain((0..rounds).map(|k| (((1u64 << (k + 1).min(40)) - 2) as f64, false)));
            for (depth, near) in schedule {
                if best_value >= top - margin {
                    // The best plan reaches the bound: nothing is left to find.
                    return Ok(MipOutcome {
                        choice: best_start,
                        proven: true,
                        bound: best_value,
                    });
                }
                let target = top - depth * step;
                let mut model = ClassModel::new(instance, &classes);
                let objective = std::mem::take(&mut model.objective);
                // Only plans scoring the target are searched for, and no such plan
                // moves a column further from the LP's optimum than its reduced cost
                // allows, or leaves more room than a row's dual allows. The LP's value
                // gets the same twentieth of a step of room as `top`, so that a value
                // reported a hair low cannot bound out a plan reaching the target.
                if let Some(mut bounds) = lp.bounds_above(target - step / 20.0) {
                    bounds.columns.truncate(model.vars.len());
                    model.impose(&bounds);
                }
                if near {
                    // Only plans keeping every column where the best plan and the LP's
                    // optimum agree: a small model, searched in a fraction of the time
                    // of a whole round.
                    let point = model.initial(instance, &classes, &best_start, &[]);
                    model.fix_where_equal(&point, &lp.values[..point.len()]);
                }
                let round = Stops {
                    abs_gap: Some(0.99 * step),
                    cutoff: Some(target - step / 2.0),
                    enough: None,
                };
                let nodes = limits.nodes.map_or(ROUND_NODES, |n| n.min(ROUND_NODES));
                let round_limits = Limits {
                    nodes: Some(nodes),
                    ..left(limits)
                };
                let run = model.run(instance, &classes, objective, None, round, round_limits)?;
                let found = greedy_objective(instance, &run.choice);
                // A whole round searched to the end: HiGHS's plan is the best above the
                // cutoff if it reaches the target; otherwise no plan reaches the target,
                // and the bound drops under it. (A neighbourhood searched to the end
                // says nothing of the plans outside it.)
                let searched = !near
                    && matches!(
                        run.status,
                        HighsModelStatus::Optimal
                            | HighsModelStatus::Infeasible
                            | HighsModelStatus::ObjectiveBound
                    );
                if searched && found < target - margin {
                    top = target - step;
                }
                // So a plan reaching the target of a finished search is optimal, and one
                // reaching the bound is, whatever stopped the round.
                let optimal_from = if searched { top.min(target) } else { top };
                let fits = respects_capacity(instance, &run.choice);
                if fits && found >= optimal_from - margin {
                    return Ok(MipOutcome {
                        bound: found,
                        choice: run.choice,
                        proven: true,
                    });
                }
                if fits && found > best_value + margin {
                    best_value = found;
                    best_start = run.choice;
                }
                if !searched && !near {
                    break; // out of nodes (or time): the full MIP takes over
                }
            }
            stops = Stops {
                abs_gap: Some(0.99 * step),
                cutoff: None,
                enough: Some(top - step / 2.0),
            };
        }
    }
    let mut model = ClassModel::new(instance, &classes);
    let objective = std::mem::take(&mut model.objective);
    let outcome = model.solve(
        instance,
        &classes,
        objective,
        &best_start,
        &[],
        stops,
        left(limits),
    )?;
    Ok(MipOutcome {
        bound: outcome.bound.min(top),
        ..outcome
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::classes::tests::{
        brute_force, draws, every_plan, random_area, random_rooms, room_with,
    };
    use crate::greedy::{greedy, objective};
    use crate::instance::Room;
    use std::collections::HashMap;

    /// Every way through `solve_area` (the plain MIP; no round, so the full MIP stops
    /// at the LP's grid point; one round; the default; rounds until a plan is found)
    /// reaches the brute-force optimum on random tiny areas, proves it, and reports it
    /// as the bound; and areas whose scores are off any grid take the plain MIP.
    #[test]
    fn every_way_from_the_lp_bound_reaches_the_brute_force_optimum() {
        let mut draw = draws(0x2545_f491_4f6c_dd1d);
        let mut off_grid = 0;
        for trial in 0..300 {
            let rooms = random_rooms(&mut draw);
            let mut instance = random_area(&mut draw, rooms, 7, &[0.5, 1.0, 1.5, 2.0]);
            let with_arcs = instance.candidates.iter().position(|c| !c.arcs.is_empty());
            if let Some(c) = with_arcs.filter(|_| trial % 10 == 0) {
                // A score no grid of 1/q, q <= 1000, holds.
                for arc in &mut instance.candidates[c].arcs {
                    arc.score += 1.0 / 3001.0;
                }
                assert_eq!(score_grid(&instance), None);
                off_grid += 1;
            } else {
                // Bases 1, 2, 2.2 and 4, bonus 0.05: a step of 0.05 at the finest.
                let step = score_grid(&instance).unwrap();
                assert!(step >= 0.05 - 1e-12, "{step}");
            }
            if instance.candidates.iter().all(|c| c.arcs.is_empty()) {
                continue;
            }
            let best = brute_force(&instance);
            for rounds in [None, Some(0), Some(1), Some(ROUNDS), Some(1000)] {
                for start in [vec![None; instance.candidates.len()], greedy(&instance)] {
                    let outcome =
                        solve_area_with(&instance, &start, Limits::default(), rounds).unwrap();
                    let value = objective(&instance, &outcome.choice);
                    assert!(outcome.proven, "rounds {rounds:?}: {instance:?}");
                    assert!(respects_capacity(&instance, &outcome.choice));
                    assert!(
                        (value - best).abs() < 1e-9,
                        "rounds {rounds:?}: {value} vs {best}: {instance:?}"
                    );
                    assert!((outcome.bound - best).abs() < 1e-6, "{}", outcome.bound);
                }
            }
        }
        assert!(off_grid > 20);
    }

    /// Two or three supporters with half an hour to four hours free and one to
    /// `most_cases` free slots: tiny areas where hours bind.
    pub(crate) fn tight_rooms(draw: &mut impl FnMut(u64) -> u64, most_cases: u64) -> Vec<Room> {
        (0..2 + draw(2))
            .map(|_| Room {
                free_hours: 0.5 * (1 + draw(8)) as f64,
                ..room_with(1 + draw(most_cases) as u32)
            })
            .collect()
    }

    /// With a node limit of one or a few nodes per HiGHS run, every way still returns a
    /// plan that fits, never claims a proof it does not have, and never reports a bound
    /// under the optimum.
    #[test]
    fn stopped_early_the_rounds_claim_nothing_false() {
        let mut draw = draws(0x9e6c_63d0_676a_9a99);
        for _ in 0..150 {
            let rooms = tight_rooms(&mut draw, 4);
            let instance = random_area(&mut draw, rooms, 7, &[0.5, 1.0, 1.5, 2.0]);
            if instance.candidates.iter().all(|c| c.arcs.is_empty()) {
                continue;
            }
            let best = brute_force(&instance);
            let start = greedy(&instance);
            for nodes in [1, 3] {
                for rounds in [None, Some(0), Some(ROUNDS)] {
                    let limits = Limits {
                        seconds: None,
                        nodes: Some(nodes),
                    };
                    let outcome = solve_area_with(&instance, &start, limits, rounds).unwrap();
                    let value = objective(&instance, &outcome.choice);
                    assert!(respects_capacity(&instance, &outcome.choice));
                    assert!(value <= best + 1e-9);
                    assert!(!outcome.proven || (value - best).abs() < 1e-9);
                    assert!(outcome.bound >= best - 1e-6, "{} < {best}", outcome.bound);
                }
            }
        }
    }

    /// On areas too big for a brute force, tight on hours, the rounds and the plain
    /// MIP prove the same optimum.
    #[test]
    fn the_rounds_and_the_plain_mip_agree_where_hours_bind() {
        let mut draw = draws(0x51_7cc1_b727_220a);
        let mut greedy_short = 0;
        for _ in 0..12 {
            let rooms: Vec<Room> = (0..6)
                .map(|_| Room {
                    free_hours: 0.5 * (2 + draw(10)) as f64,
                    ..room_with(8)
                })
                .collect();
            let instance = random_area(&mut draw, rooms, 60, &[0.5, 1.0, 1.5, 2.0, 3.0, 4.0]);
            let start = greedy(&instance);
            let plain = solve_area_with(&instance, &start, Limits::default(), None).unwrap();
            let rounds =
                solve_area_with(&instance, &start, Limits::default(), Some(ROUNDS)).unwrap();
            assert!(plain.proven && rounds.proven);
            assert!(respects_capacity(&instance, &rounds.choice));
            let (a, b) = (
                objective(&instance, &plain.choice),
                objective(&instance, &rounds.choice),
            );
            assert!((a - b).abs() < 1e-9, "{a} vs {b}");
            greedy_short += usize::from(objective(&instance, &start) < b - 1e-9);
        }
        assert!(
            greedy_short >= 4,
            "only {greedy_short} areas left the greedy plan short"
        );
    }

    /// A random tiny area of seven families in `rooms`, its classes and the LP
    /// relaxation of its class model; `None` when no family has an arc.
    fn area_and_lp(
        draw: &mut impl FnMut(u64) -> u64,
        rooms: Vec<Room>,
        hours: &[f64],
    ) -> Option<(AreaInstance, Vec<Class>, Relaxation)> {
        let instance = random_area(draw, rooms, 7, hours);
        if instance.candidates.iter().all(|c| c.arcs.is_empty()) {
            return None;
        }
        let classes = classes(&instance);
        let lp = lp_of(&instance, &classes, false);
        Some((instance, classes, lp))
    }

    /// The LP relaxation of the class model, with every slot's fills or without.
    fn lp_of(instance: &AreaInstance, classes: &[Class], fills: bool) -> Relaxation {
        let mut model = ClassModel::new(instance, classes);
        if fills {
            model = model.with_fills(instance, classes);
        }
        let score = std::mem::take(&mut model.objective);
        model.relax(instance, score, None).unwrap().unwrap()
    }

    /// The maximal fills are exactly the fills, by trying them all, that fit the
    /// hours (to the capacity checks' millionth) and the cases and that no family
    /// more would fit; too many of them give `None`.
    #[test]
    fn the_maximal_fills_are_those_no_family_more_fits() {
        let mut draw = draws(0x2545_f491_4f6c_dd1d);
        let lengths = [0.5, 1.0, 1.5, 2.0, 3.0, 4.0];
        let mut several = 0;
        for _ in 0..500 {
            let available: Vec<(f64, u32)> = (0..1 + draw(4))
                .map(|_| (lengths[draw(6) as usize], draw(5) as u32))
                .collect();
            let cases = draw(6) as u32;
            // Sometimes a hair under the half hour (as hours left after open cases
            // can be): the checks' tolerance still lets a family of that length in.
            let room = 0.5 * draw(14) as f64 - if draw(3) == 0 { 1e-9 } else { 0.0 };
            let fits = |fill: &[u32]| {
                let hours: f64 = fill
                    .iter()
                    .zip(&available)
                    .map(|(&k, &(h, _))| f64::from(k) * h)
                    .sum();
                fill.iter().sum::<u32>() <= cases && hours <= room + HOURS_EPS
            };
            let mut every: Vec<Vec<u32>> = vec![Vec::new()];
            for &(_, n) in &available {
                every = every
                    .into_iter()
                    .flat_map(|fill| {
                        (0..=n).map(move |k| {
                            let mut more = fill.clone();
                            more.push(k);
                            more
                        })
                    })
                    .collect();
            }
            let mut maximal: Vec<Vec<u32>> = every
                .iter()
                .filter(|fill| fits(fill))
                .filter(|fill| {
                    (0..fill.len()).all(|k| {
                        let mut more = fill.to_vec();
                        more[k] += 1;
                        more[k] > available[k].1 || !fits(&more)
                    })
                })
                .cloned()
                .collect();
            maximal.sort();
            match maximal_fills(&available, cases, room) {
                Some(mut found) => {
                    found.sort();
                    assert_eq!(found, maximal, "{available:?}, {cases} cases, {room} hours");
                    several += usize::from(found.len() > 1);
                }
                None => assert!(maximal.len() > MOST_FILLS, "{available:?}"),
            }
        }
        assert!(several > 100, "{several} slots with several maximal fills");
    }

    /// The fills cut off no plan: every plan of random tiny areas has, at each slot
    /// given fills, a maximal fill at least as large as its own (`initial` sets one
    /// fill column per such slot), and plans spread over the whole list, fixed on the
    /// model with fills, are feasible points of its LP; the LP with fills bounds the
    /// brute-force optimum, is never above the LP without them, and on many areas is
    /// below.
    #[test]
    fn the_fills_keep_every_plan_and_tighten_the_lp() {
        let mut draw = draws(0x6a09_e667_f3bc_c908);
        let (mut tighter, mut plans_checked) = (0, 0);
        for _ in 0..120 {
            let rooms = tight_rooms(&mut draw, 3);
            let Some((instance, classes, plain)) =
                area_and_lp(&mut draw, rooms, &[1.0, 1.5, 2.0, 3.0])
            else {
                continue;
            };
            let with_fills = lp_of(&instance, &classes, true);
            let best = brute_force(&instance);
            assert!(
                with_fills.value >= best - 1e-6,
                "{} < {best}",
                with_fills.value
            );
            assert!(with_fills.value <= plain.value + 1e-6);
            tighter += usize::from(with_fills.value < plain.value - 1e-6);
            let plans = every_plan(&instance);
            let model = ClassModel::new(&instance, &classes).with_fills(&instance, &classes);
            for plan in &plans {
                let point = model.initial(&instance, &classes, plan, &[]);
                for fills in &model.fills {
                    let chosen = fills.columns.iter().filter(|&&w| point[w] == 1.0).count();
                    assert_eq!(chosen, 1, "{plan:?} has no fill at a slot: {instance:?}");
                }
            }
            let every = (plans.len() / 12).max(1);
            for plan in plans.iter().step_by(every) {
                let mut model =
                    ClassModel::new(&instance, &classes).with_fills(&instance, &classes);
                let score = std::mem::take(&mut model.objective);
                let point = model.initial(&instance, &classes, plan, &[]);
                model.fix_where_equal(&point, &point);
                let lp = model.relax(&instance, score, None).unwrap();
                assert!(lp.is_some(), "{plan:?} cut off: {instance:?}");
                plans_checked += 1;
            }
        }
        assert!(
            tighter > 20,
            "the fills tightened the LP on {tighter} areas"
        );
        assert!(plans_checked > 500, "{plans_checked}");
    }

    /// The bounds read from the LP's duals hold for every plan scoring at least the
    /// floor (every plan of random tiny areas, tried one by one, at the optimum and a
    /// few grid steps under it), and they do cut: plans under the floor break column
    /// bounds and row bounds alike.
    #[test]
    fn the_lp_bounds_hold_for_every_plan_scoring_the_floor() {
        let mut draw = draws(0x3c6e_f372_fe94_f82b);
        let (mut columns_bound, mut rows_bound) = (0, 0);
        // Plans under the floor that a column bound, or a row bound, rules out.
        let (mut columns_cut, mut rows_cut) = (0, 0);
        // The same, from the LP with fills.
        let mut fills_cut = 0;
        for trial in 0..200 {
            let rooms = tight_rooms(&mut draw, 3);
            // Every other area of few hours values: classes of several members, whose
            // columns may move more than one unit.
            let hours: &[f64] = if trial % 2 == 0 {
                &[1.0, 2.0]
            } else {
                &[0.5, 1.0, 1.5, 2.0]
            };
            let Some((instance, classes, plain)) = area_and_lp(&mut draw, rooms, hours) else {
                continue;
            };
            let plans = every_plan(&instance);
            let best = brute_force(&instance);
            let step = score_grid(&instance).unwrap();
            let model = ClassModel::new(&instance, &classes);
            let variables = model.variables();
            // The LP with the slots' fills bounds the columns of the model without
            // them (its own come first); its fill columns are continuous.
            let with_fills = lp_of(&instance, &classes, true);
            for (depth, fills) in [0.0, 1.0, 3.0, 10.0]
                .into_iter()
                .flat_map(|d| [(d, false), (d, true)])
            {
                let lp = if fills { &with_fills } else { &plain };
                let floor = best - depth * step - 1e-3 * step;
                let bounds = lp.bounds_above(floor).expect("the LP bounds the optimum");
                if !fills {
                    columns_bound += bounds
                        .columns
                        .iter()
                        .zip(&lp.bounds)
                        .filter(|((lo, hi), (lo0, hi0))| lo > lo0 || hi.is_some_and(|hi| hi < *hi0))
                        .count();
                    rows_bound += bounds.caps.iter().flatten().count();
                }
                for plan in &plans {
                    // The plan as a point of the class model (a point scoring at
                    // least as much: the placed members are counted best base first).
                    let point = model.initial(&instance, &classes, plan, &[]);
                    let columns_met = bounds.columns_met_by(&point);
                    let values: HashMap<Variable, f64> =
                        variables.iter().copied().zip(point).collect();
                    let rows_met =
                        model
                            .caps
                            .iter()
                            .zip(&bounds.caps)
                            .all(|((_, lhs, _), least)| {
                                least.is_none_or(|least| lhs.eval_with(&values) >= least - 1e-9)
                            });
                    if objective(&instance, plan) >= floor {
                        assert!(
                            columns_met,
                            "{plan:?} at {depth} steps ({fills}): {instance:?}"
                        );
                        assert!(
                            rows_met,
                            "{plan:?} at {depth} steps ({fills}): {instance:?}"
                        );
                    } else if fills {
                        fills_cut += usize::from(!columns_met || !rows_met);
                    } else {
                        columns_cut += usize::from(!columns_met);
                        rows_cut += usize::from(!rows_met);
                    }
                }
            }
        }
        assert!(columns_bound > 450, "{columns_bound} columns bound");
        assert!(rows_bound > 20, "{rows_bound} rows bound");
        assert!(columns_cut > 8000, "{columns_cut} plans cut by columns");
        assert!(rows_cut > 5000, "{rows_cut} plans cut by rows");
        assert!(
            fills_cut > 5000,
            "{fills_cut} plans cut by the LP with fills"
        );
    }

    /// The neighbourhood round's model: the columns where the start plan and the LP
    /// agree are kept, the start plan is in it, and on tight areas it often holds a
    /// better plan, sometimes the optimum.
    #[test]
    fn the_neighbourhood_keeps_where_the_plan_and_the_lp_agree() {
        let mut draw = draws(0x9e37_79b9_7f4a_7c15);
        let (mut fixed, mut free, mut better, mut optimal) = (0, 0, 0, 0);
        for _ in 0..200 {
            let rooms = tight_rooms(&mut draw, 3);
            let hours = &[0.5, 1.0, 1.5, 2.0];
            let Some((instance, classes, lp)) = area_and_lp(&mut draw, rooms, hours) else {
                continue;
            };
            let start = greedy(&instance);
            let mut model = ClassModel::new(&instance, &classes);
            let score = std::mem::take(&mut model.objective);
            let point = model.initial(&instance, &classes, &start, &[]);
            let agree = model.fix_where_equal(&point, &lp.values);
            fixed += agree.iter().filter(|&&a| a).count();
            free += agree.iter().filter(|&&a| !a).count();
            let ys: Vec<usize> = model
                .columns
                .iter()
                .flat_map(|(ys, _)| ys.clone())
                .collect();
            let run = model
                .run(
                    &instance,
                    &classes,
                    score,
                    None,
                    Stops::default(),
                    Limits::default(),
                )
                .unwrap();
            assert!(
                matches!(run.status, HighsModelStatus::Optimal),
                "{instance:?}"
            );
            assert!(respects_capacity(&instance, &run.choice));
            let found =
                ClassModel::new(&instance, &classes).initial(&instance, &classes, &run.choice, &[]);
            for &y in &ys {
                if agree[y] {
                    assert_eq!(found[y], point[y], "column {y}: {instance:?}");
                }
            }
            let (value, from, best) = (
                objective(&instance, &run.choice),
                objective(&instance, &start),
                brute_force(&instance),
            );
            assert!(value >= from - 1e-9 && value <= best + 1e-9, "{instance:?}");
            better += usize::from(value > from + 1e-9);
            optimal += usize::from(value > from + 1e-9 && value >= best - 1e-9);
        }
        assert!(fixed > 2 * free, "{fixed} columns fixed, {free} free");
        assert!(
            better > 15,
            "{better} areas with a better plan near the start"
        );
        assert!(
            optimal > 15,
            "{optimal} areas with the optimum near the start"
        );
    }

    #[test]
    fn the_score_grid_is_the_coarsest_step_every_score_is_a_multiple_of() {
        let mut draw = draws(7);
        let mut instance = random_area(&mut draw, vec![room_with(3); 2], 5, &[1.0]);
        for (c, candidate) in instance.candidates.iter_mut().enumerate() {
            for arc in &mut candidate.arcs {
                // Weight 1.5 by twentieths of urgency: multiples of 1.5 / 20 = 0.075.
                arc.score = 1.5 * (1.0 + (c % 20) as f64 / 20.0);
            }
        }
        let step = score_grid(&instance).unwrap();
        // 0.075 = 3/40: the coarsest 1/q step holding every such score is 1/40.
        assert!((step - 1.0 / 40.0).abs() < 1e-12, "{step}");
    }
}
