//! Per-replication rows as CSV and Parquet, built and written with polars.

use std::path::{Path, PathBuf};

use caseload_model::files::write_atomically;
use polars::prelude::{Column, CsvWriter, DataFrame, ParquetWriter, SerWriter};

use crate::{Results, SimError};

/// The rows of `results` as a table: `replication`, `policy`, then one column per
/// metric (null where a metric is undefined in a replication).
fn frame(results: &Results) -> Result<DataFrame, SimError> {
    let table_error = |e: polars::error::PolarsError| SimError::Output {
        file: PathBuf::from("replications"),
        reason: e.to_string(),
    };
    let rows = &results.rows;
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
    if let Some(first) = rows.first() {
        for (m, (name, _)) in first.metrics.iter().enumerate() {
            let values: Vec<Option<f64>> = rows
                .iter()
                .map(|r| Some(r.metrics[m].1).filter(|v| v.is_finite()))
                .collect();
            columns.push(Column::new(name.as_str().into(), values));
        }
    }
    DataFrame::new(rows.len(), columns).map_err(table_error)
}

/// The rows of `results` as CSV text (what `replications.csv` holds).
///
/// # Errors
///
/// [`SimError::Output`] if polars cannot build or write the table.
pub fn rows_csv(results: &Results) -> Result<String, SimError> {
    let mut df = frame(results)?;
    let mut bytes = Vec::new();
    CsvWriter::new(&mut bytes)
        .finish(&mut df)
        .map_err(|e| SimError::Output {
            file: PathBuf::from("replications.csv"),
            reason: e.to_string(),
        })?;
    String::from_utf8(bytes).map_err(|e| SimError::Output {
        file: PathBuf::from("replications.csv"),
        reason: e.to_string(),
    })
}

/// Writes `replications.csv` and `replications.parquet` into `dir`, each whole or not
/// at all (a temporary file renamed into place). Returns the files written.
///
/// # Errors
///
/// [`SimError::Output`] if a file cannot be written.
pub fn write_tables(results: &Results, dir: &Path) -> Result<Vec<PathBuf>, SimError> {
    let mut df = frame(results)?;
    let csv = dir.join("replications.csv");
    atomic_write(&csv, |file| {
        CsvWriter::new(file)
            .finish(&mut df)
            .map_err(|e| e.to_string())
    })?;
    let parquet = dir.join("replications.parquet");
    atomic_write(&parquet, |file| {
        ParquetWriter::new(file)
            .finish(&mut df)
            .map(|_| ())
            .map_err(|e| e.to_string())
    })?;
    Ok(vec![csv, parquet])
}

/// Writes `path` whole or not at all (see [`write_atomically`]).
pub(crate) fn atomic_write(
    path: &Path,
    write: impl FnOnce(&mut std::fs::File) -> Result<(), String>,
) -> Result<(), SimError> {
    let mut reason = None;
    write_atomically(path, |file| {
        write(file).map_err(|e| {
            reason = Some(e.clone());
            std::io::Error::other(e)
        })
    })
    .map_err(|e| SimError::Output {
        file: path.to_path_buf(),
        reason: reason.unwrap_or_else(|| e.to_string()),
    })
}
