//! The HiGHS settings every model of the week is solved with.

use crate::SolveError;

/// Sets one thread (areas already run in parallel, and a single-threaded HiGHS gives the
/// same answer on every run), a zero relative gap (proven optima only), the feasibility
/// jump only without a starting plan (it looks for a first feasible plan: wasted where
/// one is given; in the rounds from the LP bound, which start from none, it finds one
/// sooner), the time left, an optional node limit, and the starting plan `initial` (one
/// value per column), if any.
pub(crate) fn configure(
    model: &mut highs::Model,
    area: &str,
    seconds: Option<f64>,
    nodes: Option<u32>,
    initial: Option<&[f64]>,
) -> Result<(), SolveError> {
    let option = |name: &str| SolveError::Option {
        area: area.to_string(),
        option: name.to_string(),
    };
    model
        .try_set_option("threads", 1)
        .map_err(|_| option("threads"))?;
    model
        .try_set_option("mip_rel_gap", 0.0)
        .map_err(|_| option("mip_rel_gap"))?;
    model
        .try_set_option("mip_heuristic_run_feasibility_jump", initial.is_none())
        .map_err(|_| option("mip_heuristic_run_feasibility_jump"))?;
    if let Some(seconds) = seconds {
        model
            .try_set_option("time_limit", seconds.max(1e-3))
            .map_err(|_| option("time_limit"))?;
    }
    if let Some(nodes) = nodes {
        let nodes = i32::try_from(nodes).unwrap_or(i32::MAX);
        model
            .try_set_option("mip_max_nodes", nodes)
            .map_err(|_| option("mip_max_nodes"))?;
    }
    match initial {
        Some(initial) => model
            .try_set_solution(Some(initial), None, None, None)
            .map_err(|_| option("initial solution")),
        None => Ok(()),
    }
}
