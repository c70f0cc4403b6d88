//! Typed loading errors: every problem names its file, line and column.

use std::fmt;
use std::path::PathBuf;

/// One thing wrong with an input file, located precisely enough to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file as the user named it.
    pub file: PathBuf,
    /// 1-based line of the record (the header is line 1).
    pub line: u64,
    /// 1-based column (CSV field number, or TOML character column); 0 when the
    /// problem concerns the whole line or file.
    pub column: usize,
    /// What is wrong, naming the column and the offending value.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file.display(),
            self.line,
            self.column,
            self.message
        )
    }
}

/// Why a set of input files could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A file could not be opened or read at all.
    #[error("{}: cannot read", file.display())]
    Io {
        /// The file as the user named it.
        file: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// The files were read but hold invalid data; every problem found is listed.
    #[error("{}", render_problems(.0))]
    Invalid(Vec<Problem>),
}

impl LoadError {
    /// The problems behind this error (one synthetic problem for an I/O error).
    pub fn problems(&self) -> Vec<Problem> {
        match self {
            LoadError::Io { file, source } => vec![Problem {
                file: file.clone(),
                line: 0,
                column: 0,
                message: format!("cannot read: {source}"),
            }],
            LoadError::Invalid(problems) => problems.clone(),
        }
    }
}

/// An error's text and its causes', outermost first, each said once: a cause whose
/// text an earlier one already shows (an error that displays its source as well as
/// exposing it) is left out.
pub fn said_once(error: &(dyn std::error::Error + 'static)) -> Vec<String> {
    let mut said: Vec<String> = Vec::new();
    for cause in std::iter::successors(Some(error), |e| e.source()) {
        let text = cause.to_string();
        if !said.iter().any(|earlier| earlier.contains(&text)) {
            said.push(text);
        }
    }
    said
}

fn render_problems(problems: &[Problem]) -> String {
    let mut out = format!(
        "{} problem{} in the input:",
        problems.len(),
        if problems.len() == 1 { "" } else { "s" }
    );
    for problem in problems {
        out.push_str("\n  ");
        out.push_str(&problem.to_string());
    }
    out
}

/// A non-fatal remark about an input file (for example an unknown column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning(pub Problem);

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "warning: {}", self.0)
    }
}
