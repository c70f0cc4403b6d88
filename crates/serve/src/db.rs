//! The register's store: one SQLite file, created and migrated on first open.
//!
//! Every change is one transaction (`BEGIN IMMEDIATE`, so writers queue instead of
//! failing half-way), and the database refuses by trigger to change an accepted week:
//! its import, its decisions and its record are an audit trail, not an edit. A week's
//! `revision` counts the changes to its decisions; a change or an acceptance names the
//! revision it was made on, and loses with a [`Conflict`] when another tab got there
//! first.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use rusqlite_migration::{Migrations, M};

/// The schema, one migration per step; `PRAGMA user_version` records how far a file is.
fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(
            "CREATE TABLE imports (
            id INTEGER PRIMARY KEY,
            week TEXT NOT NULL,
            supporters_name TEXT NOT NULL,
            supporters BLOB NOT NULL,
            referrals_name TEXT NOT NULL,
            referrals BLOB NOT NULL,
            policy_name TEXT,
            policy TEXT,
            imported_by TEXT NOT NULL,
            imported_at TEXT NOT NULL,
            revision INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE decisions (
            id INTEGER PRIMARY KEY,
            import_id INTEGER NOT NULL REFERENCES imports(id),
            kind TEXT NOT NULL CHECK (kind IN ('pin', 'forbid')),
            referral_id TEXT NOT NULL,
            supporter_id TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT '',
            made_by TEXT NOT NULL,
            made_at TEXT NOT NULL,
            withdrawn_by TEXT,
            withdrawn_at TEXT
        );
        CREATE INDEX decisions_by_import ON decisions(import_id);
        CREATE TABLE accepted (
            import_id INTEGER PRIMARY KEY REFERENCES imports(id),
            revision INTEGER NOT NULL,
            accepted_by TEXT NOT NULL,
            accepted_at TEXT NOT NULL,
            objective REAL NOT NULL,
            newly_assigned INTEGER NOT NULL,
            waiting INTEGER NOT NULL,
            decisions INTEGER NOT NULL,
            decisions_cost REAL NOT NULL,
            register BLOB NOT NULL,
            decisions_csv BLOB NOT NULL,
            assignments_csv BLOB NOT NULL,
            waiting_csv BLOB NOT NULL,
            supporters_csv BLOB NOT NULL,
            districts_csv BLOB NOT NULL,
            report_html BLOB NOT NULL
        );
        CREATE TRIGGER accepted_is_final_update BEFORE UPDATE ON accepted
        BEGIN SELECT RAISE(ABORT, 'an accepted week cannot be changed'); END;
        CREATE TRIGGER accepted_is_final_delete BEFORE DELETE ON accepted
        BEGIN SELECT RAISE(ABORT, 'an accepted week cannot be changed'); END;
        CREATE TRIGGER accepted_import_is_final_update BEFORE UPDATE ON imports
        WHEN EXISTS (SELECT 1 FROM accepted WHERE import_id = OLD.id)
        BEGIN SELECT RAISE(ABORT, 'an accepted week cannot be changed'); END;
        CREATE TRIGGER accepted_import_is_final_delete BEFORE DELETE ON imports
        WHEN EXISTS (SELECT 1 FROM accepted WHERE import_id = OLD.id)
        BEGIN SELECT RAISE(ABORT, 'an accepted week cannot be changed'); END;
        CREATE TRIGGER accepted_decisions_are_final_insert BEFORE INSERT ON decisions
        WHEN EXISTS (SELECT 1 FROM accepted WHERE import_id = NEW.import_id)
        BEGIN SELECT RAISE(ABORT, 'an accepted week cannot be changed'); END;
        CREATE TRIGGER accepted_decisions_are_final_update BEFORE UPDATE ON decisions
        WHEN EXISTS (SELECT 1 FROM accepted WHERE import_id = OLD.import_id)
        BEGIN SELECT RAISE(ABORT, 'an accepted week cannot be changed'); END;
        CREATE TRIGGER accepted_decisions_are_final_delete BEFORE DELETE ON decisions
        WHEN EXISTS (SELECT 1 FROM accepted WHERE import_id = OLD.import_id)
        BEGIN SELECT RAISE(ABORT, 'an accepted week cannot be changed'); END;",
        ),
        // 2: why a decision was withdrawn, said by the coordinator who withdrew it.
        M::up("ALTER TABLE decisions ADD COLUMN withdrawn_note TEXT NOT NULL DEFAULT '';"),
        // 3: an import whose register was taken as it is ("Import anyway"), though it
        // does not carry the week accepted before it: its page says so.
        M::up("ALTER TABLE imports ADD COLUMN imported_anyway INTEGER NOT NULL DEFAULT 0;"),
        // 4: a draft set aside by a coordinator (a mistyped Monday, a trial), kept as it
        // was, with who set it aside, when and why.
        M::up(
            "ALTER TABLE imports ADD COLUMN discarded_by TEXT;
             ALTER TABLE imports ADD COLUMN discarded_at TEXT;
             ALTER TABLE imports ADD COLUMN discarded_note TEXT NOT NULL DEFAULT '';",
        ),
        // 5: the accepted week an import's register was checked against (or taken
        // against, "Import anyway"): acceptance checks again only if another week
        // before it was accepted since. Drafts already stored count as checked against
        // the week accepted before them now, as they were accepted under before.
        M::up(
            "ALTER TABLE imports ADD COLUMN checked_against INTEGER;
             UPDATE imports SET checked_against = (
                 SELECT j.id FROM accepted a JOIN imports j ON j.id = a.import_id
                 WHERE j.week < imports.week ORDER BY j.week DESC LIMIT 1)
             WHERE id NOT IN (SELECT import_id FROM accepted);",
        ),
        // 6: the Monday a supporters file or policy left empty at import was kept from,
        // so that the record does not say it was uploaded.
        M::up(
            "ALTER TABLE imports ADD COLUMN supporters_kept_from TEXT;
             ALTER TABLE imports ADD COLUMN policy_kept_from TEXT;",
        ),
    ])
}

/// Something the store could not do.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// SQLite said no.
    #[error("database {file}: {source}")]
    Sqlite {
        /// The database file.
        file: PathBuf,
        /// What SQLite said.
        source: rusqlite::Error,
    },
    /// The file's schema could not be brought up to date.
    #[error("database {file}: cannot migrate its schema: {message}")]
    Migration {
        /// The database file.
        file: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// Another tab changed the week first.
    #[error("{0}")]
    Conflict(Conflict),
    /// No week (or decision) with that id.
    #[error("no such {0}")]
    NotFound(&'static str),
}

/// Why a change made on an earlier view of the week was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conflict {
    /// The week was accepted (by `by`, at `at`): it cannot change any more.
    Accepted {
        /// Who accepted it.
        by: String,
        /// When.
        at: String,
    },
    /// Another import of the same Monday was accepted (by `by`, at `at`).
    MondayAccepted {
        /// The Monday.
        week: String,
        /// Who accepted it.
        by: String,
        /// When.
        at: String,
    },
    /// A later Monday was accepted already (`latest`, by `by`, at `at`): a week before
    /// it would carry an out-of-date register forward.
    Earlier {
        /// The Monday asked for.
        week: String,
        /// The latest accepted Monday.
        latest: String,
        /// Who accepted it.
        by: String,
        /// When.
        at: String,
    },
    /// The draft was discarded (by `by`, at `at`): it cannot change any more.
    Discarded {
        /// Who discarded it.
        by: String,
        /// When.
        at: String,
    },
    /// A week before this one was accepted while this one was being accepted (its
    /// register was checked against the week before that).
    BeforeAccepted {
        /// That week's Monday.
        week: String,
    },
    /// The same files (supporters, register and policy, byte for byte) were imported
    /// for the same Monday already, and that import is not discarded: a second click on
    /// Import, or the form sent again after going back.
    SameFiles {
        /// The Monday.
        week: String,
        /// Who imported it.
        by: String,
        /// When.
        at: String,
    },
    /// The decisions on the other imports of the Monday, which accepting sets aside,
    /// are not those the page showed.
    AsideChanged {
        /// How many the page showed.
        seen: i64,
        /// How many there are now.
        now: i64,
    },
    /// The week's decisions changed since the page was loaded.
    Changed {
        /// The revision the page showed.
        seen: i64,
        /// The revision now.
        now: i64,
    },
}

impl std::fmt::Display for Conflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Conflict::Accepted { by, at } => write!(
                f,
                "this week was already accepted by {by} at {}: an accepted week cannot change; nothing was done",
                when(at)
            ),
            Conflict::MondayAccepted { week, by, at } => write!(
                f,
                "the week of {week} was already accepted by {by} at {}: a Monday is accepted once, and its register is next week's input; nothing was done (import the next Monday from that week's register instead)",
                when(at)
            ),
            Conflict::Earlier { week, latest, by, at } => write!(
                f,
                "the week of {week} comes before the week of {latest}, already accepted by {by} at {}: weeks are accepted in order, each from the register of the one before; nothing was done (import a Monday after {latest}, from that week's register)",
                when(at)
            ),
            Conflict::Discarded { by, at } => write!(
                f,
                "this draft was discarded by {by} at {}: it is kept as it was, and can no longer change or be accepted; nothing was done",
                when(at)
            ),
            Conflict::BeforeAccepted { week } => write!(
                f,
                "the week of {week} was accepted while this week was being accepted: nothing was done; reload the week (its register must carry that week's plan)"
            ),
            Conflict::AsideChanged { seen, now } => write!(
                f,
                "the other imports of this Monday hold {} in force now, not the {} your page showed: accepting sets them aside, so nothing was done; reload the week to see them",
                count_decisions(*now),
                count_decisions(*seen)
            ),
            Conflict::SameFiles { week, by, at } => write!(
                f,
                "exactly these files were imported for the week of {week} by {by} at {}, and that import is still open (in the list of weeks below): nothing was imported again (to start that week afresh, withdraw its decisions, or discard it with the reason and import again)",
                when(at)
            ),
            Conflict::Changed { seen, now } => write!(
                f,
                "this week's decisions changed since your page was loaded (revision {seen}, now {now}), perhaps in another tab: nothing was done (if you clicked twice, your first click was kept); reload the week to see the plan as it is now"
            ),
        }
    }
}

/// Another open import of the same Monday.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sibling {
    /// Its id.
    pub id: i64,
    /// Who imported it.
    pub imported_by: String,
    /// When (UTC, RFC 3339).
    pub imported_at: String,
    /// Its decisions in force, in the order made.
    pub in_force: Vec<DecisionRow>,
}

impl Sibling {
    /// How many decisions it has in force.
    #[must_use]
    pub fn decisions(&self) -> i64 {
        self.in_force.len() as i64
    }
}

/// One import: a week's two files (and policy), as uploaded, and its state.
#[derive(Debug, Clone)]
pub struct Import {
    /// Its id.
    pub id: i64,
    /// The week and its files.
    pub files: NewImport,
    /// When it was imported (UTC, RFC 3339).
    pub imported_at: String,
    /// Changes to its decisions so far.
    pub revision: i64,
    /// Set aside by a coordinator, if it was: who, when (UTC, RFC 3339) and why.
    pub discarded: Option<(String, String, String)>,
    /// The accepted week (its import id) before this Monday when it was imported: the
    /// one its register was checked against, or taken against with "Import anyway".
    pub checked_against: Option<i64>,
}

/// What an import stores: the week and its files, and who imported them.
#[derive(Debug, Clone)]
pub struct NewImport {
    /// The week's Monday, `YYYY-MM-DD`.
    pub week: String,
    /// The supporters file's name, as uploaded.
    pub supporters_name: String,
    /// Its bytes.
    pub supporters: Vec<u8>,
    /// The referrals file's name.
    pub referrals_name: String,
    /// Its bytes.
    pub referrals: Vec<u8>,
    /// The policy file's name and text, if one was given.
    pub policy: Option<(String, String)>,
    /// Who imported it.
    pub imported_by: String,
    /// Imported with "Import anyway": its register was taken though it does not carry
    /// the plan accepted for the Monday before.
    pub imported_anyway: bool,
    /// The Monday of the import the supporters file was kept from (left empty at
    /// import), if it was not uploaded.
    pub supporters_kept_from: Option<String>,
    /// The Monday of the import the policy was kept from, likewise.
    pub policy_kept_from: Option<String>,
}

/// A coordinator's pin or forbid, with who made (and perhaps withdrew) it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionRow {
    /// Its id.
    pub id: i64,
    /// `pin` or `forbid`.
    pub kind: String,
    /// The family.
    pub referral_id: String,
    /// The supporter.
    pub supporter_id: String,
    /// The coordinator's reason.
    pub note: String,
    /// Who made it.
    pub made_by: String,
    /// When.
    pub made_at: String,
    /// Who withdrew it and when, if it was.
    pub withdrawn: Option<(String, String)>,
    /// Why it was withdrawn (empty if no reason was given).
    pub withdrawn_note: String,
}

/// A new decision.
#[derive(Debug, Clone)]
pub struct NewDecision {
    /// `pin` or `forbid`.
    pub kind: String,
    /// The family.
    pub referral_id: String,
    /// The supporter.
    pub supporter_id: String,
    /// The coordinator's reason.
    pub note: String,
    /// Who made it.
    pub made_by: String,
}

/// The record of an accepted week: what was decided, by whom, when, at what cost, and
/// the files it produced.
#[derive(Debug, Clone)]
pub struct Accepted {
    /// The revision of the decisions accepted.
    pub revision: i64,
    /// Who accepted it.
    pub accepted_by: String,
    /// When (UTC, RFC 3339).
    pub accepted_at: String,
    /// The plan's objective.
    pub objective: f64,
    /// New assignments.
    pub newly_assigned: i64,
    /// Families left waiting.
    pub waiting: i64,
    /// Decisions in force.
    pub decisions: i64,
    /// What the waiting families gave up for them.
    pub decisions_cost: f64,
    /// Next week's register (the referrals file with this week's assignments).
    pub register: Vec<u8>,
    /// The decisions, as a decisions file.
    pub decisions_csv: Vec<u8>,
    /// The week's tables.
    pub assignments_csv: Vec<u8>,
    /// See [`Accepted::assignments_csv`].
    pub waiting_csv: Vec<u8>,
    /// See [`Accepted::assignments_csv`].
    pub supporters_csv: Vec<u8>,
    /// See [`Accepted::assignments_csv`].
    pub districts_csv: Vec<u8>,
    /// The printable report.
    pub report_html: Vec<u8>,
}

/// A line of the list of weeks.
#[derive(Debug, Clone)]
pub struct WeekLine {
    /// The import.
    pub id: i64,
    /// Its Monday.
    pub week: String,
    /// Who imported it, when.
    pub imported_by: String,
    /// When.
    pub imported_at: String,
    /// Decisions in force now.
    pub decisions: i64,
    /// Its acceptance, if accepted: by, at, objective, new, waiting, decisions' cost.
    pub accepted: Option<AcceptedLine>,
    /// Another import of its Monday was accepted: this one can no longer be.
    pub superseded: bool,
    /// Set aside by a coordinator: who and why.
    pub discarded: Option<(String, String)>,
}

/// The summary of an acceptance, for the list of weeks.
#[derive(Debug, Clone)]
pub struct AcceptedLine {
    /// Who.
    pub by: String,
    /// When.
    pub at: String,
    /// The objective.
    pub objective: f64,
    /// New assignments.
    pub newly_assigned: i64,
    /// Still waiting.
    pub waiting: i64,
    /// Decisions in force.
    pub decisions: i64,
    /// Their cost.
    pub decisions_cost: f64,
}

/// The store. Cheap to clone; every call opens its own connection, so calls from
/// different threads do not wait on one another except to write.
#[derive(Debug, Clone)]
pub struct Db {
    file: PathBuf,
    hold_commit: Option<Duration>,
}

/// The environment variable that makes every write wait this many milliseconds inside
/// its transaction before committing: a fault-injection point for the tests that kill
/// the server mid-import and mid-accept. Unset in use.
pub const HOLD_COMMIT_ENV: &str = "CASELOAD_SERVE_HOLD_COMMIT_MS";

fn now() -> String {
    stamp(chrono::Utc::now())
}

/// A time as the store keeps it: UTC, RFC 3339, to the second.
pub(crate) fn stamp(time: chrono::DateTime<chrono::Utc>) -> String {
    time.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A stored time (UTC, RFC 3339: `2026-12-07T04:29:50Z`) as people read it: `7 Dec
/// 2026, 04:29 UTC`; as stored if it is not one.
/// "1 decision", "3 decisions".
fn count_decisions(n: i64) -> String {
    caseload_report::words::count(n, "decision", "decisions")
}

pub(crate) fn when(at: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(at)
        .map(|t| t.format("%-d %b %Y, %H:%M UTC").to_string())
        .unwrap_or_else(|_| at.to_string())
}

impl Db {
    /// Opens `file`, creating it and its schema if needed, and migrating an older one.
    ///
    /// # Errors
    ///
    /// [`DbError`] if the file cannot be opened as SQLite or migrated.
    pub fn open(file: &Path) -> Result<Db, DbError> {
        let hold_commit = std::env::var(HOLD_COMMIT_ENV)
            .ok()
            .and_then(|ms| ms.parse::<u64>().ok())
            .map(Duration::from_millis);
        let db = Db {
            file: file.to_path_buf(),
            hold_commit,
        };
        let mut conn = db.connect()?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(|e| db.sqlite(e))?;
        migrations()
            .to_latest(&mut conn)
            .map_err(|e| DbError::Migration {
                file: db.file.clone(),
                message: e.to_string(),
            })?;
        Ok(db)
    }

    /// The database file.
    pub fn file(&self) -> &Path {
        &self.file
    }

    fn sqlite(&self, source: rusqlite::Error) -> DbError {
        DbError::Sqlite {
            file: self.file.clone(),
            source,
        }
    }

    fn connect(&self) -> Result<Connection, DbError> {
        let conn = Connection::open(&self.file).map_err(|e| self.sqlite(e))?;
        conn.busy_timeout(Duration::from_secs(30))
            .map_err(|e| self.sqlite(e))?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(|e| self.sqlite(e))?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(|e| self.sqlite(e))?;
        Ok(conn)
    }

    /// Runs `change` in one `BEGIN IMMEDIATE` transaction: all of it is committed, or
    /// none.
    fn write<T>(
        &self,
        change: impl FnOnce(&rusqlite::Transaction) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        let mut conn = self.connect()?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| self.sqlite(e))?;
        let value = change(&tx)?;
        if let Some(hold) = self.hold_commit {
            std::thread::sleep(hold);
        }
        tx.commit().map_err(|e| self.sqlite(e))?;
        Ok(value)
    }

    /// `PRAGMA integrity_check`: `ok`, or what is wrong.
    ///
    /// # Errors
    ///
    /// [`DbError`] if the check cannot run.
    pub fn integrity_check(&self) -> Result<String, DbError> {
        let conn = self.connect()?;
        let lines: Vec<String> = conn
            .prepare("PRAGMA integrity_check")
            .and_then(|mut s| {
                s.query_map([], |row| row.get::<_, String>(0))?
                    .collect::<Result<_, _>>()
            })
            .map_err(|e| self.sqlite(e))?;
        Ok(lines.join("; "))
    }

    /// True while a write transaction is open on the file (another connection holds
    /// its write lock): what a backup or a test waits on.
    ///
    /// # Errors
    ///
    /// [`DbError`] if the file cannot be opened.
    pub fn write_locked(&self) -> Result<bool, DbError> {
        let conn = Connection::open(&self.file).map_err(|e| self.sqlite(e))?;
        // Ask, do not wait: rusqlite's connections wait 5 s on a lock by default.
        conn.busy_timeout(Duration::ZERO)
            .map_err(|e| self.sqlite(e))?;
        match conn.execute_batch("BEGIN IMMEDIATE; ROLLBACK;") {
            Ok(()) => Ok(false),
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DatabaseBusy =>
            {
                Ok(true)
            }
            Err(e) => Err(self.sqlite(e)),
        }
    }

    /// Stores an import; returns its id.
    ///
    /// # Errors
    ///
    /// [`DbError::Conflict`] if the same Monday, or a later one, was already accepted,
    /// or the same files are imported for the Monday already and not discarded
    /// ([`Conflict::SameFiles`]); [`DbError`] if it cannot be written (nothing is).
    pub fn add_import(&self, import: &NewImport) -> Result<i64, DbError> {
        self.write(|tx| {
            self.monday_still_open(tx, &import.week)?;
            // In the same transaction as the insert: of two clicks on Import, the second
            // finds the first's row.
            let policy_text = import.policy.as_ref().map(|(_, text)| text.as_str());
            let same = tx
                .query_row(
                    "SELECT imported_by, imported_at FROM imports
                     WHERE week = ?1 AND discarded_at IS NULL AND supporters = ?2
                       AND referrals = ?3 AND policy IS ?4
                     ORDER BY id LIMIT 1",
                    params![
                        import.week,
                        import.supporters,
                        import.referrals,
                        policy_text
                    ],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()
                .map_err(|e| self.sqlite(e))?;
            if let Some((by, at)) = same {
                return Err(DbError::Conflict(Conflict::SameFiles {
                    week: import.week.clone(),
                    by,
                    at,
                }));
            }
            let against = self.accepted_before_in(tx, &import.week)?.map(|(id, _)| id);
            let (policy_name, policy) = match &import.policy {
                Some((name, text)) => (Some(name.as_str()), Some(text.as_str())),
                None => (None, None),
            };
            tx.execute(
                "INSERT INTO imports (week, supporters_name, supporters, referrals_name, referrals,
                     policy_name, policy, imported_by, imported_at, imported_anyway,
                     checked_against, supporters_kept_from, policy_kept_from)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                params![
                    import.week,
                    import.supporters_name,
                    import.supporters,
                    import.referrals_name,
                    import.referrals,
                    policy_name,
                    policy,
                    import.imported_by,
                    now(),
                    import.imported_anyway,
                    against,
                    import.supporters_kept_from,
                    import.policy_kept_from
                ],
            )
            .map_err(|e| self.sqlite(e))?;
            Ok(tx.last_insert_rowid())
        })
    }

    /// One import.
    ///
    /// # Errors
    ///
    /// [`DbError::NotFound`] if there is none with that id.
    pub fn import(&self, id: i64) -> Result<Import, DbError> {
        let conn = self.connect()?;
        conn.query_row(
            "SELECT id, week, supporters_name, supporters, referrals_name, referrals,
                    policy_name, policy, imported_by, imported_at, revision, imported_anyway,
                    discarded_by, discarded_at, discarded_note, checked_against,
                    supporters_kept_from, policy_kept_from
             FROM imports WHERE id = ?1",
            [id],
            |row| {
                let policy_name: Option<String> = row.get(6)?;
                let policy: Option<String> = row.get(7)?;
                Ok(Import {
                    id: row.get(0)?,
                    files: NewImport {
                        week: row.get(1)?,
                        supporters_name: row.get(2)?,
                        supporters: row.get(3)?,
                        referrals_name: row.get(4)?,
                        referrals: row.get(5)?,
                        policy: policy_name.zip(policy),
                        imported_by: row.get(8)?,
                        imported_anyway: row.get(11)?,
                        supporters_kept_from: row.get(16)?,
                        policy_kept_from: row.get(17)?,
                    },
                    imported_at: row.get(9)?,
                    revision: row.get(10)?,
                    discarded: match (row.get::<_, Option<String>>(12)?, row.get(13)?) {
                        (Some(by), Some(at)) => Some((by, at, row.get(14)?)),
                        _ => None,
                    },
                    checked_against: row.get(15)?,
                })
            },
        )
        .optional()
        .map_err(|e| self.sqlite(e))?
        .ok_or(DbError::NotFound("week"))
    }

    /// The import next week's files are carried from: the accepted import of the latest
    /// accepted Monday (not a later draft, which may be a trial or a mistake); before
    /// any week is accepted, the latest import. None when there is no import.
    ///
    /// # Errors
    ///
    /// [`DbError`] if the store cannot be read.
    pub fn latest_import(&self) -> Result<Option<Import>, DbError> {
        let conn = self.connect()?;
        let id: Option<i64> = conn
            .query_row(
                "SELECT coalesce(
                    (SELECT i.id FROM accepted a JOIN imports i ON i.id = a.import_id
                     ORDER BY i.week DESC LIMIT 1),
                    (SELECT max(id) FROM imports WHERE discarded_at IS NULL))",
                [],
                |row| row.get(0),
            )
            .map_err(|e| self.sqlite(e))?;
        id.map(|id| self.import(id)).transpose()
    }

    /// Every import, the latest Monday first (imports of one Monday, latest first).
    ///
    /// # Errors
    ///
    /// [`DbError`] if the store cannot be read.
    pub fn weeks(&self) -> Result<Vec<WeekLine>, DbError> {
        let conn = self.connect()?;
        let mut statement = conn
            .prepare(
                "SELECT i.id, i.week, i.imported_by, i.imported_at,
                    (SELECT count(*) FROM decisions d
                     WHERE d.import_id = i.id AND d.withdrawn_at IS NULL),
                    a.accepted_by, a.accepted_at, a.objective, a.newly_assigned, a.waiting,
                    a.decisions, a.decisions_cost,
                    EXISTS (SELECT 1 FROM imports j JOIN accepted b ON b.import_id = j.id
                            WHERE j.week = i.week AND j.id != i.id),
                    i.discarded_by, i.discarded_note
                 FROM imports i LEFT JOIN accepted a ON a.import_id = i.id
                 ORDER BY i.week DESC, i.id DESC",
            )
            .map_err(|e| self.sqlite(e))?;
        let rows = statement
            .query_map([], |row| {
                let by: Option<String> = row.get(5)?;
                let accepted = match by {
                    Some(by) => Some(AcceptedLine {
                        by,
                        at: row.get(6)?,
                        objective: row.get(7)?,
                        newly_assigned: row.get(8)?,
                        waiting: row.get(9)?,
                        decisions: row.get(10)?,
                        decisions_cost: row.get(11)?,
                    }),
                    None => None,
                };
                Ok(WeekLine {
                    id: row.get(0)?,
                    week: row.get(1)?,
                    imported_by: row.get(2)?,
                    imported_at: row.get(3)?,
                    decisions: row.get(4)?,
                    accepted,
                    superseded: row.get(12)?,
                    discarded: match row.get::<_, Option<String>>(13)? {
                        Some(by) => Some((by, row.get(14)?)),
                        None => None,
                    },
                })
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| self.sqlite(e))?;
        Ok(rows)
    }

    /// A week's decisions, in the order they were made (withdrawn ones included).
    ///
    /// # Errors
    ///
    /// [`DbError`] if the store cannot be read.
    pub fn decisions(&self, import_id: i64) -> Result<Vec<DecisionRow>, DbError> {
        let conn = self.connect()?;
        let mut statement = conn
            .prepare(
                "SELECT id, kind, referral_id, supporter_id, note, made_by, made_at,
                        withdrawn_by, withdrawn_at, withdrawn_note
                 FROM decisions WHERE import_id = ?1 ORDER BY id",
            )
            .map_err(|e| self.sqlite(e))?;
        let rows = statement
            .query_map([import_id], |row| {
                let by: Option<String> = row.get(7)?;
                let at: Option<String> = row.get(8)?;
                Ok(DecisionRow {
                    id: row.get(0)?,
                    kind: row.get(1)?,
                    referral_id: row.get(2)?,
                    supporter_id: row.get(3)?,
                    note: row.get(4)?,
                    made_by: row.get(5)?,
                    made_at: row.get(6)?,
                    withdrawn: by.zip(at),
                    withdrawn_note: row.get(9)?,
                })
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| self.sqlite(e))?;
        Ok(rows)
    }

    /// The week's acceptance, if it was accepted.
    ///
    /// # Errors
    ///
    /// [`DbError`] if the store cannot be read.
    pub fn accepted(&self, import_id: i64) -> Result<Option<Accepted>, DbError> {
        let conn = self.connect()?;
        conn.query_row(
            "SELECT revision, accepted_by, accepted_at, objective, newly_assigned, waiting,
                    decisions, decisions_cost, register, decisions_csv, assignments_csv,
                    waiting_csv, supporters_csv, districts_csv, report_html
             FROM accepted WHERE import_id = ?1",
            [import_id],
            |row| {
                Ok(Accepted {
                    revision: row.get(0)?,
                    accepted_by: row.get(1)?,
                    accepted_at: row.get(2)?,
                    objective: row.get(3)?,
                    newly_assigned: row.get(4)?,
                    waiting: row.get(5)?,
                    decisions: row.get(6)?,
                    decisions_cost: row.get(7)?,
                    register: row.get(8)?,
                    decisions_csv: row.get(9)?,
                    assignments_csv: row.get(10)?,
                    waiting_csv: row.get(11)?,
                    supporters_csv: row.get(12)?,
                    districts_csv: row.get(13)?,
                    report_html: row.get(14)?,
                })
            },
        )
        .optional()
        .map_err(|e| self.sqlite(e))
    }

    /// Within a write: the week must exist, be open, and still be at `seen`.
    fn check_open(
        &self,
        tx: &rusqlite::Transaction,
        import_id: i64,
        seen: i64,
    ) -> Result<(), DbError> {
        let accepted: Option<(String, String)> = tx
            .query_row(
                "SELECT accepted_by, accepted_at FROM accepted WHERE import_id = ?1",
                [import_id],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()
            .map_err(|e| self.sqlite(e))?;
        if let Some((by, at)) = accepted {
            return Err(DbError::Conflict(Conflict::Accepted { by, at }));
        }
        let discarded: Option<(String, String)> = tx
            .query_row(
                "SELECT discarded_by, discarded_at FROM imports
                 WHERE id = ?1 AND discarded_at IS NOT NULL",
                [import_id],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()
            .map_err(|e| self.sqlite(e))?;
        if let Some((by, at)) = discarded {
            return Err(DbError::Conflict(Conflict::Discarded { by, at }));
        }
        let now: i64 = tx
            .query_row(
                "SELECT revision FROM imports WHERE id = ?1",
                [import_id],
                |row| row.get(0),
            )
            .optional()
            .map_err(|e| self.sqlite(e))?
            .ok_or(DbError::NotFound("week"))?;
        if now != seen {
            return Err(DbError::Conflict(Conflict::Changed { seen, now }));
        }
        Ok(())
    }

    /// Within a write: a Monday is accepted once (its register is next week's input),
    /// whichever of its imports was accepted, and in order: none before a Monday
    /// already accepted.
    fn monday_still_open(&self, tx: &rusqlite::Transaction, week: &str) -> Result<(), DbError> {
        let accepted: Option<(String, String)> = tx
            .query_row(
                "SELECT a.accepted_by, a.accepted_at FROM accepted a
                 JOIN imports i ON i.id = a.import_id WHERE i.week = ?1",
                [week],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()
            .map_err(|e| self.sqlite(e))?;
        if let Some((by, at)) = accepted {
            return Err(DbError::Conflict(Conflict::MondayAccepted {
                week: week.to_string(),
                by,
                at,
            }));
        }
        let later: Option<(String, String, String)> = tx
            .query_row(
                "SELECT i.week, a.accepted_by, a.accepted_at FROM accepted a
                 JOIN imports i ON i.id = a.import_id WHERE i.week > ?1
                 ORDER BY i.week DESC LIMIT 1",
                [week],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )
            .optional()
            .map_err(|e| self.sqlite(e))?;
        match later {
            Some((latest, by, at)) => Err(DbError::Conflict(Conflict::Earlier {
                week: week.to_string(),
                latest,
                by,
                at,
            })),
            None => Ok(()),
        }
    }

    /// The accepted week of the latest Monday before `week`, if any: its import id and
    /// Monday (the register imported for `week` should carry its plan forward).
    ///
    /// # Errors
    ///
    /// [`DbError`] if the store cannot be read.
    pub fn accepted_before(&self, week: &str) -> Result<Option<(i64, String)>, DbError> {
        self.accepted_before_in(&self.connect()?, week)
    }

    /// [`Db::accepted_before`] on `conn` (inside a write, its transaction).
    fn accepted_before_in(
        &self,
        conn: &Connection,
        week: &str,
    ) -> Result<Option<(i64, String)>, DbError> {
        conn.query_row(
            "SELECT i.id, i.week FROM accepted a JOIN imports i ON i.id = a.import_id
             WHERE i.week < ?1 ORDER BY i.week DESC LIMIT 1",
            [week],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()
        .map_err(|e| self.sqlite(e))
    }

    /// The other imports of the same Monday, discarded ones left out: their ids, who
    /// imported each and when, and how many decisions each has in force. Only one of
    /// them can be accepted, and each has its own decisions: before one is, they are
    /// the other drafts; after, the drafts whose decisions its acceptance set aside.
    ///
    /// # Errors
    ///
    /// [`DbError`] if the store cannot be read.
    pub fn siblings(&self, import_id: i64) -> Result<Vec<Sibling>, DbError> {
        let conn = self.connect()?;
        let mut statement = conn
            .prepare(
                "SELECT j.id, j.imported_by, j.imported_at
                 FROM imports i
                 JOIN imports j ON j.week = i.week AND j.id != i.id
                 WHERE i.id = ?1 AND j.discarded_at IS NULL
                 ORDER BY j.id",
            )
            .map_err(|e| self.sqlite(e))?;
        let rows = statement
            .query_map([import_id], |row| {
                Ok(Sibling {
                    id: row.get(0)?,
                    imported_by: row.get(1)?,
                    imported_at: row.get(2)?,
                    in_force: Vec::new(),
                })
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| self.sqlite(e))?;
        // The count is the list's length: one read, so the two cannot disagree.
        rows.into_iter()
            .map(|mut sibling| {
                sibling.in_force = self
                    .decisions(sibling.id)?
                    .into_iter()
                    .filter(|d| d.withdrawn.is_none())
                    .collect();
                Ok(sibling)
            })
            .collect()
    }

    /// The import of the same Monday that was accepted, when it is another one: then
    /// `import_id` is superseded and can no longer change or be accepted.
    ///
    /// # Errors
    ///
    /// [`DbError`] if the store cannot be read.
    pub fn superseded_by(&self, import_id: i64) -> Result<Option<i64>, DbError> {
        let conn = self.connect()?;
        conn.query_row(
            "SELECT j.id FROM imports i JOIN imports j ON j.week = i.week AND j.id != i.id
             JOIN accepted a ON a.import_id = j.id WHERE i.id = ?1",
            [import_id],
            |row| row.get(0),
        )
        .optional()
        .map_err(|e| self.sqlite(e))
    }

    fn bump(&self, tx: &rusqlite::Transaction, import_id: i64) -> Result<(), DbError> {
        tx.execute(
            "UPDATE imports SET revision = revision + 1 WHERE id = ?1",
            [import_id],
        )
        .map_err(|e| self.sqlite(e))?;
        Ok(())
    }

    /// Adds a decision to the week seen at revision `seen`.
    ///
    /// # Errors
    ///
    /// [`DbError::Conflict`] if the week was accepted or changed since.
    pub fn add_decision(
        &self,
        import_id: i64,
        seen: i64,
        decision: &NewDecision,
    ) -> Result<(), DbError> {
        self.write(|tx| {
            self.check_open(tx, import_id, seen)?;
            tx.execute(
                "INSERT INTO decisions (import_id, kind, referral_id, supporter_id, note, made_by, made_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    import_id,
                    decision.kind,
                    decision.referral_id,
                    decision.supporter_id,
                    decision.note,
                    decision.made_by,
                    now()
                ],
            )
            .map_err(|e| self.sqlite(e))?;
            self.bump(tx, import_id)
        })
    }

    /// Withdraws a decision of the week seen at revision `seen` (it stays in the
    /// record, marked withdrawn).
    ///
    /// # Errors
    ///
    /// [`DbError::Conflict`] if the week was accepted or changed since;
    /// [`DbError::NotFound`] if the week has no such decision in force.
    pub fn withdraw_decision(
        &self,
        import_id: i64,
        decision_id: i64,
        seen: i64,
        by: &str,
        note: &str,
    ) -> Result<(), DbError> {
        self.write(|tx| {
            self.check_open(tx, import_id, seen)?;
            let changed = tx
                .execute(
                    "UPDATE decisions SET withdrawn_by = ?1, withdrawn_at = ?2, withdrawn_note = ?3
                     WHERE id = ?4 AND import_id = ?5 AND withdrawn_at IS NULL",
                    params![by, now(), note, decision_id, import_id],
                )
                .map_err(|e| self.sqlite(e))?;
            if changed == 0 {
                return Err(DbError::NotFound("decision in force"));
            }
            self.bump(tx, import_id)
        })
    }

    /// Sets aside the open draft seen at revision `seen`: it is kept as it was, with
    /// who set it aside, when and why, and can no longer change or be accepted (a
    /// mistyped Monday, a trial import).
    ///
    /// # Errors
    ///
    /// [`DbError::Conflict`] if the week was accepted, discarded or changed since.
    pub fn discard(&self, import_id: i64, seen: i64, by: &str, note: &str) -> Result<(), DbError> {
        self.write(|tx| {
            self.check_open(tx, import_id, seen)?;
            tx.execute(
                "UPDATE imports SET discarded_by = ?2, discarded_at = ?3, discarded_note = ?4,
                     revision = revision + 1
                 WHERE id = ?1",
                params![import_id, by, now(), note],
            )
            .map_err(|e| self.sqlite(e))?;
            Ok(())
        })
    }

    /// Accepts the week seen at revision `seen`, recording `accepted` (whose
    /// `accepted_at` is set here). `before` is the accepted week before its Monday
    /// that its register was checked against (`None`: there was none); `aside` are the
    /// ids of the decisions the other imports of its Monday held when the coordinator
    /// agreed to set them aside.
    ///
    /// # Errors
    ///
    /// [`DbError::Conflict`] if the week was accepted or changed since, another import
    /// of its Monday was accepted, a week before it was accepted since the check, or
    /// the other imports' decisions are no longer the `aside` agreed to.
    pub fn accept(
        &self,
        import_id: i64,
        seen: i64,
        accepted: &Accepted,
        before: Option<i64>,
        aside: &[i64],
    ) -> Result<(), DbError> {
        self.write(|tx| {
            self.check_open(tx, import_id, seen)?;
            let week: String = tx
                .query_row(
                    "SELECT week FROM imports WHERE id = ?1",
                    [import_id],
                    |row| row.get(0),
                )
                .map_err(|e| self.sqlite(e))?;
            // In the transaction: a decision made on another import in the meantime is
            // one the coordinator did not agree to set aside.
            let mut held: Vec<i64> = {
                let mut statement = tx
                    .prepare(
                        "SELECT d.id FROM decisions d JOIN imports j ON j.id = d.import_id
                         WHERE j.week = ?1 AND j.id != ?2 AND j.discarded_at IS NULL
                           AND d.withdrawn_at IS NULL",
                    )
                    .map_err(|e| self.sqlite(e))?;
                let ids = statement
                    .query_map(params![week, import_id], |row| row.get(0))
                    .and_then(|rows| rows.collect::<Result<Vec<i64>, _>>())
                    .map_err(|e| self.sqlite(e))?;
                ids
            };
            let mut agreed = aside.to_vec();
            held.sort_unstable();
            agreed.sort_unstable();
            agreed.dedup();
            if held != agreed {
                return Err(DbError::Conflict(Conflict::AsideChanged {
                    seen: agreed.len() as i64,
                    now: held.len() as i64,
                }));
            }
            self.monday_still_open(tx, &week)?;
            let now_before = self.accepted_before_in(tx, &week)?;
            if let Some((_, monday)) = now_before.filter(|(id, _)| Some(*id) != before) {
                return Err(DbError::Conflict(Conflict::BeforeAccepted { week: monday }));
            }
            tx.execute(
                "INSERT INTO accepted (import_id, revision, accepted_by, accepted_at, objective,
                     newly_assigned, waiting, decisions, decisions_cost, register, decisions_csv,
                     assignments_csv, waiting_csv, supporters_csv, districts_csv, report_html)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
                params![
                    import_id,
                    seen,
                    accepted.accepted_by,
                    // The time the record was made (the report says it), else now.
                    if accepted.accepted_at.is_empty() {
                        now()
                    } else {
                        accepted.accepted_at.clone()
                    },
                    accepted.objective,
                    accepted.newly_assigned,
                    accepted.waiting,
                    accepted.decisions,
                    accepted.decisions_cost,
                    accepted.register,
                    accepted.decisions_csv,
                    accepted.assignments_csv,
                    accepted.waiting_csv,
                    accepted.supporters_csv,
                    accepted.districts_csv,
                    accepted.report_html
                ],
            )
            .map_err(|e| self.sqlite(e))?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_import(week: &str) -> NewImport {
        NewImport {
            week: week.into(),
            supporters_name: "supporters.csv".into(),
            supporters: b"s".to_vec(),
            referrals_name: "referrals.csv".into(),
            referrals: b"r".to_vec(),
            policy: None,
            imported_by: "AB".into(),
            imported_anyway: false,
            supporters_kept_from: None,
            policy_kept_from: None,
        }
    }

    fn accepted(by: &str) -> Accepted {
        Accepted {
            revision: 0,
            accepted_by: by.into(),
            accepted_at: String::new(),
            objective: 1.5,
            newly_assigned: 1,
            waiting: 2,
            decisions: 0,
            decisions_cost: 0.0,
            register: b"r2".to_vec(),
            decisions_csv: Vec::new(),
            assignments_csv: Vec::new(),
            waiting_csv: Vec::new(),
            supporters_csv: Vec::new(),
            districts_csv: Vec::new(),
            report_html: Vec::new(),
        }
    }

    fn decision(referral: &str) -> NewDecision {
        NewDecision {
            kind: "pin".into(),
            referral_id: referral.into(),
            supporter_id: "S1".into(),
            note: String::new(),
            made_by: "AB".into(),
        }
    }

    #[test]
    fn a_change_on_an_old_revision_loses_and_an_accepted_week_is_final() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("w.sqlite")).unwrap();
        let id = db.add_import(&new_import("2015-11-02")).unwrap();
        db.add_decision(id, 0, &decision("R1")).unwrap();
        let stale = db.add_decision(id, 0, &decision("R2")).unwrap_err();
        assert!(matches!(
            stale,
            DbError::Conflict(Conflict::Changed { seen: 0, now: 1 })
        ));
        let first = db.decisions(id).unwrap()[0].id;
        db.withdraw_decision(id, first, 1, "CD", "the family moved")
            .unwrap();
        assert_eq!(
            db.decisions(id).unwrap()[0].withdrawn.as_ref().unwrap().0,
            "CD"
        );
        db.accept(id, 2, &accepted("AB"), None, &[]).unwrap();
        let again = db.accept(id, 2, &accepted("CD"), None, &[]).unwrap_err();
        assert!(
            matches!(&again, DbError::Conflict(Conflict::Accepted { by, .. }) if by == "AB"),
            "{again}"
        );
        assert_eq!(db.accepted(id).unwrap().unwrap().accepted_by, "AB");
        // The triggers hold even against SQL that skips the checks above.
        let conn = db.connect().unwrap();
        for sql in [
            "UPDATE accepted SET objective = 0",
            "DELETE FROM accepted",
            "UPDATE imports SET revision = 9",
            "DELETE FROM decisions",
            "INSERT INTO decisions (import_id, kind, referral_id, supporter_id, made_by, made_at) VALUES (1, 'pin', 'R', 'S', 'x', 'y')",
        ] {
            let err = conn.execute(sql, []).unwrap_err();
            assert!(err.to_string().contains("cannot be changed"), "{sql}: {err}");
        }
        assert_eq!(db.integrity_check().unwrap(), "ok");
    }

    #[test]
    fn reopening_keeps_the_weeks() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("w.sqlite");
        let id = Db::open(&file)
            .unwrap()
            .add_import(&new_import("2015-11-09"))
            .unwrap();
        let db = Db::open(&file).unwrap();
        assert_eq!(db.import(id).unwrap().files.week, "2015-11-09");
        assert_eq!(db.latest_import().unwrap().unwrap().id, id);
        assert!(matches!(db.import(id + 1), Err(DbError::NotFound(_))));
    }

    #[test]
    fn a_file_of_the_first_schema_is_migrated_with_its_decisions() {
        // A database written by a version before withdrawals had reasons.
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("old.sqlite");
        {
            let mut conn = rusqlite::Connection::open(&file).unwrap();
            migrations().to_version(&mut conn, 1).unwrap();
            conn.execute_batch(
                "INSERT INTO imports (week, supporters_name, supporters, referrals_name,
                     referrals, imported_by, imported_at)
                 VALUES ('2015-11-02', 's.csv', x'73', 'r.csv', x'72', 'AB', '2015-11-02T09:00:00Z');
                 INSERT INTO accepted (import_id, revision, accepted_by, accepted_at, objective,
                     newly_assigned, waiting, decisions, decisions_cost, register, decisions_csv,
                     assignments_csv, waiting_csv, supporters_csv, districts_csv, report_html)
                 VALUES (1, 0, 'AB', '2015-11-02T10:00:00Z', 1.0, 1, 0, 0, 0.0,
                     x'', x'', x'', x'', x'', x'', x'');
                 INSERT INTO imports (week, supporters_name, supporters, referrals_name,
                     referrals, imported_by, imported_at)
                 VALUES ('2015-11-09', 's.csv', x'73', 'r.csv', x'72', 'AB', '2015-11-09T09:00:00Z');",
            )
            .unwrap();
        }
        let db = Db::open(&file).unwrap();
        let version: i64 = rusqlite::Connection::open(&file)
            .unwrap()
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .unwrap();
        assert_eq!(version, 6);
        // An import of the old schema was checked against the week before it.
        let old = db.import(1).unwrap();
        assert_eq!(old.files.week, "2015-11-02");
        assert!(!old.files.imported_anyway);
        // Its files are not said to be kept from an earlier week: it cannot say.
        assert_eq!(old.files.supporters_kept_from, None);
        assert_eq!(old.files.policy_kept_from, None);
        assert!(old.discarded.is_none());
        // A draft stored before counts as checked against the week accepted before it,
        // as it would have been accepted then; the accepted week is left as it was.
        assert_eq!(old.checked_against, None);
        assert_eq!(db.import(2).unwrap().checked_against, Some(1));
        let mut other = new_import("2015-11-09");
        other.referrals = b"r2".to_vec();
        let id = db.add_import(&other).unwrap();
        db.add_decision(id, 0, &decision("R1")).unwrap();
        let first = db.decisions(id).unwrap()[0].id;
        db.withdraw_decision(id, first, 1, "CD", "agreed with the family")
            .unwrap();
        let row = &db.decisions(id).unwrap()[0];
        assert_eq!(row.withdrawn.as_ref().unwrap().0, "CD");
        assert_eq!(row.withdrawn_note, "agreed with the family");
    }
}
