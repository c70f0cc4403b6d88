//! Where output goes: standard output, or a file written whole or not at all.

use std::io::{IsTerminal, Write};
use std::path::Path;

use anyhow::Context;
use caseload_model::files::write_atomically;

use crate::cli::Format;

/// The format to use when none was asked for: by the output file's extension, else
/// a table for a person at a terminal and JSON for a program.
pub fn default_format(out: Option<&Path>) -> Format {
    match out.filter(|path| !is_stdio(path)) {
        Some(path) => match path.extension().and_then(|e| e.to_str()) {
            Some("csv") => Format::Csv,
            Some("txt" | "md") => Format::Table,
            _ => Format::Json,
        },
        None if std::io::stdout().is_terminal() => Format::Table,
        None => Format::Json,
    }
}

/// Whether `path` is `-`: standard input for an input file, standard output for
/// `--out`.
pub fn is_stdio(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Writes `text` to `out`, or to standard output when `out` is `None` or `-`. A file
/// is written to a temporary file beside it and renamed into place, so a reader never
/// sees half of it.
pub fn emit(text: &str, out: Option<&Path>) -> anyhow::Result<()> {
    match out.filter(|path| !is_stdio(path)) {
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(text.as_bytes())?;
            stdout.flush()?;
        }
        Some(path) => write_atomically(path, |file| file.write_all(text.as_bytes()))
            .with_context(|| format!("cannot write {}", path.display()))?,
    }
    Ok(())
}
