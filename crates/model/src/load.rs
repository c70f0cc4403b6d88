//! Loading `supporters.csv` and `referrals.csv` as the contract defines them.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::error::{LoadError, Problem, Warning};
use crate::table::{self, Schema, Table};
use crate::types::{
    ClockException, Complexity, Referral, ReferralKind, Source, Supporter, SupporterStatus,
};

/// The most hours a supporter can offer in a week (the contract's upper bound).
pub const MAX_SUPPORTER_HOURS: f64 = 60.0;

/// The fewest hours a supporter can offer in a week (36 seconds): less is a typo, and the
/// share of hours used (open cases' hours over it) would run to millions of percent,
/// past what any output can print as a number.
pub const MIN_SUPPORTER_HOURS: f64 = 0.01;

/// The tables caseload writes after a week, by columns that together only each has:
/// given back as the supporters file or the register, each is named as what it is.
const WRITTEN_TABLES: &[(&[&str], &str)] = &[
    (
        &["hours_used", "cases_share"],
        "the supporters' loads that caseload writes after a week (each supporter's hours and cases used, without skills, languages, districts or leave), a table to read, not a file to give caseload: the supporters file is the one you keep, and next week's register the one `allocate --register-out` writes (in the app, the register under the accepted week's Files)",
    ),
    (
        &["open_case", "reallocated"],
        "the assignments table that caseload writes after a week (assignments.csv), a table to read, not a file to give caseload: the supporters file is the one you keep, and next week's register the one `allocate --register-out` writes (in the app, the register under the accepted week's Files)",
    ),
    (
        &["reason_code", "rank"],
        "the waiting list that caseload writes after a week (waiting.csv), a table to read, not a file to give caseload: the supporters file is the one you keep, and next week's register the one `allocate --register-out` writes (in the app, the register under the accepted week's Files)",
    ),
];

const SUPPORTERS: Schema = Schema {
    required: &[
        "supporter_id",
        "area",
        "status",
        "hours_per_week",
        "max_cases",
    ],
    optional: &[
        "skills",
        "languages",
        "local",
        "districts",
        "unavailable_from",
        "unavailable_to",
    ],
    open: false,
    other_files: &[
        ("referral_id", "a register of families (referrals.csv)"),
        ("decision", "a decisions file (decisions.csv)"),
    ],
    written_tables: WRITTEN_TABLES,
};

const REFERRALS: Schema = Schema {
    required: &[
        "referral_id",
        "area",
        "received",
        "source",
        "consent",
        "kind",
        "priority",
        "complexity",
    ],
    optional: &[
        "district",
        "clock_start",
        "hours_per_week",
        "needs",
        "language",
        "exclude",
        "supporter_id",
        "closed",
        "unavailable_from",
        "unavailable_to",
        "exception",
        "exception_noted",
    ],
    open: false,
    other_files: &[
        ("max_cases", "a supporters file (supporters.csv)"),
        ("decision", "a decisions file (decisions.csv)"),
    ],
    written_tables: WRITTEN_TABLES,
};

const STATUSES: &[(&str, SupporterStatus)] = &[
    ("paid", SupporterStatus::Paid),
    ("volunteer", SupporterStatus::Volunteer),
];
const SOURCES: &[(&str, Source)] = &[
    ("self", Source::SelfReferral),
    ("la", Source::La),
    ("professional", Source::Professional),
];
const KINDS: &[(&str, ReferralKind)] = &[
    ("new", ReferralKind::New),
    ("transfer", ReferralKind::Transfer),
];
const COMPLEXITIES: &[(&str, Complexity)] = &[
    ("low", Complexity::Low),
    ("medium", Complexity::Medium),
    ("high", Complexity::High),
];

/// An exception to the 20-week limit: one letter of reg 10(4), in any case.
fn exception(value: &str) -> Result<ClockException, String> {
    let lower = value.to_ascii_lowercase();
    ClockException::ALL
        .into_iter()
        .find(|e| lower.len() == 1 && lower.starts_with(e.letter()))
        .ok_or_else(|| {
            format!(
                "`{value}` is not one of a, b, c, d (the circumstances of reg 10(4) of the SEND Regulations 2014)"
            )
        })
}

fn lower(value: &str) -> String {
    value.to_lowercase()
}

fn upper(value: &str) -> String {
    value.to_uppercase()
}

/// The whole input of a planning run: supporters and the caseload register.
#[derive(Debug, Clone, Default)]
pub struct Caseload {
    /// Supporters, in file order.
    pub supporters: Vec<Supporter>,
    /// Referrals (waiting and open), in file order.
    pub referrals: Vec<Referral>,
    /// Non-fatal remarks found while loading.
    pub warnings: Vec<Warning>,
    /// Where each row came from, for remarks that depend on the planning week
    /// ([`Caseload::week_warnings`]); empty for a caseload built in memory.
    pub origins: Origins,
}

/// The files and lines the rows of a [`Caseload`] were read from.
#[derive(Debug, Clone, Default)]
pub struct Origins {
    /// The referrals file as the user named it.
    pub referrals_file: PathBuf,
    /// The line of each referral, in [`Caseload::referrals`] order.
    pub referral_lines: Vec<u64>,
    /// 1-based column numbers of the referrals file's columns, by name.
    pub referral_columns: BTreeMap<&'static str, usize>,
    /// The referrals file's bytes as read, to write next week's register from
    /// ([`crate::register::record_assignments`]).
    pub register: Vec<u8>,
}

impl Origins {
    fn warning(&self, referral: usize, column: &str, message: String) -> Warning {
        Warning(Problem {
            file: self.referrals_file.clone(),
            line: self.referral_lines.get(referral).copied().unwrap_or(0),
            column: self.referral_columns.get(column).copied().unwrap_or(0),
            message,
        })
    }
}

impl Caseload {
    /// A plan needs someone to plan for: a supporters file with a header alone (a fresh
    /// template, an export from the wrong sheet) would leave every family waiting and
    /// call that a plan. `validate` reads such a file; planning refuses it.
    ///
    /// # Errors
    ///
    /// [`LoadError::Invalid`] at the header of `supporters_file` when `supporters`, read
    /// from it, is empty.
    pub fn require_supporters(
        supporters: &[Supporter],
        supporters_file: &Path,
    ) -> Result<(), LoadError> {
        if !supporters.is_empty() {
            return Ok(());
        }
        Err(LoadError::Invalid(vec![Problem {
            file: supporters_file.to_path_buf(),
            line: 1,
            column: 0,
            message:
                "no supporters: the file has a header but no rows, so there is nobody to plan for"
                    .into(),
        }]))
    }

    /// Loads and validates both files, and checks them against each other.
    ///
    /// # Errors
    ///
    /// [`LoadError::Io`] if a file cannot be read; [`LoadError::Invalid`] listing
    /// every problem in both files otherwise.
    pub fn load(supporters: &Path, referrals: &Path) -> Result<Caseload, LoadError> {
        if supporters.as_os_str() == "-" && referrals.as_os_str() == "-" {
            return Err(LoadError::Invalid(vec![Problem {
                file: referrals.to_path_buf(),
                line: 0,
                column: 0,
                message: "only one of the two files can be read from standard input (`-`)".into(),
            }]));
        }
        let supporter_bytes = crate::files::read_input(supporters)?;
        let referral_bytes = crate::files::read_input(referrals)?;
        Caseload::from_bytes(supporters, &supporter_bytes, referrals, &referral_bytes)
    }

    /// Loads and validates a supporters file on its own (a simulation's staff).
    ///
    /// # Errors
    ///
    /// [`LoadError::Io`] if it cannot be read; [`LoadError::Invalid`] listing every
    /// problem otherwise.
    pub fn load_supporters(file: &Path) -> Result<Vec<Supporter>, LoadError> {
        let bytes = crate::files::read_input(file)?;
        let mut table = Table::read(file, &bytes, &SUPPORTERS);
        let supporters = parse_supporters(&mut table);
        let problems = table.sorted_problems();
        if problems.is_empty() {
            Ok(supporters.into_iter().map(|(_, s)| s).collect())
        } else {
            Err(LoadError::Invalid(problems))
        }
    }

    /// Like [`Caseload::load`], from bytes already in memory; the paths only name the
    /// files in messages.
    ///
    /// # Errors
    ///
    /// [`LoadError::Invalid`] listing every problem in both files.
    pub fn from_bytes(
        supporters_file: &Path,
        supporters: &[u8],
        referrals_file: &Path,
        referrals: &[u8],
    ) -> Result<Caseload, LoadError> {
        let mut supporter_table = Table::read(supporters_file, supporters, &SUPPORTERS);
        let supporters = parse_supporters(&mut supporter_table);
        let mut referral_table = Table::read(referrals_file, referrals, &REFERRALS);
        let register = referrals.to_vec();
        let referrals = parse_referrals(&mut referral_table);
        check_open_cases(&mut referral_table, &supporters, &referrals);
        warn_unknown_areas(
            &mut supporter_table,
            supporters.iter().map(|(l, s)| (*l, &s.area)),
        );
        warn_unknown_areas(
            &mut referral_table,
            referrals.iter().map(|(l, r)| (*l, &r.area)),
        );

        let mut problems = supporter_table.sorted_problems();
        problems.extend(referral_table.sorted_problems());
        if !problems.is_empty() {
            return Err(LoadError::Invalid(problems));
        }
        let origins = Origins {
            referrals_file: referrals_file.to_path_buf(),
            referral_lines: referrals.iter().map(|(line, _)| *line).collect(),
            referral_columns: REFERRALS
                .required
                .iter()
                .chain(REFERRALS.optional)
                .map(|name| (*name, referral_table.column(name)))
                .filter(|(_, column)| *column > 0)
                .collect(),
            register,
        };
        let mut warnings = supporter_table.warnings;
        warnings.extend(referral_table.warnings);
        Ok(Caseload {
            supporters: supporters.into_iter().map(|(_, s)| s).collect(),
            referrals: referrals.into_iter().map(|(_, r)| r).collect(),
            warnings,
            origins,
        })
    }

    /// Remarks about the rows active in `monday`'s week that are probably typos,
    /// though the rules give them a meaning: an open case held by a supporter who is
    /// not in the supporters file (reallocated, as if they had left), a need that no
    /// supporter of the area has as a skill, a language none of them speaks, an
    /// `exclude` naming nobody in the
    /// supporters file, an exception to the 20-week limit without the date it was
    /// noted, and an open case whose `consent` is false (kept: open cases stay). Each
    /// names the referrals file, line and column.
    pub fn week_warnings(&self, monday: chrono::NaiveDate) -> Vec<Warning> {
        let ids: HashSet<&str> = self.supporters.iter().map(|s| s.id.as_str()).collect();
        let mut skills: HashMap<&str, HashSet<&str>> = HashMap::new();
        let mut languages: HashMap<&str, HashSet<&str>> = HashMap::new();
        for supporter in &self.supporters {
            skills
                .entry(supporter.area.as_str())
                .or_default()
                .extend(supporter.skills.iter().map(String::as_str));
            languages
                .entry(supporter.area.as_str())
                .or_default()
                .extend(supporter.languages.iter().map(String::as_str));
        }
        let mut warnings = Vec::new();
        for (index, referral) in self.referrals.iter().enumerate() {
            if !referral.is_active(monday) {
                continue;
            }
            let orphaned = match referral.supporter_id.as_deref() {
                Some(holder) if !ids.contains(holder) => {
                    warnings.push(self.origins.warning(
                        index,
                        "supporter_id",
                        format!(
                            "`supporter_id`: `{holder}` is not in the supporters file; the case is reallocated as if they had left (check for a typo)"
                        ),
                    ));
                    true
                }
                _ => false,
            };
            // An open case stays with its supporter (the contract), whatever `consent`
            // says now: a family that withdrew it is still counted on the supporter's
            // hours and slots, which the coordinator should know.
            if let (Some(holder), false) = (referral.supporter_id.as_deref(), orphaned) {
                if referral.consent_basis() == crate::ConsentBasis::Refused {
                    warnings.push(self.origins.warning(
                        index,
                        "consent",
                        format!(
                            "`consent`: false on an open case with `{holder}`; open cases stay with their supporter, so it keeps their hours and a case slot (if the family withdrew, put the date in `closed`)"
                        ),
                    ));
                }
            }
            if referral.supporter_id.is_none() || orphaned {
                let area_skills = skills.get(referral.area.as_str());
                for need in &referral.needs {
                    if !area_skills.is_some_and(|s| s.contains(need.as_str())) {
                        warnings.push(self.origins.warning(
                            index,
                            "needs",
                            format!(
                                "`needs`: no supporter in area {} has the skill `{need}`; the family cannot be placed until one does (check for a typo)",
                                referral.area
                            ),
                        ));
                    }
                }
            }
            let spoken = languages.get(referral.area.as_str());
            if let Some(language) = referral.language.as_deref() {
                let waiting = referral.supporter_id.is_none() || orphaned;
                if waiting && !spoken.is_some_and(|s| s.contains(language)) {
                    warnings.push(self.origins.warning(
                        index,
                        "language",
                        format!(
                            "`language`: no supporter in area {} speaks `{language}`; the family cannot be placed until one does (check for a typo; English is `en` or empty)",
                            referral.area
                        ),
                    ));
                }
            }
            if let (Some(exception), None) = (referral.exception, referral.exception_noted) {
                warnings.push(self.origins.warning(
                    index,
                    "exception",
                    format!(
                        "`exception`: ({}) is recorded without an `exception_noted` date (add the date it was noted)",
                        exception.letter()
                    ),
                ));
            }
            for excluded in &referral.exclude {
                if !ids.contains(excluded.as_str()) {
                    let nearest = ids
                        .iter()
                        .filter(|id| id.eq_ignore_ascii_case(excluded))
                        .min();
                    let message = match nearest {
                        Some(id) => format!(
                            "`exclude`: `{excluded}` is not in the supporters file; did you mean `{id}`? (ids are case-sensitive: the conflict of interest is not applied)"
                        ),
                        None => format!(
                            "`exclude`: `{excluded}` is not in the supporters file (check for a typo)"
                        ),
                    };
                    warnings.push(self.origins.warning(index, "exclude", message));
                }
            }
        }
        warnings
    }
}

/// One warning per area code that is not one of England's local-authority areas, at
/// its first row, with how many rows use it.
fn warn_unknown_areas<'a>(table: &mut Table, areas: impl Iterator<Item = (u64, &'a String)>) {
    let mut unknown: BTreeMap<&str, (u64, usize)> = BTreeMap::new();
    for (line, area) in areas {
        if crate::areas::england_area(area).is_none() {
            unknown.entry(area.as_str()).or_insert((line, 0)).1 += 1;
        }
    }
    let column = table.column("area");
    let mut found: Vec<(&str, (u64, usize))> = unknown.into_iter().collect();
    found.sort_by_key(|(_, (line, _))| *line);
    for (area, (line, rows)) in found {
        let rows = if rows == 1 {
            "1 row".to_string()
        } else {
            format!("{rows} rows")
        };
        table.warnings.push(Warning(Problem {
            file: table.file.clone(),
            line,
            column,
            message: format!(
                "`area`: `{area}` is not the code of one of England's 152 local-authority areas ({rows}; check for a typo)"
            ),
        }));
    }
}

/// Records a problem for every id seen before, naming the line of its first use.
fn check_unique<'a>(table: &mut Table, column: &str, ids: impl Iterator<Item = (u64, &'a str)>) {
    let column_number = table.column(column);
    let mut seen: HashMap<&str, u64> = HashMap::new();
    for (line, id) in ids {
        let first = *seen.entry(id).or_insert(line);
        if first != line {
            let message = format!("`{column}`: duplicate id `{id}` (first on line {first})");
            table.problem(line, column_number, message);
        }
    }
}

/// English, however written: the code `en` or `eng`, or the word (`English`). Every
/// supporter speaks it; written as a word it once made a family unplaceable.
fn is_english(language: &str) -> bool {
    matches!(language, "en" | "eng" | "english")
}

fn parse_supporters(table: &mut Table) -> Vec<(u64, Supporter)> {
    let rows = std::mem::take(&mut table.rows);
    let mut supporters = Vec::with_capacity(rows.len());
    // Every row's id, a row with other problems too: a duplicate is a problem to list
    // with them, whichever of the two rows is otherwise wrong.
    let mut ids: Vec<(u64, String)> = Vec::new();
    for row in &rows {
        let before = table.problems.len();
        let id = table.required(row, "supporter_id", table::text);
        if let Some(id) = &id {
            ids.push((row.line, id.clone()));
        }
        let area = table.required(row, "area", table::text);
        let status = table.required(row, "status", table::one_of(STATUSES));
        let hours = table.required(row, "hours_per_week", table::supporter_hours);
        let max_cases = table.required(row, "max_cases", table::whole_number);
        let skills = table.field(row, "skills", table::list(lower));
        let languages = table.field(row, "languages", table::list(lower));
        let local = table.field(row, "local", table::boolean);
        let districts = table.field(row, "districts", table::list(upper));
        let from = table.field(row, "unavailable_from", table::date);
        let to = table.field(row, "unavailable_to", table::date);
        if let (Some(from), Some(to)) = (from, to) {
            if to < from {
                let message =
                    format!("`unavailable_to`: leave ends on {to}, before it starts on {from}");
                table.problem(row.line, table.column("unavailable_to"), message);
            }
        }
        if table.problems.len() > before {
            continue;
        }
        let (Some(id), Some(area), Some(status), Some(hours_per_week), Some(max_cases)) =
            (id, area, status, hours, max_cases)
        else {
            continue;
        };
        let mut languages = languages.unwrap_or_default();
        languages.retain(|l| !is_english(l));
        supporters.push((
            row.line,
            Supporter {
                id,
                area,
                status,
                hours_per_week,
                max_cases,
                skills: skills.unwrap_or_default(),
                languages,
                local: local.unwrap_or(false),
                districts: districts.unwrap_or_default(),
                unavailable_from: from,
                unavailable_to: to,
            },
        ));
    }
    check_unique(
        table,
        "supporter_id",
        ids.iter().map(|(line, id)| (*line, id.as_str())),
    );
    supporters
}

fn parse_referrals(table: &mut Table) -> Vec<(u64, Referral)> {
    let rows = std::mem::take(&mut table.rows);
    let mut referrals = Vec::with_capacity(rows.len());
    let mut ids: Vec<(u64, String)> = Vec::new();
    for row in &rows {
        let before = table.problems.len();
        let id = table.required(row, "referral_id", table::text);
        if let Some(id) = &id {
            ids.push((row.line, id.clone()));
        }
        let area = table.required(row, "area", table::text);
        let district = table.field(row, "district", |v| Ok(upper(v)));
        let received = table.required(row, "received", table::date);
        let source = table.required(row, "source", table::one_of(SOURCES));
        let consent = table.field(row, "consent", table::boolean);
        let kind = table.required(row, "kind", table::one_of(KINDS));
        let clock_start = table.field(row, "clock_start", table::date);
        let priority = table.required(row, "priority", table::priority);
        let complexity = table.required(row, "complexity", table::one_of(COMPLEXITIES));
        // No family needs more hours than a supporter can give in a week.
        let hours = table.field(row, "hours_per_week", table::hours);
        let needs = table.field(row, "needs", table::list(lower));
        let language = table.field(row, "language", |v| Ok(lower(v)));
        let exclude = table.field(row, "exclude", table::list(table::keep_case));
        let supporter_id = table.field(row, "supporter_id", table::text);
        let closed = table.field(row, "closed", table::date);
        let away_from = table.field(row, "unavailable_from", table::date);
        let away_to = table.field(row, "unavailable_to", table::date);
        if let (Some(from), Some(to)) = (away_from, away_to) {
            if to < from {
                let message = format!(
                    "`unavailable_to`: the family's absence ends on {to}, before it starts on {from}"
                );
                table.problem(row.line, table.column("unavailable_to"), message);
            }
        }
        let before_exception = table.problems.len();
        let exception = table.field(row, "exception", exception);
        let exception_bad = table.problems.len() > before_exception;
        let exception_noted = table.field(row, "exception_noted", table::date);
        if exception_noted.is_some() && exception.is_none() && !exception_bad {
            let message = "`exception_noted`: a date is given but `exception` is empty (write the letter of the circumstance, a to d)".to_string();
            table.problem(row.line, table.column("exception_noted"), message);
        }
        if let (Some(received), Some(closed)) = (received, closed) {
            if closed < received {
                table.warnings.push(Warning(Problem {
                    file: table.file.clone(),
                    line: row.line,
                    column: table.column("closed"),
                    message: format!(
                        "`closed`: {closed} is before the referral was received on {received}"
                    ),
                }));
            }
        }
        if table.problems.len() > before {
            continue;
        }
        let (
            Some(id),
            Some(area),
            Some(received),
            Some(source),
            Some(kind),
            Some(priority),
            Some(complexity),
        ) = (id, area, received, source, kind, priority, complexity)
        else {
            continue;
        };
        referrals.push((
            row.line,
            Referral {
                id,
                area,
                district,
                received,
                source,
                consent,
                kind,
                clock_start,
                priority,
                complexity,
                hours_per_week: hours,
                needs: needs.unwrap_or_default(),
                language: language.filter(|l| !is_english(l)),
                exclude: exclude.unwrap_or_default(),
                supporter_id,
                closed,
                unavailable_from: away_from,
                unavailable_to: away_to,
                exception,
                exception_noted,
            },
        ));
    }
    check_unique(
        table,
        "referral_id",
        ids.iter().map(|(line, id)| (*line, id.as_str())),
    );
    referrals
}

/// A case must sit in its supporter's area, whenever it closes: a row closed next
/// month is an open case in this week's plan.
fn check_open_cases(
    table: &mut Table,
    supporters: &[(u64, Supporter)],
    referrals: &[(u64, Referral)],
) {
    let areas: HashMap<&str, &str> = supporters
        .iter()
        .map(|(_, s)| (s.id.as_str(), s.area.as_str()))
        .collect();
    let column = table.column("supporter_id");
    for (line, referral) in referrals {
        let Some(holder) = referral.supporter_id.as_deref() else {
            continue;
        };
        if let Some(area) = areas.get(holder) {
            if *area != referral.area {
                let message = format!(
                    "`supporter_id`: open case in area {} is held by supporter `{holder}` of area {area}",
                    referral.area
                );
                table.problem(*line, column, message);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{ClockException, ConsentBasis};

    const SUPPORTERS_OK: &str = "supporter_id,area,status,hours_per_week,max_cases,skills,languages,local,districts,unavailable_from,unavailable_to
S1,E06000043,paid,10,5,autism;Transfer,PL;en,yes,bn1;BN2,,
S2,E06000043,volunteer,4.5,2,,,0,,2015-10-01,2015-11-30
";
    const REFERRALS_OK: &str = "referral_id,area,received,source,consent,kind,priority,complexity,needs,supporter_id,closed
R1,E06000043,2015-10-01,self,false,new,5,high,autism,,
R2,E06000043,2015-09-01,la,true,transfer,1,low,,S1,
";

    fn load(supporters: &str, referrals: &str) -> Result<Caseload, LoadError> {
        Caseload::from_bytes(
            Path::new("supporters.csv"),
            supporters.as_bytes(),
            Path::new("referrals.csv"),
            referrals.as_bytes(),
        )
    }

    fn week_messages(caseload: &Caseload, monday: &str) -> Vec<String> {
        let monday = monday.parse().unwrap();
        let warnings = caseload.week_warnings(monday);
        warnings.iter().map(ToString::to_string).collect()
    }

    fn messages(err: LoadError) -> Vec<String> {
        err.problems().iter().map(ToString::to_string).collect()
    }

    /// Supporters as bytes (not always UTF-8), beside valid referrals, as `s.csv`.
    fn load_supporter_bytes(supporters: &[u8]) -> Result<Caseload, LoadError> {
        Caseload::from_bytes(
            Path::new("s.csv"),
            supporters,
            Path::new("r.csv"),
            REFERRALS_OK.as_bytes(),
        )
    }

    #[test]
    fn valid_files_load_with_normalised_lists() {
        let caseload = load(SUPPORTERS_OK, REFERRALS_OK).unwrap();
        let s1 = &caseload.supporters[0];
        assert_eq!(s1.skills, ["autism", "transfer"]);
        assert_eq!(s1.languages, ["pl"]);
        assert_eq!(s1.districts, ["BN1", "BN2"]);
        assert!(s1.local);
        assert!(caseload.supporters[1].on_leave("2015-11-02".parse().unwrap()));
        assert!(!caseload.supporters[1].on_leave("2015-12-07".parse().unwrap()));
        // R1 is a self-referral with `consent = false`: an explicit refusal blocks.
        assert!(!caseload.referrals[0].has_consent());
        assert!(caseload.referrals[1].has_consent());
        assert_eq!(caseload.referrals[1].supporter_id.as_deref(), Some("S1"));
        assert!(caseload.warnings.is_empty());
    }

    #[test]
    fn every_problem_is_listed_with_line_and_column() {
        let referrals = "referral_id,area,received,source,consent,kind,priority,complexity
R1,E06000043,2015-10-01,self,maybe,new,7,high
R1,E06000043,2015-13-40,web,true,new,2,low
";
        let found = messages(load(SUPPORTERS_OK, referrals).unwrap_err());
        assert_eq!(
            found,
            [
                "referrals.csv:2:5: `consent`: `maybe` is not a boolean (use true/false, yes/no or 1/0)",
                "referrals.csv:2:7: `priority`: `7` is not a priority from 1 to 5",
                "referrals.csv:3:1: `referral_id`: duplicate id `R1` (first on line 2)",
                "referrals.csv:3:3: `received`: `2015-13-40` is not a date: there is no month 13 (YYYY-MM-DD)",
                "referrals.csv:3:4: `source`: `web` is not one of self, la, professional",
            ]
        );
    }

    #[test]
    fn a_familys_hours_are_held_to_a_supporters_week() {
        let referrals =
            "referral_id,area,received,source,consent,kind,priority,complexity,hours_per_week
R1,E06000043,2015-10-01,self,true,new,3,low,1e308
R2,E06000043,2015-10-01,self,true,new,3,low,60
";
        assert_eq!(
            messages(load(SUPPORTERS_OK, referrals).unwrap_err()),
            ["referrals.csv:2:9: `hours_per_week`: 1e308 hours is out of range (must be more than 0 and at most 60)"]
        );
    }

    #[test]
    fn duplicates_short_rows_and_bad_bytes_are_reported() {
        let supporters = b"supporter_id,area,status,hours_per_week,max_cases
S1,E06000043,paid,10,5
S1,E06000043,paid,NaN,5
S2,E06000043,paid
S\xFF,E06000043,paid,10,5
";
        let found = messages(load_supporter_bytes(supporters).unwrap_err());
        assert_eq!(
            found,
            [
                "s.csv:3:1: `supporter_id`: duplicate id `S1` (first on line 2)",
                "s.csv:3:4: `hours_per_week`: `NaN` is not a finite number of hours",
                "s.csv:4:4: the row has 3 fields, the header has 5",
                "s.csv:5:1: `supporter_id` is not valid UTF-8 (bad byte 0xFF at byte 2 of the field)",
            ]
        );
    }

    #[test]
    fn a_supporter_offers_at_least_a_minute_a_week() {
        // 5e-324 hours (the smallest double) once made every share of hours used
        // infinite, and the balance figures NaN, in every output.
        let supporters = b"supporter_id,area,status,hours_per_week,max_cases
S1,E06000043,paid,5e-324,5
S2,E06000043,paid,0.009,5
S3,E06000043,paid,0.01,5
";
        let found = messages(load_supporter_bytes(supporters).unwrap_err());
        assert_eq!(
            found,
            [
                "s.csv:2:4: `hours_per_week`: 5e-324 hours is out of range (a supporter offers at least 0.01 hours, 36 seconds, and at most 60)",
                "s.csv:3:4: `hours_per_week`: 0.009 hours is out of range (a supporter offers at least 0.01 hours, 36 seconds, and at most 60)",
            ]
        );
    }

    #[test]
    fn english_however_written_is_english_and_an_unspoken_language_is_warned() {
        let referrals = "referral_id,area,received,source,consent,kind,priority,complexity,language
R1,E06000043,2015-10-01,self,true,new,2,low,English
R2,E06000043,2015-10-01,self,true,new,2,low,ENG
R3,E06000043,2015-10-01,self,true,new,2,low,pl
R4,E06000043,2015-10-01,self,true,new,2,low,ti
";
        let caseload = load(SUPPORTERS_OK, referrals).unwrap();
        let languages: Vec<Option<&str>> = caseload
            .referrals
            .iter()
            .map(|r| r.language.as_deref())
            .collect();
        assert_eq!(languages, [None, None, Some("pl"), Some("ti")]);
        assert_eq!(
            week_messages(&caseload, "2015-11-02"),
            ["warning: referrals.csv:5:9: `language`: no supporter in area E06000043 speaks `ti`; the family cannot be placed until one does (check for a typo; English is `en` or empty)"]
        );
    }

    #[test]
    fn two_files_given_the_other_way_round_are_said_once_each() {
        // Before: a problem for every column missing and every row's empty field.
        assert_eq!(
            messages(load(REFERRALS_OK, SUPPORTERS_OK).unwrap_err()),
            [
                "supporters.csv:1:1: the header has `referral_id` and no `status`: this looks like a register of families (referrals.csv); were the files given the other way round?",
                "referrals.csv:1:5: the header has `max_cases` and no `referral_id`: this looks like a supporters file (supporters.csv); were the files given the other way round?",
            ]
        );
    }

    #[test]
    fn a_table_caseload_wrote_given_back_as_input_is_named() {
        // The loads table has every column a supporters file needs, and read as one
        // every supporter would lose their skills, languages, districts and leave.
        let loads = "area,supporter_id,status,hours_used,hours_per_week,hours_share,cases,max_cases,cases_share,new_cases,over_capacity,on_leave
E06000043,S1,paid,4,10,0.4,2,5,0.4,1,false,false
";
        // The assignments table has `decision`, a decisions file's column: it is named
        // as what it is, not as a decisions file.
        let assignments = "referral_id,supporter_id,area,score,hours,open_case,reallocated,decision,note,moved_from,without_equity,without_balance
R2,S1,E06000043,0,1,true,false,,,,,
";
        let waiting = "area,rank,referral_id,priority,weeks_on_clock,on_the_clock,score,reason,reason_code,eligible_supporters
E06000043,1,R1,5,3,true,1.2,no room,capacity,1
";
        let said = |what: &str| {
            format!("this looks like {what}, a table to read, not a file to give caseload: the supporters file is the one you keep, and next week's register the one `allocate --register-out` writes (in the app, the register under the accepted week's Files)")
        };
        let loads_are = said("the supporters' loads that caseload writes after a week (each supporter's hours and cases used, without skills, languages, districts or leave)");
        let assignments_are =
            said("the assignments table that caseload writes after a week (assignments.csv)");
        let waiting_is = said("the waiting list that caseload writes after a week (waiting.csv)");
        assert_eq!(
            messages(load(loads, assignments).unwrap_err()),
            [
                format!("supporters.csv:1:4: the header has `hours_used` and none of `skills`, `languages`, `local`, `districts`, `unavailable_from`, `unavailable_to`: {loads_are}"),
                format!("referrals.csv:1:6: the header has `open_case` and no `received`: {assignments_are}"),
            ]
        );
        // Each in the other box, or the waiting list, is named too.
        assert_eq!(
            messages(load(waiting, loads).unwrap_err()),
            [
                format!("supporters.csv:1:9: the header has `reason_code` and no `supporter_id`: {waiting_is}"),
                format!("referrals.csv:1:4: the header has `hours_used` and no `referral_id`: {loads_are}"),
            ]
        );
        // A supporters file of its own that keeps such a column beside the real ones, or
        // one of the loads table's columns only, is read, the column ignored with a
        // warning.
        let kept = SUPPORTERS_OK.replacen("unavailable_to", "unavailable_to,hours_used", 1);
        let kept = kept
            .replace(",2015-11-30\n", ",2015-11-30,3\n")
            .replace(",,\n", ",,,\n");
        let bare = "supporter_id,area,status,hours_per_week,max_cases,hours_used\nS1,E06000043,paid,10,5,3\n";
        for supporters in [kept.as_str(), bare] {
            let caseload = load(supporters, REFERRALS_OK).unwrap();
            assert!(caseload.warnings.iter().any(|w| w
                .to_string()
                .contains("unknown column `hours_used` is ignored")));
        }
    }

    #[test]
    fn dates_saved_day_first_are_said_once_before_each_is_listed() {
        let referrals = "referral_id,area,received,source,consent,kind,priority,complexity
R1,E06000043,25/03/2015,self,true,new,5,high
R2,E06000043,01/09/2015,la,true,new,1,low
R3,E06000043,14/10/2015,la,true,new,1,low
";
        let said = messages(load(SUPPORTERS_OK, referrals).unwrap_err());
        assert_eq!(said.len(), 4, "{said:?}");
        assert_eq!(
            said[0],
            "referrals.csv:0:0: 3 dates are written day/month/year, as a spreadsheet set to UK dates saves them: format the date columns as yyyy-mm-dd (in the spreadsheet, custom format yyyy-mm-dd) and save the file again; each is listed below"
        );
        assert!(
            said[1].starts_with("referrals.csv:2:3: `received`: `25/03/2015`"),
            "{said:?}"
        );
        // Two are listed as they are.
        let two = referrals.replace("R3,E06000043,14/10/2015", "R3,E06000043,2015-10-14");
        assert_eq!(messages(load(SUPPORTERS_OK, &two).unwrap_err()).len(), 2);
    }

    #[test]
    fn a_workbook_is_named_as_one_not_as_bad_utf8() {
        for (bytes, what) in [
            (
                &b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\x88"[..],
                "a spreadsheet workbook (.xlsx or .ods: a zip file)",
            ),
            (
                &b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00\x00"[..],
                "an old Excel workbook (.xls)",
            ),
            (
                &b"\xFF\xFEs\x00u\x00"[..],
                "UTF-16 text (Excel's \"Unicode text\")",
            ),
        ] {
            assert_eq!(
                messages(load_supporter_bytes(bytes).unwrap_err()),
                [format!("s.csv:1:0: this is {what}, not a CSV file: save it from the spreadsheet as \"CSV UTF-8 (comma delimited)\"")]
            );
        }
    }

    #[test]
    fn a_quote_left_open_is_named_not_counted() {
        let supporters = b"supporter_id,area,status,hours_per_week,max_cases
S1,E06000043,paid,10,5
S2,\"E06000043,paid,10,5
S3,E06000043,paid,10,5
S4,E06000043,paid,10,5
";
        let found = messages(load_supporter_bytes(supporters).unwrap_err());
        assert_eq!(
            found,
            ["s.csv:3:2: the double quote that starts field 2 is not closed on its line, so the next 2 lines were read into that field (close the quote, or write a quote inside a quoted value as \"\")"]
        );
        // A comment indented by spaces is a row of one field: say what makes a comment.
        let indented = b"supporter_id,area,status,hours_per_week,max_cases
  # a note
S1,E06000043,paid,10,5
";
        assert_eq!(
            messages(load_supporter_bytes(indented).unwrap_err()),
            ["s.csv:2:2: the row has 1 field, the header has 5 (a comment is a line whose first character is #: remove the spaces before it)"]
        );
        // A value over two lines in closed quotes is a value, not a problem.
        let quoted = b"supporter_id,area,status,hours_per_week,max_cases,skills
S1,E06000043,paid,10,5,\"autism;
tribunal\"
";
        assert!(load_supporter_bytes(quoted).is_ok());
    }

    #[test]
    fn duplicate_ids_name_the_first_line() {
        let supporters = "supporter_id,area,status,hours_per_week,max_cases
S1,E06000043,paid,10,5
S1,E06000043,paid,10,5
";
        let found = messages(load(supporters, REFERRALS_OK).unwrap_err());
        assert_eq!(
            found,
            ["supporters.csv:3:1: `supporter_id`: duplicate id `S1` (first on line 2)"]
        );
        // Listed with the other problems, whichever of the two rows is otherwise wrong.
        let supporters = "supporter_id,area,status,hours_per_week,max_cases
S1,E06000043,paid,NaN,5
S1,E06000043,paid,10,5
";
        let found = messages(load(supporters, REFERRALS_OK).unwrap_err());
        assert_eq!(
            found,
            [
                "supporters.csv:2:4: `hours_per_week`: `NaN` is not a finite number of hours",
                "supporters.csv:3:1: `supporter_id`: duplicate id `S1` (first on line 2)"
            ]
        );
    }

    #[test]
    fn missing_columns_and_area_mismatch_are_errors_unknown_columns_warnings() {
        let referrals = "referral_id,area,received,source,consent,kind,complexity
R1,E06000043,2015-10-01,self,true,new,low
";
        let found = messages(load(SUPPORTERS_OK, referrals).unwrap_err());
        assert_eq!(
            found,
            ["referrals.csv:1:8: required column `priority` is missing (the header has 7 columns; the names are listed in docs/allocation.md)"]
        );
        let referrals =
            "referral_id,area,received,source,consent,kind,priority,complexity,supporter_id
R1,E06000044,2015-10-01,self,true,new,2,low,S1
";
        let found = messages(load(SUPPORTERS_OK, referrals).unwrap_err());
        assert_eq!(
            found,
            ["referrals.csv:2:9: `supporter_id`: open case in area E06000044 is held by supporter `S1` of area E06000043"]
        );
        let referrals = "referral_id,area,received,source,consent,kind,priority,complexity,colour
R1,E06000043,2015-10-01,self,true,new,3,low,blue
";
        let caseload = load(SUPPORTERS_OK, referrals).unwrap();
        assert_eq!(
            caseload.warnings[0].to_string(),
            "warning: referrals.csv:1:9: unknown column `colour` is ignored"
        );
    }

    #[test]
    fn leave_ending_before_it_starts_is_an_error() {
        let supporters =
            "supporter_id,area,status,hours_per_week,max_cases,unavailable_from,unavailable_to
S1,E06000043,paid,10,5,2015-11-30,2015-11-01
";
        let found = messages(load(supporters, REFERRALS_OK).unwrap_err());
        assert_eq!(
            found,
            ["supporters.csv:2:7: `unavailable_to`: leave ends on 2015-11-01, before it starts on 2015-11-30"]
        );
    }

    #[test]
    fn issue_10_families_absences_follow_the_supporters_leave_conventions() {
        let referrals = "referral_id,area,received,source,consent,kind,priority,complexity,unavailable_from,unavailable_to
R1,E06000043,2015-10-01,self,,new,3,low,2015-10-26,2015-11-06
R2,E06000043,2015-10-01,self,,new,3,low,2015-11-02,
R3,E06000043,2015-10-01,self,,new,3,low,,2015-11-01
R4,E06000043,2015-10-01,self,,new,3,low,,
";
        let caseload = load(SUPPORTERS_OK, referrals).unwrap();
        let monday: chrono::NaiveDate = "2015-11-02".parse().unwrap();
        let away: Vec<bool> = caseload.referrals.iter().map(|r| r.away(monday)).collect();
        // Both ends; only `from` (away from then on); only `to` (away until then, back
        // by Monday); no dates.
        assert_eq!(away, [true, true, false, false]);
        assert!(caseload.referrals[1].away("2016-06-06".parse().unwrap()));
        assert!(caseload.referrals[2].away("2015-10-26".parse().unwrap()));
        assert!(caseload.warnings.is_empty());

        let referrals = "referral_id,area,received,source,consent,kind,priority,complexity,unavailable_from,unavailable_to
R1,E06000043,2015-10-01,self,,new,3,low,2015-11-30,2015-11-01
R2,E06000043,2015-10-01,self,,new,3,low,2015-11-31,
";
        assert_eq!(
            messages(load(SUPPORTERS_OK, referrals).unwrap_err()),
            [
                "referrals.csv:2:10: `unavailable_to`: the family's absence ends on 2015-11-01, before it starts on 2015-11-30",
                "referrals.csv:3:9: `unavailable_from`: `2015-11-31` is not a date: November 2015 has 30 days, not 31",
            ]
        );
    }

    #[test]
    fn issue_10_exceptions_are_one_letter_with_the_date_they_were_noted() {
        let referrals = "referral_id,area,received,source,consent,kind,priority,complexity,exception,exception_noted
R1,E06000043,2015-05-01,self,,new,3,low,B,2015-10-01
R2,E06000043,2015-05-01,self,,new,3,low,d,
R3,E06000043,2015-05-01,self,,new,3,low,,
";
        let caseload = load(SUPPORTERS_OK, referrals).unwrap();
        let exceptions: Vec<_> = caseload
            .referrals
            .iter()
            .map(|r| (r.exception, r.exception_noted))
            .collect();
        assert_eq!(
            exceptions,
            [
                (Some(ClockException::B), Some("2015-10-01".parse().unwrap())),
                (Some(ClockException::D), None),
                (None, None)
            ]
        );
        // An exception without its date is allowed, but named, for the active rows.
        let week = week_messages(&caseload, "2015-11-02");
        assert_eq!(
            week,
            ["warning: referrals.csv:3:9: `exception`: (d) is recorded without an `exception_noted` date (add the date it was noted)"]
        );

        let referrals = "referral_id,area,received,source,consent,kind,priority,complexity,exception,exception_noted
R1,E06000043,2015-05-01,self,,new,3,low,e,2015-10-01
R2,E06000043,2015-05-01,self,,new,3,low,ab,
R3,E06000043,2015-05-01,self,,new,3,low,,2015-10-01
R4,E06000043,2015-05-01,self,,new,3,low,c,01/10/2015
R5,E06000043,2015-05-01,self,,new,3,low,(a),
";
        assert_eq!(
            messages(load(SUPPORTERS_OK, referrals).unwrap_err()),
            [
                "referrals.csv:2:9: `exception`: `e` is not one of a, b, c, d (the circumstances of reg 10(4) of the SEND Regulations 2014)",
                "referrals.csv:3:9: `exception`: `ab` is not one of a, b, c, d (the circumstances of reg 10(4) of the SEND Regulations 2014)",
                "referrals.csv:4:10: `exception_noted`: a date is given but `exception` is empty (write the letter of the circumstance, a to d)",
                "referrals.csv:5:10: `exception_noted`: `01/10/2015` is not a date in the form YYYY-MM-DD (if it is day, month, year: 2015-10-01)",
                "referrals.csv:6:9: `exception`: `(a)` is not one of a, b, c, d (the circumstances of reg 10(4) of the SEND Regulations 2014)",
            ]
        );
        // A date without the column of exceptions at all is the same mistake.
        let referrals =
            "referral_id,area,received,source,consent,kind,priority,complexity,exception_noted
R1,E06000043,2015-05-01,self,,new,3,low,2015-10-01
";
        assert_eq!(
            messages(load(SUPPORTERS_OK, referrals).unwrap_err()),
            ["referrals.csv:2:9: `exception_noted`: a date is given but `exception` is empty (write the letter of the circumstance, a to d)"]
        );
    }

    #[test]
    fn any_columns_are_read_with_the_same_checks() {
        let ok = crate::read_csv(Path::new("a.csv"), b"code,anything\nA,1\n\nB,2\n").unwrap();
        assert_eq!(ok.header, ["code", "anything"]);
        assert_eq!(
            ok.rows,
            [
                (2, vec!["A".to_string(), "1".to_string()]),
                (4, vec!["B".to_string(), "2".to_string()])
            ]
        );
        let bad = crate::read_csv(Path::new("a.csv"), b"code,code\nA\nB,\xFF\n").unwrap_err();
        let found: Vec<String> = bad.problems().iter().map(ToString::to_string).collect();
        assert_eq!(
            found,
            [
                "a.csv:1:2: column `code` appears twice",
                "a.csv:2:2: the row has 1 field, the header has 2",
                "a.csv:3:2: `code` is not valid UTF-8 (bad byte 0xFF at byte 1 of the field)",
            ]
        );
        assert!(crate::read_csv(Path::new("a.csv"), b"").is_err());
    }

    #[test]
    fn lines_after_blank_lines_and_quoted_newlines_are_counted() {
        // Line 3 is blank, and R2's exclude field spans lines 4-5: R2 starts on line 4,
        // R3 is on line 6.
        let referrals = "referral_id,area,received,source,consent,kind,priority,complexity,exclude
R1,E06000043,2015-10-01,self,true,new,3,low,

R2,E06000043,2015-10-01,self,true,new,0,low,\"S8;
S9\"
R3,E06000043,2015-10-01,self,true,new,9,low,
";
        let found = messages(load(SUPPORTERS_OK, referrals).unwrap_err());
        assert_eq!(
            found,
            [
                "referrals.csv:4:7: `priority`: `0` is not a priority from 1 to 5",
                "referrals.csv:6:7: `priority`: `9` is not a priority from 1 to 5",
            ]
        );
    }

    #[test]
    fn empty_file_is_an_error() {
        let found = messages(load("", REFERRALS_OK).unwrap_err());
        assert_eq!(
            found,
            ["supporters.csv:1:0: the file is empty: a header row is required"]
        );
    }

    #[test]
    fn consent_false_blocks_whatever_the_source_and_empty_is_implied_only_for_self() {
        let referrals = "referral_id,area,received,source,consent,kind,priority,complexity
R1,E06000043,2015-10-01,self,false,new,3,low
R2,E06000043,2015-10-01,self,,new,3,low
R3,E06000043,2015-10-01,la,,new,3,low
R4,E06000043,2015-10-01,professional,true,new,3,low
";
        let caseload = load(SUPPORTERS_OK, referrals).unwrap();
        let bases: Vec<ConsentBasis> = caseload
            .referrals
            .iter()
            .map(Referral::consent_basis)
            .collect();
        assert_eq!(
            bases,
            [
                ConsentBasis::Refused,
                ConsentBasis::ImpliedBySelfReferral,
                ConsentBasis::NotRecorded,
                ConsentBasis::Recorded
            ]
        );
        let allowed: Vec<bool> = caseload
            .referrals
            .iter()
            .map(Referral::has_consent)
            .collect();
        assert_eq!(allowed, [false, true, false, true]);
    }

    #[test]
    fn an_open_case_closing_later_must_still_sit_in_its_supporters_area() {
        let referrals =
            "referral_id,area,received,source,consent,kind,priority,complexity,supporter_id,closed
R1,E06000044,2015-10-01,self,true,new,2,low,S1,2016-03-01
";
        let found = messages(load(SUPPORTERS_OK, referrals).unwrap_err());
        assert_eq!(
            found,
            ["referrals.csv:2:9: `supporter_id`: open case in area E06000044 is held by supporter `S1` of area E06000043"]
        );
    }

    #[test]
    fn likely_typos_are_warnings_with_their_location() {
        let referrals =
            "referral_id,area,received,source,consent,kind,priority,complexity,needs,exclude,supporter_id
R1,E06000043,2015-10-01,self,true,new,2,low,,,S9
R2,E06000043,2015-10-01,self,true,new,2,low,bsl,S1;S7,
R3,E1O000043,2015-10-01,self,true,new,2,low,,,
R4,E1O000043,2015-10-01,self,true,new,2,low,,,
R5,E06000043,2015-10-01,la,false,new,2,low,,s2,S1
";
        let caseload = load(SUPPORTERS_OK, referrals).unwrap();
        let at_load: Vec<String> = caseload.warnings.iter().map(ToString::to_string).collect();
        assert_eq!(
            at_load,
            ["warning: referrals.csv:4:2: `area`: `E1O000043` is not the code of one of England's 152 local-authority areas (2 rows; check for a typo)"]
        );
        let week = week_messages(&caseload, "2015-11-02");
        assert_eq!(
            week,
            [
                "warning: referrals.csv:2:11: `supporter_id`: `S9` is not in the supporters file; the case is reallocated as if they had left (check for a typo)",
                "warning: referrals.csv:3:9: `needs`: no supporter in area E06000043 has the skill `bsl`; the family cannot be placed until one does (check for a typo)",
                "warning: referrals.csv:3:10: `exclude`: `S7` is not in the supporters file (check for a typo)",
                "warning: referrals.csv:6:5: `consent`: false on an open case with `S1`; open cases stay with their supporter, so it keeps their hours and a case slot (if the family withdrew, put the date in `closed`)",
                "warning: referrals.csv:6:10: `exclude`: `s2` is not in the supporters file; did you mean `S2`? (ids are case-sensitive: the conflict of interest is not applied)",
            ]
        );
        // Rows not active that week raise nothing.
        assert!(caseload
            .week_warnings("2015-09-07".parse().unwrap())
            .is_empty());
    }

    /// Rows of only commas (a spreadsheet's empty rows below the data) are skipped and
    /// said once, not reported as an empty value in every required column.
    #[test]
    fn rows_of_only_commas_are_skipped_and_said_once() {
        let referrals = format!("{REFERRALS_OK},,,,,,,,,,\n , ,,,,,,,,,\n");
        let caseload = load(SUPPORTERS_OK, &referrals).unwrap();
        let plain = load(SUPPORTERS_OK, REFERRALS_OK).unwrap();
        assert_eq!(caseload.referrals.len(), plain.referrals.len());
        let rows = REFERRALS_OK.lines().count() as u64;
        let said: Vec<String> = caseload.warnings.iter().map(ToString::to_string).collect();
        assert_eq!(
            said,
            [format!(
                "warning: referrals.csv:{}:1: lines {}, {} hold only empty fields (rows a spreadsheet left below the data): skipped",
                rows + 1,
                rows + 1,
                rows + 2
            )]
        );
        // A row with one value is still a row, with its missing values named.
        let one = format!("{REFERRALS_OK}R9,,,,,,,,,,\n");
        assert!(messages(load(SUPPORTERS_OK, &one).unwrap_err())
            .iter()
            .any(|m| m.contains("`area`")));
    }

    #[test]
    fn header_hints_name_the_separator_and_the_nearest_column() {
        let found = messages(
            load(
                "supporter_id;area;status;hours_per_week;max_cases\nS1;E06000043;paid;10;5\n",
                REFERRALS_OK,
            )
            .unwrap_err(),
        );
        assert_eq!(
            found,
            ["supporters.csv:1:1: the header is a single column: the file seems to be separated by `;`, but caseload reads comma-separated files (save it from the spreadsheet as \"CSV UTF-8 (comma delimited)\")"]
        );
        let supporters =
            "Supporter ID,area,status,Hours per week,max_cases\nS1,E06000043,paid,10,5\n";
        let found = messages(load(supporters, REFERRALS_OK).unwrap_err());
        assert_eq!(
            found,
            [
                "supporters.csv:1:1: required column `supporter_id` is missing: column 1 is named `Supporter ID`; rename it `supporter_id`",
                "supporters.csv:1:4: required column `hours_per_week` is missing: column 4 is named `Hours per week`; rename it `hours_per_week`",
            ]
        );
        let supporters =
            "supporter_id,area,status,hours_per_week,max_cases,skils\nS1,E06000043,paid,10,5,\n";
        let caseload = load(supporters, REFERRALS_OK).unwrap();
        assert_eq!(
            caseload.warnings[0].to_string(),
            "warning: supporters.csv:1:6: unknown column `skils` is ignored; did you mean `skills`?"
        );
    }

    #[test]
    fn comments_keep_line_numbers_and_odd_files_are_named() {
        // A comment line before a bad row: the row is on line 3.
        let referrals = "referral_id,area,received,source,consent,kind,priority,complexity
# R0,E06000043,2015-10-01,self,,new,3,low
R1,E06000043,2015-10-01,self,,new,9,low
";
        assert_eq!(
            messages(load(SUPPORTERS_OK, referrals).unwrap_err()),
            ["referrals.csv:3:7: `priority`: `9` is not a priority from 1 to 5"]
        );
        let referrals = "referral_id,area,received,source,consent,kind,priority,complexity\r# R0,E06000043,2015-10-01,self,,new,3,low\rR1,E06000043,2015-10-01,self,,new,3,low\r";
        assert_eq!(
            messages(load(SUPPORTERS_OK, referrals).unwrap_err()),
            ["referrals.csv:1:0: the lines end in carriage returns only (an old Mac format); save the file as \"CSV UTF-8 (comma delimited)\""]
        );
        let referrals = "referral_id,area,received,source,consent,kind,priority,complexity
#104,E06000043,2015-10-01,self,,new,3,low
R1,E06000043,2015-10-01,self,,new,3,low
";
        let caseload = load(SUPPORTERS_OK, referrals).unwrap();
        assert_eq!(caseload.referrals.len(), 1);
        assert_eq!(
            caseload.warnings[0].to_string(),
            "warning: referrals.csv:2:1: the line starts with `#`, so it is read as a comment, though it has a row's fields; an id cannot start with `#`"
        );
        // Origins carry the true line for week warnings too.
        let referrals = "referral_id,area,received,source,consent,kind,priority,complexity,exclude
# a note
R1,E06000043,2015-10-01,self,,new,3,low,S9
";
        let caseload = load(SUPPORTERS_OK, referrals).unwrap();
        assert_eq!(caseload.origins.referral_lines, [3]);
    }
}
