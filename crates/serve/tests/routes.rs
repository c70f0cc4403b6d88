//! Every route and its errors, through the router in process (no socket).

use std::path::Path;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use caseload_serve::db::Db;
use caseload_serve::{router, AppState};
use http_body_util::BodyExt;
use tower::ServiceExt;

fn fixture(name: &str) -> Vec<u8> {
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/provider-week")
        .join(name);
    std::fs::read(file).unwrap()
}

/// The app over a fresh database, and the browser's CSRF token and cookie.
struct App {
    router: Router,
    db: Db,
    csrf: String,
    /// How many times [`App::import_provider_week`] has imported the week.
    provider_weeks: std::sync::atomic::AtomicUsize,
    _dir: tempfile::TempDir,
}

struct Reply {
    status: StatusCode,
    location: Option<String>,
    body: String,
}

impl App {
    async fn new(token: Option<&str>) -> App {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("week.sqlite")).unwrap();
        let router = router(AppState::new(db.clone(), token.map(str::to_string)));
        let mut app = App {
            router,
            db,
            csrf: String::new(),
            provider_weeks: Default::default(),
            _dir: dir,
        };
        let mut request = Request::get("/");
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let response = app
            .router
            .clone()
            .oneshot(request.body(Body::empty()).unwrap())
            .await
            .unwrap();
        let cookie = response
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|v| v.strip_prefix("caseload_csrf="))
            .expect("the first page sets the CSRF cookie");
        app.csrf = cookie.split(';').next().unwrap().to_string();
        app
    }

    async fn send(&self, request: axum::http::request::Builder, body: Body) -> Reply {
        let request = request
            .header(header::COOKIE, format!("caseload_csrf={}", self.csrf))
            .body(body)
            .unwrap();
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let location = response
            .headers()
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_string());
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Reply {
            status,
            location,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    async fn get(&self, path: &str) -> Reply {
        self.send(Request::get(path), Body::empty()).await
    }

    /// A GET as htmx sends it, asking for a fragment.
    async fn get_fragment(&self, path: &str) -> Reply {
        self.send(
            Request::get(path).header("HX-Request", "true"),
            Body::empty(),
        )
        .await
    }

    async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let body: Vec<String> = fields
            .iter()
            .map(|(k, v)| format!("{k}={}", form_encode(v)))
            .collect();
        self.send(
            Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded"),
            Body::from(body.join("&")),
        )
        .await
    }

    async fn import(&self, week: &str, files: &[(&str, &str, &[u8])], csrf: &str) -> Reply {
        self.import_with(week, &[], files, csrf).await
    }

    /// An import with more of the form's fields (`anyway`, `no_policy`).
    async fn import_with(
        &self,
        week: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &[u8])],
        csrf: &str,
    ) -> Reply {
        let boundary = "caseloadtestboundary";
        let mut body = Vec::new();
        let mut all = vec![("csrf", csrf), ("by", "AB"), ("week", week)];
        all.extend_from_slice(fields);
        for (name, value) in all {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
            );
        }
        for (field, file, bytes) in files {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{file}\"\r\nContent-Type: text/csv\r\n\r\n").as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        self.send(
            Request::post("/import").header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            ),
            Body::from(body),
        )
        .await
    }

    /// The provider week imported for 2015-11-02; imported again, its register has a
    /// comment line more each time (the same files twice are one import).
    async fn import_provider_week(&self) -> i64 {
        let n = self
            .provider_weeks
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let mut referrals = fixture("referrals.csv");
        for _ in 0..n {
            referrals = imported_again(&referrals);
        }
        self.stored(
            "2015-11-02",
            &[
                ("supporters", "supporters.csv", &fixture("supporters.csv")),
                ("referrals", "referrals.csv", &referrals),
            ],
        )
        .await
    }

    /// An import that is stored (it redirects to its week): the week's id.
    async fn stored(&self, week: &str, files: &[(&str, &str, &[u8])]) -> i64 {
        self.stored_with(week, &[], files).await
    }

    /// [`App::stored`] with more of the form's fields (`anyway`).
    async fn stored_with(
        &self,
        week: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &[u8])],
    ) -> i64 {
        let reply = self.import_with(week, fields, files, &self.csrf).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        let location = reply.location.unwrap();
        location.strip_prefix("/weeks/").unwrap().parse().unwrap()
    }

    /// The plan digest the week's page puts in its accept form.
    async fn plan(&self, id: i64) -> String {
        let page = self.get(&format!("/weeks/{id}")).await.body;
        page.split("name=\"plan\" value=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("an open week's page has the accept form")
            .to_string()
    }

    /// A pin or forbid of `referral` to `supporter` on week `id`, posted by AB from a
    /// page of `revision`.
    async fn decide(
        &self,
        id: i64,
        revision: &str,
        kind: &str,
        referral: &str,
        supporter: &str,
    ) -> Reply {
        self.post_form(
            &format!("/weeks/{id}/decisions"),
            &[
                ("csrf", &self.csrf),
                ("revision", revision),
                ("by", "AB"),
                ("kind", kind),
                ("referral_id", referral),
                ("supporter_id", supporter),
            ],
        )
        .await
    }

    /// Discards week `id` at its present revision, by AB, with `note`.
    async fn discard(&self, id: i64, note: &str) -> Reply {
        let revision = self.revision(id);
        self.post_form(
            &format!("/weeks/{id}/discard"),
            &[
                ("csrf", &self.csrf),
                ("revision", &revision),
                ("by", "AB"),
                ("note", note),
            ],
        )
        .await
    }

    fn revision(&self, id: i64) -> String {
        self.db.import(id).unwrap().revision.to_string()
    }
}

fn form_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            b' ' => "+".to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A register as given again, a comment line more: another file, the same families
/// (the same files twice are one import).
fn imported_again(register: &[u8]) -> Vec<u8> {
    let mut again = register.to_vec();
    again.extend_from_slice(b"# imported again\n");
    again
}

fn integrity(app: &App) {
    assert_eq!(app.db.integrity_check().unwrap(), "ok");
}

#[tokio::test]
async fn import_plan_explain_recommend_decide_and_accept() {
    let app = App::new(None).await;
    let id = app.import_provider_week().await;

    let week = app.get(&format!("/weeks/{id}")).await;
    assert_eq!(week.status, StatusCode::OK);
    assert!(week
        .body
        .contains("Allocation for the week of Monday 2015-11-02"));
    assert!(week.body.contains("Accept the week of 2015-11-02"));
    // Families link to their explanation.
    assert!(week
        .body
        .contains(&format!("href=\"/weeks/{id}/families/BH-R")));

    let area = app.get(&format!("/weeks/{id}/areas/E06000043")).await;
    assert_eq!(area.status, StatusCode::OK);
    assert!(area.body.contains("Waiting list"));
    assert_eq!(
        app.get(&format!("/weeks/{id}/areas/E09999999"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // A waiting family: its explanation, and who should take it.
    let plan = app.get(&format!("/weeks/{id}/files/waiting.csv")).await;
    let waiting_family = plan
        .body
        .lines()
        .nth(1)
        .and_then(|row| row.split(',').nth(2))
        .unwrap()
        .to_string();
    let family = app
        .get(&format!("/weeks/{id}/families/{waiting_family}"))
        .await;
    assert_eq!(family.status, StatusCode::OK);
    assert!(family.body.contains("Who should take this family?"));
    // What the register says of the family, to decide with.
    for fact in [
        "<th>District</th>",
        "<th>Received</th>",
        "<th>Complexity</th>",
        "<th>Needs</th>",
        "<th>Language</th>",
    ] {
        assert!(family.body.contains(fact), "{fact}");
    }
    // The status region the ranking's sentence goes into is on the page from the start.
    assert!(
        family
            .body
            .contains("<p class=\"note\" id=\"recommend-status\" role=\"status\"></p>"),
        "{}",
        family.body
    );
    let found = app
        .get(&format!("/weeks/{id}/find?referral={waiting_family}"))
        .await;
    assert_eq!(found.status, StatusCode::SEE_OTHER);
    // Typed in lower case, the id is found all the same.
    let lower = app
        .get(&format!(
            "/weeks/{id}/find?referral={}",
            waiting_family.to_lowercase()
        ))
        .await;
    assert_eq!(
        lower.location.as_deref(),
        Some(format!("/weeks/{id}/families/{waiting_family}").as_str())
    );
    let ranked = app
        .get_fragment(&format!("/weeks/{id}/families/{waiting_family}/recommend"))
        .await;
    assert_eq!(ranked.status, StatusCode::OK);
    assert!(!ranked.body.contains("<html"), "htmx gets a fragment");
    assert!(ranked.body.contains("Week's total score now"));
    // A heading that takes the focus, and a sentence for the status region (out of
    // band), not the whole table read out.
    assert!(
        ranked.body.contains(&format!(
            "<h3 tabindex=\"-1\" autofocus>Supporters ranked for {waiting_family}</h3>"
        )),
        "{}",
        ranked.body
    );
    assert!(
        ranked
            .body
            .contains("<p id=\"recommend-status\" hx-swap-oob=\"innerHTML\">")
            && ranked
                .body
                .contains(&format!("ranked for {waiting_family}; the first is ")),
        "{}",
        ranked.body
    );
    let whole = app
        .get(&format!("/weeks/{id}/families/{waiting_family}/recommend"))
        .await;
    assert!(whole.body.contains("<html"), "a plain link gets the page");
    assert!(
        whole
            .body
            .contains(&format!("<h1>Who should take {waiting_family}?</h1>")),
        "with its heading and the way back"
    );
    let unknown = app.get(&format!("/weeks/{id}/families/BH-R9999")).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(
        unknown.body.contains("no referral <code>BH-R9999</code>"),
        "{}",
        unknown.body
    );
    // Told on a page of the week, with the way back to it and a form to try again.
    assert!(
        unknown.body.contains(&format!("href=\"/weeks/{id}\""))
            && unknown.body.contains("action=\"/weeks/")
            && unknown.body.contains("/find\""),
        "{}",
        unknown.body
    );
    // A family whose case closed before the week has no recommendation, and is told so.
    let closed = app
        .get_fragment(&format!("/weeks/{id}/families/BH-R0001/recommend"))
        .await;
    assert_eq!(closed.status, StatusCode::OK, "{}", closed.body);
    assert!(closed.body.contains("No recommendation for this family"));
    assert!(closed
        .body
        .contains("No ranking for BH-R0001: see why below."));
    assert!(closed
        .body
        .contains("BH-R0001 is not active in the week of"));

    // Pin the waiting family to its best candidate.
    let best = ranked
        .body
        .split("<th class=\"id\" scope=\"row\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .unwrap()
        .to_string();
    let pinned = app
        .post_form(
            &format!("/weeks/{id}/decisions"),
            &[
                ("csrf", &app.csrf),
                ("revision", &app.revision(id)),
                ("by", "AB"),
                ("kind", "pin"),
                ("referral_id", &waiting_family),
                ("supporter_id", &best),
                ("note", "asked for by the family's school"),
            ],
        )
        .await;
    assert_eq!(pinned.status, StatusCode::SEE_OTHER, "{}", pinned.body);
    assert_eq!(app.revision(id), "1");
    // The same pin again (a retry after a double click was refused) is refused: it is
    // in force once, its cost counted once.
    let twice = app
        .decide(id, &app.revision(id), "pin", &waiting_family, &best)
        .await;
    assert_refused(&twice, "this decision is already in force");
    assert_eq!(app.revision(id), "1");
    // The plan names the decision by its number in the list, not by a line of a file
    // the coordinator never wrote.
    let page = app.get(&format!("/weeks/{id}")).await.body;
    assert!(page.contains("decision 1"), "{page}");
    assert!(!page.contains("decisions.csv:"), "{page}");
    let assignments = app.get(&format!("/weeks/{id}/files/assignments.csv")).await;
    assert!(
        assignments
            .body
            .lines()
            .any(|row| row.starts_with(&format!("{waiting_family},{best},"))
                && row.contains("pinned"))
    );
    let decisions = app.get(&format!("/weeks/{id}/files/decisions.csv")).await;
    assert_eq!(
        decisions.body,
        format!("referral_id,supporter_id,decision,note\n{waiting_family},{best},pin,asked for by the family's school\n")
    );

    // Not yet accepted: no register to carry forward.
    assert_eq!(
        app.get(&format!("/weeks/{id}/files/register.csv"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // Accepting needs the plan the page showed.
    let stale = app
        .post_form(
            &format!("/weeks/{id}/accept"),
            &[
                ("csrf", &app.csrf),
                ("revision", "1"),
                ("by", "CD"),
                ("plan", "0123"),
            ],
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert!(stale.body.contains("not the one your page showed"));
    let plan = app.plan(id).await;
    let accepted = app
        .post_form(
            &format!("/weeks/{id}/accept"),
            &[
                ("csrf", &app.csrf),
                ("revision", "1"),
                ("by", "CD"),
                ("plan", &plan),
                ("reviewed", "yes"),
            ],
        )
        .await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.body);
    let register = app.get(&format!("/weeks/{id}/files/register.csv")).await;
    assert_eq!(register.status, StatusCode::OK);
    assert!(register
        .body
        .lines()
        .any(|row| row.starts_with(&format!("{waiting_family},")) && row.contains(&best)));
    let history = app.get("/history").await;
    assert!(history.body.contains("CD"));
    let report = app.get(&format!("/weeks/{id}/report")).await;
    assert!(report.body.contains("Decisions taken"));

    // Accepted is final.
    let again = app
        .post_form(
            &format!("/weeks/{id}/accept"),
            &[("csrf", &app.csrf), ("revision", "1"), ("by", "EF")],
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.body.contains("already accepted by CD"));
    // The same Monday cannot be imported again once accepted.
    let reimport = app
        .import(
            "2015-11-02",
            &[
                ("supporters", "supporters.csv", &fixture("supporters.csv")),
                ("referrals", "referrals.csv", &fixture("referrals.csv")),
            ],
            &app.csrf.clone(),
        )
        .await;
    assert_eq!(reimport.status, StatusCode::CONFLICT);
    assert!(reimport
        .body
        .contains("the week of 2015-11-02 was already accepted by CD"));
    let late = app.decide(id, "1", "forbid", &waiting_family, &best).await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    integrity(&app);
}

#[tokio::test]
async fn a_bad_import_stores_nothing_and_says_where() {
    let app = App::new(None).await;
    let bad = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures/bad/many-problems/referrals.csv"),
    );
    let bad = bad.unwrap_or_else(|_| b"referral_id,area\nR1,E06000043\n".to_vec());
    let reply = app
        .import(
            "2015-11-02",
            &[
                ("supporters", "supporters.csv", &fixture("supporters.csv")),
                ("referrals", "referrals.csv", &bad),
            ],
            &app.csrf.clone(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.body.contains("Nothing was imported"));
    // Each problem is located in words, the names in it set as code.
    assert!(
        reply.body.contains(
            "<li><span class=\"where\"><code>referrals.csv</code>, line 2, column 9</span>: <code>priority</code>: <code>0</code> is not a priority from 1 to 5</li>"
        ),
        "{}",
        reply.body
    );
    // The import form again, the problems above it and tied to it, what was typed kept
    // (the files are chosen again: a browser never lets a page fill them in).
    assert!(
        reply
            .body
            .contains("<title>Import refused · caseload</title>")
            && reply.body.contains("id=\"import-problem\" role=\"alert\"")
            && reply
                .body
                .contains("required aria-describedby=\"import-problem\"")
            && reply
                .body
                .contains("<h3 tabindex=\"-1\" autofocus>Nothing was imported</h3>")
            && reply.body.contains("name=\"week\" value=\"2015-11-02\"")
            && reply.body.contains("name=\"by\" value=\"AB\"")
            && reply.body.contains("choose the files again"),
        "{}",
        reply.body
    );
    // Not a Monday.
    let reply = app
        .import(
            "2015-11-03",
            &[
                ("supporters", "supporters.csv", &fixture("supporters.csv")),
                ("referrals", "referrals.csv", &fixture("referrals.csv")),
            ],
            &app.csrf.clone(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.body.contains("Monday"), "{}", reply.body);
    // No register at all; no supporters and no earlier week to take them from.
    let reply = app
        .import(
            "2015-11-02",
            &[("supporters", "supporters.csv", &fixture("supporters.csv"))],
            &app.csrf.clone(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let reply = app
        .import(
            "2015-11-02",
            &[("referrals", "referrals.csv", &fixture("referrals.csv"))],
            &app.csrf.clone(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    // An empty file chosen is read, and said to be empty (not as no file chosen).
    let reply = app
        .import(
            "2015-11-02",
            &[
                ("supporters", "supporters.csv", &fixture("supporters.csv")),
                ("referrals", "referrals.csv", b""),
            ],
            &app.csrf.clone(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        reply
            .body
            .contains("the file is empty: a header row is required"),
        "{}",
        reply.body
    );
    assert!(app.db.weeks().unwrap().is_empty());
    integrity(&app);
}

#[tokio::test]
async fn forms_without_the_csrf_token_are_refused() {
    let app = App::new(None).await;
    let reply = app
        .import(
            "2015-11-02",
            &[
                ("supporters", "supporters.csv", &fixture("supporters.csv")),
                ("referrals", "referrals.csv", &fixture("referrals.csv")),
            ],
            "forged",
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(app.db.weeks().unwrap().is_empty());
    let id = app.import_provider_week().await;
    for path in [
        format!("/weeks/{id}/accept"),
        format!("/weeks/{id}/decisions"),
        format!("/weeks/{id}/decisions/1/withdraw"),
    ] {
        let reply = app
            .post_form(
                &path,
                &[
                    ("csrf", "0123456789abcdef0123456789abcdef"),
                    ("revision", "0"),
                    ("by", "AB"),
                    ("kind", "pin"),
                    ("referral_id", "BH-R0001"),
                    ("supporter_id", "BH-S01"),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{path}");
    }
    assert!(app.db.accepted(id).unwrap().is_none());
    assert_eq!(app.revision(id), "0");
}

#[tokio::test]
async fn a_decision_that_cannot_hold_or_comes_late_is_refused_and_nothing_changes() {
    let app = App::new(None).await;
    let id = app.import_provider_week().await;
    let unknown = app.decide(id, "0", "pin", "BH-R0002", "BH-S99").await;
    assert_eq!(
        unknown.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        unknown.body
    );
    assert!(unknown.body.contains("BH-S99"));
    assert!(unknown.body.contains("This decision cannot hold"));
    // The decisions file is the app's own: the refusal does not cite its lines.
    assert!(!unknown.body.contains("decisions.csv"), "{}", unknown.body);
    assert_eq!(app.revision(id), "0");
    assert!(app.db.decisions(id).unwrap().is_empty());

    // Two tabs on revision 0: the first forbid lands, the second is stale.
    for (supporter, status) in [
        ("BH-S01", StatusCode::SEE_OTHER),
        ("BH-S02", StatusCode::CONFLICT),
    ] {
        let reply = app.decide(id, "0", "forbid", "BH-R0003", supporter).await;
        assert_eq!(reply.status, status, "{}", reply.body);
    }
    assert_eq!(app.db.decisions(id).unwrap().len(), 1);
    // The stale tab cannot accept either.
    let stale = app
        .post_form(
            &format!("/weeks/{id}/accept"),
            &[("csrf", &app.csrf), ("revision", "0"), ("by", "AB")],
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert!(stale.body.contains("changed since your page was loaded"));
    // Withdraw, then the withdrawn decision no longer binds.
    let decision = app.db.decisions(id).unwrap()[0].id;
    let withdrawn = app
        .post_form(
            &format!("/weeks/{id}/decisions/{decision}/withdraw"),
            &[("csrf", &app.csrf), ("revision", "1"), ("by", "AB")],
        )
        .await;
    assert_eq!(withdrawn.status, StatusCode::SEE_OTHER);
    let csv = app.get(&format!("/weeks/{id}/files/decisions.csv")).await;
    assert_eq!(csv.body, "referral_id,supporter_id,decision,note\n");
    // A stale tab is refused before the week is planned with its decision.
    let reply = app.decide(id, "0", "forbid", "BH-R0003", "BH-S03").await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    let twice = app
        .post_form(
            &format!("/weeks/{id}/decisions/{decision}/withdraw"),
            &[("csrf", &app.csrf), ("revision", "2"), ("by", "AB")],
        )
        .await;
    assert_eq!(twice.status, StatusCode::NOT_FOUND);
    // Initials are required.
    let nobody = app
        .post_form(
            &format!("/weeks/{id}/accept"),
            &[("csrf", &app.csrf), ("revision", "2"), ("by", "  ")],
        )
        .await;
    assert_eq!(nobody.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(app.db.accepted(id).unwrap().is_none());
    integrity(&app);
}

#[tokio::test]
async fn with_a_token_every_request_needs_it() {
    let token = "0123456789abcdef-token";
    let app = App::new(Some(token)).await;
    let denied = app.get("/").await;
    assert_eq!(denied.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.get("/static/htmx.min.js").await.status,
        StatusCode::UNAUTHORIZED
    );
    let wrong = app.get("/login?token=wrong").await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    let login = app
        .router
        .clone()
        .oneshot(
            Request::get(format!("/login?token={token}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::SEE_OTHER);
    let cookie = login
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("caseload_token="))
        .unwrap()
        .to_string();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
    let with_cookie = app
        .send(
            Request::get("/").header(header::COOKIE, cookie.split(';').next().unwrap()),
            Body::empty(),
        )
        .await;
    // `send` adds its own Cookie header after this one; both reach the guard.
    assert_ne!(with_cookie.status, StatusCode::FORBIDDEN);
    let bearer = app
        .send(
            Request::get("/").header(header::AUTHORIZATION, format!("Bearer {token}")),
            Body::empty(),
        )
        .await;
    assert_eq!(bearer.status, StatusCode::OK);
}

#[tokio::test]
async fn other_sites_cannot_reach_the_app_through_the_browser() {
    let app = App::new(None).await;
    // A name pointed at 127.0.0.1 by another site ("DNS rebinding").
    let rebound = app
        .send(
            Request::get("/").header(header::HOST, "evil.example:8080"),
            Body::empty(),
        )
        .await;
    assert_eq!(rebound.status, StatusCode::FORBIDDEN);
    for host in [
        "127.0.0.1:8080",
        "localhost:8080",
        "[::1]:8080",
        "localhost",
    ] {
        let ok = app
            .send(Request::get("/").header(header::HOST, host), Body::empty())
            .await;
        assert_eq!(ok.status, StatusCode::OK, "{host}");
    }
    // A form posted from another origin, or marked cross-site by the browser.
    for (name, value) in [
        ("origin", "http://evil.example"),
        ("sec-fetch-site", "cross-site"),
    ] {
        let reply = app
            .send(
                Request::post("/weeks/1/accept")
                    .header(header::HOST, "127.0.0.1:8080")
                    .header(name, value)
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded"),
                Body::from(format!("csrf={}&revision=0&by=AB", app.csrf)),
            )
            .await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{name}");
        assert!(reply.body.contains("another site"));
    }
}

#[tokio::test]
async fn pages_are_self_contained_and_name_no_one() {
    let app = App::new(None).await;
    let id = app.import_provider_week().await;
    let htmx = app.get("/static/htmx.min.js").await;
    assert_eq!(htmx.status, StatusCode::OK);
    assert!(htmx.body.contains("htmx"));
    assert_eq!(app.get("/static/app.css").await.status, StatusCode::OK);
    assert_eq!(app.get("/no/such/page").await.status, StatusCode::NOT_FOUND);
    // axum's own refusals come as the app's page, with their status.
    let malformed = app.get("/weeks/abc").await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    assert!(malformed.body.contains("<html") && malformed.body.contains("cannot be read"));
    let no_field = app
        .post_form(&format!("/weeks/{id}/accept"), &[("csrf", &app.csrf)])
        .await;
    assert_eq!(no_field.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_field.body.contains("<html") && no_field.body.contains("revision"));
    let get_only = app.post_form("/history", &[]).await;
    assert_eq!(get_only.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(app.get("/weeks/99").await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.get(&format!("/weeks/{id}/files/secrets.csv"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let response = app
        .router
        .clone()
        .oneshot(
            Request::get(format!("/weeks/{id}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let csp = response.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_string();
    assert!(csp.contains("script-src 'self'"));
    let body = response.into_body().collect().await.unwrap().to_bytes();
    let body = String::from_utf8_lossy(&body);
    assert!(
        !body.contains("http://") && !body.contains("https://"),
        "no outside assets"
    );
    assert!(
        !body.to_lowercase().contains("name=\"name\""),
        "the app asks for no names"
    );
}

#[tokio::test]
async fn a_monday_is_accepted_once_whichever_import_of_it() {
    let app = App::new(None).await;
    let first = app.import_provider_week().await;
    let second = app.import_provider_week().await;
    assert_ne!(first, second);
    // Each open import of the Monday says the other is there; printed, each is a draft.
    for (this, other) in [(first, second), (second, first)] {
        let page = app.get(&format!("/weeks/{this}")).await.body;
        assert!(
            page.contains("This Monday has another import open too"),
            "{page}"
        );
        assert!(page.contains(&format!("href=\"/weeks/{other}\"")), "{page}");
    }
    let draft = app.get(&format!("/weeks/{first}/report")).await.body;
    assert!(
        draft.contains("<strong>Draft. </strong>This week is not yet accepted"),
        "{draft}"
    );
    // Every printed page's head says it is a draft, not only the first page.
    assert!(
        draft.contains("@top-left { content: \"DRAFT, not the week's record: Allocation for the week of Monday 2015-11-02"),
        "{draft}"
    );
    let plan = app.plan(first).await;
    let accepted = app
        .post_form(
            &format!("/weeks/{first}/accept"),
            &[
                ("csrf", &app.csrf),
                ("revision", "0"),
                ("by", "AB"),
                ("plan", &plan),
                ("reviewed", "yes"),
            ],
        )
        .await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER);
    // The other import of the Monday says it is superseded and offers no accept.
    let page = app.get(&format!("/weeks/{second}")).await.body;
    assert!(
        page.contains("Superseded: another import of the week of 2015-11-02"),
        "{page}"
    );
    assert!(!page.contains("name=\"plan\""), "{page}");
    let weeks = app.get("/").await.body;
    assert!(weeks.contains("superseded (another import of this Monday was accepted)"));
    let printed = app.get(&format!("/weeks/{second}/report")).await.body;
    assert!(
        printed.contains("Not the week's record: another import of this Monday was accepted by AB")
    );
    assert!(!page.contains("This Monday has another import open too"));
    // A form posted from a page loaded before is refused all the same.
    let again = app
        .post_form(
            &format!("/weeks/{second}/accept"),
            &[
                ("csrf", &app.csrf),
                ("revision", "0"),
                ("by", "CD"),
                ("plan", "from-an-old-page"),
            ],
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(
        again.body.contains("this week is already accepted"),
        "{}",
        again.body
    );
    assert!(again
        .body
        .contains("the week of 2015-11-02 was already accepted by AB"));
    assert!(app.db.accepted(second).unwrap().is_none());
}

/// Asserts that `reply` refuses the request (422) and says `text`; the page is shown
/// if not.
fn assert_refused(reply: &Reply, text: &str) {
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    assert!(reply.body.contains(text), "{}", reply.body);
}

/// Asks to accept week `id` as the page shows it, by AB: the reply.
async fn try_accept(app: &App, id: i64) -> Reply {
    accept_plan(app, id, &app.plan(id).await).await
}

/// Asks to accept week `id`'s plan of digest `plan` at its present revision, by AB.
async fn accept_plan(app: &App, id: i64, plan: &str) -> Reply {
    let revision = app.revision(id);
    app.post_form(
        &format!("/weeks/{id}/accept"),
        &[
            ("csrf", &app.csrf),
            ("revision", &revision),
            ("by", "AB"),
            ("plan", plan),
            ("reviewed", "yes"),
        ],
    )
    .await
}

/// Accepts week `id` as the page shows it, by AB.
async fn accept_as_shown(app: &App, id: i64) {
    let accepted = try_accept(app, id).await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.body);
}

/// Accepts week `id` as the page shows it, by AB, ticking the box that sets aside the
/// decisions of the other imports of its Monday (as many as the page counts).
async fn accept_setting_aside(app: &App, id: i64) -> Reply {
    let page = app.get(&format!("/weeks/{id}")).await.body;
    let aside = page
        .split("name=\"aside\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("an open week's accept form counts the decisions it sets aside")
        .to_string();
    accept_setting_aside_of(app, id, &aside).await
}

/// [`accept_setting_aside`] from a page that counted `aside` decisions.
async fn accept_setting_aside_of(app: &App, id: i64, aside: &str) -> Reply {
    let revision = app.revision(id);
    let plan = app.plan(id).await;
    app.post_form(
        &format!("/weeks/{id}/accept"),
        &[
            ("csrf", &app.csrf),
            ("revision", &revision),
            ("by", "AB"),
            ("plan", &plan),
            ("reviewed", "yes"),
            ("set_aside", "yes"),
            ("aside", aside),
        ],
    )
    .await
}

/// Accepting one import of a Monday sets aside the decisions made on the others: the
/// coordinator says so with a box of its own, and the accepted week's page keeps it.
#[tokio::test]
async fn accepting_one_import_sets_the_others_decisions_aside_knowingly() {
    let app = App::new(None).await;
    let first = app.import_provider_week().await;
    let second = app.import_provider_week().await;
    let third = app.import_provider_week().await;
    let page = app.get(&format!("/weeks/{first}")).await.body;
    assert!(
        page.contains("This Monday has 2 other imports open too"),
        "{page}"
    );
    // No decision elsewhere: no box to tick.
    assert!(!page.contains("name=\"set_aside\""), "{page}");
    let decided = app
        .decide(second, "0", "forbid", "BH-R0004", "BH-S10")
        .await;
    assert_eq!(decided.status, StatusCode::SEE_OTHER, "{}", decided.body);
    let page = app.get(&format!("/weeks/{first}")).await.body;
    assert!(
        page.contains("I set aside the decision made on another import of this Monday (forbid BH-R0004 from BH-S10): it will not apply"),
        "{page}"
    );
    // Without the box (a page loaded before the decision was made): nothing is done.
    let unticked = try_accept(&app, first).await;
    assert_refused(&unticked, "Accepting this import sets aside 1 decision made on another import of the week of 2015-11-02");
    assert!(app.db.accepted(first).unwrap().is_none());
    // A page that showed one decision, when another has been made since: the box was
    // ticked for one, so nothing is done.
    let more = app.decide(third, "0", "forbid", "BH-R0004", "BH-S10").await;
    assert_eq!(more.status, StatusCode::SEE_OTHER, "{}", more.body);
    let stale = accept_setting_aside_of(&app, first, "1").await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    assert!(
        stale.body.contains("the other imports of this Monday hold 2 decisions in force now, not the 1 decision your page showed"),
        "{}",
        stale.body
    );
    assert!(app.db.accepted(first).unwrap().is_none());
    let withdrawn = app.db.decisions(third).unwrap()[0].id;
    let back = app
        .post_form(
            &format!("/weeks/{third}/decisions/{withdrawn}/withdraw"),
            &[("csrf", &app.csrf), ("revision", "1"), ("by", "AB")],
        )
        .await;
    assert_eq!(back.status, StatusCode::SEE_OTHER, "{}", back.body);
    let accepted = accept_setting_aside(&app, first).await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.body);
    // The record says what it set aside, and where; the draft without decisions is not
    // named.
    let page = app.get(&format!("/weeks/{first}")).await.body;
    assert!(
        page.contains("Set aside by this acceptance: </strong>forbid BH-R0004 from BH-S10 of <a href=\"/weeks/"),
        "{page}"
    );
    assert!(
        page.contains(&format!("href=\"/weeks/{second}\"")),
        "{page}"
    );
    assert!(
        !page.contains(&format!("href=\"/weeks/{third}\"")),
        "{page}"
    );
    let page = app.get(&format!("/weeks/{second}")).await.body;
    assert!(page.contains("Set aside:"), "{page}");
    integrity(&app);
}

#[tokio::test]
async fn next_monday_must_carry_last_weeks_plan_and_come_after_it() {
    let app = App::new(None).await;
    let first = app.import_provider_week().await;
    // Not marked as read (a form from another client, or an old page): refused.
    let plan = app.plan(first).await;
    let unread = app
        .post_form(
            &format!("/weeks/{first}/accept"),
            &[
                ("csrf", &app.csrf),
                ("revision", "0"),
                ("by", "AB"),
                ("plan", &plan),
            ],
        )
        .await;
    assert_eq!(
        unread.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        unread.body
    );
    assert!(unread.body.contains("the plan was not marked as read"));
    assert!(app.db.accepted(first).unwrap().is_none());
    accept_as_shown(&app, first).await;
    let accepted = app.db.accepted(first).unwrap().unwrap();
    assert!(accepted.newly_assigned > 0);
    // The printed record says who accepted it, and when (the time stored with it).
    let report = String::from_utf8(accepted.report_html.clone()).unwrap();
    let at = chrono::DateTime::parse_from_rfc3339(&accepted.accepted_at).unwrap();
    assert!(
        report.contains(&format!(
            "Accepted by AB on {}.",
            at.format("%-d %b %Y at %H:%M UTC")
        )),
        "{report}"
    );
    let supporters = fixture("supporters.csv");
    let original = fixture("referrals.csv");

    // The original register again, not the accepted one: its new assignments would be
    // undone, so nothing is imported, and the message says which and what to import.
    let files: [(&str, &str, &[u8]); 2] = [
        ("supporters", "supporters.csv", &supporters),
        ("referrals", "referrals.csv", &original),
    ];
    let wrong = app.import("2015-11-09", &files, &app.csrf).await;
    assert_eq!(
        wrong.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        wrong.body
    );
    // The week's new assignments are missing; its open cases, carried from before, are
    // there.
    let expected = format!(
        "does not carry the plan accepted for the week of 2015-11-02: {n} families that week left with a supporter, or moved, are not as that week left them",
        n = accepted.newly_assigned,
    );
    assert!(wrong.body.contains(&expected), "{}", wrong.body);
    assert!(wrong.body.contains("Import anyway"), "{}", wrong.body);
    assert_eq!(app.db.weeks().unwrap().len(), 1, "nothing was stored");

    // Ticked "Import anyway", it is stored; the accepted register needs no tick.
    let anyway = app
        .import_with("2015-11-09", &[("anyway", "yes")], &files, &app.csrf)
        .await;
    assert_eq!(anyway.status, StatusCode::SEE_OTHER, "{}", anyway.body);
    let register = accepted.register.clone();
    let carried = carried_files(&supporters, &register);
    let right = app.import("2015-11-09", &carried, &app.csrf).await;
    assert_eq!(right.status, StatusCode::SEE_OTHER, "{}", right.body);

    // A Monday before the accepted one is refused: weeks are accepted in order. The
    // Monday is read as a date, so 2015-10-26 written loosely is the same week.
    for earlier in ["2015-10-26", "2015-10-5"] {
        let late = app.import(earlier, &carried, &app.csrf).await;
        assert_eq!(late.status, StatusCode::CONFLICT, "{}", late.body);
        assert!(
            late.body
                .contains("comes before the week of 2015-11-02, already accepted by AB"),
            "{}",
            late.body
        );
    }
    // A year mistyped far ahead is refused: accepted, it would leave no Monday after it.
    let ahead = app.import("2999-12-30", &carried, &app.csrf).await;
    assert_refused(&ahead, "more than a year after today");
    // The list of weeks is in the order of their Mondays.
    let weeks: Vec<String> = app
        .db
        .weeks()
        .unwrap()
        .into_iter()
        .map(|w| w.week)
        .collect();
    assert_eq!(weeks, ["2015-11-09", "2015-11-09", "2015-11-02"]);
}

/// The supporter `referral` has in an accepted week's `assignments.csv`.
fn assigned(accepted: &caseload_serve::db::Accepted, referral: &str) -> String {
    let text = String::from_utf8(accepted.assignments_csv.clone()).unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with(&format!("{referral},")))
        .unwrap_or_else(|| panic!("{referral} not placed in {text}"));
    line.split(',').nth(1).unwrap().to_string()
}

/// Next Monday's two files: the supporters file, and a register as `register.csv`.
fn carried_files<'a>(
    supporters: &'a [u8],
    register: &'a [u8],
) -> [(&'static str, &'static str, &'a [u8]); 2] {
    [
        ("supporters", "supporters.csv", supporters),
        ("referrals", "register.csv", register),
    ]
}

/// The provider week imported and accepted: the supporters file and the register it
/// carries forward, next Monday's two files.
async fn first_week_accepted(app: &App) -> (Vec<u8>, Vec<u8>) {
    let first = app.import_provider_week().await;
    accept_as_shown(app, first).await;
    let register = app.db.accepted(first).unwrap().unwrap().register;
    (fixture("supporters.csv"), register)
}

/// A family moved to another supporter by editing the register between two weeks is
/// not refused (a change made on purpose), but the week's page says so, by name.
#[tokio::test]
async fn a_move_made_by_hand_in_the_register_is_said_on_the_week() {
    let app = App::new(None).await;
    let (supporters, register) = first_week_accepted(&app).await;
    let mut reader = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .from_reader(register.as_slice());
    let header = reader.headers().unwrap().clone();
    let at = |name: &str| header.iter().position(|h| h == name).unwrap();
    let mut rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let row = rows
        .iter()
        .position(|r| {
            r[at("area")] == *"E06000043"
                && !r[at("supporter_id")].is_empty()
                && r[at("supporter_id")] != *"BH-S01"
                && r[at("closed")].is_empty()
        })
        .expect("an open case in Brighton and Hove");
    let (family, from) = (
        rows[row][at("referral_id")].to_string(),
        rows[row][at("supporter_id")].to_string(),
    );
    let mut moved = csv::StringRecord::new();
    for (i, field) in rows[row].iter().enumerate() {
        moved.push_field(if i == at("supporter_id") {
            "BH-S01"
        } else {
            field
        });
    }
    rows[row] = moved;
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(&header).unwrap();
    for r in &rows {
        writer.write_record(r).unwrap();
    }
    let edited = writer.into_inner().unwrap();
    let next = app
        .stored("2015-11-09", &carried_files(&supporters, &edited))
        .await;
    let page = app.get(&format!("/weeks/{next}")).await.body;
    assert!(
        page.contains(&format!(
            "Changed by hand since the week of 2015-11-02 was accepted: 1 family has another supporter in this register than in the register that week wrote: {family} from {from} to BH-S01."
        )),
        "{page}"
    );
    // The printed record keeps it, once the week is accepted.
    accept_as_shown(&app, next).await;
    let printed = app.get(&format!("/weeks/{next}/report")).await.body;
    assert!(
        printed.contains(&format!("{family} from {from} to BH-S01")),
        "{printed}"
    );
    // The register as the week wrote it: nothing to say.
    let app = App::new(None).await;
    let (supporters, register) = first_week_accepted(&app).await;
    let same = app
        .stored("2015-11-09", &carried_files(&supporters, &register))
        .await;
    let page = app.get(&format!("/weeks/{same}")).await.body;
    assert!(!page.contains("Changed by hand"), "{page}");
}

#[tokio::test]
async fn a_draft_from_an_older_register_cannot_undo_a_week_accepted_since() {
    let app = App::new(None).await;
    let (supporters, register) = first_week_accepted(&app).await;
    let carried = carried_files(&supporters, &register);
    // Two drafts from the same register: the next Monday, and the one after it.
    let next = app.stored("2015-11-09", &carried).await;
    let after = app.stored("2015-11-16", &carried).await;
    let page = app.get(&format!("/weeks/{after}")).await.body;
    assert!(!page.contains("cannot be accepted as it is"), "{page}");
    // The files the week was planned from can be read back, byte for byte.
    for (name, bytes) in [
        ("imported-referrals.csv", &register),
        ("imported-supporters.csv", &supporters),
    ] {
        let file = app.get(&format!("/weeks/{after}/files/{name}")).await;
        assert_eq!(file.status, StatusCode::OK, "{name}");
        assert_eq!(file.body.as_bytes(), bytes.as_slice(), "{name}");
    }

    // The family asks for a change: its open case moves to another supporter.
    let moved = app.decide(next, "0", "forbid", "BH-R0004", "BH-S10").await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.body);
    accept_as_shown(&app, next).await;
    let accepted = app.db.accepted(next).unwrap().unwrap();
    let to = assigned(&accepted, "BH-R0004");
    assert_ne!(to, "BH-S10");

    // The later draft's register does not carry that move: its page says so, and
    // accepting it is refused, with nothing recorded.
    let page = app.get(&format!("/weeks/{after}")).await.body;
    assert!(
        page.contains("This import cannot be accepted as it is."),
        "{page}"
    );
    assert!(page.contains(&format!("BH-R0004 with {to}")), "{page}");
    // Its page offers no Accept button; a form posted all the same (an old page,
    // another client) is refused.
    assert!(!page.contains("name=\"plan\""), "{page}");
    let refused = accept_plan(&app, after, &digest_of(&app, after).await).await;
    assert_refused(&refused, "Nothing was accepted: the plan accepted for the week of 2015-11-09 is not in this register");
    assert!(app.db.accepted(after).unwrap().is_none());

    // A register that puts the moved family back with the supporter it left is refused
    // at import too (a move is a change the next register must carry).
    let text = String::from_utf8(accepted.register.clone()).unwrap();
    // The register with BH-R0004's supporter written as `holder`, imported for 11-16.
    let import_with_holder = |holder: &str| {
        let register: String = text
            .lines()
            .map(|l| {
                if l.starts_with("BH-R0004,") {
                    l.replace(&to, holder)
                } else {
                    l.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        let supporters = supporters.clone();
        let app = &app;
        async move {
            let files = carried_files(&supporters, register.as_bytes());
            app.import("2015-11-16", &files, &app.csrf).await
        }
    };
    let undone = import_with_holder("BH-S10").await;
    assert_refused(&undone, &format!("BH-R0004 with {to}"));
    // Given to a third supporter, the family was moved again on purpose: stored.
    let third = if to == "BH-S01" { "BH-S02" } else { "BH-S01" };
    let again = import_with_holder(third).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.body);

    // The form offers the Monday after the last accepted week and its files, not the
    // latest draft's.
    let home = app.get("/").await.body;
    assert!(home.contains("value=\"2015-11-16\""), "{home}");
    assert!(
        home.contains(
            "Leave empty to keep <code>supporters.csv</code> from the week of 2015-11-09"
        ),
        "{home}"
    );

    // A Monday weeks after the last accepted one says so; a second import of a Monday
    // says how many decisions the other holds.
    let register = accepted.register.clone();
    let carried = carried_files(&supporters, &register);
    let late = app.stored("2015-11-30", &carried).await;
    let page = app.get(&format!("/weeks/{late}")).await.body;
    assert!(
        page.contains("This Monday is 3 weeks after the last accepted week (the week of 2015-11-09): the 2 weeks between have no accepted plan here."),
        "{page}"
    );
    let again = imported_again(&register);
    let twin = app
        .stored("2015-11-30", &carried_files(&supporters, &again))
        .await;
    let pinned = app.decide(late, "0", "forbid", "BH-R0004", &to).await;
    assert_eq!(pinned.status, StatusCode::SEE_OTHER, "{}", pinned.body);
    let page = app.get(&format!("/weeks/{twin}")).await.body;
    assert!(page.contains("1 decision in force"), "{page}");
    assert!(
        page.contains("Accepting this one sets the others"),
        "{page}"
    );
    integrity(&app);
}

/// The digest of week `id`'s plan as its assignments file gives it: what an old page
/// or another client would post, where the page itself offers no Accept button.
async fn digest_of(app: &App, id: i64) -> String {
    let shown = app.get(&format!("/weeks/{id}/files/assignments.csv")).await;
    caseload_serve::week::digest(shown.body.as_bytes())
}

#[tokio::test]
async fn a_register_weeks_old_is_refused_after_a_quiet_week() {
    use chrono::Datelike;
    let app = App::new(None).await;
    let (supporters, first) = first_week_accepted(&app).await;
    // Monday after Monday from each accepted register, until a week places nobody.
    let mut register = first.clone();
    let mut monday = chrono::NaiveDate::from_ymd_opt(2015, 11, 2).unwrap();
    let mut placed_since_first = 0;
    loop {
        monday += chrono::Duration::days(7);
        let carried = carried_files(&supporters, &register);
        let week = app.stored(&monday.to_string(), &carried).await;
        accept_as_shown(&app, week).await;
        let accepted = app.db.accepted(week).unwrap().unwrap();
        register = accepted.register;
        if accepted.newly_assigned == 0 {
            break;
        }
        placed_since_first += accepted.newly_assigned;
        assert!(monday.year() < 2016, "no quiet week");
    }
    assert!(placed_since_first > 0, "a week between placed families");
    // The first week's register, older: what the weeks since placed is missing from
    // it, though the last week changed nothing.
    let stale = carried_files(&supporters, &first);
    let next = (monday + chrono::Duration::days(7)).to_string();
    let refused = app.import(&next, &stale, &app.csrf).await;
    assert_refused(&refused, &format!(
            "does not carry the plan accepted for the week of {monday}: {placed_since_first} families that week left with a supporter"
        ));
    // The quiet week's own register passes.
    let right = carried_files(&supporters, &register);
    let right = app.import(&next, &right, &app.csrf).await;
    assert_eq!(right.status, StatusCode::SEE_OTHER, "{}", right.body);
}

#[tokio::test]
async fn import_anyway_holds_only_against_the_week_it_was_ticked_for() {
    let app = App::new(None).await;
    let (supporters, register) = first_week_accepted(&app).await;
    let original = fixture("referrals.csv");
    // Taken as it is against 2015-11-02, which it does not carry: its page says nothing.
    let anyway: [(&str, &str, &[u8]); 2] = [
        ("supporters", "supporters.csv", &supporters),
        ("referrals", "referrals.csv", &original),
    ];
    let later = app
        .stored_with("2015-11-16", &[("anyway", "yes")], &anyway)
        .await;
    let page = app.get(&format!("/weeks/{later}")).await.body;
    assert!(!page.contains("cannot be accepted as it is"), "{page}");
    assert!(page.contains("name=\"plan\""), "{page}");
    // Said on the week, for whoever accepts it, with the families it leaves out: the
    // week's own placements, as the refusal without the tick named them.
    assert!(page.contains("Imported anyway: AB ticked"), "{page}");
    let first = app.db.weeks().unwrap().last().unwrap().id;
    let placed = app.db.accepted(first).unwrap().unwrap().newly_assigned;
    let named = page
        .split("This register leaves out what the week of 2015-11-02 did for ")
        .nth(1)
        .and_then(|rest| rest.split(": ").nth(1))
        .and_then(|rest| rest.split('.').next())
        .unwrap_or_else(|| panic!("no families named in {page}"));
    let listed = named
        .split(", ")
        .filter(|f| f.contains(" with BH-S"))
        .count();
    assert_eq!(listed as i64, placed.min(10), "{named}");
    // Not said again as moves made by hand.
    assert!(!page.contains("Changed by hand"), "{page}");
    // Then the Monday between is planned and accepted, with a move.
    let carried = carried_files(&supporters, &register);
    let between = app.stored("2015-11-09", &carried).await;
    let moved = app
        .decide(between, "0", "forbid", "BH-R0004", "BH-S10")
        .await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.body);
    accept_as_shown(&app, between).await;
    // The tick was for 2015-11-02, not for the week accepted since: checked again.
    let page = app.get(&format!("/weeks/{later}")).await.body;
    assert!(
        page.contains("This import cannot be accepted as it is."),
        "{page}"
    );
    let refused = accept_plan(&app, later, &digest_of(&app, later).await).await;
    assert_refused(&refused, "discard this draft");
    assert!(app.db.accepted(later).unwrap().is_none());
    // A week accepted between the check and the acceptance is a conflict in the store.
    let record = app.db.accepted(between).unwrap().unwrap();
    let stale = app
        .db
        .accept(later, 0, &record, Some(first_id(&app)), &[])
        .unwrap_err();
    assert!(
        stale
            .to_string()
            .contains("the week of 2015-11-09 was accepted while this week was being accepted"),
        "{stale}"
    );
    integrity(&app);
}

/// The id of the first import (the provider week of [`first_week_accepted`]).
fn first_id(app: &App) -> i64 {
    app.db
        .weeks()
        .unwrap()
        .iter()
        .find(|w| w.week == "2015-11-02")
        .unwrap()
        .id
}

/// What the coordinator agreed to set aside is the decisions the page named, not how
/// many: one withdrawn and another made since, the same count, is refused.
#[tokio::test]
async fn setting_aside_holds_for_the_decisions_named() {
    let app = App::new(None).await;
    let first = app.import_provider_week().await;
    let second = app.import_provider_week().await;
    let made = app
        .decide(second, "0", "forbid", "BH-R0004", "BH-S10")
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let page = app.get(&format!("/weeks/{first}")).await.body;
    let named = page
        .split("name=\"aside\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_string();
    // Since the page was loaded: that decision withdrawn, another made.
    let old = app.db.decisions(second).unwrap()[0].id;
    let back = app
        .post_form(
            &format!("/weeks/{second}/decisions/{old}/withdraw"),
            &[("csrf", &app.csrf), ("revision", "1"), ("by", "AB")],
        )
        .await;
    assert_eq!(back.status, StatusCode::SEE_OTHER, "{}", back.body);
    let other = app
        .decide(second, "2", "forbid", "BH-R0004", "BH-S11")
        .await;
    assert_eq!(other.status, StatusCode::SEE_OTHER, "{}", other.body);
    let refused = accept_setting_aside_of(&app, first, &named).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(app.db.accepted(first).unwrap().is_none());
    // From the page as it is now: accepted, naming the decision in force.
    let accepted = accept_setting_aside(&app, first).await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.body);
    let page = app.get(&format!("/weeks/{first}")).await.body;
    assert!(page.contains("forbid BH-R0004 from BH-S11"), "{page}");
}

/// A second click on Import, or the form sent again after going back, stores nothing:
/// the same files for the same Monday are the import already there, until it is
/// discarded.
#[tokio::test]
async fn the_same_files_twice_are_one_import() {
    let app = App::new(None).await;
    let files = [
        ("supporters", "supporters.csv", fixture("supporters.csv")),
        ("referrals", "referrals.csv", fixture("referrals.csv")),
    ];
    let files: Vec<(&str, &str, &[u8])> = files
        .iter()
        .map(|(field, name, bytes)| (*field, *name, bytes.as_slice()))
        .collect();
    // Two clicks at once: one import.
    let (a, b) = tokio::join!(
        app.import("2015-11-02", &files, &app.csrf),
        app.import("2015-11-02", &files, &app.csrf)
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::SEE_OTHER, StatusCode::CONFLICT]);
    let refused = if a.status == StatusCode::CONFLICT {
        &a
    } else {
        &b
    };
    assert!(
        refused
            .body
            .contains("Nothing was imported: these files are imported already"),
        "{}",
        refused.body
    );
    assert!(
        refused
            .body
            .contains("exactly these files were imported for the week of 2015-11-02 by AB at"),
        "{}",
        refused.body
    );
    // The form keeps what was typed.
    assert!(
        refused.body.contains("value=\"2015-11-02\""),
        "{}",
        refused.body
    );
    let weeks = app.db.weeks().unwrap();
    assert_eq!(weeks.len(), 1);
    // Another Monday, or a file that differs, is another import; the same files once the
    // import is discarded are a new one.
    let monday = app.stored("2015-11-09", &files).await;
    assert_ne!(monday, weeks[0].id);
    // The same two files with a policy are another import (the rules differ); an empty
    // policy file is refused, not read as the default rules.
    let policy = fixture("policy.toml");
    let mut with_policy = files.clone();
    with_policy.push(("policy", "policy.toml", &policy));
    let other_rules = app.stored("2015-11-02", &with_policy).await;
    assert_ne!(other_rules, weeks[0].id);
    let mut empty_policy = files.clone();
    empty_policy.push(("policy", "policy.toml", b"\n"));
    let refused = app.import("2015-11-02", &empty_policy, &app.csrf).await;
    assert_refused(&refused, "The policy file is empty");
    app.discard(weeks[0].id, "start again").await;
    // (Without "use no policy", the policy would be kept from the latest import, and
    // the files be that one's.)
    let again = app
        .stored_with("2015-11-02", &[("no_policy", "yes")], &files)
        .await;
    assert_ne!(again, weeks[0].id);
    assert_eq!(app.db.weeks().unwrap().len(), 4);
    integrity(&app);
}

#[tokio::test]
async fn a_discarded_twin_is_out_of_the_way() {
    let app = App::new(None).await;
    let first = app.import_provider_week().await;
    let twin = app.import_provider_week().await;
    let discarded = app.discard(twin, "imported twice").await;
    assert_eq!(
        discarded.status,
        StatusCode::SEE_OTHER,
        "{}",
        discarded.body
    );
    // Not offered as another import of the Monday, nor as the files to carry forward.
    let page = app.get(&format!("/weeks/{first}")).await.body;
    assert!(
        !page.contains("This Monday has another import open too"),
        "{page}"
    );
    assert_eq!(app.db.latest_import().unwrap().unwrap().id, first);
    // A superseded import cannot be discarded: the Monday is accepted. Its decisions are
    // said to be set aside; the discarded twin stays discarded, with its reason.
    let third = app.import_provider_week().await;
    let decided = app.decide(third, "0", "forbid", "BH-R0004", "BH-S10").await;
    assert_eq!(decided.status, StatusCode::SEE_OTHER, "{}", decided.body);
    let accepted = accept_setting_aside(&app, first).await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.body);
    let page = app.get(&format!("/weeks/{third}")).await.body;
    assert!(page.contains("Set aside:"), "{page}");
    let page = app.get(&format!("/weeks/{twin}")).await.body;
    assert!(page.contains("Discarded by <strong>AB</strong>"), "{page}");
    assert!(!page.contains("Superseded"), "{page}");
    let weeks = app.get("/").await.body;
    assert!(weeks.contains("discarded by AB: imported twice"), "{weeks}");
    let printed = app.get(&format!("/weeks/{twin}/report")).await.body;
    assert!(
        printed.contains("Not the week&#39;s record: a draft discarded by AB")
            || printed.contains("Not the week's record: a draft discarded by AB"),
        "{printed}"
    );
    let late = app.discard(third, "too late").await;
    assert_eq!(late.status, StatusCode::CONFLICT, "{}", late.body);
    assert!(app.db.import(third).unwrap().discarded.is_none());
}

#[tokio::test]
async fn a_mistyped_monday_is_discarded_with_the_reason_and_kept() {
    let app = App::new(None).await;
    let (supporters, register) = first_week_accepted(&app).await;
    let carried = carried_files(&supporters, &register);
    // 2016 for 2015: a year of weeks between, said on its page.
    let typo = app.stored("2016-11-07", &carried).await;
    let page = app.get(&format!("/weeks/{typo}")).await.body;
    assert!(
        page.contains("This Monday is 53 weeks after the last accepted week"),
        "{page}"
    );
    assert!(page.contains("Discard the draft of 2016-11-07"), "{page}");
    // Without a reason, nothing is done.
    let silent = app.discard(typo, "  ").await;
    assert_eq!(
        silent.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        silent.body
    );
    assert!(app.db.import(typo).unwrap().discarded.is_none());
    let done = app.discard(typo, "mistyped year: meant 2015-11-09").await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let (by, _, note) = app.db.import(typo).unwrap().discarded.unwrap();
    assert_eq!(
        (by.as_str(), note.as_str()),
        ("AB", "mistyped year: meant 2015-11-09")
    );
    // Kept, marked, and closed to change: no accept form, decisions and acceptance
    // refused, a second discard too.
    let page = app.get(&format!("/weeks/{typo}")).await.body;
    assert!(page.contains("Discarded by <strong>AB</strong>"), "{page}");
    assert!(!page.contains("name=\"plan\""), "{page}");
    let decided = app
        .decide(typo, &app.revision(typo), "forbid", "BH-R0004", "BH-S10")
        .await;
    assert_eq!(decided.status, StatusCode::CONFLICT, "{}", decided.body);
    assert!(
        decided.body.contains("this draft was discarded by AB"),
        "{}",
        decided.body
    );
    let again = app.discard(typo, "twice").await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    let weeks = app.get("/").await.body;
    assert!(
        weeks.contains("discarded by AB: mistyped year: meant 2015-11-09"),
        "{weeks}"
    );
    // The right Monday is imported and accepted as if the typo had never been.
    let right = app.stored("2015-11-09", &carried).await;
    accept_as_shown(&app, right).await;
    integrity(&app);
}

#[tokio::test]
async fn the_policy_is_kept_from_week_to_week_unless_dropped() {
    let app = App::new(None).await;
    let supporters = fixture("supporters.csv");
    let referrals = fixture("referrals.csv");
    let policy = fixture("policy.toml");
    let with_policy: [(&str, &str, &[u8]); 3] = [
        ("supporters", "supporters.csv", &supporters),
        ("referrals", "referrals.csv", &referrals),
        ("policy", "policy.toml", &policy),
    ];
    let first = app.import("2015-11-02", &with_policy, &app.csrf).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    let home = app.get("/").await.body;
    assert!(
        home.contains("Leave empty to keep <code>policy.toml</code> from the week of 2015-11-02"),
        "{home}"
    );

    // Left empty, the policy is last week's, as the supporters file is (the register
    // with a line more: the same files again would be the same import).
    let again = imported_again(&referrals);
    let referrals_only: [(&str, &str, &[u8]); 1] = [("referrals", "referrals.csv", &again)];
    let kept = app.import("2015-11-02", &referrals_only, &app.csrf).await;
    assert_eq!(kept.status, StatusCode::SEE_OTHER, "{}", kept.body);
    let latest = app.db.latest_import().unwrap().unwrap();
    assert_eq!(
        latest
            .files
            .policy
            .as_ref()
            .map(|(name, text)| (name.as_str(), text.as_bytes())),
        Some(("policy.toml", policy.as_slice()))
    );
    // The policy in force can be read from the week's files.
    let shown = app
        .get(&format!("/weeks/{}/files/policy.toml", latest.id))
        .await;
    assert_eq!(shown.status, StatusCode::OK);
    assert_eq!(shown.body.as_bytes(), policy.as_slice());
    // Dropped on purpose, the week has none.
    let dropped = app
        .import_with(
            "2015-11-02",
            &[("no_policy", "yes")],
            &referrals_only,
            &app.csrf,
        )
        .await;
    assert_eq!(dropped.status, StatusCode::SEE_OTHER, "{}", dropped.body);
    let none = app.db.latest_import().unwrap().unwrap();
    assert!(none.files.policy.is_none());
    let page = app.get(&format!("/weeks/{}", none.id)).await.body;
    assert!(page.contains("No policy file: the week was planned with the default policy."));
    let missing = app
        .get(&format!("/weeks/{}/files/policy.toml", none.id))
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_decisions_number_keeps_its_meaning_after_a_withdrawal() {
    let app = App::new(None).await;
    let id = app.import_provider_week().await;
    let placed = app.decide(id, "0", "forbid", "BH-R0003", "BH-S01").await;
    assert_eq!(placed.status, StatusCode::SEE_OTHER);
    let first = app.db.decisions(id).unwrap()[0].id;
    let withdrawn = app
        .post_form(
            &format!("/weeks/{id}/decisions/{first}/withdraw"),
            &[
                ("csrf", &app.csrf),
                ("revision", "1"),
                ("by", "AB"),
                ("note", "the family asked"),
            ],
        )
        .await;
    assert_eq!(withdrawn.status, StatusCode::SEE_OTHER);
    let second = app.decide(id, "2", "forbid", "BH-R0003", "BH-S02").await;
    assert_eq!(second.status, StatusCode::SEE_OTHER);
    // The decision in force is the list's second, withdrawn first counted.
    let page = app.get(&format!("/weeks/{id}")).await.body;
    assert!(page.contains("decision 2"), "{page}");
    assert!(!page.contains("decision 1<"), "{page}");
    // The withdrawal keeps its reason in the record.
    assert!(page.contains(": the family asked"), "{page}");
    // The printed report names who made the decision in force, and lists the one
    // withdrawn with who withdrew it and why: as a draft, and as the accepted record.
    let draft = app.get(&format!("/weeks/{id}/report")).await.body;
    let plan = app.plan(id).await;
    let accepted = app
        .post_form(
            &format!("/weeks/{id}/accept"),
            &[
                ("csrf", &app.csrf),
                ("revision", "3"),
                ("by", "CD"),
                ("plan", &plan),
                ("reviewed", "yes"),
            ],
        )
        .await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.body);
    let record = app.get(&format!("/weeks/{id}/report")).await.body;
    assert!(record.contains("Accepted by CD on"), "{record}");
    for printed in [&draft, &record] {
        assert!(printed.contains("<th>By, at</th>"), "{printed}");
        assert!(
            printed.contains("<td class=\"id\">decision 2</td><td>AB, "),
            "{printed}"
        );
        assert!(
            printed.contains("Withdrawn, so not in the plan"),
            "{printed}"
        );
        assert!(
            printed.contains("Decision 1: forbid BH-R0003 to BH-S01, made by AB, "),
            "{printed}"
        );
        assert!(
            printed.contains("; withdrawn by AB, ") && printed.contains(": the family asked."),
            "{printed}"
        );
    }
}

#[tokio::test]
async fn a_refusal_links_back_to_the_page_it_came_from() {
    let app = App::new(None).await;
    let id = app.import_provider_week().await;
    let from = format!("/weeks/{id}/families/BH-R0002");
    let body = format!(
        "csrf={}&revision=0&by=AB&kind=pin&referral_id=BH-R0002&supporter_id=BH-S99",
        app.csrf
    );
    let refused = app
        .send(
            Request::post(format!("/weeks/{id}/decisions"))
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::HOST, "127.0.0.1:8080")
                .header(header::REFERER, format!("http://127.0.0.1:8080{from}")),
            Body::from(body),
        )
        .await;
    assert_refused(
        &refused,
        &format!("<a href=\"{from}\">Back to the page you came from</a>"),
    );
    // A referer of another site is not linked.
    let elsewhere = app
        .send(
            Request::get(format!("/weeks/{id}/families/NOPE"))
                .header(header::HOST, "127.0.0.1:8080")
                .header(header::REFERER, "http://example.org/weeks/1"),
            Body::empty(),
        )
        .await;
    assert_eq!(elsewhere.status, StatusCode::NOT_FOUND);
    assert!(!elsewhere.body.contains("Back to the page you came from"));
}

/// Printed, a week's pages say which week they are and that it is a draft on every
/// page; the family page names its week; the pin list says which supporters open cases
/// leave no room with, as the pin itself would be refused.
#[tokio::test]
async fn a_weeks_pages_say_their_week_and_the_pin_list_says_who_has_no_room() {
    let app = App::new(None).await;
    let id = app.import_provider_week().await;
    for url in [
        format!("/weeks/{id}"),
        format!("/weeks/{id}/areas/E06000043"),
        format!("/weeks/{id}/families/BH-R0067"),
        format!("/weeks/{id}/families/BH-R0067/recommend"),
    ] {
        let page = app.get(&url).await.body;
        assert!(
            page.contains(
                "@top-left { content: \"Week of Monday 2015-11-02: DRAFT, not yet accepted\";"
            ),
            "{url}: {page}"
        );
    }
    let family = app
        .get(&format!("/weeks/{id}/families/BH-R0067"))
        .await
        .body;
    assert!(
        family.contains("<h1>Family BH-R0067, week of Monday 2015-11-02</h1>"),
        "{family}"
    );
    assert!(
        family.contains("Open: a draft to review, not yet accepted."),
        "{family}"
    );
    assert!(
        family.contains(
            "<option value=\"BH-S06\">BH-S06 (no room: open cases fill their case slots)</option>"
        ),
        "{family}"
    );
    let refused = app.decide(id, "0", "pin", "BH-R0067", "BH-S06").await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert!(refused.body.contains("no room"), "{}", refused.body);
    // A supporter the pin can go to carries no such mark, and the pin holds.
    let eligible: Vec<&str> = family
        .split("<option value=\"")
        .skip(1)
        .filter(|o| {
            let label = o.split("</option>").next().unwrap_or("");
            !label.contains('(')
        })
        .map(|o| o.split('"').next().unwrap())
        .collect();
    assert!(!eligible.is_empty(), "{family}");
    let held = app.decide(id, "0", "pin", "BH-R0067", eligible[0]).await;
    assert_eq!(held.status, StatusCode::SEE_OTHER, "{}", held.body);
}

/// A supporters file left empty at import is kept from the week before, and the week's
/// record says so rather than that it was uploaded; one uploaded is not said kept.
#[tokio::test]
async fn a_supporters_file_kept_from_the_week_before_is_said_kept() {
    let app = App::new(None).await;
    let (supporters, register) = first_week_accepted(&app).await;
    let kept = app
        .stored("2015-11-09", &[("referrals", "register.csv", &register)])
        .await;
    let page = app.get(&format!("/weeks/{kept}")).await.body;
    assert!(
        page.contains(
            "<code>supporters.csv</code> (kept from the week of 2015-11-02, not uploaded)"
        ),
        "{page}"
    );
    let record = app.db.import(kept).unwrap();
    assert_eq!(
        record.files.supporters_kept_from.as_deref(),
        Some("2015-11-02")
    );
    assert_eq!(record.files.supporters, supporters);
    let again = imported_again(&register);
    let uploaded = app
        .stored("2015-11-09", &carried_files(&supporters, &again))
        .await;
    let page = app.get(&format!("/weeks/{uploaded}")).await.body;
    assert!(!page.contains("kept from the week of"), "{page}");
    assert_eq!(
        app.db.import(uploaded).unwrap().files.supporters_kept_from,
        None
    );

    // A policy kept from the accepted week is said kept too; one uploaded is not.
    let app = App::new(None).await;
    let policy = b"balance = \"none\"\n".to_vec();
    let referrals = fixture("referrals.csv");
    let first = app
        .stored(
            "2015-11-02",
            &[
                ("supporters", "supporters.csv", &supporters),
                ("referrals", "referrals.csv", &referrals),
                ("policy", "policy.toml", &policy),
            ],
        )
        .await;
    assert_eq!(app.db.import(first).unwrap().files.policy_kept_from, None);
    accept_as_shown(&app, first).await;
    let register = app.db.accepted(first).unwrap().unwrap().register;
    let next = app
        .stored("2015-11-09", &[("referrals", "register.csv", &register)])
        .await;
    let record = app.db.import(next).unwrap();
    assert_eq!(record.files.policy_kept_from.as_deref(), Some("2015-11-02"));
    assert_eq!(record.files.policy.unwrap().1.as_bytes(), policy.as_slice());
    let page = app.get(&format!("/weeks/{next}")).await.body;
    assert!(
        page.contains("with <code>policy.toml</code> (kept from the week of 2015-11-02)"),
        "{page}"
    );
}
