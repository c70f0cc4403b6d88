//! The weekly allocation MIP, built with good_lp and solved by HiGHS.

use good_lp::{
    solvers::highs::highs, variable, Constraint, Expression, ProblemVariables, SolverModel,
    Variable,
};
use highs::HighsModelStatus;

use crate::classes::{classes, counts, expand, Class};
use crate::greedy::Choice;
use crate::instance::AreaInstance;
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
        let problem = highs(self.vars.maximise(self.objective)).with_all(self.constraints);
        let mut model = problem.try_into_inner().map_err(SolveError::Build)?;
        model.make_quiet();
        Ok((model, self.names))
    }
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
}

impl ClassModel {
    pub fn new(instance: &AreaInstance, classes: &[Class]) -> ClassModel {
        let mut vars = ProblemVariables::new();
        let mut objective = Expression::default();
        let mut constraints = Vec::new();
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
        for (slot, ys) in by_slot.iter().enumerate() {
            let room = &instance.rooms[slot];
            // Rows that cannot bind are left out: the optimum is the same.
            if ys.iter().map(|(_, h, n)| h * n).sum::<f64>() > room.free_hours {
                let mut hours = Expression::with_capacity(ys.len());
                for (y, h, _) in ys {
                    hours.add_mul(*h, *y);
                }
                constraints.push(hours.leq(room.free_hours));
            }
            if ys.iter().map(|(_, _, n)| n).sum::<f64>() > f64::from(room.free_cases) {
                let mut cases = Expression::with_capacity(ys.len());
                for (y, _, _) in ys {
                    cases.add_mul(1.0, *y);
                }
                constraints.push(cases.leq(f64::from(room.free_cases)));
            }
        }
        ClassModel {
            vars,
            objective,
            constraints,
            columns,
            placed: placed_by_class,
        }
    }

    /// Every column's variable, by column number (to write rows over the `y`s and
    /// `z`s of [`columns`](Self::columns)).
    pub fn variables(&self) -> Vec<Variable> {
        self.vars
            .iter_variables_with_def()
            .map(|(v, _)| v)
            .collect()
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
        let added = extra.len().min(initial.len());
        let at = initial.len() - added;
        initial[at..].copy_from_slice(&extra[..added]);
        initial
    }

    /// Maximises `objective` (the score, or any other expression over the model's
    /// columns) from the plan `start` within `limits`; `extra` gives the starting
    /// values of columns added after the class model's own. `abs_gap`: HiGHS's
    /// absolute gap, where its default (1e-6) is too coarse for the objective.
    #[allow(clippy::too_many_arguments)]
    pub fn solve(
        self,
        instance: &AreaInstance,
        classes: &[Class],
        objective: Expression,
        start: &Choice,
        extra: &[f64],
        abs_gap: Option<f64>,
        limits: Limits,
    ) -> Result<MipOutcome, SolveError> {
        let initial = self.initial(instance, classes, start, extra);
        let problem = highs(self.vars.maximise(objective)).with_all(self.constraints);
        let mut model = problem.try_into_inner().map_err(SolveError::Build)?;
        model.make_quiet();
        configure(
            &mut model,
            &instance.area,
            limits.seconds,
            limits.nodes,
            &initial,
        )?;
        if let Some(gap) = abs_gap {
            model
                .try_set_option("mip_abs_gap", gap)
                .map_err(|_| SolveError::Option {
                    area: instance.area.clone(),
                    option: "mip_abs_gap".to_string(),
                })?;
        }
        let solved = model.try_solve().map_err(|status| SolveError::Highs {
            area: instance.area.clone(),
            status: format!("{status:?}"),
        })?;
        let proven = match solved.status() {
            HighsModelStatus::Optimal => true,
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
                    .map(|&y| values[y].round().max(0.0) as u32)
                    .collect()
            })
            .collect();
        Ok(MipOutcome {
            choice: expand(instance, classes, &found),
            proven,
            bound,
        })
    }
}

/// Column numbers of one class's `y(k, s)` (in slot order) and `z(k, g)`.
type ClassColumns = (Vec<usize>, Vec<usize>);

/// Solves one area's MIP from the `start` plan, within `limits`: the aggregated model
/// of [`crate::classes`], whose optimum is the per-family model's.
pub(crate) fn solve_area(
    instance: &AreaInstance,
    start: &Choice,
    limits: Limits,
) -> Result<MipOutcome, SolveError> {
    let classes = classes(instance);
    let mut model = ClassModel::new(instance, &classes);
    let objective = std::mem::take(&mut model.objective);
    model.solve(instance, &classes, objective, start, &[], None, limits)
}
