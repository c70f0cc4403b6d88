//! TOML configuration files (policy, scenarios) with every problem located by line
//! and column, like the CSV loaders.
//!
//! A file that is not valid TOML gets every syntax error the parser recovers from.
//! Otherwise it is checked in full before anything is reported: every key of the wrong
//! type or unknown to the program, and every value out of its range, each in plain
//! words at the place the parser says it is. Serde stops at the first bad value, so a
//! bad entry is commented out (its bytes blanked, offsets kept) and the file
//! deserialised again until it passes.

use std::ops::Range;
use std::path::Path;

use serde::de::DeserializeOwned;
use toml::de::{DeTable, DeValue};

use crate::error::{LoadError, Problem};

/// Reads a configuration file as UTF-8 text (`-` reads standard input).
///
/// # Errors
///
/// [`LoadError::Io`] if it cannot be read, [`LoadError::Invalid`] if it is not UTF-8.
pub fn read(file: &Path) -> Result<String, LoadError> {
    let bytes = crate::files::read_input(file)?;
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

/// A date in quotes, `YYYY-MM-DD`, for `deserialize_with`: read as the CSV files'
/// dates are (in the years they may be), so that a day that does not exist is said in
/// words (`2015-02-30`: February 2015 has 28 days), not in the date library's ("input
/// is out of range").
///
/// # Errors
///
/// The deserializer's error, with the reason in words.
pub fn date<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<chrono::NaiveDate, D::Error> {
    use serde::de::Error;
    match <toml::Value as serde::Deserialize>::deserialize(deserializer)? {
        toml::Value::String(text) => crate::week::calendar_date(&text)
            .and_then(crate::week::within_years)
            .map_err(D::Error::custom),
        toml::Value::Datetime(_) => Err(D::Error::custom(
            "must be a date in quotes, like \"2015-09-01\" (a TOML date without quotes is not read)",
        )),
        other => Err(D::Error::custom(format!(
            "must be a date in quotes, like \"2015-09-01\", not {} {other}",
            other.type_str()
        ))),
    }
}

/// Exactly `N` numbers, for a `deserialize_with` wrapper: serde's arrays take the
/// first `N` of a longer list and drop the rest in silence (unread, so not even their
/// type is checked). `expected` says what the list is (`a list of length 5, ...`).
///
/// # Errors
///
/// The deserializer's error for a list of another length, or of other values.
pub fn exactly<'de, D: serde::Deserializer<'de>, const N: usize>(
    deserializer: D,
    expected: &str,
) -> Result<[f64; N], D::Error> {
    let values: Vec<f64> = serde::Deserialize::deserialize(deserializer)?;
    <[f64; N]>::try_from(values.as_slice())
        .map_err(|_| serde::de::Error::invalid_length(values.len(), &expected))
}

/// Deserialises TOML text; `file` only names it in messages.
///
/// # Errors
///
/// [`LoadError::Invalid`] listing every bad TOML construct, unknown key and value of
/// the wrong type, each with its line and column.
pub fn parse<T: DeserializeOwned>(file: &Path, text: &str) -> Result<T, LoadError> {
    load(file, text, |_: &T| Vec::<(&str, String)>::new())
}

/// Deserialises TOML text and checks its values with `check`, which returns the
/// out-of-range values as (dotted key, reason). Problems of both kinds are reported
/// together: a value of the wrong type does not hide a value out of range elsewhere.
///
/// # Errors
///
/// [`LoadError::Invalid`] listing every problem, in file order.
pub fn load<T: DeserializeOwned, K: AsRef<str>>(
    file: &Path,
    text: &str,
    check: impl FnOnce(&T) -> Vec<(K, String)>,
) -> Result<T, LoadError> {
    let (document, syntax) = DeTable::parse_recoverable(text);
    if !syntax.is_empty() {
        let problems = syntax
            .iter()
            .map(|err| {
                let offset = err.span().map_or(0, |span| span.start);
                located(file, text.as_bytes(), offset, syntax_words(err.message()))
            })
            .collect();
        return Err(LoadError::Invalid(problems));
    }
    let document = document.into_inner();
    let (value, mut problems) = deserialize_all::<T>(file, text, &document);
    if let Some(value) = &value {
        problems.extend(
            check(value)
                .into_iter()
                .map(|(key, message)| at_key(file, text, &document, key.as_ref(), message)),
        );
    }
    match value {
        Some(value) if problems.is_empty() => Ok(value),
        _ => {
            problems.sort_by_key(|p| (p.line, p.column));
            problems.dedup();
            Err(LoadError::Invalid(problems))
        }
    }
}

/// Turns out-of-range values, as (dotted key, reason), into located problems.
///
/// # Errors
///
/// [`LoadError::Invalid`] listing every one, each at the key that sets it.
pub fn check_values<K: AsRef<str>>(
    file: &Path,
    text: &str,
    bad: Vec<(K, String)>,
) -> Result<(), LoadError> {
    if bad.is_empty() {
        return Ok(());
    }
    let (document, _) = DeTable::parse_recoverable(text);
    let document = document.into_inner();
    Err(LoadError::Invalid(
        bad.into_iter()
            .map(|(key, message)| at_key(file, text, &document, key.as_ref(), message))
            .collect(),
    ))
}

/// Sets the dotted `key` (`supporters.paid`) of a TOML table to `value`, making the
/// tables on the way as needed.
///
/// # Errors
///
/// A message when the key is empty or a part of its path is a value, not a table.
pub fn set_key(table: &mut toml::Table, key: &str, value: toml::Value) -> Result<(), String> {
    let parts: Vec<&str> = key.split('.').collect();
    let Some((last, parents)) = parts.split_last().filter(|_| !key.is_empty()) else {
        return Err("an empty key".into());
    };
    let mut current = table;
    for part in parents {
        current = current
            .entry(part.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()))
            .as_table_mut()
            .ok_or_else(|| format!("`{key}`: `{part}` is not a table"))?;
    }
    current.insert(last.to_string(), value);
    Ok(())
}

/// A problem with the value of the dotted `key` (for example `families.languages`),
/// located where the parser found that key; at the start of its table, or line 1, if
/// the file does not set it (a default out of range).
pub fn problem_at_key(file: &Path, text: &str, key: &str, message: String) -> Problem {
    let (document, _) = DeTable::parse_recoverable(text);
    at_key(file, text, &document.into_inner(), key, message)
}

fn at_key(file: &Path, text: &str, document: &DeTable<'_>, key: &str, message: String) -> Problem {
    located(file, text.as_bytes(), key_offset(document, key), message)
}

/// Byte offset of the dotted `key` in the parsed document: the key itself, or the
/// deepest table on its path that the file has; an index after an array of tables
/// (`simulation.1.policies`) names its entry.
fn key_offset(document: &DeTable<'_>, key: &str) -> usize {
    let mut table = document;
    let mut offset = 0;
    let mut segments = key.split('.');
    while let Some(segment) = segments.next() {
        let Some((name, mut value)) = table.get_key_value(segment) else {
            break;
        };
        offset = name.span().start;
        // An array of tables (`[[simulation]]`): the next segment is the entry's index,
        // so that a problem of the second entry is put there, not at the first.
        if let DeValue::Array(items) = value.get_ref() {
            let Some(item) = segments
                .next()
                .and_then(|index| index.parse::<usize>().ok())
                .and_then(|index| items.get(index))
            else {
                break;
            };
            offset = item.span().start;
            value = item;
        }
        match value.get_ref() {
            DeValue::Table(inner) => table = inner,
            _ => break,
        }
    }
    offset
}

/// The dotted path of the innermost entry whose key or value covers `offset`, with
/// the byte range from its key to the end of its value.
fn entry_at(table: &DeTable<'_>, offset: usize) -> Option<(String, Range<usize>)> {
    for (name, value) in table.iter() {
        if let DeValue::Table(inner) = value.get_ref() {
            if let Some((path, range)) = entry_at(inner, offset) {
                return Some((format!("{}.{path}", name.get_ref()), range));
            }
        }
        // A `[table]` header's span is the header alone: its entries go with it, or
        // they would fall into the table before.
        let end = value
            .span()
            .end
            .max(name.span().end)
            .max(entries_end(value.get_ref()));
        let range = name.span().start..end;
        if range.contains(&offset) {
            return Some((name.get_ref().to_string(), range));
        }
    }
    None
}

/// The end of the last entry below a table (0 for any other value).
fn entries_end(value: &DeValue<'_>) -> usize {
    match value {
        DeValue::Table(table) => table
            .iter()
            .map(|(name, value)| {
                name.span()
                    .end
                    .max(value.span().end)
                    .max(entries_end(value.get_ref()))
            })
            .max()
            .unwrap_or(0),
        _ => 0,
    }
}

/// Deserialises, and on each error records it, comments the bad entry out and tries
/// again, so every bad entry is reported. Stops where an error cannot be pinned to one
/// entry (a missing key), returning no value then.
fn deserialize_all<T: DeserializeOwned>(
    file: &Path,
    text: &str,
    document: &DeTable<'_>,
) -> (Option<T>, Vec<Problem>) {
    let mut working = text.to_string();
    let mut problems = Vec::new();
    let mut blanked: Vec<Range<usize>> = Vec::new();
    loop {
        let err = match toml::from_str::<T>(&working) {
            Ok(value) => return (Some(value), problems),
            Err(err) => err,
        };
        // A missing key has no place of its own: reported at the top unless it follows
        // another problem (a required key commented out is then "missing": said already).
        if let Some(name) = err.message().trim().strip_prefix("missing field ") {
            if problems.is_empty() {
                problems.push(located(
                    file,
                    text.as_bytes(),
                    0,
                    format!("required key {name} is missing"),
                ));
            }
            return (None, problems);
        }
        let offset = err.span().map_or(0, |span| span.start);
        let entry = err.span().and_then(|_| entry_at(document, offset));
        let key = entry.as_ref().map(|(path, _)| path.as_str());
        problems.push(located(
            file,
            text.as_bytes(),
            offset,
            plain_words(err.message(), key),
        ));
        let Some((_, range)) = entry else {
            return (None, problems);
        };
        let lines = whole_lines(&working, &range);
        if blanked.contains(&lines) {
            return (None, problems);
        }
        blank(&mut working, &lines);
        blanked.push(lines);
        if DeTable::parse(&working).is_err() {
            // Blanking broke the file's structure (a value inside an inline table):
            // what was found so far is what can be said.
            return (None, problems);
        }
    }
}

/// The range widened to whole lines.
fn whole_lines(text: &str, range: &Range<usize>) -> Range<usize> {
    let start = text[..range.start].rfind('\n').map_or(0, |p| p + 1);
    let end = text[range.end..]
        .find('\n')
        .map_or(text.len(), |p| range.end + p);
    start..end
}

/// Comments out `lines`, keeping every byte offset (and so every location) the same:
/// each line's first character becomes `#`, the rest spaces of the same byte length.
fn blank(text: &mut String, lines: &Range<usize>) {
    let mut replaced = String::with_capacity(lines.len());
    let mut line_start = true;
    for c in text[lines.clone()].chars() {
        if c == '\n' {
            replaced.push('\n');
            line_start = true;
            continue;
        }
        let width = c.len_utf8();
        if line_start {
            replaced.push('#');
            replaced.push_str(&" ".repeat(width - 1));
            line_start = false;
        } else {
            replaced.push_str(&" ".repeat(width));
        }
    }
    text.replace_range(lines.clone(), &replaced);
}

/// Serde's wording (`invalid type: string "x", expected f64`) in words a provider
/// reads, naming the key.
fn plain_words(message: &str, key: Option<&str>) -> String {
    let message = message.trim();
    let subject = key.map_or("the value".to_string(), |k| format!("`{k}`"));
    let wrong = message
        .strip_prefix("invalid type: ")
        .or_else(|| message.strip_prefix("invalid value: "))
        .and_then(|rest| rest.split_once(", expected "));
    if let Some((found, expected)) = wrong {
        // A date written without quotes (`start = 2015-09-07`) is a TOML date, which
        // serde sees as a table: say so rather than "not a table".
        // A whole number past 64 bits arrives as serde's 128-bit integer, whatever the
        // key expects (`integer `1e20-ish` as i128`).
        if let Some(value) = found.trim().strip_prefix("integer `").and_then(|v| {
            v.strip_suffix("` as i128")
                .or_else(|| v.strip_suffix("` as u128"))
        }) {
            return format!(
                "{subject}: {value} is too large a whole number to read (at most {}), and larger than any setting",
                i64::MAX
            );
        }
        if expected.contains("date") && found.trim() == "map" {
            return format!(
                "{subject} must be {} (a TOML date without quotes is not read)",
                expected_words(expected)
            );
        }
        return format!(
            "{subject} must be {}, not {}",
            expected_words(expected),
            found_words(found)
        );
    }
    if let Some(rest) = message.strip_prefix("invalid length ") {
        if let Some((length, expected)) = rest.split_once(", expected ") {
            return format!(
                "{subject} must be {}, not a list of {length}",
                expected.trim().replace("an array", "a list")
            );
        }
    }
    if let Some(rest) = message.strip_prefix("unknown field ") {
        let (name, known) = rest
            .split_once(", expected ")
            .map_or((rest, ""), |(n, k)| (n, k));
        let name = name.trim_matches('`');
        // Serde lists the keys as `a`, `b`, `c`, or as `a` or `b` when there are two.
        let known = known
            .trim_start_matches("one of ")
            .replace("` or `", "`, `");
        let known: Vec<&str> = known
            .split(", ")
            .map(|k| k.trim_matches('`'))
            .filter(|k| !k.is_empty())
            .collect();
        let table = key
            .and_then(|k| k.rsplit_once('.'))
            .map_or("at the top level".to_string(), |(t, _)| format!("in [{t}]"));
        let hint = nearest(name, &known)
            .map(|n| format!("; did you mean `{n}`?"))
            .unwrap_or_default();
        return format!(
            "unknown key `{name}` {table}{hint} (known keys: {})",
            known.join(", ")
        );
    }
    if let Some(rest) = message.strip_prefix("unknown variant ") {
        if let Some((found, expected)) = rest.split_once(", expected ") {
            let choices = expected
                .trim_start_matches("one of ")
                .replace('`', "")
                .replace(" or ", ", ");
            let listed: Vec<&str> = choices.split(", ").collect();
            let hint = nearest(found.trim_matches('`'), &listed)
                .map(|n| format!(" (did you mean {n}?)"))
                .unwrap_or_default();
            return format!(
                "{subject} is {found}, which is not one of: {choices}{hint}",
                found = found.replace('`', "\"")
            );
        }
    }
    if let Some(rest) = message.strip_prefix("missing field ") {
        return format!("required key {rest} is missing");
    }
    match key {
        Some(key) if message.starts_with("must be ") => format!("`{key}` {message}"),
        Some(key) => format!("`{key}`: {message}"),
        None => message.to_string(),
    }
}

fn expected_words(expected: &str) -> String {
    let expected = expected.trim();
    let words = match expected {
        "f64" | "f32" | "a float" => "a number",
        "u8" | "u16" | "u32" | "u64" | "usize" => "a whole number, 0 or more",
        "i8" | "i16" | "i32" | "i64" | "isize" | "an integer" => "a whole number",
        "a boolean" | "bool" => "true or false",
        "a string" | "a borrowed string" | "a character" => "text in quotes",
        "a sequence" => "a list in brackets, like [\"a\", \"b\"]",
        "a map" => "a table",
        other if other.starts_with("struct ") => "a table",
        other if other.starts_with("a date") || other.contains("date") => {
            "a date in quotes, like \"2015-09-01\""
        }
        other => return other.replace('`', ""),
    };
    words.to_string()
}

fn found_words(found: &str) -> String {
    let found = found.trim();
    for (serde, words) in [
        ("string ", "the text "),
        ("integer ", "the whole number "),
        ("floating point ", "the number "),
        ("boolean ", ""),
    ] {
        if let Some(value) = found.strip_prefix(serde) {
            return format!("{words}{}", value.trim_matches('`'));
        }
    }
    match found {
        "sequence" => "a list".into(),
        "map" => "a table".into(),
        other => other.to_string(),
    }
}

/// The parser's syntax messages are already plain; keep them on one line.
fn syntax_words(message: &str) -> String {
    let line = message.trim().replace('\n', " ");
    format!("not valid TOML: {line}")
}

/// `; did you mean `X`?` for the known id or name closest to `name`, if close enough to
/// be a typo (an empty string otherwise): for messages about an unknown id.
pub fn did_you_mean<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> String {
    let known: Vec<&str> = known.into_iter().collect();
    nearest(name, &known)
        .map(|n| format!("; did you mean `{n}`?"))
        .unwrap_or_default()
}

/// The known name closest to `name` by edit distance, if close enough to be a typo.
pub fn nearest<'a>(name: &str, known: &[&'a str]) -> Option<&'a str> {
    let normal = |s: &str| s.to_lowercase().replace([' ', '-'], "_");
    let wanted = normal(name);
    known
        .iter()
        .map(|k| (strsim::levenshtein(&wanted, &normal(k)), *k))
        .filter(|(distance, k)| *distance <= (k.len() / 3).max(1))
        .min()
        .map(|(_, k)| k)
}

fn located(file: &Path, bytes: &[u8], offset: usize, message: String) -> Problem {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|b| **b == b'\n').count() as u64 + 1;
    let line_start = before
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |p| p + 1);
    // A byte-order mark is not a column.
    let start = if line_start == 0 && before.starts_with("\u{feff}".as_bytes()) {
        3
    } else {
        line_start
    };
    let column = String::from_utf8_lossy(&before[start.min(before.len())..])
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, Default)]
    #[serde(deny_unknown_fields, default)]
    struct Section {
        languages: Vec<String>,
        share: f64,
        count: u32,
    }

    #[derive(Debug, Deserialize, Default)]
    #[serde(deny_unknown_fields, default)]
    struct Config {
        name: String,
        supporters: Section,
        families: Section,
    }

    fn problems(text: &str) -> Vec<String> {
        let check = |c: &Config| {
            let mut bad = Vec::new();
            if !(0.0..=1.0).contains(&c.families.share) {
                bad.push((
                    "families.share",
                    format!("must be from 0 to 1, got {}", c.families.share),
                ));
            }
            bad
        };
        load(Path::new("c.toml"), text, check)
            .unwrap_err()
            .problems()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    /// What [`parse`] finds wrong with `text`, as printed.
    fn parse_problems<T: serde::de::DeserializeOwned + std::fmt::Debug>(
        file: &str,
        text: &str,
    ) -> Vec<String> {
        parse::<T>(Path::new(file), text)
            .unwrap_err()
            .problems()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn every_problem_is_listed_at_once_in_plain_words() {
        let text = "name = \"x\"\n[supporters]\nshare = \"half\"\ncolour = 3\n[families]\ncount = -2\nshare = 1.5\n";
        assert_eq!(
            problems(text),
            [
                "c.toml:3:9: `supporters.share` must be a number, not the text \"half\"",
                "c.toml:4:1: unknown key `colour` in [supporters] (known keys: languages, share, count)",
                "c.toml:6:9: `families.count` must be a whole number, 0 or more, not the whole number -2",
                "c.toml:7:1: must be from 0 to 1, got 1.5",
            ]
        );
    }

    #[test]
    fn dates_are_read_as_the_files_read_them() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Dated {
            #[serde(deserialize_with = "date")]
            start: chrono::NaiveDate,
        }
        let read = |value: &str| {
            let text = format!("start = {value}\n");
            match load::<Dated, &str>(Path::new("c.toml"), &text, |_| Vec::new()) {
                Ok(d) => d.start.to_string(),
                Err(err) => err.problems()[0].to_string(),
            }
        };
        assert_eq!(read("\"2015-09-07\""), "2015-09-07");
        assert_eq!(
            read("\"2015-02-30\""),
            "c.toml:1:9: `start`: `2015-02-30` is not a date: February 2015 has 28 days, not 30"
        );
        assert_eq!(
            read("2015-09-07"),
            "c.toml:1:9: `start` must be a date in quotes, like \"2015-09-01\" (a TOML date without quotes is not read)"
        );
        assert_eq!(
            read("3"),
            "c.toml:1:9: `start` must be a date in quotes, like \"2015-09-01\", not integer 3"
        );
    }

    #[test]
    fn a_whole_number_past_64_bits_is_said_to_be_too_large() {
        let text = "[supporters]\nshare = 99999999999999999999\n[families]\ncount = 99999999999999999999\n";
        assert_eq!(
            problems(text),
            [
                "c.toml:2:9: `supporters.share`: 99999999999999999999 is too large a whole number to read (at most 9223372036854775807), and larger than any setting",
                "c.toml:4:9: `families.count`: 99999999999999999999 is too large a whole number to read (at most 9223372036854775807), and larger than any setting",
            ]
        );
    }

    #[test]
    fn a_key_in_two_tables_is_located_in_the_right_one() {
        let text = "[supporters]\nlanguages = [\"pl\"]\n[families]\nlanguages = 3\n";
        assert_eq!(
            problems(text),
            ["c.toml:4:13: `families.languages` must be a list in brackets, like [\"a\", \"b\"], not the whole number 3"]
        );
        let (document, _) = DeTable::parse_recoverable(text);
        let document = document.into_inner();
        assert_eq!(
            key_offset(&document, "families.languages"),
            text.rfind("languages").unwrap()
        );
        assert_eq!(
            key_offset(&document, "supporters.languages"),
            text.find("languages").unwrap()
        );
        // A key the file does not set is placed at its table.
        assert_eq!(
            key_offset(&document, "families.share"),
            text.find("families").unwrap()
        );
    }

    #[test]
    fn lists_of_the_wrong_length_and_two_key_tables_read_plainly() {
        #[derive(Debug, Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Pair {
            #[allow(dead_code)]
            weights: [f64; 3],
            #[allow(dead_code)]
            #[serde(default)]
            other: f64,
        }
        let found = parse_problems::<Pair>("p.toml", "weights = [1, 2]\nothr = 1\n");
        assert_eq!(
            found,
            [
                "p.toml:1:11: `weights` must be a list of length 3, not a list of 2",
                "p.toml:2:1: unknown key `othr` at the top level; did you mean `other`? (known keys: weights, other)",
            ]
        );
    }

    #[test]
    fn a_date_without_quotes_is_told_to_take_them() {
        #[derive(Debug, Deserialize)]
        struct Dated {
            #[allow(dead_code)]
            start: chrono::NaiveDate,
        }
        let found = parse_problems::<Dated>("d.toml", "start = 2015-09-07\n");
        assert_eq!(
            found,
            ["d.toml:1:9: `start` must be a date in quotes, like \"2015-09-01\" (a TOML date without quotes is not read)"]
        );
        assert!(parse::<Dated>(Path::new("d.toml"), "start = \"2015-09-07\"\n").is_ok());
    }

    #[test]
    fn a_misspelt_table_takes_its_keys_with_it() {
        assert_eq!(
            problems("name = \"x\"\n[famlies]\nshare = 1.5\n"),
            ["c.toml:2:2: unknown key `famlies` at the top level; did you mean `families`? (known keys: name, supporters, families)"]
        );
        assert_eq!(
            problems("\u{feff}nme = \"x\"\n"),
            ["c.toml:1:1: unknown key `nme` at the top level; did you mean `name`? (known keys: name, supporters, families)"]
        );
    }

    #[test]
    fn typos_get_the_nearest_key_and_syntax_errors_are_all_listed() {
        assert_eq!(
            problems("[families]\nshar = 0.5\n"),
            ["c.toml:2:1: unknown key `shar` in [families]; did you mean `share`? (known keys: languages, share, count)"]
        );
        let found = problems("name = \nshare = = 2\n");
        assert!(found.len() >= 2, "{found:?}");
        assert!(
            found.iter().all(|p| p.contains("not valid TOML")),
            "{found:?}"
        );
    }
}
