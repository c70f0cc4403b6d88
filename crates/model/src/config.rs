//! TOML configuration files (policy, scenarios) with every problem located by line
//! and column, like the CSV loaders.

use std::path::Path;

use serde::de::DeserializeOwned;

use crate::error::{LoadError, Problem};

/// Reads a configuration file as UTF-8 text.
///
/// # Errors
///
/// [`LoadError::Io`] if it cannot be read, [`LoadError::Invalid`] if it is not UTF-8.
pub fn read(file: &Path) -> Result<String, LoadError> {
    let bytes = std::fs::read(file).map_err(|source| LoadError::Io {
        file: file.to_path_buf(),
        source,
    })?;
    String::from_utf8(bytes).map_err(|err| {
        let offset = err.utf8_error().valid_up_to();
        LoadError::Invalid(vec![located(
            file,
            err.as_bytes(),
            offset,
            "not valid UTF-8".into(),
        )])
    })
}

/// Deserialises TOML text; `file` only names it in messages.
///
/// # Errors
///
/// [`LoadError::Invalid`] with the line and column of bad TOML, an unknown key or a
/// value of the wrong type.
pub fn parse<T: DeserializeOwned>(file: &Path, text: &str) -> Result<T, LoadError> {
    toml::from_str(text).map_err(|err| {
        let offset = err.span().map_or(0, |span| span.start);
        let message = err.message().trim().to_string();
        LoadError::Invalid(vec![located(file, text.as_bytes(), offset, message)])
    })
}

/// Turns out-of-range values, as (key, reason), into located problems.
///
/// # Errors
///
/// [`LoadError::Invalid`] listing every one, each at the line that sets its key.
pub fn check_values(
    file: &Path,
    text: &str,
    bad: Vec<(&'static str, String)>,
) -> Result<(), LoadError> {
    if bad.is_empty() {
        return Ok(());
    }
    Err(LoadError::Invalid(
        bad.into_iter()
            .map(|(key, message)| problem_at_key(file, text, key, message))
            .collect(),
    ))
}

/// A problem with the value of `key` (its last path segment), located at the first
/// line that sets it (line 1 if none does, for a default that is out of range).
pub fn problem_at_key(file: &Path, text: &str, key: &str, message: String) -> Problem {
    let key = key.rsplit('.').next().unwrap_or(key);
    located(file, text.as_bytes(), find_key(text, key), message)
}

/// Byte offset of the first line that sets `key`.
fn find_key(text: &str, key: &str) -> usize {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if trimmed.starts_with(key) && trimmed[key.len()..].trim_start().starts_with('=') {
            return offset + (line.len() - trimmed.len());
        }
        offset += line.len();
    }
    0
}

fn located(file: &Path, bytes: &[u8], offset: usize, message: String) -> Problem {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|b| **b == b'\n').count() as u64 + 1;
    let line_start = before
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |p| p + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    Problem {
        file: file.to_path_buf(),
        line,
        column,
        message,
    }
}
