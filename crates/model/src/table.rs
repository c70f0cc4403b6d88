//! Reading a CSV file field by field, collecting every problem with its location.
//!
//! The `csv` crate does the tokenising (quoting, line ends); this module adds what the
//! contract needs on top: columns in any order, unknown columns as warnings, bytes
//! that are not UTF-8 reported by field, and typed field parsers that record a
//! [`Problem`] instead of stopping at the first one.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use crate::error::{Problem, Warning};

/// The columns a file knows, and which of them must be present. An `open` schema
/// takes any columns without warning (the caller decides which it needs).
pub(crate) struct Schema {
    pub required: &'static [&'static str],
    pub optional: &'static [&'static str],
    pub open: bool,
    /// Columns that only another of caseload's files has, and what that file is: a
    /// header with one of them and without this file's first column is that file,
    /// given in the wrong place.
    pub other_files: &'static [(&'static str, &'static str)],
    /// Columns that together only a table caseload writes has, and what that table is:
    /// a header with all of them that lacks a column this file needs, or has none of its
    /// optional columns, is that output given back as input (last week's loads as this
    /// week's supporters), which would otherwise be read with every skill and district
    /// lost.
    pub written_tables: &'static [(&'static [&'static str], &'static str)],
}

/// A CSV file read into decoded rows, with the problems found so far.
pub(crate) struct Table {
    pub file: PathBuf,
    columns: HashMap<&'static str, usize>,
    names: Vec<String>,
    pub rows: Vec<Row>,
    pub problems: Vec<Problem>,
    pub warnings: Vec<Warning>,
}

/// How a date read as day, month, year is offered back: the words that mark such a
/// problem, to count them.
pub(crate) const DAY_MONTH_YEAR: &str = "if it is day, month, year";

/// What a file that is not text is, by its first bytes: the spreadsheet formats a
/// coordinator saves by mistake instead of CSV.
fn not_text(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"PK\x03\x04") {
        Some("a spreadsheet workbook (.xlsx or .ods: a zip file)")
    } else if bytes.starts_with(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") {
        Some("an old Excel workbook (.xls)")
    } else if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        Some("UTF-16 text (Excel's \"Unicode text\")")
    } else {
        None
    }
}

/// How every CSV file is read: the header as a record of its own, rows of any length
/// (checked against the header here, with a location), and lines that start with `#`
/// as comments (a template's example rows).
pub(crate) fn reader() -> csv::ReaderBuilder {
    let mut builder = csv::ReaderBuilder::new();
    builder
        .has_headers(false)
        .flexible(true)
        .comment(Some(b'#'));
    builder
}

/// The first byte of the row at or after `at`: past line ends and `#` comment lines.
pub(crate) fn skip_to_row(bytes: &[u8], mut at: usize) -> usize {
    loop {
        match bytes.get(at) {
            Some(b'\r' | b'\n') => at += 1,
            Some(b'#') => {
                at = bytes[at..]
                    .iter()
                    .position(|b| *b == b'\n')
                    .map_or(bytes.len(), |p| at + p + 1);
            }
            _ => return at,
        }
    }
}

/// Where each line of the input starts, to turn a record's byte offset into its line.
/// (The csv crate's own line counter skips blank lines, so every line after one
/// would be reported one too early.)
struct Lines<'a> {
    bytes: &'a [u8],
    newlines: Vec<u64>,
}

impl Lines<'_> {
    fn of(bytes: &[u8]) -> Lines<'_> {
        let newlines = bytes
            .iter()
            .enumerate()
            .filter(|(_, b)| **b == b'\n')
            .map(|(i, _)| i as u64)
            .collect();
        Lines { bytes, newlines }
    }

    /// The 1-based line of a position (0 when there is none). A record is positioned
    /// where the reader stopped after the one before, so the line ends, blank lines and
    /// `#` comment lines in between are stepped over.
    fn at(&self, position: Option<&csv::Position>) -> u64 {
        position.map_or(0, |p| {
            let start = skip_to_row(self.bytes, p.byte() as usize) as u64;
            1 + self.newlines.partition_point(|&newline| newline < start) as u64
        })
    }
}

/// One decoded data row.
pub(crate) struct Row {
    pub line: u64,
    fields: Vec<String>,
}

impl Table {
    /// Reads `bytes` (the content of `file`) against `schema`.
    pub fn read(file: &Path, bytes: &[u8], schema: &Schema) -> Table {
        let mut table = Table {
            file: file.to_path_buf(),
            columns: HashMap::new(),
            names: Vec::new(),
            rows: Vec::new(),
            problems: Vec::new(),
            warnings: Vec::new(),
        };
        if let Some(what) = not_text(bytes) {
            // Read as CSV, a workbook's first bytes are "not valid UTF-8 in field 2".
            table.problem(
                1,
                0,
                format!("this is {what}, not a CSV file: save it from the spreadsheet as \"CSV UTF-8 (comma delimited)\""),
            );
            return table;
        }
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let mut reader = reader().trim(csv::Trim::All).from_reader(bytes);
        let lines = Lines::of(bytes);
        if bytes.contains(&b'\r') && !bytes.contains(&b'\n') {
            // csv ends a `#` comment only at `\n`: read on, one would swallow the file.
            table.problem(
                1,
                0,
                "the lines end in carriage returns only (an old Mac format); save the file as \"CSV UTF-8 (comma delimited)\"".into(),
            );
            return table;
        }
        let mut records = reader.byte_records();

        let header = match records.next() {
            None => {
                table.problem(1, 0, "the file is empty: a header row is required".into());
                return table;
            }
            Some(Err(err)) => {
                table.csv_error(&err, &lines);
                return table;
            }
            Some(Ok(record)) => record,
        };
        let Some(names) = table.decode(1, &header) else {
            return table;
        };
        table.read_header(&names, schema);
        table.names.clone_from(&names);
        table.warn_rows_read_as_comments(bytes, names.len());

        // Rows of nothing but commas, which spreadsheets leave below the data: skipped,
        // and said once, not as a missing value in every required column.
        let mut empty_rows: Vec<u64> = Vec::new();
        for record in records {
            match record {
                Err(err) => table.csv_error(&err, &lines),
                Ok(record) => {
                    let line = lines.at(record.position());
                    if record.len() == 1 && record.get(0).is_some_and(|f| f.is_empty()) {
                        continue; // a blank line (or a line of spaces)
                    }
                    if record.len() > 1 && record.iter().all(<[u8]>::is_empty) {
                        empty_rows.push(line);
                        continue;
                    }
                    if record.len() != names.len() {
                        // A quote never closed swallows the lines after it into one
                        // field: name the quote, not the count it left behind.
                        let unclosed = record.iter().position(|field| field.contains(&b'\n'));
                        if let Some(field) = unclosed {
                            // Lines after the quote's own whose text went into the field
                            // (the file's last line end is not one).
                            let text = record[field].trim_ascii_end();
                            let lines_taken = text.iter().filter(|b| **b == b'\n').count();
                            let what = match lines_taken {
                                0 => "is never closed".to_string(),
                                1 => "is not closed on its line, so the next line was read into that field".to_string(),
                                n => format!("is not closed on its line, so the next {n} lines were read into that field"),
                            };
                            let message = format!(
                                "the double quote that starts field {} {what} (close the quote, or write a quote inside a quoted value as \"\")",
                                field + 1,
                            );
                            table.problem(line, field + 1, message);
                            continue;
                        }
                        let mut message = format!(
                            "the row has {} field{}, the header has {}",
                            record.len(),
                            if record.len() == 1 { "" } else { "s" },
                            names.len()
                        );
                        let indented_comment = record
                            .get(0)
                            .is_some_and(|first| first.trim_ascii_start().starts_with(b"#"));
                        if indented_comment {
                            message.push_str(
                                " (a comment is a line whose first character is #: remove the spaces before it)",
                            );
                        } else if record.len() > names.len() {
                            // The usual cause: a comma inside a value, such as a note.
                            message.push_str(
                                " (a value holding a comma must be in double quotes: \"a, b\")",
                            );
                        }
                        table.problem(line, record.len().min(names.len()) + 1, message);
                        continue;
                    }
                    if let Some(fields) = table.decode(line, &record) {
                        table.rows.push(Row { line, fields });
                    }
                }
            }
        }
        if let Some(first) = empty_rows.first() {
            let shown: Vec<String> = empty_rows.iter().take(5).map(u64::to_string).collect();
            let which = match empty_rows.len() {
                1 => format!("line {first} holds"),
                n if n <= 5 => format!("lines {} hold", shown.join(", ")),
                n => format!("{n} lines ({} and {} more) hold", shown.join(", "), n - 5),
            };
            table.warnings.push(Warning(Problem {
                file: table.file.clone(),
                line: *first,
                column: 1,
                message: format!(
                    "{which} only empty fields (rows a spreadsheet left below the data): skipped"
                ),
            }));
        }
        table
    }

    /// A line starting with `#` is a comment; one that looks like a row (`#104,...`,
    /// with as many fields as the header) is probably an id starting with `#`. The
    /// template's commented examples start with `# ` and are not flagged.
    fn warn_rows_read_as_comments(&mut self, bytes: &[u8], fields: usize) {
        for (index, line) in bytes.split(|b| *b == b'\n').enumerate().skip(1) {
            let looks_like_row = line.first() == Some(&b'#')
                && !matches!(line.get(1), Some(b' ' | b'\t' | b'\r') | None)
                && line.iter().filter(|b| **b == b',').count() + 1 == fields;
            if looks_like_row {
                self.warnings.push(Warning(Problem {
                    file: self.file.clone(),
                    line: index as u64 + 1,
                    column: 1,
                    message: "the line starts with `#`, so it is read as a comment, though it has a row's fields; an id cannot start with `#`".into(),
                }));
            }
        }
    }

    fn read_header(&mut self, names: &[String], schema: &Schema) {
        if let [only] = names {
            if let Some(separator) = [';', '\t', '|'].into_iter().find(|c| only.contains(*c)) {
                let shown = if separator == '\t' {
                    "a tab".to_string()
                } else {
                    format!("`{separator}`")
                };
                self.problem(
                    1,
                    1,
                    format!(
                        "the header is a single column: the file seems to be separated by {shown}, but caseload reads comma-separated files (save it from the spreadsheet as \"CSV UTF-8 (comma delimited)\")"
                    ),
                );
                return;
            }
        }
        let has = |column: &str| names.iter().any(|n| n == column);
        let written = schema
            .written_tables
            .iter()
            .find(|(columns, _)| columns.iter().all(|c| has(c)));
        if let Some((&[column, ..], what)) = written {
            let missing = schema.required.iter().find(|c| !has(c));
            if missing.is_some() || !schema.optional.iter().any(|c| has(c)) {
                let index = names.iter().position(|n| n == column).unwrap_or(0);
                let lacking = match missing {
                    Some(own) => format!("no `{own}`"),
                    None => format!(
                        "none of {}",
                        schema
                            .optional
                            .iter()
                            .map(|c| format!("`{c}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                self.problem(
                    1,
                    index + 1,
                    format!("the header has `{column}` and {lacking}: this looks like {what}"),
                );
                return;
            }
        }
        // Another file in this one's place (the two files swapped) is said once, not as
        // every column missing.
        let missing = schema
            .required
            .iter()
            .find(|required| !names.iter().any(|n| n == *required));
        if let Some(own) = missing {
            let other = schema
                .other_files
                .iter()
                .find(|(column, _)| names.iter().any(|n| n == column));
            if let Some((column, what)) = other {
                let index = names.iter().position(|n| n == column).unwrap_or(0);
                self.problem(
                    1,
                    index + 1,
                    format!(
                        "the header has `{column}` and no `{own}`: this looks like {what}; were the files given the other way round?"
                    ),
                );
                return;
            }
        }
        let expected: Vec<&str> = schema
            .required
            .iter()
            .chain(schema.optional)
            .copied()
            .collect();
        let mut near_misses: HashMap<&str, usize> = HashMap::new();
        for (index, name) in names.iter().enumerate() {
            if schema.open {
                if names[..index].contains(name) {
                    self.problem(1, index + 1, format!("column `{name}` appears twice"));
                }
                continue;
            }
            let known = schema
                .required
                .iter()
                .chain(schema.optional)
                .find(|known| **known == name.as_str());
            match known {
                Some(known) => {
                    if self.columns.insert(known, index).is_some() {
                        self.problem(1, index + 1, format!("column `{name}` appears twice"));
                    }
                }
                None => {
                    let nearest = crate::config::nearest(name, &expected);
                    if let Some(nearest) = nearest {
                        near_misses.entry(nearest).or_insert(index);
                    }
                    let hint = nearest
                        .map(|n| format!("; did you mean `{n}`?"))
                        .unwrap_or_default();
                    self.warnings.push(Warning(Problem {
                        file: self.file.clone(),
                        line: 1,
                        column: index + 1,
                        message: format!("unknown column `{name}` is ignored{hint}"),
                    }));
                }
            }
        }
        for required in schema.required {
            if self.columns.contains_key(required) {
                continue;
            }
            match near_misses.get(required) {
                Some(&index) => self.problem(
                    1,
                    index + 1,
                    format!(
                        "required column `{required}` is missing: column {} is named `{}`; rename it `{required}`",
                        index + 1,
                        names[index]
                    ),
                ),
                // Where the column could be added: after the last one.
                None => self.problem(
                    1,
                    names.len() + 1,
                    format!(
                        "required column `{required}` is missing (the header has {} column{}; the names are listed in docs/allocation.md)",
                        names.len(),
                        if names.len() == 1 { "" } else { "s" }
                    ),
                ),
            }
        }
    }

    /// Decodes a record's fields as UTF-8, reporting each field that is not.
    fn decode(&mut self, line: u64, record: &csv::ByteRecord) -> Option<Vec<String>> {
        let mut fields = Vec::with_capacity(record.len());
        let mut ok = true;
        for (index, field) in record.iter().enumerate() {
            match std::str::from_utf8(field) {
                Ok(text) => fields.push(text.to_string()),
                Err(err) => {
                    ok = false;
                    let name = self
                        .names
                        .get(index)
                        .map_or(format!("field {}", index + 1), |n| format!("`{n}`"));
                    let message = format!(
                        "{name} is not valid UTF-8 (bad byte 0x{:02X} at byte {} of the field)",
                        field[err.valid_up_to()],
                        err.valid_up_to() + 1
                    );
                    self.problem(line, index + 1, message);
                }
            }
        }
        ok.then_some(fields)
    }

    fn csv_error(&mut self, err: &csv::Error, lines: &Lines) {
        let line = lines.at(err.position());
        self.problem(line, 0, format!("unreadable CSV: {err}"));
    }

    /// The problems in reading order (by line, then column).
    pub fn sorted_problems(&mut self) -> Vec<Problem> {
        let mut problems = std::mem::take(&mut self.problems);
        problems.sort_by_key(|p| (p.line, p.column));
        // A register saved from a UK spreadsheet has every date as day/month/year: one
        // line first says so and how to mend them all, before each is listed.
        let day_first = problems
            .iter()
            .filter(|p| p.message.contains(DAY_MONTH_YEAR))
            .count();
        if day_first >= 3 {
            problems.insert(
                0,
                Problem {
                    file: self.file.clone(),
                    line: 0,
                    column: 0,
                    message: format!(
                        "{day_first} dates are written day/month/year, as a spreadsheet set to UK dates saves them: format the date columns as yyyy-mm-dd (in the spreadsheet, custom format yyyy-mm-dd) and save the file again; each is listed below"
                    ),
                },
            );
        }
        problems
    }

    pub fn problem(&mut self, line: u64, column: usize, message: String) {
        self.problems.push(Problem {
            file: self.file.clone(),
            line,
            column,
            message,
        });
    }

    /// Parses the field `name` of `row` with `parse`; `None` if absent, empty or bad
    /// (a bad value is recorded as a problem).
    pub fn field<T>(
        &mut self,
        row: &Row,
        name: &'static str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        let index = *self.columns.get(name)?;
        let text = row.fields[index].as_str();
        if text.is_empty() {
            return None;
        }
        match parse(text) {
            Ok(value) => Some(value),
            Err(reason) => {
                self.problem(row.line, index + 1, format!("`{name}`: {reason}"));
                None
            }
        }
    }

    /// Like [`Table::field`], but an empty or absent value is a problem too.
    pub fn required<T>(
        &mut self,
        row: &Row,
        name: &'static str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        let index = self.columns.get(name).copied();
        let empty = index.is_none_or(|i| row.fields[i].is_empty());
        if empty {
            if let Some(index) = index {
                self.problem(row.line, index + 1, format!("`{name}` is empty"));
            }
            return None;
        }
        self.field(row, name, parse)
    }

    /// The 1-based column number of `name`, or 0 if the file lacks it.
    pub fn column(&self, name: &str) -> usize {
        self.columns.get(name).map_or(0, |i| i + 1)
    }
}

/// A CSV file with any columns: its header and its data rows with their line numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvRows {
    /// Column names, in file order.
    pub header: Vec<String>,
    /// Data rows (as many fields as the header), with the line each starts on.
    pub rows: Vec<(u64, Vec<String>)>,
}

/// Reads a CSV file with any columns, with the same checks as the supporters and
/// referrals loaders: a header row, no column twice, every row as long as the header,
/// every field UTF-8; blank lines and a byte-order mark are skipped.
///
/// # Errors
///
/// [`crate::LoadError::Invalid`] listing every problem, located.
pub fn read_csv(file: &Path, bytes: &[u8]) -> Result<CsvRows, crate::LoadError> {
    let open = Schema {
        required: &[],
        optional: &[],
        open: true,
        other_files: &[],
        written_tables: &[],
    };
    let mut table = Table::read(file, bytes, &open);
    let problems = table.sorted_problems();
    if !problems.is_empty() {
        return Err(crate::LoadError::Invalid(problems));
    }
    Ok(CsvRows {
        header: table.names,
        rows: table
            .rows
            .into_iter()
            .map(|row| (row.line, row.fields))
            .collect(),
    })
}

// ---- field parsers: each returns a reason that names the bad value ----

pub(crate) fn text(value: &str) -> Result<String, String> {
    Ok(value.to_string())
}

pub(crate) fn boolean(value: &str) -> Result<bool, String> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" => Ok(true),
        "false" | "no" | "0" => Ok(false),
        _ => Err(format!(
            "`{value}` is not a boolean (use true/false, yes/no or 1/0)"
        )),
    }
}

pub(crate) fn date(value: &str) -> Result<NaiveDate, String> {
    crate::week::within_years(crate::week::calendar_date(value)?)
}

/// Hours a week: a finite number more than 0 and at most `MAX_SUPPORTER_HOURS`, as the
/// contract says.
pub(crate) fn hours(value: &str) -> Result<f64, String> {
    use crate::load::MAX_SUPPORTER_HOURS;
    let hours: f64 = value
        .parse()
        .map_err(|_| format!("`{value}` is not a number"))?;
    if !hours.is_finite() {
        return Err(format!("`{value}` is not a finite number of hours"));
    }
    if hours <= 0.0 || hours > MAX_SUPPORTER_HOURS {
        return Err(format!(
            "{value} hours is out of range (must be more than 0 and at most {MAX_SUPPORTER_HOURS})"
        ));
    }
    Ok(hours)
}

/// A supporter's hours a week: [`hours`], and at least `MIN_SUPPORTER_HOURS`.
pub(crate) fn supporter_hours(value: &str) -> Result<f64, String> {
    use crate::load::{MAX_SUPPORTER_HOURS, MIN_SUPPORTER_HOURS};
    let hours = hours(value)?;
    if hours < MIN_SUPPORTER_HOURS {
        return Err(format!(
            "{value} hours is out of range (a supporter offers at least {MIN_SUPPORTER_HOURS} hours, 36 seconds, and at most {MAX_SUPPORTER_HOURS})"
        ));
    }
    Ok(hours)
}

pub(crate) fn whole_number(value: &str) -> Result<u32, String> {
    value
        .parse()
        .map_err(|e: std::num::ParseIntError| match e.kind() {
            std::num::IntErrorKind::PosOverflow => {
                format!("`{value}` is too large (at most {})", u32::MAX)
            }
            _ => format!("`{value}` is not a whole number >= 0"),
        })
}

pub(crate) fn priority(value: &str) -> Result<u8, String> {
    match value.parse::<u8>() {
        Ok(p @ 1..=5) => Ok(p),
        _ => Err(format!("`{value}` is not a priority from 1 to 5")),
    }
}

/// A `;`-separated list, trimmed, normalised by `case`, sorted, without duplicates.
pub(crate) fn list(case: fn(&str) -> String) -> impl Fn(&str) -> Result<Vec<String>, String> {
    move |value| {
        let mut items: Vec<String> = value
            .split(';')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(case)
            .collect();
        items.sort();
        items.dedup();
        Ok(items)
    }
}

/// Ids keep their case; only surrounding space is removed.
pub(crate) fn keep_case(value: &str) -> String {
    value.to_string()
}

/// One of a fixed set of lower-case words, matched case-insensitively.
pub(crate) fn one_of<T: Copy>(
    choices: &'static [(&'static str, T)],
) -> impl Fn(&str) -> Result<T, String> {
    move |value| {
        let lower = value.to_ascii_lowercase();
        choices
            .iter()
            .find(|(name, _)| *name == lower)
            .map(|(_, choice)| *choice)
            .ok_or_else(|| {
                let names: Vec<&str> = choices.iter().map(|(name, _)| *name).collect();
                format!("`{value}` is not one of {}", names.join(", "))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_read_within_the_years_caseload_reads() {
        assert_eq!(
            date("2015-11-02"),
            Ok(NaiveDate::from_ymd_opt(2015, 11, 2).unwrap())
        );
        assert_eq!(
            date("1899-12-31").unwrap_err(),
            "1899-12-31 is outside the years caseload reads (1900 to 2999)"
        );
        assert!(date("+262142-12-24").is_err());
        assert_eq!(
            date("2015-02-30").unwrap_err(),
            "`2015-02-30` is not a date: February 2015 has 28 days, not 30"
        );
    }
}
