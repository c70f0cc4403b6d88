//! Human output: the plan as a coordinator reads it, and one family's explanation.

use std::fmt::Write;

use caseload_report::words::{
    self, clock, clock_counts, count, decision_cost, exception, marks, RANK_RULE,
};
use caseload_solve::{Explanation, Otherwise, Plan, Route, WaitReason};
use comfy_table::{presets, CellAlignment, Table};

pub fn table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table
        .load_preset(presets::ASCII_MARKDOWN)
        .set_header(header.to_vec());
    table
}

pub fn right_align(table: &mut Table, columns: &[usize]) {
    for &index in columns {
        if let Some(column) = table.column_mut(index) {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
}

/// Up to this many areas, the table shows each area in full.
const DETAILED_AREAS: usize = 5;

/// The first check a supporter fails for a family, in words.
fn failed_check(reason: WaitReason) -> &'static str {
    match reason {
        WaitReason::NoConsent => "no consent",
        WaitReason::FamilyUnavailable => "family away",
        WaitReason::NoSupporterInArea => "another area",
        WaitReason::OnLeave => "on leave",
        WaitReason::District => "district",
        WaitReason::Needs => "skills",
        WaitReason::Language => "language",
        WaitReason::Excluded => "conflict of interest",
        WaitReason::Complexity => "volunteer, high complexity",
        WaitReason::Forbidden => "forbidden by a decision",
        WaitReason::Capacity => "full",
    }
}

/// How an area's plan was reached, in words (the code stays in JSON).
fn route(route: Route) -> &'static str {
    match route {
        Route::NoChoice => "no choice to make",
        Route::GreedyAtBound => "greedy plan at the bound",
        Route::Assignment => "assignment problem",
        Route::Search => "exact search",
        Route::Mip => "MIP (HiGHS)",
        Route::Greedy => "greedy baseline",
    }
}

/// `2 of 2 areas proven optimal: 1 by the greedy plan reaching the bound, 1 by HiGHS`.
fn proven(plan: &Plan) -> String {
    let proven_by = |r: Route| {
        plan.areas
            .iter()
            .filter(|a| a.status == "optimal" && a.route == r)
            .count()
    };
    let total = plan.areas.iter().filter(|a| a.status == "optimal").count();
    let mut ways = vec![
        format!("{} by HiGHS", proven_by(Route::Mip)),
        format!(
            "{} by the greedy plan reaching the upper bound",
            proven_by(Route::GreedyAtBound) + proven_by(Route::Greedy)
        ),
    ];
    let assignment = proven_by(Route::Assignment);
    if assignment > 0 {
        ways.push(format!("{assignment} as an assignment problem"));
    }
    let search = proven_by(Route::Search);
    if search > 0 {
        ways.push(format!("{search} by exact search"));
    }
    let no_choice = proven_by(Route::NoChoice);
    if no_choice > 0 {
        ways.push(format!("{no_choice} with no choice to make"));
    }
    format!(
        "{total} of {} proven optimal ({})",
        count(plan.areas.len() as i64, "area", "areas"),
        ways.join(", ")
    )
}

/// A relative gap as a percentage.
const GAP: Number = Number {
    scale: 100.0,
    digits: 2,
    suffix: "%",
    grouped: false,
};

/// The plan as a table: for a provider's few areas, who takes whom, supporters' loads
/// and the waiting list; for many areas, one line per area (details are in json/csv).
pub fn plan(plan: &Plan) -> String {
    let mut out = String::new();
    let solver = &plan.solver;
    let _ = writeln!(out, "Allocation for the week of Monday {}", plan.week);
    let how = if solver.method == "optimal" {
        String::new()
    } else {
        format!(" by the {} method", solver.method)
    };
    let proof = if solver.status == "optimal" {
        format!(
            "proven the highest any plan can reach (bound {}, gap {})",
            solver.bound,
            GAP.show(solver.gap)
        )
    } else {
        format!(
            "not proven the highest: no plan can score more than {} (gap {})",
            solver.bound,
            GAP.show(solver.gap)
        )
    };
    let _ = writeln!(
        out,
        "Plan{how}: total score {}, {proof}; {}; {:.3} s",
        solver.objective,
        proven(plan),
        solver.seconds
    );
    let s = &plan.summary;
    let _ = writeln!(
        out,
        "Families: {} active = {} + {} newly assigned + {} waiting ({} reallocated after a supporter left; {} not active this week)",
        s.active,
        count(s.open_cases as i64, "open case", "open cases"),
        s.newly_assigned,
        s.waiting,
        s.reallocated,
        count(s.ignored as i64, "row", "rows"),
    );
    let _ = writeln!(out, "{}", clock_counts(&s.clock));
    let _ = writeln!(out, "{}", balance_line(&plan.balance));
    if let Some(line) = equity_line(&plan.equity) {
        let _ = writeln!(out, "{line}");
    }
    if let Some(decisions) = &plan.decisions {
        decisions_table(&mut out, decisions);
    }
    if plan.areas.len() <= DETAILED_AREAS {
        for area in &plan.areas {
            area_details(&mut out, plan, &area.area);
        }
    } else {
        let mut areas = table(&[
            "Area",
            "Status",
            "How",
            "Supporters",
            "New",
            "Waiting",
            "Objective",
        ]);
        for a in &plan.areas {
            areas.add_row(vec![
                a.area.clone(),
                a.status.to_string(),
                route(a.route).to_string(),
                a.supporters.to_string(),
                a.newly_assigned.to_string(),
                a.waiting.to_string(),
                a.objective.to_string(),
            ]);
        }
        right_align(&mut areas, &[3, 4, 5, 6]);
        let _ = writeln!(out, "\nAreas\n{areas}");
    }
    out
}

/// The spread of supporters' hours, and what balancing did, in one line.
fn balance_line(b: &caseload_solve::BalanceReport) -> String {
    let (low, high) = words::percent_range(b.spread.min, b.spread.max);
    let spread = format!(
        "supporters not on leave use from {low} to {high} of their hours (Gini {})",
        Number::RATIO.show(b.spread.gini)
    );
    if b.method == "none" {
        return format!("Balance: none (policy); {spread}");
    }
    let given_up = if b.score_given_up > 0.0 {
        format!(", {} of the score given up", b.score_given_up)
    } else {
        String::new()
    };
    let unproven =
        words::stopped_short(&b.unproven_areas).map_or(String::new(), |a| format!("; {a}"));
    format!(
        "Balance: hours; {spread}; the most even of the plans with the same score kept, {} placed otherwise than before balancing (sum of f(share), about the shares squared: {}, {} before{given_up}){unproven}",
        count(b.families_moved as i64, "family", "families"),
        Number::RATIO.show(b.sum_f),
        Number::RATIO.show(b.sum_f_unbalanced)
    )
}

/// The lowest share of a district's families served, and what equity did, in one
/// line (`None` when no family's district is known).
fn equity_line(e: &caseload_solve::EquityReport) -> Option<String> {
    let Some(lowest) = e.lowest_share else {
        return (e.method != "none").then(|| {
            "Equity across districts: max_min; no family's district is recorded (or none could be taken this week): nothing to even out".to_string()
        });
    };
    let least = e
        .districts
        .iter()
        .filter(|d| (d.share - lowest).abs() < 1e-9)
        .map(|d| d.district.as_str())
        .collect::<Vec<_>>();
    // A national week can have dozens of districts at the lowest share: name a few.
    const NAMED: usize = 5;
    let named = if least.len() > NAMED {
        format!(
            "{} and {} more",
            least[..NAMED].join(", "),
            least.len() - NAMED
        )
    } else {
        least.join(", ")
    };
    let served = format!(
        "lowest share of a district's families served {} ({named})",
        Number::PERCENT.show(lowest),
    );
    if e.method == "none" {
        return Some(format!("Equity across districts: none (policy); {served}"));
    }
    let areas = words::areas_raised(e).map_or(String::new(), |a| format!("; {a}"));
    let unproven =
        words::stopped_short(&e.unproven_areas).map_or(String::new(), |a| format!("; {a}"));
    Some(format!(
        "Equity across districts: max_min; {served}, {} in the best-score plan; {} of the score given up, {} moved{areas}{unproven}",
        Number::PERCENT.show(e.lowest_share_without_equity.unwrap_or(lowest)),
        e.score_given_up,
        count(e.families_moved as i64, "family", "families"),
    ))
}

/// Where the decisions, equity or balance would otherwise have put a family, as notes.
fn moves(otherwise: &Otherwise) -> [String; 3] {
    let note = |stage: &str, other: Option<&str>| match other {
        Some("waiting") => format!("{stage}: else waiting"),
        Some(s) => format!("{stage}: else with {s}"),
        None => String::new(),
    };
    [
        note(
            "displaced by the decisions",
            otherwise.without_decisions.as_deref(),
        ),
        note("equity", otherwise.without_equity.as_deref()),
        note("balance", otherwise.without_balance.as_deref()),
    ]
}

fn decisions_table(out: &mut String, report: &caseload_solve::DecisionReport) {
    let mut decisions = table(&[
        "Given",
        "Decision",
        "Referral",
        "Supporter",
        "Effect",
        "Note",
    ]);
    for d in &report.taken {
        decisions.add_row(vec![
            d.origin.clone(),
            d.decision.code().to_string(),
            d.referral_id.clone(),
            d.supporter_id.clone(),
            d.effect.clone(),
            d.note.clone().unwrap_or_default(),
        ]);
    }
    let _ = writeln!(
        out,
        "\nDecisions ({})\n{decisions}\n{}",
        report.taken.len(),
        decision_cost(report)
    );
}

fn area_details(out: &mut String, plan: &Plan, area: &str) {
    match caseload_model::england_area(area) {
        Some(name) => {
            let _ = write!(out, "\n## Area {area} ({name})\n");
        }
        None => {
            let _ = write!(out, "\n## Area {area}\n");
        }
    }
    let mut new = table(&["Referral", "Supporter", "Hours", "Score", "Note"]);
    let new_here: Vec<_> = plan
        .assignments
        .iter()
        .filter(|a| !a.open_case && a.area == area)
        .collect();
    for a in &new_here {
        new.add_row(vec![
            a.referral_id.clone(),
            a.supporter_id.clone(),
            a.hours.to_string(),
            a.score.to_string(),
            [
                if a.reallocated {
                    "reallocated: previous supporter left".to_string()
                } else {
                    String::new()
                },
                marks(&a.marks),
            ]
            .into_iter()
            .chain(moves(&a.otherwise))
            .filter(|n| !n.is_empty())
            .collect::<Vec<_>>()
            .join("; "),
        ]);
    }
    right_align(&mut new, &[2, 3]);
    let _ = writeln!(out, "\nNew assignments ({})\n{new}", new_here.len());

    let mut supporters = table(&[
        "Supporter",
        "Status",
        "Hours used",
        "Cases",
        "New",
        "Shares used",
        "Note",
    ]);
    let loads: Vec<_> = plan.supporters.iter().filter(|l| l.area == area).collect();
    for l in &loads {
        let mut notes = Vec::new();
        if l.on_leave {
            notes.push("on leave".to_string());
        }
        if l.over_capacity {
            let mut over = Vec::new();
            if l.hours_used > l.hours_per_week {
                over.push(format!("{} h", round(l.hours_used - l.hours_per_week)));
            }
            if l.cases > l.max_cases {
                over.push(count(i64::from(l.cases - l.max_cases), "case", "cases"));
            }
            notes.push(format!("over by {} (open cases)", over.join(" and ")));
        }
        supporters.add_row(vec![
            l.supporter_id.clone(),
            format!("{:?}", l.status).to_lowercase(),
            format!("{} / {}", l.hours_used, l.hours_per_week),
            format!("{} / {}", l.cases, l.max_cases),
            l.new_cases.to_string(),
            format!(
                "{} h, {} cases",
                Number::PERCENT.show(l.hours_share),
                Number::PERCENT.show(l.cases_share)
            ),
            notes.join("; "),
        ]);
    }
    right_align(&mut supporters, &[2, 3, 4, 5]);
    let _ = writeln!(out, "\nSupporters ({})\n{supporters}", loads.len());

    let mut waiting = table(&[
        "Rank",
        "Referral",
        "Priority",
        "On the clock",
        "Score",
        "Reason",
    ]);
    let queue: Vec<_> = plan.waiting.iter().filter(|w| w.area == area).collect();
    for w in &queue {
        waiting.add_row(vec![
            w.rank.to_string(),
            w.referral_id.clone(),
            w.priority.to_string(),
            clock(w.weeks_on_clock),
            w.score.to_string(),
            [
                w.reason.words().to_string(),
                if w.reallocated {
                    "supported until their supporter left".to_string()
                } else {
                    String::new()
                },
                marks(&w.marks),
                exception(w.exception, w.exception_noted),
            ]
            .into_iter()
            .chain(moves(&w.otherwise))
            .filter(|n| !n.is_empty())
            .collect::<Vec<_>>()
            .join("; "),
        ]);
    }
    right_align(&mut waiting, &[0, 2, 3, 4]);
    let _ = writeln!(out, "\nWaiting list ({})\n{waiting}", queue.len());
    if !queue.is_empty() {
        let _ = writeln!(out, "{RANK_RULE}");
    }
    let districts: Vec<_> = plan
        .equity
        .districts
        .iter()
        .filter(|d| d.area == area)
        .collect();
    if !districts.is_empty() {
        let fair = plan.equity.method != "none";
        let mut header = vec!["District", "Families", "Served", "Share"];
        if fair {
            header.extend(["Best-score plan", "Its share"]);
        }
        let mut shares = table(&header);
        for d in &districts {
            let mut row = vec![
                d.district.clone(),
                d.families.to_string(),
                d.served.to_string(),
                Number::PERCENT.show(d.share),
            ];
            if fair {
                row.push(d.served_without_equity.to_string());
                row.push(Number::PERCENT.show(d.share_without_equity));
            }
            shares.add_row(row);
        }
        right_align(&mut shares, &[1, 2, 3, 4, 5]);
        let _ = writeln!(
            out,
            "\nDistricts ({}): families some supporter with room could take this week, and those served\n{shares}",
            districts.len()
        );
    }
}

/// Rounds to 6 decimals so that a difference prints as 1.5, not 1.4999999999999996.
fn round(value: f64) -> f64 {
    (value * 1e6).round() / 1e6
}

/// One family's explanation in plain words.
pub fn explanation(e: &Explanation) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Referral {} (area {}), week of Monday {}",
        e.referral_id, e.area, e.week
    );
    let _ = writeln!(out, "{}", e.outcome);
    let _ = writeln!(out, "Consent: {}.", e.consent.describe());
    let on_clock = if e.weeks_on_clock < 0 {
        format!("the 20-week {}", clock(e.weeks_on_clock))
    } else {
        format!("{} on the 20-week clock", clock(e.weeks_on_clock))
    };
    let _ = writeln!(
        out,
        "Score: weight {} (priority {}) x urgency {} ({on_clock}) = {}{}. Needs {} h a week.",
        e.weight,
        e.priority,
        e.urgency,
        e.base_score,
        words::with_local_bonus(e.base_score, e.local_bonus),
        e.hours
    );
    if let Some(letter) = e.exception {
        let _ = writeln!(
            out,
            "20-week limit: {} ({}): the deadline does not apply; the clock, the score and the rank are unchanged.",
            exception(e.exception, e.exception_noted),
            letter.describe()
        );
    }
    if e.rank.is_some() {
        let _ = writeln!(out, "{RANK_RULE}");
    }
    let mut supporters = table(&[
        "Supporter",
        "Status",
        "Eligible",
        "Score",
        "New cases this week",
        "Why",
    ]);
    for v in &e.supporters {
        let new_cases: Vec<String> = v
            .new_cases
            .iter()
            .map(|(id, score)| format!("{id} ({score})"))
            .collect();
        supporters.add_row(vec![
            v.supporter_id.clone(),
            format!("{:?}", v.status).to_lowercase(),
            if v.eligible {
                "yes".into()
            } else {
                format!("no: {}", v.failed_check.map_or("", failed_check))
            },
            v.score.map_or(String::new(), |s| s.to_string()),
            new_cases.join(", "),
            v.detail.clone(),
        ]);
    }
    let _ = writeln!(
        out,
        "\nSupporters in the area ({})\n{supporters}",
        e.supporters.len()
    );
    out
}

/// How to print a figure: times `scale`, with `digits` decimals, then `suffix`; whole
/// numbers (`digits` 0) with thousands separators when `grouped`.
#[derive(Debug, Clone, Copy)]
pub struct Number {
    pub scale: f64,
    pub digits: usize,
    pub suffix: &'static str,
    pub grouped: bool,
}

impl Number {
    pub const COUNT: Number = Number {
        scale: 1.0,
        digits: 1,
        suffix: "",
        grouped: false,
    };
    pub const WHOLE: Number = Number {
        scale: 1.0,
        digits: 0,
        suffix: "",
        grouped: false,
    };
    /// Whole numbers with thousands separators: 15,401.
    pub const THOUSANDS: Number = Number {
        grouped: true,
        ..Number::WHOLE
    };
    pub const PERCENT: Number = Number {
        scale: 100.0,
        digits: 1,
        suffix: "%",
        grouped: false,
    };
    /// A percentage without its sign, in a column whose heading says %.
    pub const PERCENT_FIGURE: Number = Number {
        suffix: "",
        ..Number::PERCENT
    };
    pub const RATIO: Number = Number {
        scale: 1.0,
        digits: 2,
        suffix: "",
        grouped: false,
    };

    pub fn show(self, value: f64) -> String {
        // Round first, then add 0.0 so that a rounded -0.0 prints as 0.0.
        let unit = 10f64.powi(self.digits as i32);
        let value = (value * self.scale * unit).round() / unit + 0.0;
        if self.grouped && self.digits == 0 {
            return format!(
                "{}{}",
                caseload_funding::tables::thousands(value as i64),
                self.suffix
            );
        }
        format!("{value:.*}{}", self.digits, self.suffix)
    }
}

/// A mean and its 95% confidence interval: `mean [lo, hi]`, the mean alone when there
/// is no interval, or `n/a`.
pub fn interval(estimate: Option<&caseload_sim::Estimate>, number: Number) -> String {
    match estimate.map(|e| (e.mean, e.ci95)) {
        Some((Some(mean), Some([lo, hi]))) => {
            format!(
                "{} [{}, {}]",
                number.show(mean),
                number.show(lo),
                number.show(hi)
            )
        }
        // One replication: a mean with no interval.
        Some((Some(mean), None)) => number.show(mean),
        _ => "n/a".to_string(),
    }
}
