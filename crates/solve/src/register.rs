//! Next week's register from this week's plan.

use std::collections::BTreeMap;

use caseload_model::register::record_assignments;
use caseload_model::{Caseload, LoadError};

use crate::plan::Plan;

/// The referrals file `caseload` was read from, carried into next week: this week's
/// new assignments (reallocated and moved cases included) become open cases, and an
/// open case a decision took from its supporter that is still waiting loses its
/// `supporter_id`; nothing else in the file changes.
///
/// # Errors
///
/// [`LoadError::Invalid`] if the register's bytes cannot be read back as CSV (they
/// were, when `caseload` was loaded) or lack a referral of the plan.
pub fn next_register(caseload: &Caseload, plan: &Plan) -> Result<Vec<u8>, LoadError> {
    let new_holders = plan
        .assignments
        .iter()
        .filter(|a| !a.open_case)
        .map(|a| (a.referral_id.clone(), a.supporter_id.clone()));
    let returned = plan
        .waiting
        .iter()
        .filter(|w| w.marks.moved_from.is_some())
        .map(|w| (w.referral_id.clone(), String::new()));
    let holders: BTreeMap<String, String> = new_holders.chain(returned).collect();
    record_assignments(
        &caseload.origins.referrals_file,
        &caseload.origins.register,
        &holders,
    )
}
