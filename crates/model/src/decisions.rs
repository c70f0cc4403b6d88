//! A coordinator's decisions for one week: "this family goes to this supporter" (a
//! pin) and "not to that one" (a forbid), from the command line or a CSV file.
//!
//! This module reads and locates them; whether a pin can hold (eligibility, room) is
//! the solver's question, answered for the planning week.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{LoadError, Problem};
use crate::table::{self, Schema, Table};

const DECISIONS: Schema = Schema {
    required: &["referral_id", "supporter_id", "decision"],
    optional: &["note"],
    open: false,
    other_files: &[],
    written_tables: &[],
};

const KINDS: &[(&str, DecisionKind)] =
    &[("pin", DecisionKind::Pin), ("forbid", DecisionKind::Forbid)];

/// What a decision does to the pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionKind {
    /// The family goes to this supporter this week.
    Pin,
    /// The family does not go to this supporter this week.
    Forbid,
}

impl DecisionKind {
    /// `pin` or `forbid`, as written in the file.
    pub fn code(self) -> &'static str {
        match self {
            DecisionKind::Pin => "pin",
            DecisionKind::Forbid => "forbid",
        }
    }

    /// `pinned` or `forbidden`, as outputs show it.
    pub fn done(self) -> &'static str {
        match self {
            DecisionKind::Pin => "pinned",
            DecisionKind::Forbid => "forbidden",
        }
    }
}

/// Where a decision was given, to point at it in a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(into = "String")]
pub enum DecisionOrigin {
    /// A command-line flag (`--pin` or `--forbid`).
    Flag(DecisionKind),
    /// A row of a decisions file.
    Row {
        /// The file as the user named it.
        file: PathBuf,
        /// Its 1-based line.
        line: u64,
        /// The 1-based columns of `referral_id`, `supporter_id` and `decision`.
        columns: [usize; 3],
    },
    /// The n-th decision of a list kept by a program, not a file the user wrote (the
    /// web app's decisions of a week), counted from 1.
    Listed(usize),
}

impl fmt::Display for DecisionOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecisionOrigin::Flag(kind) => write!(f, "--{}", kind.code()),
            DecisionOrigin::Row { file, line, .. } => write!(f, "{}:{line}", file.display()),
            DecisionOrigin::Listed(number) => write!(f, "decision {number}"),
        }
    }
}

/// A decision's field, to point at its column in a file's row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecisionField {
    /// `referral_id`.
    Referral,
    /// `supporter_id`.
    Supporter,
    /// `decision`: the pin or forbid itself.
    Decision,
}

impl DecisionOrigin {
    /// Where `field` was given: `file:line:column` for a row of a file, otherwise as
    /// [`fmt::Display`] says it.
    pub fn at(&self, field: DecisionField) -> String {
        match self {
            DecisionOrigin::Row {
                file,
                line,
                columns,
            } => {
                let column = match field {
                    DecisionField::Referral => columns[0],
                    DecisionField::Supporter => columns[1],
                    DecisionField::Decision => columns[2],
                };
                format!("{}:{line}:{column}", file.display())
            }
            _ => self.to_string(),
        }
    }
}

impl From<DecisionOrigin> for String {
    fn from(origin: DecisionOrigin) -> String {
        origin.to_string()
    }
}

/// One decision about one family and one supporter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    /// The family.
    pub referral_id: String,
    /// The supporter.
    pub supporter_id: String,
    /// Pin or forbid.
    pub decision: DecisionKind,
    /// The coordinator's reason, shown beside the decision's effect.
    pub note: Option<String>,
    /// Where it was given.
    pub origin: DecisionOrigin,
}

impl Decision {
    /// Parses a flag's value `REFERRAL=SUPPORTER` (spaces around either id ignored).
    ///
    /// # Errors
    ///
    /// A message naming the flag and the value when it is not of that form.
    pub fn from_flag(kind: DecisionKind, value: &str) -> Result<Decision, String> {
        let pair = value
            .split_once('=')
            .map(|(r, s)| (r.trim(), s.trim()))
            .filter(|(r, s)| !r.is_empty() && !s.is_empty() && !s.contains('='));
        let Some((referral, supporter)) = pair else {
            return Err(format!(
                "--{} `{value}`: expected REFERRAL_ID=SUPPORTER_ID, e.g. --{} R12=S3",
                kind.code(),
                kind.code()
            ));
        };
        Ok(Decision::new(kind, referral, supporter))
    }

    /// A decision about one pair, as if given by its flag, without a note.
    pub fn new(kind: DecisionKind, referral_id: &str, supporter_id: &str) -> Decision {
        Decision {
            referral_id: referral_id.to_string(),
            supporter_id: supporter_id.to_string(),
            decision: kind,
            note: None,
            origin: DecisionOrigin::Flag(kind),
        }
    }

    /// Reads a decisions file: columns `referral_id`, `supporter_id`, `decision`
    /// (`pin` or `forbid`) and an optional `note`, in any order; `-` is standard input.
    ///
    /// # Errors
    ///
    /// [`LoadError`] listing every problem, located by line and column.
    pub fn load(file: &Path) -> Result<Vec<Decision>, LoadError> {
        let bytes = crate::files::read_input(file)?;
        Decision::from_bytes(file, &bytes)
    }

    /// Like [`Decision::load`], from bytes in memory; `file` only names them.
    ///
    /// # Errors
    ///
    /// [`LoadError::Invalid`] listing every problem, located.
    pub fn from_bytes(file: &Path, bytes: &[u8]) -> Result<Vec<Decision>, LoadError> {
        match Decision::rows_of(file, bytes) {
            (decisions, problems) if problems.is_empty() => Ok(decisions),
            (_, problems) => Err(LoadError::Invalid(problems)),
        }
    }

    /// Reads a decisions file as far as it can be read: the rows that are decisions,
    /// and every problem of the others, located, so that a caller can check the rows it
    /// has and report both at once.
    ///
    /// # Errors
    ///
    /// [`LoadError`] when the file cannot be read at all.
    pub fn load_rows(file: &Path) -> Result<(Vec<Decision>, Vec<Problem>), LoadError> {
        let bytes = crate::files::read_input(file)?;
        Ok(Decision::rows_of(file, &bytes))
    }

    fn rows_of(file: &Path, bytes: &[u8]) -> (Vec<Decision>, Vec<Problem>) {
        let mut table = Table::read(file, bytes, &DECISIONS);
        let columns = [
            table.column("referral_id"),
            table.column("supporter_id"),
            table.column("decision"),
        ];
        let rows = std::mem::take(&mut table.rows);
        let mut decisions = Vec::with_capacity(rows.len());
        for row in &rows {
            let referral = table.required(row, "referral_id", table::text);
            let supporter = table.required(row, "supporter_id", table::text);
            let kind = table.required(row, "decision", table::one_of(KINDS));
            let note = table.field(row, "note", table::text);
            if let (Some(referral_id), Some(supporter_id), Some(decision)) =
                (referral, supporter, kind)
            {
                decisions.push(Decision {
                    referral_id,
                    supporter_id,
                    decision,
                    note,
                    origin: DecisionOrigin::Row {
                        file: file.to_path_buf(),
                        line: row.line,
                        columns,
                    },
                });
            }
        }
        (decisions, table.sorted_problems())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_name_a_pair() {
        let pin = Decision::from_flag(DecisionKind::Pin, " R1 = S2 ").unwrap();
        assert_eq!(
            (pin.referral_id.as_str(), pin.supporter_id.as_str()),
            ("R1", "S2")
        );
        assert_eq!(pin.origin.to_string(), "--pin");
        for bad in ["R1", "R1=", "=S2", "R1=S2=S3", ""] {
            let err = Decision::from_flag(DecisionKind::Forbid, bad).unwrap_err();
            assert!(err.starts_with("--forbid `"), "{err}");
        }
    }

    #[test]
    fn a_file_lists_every_problem_with_its_place() {
        let text = "referral_id,decision,supporter_id,note\n\
                    R1,pin,S1,\"knows the family, from school\"\n\
                    # a comment\n\
                    R2,keep,S1,\n\
                    ,forbid,S2,\n\
                    R3,FORBID,S3,\n";
        let err = Decision::from_bytes(Path::new("d.csv"), text.as_bytes()).unwrap_err();
        let problems: Vec<String> = err.problems().iter().map(ToString::to_string).collect();
        assert_eq!(
            problems,
            [
                "d.csv:4:2: `decision`: `keep` is not one of pin, forbid",
                "d.csv:5:1: `referral_id` is empty",
            ]
        );
        let good = "referral_id,supporter_id,decision\nR1,S1,pin\nR3,S3,Forbid\n";
        let decisions = Decision::from_bytes(Path::new("d.csv"), good.as_bytes()).unwrap();
        assert_eq!(decisions.len(), 2);
        assert_eq!(decisions[1].decision, DecisionKind::Forbid);
        assert_eq!(decisions[1].origin.to_string(), "d.csv:3");
        assert_eq!(decisions[0].note, None);
    }

    #[test]
    fn an_unquoted_comma_in_a_note_says_how_to_write_it() {
        let text = "referral_id,supporter_id,decision,note\nR1,S1,pin,knows mum, from school\n";
        let err = Decision::from_bytes(Path::new("d.csv"), text.as_bytes()).unwrap_err();
        let problems: Vec<String> = err.problems().iter().map(ToString::to_string).collect();
        assert_eq!(
            problems,
            ["d.csv:2:5: the row has 5 fields, the header has 4 (a value holding a comma must be in double quotes: \"a, b\")"]
        );
    }
}
