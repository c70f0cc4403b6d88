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
/// block of `pixels` after the table (the waiting list comes next), printed: its pages'
/// text.
fn printed_with(html: &str, fewer: usize, pixels: u32, dir: &Path) -> Vec<Vec<String>> {
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
    let printed = chromium(
        &page,
        &format!("--print-to-pdf={}", pdf.display()),
        &dir.join(format!("profile-{name}")),
    );
    assert!(printed.status.success(), "{}", stderr(&printed));
    pages_text(&pdf)
}

/// The page holding `line`, counted from 0.
fn page_of(pages: &[Vec<String>], line: &str) -> usize {
    pages
        .iter()
        .position(|lines| lines.iter().any(|l| l == line))
        .unwrap_or_else(|| panic!("no page holds {line:?}"))
}

/// Printed, the waiting list's heading and the note under it stay with the table,
/// wherever the page's foot falls around them. With fewer of the supporters' rows, until
/// the waiting list starts on the area's own page, and then a blank block above it
/// growing in steps of 6 px (narrower than the table's header and first row) until the
/// list moves to the next page: at every step no page ends with the heading or the note.
/// Chromium keeps a heading with the next block, but used to leave the heading and the
/// note at the page's foot and start the table on the next page.
#[test]
fn issue_8_a_printed_heading_stays_with_its_table() {
    let dir = scratch("report-print");
    let report = dir.join("monday.html");
    let output = allocate(
        "provider-week",
        &["--format", "json", "--report", report.to_str().unwrap()],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let html = std::fs::read_to_string(&report).unwrap();
    let area = "Who takes whom, and each supporter's load after the week";
    let fits = |pages: &[Vec<String>]| page_of(pages, "Waiting list") == page_of(pages, area);
    let fewer = (0..12)
        .find(|&fewer| fits(&printed_with(&html, fewer, 0, &dir)))
        .expect("with fewer supporters the waiting list starts on the area's page");
    let mut moved = false;
    for pixels in (6..=240).step_by(6) {
        let pages = printed_with(&html, fewer, pixels, &dir);
        for (number, lines) in pages.iter().enumerate() {
            let foot = lines[lines.len().saturating_sub(3)..].join(" ");
            assert!(
                !foot.contains("Waiting list") && !foot.contains("Rank: the order"),
                "{fewer} rows fewer, {pixels} px: page {} ends with the waiting list's heading: {foot}",
                number + 1
            );
        }
        if !fits(&pages) {
            moved = true;
            break;
        }
    }
    assert!(moved, "the waiting list never reached the page's foot");
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
