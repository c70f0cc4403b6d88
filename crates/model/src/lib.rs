//! The domain of caseload: independent supporters, the caseload register, the
//! planning week and the policy, loaded from the contract's CSV and TOML files with
//! every problem located by file, line and column.
//!
//! ```
//! use std::path::Path;
//! use caseload_model::{Caseload, PlanningWeek, WeekView};
//!
//! let supporters = "supporter_id,area,status,hours_per_week,max_cases\nS1,E06000043,paid,10,4\n";
//! let referrals = "referral_id,area,received,source,consent,kind,priority,complexity\n\
//!                  R1,E06000043,2015-10-12,self,,new,4,medium\n";
//! let caseload = Caseload::from_bytes(
//!     Path::new("supporters.csv"), supporters.as_bytes(),
//!     Path::new("referrals.csv"), referrals.as_bytes(),
//! )?;
//! let week = PlanningWeek::parse("2015-11-02")?;
//! let view = WeekView::new(&caseload, week);
//! assert_eq!(view.waiting.len(), 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Overview
//!
//! - [`Supporter`] and [`Referral`] are the rows of `supporters.csv` and
//!   `referrals.csv`; [`Caseload::load`] reads both and checks them against each other.
//! - [`Policy`] holds the objective's weights, default hours, the volunteer rule and
//!   the time limit (`policy.toml`), each defaulting to the contract's value.
//! - [`PlanningWeek`] is a Monday; [`WeekView`] splits the register into open cases,
//!   waiting (and orphaned) referrals and ignored rows for that week.
//!
//! # Errors
//!
//! Loading never stops at the first problem: [`LoadError::Invalid`] lists every
//! [`Problem`], each with its file, line, column and reason.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod areas;
pub mod config;
mod decisions;
mod error;
pub mod files;
mod load;
mod policy;
pub mod register;
mod table;
mod types;
mod week;

pub use areas::{england_area, england_codes, ENGLAND_AREAS_CSV};
pub use decisions::{Decision, DecisionField, DecisionKind, DecisionOrigin};
pub use error::{said_once, LoadError, Problem, Warning};
pub use load::{Caseload, Origins, MAX_SUPPORTER_HOURS, MIN_SUPPORTER_HOURS};
pub use policy::{Balance, DefaultHours, DistrictEquity, Policy};
pub use table::{read_csv, CsvRows};
pub use types::{
    ClockException, Complexity, ConsentBasis, Referral, ReferralKind, Source, Supporter,
    SupporterStatus,
};
pub use week::{
    within_years, OpenCase, PlanningWeek, Waiting, WeekError, WeekView, FIRST_YEAR, LAST_YEAR,
};

/// Rounds to 6 decimals so that output shows 19.2, not 19.200000000000003, and a spend
/// of 4750000, not 4749999.999999996 (and 0, not -0, for a sum that cancels out).
#[must_use]
pub fn round6(value: f64) -> f64 {
    (value * 1e6).round() / 1e6 + 0.0
}
