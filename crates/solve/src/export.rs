//! Writing the week's MIP as `.lp` or `.mps`, so that any solver can check the plan.
//!
//! HiGHS writes the file itself (`Highs_writeModel`), so the file is exactly the model
//! that HiGHS reads; no hand-written LP or MPS printer can drift from it. The
//! `highs` crate does not wrap model writing or naming, so this module calls the C API
//! directly: the only unsafe code in caseload.
#![allow(unsafe_code)]

use std::collections::HashSet;
use std::ffi::CString;
use std::io::Write;
use std::path::Path;

use caseload_model::files::write_atomically;
use caseload_model::{Caseload, Decision, DecisionKind, PlanningWeek, Policy, WeekView};

use crate::decisions::{resolve, room_problems, Resolved};
use crate::instance::{build_instances, Arc, AreaInstance};
use crate::mip::WeeklyModel;
use crate::reduce::kept;
use crate::SolveError;

/// Which model of the week to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelScope {
    /// The contract's whole model: a binary x(r, s) for every waiting family r and
    /// every supporter s eligible for it (with room or not), at most one supporter per
    /// family, and every such supporter's hours and case-slot rows (right-hand side 0
    /// for a supporter over a limit through open cases).
    Full,
    /// The per-family model left after the optimiser's exact reductions (HiGHS then
    /// solves it with interchangeable families merged): only supporters with room for
    /// the family now, families that provably cannot improve the plan left out, rows
    /// that cannot bind left out.
    /// Its optimum is the full model's.
    Reduced,
}

/// Writes the weekly MIP (every area, named after referrals and supporters) to
/// `file`, in LP format for `.lp` and MPS for `.mps`, with a comment at the top saying
/// which model it is. With the coordinator's `decisions`, it is the model `allocate`
/// solves under them: a pinned family is fixed with its supporter (its hours and slot
/// taken from the supporter's room, its score, given in the comment, left out of the
/// objective), a forbidden pair has no variable. The file appears whole or not at all.
///
/// # Errors
///
/// [`SolveError::Export`] for another extension or when the file cannot be written;
/// [`SolveError::Decisions`] when the decisions cannot all hold.
pub fn export_model(
    caseload: &Caseload,
    week: PlanningWeek,
    policy: &Policy,
    scope: ModelScope,
    decisions: &[Decision],
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
    let (view, decided) = if decisions.is_empty() {
        (view, Resolved::default())
    } else {
        resolve(caseload, &view, policy, decisions).map_err(SolveError::Decisions)?
    };
    let instances = build_instances(caseload, &view, policy, &decided, None);
    room_problems(caseload, week, &instances, decisions).map_err(SolveError::Decisions)?;
    let pinned: f64 = instances
        .iter()
        .flat_map(|i| &i.pinned)
        .map(|p| p.score)
        .sum();
    let forbidden = decisions
        .iter()
        .filter(|d| d.decision == DecisionKind::Forbid)
        .count();
    let mut weekly = WeeklyModel::new(true);
    let ids = |r: usize, s: usize| {
        (
            caseload.referrals[r].id.clone(),
            caseload.supporters[s].id.clone(),
        )
    };
    for instance in &instances {
        match scope {
            ModelScope::Full => weekly.add_area(
                &every_eligible_pair(caseload, policy, instance),
                &ids,
                false,
            ),
            ModelScope::Reduced => weekly.add_area(&reduced(instance), &ids, true),
        }
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
    let io = |source: std::io::Error| SolveError::ExportIo {
        file: file.to_path_buf(),
        source,
    };
    // HiGHS (1.15) crashes writing an .lp file it cannot open, say in a folder that does
    // not exist: open it first, so that such a path is an error with its reason.
    std::fs::File::create(&temporary).map_err(io)?;
    // SAFETY: as above; `path` is a valid NUL-terminated string that HiGHS only reads.
    let status = unsafe { highs_sys::Highs_writeModel(pointer, path.as_ptr()) };
    if status == highs_sys::STATUS_ERROR || !temporary.exists() {
        let _ = std::fs::remove_file(&temporary);
        return Err(fail("HiGHS could not write the model".into()));
    }
    let written = std::fs::read_to_string(&temporary);
    let _ = std::fs::remove_file(&temporary);
    let body = written.map_err(io)?;
    let comment = if extension == "lp" { "\\" } else { "*" };
    let mut header = String::new();
    let mut lines = describe(scope, week);
    if !decisions.is_empty() {
        let pins = instances.iter().map(|i| i.pinned.len()).sum::<usize>();
        lines.push(format!(
            "With the coordinator's decisions: {pins} pinned families fixed with their supporters (room taken; their scores, {}, are not in this objective: add them to get the plan's objective); {forbidden} forbidden pairs have no variable.",
            crate::plan::round(pinned)
        ));
    }
    for line in lines {
        header.push_str(comment);
        header.push(' ');
        header.push_str(&line);
        header.push('\n');
    }
    write_atomically(file, |out| {
        out.write_all(header.as_bytes())?;
        out.write_all(body.as_bytes())
    })
    .map_err(io)
}

/// The comment at the top of the file: which model this is.
fn describe(scope: ModelScope, week: PlanningWeek) -> Vec<String> {
    let what = match scope {
        ModelScope::Full => vec![
            "the FULL model of the allocation contract:".to_string(),
            "one binary x(referral,supporter) per waiting family and eligible supporter;".into(),
            "one_supporter(r): each family at most once; hours(s), cases(s): each supporter's"
                .into(),
            "free hours and case slots after open cases (0 when over a limit).".into(),
        ],
        ModelScope::Reduced => vec![
            "the REDUCED model (not the full contract model): only supporters with room now,"
                .to_string(),
            "families that provably cannot improve the plan left out, rows that cannot bind".into(),
            "left out. Its optimum equals the full model's.".into(),
        ],
    };
    let mut lines = vec![format!(
        "caseload weekly allocation model, week of Monday {week}: {}",
        what[0]
    )];
    lines.extend(what.into_iter().skip(1));
    lines.push("Maximise the total score of new assignments.".into());
    lines
}

/// The area with a variable for every eligible supporter, with room now or not.
fn every_eligible_pair(
    caseload: &Caseload,
    policy: &Policy,
    instance: &AreaInstance,
) -> AreaInstance {
    let mut full = instance.clone();
    for candidate in &mut full.candidates {
        candidate.arcs = candidate
            .eligible
            .iter()
            .map(|&slot| {
                let local = caseload.supporters[instance.rooms[slot].supporter].local;
                Arc {
                    slot,
                    score: candidate.parts.with_supporter(local, policy),
                }
            })
            .collect();
    }
    full
}

/// The area as the optimiser hands it to HiGHS: dominated families left out (see
/// [`crate::reduce`]), and none without a supporter with room.
fn reduced(instance: &AreaInstance) -> AreaInstance {
    let keep = kept(instance);
    AreaInstance {
        candidates: instance
            .candidates
            .iter()
            .zip(&keep)
            .filter(|(c, &k)| k && !c.arcs.is_empty())
            .map(|(c, _)| c.clone())
            .collect(),
        ..instance.clone()
    }
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
