//! Writing the week's MIP as `.lp` or `.mps`, so that any solver can check the plan.
//!
//! HiGHS writes the file itself (`Highs_writeModel`), so the file is exactly the model
//! that HiGHS is given; no hand-written LP or MPS printer can drift from it. The
//! `highs` crate does not wrap model writing or naming, so this module calls the C API
//! directly: the only unsafe code in caseload.
#![allow(unsafe_code)]

use std::collections::HashSet;
use std::ffi::CString;
use std::path::Path;

use caseload_model::{Caseload, PlanningWeek, Policy, WeekView};

use crate::instance::build_instances;
use crate::mip::WeeklyModel;
use crate::SolveError;

/// Writes the full weekly MIP (every area, every constraint, named after referrals
/// and supporters) to `file`, in LP format for `.lp` and MPS for `.mps`. The file
/// appears whole or not at all.
///
/// # Errors
///
/// [`SolveError::Export`] for another extension or when the file cannot be written.
pub fn export_model(
    caseload: &Caseload,
    week: PlanningWeek,
    policy: &Policy,
    file: &Path,
) -> Result<(), SolveError> {
    let fail = |reason: String| SolveError::Export {
        file: file.to_path_buf(),
        reason,
    };
    let extension = file.extension().and_then(|e| e.to_str()).unwrap_or("");
    if !matches!(extension, "lp" | "mps") {
        return Err(fail(format!(
            "the file must end in .lp or .mps, not `.{extension}`"
        )));
    }
    let view = WeekView::new(caseload, week);
    let instances = build_instances(caseload, &view, policy);
    let mut weekly = WeeklyModel::new(true);
    let ids = |r: usize, s: usize| {
        (
            caseload.referrals[r].id.clone(),
            caseload.supporters[s].id.clone(),
        )
    };
    for instance in &instances {
        weekly.add_area(instance, &ids, false);
    }
    let (mut model, names) = weekly.into_highs()?;
    let (columns, rows) = names.unwrap_or_default();

    let temporary = file.with_extension(format!("partial.{extension}"));
    let path = CString::new(temporary.to_string_lossy().as_bytes())
        .map_err(|_| fail("the path holds a NUL byte".into()))?;
    let pointer = model.as_mut_ptr();
    let mut unique = HashSet::new();
    for (kind, names) in [(Kind::Column, &columns), (Kind::Row, &rows)] {
        for (index, name) in names.iter().enumerate() {
            let name = CString::new(sanitise(name, &mut unique))
                .map_err(|_| fail("a name holds a NUL byte".into()))?;
            let index = highs_sys::HighsInt::try_from(index)
                .map_err(|_| fail("the model is too large to name".into()))?;
            // SAFETY: `pointer` is the live HiGHS instance owned by `model`, which
            // outlives this call; `index` is within the model's columns (rows), as the
            // names were recorded one per column (row) added; `name` is a valid
            // NUL-terminated string that HiGHS copies.
            let status = unsafe {
                match kind {
                    Kind::Column => highs_sys::Highs_passColName(pointer, index, name.as_ptr()),
                    Kind::Row => highs_sys::Highs_passRowName(pointer, index, name.as_ptr()),
                }
            };
            if status == highs_sys::STATUS_ERROR {
                return Err(fail(format!("HiGHS refused the name {name:?}")));
            }
        }
    }
    // SAFETY: as above; `path` is a valid NUL-terminated string that HiGHS only reads.
    let status = unsafe { highs_sys::Highs_writeModel(pointer, path.as_ptr()) };
    if status == highs_sys::STATUS_ERROR || !temporary.exists() {
        let _ = std::fs::remove_file(&temporary);
        return Err(fail("HiGHS could not write the model".into()));
    }
    std::fs::rename(&temporary, file).map_err(|e| {
        let _ = std::fs::remove_file(&temporary);
        fail(e.to_string())
    })
}

#[derive(Clone, Copy)]
enum Kind {
    Column,
    Row,
}

/// LP-format names allow letters, digits and a few symbols; ids are mapped to
/// letters, digits, `_`, `(`, `)` and `,`, and made unique with a suffix if needed.
fn sanitise(name: &str, unique: &mut HashSet<String>) -> String {
    let base: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '(' | ')' | ',') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut candidate = base.clone();
    let mut n = 1;
    while !unique.insert(candidate.clone()) {
        n += 1;
        candidate = format!("{base}_{n}");
    }
    candidate
}
