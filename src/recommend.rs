//! `caseload recommend`: the best supporters for one family, now.

use std::fmt::Write;

use caseload_report::words::count;
use caseload_solve::{recommend, Options, Recommendation};

use crate::allocate::{decisions, known_referral, load_week, to_json, week_and_limits};
use crate::cli::{BadArgument, Format, RecommendArgs};
use crate::output::{
    emit, format_by_extension, format_name, is_stdio, no_collisions, require_folders, stdout_format,
};
use crate::render::{right_align, table};

pub fn run(args: &RecommendArgs) -> anyhow::Result<()> {
    let week = week_and_limits(&args.input, args.time_limit)?;
    let format = output_format(args)?;
    require_folders([("--out", args.out.as_deref())])?;
    no_collisions(
        [
            ("--supporters", Some(args.input.supporters.as_path())),
            ("--referrals", Some(args.input.referrals.as_path())),
            ("--policy", args.input.policy.as_deref()),
            ("--decisions", args.decided.decisions.as_deref()),
        ],
        [("--out", args.out.as_deref())],
    )?;
    let (policy, caseload) = load_week(&args.input, &args.decided, week)?;
    known_referral("--referral", &caseload, &args.referral, &args.input)?;
    if let Some(row) = caseload
        .referrals
        .iter()
        .find(|r| r.id == args.referral && !r.is_active(week.monday()))
    {
        let why = match row.closed {
            Some(closed) if row.received <= week.monday() => format!("its case closed on {closed}"),
            _ => format!("it was received on {}", row.received),
        };
        return Err(BadArgument(format!(
            "--referral: {} is not active in the week of {week}: {why}",
            args.referral
        ))
        .into());
    }
    let options = Options {
        threads: args.threads,
        time_limit_seconds: args.time_limit,
        decisions: decisions(&args.decided, &caseload, week, &policy)?,
    };
    let recommendation = recommend(&caseload, week, &policy, &options, &args.referral)?;
    let text = match format {
        Format::Table => render(
            &recommendation,
            policy.district_equity == caseload_model::DistrictEquity::MaxMin,
        ),
        _ => to_json(&recommendation)?,
    };
    emit(&text, args.out.as_deref())
}

/// json or a table: `--format`, else by `--out`'s extension, else by the terminal.
fn output_format(args: &RecommendArgs) -> Result<Format, BadArgument> {
    let Some(file) = args.out.as_deref().filter(|file| !is_stdio(file)) else {
        return Ok(stdout_format(args.format));
    };
    let by_extension = file
        .extension()
        .and_then(|e| e.to_str())
        .and_then(format_by_extension)
        .filter(|f| *f != Format::Csv);
    match (by_extension, args.format) {
        (None, _) => Err(BadArgument(format!(
            "--out {}: recommend writes .json, .txt or .md (the table)",
            file.display()
        ))),
        (Some(named), Some(asked)) if named != asked => Err(BadArgument(format!(
            "--out {} names {} output, but --format {} was asked for",
            file.display(),
            format_name(named),
            format_name(asked)
        ))),
        (Some(named), _) => Ok(named),
    }
}

/// The candidates ranked, for the coordinator on the phone; `fair`: the week is planned
/// with equity across districts, so its score is the best given the districts' floors.
fn render(r: &Recommendation, fair: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Who should take {} (area {}), week of Monday {}",
        r.referral_id, r.area, r.week
    );
    let mut now = match (&r.open_case_with, &r.planned) {
        (Some(holder), _) => format!("an open case with {holder}"),
        (None, Some(planned)) => format!("this week's plan places the family with {planned}"),
        (None, None) => "this week's plan leaves the family waiting".to_string(),
    };
    if let Some(pinned) = &r.pinned_to {
        now = format!(
            "pinned to {pinned} by a decision, set aside here to weigh every supporter; without it, {now}"
        );
    }
    let best = if fair {
        "best total score (given equity across districts)"
    } else {
        "best total score"
    };
    // With the family's own pin set aside, "the plan" the ranking compares with is the
    // best plan without it; the plan in force (with it) is the pinned supporter's row.
    let in_force = r.pinned_to.as_ref().and_then(|pinned| {
        r.candidates
            .iter()
            .find(|c| &c.supporter_id == pinned)
            .map(|c| {
                format!(
                    " ({} with the pin, the plan in force: {pinned}'s row)",
                    c.total
                )
            })
    });
    let planned = match &in_force {
        Some(with_pin) => format!("without the pin{with_pin}"),
        None => "as planned".to_string(),
    };
    let _ = writeln!(
        out,
        "Now: {now}. The week's {best}: {} {planned}, {} with the family left out of the week (the columns below compare each supporter's week with these).",
        r.plan_objective, r.without_family
    );
    if r.candidates.is_empty() {
        let _ = writeln!(out, "\nNo supporter can take the family this week.");
    } else {
        let mut ranked = table(&[
            "Rank",
            "Supporter",
            "Status",
            "Score",
            "Week's total",
            "With vs without the family",
            if r.pinned_to.is_some() {
                "Against the plan without the pin"
            } else {
                "Against the plan"
            },
            "Hours after",
            "Cases after",
            "Others placed or displaced, against the plan",
            "Left waiting for the family",
        ]);
        for c in &r.candidates {
            let moves: Vec<String> = c
                .moves
                .iter()
                .map(|m| {
                    format!(
                        "{}: {} -> {}",
                        m.referral_id,
                        m.from.as_deref().unwrap_or("waiting"),
                        m.to.as_deref().unwrap_or("waiting")
                    )
                })
                .collect();
            ranked.add_row(vec![
                c.rank.to_string(),
                c.supporter_id.clone(),
                format!("{:?}", c.status).to_lowercase(),
                c.score.to_string(),
                c.total.to_string(),
                signed(c.change),
                signed(c.against_plan),
                format!("{} / {}", c.hours_used, c.hours_per_week),
                format!("{} / {}", c.cases, c.max_cases),
                if moves.is_empty() {
                    "none".to_string()
                } else {
                    moves.join(", ")
                },
                if c.left_waiting.is_empty() {
                    "none".to_string()
                } else {
                    c.left_waiting.join(", ")
                },
            ]);
        }
        right_align(&mut ranked, &[0, 3, 4, 5, 6, 7, 8]);
        let _ = writeln!(
            out,
            "\n{} could take the family now, best week first (each week re-optimised; open cases stay)\n{ranked}",
            count(r.candidates.len(), "supporter", "supporters")
        );
    }
    if !r.unable.is_empty() {
        let mut unable = table(&["Supporter", "Why not"]);
        for u in &r.unable {
            unable.add_row(vec![u.supporter_id.clone(), u.why.clone()]);
        }
        let _ = writeln!(
            out,
            "\n{} cannot take the family now\n{unable}",
            count(r.unable.len(), "supporter", "supporters")
        );
    }
    let _ = writeln!(out, "{:.3} s", r.seconds);
    out
}

/// `+1.5`, `-0.2`, `0`.
fn signed(value: f64) -> String {
    if value > 0.0 {
        format!("+{value}")
    } else {
        format!("{}", value + 0.0)
    }
}
