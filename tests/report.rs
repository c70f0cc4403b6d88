//! The Monday report, rendered by a real browser (Debian's chromium, headless): its
//! DOM holds every waiting family and every new assignment, and its screenshot and its
//! PDF pages are not blank.

use std::path::Path;
use std::process::Command;

use crate::util::{allocate, json, scratch, stderr};

/// Runs headless chromium on `page` with `action` (`--dump-dom`, `--screenshot=..`,
/// `--print-to-pdf=..`); its own profile folder, and no background networking.
fn chromium(page: &Path, action: &str, profile: &Path) -> std::process::Output {
    Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--window-size=1200,1600",
            "--no-pdf-header-footer",
            &format!("--user-data-dir={}", profile.display()),
            action,
            &format!("file://{}", page.display()),
        ])
        .output()
        .expect("chromium runs (.ci/setup installs Debian's chromium)")
}

/// Share of pixels that differ from the top-left pixel: 0 for a blank image.
fn inked_share(png_file: &Path) -> f64 {
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(png_file).unwrap(),
    ));
    let mut reader = decoder.read_info().unwrap();
    let mut buffer = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buffer).unwrap();
    let bytes = &buffer[..info.buffer_size()];
    let step = info.color_type.samples();
    let background = &bytes[..step];
    let pixels = bytes.len() / step;
    let inked = bytes
        .chunks_exact(step)
        .filter(|pixel| *pixel != background)
        .count();
    inked as f64 / pixels as f64
}

#[test]
fn issue_8_the_report_renders_in_a_browser_with_every_family() {
    let dir = scratch("report");
    let report = dir.join("monday.html");
    // With the meeting's decisions, so the report shows them too.
    let plan = json(&allocate(
        "provider-week",
        &[
            "--format",
            "json",
            "--report",
            report.to_str().unwrap(),
            "--pin",
            "BH-R0071=BH-S01",
            "--forbid",
            "BH-R0004=BH-S10",
        ],
    ));

    let dom = chromium(&report, "--dump-dom", &dir.join("profile-dom"));
    assert!(dom.status.success(), "{}", stderr(&dom));
    let dom = String::from_utf8(dom.stdout).unwrap();
    assert!(dom.contains("<h2>Decisions taken</h2>"));
    for taken in plan["decisions"]["taken"].as_array().unwrap() {
        assert!(dom.contains(taken["effect"].as_str().unwrap()), "{taken}");
    }
    // This week's district shares, and the district served least.
    assert!(dom.contains("The district served least this week has "));
    assert!(dom.contains("Could be taken"));
    for d in plan["equity"]["districts"].as_array().unwrap() {
        let share = (100.0 * d["share"].as_f64().unwrap()).round();
        assert!(
            dom.contains(&format!("{} ({share}%)", d["served"])),
            "{d} is not in the DOM"
        );
    }
    let waiting = plan["waiting"].as_array().unwrap();
    let new: Vec<&serde_json::Value> = plan["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["open_case"] == false)
        .collect();
    assert!(!waiting.is_empty() && !new.is_empty());
    for w in waiting {
        let id = w["referral_id"].as_str().unwrap();
        assert!(
            dom.contains(&format!("<th class=\"id\" scope=\"row\">{id}")),
            "{id} waits but is not in the DOM"
        );
    }
    for a in &new {
        let id = a["referral_id"].as_str().unwrap();
        assert!(
            dom.contains(&format!("<span class=\"assigned\">{id}</span>")),
            "{id} was assigned but is not in the DOM"
        );
    }

    let screenshot = dir.join("monday.png");
    let shot = chromium(
        &report,
        &format!("--screenshot={}", screenshot.display()),
        &dir.join("profile-png"),
    );
    assert!(shot.status.success(), "{}", stderr(&shot));
    let inked = inked_share(&screenshot);
    assert!(inked > 0.02, "the screenshot is blank ({inked})");

    let pdf = dir.join("monday.pdf");
    let printed = chromium(
        &report,
        &format!("--print-to-pdf={}", pdf.display()),
        &dir.join("profile-pdf"),
    );
    assert!(printed.status.success(), "{}", stderr(&printed));
    let pages = Command::new("pdftoppm")
        .args(["-r", "30", "-png"])
        .arg(&pdf)
        .arg(dir.join("page"))
        .output()
        .expect("pdftoppm runs (.ci/setup installs poppler-utils)");
    assert!(pages.status.success(), "{}", stderr(&pages));
    let mut page_files: Vec<_> = std::fs::read_dir(&*dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("page"))
        .collect();
    page_files.sort();
    // A4 pages: the summary, then the area's plan on a page of its own.
    assert!(page_files.len() >= 2, "{page_files:?}");
    for page in &page_files {
        let inked = inked_share(page);
        assert!(inked > 0.005, "{} is blank ({inked})", page.display());
    }
}

/// The text of each page of `pdf`, page by page, without blank lines and without the
/// running header and the page-number footer.
fn pages_text(pdf: &Path) -> Vec<Vec<String>> {
    let mut pages = Vec::new();
    for page in 1.. {
        let text = Command::new("pdftotext")
            .args(["-f", &page.to_string(), "-l", &page.to_string(), "-layout"])
            .arg(pdf)
            .arg("-")
            .output()
            .expect("pdftotext runs (.ci/setup installs poppler-utils)");
        if !text.status.success() {
            break;
        }
        let lines: Vec<String> = String::from_utf8_lossy(&text.stdout)
            .lines()
            .map(str::trim)
            .filter(|l| {
                !l.is_empty()
                    && !l.starts_with("page ")
                    && !l.starts_with("Allocation for the week")
            })
            .map(str::to_string)
            .collect();
        pages.push(lines);
    }
    pages
}

/// The report `html` with the supporters' table's last `fewer` rows left out and a blank
/// block of `pixels` after the table (the waiting list comes next), printed by chromium
/// with `profile`: its pages' text.
fn printed_with(
    html: &str,
    fewer: usize,
    pixels: u32,
    dir: &Path,
    profile: &Path,
) -> Vec<Vec<String>> {
    let table = html
        .find("<table class=\"supporters\">")
        .expect("the area has supporters");
    let body = table + html[table..].find("<tbody>").unwrap();
    let end = table + html[table..].find("</tbody>").unwrap();
    let rows: Vec<usize> = html[body..end]
        .match_indices("<tr")
        .map(|(at, _)| body + at)
        .collect();
    assert!(fewer < rows.len(), "{} rows", rows.len());
    let cut = rows[rows.len() - fewer..].first().copied().unwrap_or(end);
    let after = table + html[table..].find("</table></div>").unwrap() + "</table></div>".len();
    let moved = format!(
        "{}{}<div style=\"height: {pixels}px\"></div>{}",
        &html[..cut],
        &html[end..after],
        &html[after..]
    );
    let name = format!("fewer-{fewer}-{pixels}");
    let page = dir.join(format!("{name}.html"));
    std::fs::write(&page, moved).unwrap();
    let pdf = dir.join(format!("{name}.pdf"));
    let printed = chromium(&page, &format!("--print-to-pdf={}", pdf.display()), profile);
    assert!(printed.status.success(), "{}", stderr(&printed));
    pages_text(&pdf)
}

/// The first page from `from` on with a line that starts with `start`, counted from 0.
fn page_from(pages: &[Vec<String>], from: usize, start: &str) -> Option<usize> {
    (from..pages.len()).find(|&p| pages[p].iter().any(|l| l.starts_with(start)))
}

/// Printed, each table's lead-in stays with it wherever the page's foot falls: the
/// waiting list's heading (and the rule under it) is on the page of the list's first
/// row, and the key to the load bars on the page of the supporters' first row. The
/// foot is moved over a grid: 0 to 3 of the supporters' last rows left out, and a blank
/// block of 0 to 60 px after their table, in steps of 4 px (narrower than a row);
/// within the grid the waiting list both starts on the area's page and is carried to
/// the next one, so the foot crosses it. Chromium keeps a heading with the next block,
/// but used to leave the heading and the rule at a page's foot, the table on the next.
#[test]
fn issue_8_a_printed_heading_stays_with_its_table() {
    let dir = scratch("report-print");
    let report = dir.join("monday.html");
    let plan = json(&allocate(
        "provider-week",
        &["--format", "json", "--report", report.to_str().unwrap()],
    ));
    let html = std::fs::read_to_string(&report).unwrap();
    let table = html.find("<table class=\"supporters\">").unwrap();
    let row = "<th class=\"id\" scope=\"row\">";
    let supporter = &html[table..][html[table..].find(row).unwrap() + row.len()..];
    let supporter = &supporter[..supporter.find('<').unwrap()];
    let area = plan["supporters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["supporter_id"] == supporter)
        .unwrap()["area"]
        .clone();
    let first = plan["waiting"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["area"] == area && w["rank"] == 1)
        .expect("the area has families waiting")["referral_id"]
        .as_str()
        .unwrap()
        .to_string();
    let grid: Vec<(usize, u32)> = (0..=3)
        .flat_map(|fewer| (0..=60).step_by(4).map(move |pixels| (fewer, pixels)))
        .collect();
    // Two chromiums at a time, each with a profile of its own.
    let printed: Vec<(usize, u32, Vec<Vec<String>>)> = std::thread::scope(|scope| {
        let halves: Vec<_> = grid
            .chunks(grid.len().div_ceil(2))
            .enumerate()
            .map(|(worker, half)| {
                let (html, dir) = (&html, &dir);
                let profile = dir.join(format!("profile-{worker}"));
                scope.spawn(move || {
                    half.iter()
                        .map(|&(fewer, pixels)| {
                            let pages = printed_with(html, fewer, pixels, dir, &profile);
                            (fewer, pixels, pages)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        halves.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    let (mut same_page, mut carried) = (0, 0);
    for (fewer, pixels, pages) in &printed {
        let at = format!("{fewer} rows fewer, {pixels} px");
        let area_page = page_from(pages, 0, "Who takes whom").unwrap();
        let rows = page_from(pages, area_page, supporter).unwrap();
        assert!(
            pages[rows]
                .iter()
                .any(|l| l.starts_with("Load: the upper bar")),
            "{at}: the key to the load bars is not on the page of the first supporter: {:?}",
            pages[rows]
        );
        let waiting = page_from(pages, area_page, &format!("1 {first}")).unwrap();
        let heading = pages[waiting].iter().position(|l| l == "Waiting list");
        assert!(
            heading.is_some(),
            "{at}: the waiting list's heading is not on the page of its first row: {:?}",
            pages[waiting.saturating_sub(1)]
        );
        if waiting == area_page {
            same_page += 1;
        } else if heading.is_some_and(|h| h < 3) {
            carried += 1;
        }
    }
    assert!(
        same_page > 0 && carried > 0,
        "the page's foot never crossed the waiting list ({same_page} on the area's page, {carried} carried)"
    );
}

#[test]
fn issue_8_a_report_that_is_not_html_is_refused_before_planning() {
    let dir = scratch("report-bad");
    let report = dir.join("monday.pdf");
    let output = allocate("provider-week", &["--report", report.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("must end in .html"));
    assert!(!report.exists());
}
