//! One family's story: who could take them, who could not and why, their score, and
//! why they were or were not chosen.

use caseload_model::{
    Caseload, ClockException, ConsentBasis, PlanningWeek, Policy, Referral, Supporter,
    SupporterStatus,
};
use serde::Serialize;

use crate::decisions::DecisionEffect;
use crate::eligibility::{check, family_check, WaitReason};
use crate::instance::{referral_hours, HOURS_EPS};
use crate::plan::{round, Plan};
use crate::score::ScoreParts;
use crate::words::count;

/// What one supporter of the family's area means for the family.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SupporterVerdict {
    /// The supporter.
    pub supporter_id: String,
    /// Paid or volunteer.
    pub status: SupporterStatus,
    /// Passes every eligibility check.
    pub eligible: bool,
    /// The first check failed, if not eligible.
    pub failed_check: Option<WaitReason>,
    /// In plain words.
    pub detail: String,
    /// `score(r, s)` if eligible.
    pub score: Option<f64>,
    /// Hours free after this week's plan.
    pub free_hours_after: f64,
    /// Case slots free after this week's plan.
    pub free_cases_after: i64,
    /// New cases this supporter was given this week, with their scores.
    pub new_cases: Vec<(String, f64)>,
    /// Why a pin of the family to this supporter would be refused, if it would: not
    /// eligible, over a limit through open cases, or no room left by open cases and
    /// other families' pins (the plan's other new cases can move to make room).
    pub pin_refused: Option<&'static str>,
}

/// Why a family was or was not given a supporter this week.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    /// The referral.
    pub referral_id: String,
    /// Its area.
    pub area: String,
    /// The week planned.
    pub week: PlanningWeek,
    /// `assigned`, `open_case`, `waiting` or `not_active`.
    pub state: &'static str,
    /// The outcome in plain words.
    pub outcome: String,
    /// Which consent case applied (eligibility rule 1).
    pub consent: ConsentBasis,
    /// Priority 1..5.
    pub priority: u8,
    /// `weight(priority)`.
    pub weight: f64,
    /// Whole weeks on the 20-week clock.
    pub weeks_on_clock: i64,
    /// `1 + min(max(weeks, 0), 20) / 20`.
    pub urgency: f64,
    /// `weight * urgency` (before any local bonus).
    pub base_score: f64,
    /// The policy's bonus added with a local supporter: the score is `base_score +
    /// local_bonus` with them.
    pub local_bonus: f64,
    /// Hours per week the case needs.
    pub hours: f64,
    /// The supporter now holding the case, if any.
    pub supporter_id: Option<String>,
    /// Why the family waits, if it does.
    pub reason: Option<WaitReason>,
    /// Place in the area's waiting list, if waiting.
    pub rank: Option<usize>,
    /// Every supporter of the area, by id.
    pub supporters: Vec<SupporterVerdict>,
    /// The coordinator's decisions about this family, and what each did.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub decisions: Vec<DecisionEffect>,
    /// A recorded exception to the 20-week limit, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exception: Option<ClockException>,
    /// When the exception was noted, if given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exception_noted: Option<chrono::NaiveDate>,
}

/// Explains the plan's decision for `referral_id`; `None` if no such referral.
pub fn explain(
    caseload: &Caseload,
    policy: &Policy,
    plan: &Plan,
    referral_id: &str,
) -> Option<Explanation> {
    let index = caseload
        .referrals
        .iter()
        .position(|r| r.id == referral_id)?;
    let referral = &caseload.referrals[index];
    let week = plan.week;
    let parts = ScoreParts::new(referral, week, policy);
    let hours = referral_hours(caseload, index, policy);
    let assignment = plan
        .assignments
        .iter()
        .find(|a| a.referral_id == referral_id);
    let waiting = plan.waiting.iter().find(|w| w.referral_id == referral_id);

    let mut supporters: Vec<&Supporter> = caseload
        .supporters
        .iter()
        .filter(|s| s.area == referral.area)
        .collect();
    supporters.sort_by(|a, b| a.id.cmp(&b.id));
    let decisions: Vec<DecisionEffect> = plan
        .decisions
        .iter()
        .flat_map(|d| &d.taken)
        .filter(|d| d.referral_id == referral_id)
        .cloned()
        .collect();
    let verdicts: Vec<SupporterVerdict> = supporters
        .iter()
        .map(|s| {
            let mut verdict = verdict(referral, hours, s, week, policy, plan);
            let forbid = decisions.iter().find(|d| {
                d.decision == caseload_model::DecisionKind::Forbid && d.supporter_id == s.id
            });
            if let Some(forbid) = forbid {
                verdict.detail = format!(
                    "forbidden by a decision ({}){}; by the rules: {}",
                    forbid.origin,
                    forbid
                        .note
                        .as_deref()
                        .map_or(String::new(), |n| format!(": {n}")),
                    verdict.detail
                );
            }
            verdict
        })
        .collect();

    let (state, outcome) = match (assignment, waiting) {
        (Some(a), _) if a.open_case => (
            "open_case",
            format!(
                "An open case held by {}: it stays with them for continuity: the optimiser never moves it (a coordinator's pin or forbid can).",
                a.supporter_id
            ),
        ),
        (Some(a), _) => (
            "assigned",
            format!(
                "Assigned to {} with score {}{}.{}",
                a.supporter_id,
                a.score,
                if a.reallocated { " (reallocated: the previous supporter has left)" } else { "" },
                // A pinned family is there by the decision, which the outcome names
                // first; without it the plan might leave the family waiting.
                if a.marks.decision.as_deref().is_some_and(|d| d.starts_with("pinned")) {
                    ""
                } else if plan.equity.method == "max_min" {
                    " The plan first serves the lowest share of a district's families as high as capacity allows, then maximises the total score of all new assignments; this family is part of that plan."
                } else {
                    " The plan maximises the total score of all new assignments; this family is part of that best plan."
                }
            ),
        ),
        (None, Some(w)) => (
            "waiting",
            format!(
                "{}{}{}",
                waiting_story(
                    referral,
                    w.reason,
                    w.rank,
                    hours,
                    &verdicts,
                    &supporters,
                    plan,
                ),
                // A family whose supporter left is planned again like a waiting one:
                // say so, or it reads as a family never supported.
                match (w.reallocated, referral.supporter_id.as_deref()) {
                    (true, Some(holder)) => format!(
                        " Its supporter, {holder}, has left (not in the supporters file): the family is planned again like a waiting family."
                    ),
                    _ => String::new(),
                },
                // Its place taken by the coordinator's decisions, not by the best plan.
                if plan
                    .decisions
                    .as_ref()
                    .is_some_and(|d| d.displaced.iter().any(|id| id == referral_id))
                {
                    " The best plan without the week's decisions places this family: it waits because of them (see the decisions taken; the plan shown is the best one that keeps them)."
                } else {
                    ""
                }
            ),
        ),
        (None, None) => ("not_active", not_active_story(referral, week)),
    };
    // Where the stages after the best score would otherwise have put the family.
    let whereabouts = |other: &str| {
        if other == "waiting" {
            "waiting".to_string()
        } else {
            format!("with {other}")
        }
    };
    let otherwise = assignment
        .map(|a| &a.otherwise)
        .or_else(|| waiting.map(|w| &w.otherwise));
    let without_equity = otherwise.and_then(|o| o.without_equity.as_deref());
    let outcome = match without_equity {
        Some(other) => format!(
            "{outcome} Equity across districts moved this family: the best-score plan had it {}; {} Policy `district_equity = \"max_min\"` first serves the lowest share of a district's families as high as capacity allows, then the best score.",
            whereabouts(other),
            district_shares(plan, referral)
        ),
        None => outcome,
    };
    let without_balance = otherwise.and_then(|o| o.without_balance.as_deref());
    let outcome = match without_balance {
        Some(other) => format!(
            "{outcome} Balance moved this family: the plan before balancing had it {}; among the plans with the same total score, this one spreads supporters' hours more evenly (policy `balance = \"hours\"`).",
            whereabouts(other)
        ),
        None => outcome,
    };
    let outcome = if decisions.is_empty() {
        outcome
    } else {
        let said: Vec<String> = decisions
            .iter()
            .map(|d| {
                format!(
                    "{} {} by the coordinator ({}{}): {}.",
                    match d.decision {
                        caseload_model::DecisionKind::Pin => "Pinned to",
                        caseload_model::DecisionKind::Forbid => "Forbidden from",
                    },
                    d.supporter_id,
                    d.origin,
                    d.note
                        .as_deref()
                        .map_or(String::new(), |n| format!(": {n}")),
                    d.effect
                )
            })
            .collect();
        format!(
            "{} {outcome} The rest of the plan is the best one that keeps the week's decisions.",
            said.join(" ")
        )
    };
    Some(Explanation {
        referral_id: referral.id.clone(),
        area: referral.area.clone(),
        week,
        state,
        outcome,
        consent: referral.consent_basis(),
        priority: referral.priority,
        weight: parts.weight,
        weeks_on_clock: parts.weeks_on_clock,
        urgency: round(parts.urgency),
        base_score: round(parts.base),
        local_bonus: policy.local_bonus,
        hours,
        supporter_id: assignment.map(|a| a.supporter_id.clone()),
        reason: waiting.map(|w| w.reason),
        rank: waiting.map(|w| w.rank),
        supporters: verdicts,
        decisions,
        exception: referral.exception,
        exception_noted: referral.exception_noted,
    })
}

fn verdict(
    referral: &Referral,
    hours: f64,
    supporter: &Supporter,
    week: PlanningWeek,
    policy: &Policy,
    plan: &Plan,
) -> SupporterVerdict {
    let load = plan
        .supporters
        .iter()
        .find(|l| l.supporter_id == supporter.id);
    let (free_hours, free_cases) = load.map_or((0.0, 0), |l| {
        (
            round(l.hours_per_week - l.hours_used),
            i64::from(l.max_cases) - i64::from(l.cases),
        )
    });
    let new_cases = plan
        .assignments
        .iter()
        .filter(|a| !a.open_case && a.supporter_id == supporter.id)
        .map(|a| (a.referral_id.clone(), a.score))
        .collect();
    // The family's own checks first: a family without consent, or away, can take no
    // supporter, whoever they are.
    let result =
        family_check(referral, week).and_then(|()| check(referral, supporter, week, policy));
    let detail = match result {
        Ok(()) if load.is_some_and(|l| l.on_leave || l.over_capacity) => {
            "eligible, but over a limit through open cases: no new cases".to_string()
        }
        Ok(()) => format!(
            "eligible; after this week's plan {}",
            room_left(free_hours, free_cases)
        ),
        Err(reason) => ineligible_detail(reason, referral, supporter),
    };
    // Room for a pin is what open cases and other families' pins leave: the plan's
    // other new cases can move, those cannot (the room a pin is checked against).
    let (held_hours, held_cases) = plan
        .assignments
        .iter()
        .filter(|a| a.supporter_id == supporter.id && a.referral_id != referral.id)
        .filter(|a| {
            a.open_case
                || a.marks
                    .decision
                    .as_deref()
                    .is_some_and(|d| d.starts_with("pinned"))
        })
        .fold((0.0, 0), |(h, c), a| (h + a.hours, c + 1));
    let pin_refused = match result {
        Err(_) => Some("not eligible"),
        Ok(()) if load.is_some_and(|l| l.over_capacity) => {
            Some("over a limit through open cases: no new case")
        }
        Ok(()) if held_cases >= supporter.max_cases => {
            Some("no room: open cases fill their case slots")
        }
        Ok(()) if held_hours + hours > supporter.hours_per_week + HOURS_EPS => {
            Some("no room: open cases leave too few hours")
        }
        Ok(()) => None,
    };
    let parts = ScoreParts::new(referral, week, policy);
    SupporterVerdict {
        supporter_id: supporter.id.clone(),
        status: supporter.status,
        eligible: result.is_ok(),
        failed_check: result.err(),
        detail,
        score: result
            .ok()
            .map(|()| round(parts.with_supporter(supporter.local, policy))),
        free_hours_after: free_hours,
        free_cases_after: free_cases,
        new_cases,
        pin_refused,
    }
}

pub(crate) fn ineligible_detail(
    reason: WaitReason,
    referral: &Referral,
    supporter: &Supporter,
) -> String {
    let show = |d: Option<chrono::NaiveDate>| d.map_or("open".to_string(), |d| d.to_string());
    match reason {
        WaitReason::OnLeave => format!(
            "on leave ({} to {})",
            show(supporter.unavailable_from),
            show(supporter.unavailable_to)
        ),
        WaitReason::District => format!(
            "covers {}, not the family's district {}",
            supporter.districts.join(", "),
            referral.district.as_deref().unwrap_or("")
        ),
        WaitReason::Needs => {
            let missing: Vec<&str> = referral
                .needs
                .iter()
                .filter(|n| !supporter.has_skill(n))
                .map(String::as_str)
                .collect();
            format!(
                "lacks the {} the family needs: {}",
                if missing.len() == 1 {
                    "skill"
                } else {
                    "skills"
                },
                missing.join(", ")
            )
        }
        WaitReason::Language => format!("does not speak {}", referral.language()),
        WaitReason::Excluded => "conflict of interest: named in the family's exclude list".into(),
        WaitReason::Complexity => "a volunteer; high-complexity cases need a paid supporter".into(),
        WaitReason::NoConsent => format!(
            "the family's consent is {}: no supporter can take them",
            referral.consent_basis().describe()
        ),
        WaitReason::FamilyUnavailable => format!(
            "the family is away this week ({}): no supporter can take them",
            absence(referral)
        ),
        other => other.code().to_string(),
    }
}

fn waiting_story(
    referral: &Referral,
    reason: WaitReason,
    rank: usize,
    hours: f64,
    verdicts: &[SupporterVerdict],
    supporters: &[&Supporter],
    plan: &Plan,
) -> String {
    // With equity, or the coordinator's decisions, the plan is the best only among
    // those that keep them: a plan with this family may score more.
    let fair = plan.equity.method == "max_min";
    let decided = plan.decisions.is_some();
    match reason {
        WaitReason::Capacity => {
            let eligible: Vec<String> = verdicts
                .iter()
                .filter(|v| v.eligible)
                .map(|v| {
                    let lowest = v
                        .new_cases
                        .iter()
                        .map(|(_, s)| *s)
                        .reduce(f64::min)
                        .map_or(String::new(), |s| format!(", lowest new case score {s}"));
                    // Past a limit through open cases, a supporter takes no new case.
                    let over = if v.free_hours_after < 0.0 || v.free_cases_after < 0 {
                        ": no new case while over a limit"
                    } else {
                        ""
                    };
                    format!(
                        "{} ({}{over}{})",
                        v.supporter_id,
                        room_left(v.free_hours_after, v.free_cases_after),
                        lowest
                    )
                })
                .collect();
            // With equity, the plan is the best only among those that keep every
            // district at the lowest share: a plan with this family may score more.
            let among = match (fair, decided) {
                (true, _) => " and serves every district of the area at least the lowest share of this plan (policy `district_equity = \"max_min\"`)",
                (false, true) => " and keeps the week's decisions",
                (false, false) => "",
            };
            // Room taken by open cases alone is not a choice of the plan's.
            let by_open_cases = verdicts
                .iter()
                .filter(|v| v.eligible)
                .all(|v| v.new_cases.is_empty());
            let full = if by_open_cases {
                "their hours and case slots are taken by their open cases, and the plan gives them no new family this week".to_string()
            } else {
                format!(
                    "the {}plan fills their hours and slots with families whose combined score is at least as high as any plan that includes this one{among}",
                    if fair || decided { "" } else { "best " }
                )
            };
            format!(
                "Waiting, rank {rank} in the area's queue. {} pass every check for this family, needing {hours} h a week: {}. None has room left for it: {full}.",
                count(eligible.len(), "supporter", "supporters"),
                eligible.join("; "),
            )
        }
        WaitReason::NoConsent => format!(
            "Waiting, rank {rank}: consent is {} (referred by {}). {}",
            referral.consent_basis().describe(),
            match referral.source {
                caseload_model::Source::La => "the local authority",
                caseload_model::Source::Professional => "a professional",
                caseload_model::Source::SelfReferral => "the family",
            },
            if referral.consent_basis() == ConsentBasis::Refused {
                "The family is not offered a supporter unless they change their mind and `consent` is set to true."
            } else {
                "Record the family's consent to make them eligible."
            }
        ),
        WaitReason::NoSupporterInArea => {
            format!(
                "Waiting, rank {rank}: no supporter works in area {}.",
                referral.area
            )
        }
        WaitReason::FamilyUnavailable => format!(
            "Waiting, rank {rank}: the family is away this week ({}); no supporter is offered until they are back, and they keep their place.",
            absence(referral)
        ),
        other => {
            let why = match other {
                WaitReason::OnLeave => "every supporter in the area is on leave this week".to_string(),
                WaitReason::District => format!(
                    "no supporter available this week covers the family's district {}",
                    referral.district.as_deref().unwrap_or("")
                ),
                WaitReason::Needs => format!(
                    "no supporter left has every skill the family needs ({})",
                    referral.needs.join(";")
                ),
                WaitReason::Language => format!("no supporter left speaks {}", referral.language()),
                WaitReason::Excluded => {
                    "every supporter left has a conflict of interest with this family".to_string()
                }
                _ => "every supporter left is a volunteer, and high-complexity cases need a paid supporter (policy: volunteers_take_high = false)".to_string(),
            };
            // Those who pass the check that empties the field but failed one before it
            // (the Arabic speakers are on leave): the reason code names the last check,
            // which alone would suggest recruiting.
            let passes = |s: &Supporter| match other {
                WaitReason::District => referral.district.as_deref().is_none_or(|d| s.covers(d)),
                WaitReason::Needs => referral.needs.iter().all(|n| s.has_skill(n)),
                WaitReason::Language => s.speaks(referral.language()),
                _ => false,
            };
            let would: Vec<String> = supporters
                .iter()
                .zip(verdicts)
                .filter(|(s, v)| passes(s) && v.failed_check.is_some_and(|f| f < other))
                .map(|(s, v)| format!("{} ({})", s.id, v.detail))
                .collect();
            let but = if would.is_empty() {
                String::new()
            } else {
                format!(
                    " Supporters who pass that check fail an earlier one: {}.",
                    would.join("; ")
                )
            };
            format!(
                "Waiting, rank {rank}: no supporter is eligible: {why}.{but} Each supporter's first failed check is below."
            )
        }
    }
}

/// `1 supporter`, `2 supporters`.
/// A supporter's room after the plan, never as a negative amount: `1 h left, 2 case
/// slots left`, or `over by 1 case` for a supporter past a limit through open cases.
fn room_left(hours: f64, cases: i64) -> String {
    let hours = if hours < 0.0 {
        format!("over by {} h", round(-hours))
    } else {
        format!("{hours} h left")
    };
    let cases = if cases < 0 {
        format!("over by {}", count(cases.unsigned_abs(), "case", "cases"))
    } else {
        format!("{} left", count(cases, "case slot", "case slots"))
    };
    format!("{hours}, {cases}")
}

/// A family's absence in words: `2015-10-26 to 2015-11-06`, `from 2015-10-26`, `until
/// 2015-11-06`.
pub(crate) fn absence(referral: &Referral) -> String {
    match (referral.unavailable_from, referral.unavailable_to) {
        (Some(from), Some(to)) => format!("{from} to {to}"),
        (Some(from), None) => format!("from {from}"),
        (None, Some(to)) => format!("until {to}"),
        (None, None) => "no dates".to_string(),
    }
}

fn not_active_story(referral: &Referral, week: PlanningWeek) -> String {
    if referral.received > week.monday() {
        format!(
            "Not active this week: received on {}, after the week starting {week}.",
            referral.received
        )
    } else {
        format!(
            "Not active this week: closed on {} (plan finalised or case closed).",
            referral.closed.map_or(String::new(), |d| d.to_string())
        )
    }
}

/// The family's district and the area's lowest district share, with and without
/// equity, in words.
fn district_shares(plan: &Plan, referral: &Referral) -> String {
    let here: Vec<&crate::DistrictShare> = plan
        .equity
        .districts
        .iter()
        .filter(|d| d.area == referral.area)
        .collect();
    let percent = |share: f64| format!("{:.1}%", 100.0 * share);
    let lowest = |of: fn(&crate::DistrictShare) -> f64| {
        here.iter().map(|d| of(d)).reduce(f64::min).unwrap_or(0.0)
    };
    let own = match referral.district.as_deref() {
        None => "it has no district recorded, so it is counted in no district".to_string(),
        Some(name) => match here.iter().find(|d| d.district == name) {
            Some(d) => format!(
                "its district {} has {} served ({} in the best-score plan)",
                d.district,
                percent(d.share),
                percent(d.share_without_equity)
            ),
            None => format!("its district {name} is not counted"),
        },
    };
    format!(
        "{own}; the area's lowest district share is {} ({} in the best-score plan).",
        percent(lowest(|d| d.share)),
        percent(lowest(|d| d.share_without_equity))
    )
}
