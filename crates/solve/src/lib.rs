//! Weekly allocation for caseload: who is eligible for whom (with reason codes), the
//! default objective, and the MIP that picks new assignments, one independent model
//! per area solved in parallel with HiGHS.
//!
//! ```
//! use std::path::Path;
//! use caseload_model::{Caseload, PlanningWeek, Policy};
//! use caseload_solve::{allocate, Optimal, Options};
//!
//! let supporters = "supporter_id,area,status,hours_per_week,max_cases,local\n\
//!                   S1,E06000043,paid,4,1,true\n";
//! let referrals = "referral_id,area,received,source,consent,kind,priority,complexity\n\
//!                  R1,E06000043,2015-10-12,self,,new,2,medium\n\
//!                  R2,E06000043,2015-10-19,la,true,new,4,medium\n";
//! let caseload = Caseload::from_bytes(
//!     Path::new("supporters.csv"), supporters.as_bytes(),
//!     Path::new("referrals.csv"), referrals.as_bytes(),
//! )?;
//! let week = PlanningWeek::parse("2015-11-02")?;
//! let plan = allocate(&caseload, week, &Policy::default(), &Optimal, &Options::default())?;
//! // One slot: the priority-4 family (score 8 * 1.1 + 0.05) is chosen.
//! assert_eq!(plan.assignments[0].referral_id, "R2");
//! assert_eq!(plan.solver.objective, 8.85);
//! assert_eq!(plan.waiting[0].reason.code(), "capacity");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Overview
//!
//! - [`eligibility`]: the contract's eight checks, in order, and the reason code of a
//!   family no supporter may take.
//! - [`score`]: `score(r, s) = weight(r) * urgency(r) + local bonus`.
//! - [`allocate`] splits the week into one independent problem per area, runs an
//!   [`AreaAllocator`] on each in parallel (rayon), and assembles the [`Plan`]:
//!   every active referral is in `assignments` or `waiting`, exactly once.
//! - [`Optimal`] solves each area's MIP to proven optimality with HiGHS, starting
//!   from the greedy plan, and skips the solver when the greedy plan reaches the
//!   upper bound (every family got its best possible score) or the area, without its
//!   hours limits, is an assignment problem whose best matching fits them anyway.
//!   [`Greedy`] is the fast baseline.
//! - [`area_weeks`] gives a caller that replays many weeks (the simulator) each area's
//!   week as an [`AreaWeek`], to fill in an order of its own or optimally, without
//!   the index-level problem behind it, which stays private.
//! - [`explain`] tells one family's story; [`export_model`] writes the MIP as
//!   `.lp` or `.mps` for any other solver to check.
#![deny(missing_docs)]
// `export` is the one module that calls the HiGHS C API directly (to name columns and
// write the model); it carries its own `allow` and safety notes.
#![deny(unsafe_code)]

mod allocator;
mod assignment;
mod balance;
mod branch;
mod classes;
mod clock;
mod decisions;
pub mod eligibility;
mod equity;
mod explain;
mod export;
mod greedy;
mod instance;
mod mip;
mod plan;
mod recommend;
mod reduce;
mod register;
pub mod score;
mod settings;
mod week;
pub mod words;

pub use allocator::{AreaAllocator, Greedy, Optimal, Route};
pub use clock::{is_late, ClockCounts};
pub use decisions::{
    check_decisions, DecisionEffect, DecisionError, DecisionProblem, DecisionReport,
};
pub use eligibility::WaitReason;
pub use explain::{explain, Explanation, SupporterVerdict};
pub use export::{export_model, ModelScope};
pub use plan::{
    allocate, in_pool, AreaReport, Assignment, BalanceReport, DistrictShare, EquityReport, Marks,
    Options, Otherwise, Plan, SolverReport, Spread, Summary, SupporterLoad, WaitingEntry,
};
pub use recommend::{recommend, Candidate, Move, Recommendation, Unable};
pub use register::next_register;
pub use week::{area_weeks, AreaWeek, Effort, NewCase, Optimised, Placement, SupporterHours};

/// Why an allocation could not be completed.
#[derive(Debug, thiserror::Error)]
pub enum SolveError {
    /// good_lp could not hand the model to HiGHS.
    #[error("could not build the model")]
    Build(#[source] good_lp::ResolutionError),
    /// HiGHS rejected an option.
    #[error("HiGHS rejected the option `{option}` for area {area}")]
    Option {
        /// The area being solved.
        area: String,
        /// The option.
        option: String,
    },
    /// HiGHS ended with a status that is not a solution (its own name for it).
    #[error("HiGHS failed on area {area}: {status}")]
    Highs {
        /// The area being solved.
        area: String,
        /// HiGHS's model status.
        status: String,
    },
    /// A coordinator's decisions cannot all hold this week (bad input: nothing planned).
    #[error(transparent)]
    Decisions(DecisionError),
    /// The worker threads could not start.
    #[error("could not start worker threads")]
    Threads(#[source] rayon::ThreadPoolBuildError),
    /// The model could not be written.
    #[error("could not write the model to {file}: {reason}")]
    Export {
        /// The file asked for.
        file: std::path::PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// The model file, or HiGHS's temporary copy of it, could not be read or written.
    #[error("could not write the model to {}", file.display())]
    ExportIo {
        /// The file asked for.
        file: std::path::PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}
