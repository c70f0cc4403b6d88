//! Where output goes: standard output, or a file written whole or not at all.

use std::io::{IsTerminal, Write};
use std::path::Path;

use anyhow::Context;
use caseload_model::files::write_atomically;

use crate::cli::{BadArgument, Format};

/// The format of output on standard output: the one asked for, else a table for a
/// person at a terminal and JSON for a program.
pub fn stdout_format(asked: Option<Format>) -> Format {
    asked.unwrap_or(if std::io::stdout().is_terminal() {
        Format::Table
    } else {
        Format::Json
    })
}

/// The text format a file extension names: `json`, `csv`, or `txt`/`md` for the table.
pub fn format_by_extension(extension: &str) -> Option<Format> {
    match extension {
        "json" => Some(Format::Json),
        "csv" => Some(Format::Csv),
        "txt" | "md" => Some(Format::Table),
        _ => None,
    }
}

/// The format's name, as `--format` takes it.
pub fn format_name(format: Format) -> &'static str {
    match format {
        Format::Json => "json",
        Format::Csv => "csv",
        Format::Table => "table",
    }
}

/// Whether `path` is `-`: standard input for an input file, standard output for
/// `--out`.
pub fn is_stdio(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Where `path` is or would be: the file itself resolved, or its folder resolved with
/// its name (a file not written yet); `None` when the folder is not there either.
/// At most one of `inputs` may be standard input (`-`): a second would read it again,
/// and find it empty.
pub fn one_from_stdin<'a>(inputs: impl IntoIterator<Item = &'a Path>) -> Result<(), BadArgument> {
    if inputs.into_iter().filter(|file| is_stdio(file)).count() > 1 {
        return Err(BadArgument(
            "only one input can be read from standard input (`-`)".into(),
        ));
    }
    Ok(())
}

fn resolved(path: &Path) -> Option<std::path::PathBuf> {
    if let Ok(real) = std::fs::canonicalize(path) {
        return Some(real);
    }
    let folder = match path.parent() {
        Some(folder) if !folder.as_os_str().is_empty() => folder,
        _ => Path::new("."),
    };
    Some(std::fs::canonicalize(folder).ok()?.join(path.file_name()?))
}

/// No output may be an input of the run (it would be replaced and lost) nor another
/// output (one would overwrite the other): checked before any work.
///
/// # Errors
///
/// The first such pair, by flag.
pub fn no_collisions<'a>(
    inputs: impl IntoIterator<Item = (&'a str, Option<&'a Path>)>,
    outputs: impl IntoIterator<Item = (&'a str, Option<&'a Path>)>,
) -> Result<(), BadArgument> {
    let real =
        |items: Vec<(&'a str, Option<&'a Path>)>| -> Vec<(&'a str, &'a Path, std::path::PathBuf)> {
            items
                .into_iter()
                .filter_map(|(flag, file)| file.filter(|f| !is_stdio(f)).map(|f| (flag, f)))
                .filter_map(|(flag, file)| resolved(file).map(|real| (flag, file, real)))
                .collect()
        };
    let inputs = real(inputs.into_iter().collect());
    let outputs = real(outputs.into_iter().collect());
    for (i, (out_flag, out, out_real)) in outputs.iter().enumerate() {
        if let Some((in_flag, _, _)) = inputs.iter().find(|(_, _, real)| real == out_real) {
            return Err(BadArgument(format!(
                "{out_flag} would write {}, which is the {in_flag} file of this run: it would be replaced and lost; write to another file (or folder)",
                out.display()
            )));
        }
        if let Some((other_flag, _, _)) = outputs[..i].iter().find(|(_, _, real)| real == out_real)
        {
            return Err(BadArgument(format!(
                "{out_flag} and {other_flag} would both write {}: one would overwrite the other; give each its own file",
                out.display()
            )));
        }
    }
    Ok(())
}

/// A folder to write into, made if missing: it may not be a file, nor lie under one.
/// Checked before any work.
///
/// # Errors
///
/// Naming the flag, the folder, and the file in its way.
pub fn require_folder_or_new(flag: &str, dir: &Path) -> Result<(), BadArgument> {
    let Some(existing) = dir
        .ancestors()
        .find(|a| !a.as_os_str().is_empty() && a.exists())
    else {
        return Ok(());
    };
    if existing.is_dir() {
        return Ok(());
    }
    let what = if existing == dir {
        "is a file, not a folder".to_string()
    } else {
        format!("cannot be made: {} is a file", existing.display())
    };
    Err(BadArgument(format!("{flag} {}: {what}", dir.display())))
}

/// Each output file's folder must exist: checked before any work, so that a plan or a
/// simulation is not computed only to be refused at the end.
///
/// # Errors
///
/// The first flag whose file is in a folder that does not exist (or is not a folder).
pub fn require_folders<'a>(
    outputs: impl IntoIterator<Item = (&'a str, Option<&'a Path>)>,
) -> Result<(), BadArgument> {
    for (flag, file) in outputs {
        let Some(file) = file.filter(|file| !is_stdio(file)) else {
            continue;
        };
        let Some(folder) = file.parent().filter(|f| !f.as_os_str().is_empty()) else {
            continue;
        };
        if !folder.is_dir() {
            let why = if folder.exists() {
                "is not a folder"
            } else {
                "does not exist"
            };
            return Err(BadArgument(format!(
                "{flag} {}: the folder {} {why}",
                file.display(),
                folder.display()
            )));
        }
    }
    Ok(())
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

/// A progress bar on standard error for `len` steps of `unit` ("replications"), named by
/// `message`; hidden when standard error is not a terminal (a log or a pipe).
pub fn progress_bar(len: u64, message: String, unit: &str) -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    let template =
        format!("{{msg}} [{{bar:30}}] {{pos}}/{{len}} {unit}, {{elapsed}} ({{eta}} left)");
    if let Ok(style) = indicatif::ProgressStyle::with_template(&template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(message);
    bar
}
