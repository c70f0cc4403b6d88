//! `caseload serve` as a process: the register an accepted week gives against
//! `allocate --register-out`, Monday to Monday; a real kill mid-import and mid-accept;
//! tabs racing to accept; many users at once; and who may listen where.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Barrier};
use std::time::Duration;

use caseload_serve::db::{Db, HOLD_COMMIT_ENV};
use reqwest::blocking::{multipart, Client};
use reqwest::StatusCode;

use crate::util::{caseload, root, scratch, stderr};

/// A running `caseload serve` on a loopback port it chose; killed when dropped.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(db: &Path, env: &[(&str, &str)]) -> Server {
        let mut command = Command::new(env!("CARGO_BIN_EXE_caseload"));
        command
            .args([
                "serve",
                "--db",
                db.to_str().unwrap(),
                "--bind",
                "127.0.0.1:0",
            ])
            .current_dir(root())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (key, value) in env {
            command.env(key, value);
        }
        let mut child = command.spawn().expect("caseload serve starts");
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let base = loop {
            let line = lines
                .next()
                .expect("the server says where it listens")
                .unwrap();
            if let Some(rest) = line.split("open ").nth(1) {
                break rest.split('/').take(3).collect::<Vec<_>>().join("/");
            }
        };
        // Keep reading stderr so that the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Server { child, base }
    }

    /// Kills the process outright (SIGKILL): no shutdown, no cleanup.
    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A browser tab of its own: a cookie jar, and the CSRF token of its first page.
    fn tab(&self) -> Tab {
        let client = Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(120))
            .build()
            .unwrap();
        let home = client.get(self.url("/")).send().unwrap().text().unwrap();
        let csrf = home
            .split("name=\"csrf\" value=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("the page carries its CSRF token")
            .to_string();
        Tab {
            client,
            csrf,
            base: self.base.clone(),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Tab {
    client: Client,
    csrf: String,
    base: String,
}

impl Tab {
    fn get(&self, path: &str) -> (StatusCode, String) {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .unwrap();
        (response.status(), response.text().unwrap())
    }

    /// The plan digest the week's page puts in its accept form.
    fn plan(&self, id: i64) -> String {
        let (_, page) = self.get(&format!("/weeks/{id}"));
        page.split("name=\"plan\" value=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("an open week's page has the accept form")
            .to_string()
    }

    fn post(&self, path: &str, fields: &[(&str, &str)]) -> (StatusCode, String) {
        let mut form: Vec<(&str, &str)> = vec![("csrf", &self.csrf), ("by", "AB")];
        form.extend_from_slice(fields);
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .form(&form)
            .send()
            .unwrap();
        (response.status(), response.text().unwrap())
    }

    fn import_request(
        &self,
        week: &str,
        files: &[(&str, &Path)],
    ) -> reqwest::Result<reqwest::blocking::Response> {
        let mut form = multipart::Form::new()
            .text("csrf", self.csrf.clone())
            .text("by", "AB")
            .text("week", week.to_string());
        for (field, file) in files {
            form = form.file(field.to_string(), file).unwrap();
        }
        self.client
            .post(format!("{}/import", self.base))
            .multipart(form)
            .send()
    }

    /// Imports; returns the week's id.
    fn import(&self, week: &str, files: &[(&str, &Path)]) -> i64 {
        let response = self.import_request(week, files).unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let location = response.headers()["location"].to_str().unwrap().to_string();
        location.trim_start_matches("/weeks/").parse().unwrap()
    }
}

fn fixture(name: &str) -> PathBuf {
    root().join("fixtures/provider-week").join(name)
}

/// The first new assignment of an `assignments.csv`: its referral and supporter.
fn first_new_assignment(csv: &str) -> (String, String) {
    let row: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect::<Vec<_>>())
        .find(|row| row[5] == "false")
        .expect("some new assignment");
    (row[0].to_string(), row[1].to_string())
}

/// `allocate --register-out` on the same files and decisions as the app.
fn cli_register(
    supporters: &Path,
    referrals: &Path,
    decisions: &Path,
    week: &str,
    out: &Path,
) -> Vec<u8> {
    let output = caseload(&[
        "allocate",
        "--supporters",
        supporters.to_str().unwrap(),
        "--referrals",
        referrals.to_str().unwrap(),
        "--policy",
        fixture("policy.toml").to_str().unwrap(),
        "--decisions",
        decisions.to_str().unwrap(),
        "--week",
        week,
        "--register-out",
        out.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    std::fs::read(out).unwrap()
}

#[test]
fn monday_to_monday_the_app_gives_the_register_of_allocate() {
    let dir = scratch("serve-weeks");
    let server = Server::start(&dir.join("w.sqlite"), &[]);
    let tab = server.tab();
    let mut supporters = fixture("supporters.csv");
    let mut referrals = fixture("referrals.csv");
    for (monday, next) in [("2015-11-02", "2015-11-09"), ("2015-11-09", "2015-11-16")] {
        let id = tab.import(
            monday,
            &[
                ("supporters", &supporters),
                ("referrals", &referrals),
                ("policy", &fixture("policy.toml")),
            ],
        );
        // A forbid on a new assignment, and a pin of a waiting family to the supporter
        // its recommendation ranks first.
        let (_, assignments) = tab.get(&format!("/weeks/{id}/files/assignments.csv"));
        let (family, supporter) = first_new_assignment(&assignments);
        let (status, _) = tab.post(
            &format!("/weeks/{id}/decisions"),
            &[
                ("revision", "0"),
                ("kind", "forbid"),
                ("referral_id", &family),
                ("supporter_id", &supporter),
                ("note", "conflict of interest, said on the phone"),
            ],
        );
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (_, waiting) = tab.get(&format!("/weeks/{id}/files/waiting.csv"));
        let family = waiting
            .lines()
            .skip(1)
            .map(|l| l.split(',').nth(2).unwrap().to_string())
            .find(|family| {
                let (_, ranked) = tab.get(&format!("/weeks/{id}/families/{family}/recommend"));
                ranked.contains("<th class=\"id\" scope=\"row\">")
            })
            .expect("some waiting family could be placed");
        let (_, ranked) = tab.get(&format!("/weeks/{id}/families/{family}/recommend"));
        let best = ranked
            .split("<th class=\"id\" scope=\"row\">")
            .nth(1)
            .and_then(|rest| rest.split('<').next())
            .unwrap();
        let (status, body) = tab.post(
            &format!("/weeks/{id}/decisions"),
            &[
                ("revision", "1"),
                ("kind", "pin"),
                ("referral_id", &family),
                ("supporter_id", best),
            ],
        );
        assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
        let plan = tab.plan(id);
        let (status, body) = tab.post(
            &format!("/weeks/{id}/accept"),
            &[("revision", "2"), ("plan", &plan), ("reviewed", "yes")],
        );
        assert_eq!(status, StatusCode::SEE_OTHER, "{body}");

        let (_, register) = tab.get(&format!("/weeks/{id}/files/register.csv"));
        let (_, decisions) = tab.get(&format!("/weeks/{id}/files/decisions.csv"));
        let decisions_file = dir.join(format!("decisions-{monday}.csv"));
        std::fs::write(&decisions_file, &decisions).unwrap();
        let expected = cli_register(
            &supporters,
            &referrals,
            &decisions_file,
            monday,
            &dir.join(format!("cli-register-{monday}.csv")),
        );
        assert_eq!(
            register.as_bytes(),
            expected.as_slice(),
            "the app's register for {monday} differs from allocate --register-out"
        );

        // Next Monday: the register carried forward, with two new referrals.
        let next_register = dir.join(format!("register-{next}.csv"));
        let mut text = register.clone();
        for n in 1..=2 {
            text.push_str(&format!(
                "NEW-{next}-{n},E06000043,BN1,{next},self,true,new,{next},4,low,2,,,,,\n"
            ));
        }
        std::fs::write(&next_register, text).unwrap();
        referrals = next_register;
        supporters = fixture("supporters.csv");
    }
    let (_, history) = tab.get("/history");
    assert!(history.contains("2015-11-02") && history.contains("2015-11-09"));
    let db = Db::open(&dir.join("w.sqlite")).unwrap();
    assert_eq!(db.integrity_check().unwrap(), "ok");
    assert_eq!(db.weeks().unwrap().len(), 2);
}

#[test]
fn killing_the_server_mid_import_or_mid_accept_loses_nothing() {
    let dir = scratch("serve-kill");
    let file = dir.join("w.sqlite");
    let files = [
        ("supporters", fixture("supporters.csv")),
        ("referrals", fixture("referrals.csv")),
    ];
    let files: Vec<(&str, &Path)> = files.iter().map(|(f, p)| (*f, p.as_path())).collect();

    // Mid-import: every write holds its transaction open for 5 s before committing.
    let server = Server::start(&file, &[(HOLD_COMMIT_ENV, "5000")]);
    // Opened before any write: opening checks the schema, which waits on a writer.
    let probe = Db::open(&file).unwrap();
    let tab = server.tab();
    let importing = {
        let files: Vec<(String, PathBuf)> = files
            .iter()
            .map(|(f, p)| (f.to_string(), p.to_path_buf()))
            .collect();
        std::thread::spawn(move || {
            let files: Vec<(&str, &Path)> = files
                .iter()
                .map(|(f, p)| (f.as_str(), p.as_path()))
                .collect();
            tab.import_request("2015-11-02", &files).is_err()
        })
    };
    wait_for_a_writer(&probe);
    server.kill();
    assert!(importing.join().unwrap(), "the import never finished");
    let db = Db::open(&file).unwrap();
    assert_eq!(db.integrity_check().unwrap(), "ok");
    assert!(
        db.weeks().unwrap().is_empty(),
        "a killed import left a week"
    );

    // Import for real, decide, then kill mid-accept.
    let server = Server::start(&file, &[]);
    let tab = server.tab();
    let id = tab.import("2015-11-02", &files);
    let (_, assignments) = tab.get(&format!("/weeks/{id}/files/assignments.csv"));
    let (family, supporter) = first_new_assignment(&assignments);
    let (status, body) = tab.post(
        &format!("/weeks/{id}/decisions"),
        &[
            ("revision", "0"),
            ("kind", "forbid"),
            ("referral_id", &family),
            ("supporter_id", &supporter),
        ],
    );
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    server.kill();
    let server = Server::start(&file, &[(HOLD_COMMIT_ENV, "5000")]);
    let probe = Db::open(&file).unwrap();
    let tab = server.tab();
    let plan = tab.plan(id);
    let accepting = std::thread::spawn(move || {
        tab.client
            .post(format!("{}/weeks/{id}/accept", tab.base))
            .form(&[
                ("csrf", tab.csrf.as_str()),
                ("by", "AB"),
                ("revision", "1"),
                ("plan", plan.as_str()),
                ("reviewed", "yes"),
            ])
            .send()
            .is_err()
    });
    wait_for_a_writer(&probe);
    server.kill();
    assert!(accepting.join().unwrap(), "the accept never finished");
    let db = Db::open(&file).unwrap();
    assert_eq!(db.integrity_check().unwrap(), "ok");
    assert!(
        db.accepted(id).unwrap().is_none(),
        "a killed accept was kept"
    );
    assert_eq!(db.import(id).unwrap().revision, 1);
    assert_eq!(db.decisions(id).unwrap().len(), 1);

    // And the week can still be accepted afterwards.
    let server = Server::start(&file, &[]);
    let tab = server.tab();
    let plan = tab.plan(id);
    let (status, _) = tab.post(
        &format!("/weeks/{id}/accept"),
        &[("revision", "1"), ("plan", &plan), ("reviewed", "yes")],
    );
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(db.accepted(id).unwrap().is_some());
    assert_eq!(db.integrity_check().unwrap(), "ok");
}

/// Waits until some connection holds the database's write lock (a transaction is open
/// and not yet committed), so that a kill lands mid-transaction.
fn wait_for_a_writer(db: &Db) {
    for _ in 0..1000 {
        if db.write_locked().unwrap() {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("no write transaction started");
}

#[test]
fn of_tabs_accepting_the_same_week_at_once_exactly_one_wins() {
    let dir = scratch("serve-race");
    let server = Server::start(&dir.join("w.sqlite"), &[]);
    let id = server.tab().import(
        "2015-11-02",
        &[
            ("supporters", &fixture("supporters.csv")),
            ("referrals", &fixture("referrals.csv")),
        ],
    );
    // Plan it once, so that the tabs race on the write, not on the solve.
    let plan = server.tab().plan(id);
    let tabs = 8;
    let barrier = Arc::new(Barrier::new(tabs));
    let outcomes: Vec<(StatusCode, String)> = (0..tabs)
        .map(|_| {
            let tab = server.tab();
            let barrier = barrier.clone();
            let plan = plan.clone();
            std::thread::spawn(move || {
                barrier.wait();
                tab.post(
                    &format!("/weeks/{id}/accept"),
                    &[("revision", "0"), ("plan", &plan), ("reviewed", "yes")],
                )
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|t| t.join().unwrap())
        .collect();
    let won = outcomes
        .iter()
        .filter(|(s, _)| *s == StatusCode::SEE_OTHER)
        .count();
    assert_eq!(
        won,
        1,
        "{:?}",
        outcomes.iter().map(|o| o.0).collect::<Vec<_>>()
    );
    for (status, body) in outcomes.iter().filter(|(s, _)| *s != StatusCode::SEE_OTHER) {
        assert_eq!(*status, StatusCode::CONFLICT);
        assert!(body.contains("already accepted by AB"), "{body}");
    }
    let db = Db::open(&dir.join("w.sqlite")).unwrap();
    assert_eq!(db.integrity_check().unwrap(), "ok");
}

#[test]
fn sixteen_users_at_once_all_get_their_pages() {
    let dir = scratch("serve-users");
    let server = Server::start(&dir.join("w.sqlite"), &[]);
    let id = server.tab().import(
        "2015-11-02",
        &[
            ("supporters", &fixture("supporters.csv")),
            ("referrals", &fixture("referrals.csv")),
        ],
    );
    let pages = [
        format!("/weeks/{id}"),
        format!("/weeks/{id}/areas/E06000043"),
        format!("/weeks/{id}/families/BH-R0050"),
        format!("/weeks/{id}/files/assignments.csv"),
        "/history".to_string(),
    ];
    let users: Vec<_> = (0..16)
        .map(|user| {
            let tab = server.tab();
            let pages = pages.clone();
            std::thread::spawn(move || {
                (0..10)
                    .map(|i| tab.get(&pages[(user + i) % pages.len()]).0)
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    for user in users {
        assert!(user.join().unwrap().iter().all(|s| *s == StatusCode::OK));
    }
    assert_eq!(
        Db::open(&dir.join("w.sqlite"))
            .unwrap()
            .integrity_check()
            .unwrap(),
        "ok"
    );
}

#[test]
fn listening_beyond_loopback_needs_a_token() {
    let dir = scratch("serve-bind");
    let db = dir.join("w.sqlite");
    let db = db.to_str().unwrap();
    let open = caseload(&["serve", "--db", db, "--bind", "0.0.0.0:0"]);
    assert_eq!(open.status.code(), Some(2));
    assert!(
        stderr(&open).contains("needs --token or --token-file"),
        "{}",
        stderr(&open)
    );
    let short = caseload(&["serve", "--db", db, "--token", "abc"]);
    assert_eq!(short.status.code(), Some(2));
    assert!(stderr(&short).contains("at least 16 characters"));
    let empty = dir.join("token");
    std::fs::write(&empty, "\n").unwrap();
    let from_file = caseload(&["serve", "--db", db, "--token-file", empty.to_str().unwrap()]);
    assert_eq!(from_file.status.code(), Some(2));
    assert!(stderr(&from_file).contains("the file is empty"));
}
