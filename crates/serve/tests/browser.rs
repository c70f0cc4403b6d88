//! Monday to Monday in a real browser: Debian's chromium, headless, driven through
//! chromedriver (WebDriver) by fantoccini. Import, the plan, an area, a family's
//! explanation, "who should take this family?" (htmx), a pin with a note, accept, next
//! week's import with new referrals, and the history. Every page is photographed into
//! `target/tmp/serve-screenshots/` (look at them).
//!
//! Needs `chromium` and `chromedriver` (`.ci/setup` installs Debian's `chromium` and
//! `chromium-driver`); nothing downloads a browser.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use caseload_serve::db::Db;
use caseload_serve::{router, AppState};
use fantoccini::wd::Capabilities;
use fantoccini::{Client, ClientBuilder, Locator};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/provider-week")
        .join(name)
        .canonicalize()
        .unwrap()
}

/// chromedriver on a free loopback port; stopped when dropped.
struct Driver(Child, u16);

impl Driver {
    fn start() -> Driver {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver runs (.ci/setup installs Debian's chromium-driver)");
        Driver(child, port)
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn browser(driver: &Driver, profile: &Path) -> Client {
    let mut capabilities = Capabilities::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
                "--window-size=1280,1400",
                format!("--user-data-dir={}", profile.display()),
            ],
        }),
    );
    let url = format!("http://127.0.0.1:{}", driver.1);
    // chromedriver takes a moment to listen.
    for _ in 0..100 {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        if let Ok(client) = ClientBuilder::new(connector)
            .capabilities(capabilities.clone())
            .connect(&url)
            .await
        {
            return client;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not start a session");
}

/// The screenshots' folder, emptied.
fn shots() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("serve-screenshots");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn shot(client: &Client, dir: &Path, name: &str) {
    let png = client.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"), "{name} is a PNG");
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
}

async fn text(client: &Client, css: &str) -> String {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .unwrap()
}

/// The value a form field holds now (its `value` property, not the attribute).
async fn value(client: &Client, css: &str) -> Option<String> {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .prop("value")
        .await
        .unwrap()
}

async fn fill(client: &Client, css: &str, value: &str) {
    let field = client.find(Locator::Css(css)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(value).await.unwrap();
}

/// Sets a date input (typing into one depends on the browser's locale).
async fn set_value(client: &Client, css: &str, value: &str) {
    client
        .execute(
            "document.querySelector(arguments[0]).value = arguments[1];",
            vec![css.into(), value.into()],
        )
        .await
        .unwrap();
}

async fn click(client: &Client, css: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap();
}

/// Submits a form by its button and waits for the next page: until the button is gone
/// with the page it was on.
async fn submit(client: &Client, css: &str) {
    let button = client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"));
    button.click().await.unwrap();
    for _ in 0..600 {
        if button.tag_name().await.is_err() {
            // The new page may still be loading: wait for its body.
            client
                .wait()
                .at_most(Duration::from_secs(60))
                .for_element(Locator::Css("body main"))
                .await
                .unwrap();
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{css}: no new page after 30 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn monday_to_monday_in_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&dir.path().join("week.sqlite")).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = router(AppState::new(db.clone(), None));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let driver = Driver::start();
    let client = browser(&driver, &dir.path().join("profile")).await;
    let shots = shots();

    // Monday: import the week.
    client.goto(&format!("{base}/")).await.unwrap();
    assert_eq!(text(&client, "h1").await, "The coordinator's weeks");
    set_value(&client, "input[name=week]", "2015-11-02").await;
    let referrals = fixture("referrals.csv");
    let supporters = fixture("supporters.csv");
    fill(
        &client,
        "input[name=referrals]",
        referrals.to_str().unwrap(),
    )
    .await;
    fill(
        &client,
        "input[name=supporters]",
        supporters.to_str().unwrap(),
    )
    .await;
    fill(&client, "section.import input[name=by]", "AB").await;
    shot(&client, &shots, "01-import").await;
    submit(&client, "section.import button[type=submit]").await;

    // The plan.
    // The page's one top heading first, then the plan's title under it.
    assert_eq!(text(&client, "h1").await, "Week of Monday 2015-11-02");
    let heading = text(&client, "header h2.title").await;
    assert_eq!(heading, "Allocation for the week of Monday 2015-11-02");
    assert!(text(&client, "p.banner").await.starts_with("Open"));
    shot(&client, &shots, "02-week").await;
    let week_url = client.current_url().await.unwrap().to_string();
    let id: i64 = week_url.rsplit('/').next().unwrap().parse().unwrap();

    // An area.
    client
        .goto(&format!("{base}/weeks/{id}/areas/E06000043"))
        .await
        .unwrap();
    assert!(text(&client, "section.area h2")
        .await
        .contains("Brighton and Hove"));
    shot(&client, &shots, "03-area").await;

    // A waiting family, by the find form: why it waits.
    let first_waiting = client
        .find(Locator::Css("table.waiting th.id a"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    fill(&client, "form.find input[name=referral]", &first_waiting).await;
    submit(&client, "form.find button").await;
    assert_eq!(
        text(&client, "h1").await,
        format!("Family {first_waiting}, week of Monday 2015-11-02")
    );
    shot(&client, &shots, "04-family").await;

    // Who should take it? htmx fills the panel in place.
    let mut family = first_waiting.clone();
    let mut best = None;
    let rows = client
        .find_all(Locator::Css(
            "table.verdicts tbody tr:not(.ineligible) th.id",
        ))
        .await
        .unwrap();
    if rows.is_empty() {
        // This family has no eligible supporter; take the area's first family that has.
        client
            .goto(&format!("{base}/weeks/{id}/areas/E06000043"))
            .await
            .unwrap();
        let ids: Vec<String> = {
            let mut ids = Vec::new();
            for link in client
                .find_all(Locator::Css("table.waiting th.id a"))
                .await
                .unwrap()
            {
                ids.push(link.text().await.unwrap());
            }
            ids
        };
        for candidate in ids {
            client
                .goto(&format!("{base}/weeks/{id}/families/{candidate}"))
                .await
                .unwrap();
            let eligible = client
                .find_all(Locator::Css("table.verdicts tbody tr:not(.ineligible)"))
                .await
                .unwrap();
            if !eligible.is_empty() {
                family = candidate;
                break;
            }
        }
    }
    click(&client, "section.recommend form.rank button").await;
    let table = client
        .wait()
        .at_most(Duration::from_secs(60))
        .for_element(Locator::Css(
            "#recommendation table.candidates, #recommendation p",
        ))
        .await
        .unwrap();
    assert!(!table.text().await.unwrap().is_empty());
    assert!(
        client
            .current_url()
            .await
            .unwrap()
            .path()
            .ends_with(&family),
        "htmx kept the page"
    );
    // The ranking's heading has the focus, and the status region says in a sentence
    // what came (what a screen reader reads out).
    let focused = client.active_element().await.unwrap();
    assert!(
        focused
            .text()
            .await
            .unwrap()
            .starts_with("Supporters ranked for "),
        "{}",
        focused.html(false).await.unwrap()
    );
    let status = client
        .find(Locator::Css("#recommend-status"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(status.contains(&family), "{status}");
    if let Ok(cell) = client
        .find(Locator::Css("#recommendation table.candidates tbody th.id"))
        .await
    {
        best = Some(cell.text().await.unwrap());
    }
    shot(&client, &shots, "05-recommend").await;

    // Pin it, with a note.
    let best = best.expect("some family of the area has a candidate supporter");
    client
        .find(Locator::Css("form.decide select[name=supporter_id]"))
        .await
        .unwrap()
        .select_by_value(&best)
        .await
        .unwrap();
    fill(
        &client,
        "form.decide input[name=note]",
        "the family asked for her",
    )
    .await;
    fill(&client, "form.decide input[name=by]", "AB").await;
    submit(&client, "form.decide button[value=pin]").await;
    let decisions = text(&client, "section.decisions-panel table").await;
    assert!(decisions.contains(&family) && decisions.contains("the family asked for her"));
    assert!(text(&client, "p.lead.outcome").await.contains(&best));
    shot(&client, &shots, "06-pinned").await;

    // Accept the week.
    client.goto(&week_url).await.unwrap();
    click(&client, "section.accept input[name=reviewed]").await;
    fill(&client, "section.accept input[name=by]", "CD").await;
    submit(&client, "section.accept button").await;
    assert!(text(&client, "p.banner")
        .await
        .starts_with("Accepted by CD"));
    shot(&client, &shots, "07-accepted").await;
    let accepted = db.accepted(id).unwrap().expect("accepted");
    assert_eq!(accepted.decisions, 1);

    // Next Monday: the register carried forward, two new referrals, the same supporters.
    let mut register = String::from_utf8(accepted.register).unwrap();
    register.push_str("NEW-1,E06000043,BN1,2015-11-06,self,true,new,2015-11-06,5,low,2,,,,,\n");
    register.push_str("NEW-2,E06000043,BN2,2015-11-06,self,true,new,2015-11-06,3,low,2,,,,,\n");
    let next = dir.path().join("referrals.csv");
    std::fs::write(&next, register).unwrap();
    client.goto(&format!("{base}/")).await.unwrap();
    let proposed = value(&client, "input[name=week]").await;
    assert_eq!(
        proposed.as_deref(),
        Some("2015-11-09"),
        "the next Monday is proposed"
    );
    fill(&client, "input[name=referrals]", next.to_str().unwrap()).await;
    submit(&client, "section.import button[type=submit]").await;
    assert_eq!(
        text(&client, "header h2.title").await,
        "Allocation for the week of Monday 2015-11-09"
    );
    shot(&client, &shots, "08-next-week").await;
    let next_id = id + 1;
    client
        .goto(&format!("{base}/weeks/{next_id}/families/NEW-1"))
        .await
        .unwrap();
    assert_eq!(
        text(&client, "h1").await,
        "Family NEW-1, week of Monday 2015-11-09"
    );

    // The history.
    client.goto(&format!("{base}/history")).await.unwrap();
    let history = text(&client, "table.history").await;
    assert!(history.contains("2015-11-02") && history.contains("CD"));
    shot(&client, &shots, "09-history").await;

    // A bad import: located errors, nothing stored.
    client.goto(&format!("{base}/")).await.unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "referral_id,area,received\nR1,E06000043,not a date\n").unwrap();
    fill(&client, "input[name=referrals]", bad.to_str().unwrap()).await;
    set_value(&client, "input[name=week]", "2015-11-23").await;
    submit(&client, "section.import button[type=submit]").await;
    // The form comes back with the problems above it and the Monday as typed.
    let problem = text(&client, "#import-problem").await;
    assert!(problem.contains("Nothing was imported"), "{problem}");
    assert!(
        problem.contains("bad.csv, line 1, column 4: required column source is missing"),
        "{problem}"
    );
    let week = value(&client, "section.import input[name=week]").await;
    assert_eq!(
        week.as_deref(),
        Some("2015-11-23"),
        "the Monday typed is kept"
    );
    // The problem has the focus, for a keyboard or a screen reader to start from.
    let focused = client.active_element().await.unwrap();
    assert_eq!(focused.text().await.unwrap(), "Nothing was imported");
    shot(&client, &shots, "10-bad-import").await;
    assert_eq!(db.weeks().unwrap().len(), 2);
    assert_eq!(db.integrity_check().unwrap(), "ok");

    client.close().await.unwrap();
}
