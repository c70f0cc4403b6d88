//! The areas table: one row per local-authority area, read once and resolved for each
//! scenario (whose demand columns, population and deprivation columns it names).

use std::path::{Path, PathBuf};

use caseload_model::{read_csv, LoadError, Problem};

use crate::scenario::{FundingScenario, Rule};

/// An areas table as read, before a scenario says which columns matter.
#[derive(Debug, Clone)]
pub struct AreasTable {
    file: PathBuf,
    header: Vec<String>,
    rows: Vec<(u64, Vec<String>)>,
}

/// One area, resolved for a scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Area {
    /// ONS code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Region name.
    pub region: String,
    /// Weighted sum of the scenario's demand columns (before period scale and take-up).
    pub demand_count: f64,
    /// The population column's value.
    pub population: f64,
    /// The deprivation column's value (0 if the rule does not use it).
    pub deprivation: f64,
}

/// The largest figure an areas table may give: a billion, beyond any area's
/// population or count, and small enough that the splits' sums and LPs stay exact
/// (1e308 once left the spend undefined, and 1e20 stopped the LPs).
const MOST_FIGURE: f64 = 1e9;

fn problem(file: &Path, line: u64, column: usize, message: String) -> Problem {
    Problem {
        file: file.to_path_buf(),
        line,
        column,
        message,
    }
}

impl AreasTable {
    /// The embedded table of England's 152 areas.
    pub fn embedded() -> AreasTable {
        AreasTable::parse(
            Path::new("fixtures/areas_england_2014_2017.csv"),
            caseload_model::ENGLAND_AREAS_CSV.as_bytes(),
        )
        .expect("the embedded areas table is valid")
    }

    /// Reads an areas table file.
    ///
    /// # Errors
    ///
    /// [`LoadError`] if it cannot be read, is not UTF-8, or has rows of the wrong length
    /// or repeated columns.
    pub fn load(file: &Path) -> Result<AreasTable, LoadError> {
        let bytes = caseload_model::files::read_input(file)?;
        AreasTable::parse(file, &bytes)
    }

    /// Parses an areas table from bytes; `file` only names it in messages.
    ///
    /// # Errors
    ///
    /// [`LoadError::Invalid`] listing every malformed row (see [`read_csv`]).
    pub fn parse(file: &Path, bytes: &[u8]) -> Result<AreasTable, LoadError> {
        let csv = read_csv(file, bytes)?;
        Ok(AreasTable {
            file: file.to_path_buf(),
            header: csv.header,
            rows: csv.rows,
        })
    }

    /// The areas with the figures `scenario` needs.
    ///
    /// # Errors
    ///
    /// [`LoadError::Invalid`] for a column the scenario names that the table lacks, or a
    /// missing, non-numeric or negative figure, each located; and for a table with no
    /// areas or a code given twice.
    pub fn resolve(&self, scenario: &FundingScenario) -> Result<Vec<Area>, LoadError> {
        self.resolve_from(scenario, None)
    }

    /// [`AreasTable::resolve`] for a scenario read from `source` (its file and text): a
    /// column the scenario names that the table lacks is located at the scenario's key
    /// that names it, where the fix is, rather than at the table's header.
    ///
    /// # Errors
    ///
    /// As [`AreasTable::resolve`].
    pub fn resolve_from(
        &self,
        scenario: &FundingScenario,
        source: Option<(&Path, &str)>,
    ) -> Result<Vec<Area>, LoadError> {
        let file = &self.file;
        let mut problems = Vec::new();
        // `what`: what the column is for; `key`: the scenario's key that names it (None
        // for the table's own columns).
        let mut column = |name: &str, what: &str, key: Option<&str>| match self
            .header
            .iter()
            .position(|h| h == name)
        {
            Some(i) => Some(i),
            None => {
                let columns = self.header.iter().map(String::as_str);
                let missing = |table: &str| {
                    format!(
                        "column `{name}` ({what}) is not in the areas table{table}{} (its columns: {})",
                        caseload_model::config::did_you_mean(name, columns.clone()),
                        columns.clone().collect::<Vec<_>>().join(", ")
                    )
                };
                problems.push(match (key, source) {
                    (Some(key), Some((scenario_file, text))) => {
                        let table = format!(" {}", file.display());
                        let at = match key {
                            "demand.columns" => format!("{key}.{name}"),
                            _ => key.to_string(),
                        };
                        caseload_model::config::problem_at_key(
                            scenario_file,
                            text,
                            &at,
                            missing(&table),
                        )
                    }
                    _ => problem(file, 1, 0, missing("")),
                });
                None
            }
        };
        let code = column("new_la_code", "the area code", None);
        let name = column("la_name", "the area name", None);
        let region = column("region_name", "the region", None);
        let demand: Vec<(Option<usize>, f64)> = scenario
            .demand
            .columns
            .iter()
            .map(|(name, weight)| {
                (
                    column(name, "named in `demand.columns`", Some("demand.columns")),
                    *weight,
                )
            })
            .collect();
        let population = column(
            &scenario.split.population_column,
            "`split.population_column`",
            Some("split.population_column"),
        );
        let deprivation = if scenario.split.rule == Rule::Deprivation {
            column(
                &scenario.split.deprivation_column,
                "`split.deprivation_column`",
                Some("split.deprivation_column"),
            )
        } else {
            None
        };
        if !problems.is_empty() {
            return Err(LoadError::Invalid(problems));
        }
        let mut areas = Vec::with_capacity(self.rows.len());
        let mut seen = std::collections::HashMap::new();
        for (line, fields) in &self.rows {
            let mut figure = |index: Option<usize>| -> f64 {
                let Some(i) = index else { return 0.0 };
                let text = fields[i].as_str();
                match text.parse::<f64>() {
                    Ok(v) if v.is_finite() && v > MOST_FIGURE => {
                        problems.push(problem(
                            file,
                            *line,
                            i + 1,
                            format!(
                                "`{}`: {text} is more than 1,000,000,000, beyond any area's figure (England has 56 million people)",
                                self.header[i]
                            ),
                        ));
                        0.0
                    }
                    Ok(v) if v.is_finite() && v >= 0.0 => v,
                    Ok(v) => {
                        problems.push(problem(
                            file,
                            *line,
                            i + 1,
                            if v.is_finite() {
                                format!("`{}`: {v} is negative (every figure of the areas table is 0 or more)", self.header[i])
                            } else {
                                format!("`{}`: {v} is not a finite number", self.header[i])
                            },
                        ));
                        0.0
                    }
                    Err(_) if text.is_empty() => {
                        problems.push(problem(
                            file,
                            *line,
                            i + 1,
                            format!("`{}` is missing", self.header[i]),
                        ));
                        0.0
                    }
                    Err(_) => {
                        problems.push(problem(
                            file,
                            *line,
                            i + 1,
                            format!("`{}`: `{text}` is not a number", self.header[i]),
                        ));
                        0.0
                    }
                }
            };
            let demand_count = demand.iter().map(|(i, w)| w * figure(*i)).sum();
            let population = figure(population);
            let deprivation = figure(deprivation);
            let text = |i: Option<usize>| i.map(|i| fields[i].clone()).unwrap_or_default();
            let area = Area {
                code: text(code),
                name: text(name),
                region: text(region),
                demand_count,
                population,
                deprivation,
            };
            if area.code.is_empty() {
                problems.push(problem(
                    file,
                    *line,
                    code.map_or(0, |i| i + 1),
                    "`new_la_code` is missing".into(),
                ));
            } else if let Some(first) = seen.insert(area.code.clone(), *line) {
                problems.push(problem(
                    file,
                    *line,
                    code.map_or(0, |i| i + 1),
                    format!("area `{}` appears twice (first on line {first})", area.code),
                ));
            }
            areas.push(area);
        }
        if areas.is_empty() {
            problems.push(problem(file, 1, 0, "the areas table has no areas".into()));
        }
        if problems.is_empty() {
            Ok(areas)
        } else {
            problems.sort_by_key(|p| (p.line, p.column));
            Err(LoadError::Invalid(at_most_three_a_column(problems)))
        }
    }
}

/// The first three problems of each column, then one line for the rest: a text column
/// named as a demand column was 152 lines of the same reason.
fn at_most_three_a_column(problems: Vec<Problem>) -> Vec<Problem> {
    let mut per_column: std::collections::HashMap<usize, usize> = std::collections::HashMap::new();
    for p in &problems {
        *per_column.entry(p.column).or_default() += 1;
    }
    let mut kept = Vec::new();
    let mut shown: std::collections::HashMap<usize, usize> = std::collections::HashMap::new();
    for p in problems {
        let total = per_column[&p.column];
        let count = shown.entry(p.column).or_default();
        *count += 1;
        if p.column == 0 || total <= 4 || *count <= 3 {
            kept.push(p);
        } else if *count == 4 {
            kept.push(Problem {
                message: format!("and {} more rows of this column like these", total - 3),
                ..p
            });
        }
    }
    kept
}
