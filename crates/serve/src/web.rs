//! Routes, the guard in front of them, and the handlers.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, Request, State};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Form, Router};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use caseload_report::path_segment;
use caseload_solve::{explain, recommend, SolveError};
use maud::Markup;
use rand::Rng;
use serde::Deserialize;
use subtle::ConstantTimeEq;

use crate::db::{Db, DbError, DecisionRow, Import, NewDecision, NewImport};
use crate::pages;
use crate::week::{Loaded, Planned, WeekError};

const TOKEN_COOKIE: &str = "caseload_token";
const CSRF_COOKIE: &str = "caseload_csrf";
const BY_COOKIE: &str = "caseload_by";
/// Uploads up to this size (the national week's register is a few hundred kB).
const BODY_LIMIT: usize = 64 * 1024 * 1024;
/// Planned weeks kept in memory.
const CACHED_PLANS: usize = 8;

/// What every handler shares: the store, the token, and the latest plans.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    token: Option<String>,
    plans: Mutex<Vec<(PlanKey, Arc<Planned>)>>,
}

/// A week's id and the revision of its decisions.
type PlanKey = (i64, i64);

impl AppState {
    /// The app over `db`; with `token`, every request must carry it.
    pub fn new(db: Db, token: Option<String>) -> AppState {
        AppState {
            inner: Arc::new(Inner {
                db,
                token,
                plans: Mutex::new(Vec::new()),
            }),
        }
    }

    /// The store.
    pub fn db(&self) -> &Db {
        &self.inner.db
    }

    fn cached(&self, key: PlanKey) -> Option<Arc<Planned>> {
        let plans = self.inner.plans.lock().ok()?;
        plans
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, p)| p.clone())
    }

    fn cache(&self, key: PlanKey, planned: Arc<Planned>) {
        if let Ok(mut plans) = self.inner.plans.lock() {
            plans.retain(|(k, _)| *k != key);
            plans.insert(0, (key, planned));
            plans.truncate(CACHED_PLANS);
        }
    }

    /// A week, its decisions, and its plan at the current revision.
    async fn week(&self, id: i64) -> Result<WeekNow, AppError> {
        let db = self.db().clone();
        let (import, decisions, accepted, (superseded, siblings, before)) = blocking(move || {
            let superseded = match db.superseded_by(id)? {
                Some(other) => db.accepted(other)?.map(|a| Superseded {
                    id: other,
                    by: a.accepted_by,
                    at: a.accepted_at,
                }),
                None => None,
            };
            let siblings = db.siblings(id)?;
            let import = db.import(id)?;
            let before = db.accepted_before(&import.files.week)?;
            Ok((
                import,
                db.decisions(id)?,
                db.accepted(id)?,
                (superseded, siblings, before),
            ))
        })
        .await?;
        let key = (id, import.revision);
        let planned = match self.cached(key) {
            Some(planned) => planned,
            None => {
                let (for_plan, rows) = (import.clone(), decisions.clone());
                let planned = blocking(move || {
                    Ok(Arc::new(Planned::new(Loaded::of(&for_plan.files)?, &rows)?))
                })
                .await?;
                self.cache(key, planned.clone());
                planned
            }
        };
        // What accepting would refuse, said before the coordinator tries: a week before
        // this one accepted since this draft was imported from an older register.
        let open = accepted.is_none() && superseded.is_none() && import.discarded.is_none();
        let since = before.as_ref().map(|(id, _)| *id) != import.checked_against;
        let uncarried = if open && since {
            let (db, last, planned) = (self.db().clone(), before.clone(), planned.clone());
            blocking(move || {
                Ok(
                    match carries_last_week(&db, last.as_ref(), &planned.loaded, "") {
                        Err(AppError::BadInput(_, lines)) => lines,
                        Err(other) => return Err(other),
                        Ok(()) => Vec::new(),
                    },
                )
            })
            .await?
        } else {
            Vec::new()
        };
        Ok(WeekNow {
            import,
            decisions,
            planned,
            accepted,
            superseded,
            siblings,
            before: before.map(|(_, monday)| monday),
            uncarried,
            handwork: None,
        })
    }
}

/// How a week's register differs from the register of the week it was checked against
/// (its Monday): the open cases moved by hand to another supporter, and what it leaves
/// out of that week's changes (taken with "Import anyway": undone if accepted).
pub(crate) struct Handwork {
    pub monday: String,
    pub moves: Vec<crate::week::Move>,
    pub undone: Vec<crate::week::Change>,
}

impl Handwork {
    /// The moves made by hand in a sentence ("Changed by hand since the week of ... was
    /// accepted: ..."), if there are any, naming the first `most` families (a page's
    /// list; a report's names them all).
    pub fn moves_sentence(&self, most: usize) -> Option<String> {
        (!self.moves.is_empty()).then(|| {
            format!(
                "Changed by hand since the week of {} was accepted: {} another supporter in this register than in the register that week wrote: {}.",
                self.monday,
                caseload_report::words::count(self.moves.len(), "family has", "families have"),
                listed(
                    self.moves
                        .iter()
                        .map(|m| format!("{} from {} to {}", m.referral_id, m.from, m.to)),
                    most
                )
            )
        })
    }

    /// What an "Import anyway" leaves out of the week before, in a sentence, if it
    /// leaves out anything, naming the first `most` families.
    pub fn undone_sentence(&self, most: usize) -> Option<String> {
        (!self.undone.is_empty()).then(|| {
            format!(
                "This register leaves out what the week of {} did for {}: {}.",
                self.monday,
                caseload_report::words::count(self.undone.len(), "family", "families"),
                listed(self.undone.iter().map(ToString::to_string), most)
            )
        })
    }

    /// Both sentences, every family named: for a report, the week's record.
    pub fn sentences(&self) -> Vec<String> {
        self.undone_sentence(usize::MAX)
            .into_iter()
            .chain(self.moves_sentence(usize::MAX))
            .collect()
    }
}

/// The first `most` of `items`, and how many more.
fn listed(items: impl ExactSizeIterator<Item = String>, most: usize) -> String {
    let more = items.len().saturating_sub(most);
    let mut shown: Vec<String> = items.take(most).collect();
    if more > 0 {
        shown.push(format!("and {more} more"));
    }
    shown.join(", ")
}

impl AppState {
    /// How week `now`'s register differs from the register the week it was checked
    /// against wrote ([`Handwork`]); the moves leave out the families it does not carry
    /// (those are said as undone, not as moves). A note of the page, not a check: if
    /// that week's files cannot be read, there is no note.
    async fn handwork(&self, now: &WeekNow) -> Option<Handwork> {
        let (db, planned) = (self.db().clone(), now.planned.clone());
        let week = now.import.files.week.clone();
        let found = blocking(move || {
            // The week accepted before this Monday now (not only when this one was
            // imported: a week accepted since is the one its register must carry, and
            // accepting checks it against that one).
            let Some((against, _)) = db.accepted_before(&week)? else {
                return Ok(None);
            };
            let Some((accepted, left)) = accepted_register(&db, against)? else {
                return Ok(None);
            };
            let register = &planned.loaded.caseload;
            let undone = crate::week::not_carried(
                &accepted.assignments_csv,
                &accepted.waiting_csv,
                &left,
                register,
            )?;
            let moves: Vec<crate::week::Move> = crate::week::moved_since(&left, register)
                .into_iter()
                .filter(|m| !undone.iter().any(|u| u.referral_id == m.referral_id))
                .collect();
            Ok(Some(Handwork {
                monday: db.import(against)?.files.week,
                moves,
                undone,
            }))
        })
        .await;
        match found {
            Ok(found) => found.filter(|h| !h.moves.is_empty() || !h.undone.is_empty()),
            Err(err) => {
                eprintln!(
                    "caseload serve: week {}: the changes since the week before are not said: {err:?}",
                    now.import.id
                );
                None
            }
        }
    }
}

/// A week as it stands.
pub(crate) struct WeekNow {
    pub import: Import,
    pub decisions: Vec<DecisionRow>,
    pub planned: Arc<Planned>,
    pub accepted: Option<crate::db::Accepted>,
    /// Another import of the same Monday that was accepted, if any.
    pub superseded: Option<Superseded>,
    /// Other imports of the same Monday, discarded ones left out: the other drafts
    /// while the Monday is open; once this one is accepted, those it set aside.
    pub siblings: Vec<crate::db::Sibling>,
    /// The Monday of the latest week accepted before this one, if any.
    pub before: Option<String>,
    /// Why this open week's register cannot be accepted (it does not carry the week
    /// accepted before it), in lines; empty when it can.
    pub uncarried: Vec<String>,
    /// How the register differs from the register of the week it was checked against
    /// (moves made by hand, changes an "Import anyway" leaves out): found for the
    /// week's page only ([`AppState::handwork`]); `None` when it does not.
    pub handwork: Option<Handwork>,
}

/// The accepted import of a Monday that another import of it was superseded by.
pub(crate) struct Superseded {
    pub id: i64,
    pub by: String,
    pub at: String,
}

impl WeekNow {
    /// The decisions in force on the other imports of this Monday: accepting this one
    /// sets them aside.
    pub fn siblings_decisions(&self) -> i64 {
        self.siblings
            .iter()
            .map(crate::db::Sibling::decisions)
            .sum()
    }

    /// The other imports of this Monday that hold decisions.
    pub fn siblings_holding(&self) -> impl Iterator<Item = &crate::db::Sibling> {
        self.siblings.iter().filter(|s| s.decisions() > 0)
    }

    /// Decisions can be made and the week accepted: neither it nor another import of
    /// its Monday was accepted, and it was not discarded.
    pub fn is_open(&self) -> bool {
        self.accepted.is_none() && self.superseded.is_none() && self.import.discarded.is_none()
    }
}

/// Runs blocking work (SQLite, the solver) off the async threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| AppError::Internal(format!("a worker stopped: {e}")))?
}

/// What a request could not do, as the page (and status) the user sees.
#[derive(Debug)]
pub(crate) enum AppError {
    /// The user's input is wrong: what, located.
    BadInput(String, Vec<String>),
    /// The week changed first (another tab), or was accepted: the page's title, and
    /// what happened.
    Conflict(&'static str, String),
    /// No such week, family or file.
    NotFound(String),
    /// A form without a valid CSRF token, or a request without the app's token.
    Forbidden(String),
    /// Something on our side.
    Internal(String),
}

impl From<DbError> for AppError {
    fn from(err: DbError) -> AppError {
        match err {
            DbError::Conflict(c) => AppError::Conflict(
                match c {
                    crate::db::Conflict::Changed { .. } => "Nothing was done: the week has changed",
                    crate::db::Conflict::AsideChanged { .. } => {
                        "Nothing was done: the other imports' decisions have changed"
                    }
                    crate::db::Conflict::SameFiles { .. } => {
                        "Nothing was imported: these files are imported already"
                    }
                    crate::db::Conflict::Earlier { .. } => {
                        "Nothing was done: a later week is already accepted"
                    }
                    _ => "Nothing was done: this week is already accepted",
                },
                c.to_string(),
            ),
            DbError::NotFound(what) => AppError::NotFound(format!("no such {what}")),
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<WeekError> for AppError {
    fn from(err: WeekError) -> AppError {
        // The decisions file is the app's own, written from the decisions list: its
        // line numbers mean nothing to the coordinator, so each refusal names the
        // decision and why.
        if let WeekError::Solve(SolveError::Decisions(e)) = &err {
            // A problem given by no one is the recommendation's own trial pin.
            let title = match e.problems.len() {
                _ if e.problems.iter().all(|p| p.origin.is_empty()) => {
                    "No recommendation for this family".to_string()
                }
                1 => "This decision cannot hold".to_string(),
                n => format!("{n} decisions cannot hold"),
            };
            let lines = e
                .problems
                .iter()
                .map(|p| format!("{}: {}", p.decision, p.why))
                .collect();
            return AppError::BadInput(title, lines);
        }
        if err.is_bad_input() {
            AppError::BadInput(
                "The week cannot be planned as asked".into(),
                err.to_string().lines().map(str::to_string).collect(),
            )
        } else {
            AppError::Internal(err.to_string())
        }
    }
}

impl AppError {
    /// What the user is told, line by line.
    pub(crate) fn lines(&self) -> Vec<String> {
        match self {
            AppError::BadInput(title, lines) => std::iter::once(title.clone())
                .chain(lines.iter().cloned())
                .collect(),
            AppError::Conflict(_, m) | AppError::NotFound(m) | AppError::Forbidden(m) => {
                vec![m.clone()]
            }
            AppError::Internal(_) => {
                vec![
                    "Something went wrong on the server; the server's terminal has the details."
                        .into(),
                ]
            }
        }
    }
}

impl AppError {
    /// The status, the title and the lines the user is shown.
    fn parts(self) -> (StatusCode, String, Vec<String>) {
        match self {
            AppError::BadInput(title, lines) => (StatusCode::UNPROCESSABLE_ENTITY, title, lines),
            AppError::Conflict(title, message) => {
                (StatusCode::CONFLICT, title.into(), vec![message])
            }
            AppError::NotFound(message) => {
                (StatusCode::NOT_FOUND, "Not found".into(), vec![message])
            }
            AppError::Forbidden(message) => {
                (StatusCode::FORBIDDEN, "Not allowed".into(), vec![message])
            }
            AppError::Internal(message) => {
                eprintln!("caseload serve: error: {message}");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong on the server; nothing was changed".into(),
                    vec!["The server's terminal has the details.".into()],
                )
            }
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, title, lines) = self.parts();
        (status, pages::error(&title, &lines)).into_response()
    }
}

/// The request's CSRF token (from its cookie, or new and set on the response).
#[derive(Clone)]
pub(crate) struct Csrf(pub String);

/// The coordinator's initials, remembered from their last form.
pub(crate) fn remembered_by(jar: &CookieJar) -> String {
    jar.get(BY_COOKIE)
        .map(|c| c.value().to_string())
        .unwrap_or_default()
}

fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// The app: every route behind the guard.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/import", post(import))
        .route("/history", get(history))
        .route("/login", get(login))
        .route("/weeks/{id}", get(week_page))
        .route("/weeks/{id}/areas/{area}", get(area_page))
        .route("/weeks/{id}/families/{referral}", get(family_page))
        .route(
            "/weeks/{id}/families/{referral}/recommend",
            get(recommend_page),
        )
        .route("/weeks/{id}/find", get(find_family))
        .route("/weeks/{id}/decisions", post(add_decision))
        .route(
            "/weeks/{id}/decisions/{decision}/withdraw",
            post(withdraw_decision),
        )
        .route("/weeks/{id}/accept", post(accept))
        .route("/weeks/{id}/discard", post(discard))
        .route("/weeks/{id}/files/{name}", get(download))
        .route("/weeks/{id}/report", get(report))
        .route("/static/htmx.min.js", get(htmx))
        .route("/static/app.css", get(css))
        .fallback(|| async { AppError::NotFound("no such page".into()) })
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn_with_state(state.clone(), guard))
        .with_state(state)
}

/// In front of every route: the token (when one is set), the CSRF cookie, and headers
/// that keep the pages to themselves.
async fn guard(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let jar = CookieJar::from_headers(request.headers());
    if let Some(refused) = foreign(&request, state.inner.token.is_some()) {
        return (
            StatusCode::FORBIDDEN,
            pages::error("Not allowed", &[refused]),
        )
            .into_response();
    }
    if let Some(token) = &state.inner.token {
        let bearer = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        let cookie = jar.get(TOKEN_COOKIE).map(|c| c.value());
        let allowed = bearer.or(cookie).is_some_and(|given| same(given, token))
            || request.uri().path() == "/login";
        if !allowed {
            return (
                StatusCode::UNAUTHORIZED,
                pages::error(
                    "This app needs its token",
                    &["Open /login?token=… with the token the app was started with, or send it as Authorization: Bearer ….".to_string()],
                ),
            )
                .into_response();
        }
    }
    let (csrf, new) = match jar.get(CSRF_COOKIE) {
        Some(c) if c.value().len() == 32 => (c.value().to_string(), false),
        _ => (random_hex(), true),
    };
    request.extensions_mut().insert(Csrf(csrf.clone()));
    let back = back_link(&request);
    let mut response = with_way_back(as_page(next.run(request).await).await, back).await;
    let headers = response.headers_mut();
    if new {
        let cookie = Cookie::build((CSRF_COOKIE, csrf))
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .build();
        if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
            headers.append(header::SET_COOKIE, value);
        }
    }
    for (name, value) in [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'",
        ),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        // Not `no-referrer`: with it, browsers send `Origin: null` on the app's own
        // forms, and the origin check above needs the real one.
        (header::REFERRER_POLICY, "same-origin"),
        (header::CACHE_CONTROL, "no-store"),
    ] {
        headers
            .entry(name)
            .or_insert(HeaderValue::from_static(value));
    }
    response
}

/// Why a request that did not come from the app's own pages is refused, if it did not.
///
/// Without a token the app trusts the machine it runs on, so a page from elsewhere must
/// not reach it through the browser: a `Host` other than a loopback name is refused (a
/// site whose name was pointed at 127.0.0.1, "DNS rebinding", would otherwise read and
/// post with the browser's cookies), and so is a POST whose `Origin` is another site or
/// that the browser marks cross-site.
fn foreign(request: &Request, with_token: bool) -> Option<String> {
    let headers = request.headers();
    let text = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    let host = text(header::HOST);
    if !with_token {
        if let Some(host) = host {
            let name = match host.rsplit_once(':') {
                Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
                _ => host,
            };
            if !matches!(name, "127.0.0.1" | "localhost" | "[::1]") {
                return Some(format!(
                    "this app answers on this machine only (127.0.0.1 or localhost), not as `{host}`; to open it from elsewhere, start it with --bind and --token"
                ));
            }
        }
    }
    if request.method() == axum::http::Method::POST {
        let cross_site = text(header::HeaderName::from_static("sec-fetch-site"))
            .is_some_and(|site| site == "cross-site" || site == "same-site");
        let other_origin = match (text(header::ORIGIN).filter(|o| *o != "null"), host) {
            (Some(origin), Some(host)) => origin
                .split_once("://")
                .is_none_or(|(_, rest)| rest != host),
            _ => false,
        };
        if cross_site || other_origin {
            return Some(
                "a form from another site cannot change the register; nothing was done".into(),
            );
        }
    }
    None
}

/// The page a form or link came from, when it is one of the app's week pages: a
/// refusal links back to it, not only to the list of weeks. From the `Referer` of the
/// same host, the path alone, and only if it is a plain path under `/weeks/`.
fn back_link(request: &Request) -> Option<String> {
    let headers = request.headers();
    let host = headers.get(header::HOST)?.to_str().ok()?;
    let referer = headers.get(header::REFERER)?.to_str().ok()?;
    let after_scheme = referer.split_once("://")?.1;
    let path = after_scheme.strip_prefix(host)?;
    let path = path.split(['?', '#']).next()?;
    let plain = path
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"/-_.~%".contains(&b));
    (path.starts_with("/weeks/") && plain && !path.contains("//") && path != request.uri().path())
        .then(|| path.to_string())
}

/// A refusal (a 4xx status) whose body is of the media type `media`.
fn is_refusal_in(response: &Response, media: &str) -> bool {
    response.status().is_client_error()
        && response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with(media))
}

/// A refusal's page, with a link back to the page the request came from (`back`).
async fn with_way_back(response: Response, back: Option<String>) -> Response {
    let Some(back) = back else { return response };
    if !is_refusal_in(&response, "text/html") {
        return response;
    }
    let (parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 4 * 1024 * 1024).await else {
        return Response::from_parts(parts, axum::body::Body::empty());
    };
    let text = String::from_utf8_lossy(&bytes).replace(
        pages::ALL_WEEKS_LINK,
        &maud::html! {
            p { a href=(back) { "Back to the page you came from" } " · " a href="/" { "All weeks" } }
        }
        .into_string(),
    );
    let mut response = Response::from_parts(parts, axum::body::Body::from(text));
    response.headers_mut().remove(header::CONTENT_LENGTH);
    response
}

/// axum's own refusals (a malformed id in a path, a form missing a field, a query
/// without its parameter) come as plain text; the user gets them as the app's error
/// page, with the same status.
async fn as_page(response: Response) -> Response {
    if !is_refusal_in(&response, "text/plain") {
        return response;
    }
    let status = response.status();
    let text = match axum::body::to_bytes(response.into_body(), 64 * 1024).await {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(_) => String::new(),
    };
    let title = match status {
        StatusCode::NOT_FOUND => "Not found",
        StatusCode::METHOD_NOT_ALLOWED => "Not a way to use this page",
        _ => "The request cannot be read",
    };
    (status, pages::error(title, &[text])).into_response()
}

fn random_hex() -> String {
    let bytes: [u8; 16] = rand::rng().random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn check_csrf(csrf: &Csrf, given: &str) -> Result<(), AppError> {
    if same(&csrf.0, given) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "the form's security token does not match this browser's (it may have been opened from another site, or before the app restarted with a new database): reload the page and try again; nothing was done".into(),
        ))
    }
}

/// The coordinator's initials from a form: required, short, printable.
fn initials(by: &str) -> Result<String, AppError> {
    let by = by.trim();
    if by.is_empty() || by.chars().count() > 40 || by.chars().any(char::is_control) {
        return Err(AppError::BadInput(
            "Who is this?".into(),
            vec!["\"Your initials\" must be filled in (at most 40 characters): the week's record says who did what. Initials are enough; never a family's name.".into()],
        ));
    }
    Ok(by.to_string())
}

/// A redirect that also remembers the coordinator's initials.
fn done(jar: CookieJar, by: &str, to: &str) -> Response {
    let cookie = Cookie::build((BY_COOKIE, by.to_string()))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .build();
    (jar.add(cookie), Redirect::to(to)).into_response()
}

async fn home(
    State(state): State<AppState>,
    Extension(csrf): Extension<Csrf>,
    jar: CookieJar,
) -> Result<Markup, AppError> {
    home_page(&state, &csrf, &remembered_by(&jar), None).await
}

/// The weeks and the import form (after a refused import, with the refusal).
async fn home_page(
    state: &AppState,
    csrf: &Csrf,
    by: &str,
    refused: Option<&pages::RefusedImport>,
) -> Result<Markup, AppError> {
    let db = state.db().clone();
    let (weeks, latest) = blocking(move || Ok((db.weeks()?, db.latest_import()?))).await?;
    Ok(pages::home(&weeks, latest.as_ref(), &csrf.0, by, refused))
}

async fn history(State(state): State<AppState>) -> Result<Markup, AppError> {
    let db = state.db().clone();
    let weeks = blocking(move || Ok(db.weeks()?)).await?;
    Ok(pages::history(&weeks))
}

#[derive(Deserialize)]
struct LoginQuery {
    token: String,
}

async fn login(
    State(state): State<AppState>,
    jar: CookieJar,
    Query(query): Query<LoginQuery>,
) -> Result<Response, AppError> {
    let Some(token) = &state.inner.token else {
        return Ok(Redirect::to("/").into_response());
    };
    if !same(&query.token, token) {
        return Err(AppError::Forbidden("that is not the app's token".into()));
    }
    let cookie = Cookie::build((TOKEN_COOKIE, token.clone()))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .build();
    Ok((jar.add(cookie), Redirect::to("/")).into_response())
}

/// An uploaded file: its name and bytes.
struct Upload {
    name: String,
    bytes: Bytes,
}

async fn import(
    State(state): State<AppState>,
    Extension(csrf): Extension<Csrf>,
    jar: CookieJar,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    let mut fields: HashMap<String, String> = HashMap::new();
    let mut files: HashMap<String, Upload> = HashMap::new();
    let bad_upload = |e: axum::extract::multipart::MultipartError| {
        AppError::BadInput(
            "The upload did not arrive whole".into(),
            vec![e.to_string()],
        )
    };
    while let Some(field) = multipart.next_field().await.map_err(bad_upload)? {
        let name = field.name().unwrap_or_default().to_string();
        match field.file_name().map(str::to_string) {
            Some(file_name) => {
                let bytes = field.bytes().await.map_err(bad_upload)?;
                // A file box left empty comes as a part without a name or bytes; an
                // empty file chosen has its name, and is read (and refused as empty).
                if !bytes.is_empty() || !file_name.is_empty() {
                    files.insert(
                        name,
                        Upload {
                            name: file_name,
                            bytes,
                        },
                    );
                }
            }
            None => {
                let text = field.text().await.map_err(bad_upload)?;
                fields.insert(name, text);
            }
        }
    }
    let field = |name: &str| fields.get(name).map(String::as_str).unwrap_or_default();
    check_csrf(&csrf, field("csrf"))?;
    match import_files(&state, &fields, files).await {
        Ok((id, by)) => Ok(done(jar, &by, &format!("/weeks/{id}"))),
        // Refused: the form again, with what was wrong above it and what was typed kept.
        Err(refusal @ (AppError::BadInput(..) | AppError::Conflict(..))) => {
            refused_import(&state, &csrf, &fields, refusal).await
        }
        Err(other) => Err(other),
    }
}

/// The import page again after a refusal, with its status, what was wrong and the
/// form's typed values.
async fn refused_import(
    state: &AppState,
    csrf: &Csrf,
    fields: &HashMap<String, String>,
    refusal: AppError,
) -> Result<Response, AppError> {
    let (status, title, lines) = refusal.parts();
    let field = |name: &str| fields.get(name).map_or("", |v| v.trim()).to_string();
    let refused = pages::RefusedImport {
        title,
        lines,
        week: field("week"),
        by: field("by"),
        anyway: field("anyway") == "yes",
        no_policy: field("no_policy") == "yes",
    };
    let page = home_page(state, csrf, "", Some(&refused)).await?;
    Ok((status, page).into_response())
}

/// Checks the import's files in full and stores them, or stores nothing: the import's
/// id and who made it, or why not.
async fn import_files(
    state: &AppState,
    fields: &HashMap<String, String>,
    mut files: HashMap<String, Upload>,
) -> Result<(i64, String), AppError> {
    let field = |name: &str| fields.get(name).map(String::as_str).unwrap_or_default();
    let by = initials(field("by"))?;
    // Stored as the Monday itself (`2015-11-9` is 2015-11-09), so that weeks compare in
    // order; a date that is not a Monday is refused below with the reason.
    let week = caseload_model::PlanningWeek::parse(field("week")).map_or_else(
        |_| field("week").trim().to_string(),
        |w| w.monday().to_string(),
    );
    // A mistyped year (2999 for 2015) accepted would leave no later Monday to import:
    // weeks are accepted in order.
    if let Ok(monday) = chrono::NaiveDate::parse_from_str(&week, "%Y-%m-%d") {
        let today = chrono::Utc::now().date_naive();
        if monday > today + chrono::Duration::days(366) {
            return Err(AppError::BadInput(
                "Nothing was imported: check the year".into(),
                vec![format!(
                    "The week of {monday} is more than a year after today ({today}); weeks are accepted in order, so a Monday that far ahead would leave none to import after it."
                )],
            ));
        }
    }
    let anyway = field("anyway") == "yes";
    let no_policy = field("no_policy") == "yes";
    let db = state.db().clone();
    let previous = blocking(move || Ok(db.latest_import()?)).await?;
    let supporters = match (files.remove("supporters"), &previous) {
        (Some(upload), _) => (upload.name, upload.bytes.to_vec(), None),
        (None, Some(previous)) => (
            previous.files.supporters_name.clone(),
            previous.files.supporters.clone(),
            Some(previous.files.week.clone()),
        ),
        (None, None) => {
            return Err(AppError::BadInput(
                "The import needs both files".into(),
                vec![
                    "Choose the supporters file (there is no earlier week to take it from).".into(),
                ],
            ))
        }
    };
    let Some(referrals) = files.remove("referrals") else {
        return Err(AppError::BadInput(
            "The import needs the register".into(),
            vec!["Choose the referrals file (the register of families).".into()],
        ));
    };
    // The policy, and the Monday it was kept from when it was not uploaded.
    let (policy, policy_kept_from) = match files.remove("policy") {
        // Kept from the latest import, as the supporters file is, unless the coordinator
        // says the service has none now: a policy dropped in silence changes the rules.
        None if no_policy => (None, None),
        None => match &previous {
            Some(p) if p.files.policy.is_some() => {
                (p.files.policy.clone(), Some(p.files.week.clone()))
            }
            _ => (None, None),
        },
        // An empty policy file would run the week on the default rules while the
        // page names a policy uploaded.
        Some(upload) if upload.bytes.trim_ascii().is_empty() => {
            return Err(AppError::BadInput(
                "The policy file is empty".into(),
                vec![format!(
                    "{} has nothing in it: choose the policy file again, or leave its box empty.",
                    upload.name
                )],
            ))
        }
        Some(upload) => (
            Some((
                upload.name,
                String::from_utf8(upload.bytes.to_vec()).map_err(|_| {
                    AppError::BadInput(
                        "The policy cannot be read".into(),
                        vec!["The policy file is not UTF-8 text.".into()],
                    )
                })?,
            )),
            None,
        ),
    };
    let new = NewImport {
        week,
        supporters_name: supporters.0,
        supporters: supporters.1,
        referrals_name: referrals.name,
        referrals: referrals.bytes.to_vec(),
        policy,
        imported_by: by.clone(),
        imported_anyway: anyway,
        supporters_kept_from: supporters.2,
        policy_kept_from,
    };
    let db = state.db().clone();
    let id = blocking(move || {
        // Checked in full before anything is stored.
        let loaded = Loaded::of(&new).map_err(|err| {
            AppError::BadInput(
                "Nothing was imported".into(),
                err.to_string().lines().map(str::to_string).collect(),
            )
        })?;
        if !anyway {
            let last = db.accepted_before(&new.week)?;
            carries_last_week(&db, last.as_ref(), &loaded, "Nothing was imported")?;
        }
        Ok(db.add_import(&new)?)
    })
    .await?;
    Ok((id, by))
}

/// A register imported must carry the plan accepted for the Monday before it (`last`:
/// that week's import id and Monday, [`Db::accepted_before`]): the original register
/// imported again would silently undo that week's changes (the families would wait
/// again, or go back to whom a decision took them from). A refusal, if not, whose
/// title begins with `nothing` ("Nothing was imported", "Nothing was accepted") and
/// whose lines say what to do.
fn carries_last_week(
    db: &Db,
    last: Option<&(i64, String)>,
    loaded: &Loaded,
    nothing: &str,
) -> Result<(), AppError> {
    let Some((id, monday)) = last else {
        return Ok(());
    };
    let Some((accepted, left)) = accepted_register(db, *id)? else {
        return Ok(());
    };
    let missing = crate::week::not_carried(
        &accepted.assignments_csv,
        &accepted.waiting_csv,
        &left,
        &loaded.caseload,
    )?;
    if missing.is_empty() {
        return Ok(());
    }
    let shown: Vec<String> = missing.iter().take(5).map(ToString::to_string).collect();
    let more = missing.len().saturating_sub(shown.len());
    let mut lines = vec![
        format!(
            "This register does not carry the plan accepted for the week of {monday}: {} that week left with a supporter, or moved, {} ({}{}).",
            caseload_report::words::count(missing.len(), "family", "families"),
            if missing.len() == 1 { "is not as that week left it" } else { "are not as that week left them" },
            shown.join(", "),
            if more > 0 { format!(", and {more} more") } else { String::new() }
        ),
        format!(
            "Import the register accepted for the week of {monday} (register.csv under Files on that week's page), with this week's new referrals added."
        ),
    ];
    if nothing.starts_with("Nothing was imported") {
        lines.push(
            "If the register was changed on purpose, import it again with \"Import anyway\" ticked.".into(),
        );
    } else {
        // A draft already stored, made before that week was accepted: ticking "Import
        // anyway" would undo that week, so that is not offered. Its decisions stay with it.
        lines.push(
            "This draft's decisions stay with it: make them again on the new import, and discard this draft (below its Accept button) with the reason.".into(),
        );
    }
    Err(AppError::BadInput(
        format!("{nothing}: the plan accepted for the week of {monday} is not in this register"),
        lines,
    ))
}

/// The register accepted week `id` wrote, read with the supporters it was planned
/// with, and its record; `None` if the week is not accepted.
fn accepted_register(
    db: &Db,
    id: i64,
) -> Result<Option<(crate::db::Accepted, caseload_model::Caseload)>, AppError> {
    let Some(accepted) = db.accepted(id)? else {
        return Ok(None);
    };
    let before = db.import(id)?;
    let left = caseload_model::Caseload::from_bytes(
        std::path::Path::new(&before.files.supporters_name),
        &before.files.supporters,
        std::path::Path::new("register.csv"),
        &accepted.register,
    )
    .map_err(|e| {
        AppError::Internal(format!(
            "the register accepted for the week of {}: {e}",
            before.files.week
        ))
    })?;
    Ok(Some((accepted, left)))
}

async fn week_page(
    State(state): State<AppState>,
    Extension(csrf): Extension<Csrf>,
    jar: CookieJar,
    Path(id): Path<i64>,
) -> Result<Markup, AppError> {
    let mut now = state.week(id).await?;
    now.handwork = state.handwork(&now).await;
    Ok(pages::week(&now, &csrf.0, &remembered_by(&jar)))
}

async fn area_page(
    State(state): State<AppState>,
    Path((id, area)): Path<(i64, String)>,
) -> Result<Markup, AppError> {
    let now = state.week(id).await?;
    if !now.planned.plan.areas.iter().any(|a| a.area == area) {
        return Err(AppError::NotFound(format!(
            "no area {area} in the week's plan"
        )));
    }
    Ok(pages::area(&now, &area))
}

fn known_family(now: &WeekNow, referral: &str) -> Result<(), AppError> {
    if now
        .planned
        .loaded
        .caseload
        .referrals
        .iter()
        .any(|r| r.id == referral)
    {
        return Ok(());
    }
    Err(AppError::NotFound(format!(
        "no referral `{referral}` in this week's register{}",
        caseload_model::config::did_you_mean(
            referral,
            now.planned
                .loaded
                .caseload
                .referrals
                .iter()
                .map(|r| r.id.as_str())
        )
    )))
}

async fn family_page(
    State(state): State<AppState>,
    Extension(csrf): Extension<Csrf>,
    jar: CookieJar,
    Path((id, referral)): Path<(i64, String)>,
) -> Result<Response, AppError> {
    let now = state.week(id).await?;
    if let Err(AppError::NotFound(why)) = known_family(&now, &referral) {
        return Ok((
            StatusCode::NOT_FOUND,
            pages::no_family(&now, &referral, &why),
        )
            .into_response());
    }
    let planned = now.planned.clone();
    let explanation = explain(
        &planned.loaded.caseload,
        &planned.loaded.policy,
        &planned.plan,
        &referral,
    )
    .ok_or_else(|| AppError::NotFound(format!("no referral `{referral}`")))?;
    Ok(pages::family(&now, &explanation, &csrf.0, &remembered_by(&jar)).into_response())
}

async fn recommend_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((id, referral)): Path<(i64, String)>,
) -> Result<Markup, AppError> {
    let now = state.week(id).await?;
    known_family(&now, &referral)?;
    let planned = now.planned.clone();
    let family = referral.clone();
    let recommendation = blocking(move || {
        let options = planned.options()?;
        Ok(recommend(
            &planned.loaded.caseload,
            planned.loaded.week,
            &planned.loaded.policy,
            &options,
            &family,
        )
        .map_err(WeekError::from)?)
    })
    .await;
    // htmx asks for the fragment (and swaps only a 200 into the page, so a refusal
    // comes as a 200 fragment that says so); a browser without it gets the whole page.
    if headers.contains_key("hx-request") {
        return Ok(match &recommendation {
            Ok(r) => pages::recommendation_in_place(id, &referral, Ok(r)),
            Err(err) => pages::recommendation_in_place(id, &referral, Err(&err.lines())),
        });
    }
    let recommendation = recommendation?;
    let week = now.import.files.week.clone();
    Ok(pages::week_page(
        &format!("Who should take {referral}?"),
        &now,
        maud::html! {
            p { a href={ "/weeks/" (id) "/families/" (path_segment(&referral)) } { "← Family " (referral) } " · " a href={ "/weeks/" (id) } { "The week of " (week) } }
            h1 { "Who should take " (referral) "?" }
            (pages::recommendation(id, &recommendation))
        },
    ))
}

#[derive(Deserialize)]
struct FindQuery {
    referral: String,
}

async fn find_family(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(query): Query<FindQuery>,
) -> Response {
    let typed = query.referral.trim();
    // Ids are matched as typed; failing that, the one id equal but for case (`bh-r0004`
    // is `BH-R0004`); otherwise the family page says there is none, and the nearest.
    let referral = match state.week(id).await {
        Ok(now) => {
            let referrals = &now.planned.loaded.caseload.referrals;
            let same_but_case: Vec<&str> = referrals
                .iter()
                .map(|r| r.id.as_str())
                .filter(|r| r.eq_ignore_ascii_case(typed))
                .collect();
            match same_but_case.as_slice() {
                [only] if !referrals.iter().any(|r| r.id == typed) => (*only).to_string(),
                _ => typed.to_string(),
            }
        }
        Err(_) => typed.to_string(),
    };
    Redirect::to(&format!("/weeks/{id}/families/{}", path_segment(&referral))).into_response()
}

#[derive(Deserialize)]
struct DecisionForm {
    csrf: String,
    revision: i64,
    by: String,
    kind: String,
    referral_id: String,
    supporter_id: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    back: String,
}

async fn add_decision(
    State(state): State<AppState>,
    Extension(csrf): Extension<Csrf>,
    jar: CookieJar,
    Path(id): Path<i64>,
    Form(form): Form<DecisionForm>,
) -> Result<Response, AppError> {
    check_csrf(&csrf, &form.csrf)?;
    let by = initials(&form.by)?;
    if form.kind != "pin" && form.kind != "forbid" {
        return Err(AppError::BadInput(
            "Pin or forbid?".into(),
            vec![format!("`{}` is neither pin nor forbid", form.kind)],
        ));
    }
    let decision = NewDecision {
        kind: form.kind.clone(),
        referral_id: form.referral_id.trim().to_string(),
        supporter_id: form.supporter_id.trim().to_string(),
        note: form.note.trim().to_string(),
        made_by: by.clone(),
    };
    let now = state.week(id).await?;
    still_open(&now)?;
    unchanged(&now, form.revision)?;
    // The same decision twice (a retry after a double click's refusal) would count its
    // cost twice in the record.
    if let Some(same) = now.decisions.iter().find(|d| {
        d.withdrawn.is_none()
            && d.kind == decision.kind
            && d.referral_id == decision.referral_id
            && d.supporter_id == decision.supporter_id
    }) {
        return Err(AppError::BadInput(
            "Nothing was done: this decision is already in force".into(),
            vec![format!(
                "{} {} {} {} was decided by {} on {}; it is in force already.",
                if same.kind == "pin" {
                    "Pinning"
                } else {
                    "Forbidding"
                },
                same.referral_id,
                if same.kind == "pin" { "to" } else { "for" },
                same.supporter_id,
                same.made_by,
                crate::db::when(&same.made_at)
            )],
        ));
    }
    // The decision must hold with the others before it is stored.
    let mut trial = now.decisions.clone();
    trial.push(DecisionRow {
        id: 0,
        kind: decision.kind.clone(),
        referral_id: decision.referral_id.clone(),
        supporter_id: decision.supporter_id.clone(),
        note: decision.note.clone(),
        made_by: by.clone(),
        made_at: String::new(),
        withdrawn: None,
        withdrawn_note: String::new(),
    });
    let loaded = now.planned.loaded.clone();
    let planned = blocking(move || Ok(Arc::new(Planned::new(loaded, &trial)?))).await?;
    let db = state.db().clone();
    let revision = form.revision;
    blocking(move || Ok(db.add_decision(id, revision, &decision)?)).await?;
    state.cache((id, now.import.revision + 1), planned);
    Ok(done(jar, &by, &back_to(id, &form.back)))
}

/// An accepted week cannot change, nor can another import of its Monday: say by whom
/// and when it was accepted.
fn still_open(now: &WeekNow) -> Result<(), AppError> {
    if let Some(accepted) = &now.accepted {
        return Err(DbError::Conflict(crate::db::Conflict::Accepted {
            by: accepted.accepted_by.clone(),
            at: accepted.accepted_at.clone(),
        })
        .into());
    }
    if let Some(other) = &now.superseded {
        return Err(DbError::Conflict(crate::db::Conflict::MondayAccepted {
            week: now.import.files.week.clone(),
            by: other.by.clone(),
            at: other.at.clone(),
        })
        .into());
    }
    if let Some((by, at, _)) = &now.import.discarded {
        return Err(DbError::Conflict(crate::db::Conflict::Discarded {
            by: by.clone(),
            at: at.clone(),
        })
        .into());
    }
    Ok(())
}

/// A change made on the page of revision `seen` must find the week still there.
fn unchanged(now: &WeekNow, seen: i64) -> Result<(), AppError> {
    if now.import.revision == seen {
        return Ok(());
    }
    Err(DbError::Conflict(crate::db::Conflict::Changed {
        seen,
        now: now.import.revision,
    })
    .into())
}

/// Where a form returns: a page of the same week, else the week.
fn back_to(id: i64, back: &str) -> String {
    let week = format!("/weeks/{id}");
    let path_only = back
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"/-_.~%".contains(&b));
    if back.starts_with(&format!("{week}/")) && !back.contains("//") && path_only {
        back.to_string()
    } else {
        week
    }
}

#[derive(Deserialize)]
struct ChangeForm {
    csrf: String,
    revision: i64,
    by: String,
    #[serde(default)]
    back: String,
    /// The digest of the plan the page showed (accept only).
    #[serde(default)]
    plan: String,
    /// `yes` when the box "I have read this plan" was ticked (accept only).
    #[serde(default)]
    reviewed: String,
    /// `yes` when the box saying the other imports' decisions are set aside was ticked
    /// (accept only, and only asked when they hold any).
    #[serde(default)]
    set_aside: String,
    /// The ids of the decisions the other imports held on the page, comma-separated
    /// (accept only): accepting sets aside those, not others made since.
    #[serde(default)]
    aside: String,
    /// Why (withdraw: may be empty; discard: required).
    #[serde(default)]
    note: String,
}

async fn withdraw_decision(
    State(state): State<AppState>,
    Extension(csrf): Extension<Csrf>,
    jar: CookieJar,
    Path((id, decision)): Path<(i64, i64)>,
    Form(form): Form<ChangeForm>,
) -> Result<Response, AppError> {
    check_csrf(&csrf, &form.csrf)?;
    let by = initials(&form.by)?;
    let db = state.db().clone();
    let who = by.clone();
    let note = form.note.trim().to_string();
    blocking(move || Ok(db.withdraw_decision(id, decision, form.revision, &who, &note)?)).await?;
    Ok(done(jar, &by, &back_to(id, &form.back)))
}

async fn accept(
    State(state): State<AppState>,
    Extension(csrf): Extension<Csrf>,
    jar: CookieJar,
    Path(id): Path<i64>,
    Form(form): Form<ChangeForm>,
) -> Result<Response, AppError> {
    check_csrf(&csrf, &form.csrf)?;
    let by = initials(&form.by)?;
    let now = state.week(id).await?;
    still_open(&now)?;
    unchanged(&now, form.revision)?;
    let planned = now.planned.clone();
    // What is accepted is the plan the coordinator read: a plan solved again since (a
    // solver stopped by its time limit can find another) must be read again first.
    if planned.digest() != form.plan {
        return Err(AppError::Conflict(
            "Nothing was done: the plan has changed",
            "the plan is not the one your page showed (it was planned again since, and the solver found a different plan): nothing was done; reload the week, read it, and accept again".into(),
        ));
    }
    // The box is required in the page; a form posted without it (another client, an
    // old page) is refused here too.
    if form.reviewed != "yes" {
        return Err(AppError::BadInput(
            "Nothing was done: the plan was not marked as read".into(),
            vec!["Tick \"I have read this plan and the decisions in force\" above the Accept button, then accept.".into()],
        ));
    }
    // Likewise the box that says the other imports' decisions are set aside, when they
    // hold any (one made since the page was loaded has no box on it: refused).
    let aside = now.siblings_decisions();
    if aside > 0 && form.set_aside != "yes" {
        return Err(AppError::BadInput(
            "Nothing was done: another import of this Monday holds decisions".into(),
            vec![format!(
                "Accepting this import sets aside {} made on another import of the week of {}; tick the box that says so above the Accept button (reload the week if it is not there), or make them on this import first.",
                caseload_report::words::count(aside, "decision", "decisions"),
                now.import.files.week
            )],
        ));
    }
    let db = state.db().clone();
    let who = by.clone();
    let week = now.import.files.week.clone();
    let against = now.import.checked_against;
    let decisions = now.decisions.clone();
    // The record keeps what the register changed by hand, as the page said it.
    let notes = state
        .handwork(&now)
        .await
        .map(|h| h.sentences())
        .unwrap_or_default();
    blocking(move || {
        // Checked at import (or taken as it is, "Import anyway"), against the week then
        // accepted before it; checked again if another week before it was accepted
        // since (this draft imported from an older register): accepting it would undo
        // that week's plan.
        let last = db.accepted_before(&week)?;
        let before = last.as_ref().map(|(id, _)| *id);
        if before != against {
            carries_last_week(&db, last.as_ref(), &planned.loaded, "Nothing was accepted")?;
        }
        let record = planned.record(form.revision, &who, &decisions, notes)?;
        // The store checks the revision again inside the transaction: of two tabs
        // accepting at once, one wins and the other gets the conflict.
        let aside: Vec<i64> = form
            .aside
            .split(',')
            .filter_map(|id| id.trim().parse().ok())
            .collect();
        Ok(db.accept(id, form.revision, &record, before, &aside)?)
    })
    .await?;
    Ok(done(jar, &by, &format!("/weeks/{id}")))
}

/// Sets an open draft aside, with the reason (required: the record says why).
async fn discard(
    State(state): State<AppState>,
    Extension(csrf): Extension<Csrf>,
    jar: CookieJar,
    Path(id): Path<i64>,
    Form(form): Form<ChangeForm>,
) -> Result<Response, AppError> {
    check_csrf(&csrf, &form.csrf)?;
    let by = initials(&form.by)?;
    // Accepted, superseded or discarded already: said as the other changes say it.
    still_open(&state.week(id).await?)?;
    let note = form.note.trim().to_string();
    if note.is_empty() {
        return Err(AppError::BadInput(
            "Nothing was done: a draft is discarded with the reason".into(),
            vec!["Say why the draft is set aside (a mistyped Monday, a trial import...), then discard it.".into()],
        ));
    }
    let db = state.db().clone();
    let who = by.clone();
    blocking(move || Ok(db.discard(id, form.revision, &who, &note)?)).await?;
    Ok(done(jar, &by, &format!("/weeks/{id}")))
}

/// The files of a week: while open, the tables as planned now; once accepted, those
/// recorded, and the register carried forward.
async fn download(
    State(state): State<AppState>,
    Path((id, name)): Path<(i64, String)>,
) -> Result<Response, AppError> {
    let now = state.week(id).await?;
    // The policy the week was planned with, as imported (or carried from the week
    // before): the rules in force, readable.
    if name == "policy.toml" {
        let Some((_, text)) = &now.import.files.policy else {
            return Err(AppError::NotFound(
                "this week has no policy file: it was planned with the default policy".into(),
            ));
        };
        let disposition = format!(
            "attachment; filename=\"week-{}-policy.toml\"",
            now.import.files.week
        );
        return Ok((
            [
                (
                    header::CONTENT_TYPE,
                    "text/plain; charset=utf-8".to_string(),
                ),
                (header::CONTENT_DISPOSITION, disposition),
            ],
            text.clone(),
        )
            .into_response());
    }
    // The two files as imported (or carried from the week before), byte for byte:
    // what the week was planned from.
    let imported = match name.as_str() {
        "imported-supporters.csv" => Some(now.import.files.supporters.clone()),
        "imported-referrals.csv" => Some(now.import.files.referrals.clone()),
        _ => None,
    };
    let bytes = match (&now.accepted, imported) {
        (_, Some(bytes)) => bytes,
        (Some(a), None) => match name.as_str() {
            "register.csv" => a.register.clone(),
            "decisions.csv" => a.decisions_csv.clone(),
            "assignments.csv" => a.assignments_csv.clone(),
            "waiting.csv" => a.waiting_csv.clone(),
            "supporters.csv" => a.supporters_csv.clone(),
            "districts.csv" => a.districts_csv.clone(),
            _ => return Err(AppError::NotFound(format!("no file {name}"))),
        },
        (None, None) => {
            let plan = &now.planned.plan;
            let table = |t: Result<String, caseload_report::tables::TableError>| {
                t.map(String::into_bytes)
                    .map_err(|e| AppError::Internal(e.to_string()))
            };
            match name.as_str() {
                "register.csv" => {
                    return Err(AppError::NotFound(
                        "next week's register is written when the week is accepted: accept the week first".into(),
                    ))
                }
                "decisions.csv" => now.planned.decisions_csv.clone(),
                "assignments.csv" => table(caseload_report::tables::assignments_csv(plan))?,
                "waiting.csv" => table(caseload_report::tables::waiting_csv(plan))?,
                "supporters.csv" => table(caseload_report::tables::supporters_csv(plan))?,
                "districts.csv" => table(caseload_report::tables::districts_csv(plan))?,
                _ => return Err(AppError::NotFound(format!("no file {name}"))),
            }
        }
    };
    // Next week's register is named for the Monday it is the input of.
    let saved = match chrono::NaiveDate::parse_from_str(&now.import.files.week, "%Y-%m-%d") {
        Ok(monday) if name == "register.csv" => {
            format!(
                "register-for-week-of-{}.csv",
                monday + chrono::Duration::days(7)
            )
        }
        _ => format!("week-{}-{name}", now.import.files.week),
    };
    let disposition = format!("attachment; filename=\"{saved}\"");
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}

/// The printable report: recorded once accepted, as planned now before.
async fn report(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Response, AppError> {
    let now = state.week(id).await?;
    let html = match &now.accepted {
        Some(a) => a.report_html.clone(),
        // Printed before acceptance, or from an import another one superseded, the
        // report says it is not the week's record.
        None => caseload_report::render(
            &now.planned.loaded.caseload,
            &now.planned.plan,
            &caseload_report::ReportOptions {
                accepted: Some(match (&now.import.discarded, &now.superseded) {
                    (Some((by, at, note)), _) => format!(
                        "Not the week's record: a draft discarded by {by} on {} ({note}).",
                        crate::db::when(at)
                    ),
                    (None, Some(other)) => format!(
                        "Not the week's record: another import of this Monday was accepted by {} on {}.",
                        other.by,
                        crate::db::when(&other.at)
                    ),
                    (None, None) => "This week is not yet accepted: the plan may still change, and only the accepted report is the week's record.".to_string(),
                }),
                draft: true,
                register_notes: state
                    .handwork(&now)
                    .await
                    .map(|h| h.sentences())
                    .unwrap_or_default(),
                decision_log: crate::week::decision_log(&now.decisions),
                policy: now.planned.loaded.policy.clone(),
                ..caseload_report::ReportOptions::default()
            },
        )
        .into_bytes(),
    };
    Ok((
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            // The report is one self-contained file with its own <style>.
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
            ),
        ],
        html,
    )
        .into_response())
}

async fn htmx() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=86400"),
        ],
        include_str!("../assets/htmx.min.js"),
    )
        .into_response()
}

async fn css() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        [caseload_report::STYLE, include_str!("../assets/app.css")].concat(),
    )
        .into_response()
}
