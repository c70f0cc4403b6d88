//! A stored week, planned: the engine run on an import and its decisions in force,
//! exactly as `caseload allocate --decisions decisions.csv` runs on the same files.

use std::collections::HashMap;
use std::path::Path;

use caseload_model::{Caseload, Decision, LoadError, PlanningWeek, Policy, Warning};
use caseload_report::tables::{self, TableError};
use caseload_solve::{allocate, Optimal, Options, Plan, SolveError};

use crate::db::{Accepted, DecisionRow, NewImport};

/// The file name a week's decisions are given under, in messages and downloads.
pub const DECISIONS_FILE: &str = "decisions.csv";

/// Why a week cannot be planned.
#[derive(Debug, thiserror::Error)]
pub enum WeekError {
    /// The files (or decisions) hold invalid data: every problem, located.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// The week's date is not a Monday or cannot be read.
    #[error(transparent)]
    Week(#[from] caseload_model::WeekError),
    /// The solver failed, or the decisions cannot all hold.
    #[error(transparent)]
    Solve(#[from] SolveError),
    /// A table of the plan could not be written.
    #[error(transparent)]
    Table(#[from] TableError),
}

impl WeekError {
    /// True when the user's input is at fault (a 422, not a 500).
    pub fn is_bad_input(&self) -> bool {
        match self {
            WeekError::Load(_) | WeekError::Week(_) => true,
            WeekError::Solve(e) => matches!(e, SolveError::Decisions(_)),
            WeekError::Table(_) => false,
        }
    }
}

/// An import's files, loaded and checked (what an import must pass to be stored).
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The week planned.
    pub week: PlanningWeek,
    /// The policy (the file's, or the default).
    pub policy: Policy,
    /// Supporters and the register.
    pub caseload: Caseload,
}

impl Loaded {
    /// Loads the two files and the policy as `allocate` does, with the same located
    /// messages.
    ///
    /// # Errors
    ///
    /// [`WeekError`] listing every problem found.
    pub fn new(
        week: &str,
        supporters: (&str, &[u8]),
        referrals: (&str, &[u8]),
        policy: Option<(&str, &str)>,
    ) -> Result<Loaded, WeekError> {
        let week = PlanningWeek::parse(week)?;
        let policy = match policy {
            Some((name, text)) => Policy::from_toml(Path::new(name), text)?,
            None => Policy::default(),
        };
        let caseload = Caseload::from_bytes(
            Path::new(supporters.0),
            supporters.1,
            Path::new(referrals.0),
            referrals.1,
        )?;
        Caseload::require_supporters(&caseload.supporters, Path::new(supporters.0))?;
        Ok(Loaded {
            week,
            policy,
            caseload,
        })
    }

    /// An import's files, loaded.
    ///
    /// # Errors
    ///
    /// [`WeekError`] listing every problem (a stored import has none).
    pub fn of(import: &NewImport) -> Result<Loaded, WeekError> {
        Loaded::new(
            &import.week,
            (&import.supporters_name, &import.supporters),
            (&import.referrals_name, &import.referrals),
            import
                .policy
                .as_ref()
                .map(|(name, text)| (name.as_str(), text.as_str())),
        )
    }

    /// Remarks on the files: the loader's, and those of the week's active rows.
    pub fn warnings(&self) -> Vec<Warning> {
        let mut warnings = self.caseload.warnings.clone();
        warnings.extend(self.caseload.week_warnings(self.week.monday()));
        warnings
    }
}

/// A short digest (16 hex digits of SHA-256) of a table.
pub fn digest(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The decisions in force, as a decisions file (`referral_id,supporter_id,decision,note`),
/// in the order they were made: what the app plans with and what it exports.
pub fn decisions_csv(decisions: &[DecisionRow]) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let rows = decisions.iter().filter(|d| d.withdrawn.is_none()).map(|d| {
        [
            d.referral_id.as_str(),
            d.supporter_id.as_str(),
            d.kind.as_str(),
            d.note.as_str(),
        ]
    });
    // Writing to memory cannot fail.
    let _ = writer.write_record(["referral_id", "supporter_id", "decision", "note"]);
    for row in rows {
        let _ = writer.write_record(row);
    }
    writer.into_inner().unwrap_or_default()
}

/// A week planned with its decisions in force.
#[derive(Debug, Clone)]
pub struct Planned {
    /// The files.
    pub loaded: Loaded,
    /// The decisions file planned with.
    pub decisions_csv: Vec<u8>,
    /// The plan.
    pub plan: Plan,
    /// The digest of the plan's assignments (see [`Planned::digest`]).
    digest: String,
    /// Each decision in force's number in the week's list, withdrawn ones counted (so
    /// that "decision 2" keeps its meaning when an earlier one is withdrawn).
    numbers: Vec<usize>,
}

/// The week's decisions as the printed report names them: each with its number (the
/// plan's "decision 2"), who made it and when, and who withdrew it, when and why.
pub fn decision_log(decisions: &[DecisionRow]) -> Vec<caseload_report::DecisionLog> {
    decisions
        .iter()
        .enumerate()
        .map(|(i, d)| caseload_report::DecisionLog {
            number: i + 1,
            kind: d.kind.clone(),
            referral_id: d.referral_id.clone(),
            supporter_id: d.supporter_id.clone(),
            note: d.note.clone(),
            made: format!("{}, {}", d.made_by, crate::db::when(&d.made_at)),
            withdrawn: d.withdrawn.as_ref().map(|(by, at)| {
                let why = if d.withdrawn_note.is_empty() {
                    String::new()
                } else {
                    format!(": {}", d.withdrawn_note)
                };
                format!("withdrawn by {by}, {}{why}", crate::db::when(at))
            }),
        })
        .collect()
}

/// The solver options of a week planned under `decisions_csv`.
fn options_for(decisions_csv: &[u8], numbers: &[usize]) -> Result<Options, WeekError> {
    Ok(Options {
        threads: None,
        time_limit_seconds: None,
        // Said as "decision 2", the list's own numbering, rather than a line of a
        // decisions.csv the coordinator never wrote.
        decisions: Decision::from_bytes(Path::new(DECISIONS_FILE), decisions_csv)?
            .into_iter()
            .enumerate()
            .map(|(i, decision)| Decision {
                origin: caseload_model::DecisionOrigin::Listed(
                    numbers.get(i).copied().unwrap_or(i + 1),
                ),
                ..decision
            })
            .collect(),
    })
}

impl Planned {
    /// Plans `loaded` under `decisions` (those withdrawn left out).
    ///
    /// # Errors
    ///
    /// [`WeekError`] if the decisions cannot all hold, or the solver fails.
    pub fn new(loaded: Loaded, decisions: &[DecisionRow]) -> Result<Planned, WeekError> {
        let decisions_csv = decisions_csv(decisions);
        let numbers: Vec<usize> = decisions
            .iter()
            .enumerate()
            .filter(|(_, d)| d.withdrawn.is_none())
            .map(|(i, _)| i + 1)
            .collect();
        let options = options_for(&decisions_csv, &numbers)?;
        let plan = allocate(
            &loaded.caseload,
            loaded.week,
            &loaded.policy,
            &Optimal,
            &options,
        )?;
        let digest = digest(tables::assignments_csv(&plan)?.as_bytes());
        Ok(Planned {
            loaded,
            decisions_csv,
            plan,
            digest,
            numbers,
        })
    }

    /// A short digest of the plan's assignments: the accept form carries the one its
    /// page showed, so that only the plan the coordinator read can be accepted.
    pub fn digest(&self) -> &str {
        &self.digest
    }

    /// The solver options the week was planned with (for recommendations).
    ///
    /// # Errors
    ///
    /// [`WeekError`] if the decisions no longer read (they did when planned).
    pub fn options(&self) -> Result<Options, WeekError> {
        options_for(&self.decisions_csv, &self.numbers)
    }

    /// What accepting the week records: the plan's figures and every file it gives,
    /// the report naming the decisions of `log` (the week's list, withdrawn ones
    /// included).
    ///
    /// # Errors
    ///
    /// [`WeekError`] if a file cannot be written.
    pub fn record(
        &self,
        revision: i64,
        by: &str,
        log: &[DecisionRow],
        register_notes: Vec<String>,
    ) -> Result<Accepted, WeekError> {
        let plan = &self.plan;
        let now = chrono::Utc::now();
        let at = crate::db::stamp(now);
        let register = caseload_solve::next_register(&self.loaded.caseload, plan)?;
        let decisions = plan.decisions.as_ref();
        Ok(Accepted {
            revision,
            accepted_by: by.to_string(),
            accepted_at: at,
            objective: plan.solver.objective,
            newly_assigned: plan.summary.newly_assigned as i64,
            waiting: plan.summary.waiting as i64,
            decisions: decisions.map_or(0, |d| d.taken.len() as i64),
            decisions_cost: decisions.map_or(0.0, |d| d.cost),
            register,
            decisions_csv: self.decisions_csv.clone(),
            assignments_csv: tables::assignments_csv(plan)?.into_bytes(),
            waiting_csv: tables::waiting_csv(plan)?.into_bytes(),
            supporters_csv: tables::supporters_csv(plan)?.into_bytes(),
            districts_csv: tables::districts_csv(plan)?.into_bytes(),
            report_html: caseload_report::render(
                &self.loaded.caseload,
                plan,
                &caseload_report::ReportOptions {
                    accepted: Some(format!(
                        "Accepted by {by} on {}.",
                        now.format("%-d %b %Y at %H:%M UTC")
                    )),
                    policy: self.loaded.policy.clone(),
                    decision_log: decision_log(log),
                    register_notes,
                    ..caseload_report::ReportOptions::default()
                },
            )
            .into_bytes(),
        })
    }
}

/// A change an accepted week made to the register: a family given a supporter (placed
/// from the waiting list, a case reallocated, or moved by a decision) or, by a
/// decision, returned to the waiting list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The family.
    pub referral_id: String,
    /// Its supporter after the week; `None` when it was returned to the waiting list.
    pub supporter_id: Option<String>,
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.supporter_id {
            Some(s) => write!(f, "{} with {s}", self.referral_id),
            None => write!(f, "{} back on the waiting list", self.referral_id),
        }
    }
}

/// What an accepted week left (its `assignments.csv`, `waiting.csv` and the register
/// it wrote, `accepted_register`) that a register imported for a later Monday does not
/// carry: a family the week left with a
/// supporter (an open case of its register, old or new) whose row is missing, or has
/// no supporter and no closing date; a family the week gave a supporter whose row
/// still names the one it was taken from (a case reallocated: any other than its new
/// one, the one who left; moved by a decision: the one it was moved from); a family a
/// decision returned to the waiting list whose row names a supporter again. A row
/// naming another supporter for a family placed from the waiting list was changed on
/// purpose and is not counted. The whole register is compared, not only the week's
/// changes: after a week that changed nothing, a register weeks older would otherwise
/// pass. In the files' order, each family once.
///
/// # Errors
///
/// [`WeekError::Table`] if an accepted file cannot be read (they are the app's own).
pub fn not_carried(
    accepted_assignments_csv: &[u8],
    accepted_waiting_csv: &[u8],
    accepted_register: &Caseload,
    register: &Caseload,
) -> Result<Vec<Change>, WeekError> {
    #[derive(serde::Deserialize)]
    struct Placed {
        referral_id: String,
        supporter_id: String,
        open_case: bool,
        reallocated: bool,
        moved_from: Option<String>,
    }
    #[derive(serde::Deserialize)]
    struct Waiting {
        referral_id: String,
        moved_from: Option<String>,
    }
    fn rows<T: serde::de::DeserializeOwned>(csv: &[u8]) -> Result<Vec<T>, WeekError> {
        csv::Reader::from_reader(csv)
            .deserialize()
            .collect::<Result<_, _>>()
            .map_err(|e| WeekError::Table(TableError::from(e)))
    }
    let held: HashMap<&str, (Option<&str>, bool)> = register
        .referrals
        .iter()
        .map(|r| {
            (
                r.id.as_str(),
                (r.supporter_id.as_deref(), r.closed.is_some()),
            )
        })
        .collect();
    // Every family looked at, once: the week's changes first, then the register.
    let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut missing = Vec::new();
    for row in rows::<Placed>(accepted_assignments_csv)? {
        if row.open_case {
            continue;
        }
        seen.insert(row.referral_id.clone());
        let lost = match held.get(row.referral_id.as_str()) {
            None => true,
            Some((_, true)) => false,
            Some((None, false)) => true,
            // Moved by a decision: undone if the row names the supporter it was taken
            // from (a third supporter is a change made on purpose).
            Some((Some(supporter), false)) => match &row.moved_from {
                Some(from) => supporter == from,
                // Reallocated: the one who had it has left, so any other is theirs.
                None => row.reallocated && *supporter != row.supporter_id,
            },
        };
        if lost {
            missing.push(Change {
                referral_id: row.referral_id,
                supporter_id: Some(row.supporter_id),
            });
        }
    }
    for row in rows::<Waiting>(accepted_waiting_csv)? {
        if row.moved_from.is_none() {
            continue;
        }
        seen.insert(row.referral_id.clone());
        if let Some((Some(_), false)) = held.get(row.referral_id.as_str()) {
            missing.push(Change {
                referral_id: row.referral_id,
                supporter_id: None,
            });
        }
    }
    // Every open case the week left, those of earlier weeks too.
    for r in &accepted_register.referrals {
        let (Some(supporter), None) = (&r.supporter_id, r.closed) else {
            continue;
        };
        if !seen.insert(r.id.clone()) {
            continue;
        }
        if matches!(held.get(r.id.as_str()), None | Some((None, false))) {
            missing.push(Change {
                referral_id: r.id.clone(),
                supporter_id: Some(supporter.clone()),
            });
        }
    }
    Ok(missing)
}

/// A family the register names with another supporter than the register an accepted
/// week wrote: a change made by hand between the two, said on the week's page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Move {
    /// The family.
    pub referral_id: String,
    /// Its supporter in the accepted week's register.
    pub from: String,
    /// Its supporter in this register.
    pub to: String,
}

/// The open cases of `accepted_register` (a register an accepted week wrote) that
/// `register` gives to another supporter, still open, in `accepted_register`'s order.
/// A case closed, or a row dropped or emptied, is not a move (the import refuses the
/// last two unless "Import anyway" was ticked).
#[must_use]
pub fn moved_since(accepted_register: &Caseload, register: &Caseload) -> Vec<Move> {
    let now: HashMap<&str, &str> = register
        .referrals
        .iter()
        .filter(|r| r.closed.is_none())
        .filter_map(|r| Some((r.id.as_str(), r.supporter_id.as_deref()?)))
        .collect();
    accepted_register
        .referrals
        .iter()
        .filter(|r| r.closed.is_none())
        .filter_map(|r| {
            let from = r.supporter_id.as_deref()?;
            let to = *now.get(r.id.as_str())?;
            (to != from).then(|| Move {
                referral_id: r.id.clone(),
                from: from.to_string(),
                to: to.to_string(),
            })
        })
        .collect()
}
