//! Carrying a plan into next week's register: the referrals file with this week's new
//! assignments recorded in `supporter_id`, and nothing else changed.
//!
//! Rows keep their order and their bytes: a row whose holder does not change is copied
//! as it was read (quoting, spacing, unknown columns and all), and so are comment lines,
//! blank lines and the line ends between rows. Only a row that gets a new holder is
//! written again, field by field.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use crate::error::{LoadError, Problem};

/// The referrals file `bytes` (read from `file`) with `holders` (referral id →
/// supporter id) written into its `supporter_id` column. A file without that column
/// gains it at the end of every row.
///
/// # Errors
///
/// [`LoadError::Invalid`] if the file has no `referral_id` column, cannot be read as
/// CSV, or lacks a referral named in `holders`.
pub fn record_assignments(
    file: &Path,
    bytes: &[u8],
    holders: &BTreeMap<String, String>,
) -> Result<Vec<u8>, LoadError> {
    let problem = |line: u64, message: String| {
        LoadError::Invalid(vec![Problem {
            file: file.to_path_buf(),
            line,
            column: 0,
            message,
        }])
    };
    let bom = bytes.starts_with(b"\xEF\xBB\xBF");
    let body = if bom { &bytes[3..] } else { bytes };
    let mut reader = crate::table::reader().from_reader(body);
    let mut seen: HashSet<&str> = HashSet::new();
    let mut out = Vec::with_capacity(bytes.len() + holders.len() * 8);
    if bom {
        out.extend_from_slice(b"\xEF\xBB\xBF");
    }

    let mut record = csv::ByteRecord::new();
    let mut copied_to = 0usize;
    let mut header: Option<(usize, Option<usize>)> = None;
    loop {
        let start = reader.position().byte() as usize;
        let more = reader
            .read_byte_record(&mut record)
            .map_err(|err| problem(line_of(body, start), format!("unreadable CSV: {err}")))?;
        if !more {
            break;
        }
        // The reader's positions mark where it started (before any comment or line
        // end it skipped) and may stop between the `\r` and `\n` of a line end.
        let record_start = crate::table::skip_to_row(body, start);
        let mut end = reader.position().byte() as usize;
        if end > 0 && body.get(end - 1) == Some(&b'\r') && body.get(end) == Some(&b'\n') {
            end += 1;
        }
        // Comments, blank lines and anything else between rows, as they were.
        out.extend_from_slice(&body[copied_to..record_start]);
        copied_to = end;
        let raw = &body[record_start..end];
        let (content, ending) = split_line_end(raw);

        let Some((id_column, holder_column)) = header else {
            let names: Vec<&[u8]> = record.iter().collect();
            let position =
                |name: &str| names.iter().position(|n| n.trim_ascii() == name.as_bytes());
            let Some(id_column) = position("referral_id") else {
                return Err(problem(
                    1,
                    "the register has no `referral_id` column".into(),
                ));
            };
            header = Some((id_column, position("supporter_id")));
            out.extend_from_slice(content);
            if header.is_some_and(|(_, holder)| holder.is_none()) {
                out.extend_from_slice(b",supporter_id");
            }
            out.extend_from_slice(ending);
            continue;
        };
        let blank_row =
            record.len() == 1 && record.get(0).is_some_and(|f| f.trim_ascii().is_empty());
        let id = record
            .get(id_column)
            .and_then(|id| std::str::from_utf8(id.trim_ascii()).ok())
            .filter(|_| !blank_row);
        let holder = id
            .and_then(|id| holders.get_key_value(id))
            .map(|(id, holder)| {
                seen.insert(id.as_str());
                holder
            });
        match (holder, holder_column) {
            (None, Some(_)) => out.extend_from_slice(raw),
            (None, None) => {
                out.extend_from_slice(content);
                if !blank_row {
                    out.push(b',');
                }
                out.extend_from_slice(ending);
            }
            (Some(holder), Some(column)) => {
                let mut fields: Vec<&[u8]> = record.iter().collect();
                if column < fields.len() {
                    fields[column] = holder.as_bytes();
                }
                out.extend_from_slice(&serialize(&fields));
                out.extend_from_slice(ending);
            }
            (Some(holder), None) => {
                out.extend_from_slice(content);
                out.push(b',');
                out.extend_from_slice(&serialize(&[holder.as_bytes()]));
                out.extend_from_slice(ending);
            }
        }
    }
    out.extend_from_slice(&body[copied_to..]);
    if seen.len() != holders.len() {
        let missing: Vec<&str> = holders
            .keys()
            .map(String::as_str)
            .filter(|id| !seen.contains(id))
            .collect();
        return Err(problem(
            0,
            format!(
                "the register has no row for {}",
                missing
                    .iter()
                    .map(|id| format!("`{id}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    Ok(out)
}

/// A record's bytes without its line end, and the line end (`\r\n`, `\n` or none).
fn split_line_end(raw: &[u8]) -> (&[u8], &[u8]) {
    let cut = if raw.ends_with(b"\r\n") {
        2
    } else if raw.ends_with(b"\n") || raw.ends_with(b"\r") {
        1
    } else {
        0
    };
    raw.split_at(raw.len() - cut)
}

/// One CSV record, quoted only where needed, without a line end.
fn serialize(fields: &[&[u8]]) -> Vec<u8> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    // Writing to memory cannot fail.
    let _ = writer.write_record(fields);
    let mut bytes = writer.into_inner().unwrap_or_default();
    bytes.pop();
    bytes
}

/// Whether two registers hold the same rows, read as CSV, but for who holds each case
/// (the `supporter_id` column): the same register planned again (other decisions, a
/// re-run), not one edited since it was written (a referral added, a case closed).
pub fn same_but_holders(a: &[u8], b: &[u8]) -> bool {
    let rows = |bytes: &[u8]| -> Option<Vec<csv::ByteRecord>> {
        let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        reader_rows(body)
    };
    let (Some(a), Some(b)) = (rows(a), rows(b)) else {
        return false;
    };
    let Some(header) = a.first() else {
        return b.is_empty();
    };
    let holder = header
        .iter()
        .position(|name| name.trim_ascii() == b"supporter_id");
    a.len() == b.len()
        && a.iter().zip(&b).all(|(x, y)| {
            x.len() == y.len()
                && x.iter()
                    .zip(y.iter())
                    .enumerate()
                    .all(|(i, (f, g))| f == g || Some(i) == holder)
        })
}

/// Every record of `body` (comments and blank lines left out), or None if it is not CSV.
fn reader_rows(body: &[u8]) -> Option<Vec<csv::ByteRecord>> {
    crate::table::reader()
        .from_reader(body)
        .byte_records()
        .collect::<Result<Vec<_>, _>>()
        .ok()
}

fn line_of(body: &[u8], offset: usize) -> u64 {
    1 + body[..offset.min(body.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_register_planned_again_differs_only_in_who_holds_each_case() {
        let first = "referral_id,area,supporter_id,closed\n# a note\nR1,A,S1,\nR2,A,,\n";
        let again = "referral_id,area,supporter_id,closed\n# a note\nR1,A,S2,\nR2,A,S3,\n";
        assert!(same_but_holders(first.as_bytes(), again.as_bytes()));
        assert!(same_but_holders(
            format!("\u{feff}{first}").as_bytes(),
            first.as_bytes()
        ));
        // Edited since: a referral added, a case closed, a column renamed.
        for edited in [
            format!("{first}R3,A,,\n"),
            first.replace("R2,A,,", "R2,A,,2015-11-04"),
            first.replace("closed", "ended"),
        ] {
            assert!(
                !same_but_holders(edited.as_bytes(), first.as_bytes()),
                "{edited}"
            );
        }
    }

    fn holders(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(r, s)| (r.to_string(), s.to_string()))
            .collect()
    }

    fn rewrite(text: &str, pairs: &[(&str, &str)]) -> String {
        let bytes =
            record_assignments(Path::new("r.csv"), text.as_bytes(), &holders(pairs)).unwrap();
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn only_the_rows_given_a_supporter_change() {
        let text = "referral_id,area,colour,supporter_id\r\n# a comment\r\nR1, E1 ,\"blue\",\r\n\r\nR2,E1,\"red, dark\",S1\r\nR3,E1,,\r\n";
        assert_eq!(
            rewrite(text, &[("R1", "S2"), ("R3", "S1")]),
            "referral_id,area,colour,supporter_id\r\n# a comment\r\nR1, E1 ,blue,S2\r\n\r\nR2,E1,\"red, dark\",S1\r\nR3,E1,,S1\r\n"
        );
        assert_eq!(
            rewrite(text, &[]),
            text,
            "nothing to record: the same bytes"
        );
    }

    #[test]
    fn a_register_without_the_column_gains_it() {
        let text = "\u{feff}referral_id,area\nR1,E1\nR2,E1";
        assert_eq!(
            rewrite(text, &[("R2", "S 1")]),
            "\u{feff}referral_id,area,supporter_id\nR1,E1,\nR2,E1,S 1"
        );
    }

    #[test]
    fn an_unknown_referral_is_an_error() {
        let err = record_assignments(
            Path::new("r.csv"),
            b"referral_id,area\nR1,E1\n",
            &holders(&[("R9", "S1")]),
        )
        .unwrap_err();
        assert_eq!(
            err.problems()[0].to_string(),
            "r.csv:0:0: the register has no row for `R9`"
        );
    }
}
