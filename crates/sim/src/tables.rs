//! Per-replication rows as CSV and Parquet, built and written with polars.

use std::path::{Path, PathBuf};

use caseload_model::files::write_atomically;
use polars::prelude::{Column, CsvWriter, DataFrame, ParquetWriter, SerWriter};

use crate::{Results, RunRow, SimError, WeeklyProofs};

/// Per-replication rows as a table: `replication`, `policy`, then one column per
/// measure, overall and then per priority (`coverage_priority_5`), null where a
/// measure is undefined in a replication, and last `weekly_problems` and
/// `weekly_problems_not_proven` for a policy that optimises (null for the others).
///
/// # Errors
///
/// [`SimError::Output`] if polars cannot build the table.
pub fn rows_frame(rows: &[RunRow]) -> Result<DataFrame, SimError> {
    let table_error = |e: polars::error::PolarsError| SimError::Output {
        file: PathBuf::from("replications"),
        source: Box::new(e),
    };
    let mut columns = vec![
        Column::new(
            "replication".into(),
            rows.iter().map(|r| r.replication).collect::<Vec<u32>>(),
        ),
        Column::new(
            "policy".into(),
            rows.iter()
                .map(|r| r.policy.as_str())
                .collect::<Vec<&str>>(),
        ),
    ];
    let cells = |row: &RunRow| -> Vec<(String, f64)> {
        let m = &row.measures;
        let overall = m
            .metrics
            .each()
            .into_iter()
            .map(|(n, _, v)| (n.to_string(), *v));
        let by_priority = m.by_priority.iter().zip(1..).flat_map(|(p, level)| {
            p.each()
                .into_iter()
                .map(move |(n, _, v)| (format!("{n}_priority_{level}"), *v))
        });
        overall.chain(by_priority).collect()
    };
    let table: Vec<Vec<(String, f64)>> = rows.iter().map(cells).collect();
    if let Some(first) = table.first() {
        for (m, (name, _)) in first.iter().enumerate() {
            let values: Vec<Option<f64>> = table
                .iter()
                .map(|row| Some(row[m].1).filter(|v| v.is_finite()))
                .collect();
            columns.push(Column::new(name.as_str().into(), values));
        }
    }
    // The weekly problems of a policy that optimises, and how many were not proven
    // (a scenario's node limit): empty for the others.
    let proofs = |count: fn(&WeeklyProofs) -> u64| -> Vec<Option<u64>> {
        rows.iter().map(|r| r.proofs.as_ref().map(count)).collect()
    };
    columns.push(Column::new("weekly_problems".into(), proofs(|p| p.solved)));
    columns.push(Column::new(
        "weekly_problems_not_proven".into(),
        proofs(|p| p.not_proven),
    ));
    DataFrame::new(rows.len(), columns).map_err(table_error)
}

/// The rows of `results` as CSV text (what `replications.csv` holds).
///
/// # Errors
///
/// [`SimError::Output`] if polars cannot build or write the table.
pub fn rows_csv(results: &Results) -> Result<String, SimError> {
    let mut df = rows_frame(&results.rows)?;
    let mut bytes = Vec::new();
    let output = |source: Box<dyn std::error::Error + Send + Sync>| SimError::Output {
        file: PathBuf::from("replications.csv"),
        source,
    };
    CsvWriter::new(&mut bytes)
        .finish(&mut df)
        .map_err(|e| output(Box::new(e)))?;
    String::from_utf8(bytes).map_err(|e| output(Box::new(e)))
}

/// Writes `replications.csv` and `replications.parquet` into `dir`, each whole or not
/// at all (a temporary file renamed into place). Returns the files written.
///
/// # Errors
///
/// [`SimError::Output`] if a file cannot be written.
pub fn write_tables(results: &Results, dir: &Path) -> Result<Vec<PathBuf>, SimError> {
    let mut df = rows_frame(&results.rows)?;
    let csv = dir.join("replications.csv");
    atomic_write(&csv, |file| {
        CsvWriter::new(file)
            .finish(&mut df)
            .map_err(std::io::Error::other)
    })?;
    let parquet = dir.join("replications.parquet");
    atomic_write(&parquet, |file| {
        ParquetWriter::new(file)
            .finish(&mut df)
            .map(|_| ())
            .map_err(std::io::Error::other)
    })?;
    Ok(vec![csv, parquet])
}

/// Writes `path` whole or not at all (see [`write_atomically`]).
pub(crate) fn atomic_write(
    path: &Path,
    write: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
) -> Result<(), SimError> {
    write_atomically(path, write).map_err(|e| SimError::Output {
        file: path.to_path_buf(),
        source: Box::new(e),
    })
}
