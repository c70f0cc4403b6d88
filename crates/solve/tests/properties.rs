//! Property tests of the weekly allocation against an independent oracle: a brute
//! force that re-implements the contract's eligibility and objective from the spec
//! (sharing no code with the solver) and enumerates every plan of tiny weeks.

use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::ffi::CString;
use std::path::Path;

use caseload_model::{
    Balance, Caseload, Complexity, Decision, DecisionKind, DistrictEquity, PlanningWeek, Policy,
    Referral, ReferralKind, Source, Supporter, SupporterStatus,
};
use caseload_solve::{
    allocate, area_weeks, explain, export_model, recommend, Effort, Greedy, ModelScope, Optimal,
    Options, Plan, Route, SolveError,
};
use chrono::NaiveDate;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

const WEEK: &str = "2015-11-02";

fn date(days_before_week: i64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2015, 11, 2).unwrap() - chrono::Duration::days(days_before_week)
}

prop_compose! {
    fn supporter(area: &'static str, n: usize)(
        paid in any::<bool>(),
        hours in 1u32..8,
        max_cases in 0u32..4,
        autism in prop::bool::weighted(0.7),
        polish in prop::bool::weighted(0.5),
        local in any::<bool>(),
        district in prop::option::weighted(0.3, prop::sample::select(vec!["BN1", "BN2"])),
        leave in prop::option::weighted(0.2, -10i64..10),
    ) -> Supporter {
        Supporter {
            id: format!("{area}-S{n}"),
            area: area.into(),
            status: if paid { SupporterStatus::Paid } else { SupporterStatus::Volunteer },
            hours_per_week: f64::from(hours),
            max_cases,
            skills: if autism { vec!["autism".into()] } else { vec![] },
            languages: if polish { vec!["pl".into()] } else { vec![] },
            local,
            districts: district.map(|d| vec![d.to_string()]).unwrap_or_default(),
            unavailable_from: leave.map(|d| date(d + 3)),
            unavailable_to: leave.map(date),
        }
    }
}

prop_compose! {
    fn referral(areas: Vec<&'static str>, n: usize)(
        area in prop::sample::select(areas),
        received in -5i64..150,
        clock_offset in -30i64..30,
        closed_after in prop::option::weighted(0.2, -20i64..20),
        source in prop::sample::select(vec![Source::SelfReferral, Source::La, Source::Professional]),
        // Consent about nine times in ten, as before, with the empty and the explicit `false`
        // cases both drawn.
        consent in prop_oneof![17 => Just(Some(true)), 2 => Just(None), 1 => Just(Some(false))],
        priority in 1u8..=5,
        complexity in prop::sample::select(vec![Complexity::Low, Complexity::Medium, Complexity::High]),
        hours in prop::option::of(prop::sample::select(vec![0.5, 1.5, 2.0, 4.0])),
        autism in prop::bool::weighted(0.2),
        polish in prop::bool::weighted(0.1),
        district in prop::option::weighted(0.5, prop::sample::select(vec!["BN1", "BN2"])),
        exclude in prop::option::weighted(0.15, 0usize..3),
        holder in prop::option::weighted(0.35, 0usize..4),
        // A family's absence: starting up to a week after the Monday or up to two weeks
        // before, lasting up to three weeks; both ends, only `from` or only `to`.
        away in prop::option::weighted(0.15, (-7i64..14, 0i64..21, 0u8..3)),
    ) -> Referral {
        Referral {
            id: format!("R{n:02}"),
            area: area.into(),
            district: district.map(Into::into),
            received: date(received),
            source,
            consent,
            kind: if n.is_multiple_of(2) { ReferralKind::New } else { ReferralKind::Transfer },
            clock_start: (clock_offset != 0).then(|| date(received + clock_offset)),
            priority,
            complexity,
            hours_per_week: hours,
            needs: if autism { vec!["autism".into()] } else { vec![] },
            language: polish.then(|| "pl".into()),
            exclude: exclude.map(|s| vec![format!("{area}-S{s}")]).unwrap_or_default(),
            // Supporter 3 never exists, so some open cases are orphaned.
            supporter_id: holder.map(|s| format!("{area}-S{s}")),
            closed: closed_after.map(|d| date(received - d.abs() - 1).max(date(-d))),
            unavailable_from: away.filter(|a| a.2 != 2).map(|(before, _, _)| date(before)),
            unavailable_to: away.filter(|a| a.2 != 1).map(|(before, length, _)| date(before - length)),
            exception: None,
            exception_noted: None,
        }
    }
}

/// A tiny week: two areas (most families in A), two or three supporters in A and up to
/// three in B, five to ten referrals (one more than before families' absences were
/// drawn, since an absent family leaves the choice); tuned so that supporters' room
/// binds in many weeks and about a quarter of the weeks need the MIP.
fn week_strategy() -> impl Strategy<Value = Caseload> {
    let supporters = (2usize..=3, 0usize..=3).prop_flat_map(|(a, b)| {
        let first: Vec<_> = (0..a).map(|n| supporter("A", n)).collect();
        let second: Vec<_> = (0..b).map(|n| supporter("B", n)).collect();
        (first, second)
    });
    let referrals = (5usize..=10).prop_flat_map(|count| {
        (0..count)
            .map(|n| referral(vec!["A", "A", "A", "B"], n))
            .collect::<Vec<_>>()
    });
    (supporters, referrals).prop_map(|((mut a, b), referrals)| {
        a.extend(b);
        let ids: HashSet<String> = a.iter().map(|s| s.id.clone()).collect();
        let referrals = referrals
            .into_iter()
            .map(|mut r| {
                // An open case's supporter must be of its area (the loader enforces
                // it); holders that do not exist stay, as orphaned cases.
                if let Some(holder) = &r.supporter_id {
                    if ids.contains(holder) && !holder.starts_with(&r.area) {
                        r.supporter_id = None;
                    }
                }
                r
            })
            .collect();
        Caseload {
            supporters: a,
            referrals,
            warnings: vec![],
            origins: Default::default(),
        }
    })
}

// ---------------------------------------------------------------- the oracle

fn monday() -> NaiveDate {
    NaiveDate::from_ymd_opt(2015, 11, 2).unwrap()
}

fn active(r: &Referral) -> bool {
    r.received <= monday() && r.closed.is_none_or(|c| c > monday())
}

fn oracle_hours(r: &Referral) -> f64 {
    r.hours_per_week.unwrap_or(match r.complexity {
        Complexity::Low => 1.0,
        Complexity::Medium => 2.0,
        Complexity::High => 3.0,
    })
}

/// Rule 1 as the spec states it: `consent = true`, or a self-referral with `consent`
/// empty; an explicit `false` blocks whatever the source.
fn oracle_consent(r: &Referral) -> bool {
    r.consent == Some(true) || (r.source == Source::SelfReferral && r.consent.is_none())
}

/// Issue 10: a family is away when the planning week's Monday is inside
/// [`unavailable_from`, `unavailable_to`], an end left empty being open; no dates, no
/// absence (the supporters' leave convention).
fn oracle_away(r: &Referral) -> bool {
    let m = monday();
    match (r.unavailable_from, r.unavailable_to) {
        (None, None) => false,
        (from, to) => from.is_none_or(|f| f <= m) && to.is_none_or(|t| m <= t),
    }
}

/// The eight rules, written out as the spec states them, with issue 10's family
/// absence after consent; `Err(k)` names rule k (9 for the absence).
fn oracle_rule(r: &Referral, s: &Supporter) -> Result<(), usize> {
    if !oracle_consent(r) {
        return Err(1);
    }
    if oracle_away(r) {
        return Err(9);
    }
    if r.area != s.area {
        return Err(2);
    }
    let m = monday();
    let on_leave = (s.unavailable_from.is_some() || s.unavailable_to.is_some())
        && s.unavailable_from.is_none_or(|f| f <= m)
        && s.unavailable_to.is_none_or(|t| m <= t);
    if on_leave {
        return Err(3);
    }
    if !s.districts.is_empty() {
        if let Some(d) = &r.district {
            if !s.districts.contains(d) {
                return Err(4);
            }
        }
    }
    if !r.needs.iter().all(|n| s.skills.contains(n)) {
        return Err(5);
    }
    let language = r.language.clone().unwrap_or_else(|| "en".into());
    if language != "en" && !s.languages.contains(&language) {
        return Err(6);
    }
    if r.exclude.contains(&s.id) {
        return Err(7);
    }
    if r.complexity == Complexity::High && s.status == SupporterStatus::Volunteer {
        return Err(8);
    }
    Ok(())
}

const CODES: [&str; 10] = [
    "",
    "no_consent",
    "no_supporter_in_area",
    "on_leave",
    "district",
    "needs",
    "language",
    "excluded",
    "complexity",
    "family_unavailable",
];

fn oracle_score(r: &Referral, s: &Supporter) -> f64 {
    let weeks = (monday() - r.clock_start.unwrap_or(r.received))
        .num_days()
        .div_euclid(7);
    let urgency = 1.0 + weeks.clamp(0, 20) as f64 / 20.0;
    2f64.powi(i32::from(r.priority) - 1) * urgency + if s.local { 0.05 } else { 0.0 }
}

/// The max-min plan: the highest lowest district share (`None`: no district), the best
/// score given it, and the least spread among those plans.
struct Fair {
    lowest: Option<f64>,
    value: f64,
    spread: f64,
}

struct Oracle {
    /// With equity asked for: the max-min plan.
    fair: Option<Fair>,
    best: f64,
    /// The least sum of f(share of hours) among the plans with the best score.
    spread: f64,
    /// Reason code for each waiting referral with no eligible supporter at all.
    reasons: HashMap<String, &'static str>,
    /// (waiting family, eligible supporter) pairs: the full model's variables.
    pairs: usize,
    /// Waiting families with at least one eligible supporter.
    families: usize,
    /// Supporters eligible for at least one waiting family.
    supporters: usize,
}

fn oracle(caseload: &Caseload) -> Oracle {
    oracle_deciding(caseload, &[]).expect("no decisions, always feasible")
}

/// The brute force with a coordinator's decisions, as the issue states them: a pin
/// places the family with that supporter (an open case pinned elsewhere leaves its
/// supporter first), a forbid removes the pair (an open case whose own supporter is
/// forbidden leaves them). `None` when the decisions cannot all hold: an unknown or
/// inactive family, a pin and a forbid of one pair, two supporters pinned for one
/// family, or no plan that places every pinned family.
fn oracle_deciding(
    caseload: &Caseload,
    decisions: &[(usize, usize, DecisionKind)],
) -> Option<Oracle> {
    oracle_full(caseload, decisions, false)
}

/// The brute force, and with `equity` the max-min plan of equity across districts too.
fn oracle_full(
    caseload: &Caseload,
    decisions: &[(usize, usize, DecisionKind)],
    equity: bool,
) -> Option<Oracle> {
    let referral_active = |r: usize| active(&caseload.referrals[r]);
    let mut pins: HashMap<usize, usize> = HashMap::new();
    let mut forbids: HashSet<(usize, usize)> = HashSet::new();
    for &(r, s, kind) in decisions {
        if !referral_active(r) {
            return None;
        }
        match kind {
            DecisionKind::Pin => {
                if pins.insert(r, s).is_some_and(|other| other != s) {
                    return None;
                }
            }
            DecisionKind::Forbid => {
                forbids.insert((r, s));
            }
        }
    }
    if pins.iter().any(|(&r, &s)| forbids.contains(&(r, s))) {
        return None;
    }
    let by_id: HashMap<&str, &Supporter> = caseload
        .supporters
        .iter()
        .map(|s| (s.id.as_str(), s))
        .collect();
    let mut hours: HashMap<&str, f64> = HashMap::new();
    let mut cases: HashMap<&str, u32> = HashMap::new();
    let mut waiting = Vec::new();
    let position = |id: &str| caseload.supporters.iter().position(|s| s.id == id);
    for (index, r) in caseload
        .referrals
        .iter()
        .enumerate()
        .filter(|(_, r)| active(r))
    {
        let holder = r.supporter_id.as_deref().filter(|h| by_id.contains_key(h));
        let leaves = holder.and_then(position).is_some_and(|h| {
            pins.get(&index).is_some_and(|&s| s != h) || forbids.contains(&(index, h))
        });
        match holder.filter(|_| !leaves) {
            Some(h) => {
                *hours.entry(h).or_default() += oracle_hours(r);
                *cases.entry(h).or_default() += 1;
            }
            None => waiting.push((index, r)),
        }
    }
    let mut reasons = HashMap::new();
    let mut options: Vec<Vec<(usize, f64)>> = Vec::new();
    for &(index, r) in &waiting {
        let verdicts: Vec<Result<(), usize>> = caseload
            .supporters
            .iter()
            .map(|s| oracle_rule(r, s))
            .collect();
        if verdicts.iter().all(Result::is_err) {
            // Apply the rules in order to all supporters; name the rule after which
            // none is left (consent is the family's own, rule 1, and so is being away
            // this week, checked next).
            let reason = if !oracle_consent(r) {
                1
            } else if oracle_away(r) {
                9
            } else {
                (2..=8)
                    .find(|k| verdicts.iter().all(|v| v.is_err_and(|fail| fail <= *k)))
                    .unwrap_or(2)
            };
            reasons.insert(r.id.clone(), CODES[reason]);
        }
        let mut choices: Vec<(usize, f64)> = caseload
            .supporters
            .iter()
            .enumerate()
            .filter(|(_, s)| oracle_rule(r, s).is_ok())
            .map(|(i, s)| (i, oracle_score(r, s)))
            .collect();
        if let Some(&pinned) = pins.get(&index) {
            choices.retain(|(s, _)| *s == pinned);
            if choices.is_empty() {
                return None;
            }
        }
        choices.retain(|(s, _)| !forbids.contains(&(index, *s)));
        options.push(choices);
    }
    let required: Vec<bool> = waiting.iter().map(|(i, _)| pins.contains_key(i)).collect();
    // A pin of an open case to its own supporter changes nothing.
    let free: Vec<(f64, i64)> = caseload
        .supporters
        .iter()
        .map(|s| {
            let (h, c) = (
                hours.get(s.id.as_str()).copied().unwrap_or(0.0),
                cases.get(s.id.as_str()).copied().unwrap_or(0),
            );
            if h > s.hours_per_week || c > s.max_cases {
                (0.0, 0)
            } else {
                (s.hours_per_week - h, i64::from(s.max_cases) - i64::from(c))
            }
        })
        .collect();
    let needs: Vec<f64> = waiting.iter().map(|(_, r)| oracle_hours(r)).collect();
    let hours_per_week: Vec<f64> = caseload
        .supporters
        .iter()
        .map(|s| s.hours_per_week)
        .collect();
    let mut used: Vec<f64> = caseload
        .supporters
        .iter()
        .map(|s| hours.get(s.id.as_str()).copied().unwrap_or(0.0))
        .collect();
    let walk = Walk {
        options: &options,
        required: &required,
        needs: &needs,
        hours_per_week: &hours_per_week,
    };
    let mut best = Best {
        value: f64::NEG_INFINITY,
        spread: f64::INFINITY,
    };
    enumerate(&walk, &mut free.clone(), &mut used, &mut best);
    if best.value == f64::NEG_INFINITY {
        return None;
    }
    let fair = equity.then(|| {
        // A district counts the families some supporter with room could take.
        let district: Vec<Option<&str>> = waiting
            .iter()
            .zip(&options)
            .zip(&needs)
            .map(|(((_, r), choices), need)| {
                let room = choices
                    .iter()
                    .any(|&(s, _)| free[s].1 >= 1 && *need <= free[s].0 + 1e-9);
                r.district.as_deref().filter(|_| room)
            })
            .collect();
        let mut counted: HashMap<&str, u32> = HashMap::new();
        for d in district.iter().flatten() {
            *counted.entry(d).or_default() += 1;
        }
        let mut fair = Fair {
            lowest: None,
            value: f64::NEG_INFINITY,
            spread: f64::INFINITY,
        };
        let mut used = used.clone();
        each_plan(
            &walk,
            &mut free.clone(),
            &mut used,
            &mut Vec::new(),
            0.0,
            &mut |value, used, picks| {
                let mut served: HashMap<&str, u32> = HashMap::new();
                for (d, pick) in district.iter().zip(picks) {
                    if let (Some(d), Some(_)) = (d, pick) {
                        *served.entry(d).or_default() += 1;
                    }
                }
                let lowest = counted
                    .iter()
                    .map(|(d, &n)| f64::from(served.get(d).copied().unwrap_or(0)) / f64::from(n))
                    .reduce(f64::min);
                let spread = spread_of(&walk, used);
                let (now, was) = (lowest.unwrap_or(1.0), fair.lowest.unwrap_or(1.0));
                let better = fair.value == f64::NEG_INFINITY
                    || now > was + 1e-9
                    || (now > was - 1e-9 && value > fair.value + 1e-9);
                if better {
                    fair = Fair {
                        lowest,
                        value,
                        spread,
                    };
                } else if now > was - 1e-9 && value > fair.value - 1e-9 {
                    fair.spread = fair.spread.min(spread);
                }
            },
        );
        fair
    });
    let chosen: HashSet<usize> = options.iter().flatten().map(|(s, _)| *s).collect();
    Some(Oracle {
        fair,
        best: best.value,
        spread: best.spread,
        reasons,
        pairs: options.iter().map(Vec::len).sum(),
        families: options.iter().filter(|o| !o.is_empty()).count(),
        supporters: chosen.len(),
    })
}

/// The balance stage's f, from the words: share² at multiples of 0.05, linear
/// in between.
fn oracle_f(share: f64) -> f64 {
    let below = (share * 20.0).floor() / 20.0;
    let above = below + 0.05;
    let t = (share - below) / 0.05;
    below * below * (1.0 - t) + above * above * t
}

/// The week as the brute force walks it: what each family may do, and each
/// supporter's room, hours a week and hours used so far.
struct Walk<'a> {
    options: &'a [Vec<(usize, f64)>],
    required: &'a [bool],
    needs: &'a [f64],
    hours_per_week: &'a [f64],
}

/// The best score, and the least sum of f(share) among the plans with that score.
#[derive(Clone, Copy)]
struct Best {
    value: f64,
    spread: f64,
}

/// What [`each_plan`] is told of each plan: its score, the hours each supporter uses,
/// each family's supporter.
type Leaf<'a> = dyn FnMut(f64, &[f64], &[Option<usize>]) + 'a;

/// Every plan: each waiting family gets nobody or one eligible supporter with room
/// (a `required` family always gets one). Calls `leaf` with each plan's score, the
/// hours each supporter uses, and each family's supporter.
fn each_plan(
    walk: &Walk,
    free: &mut [(f64, i64)],
    used: &mut [f64],
    picks: &mut Vec<Option<usize>>,
    value: f64,
    leaf: &mut Leaf,
) {
    let i = picks.len();
    if i == walk.options.len() {
        leaf(value, used, picks);
        return;
    }
    if !walk.required[i] {
        picks.push(None);
        each_plan(walk, free, used, picks, value, leaf);
        picks.pop();
    }
    let need = walk.needs[i];
    for &(s, score) in &walk.options[i] {
        if free[s].1 >= 1 && need <= free[s].0 + 1e-9 {
            free[s].0 -= need;
            free[s].1 -= 1;
            used[s] += need;
            picks.push(Some(s));
            each_plan(walk, free, used, picks, value + score, leaf);
            picks.pop();
            used[s] -= need;
            free[s].0 += need;
            free[s].1 += 1;
        }
    }
}

/// The sum of f(share of hours) of a plan.
fn spread_of(walk: &Walk, used: &[f64]) -> f64 {
    used.iter()
        .zip(walk.hours_per_week)
        .filter(|(_, h)| **h > 0.0)
        .map(|(u, h)| oracle_f(u / h))
        .sum()
}

/// The best score, and the least spread among the plans with it.
fn enumerate(walk: &Walk, free: &mut [(f64, i64)], used: &mut [f64], best: &mut Best) {
    each_plan(
        walk,
        free,
        used,
        &mut Vec::new(),
        0.0,
        &mut |value, used, _| {
            let spread = spread_of(walk, used);
            if value > best.value + 1e-9 {
                *best = Best { value, spread };
            } else if value > best.value - 1e-9 {
                best.spread = best.spread.min(spread);
            }
        },
    );
}

// ---------------------------------------------------------------- the properties

/// The plan is proven optimal with the brute force's objective.
fn proven_at(plan: &Plan, best: f64) -> Result<(), TestCaseError> {
    prop_assert_eq!(plan.solver.status, "optimal");
    prop_assert!(
        (plan.solver.objective - best).abs() < 1e-6,
        "solver {} vs brute force {}",
        plan.solver.objective,
        best
    );
    Ok(())
}

fn plan(caseload: &Caseload, threads: usize) -> Plan {
    let week = PlanningWeek::parse(WEEK).unwrap();
    let options = Options {
        threads: Some(threads),
        ..Options::default()
    };
    let mut plan = allocate(caseload, week, &Policy::default(), &Optimal, &options).unwrap();
    plan.solver.seconds = 0.0;
    plan
}

/// The weeks the oracle test runs, and the least shares of them whose plan must come
/// from a search (route `search` or `mip` in some area: these tiny areas almost all
/// take the exact search; the allocator's own test checks both routes of an area
/// against a brute force) and from the assignment problem (route `assignment`), so
/// that the test can never quietly check only weeks that the greedy bound settles.
/// About one in seven needs a search (128, 154, 128 and 151 of 1,000 in four runs,
/// with families' absences drawn, when they all went to HiGHS) and one in nine is
/// solved as an assignment problem (119, 95, 109); each floor is 4 standard
/// deviations below.
const ORACLE_WEEKS: u32 = 1000;
const LEAST_SEARCH_SHARE: f64 = 0.09;
const LEAST_ASSIGNMENT_SHARE: f64 = 0.065;

#[test]
fn mip_matches_brute_force() {
    let mut runner = TestRunner::new(Config {
        cases: ORACLE_WEEKS,
        max_shrink_iters: 200,
        ..Config::default()
    });
    let (weeks, searched_weeks) = (Cell::new(0u32), Cell::new(0u32));
    let assignment_weeks = Cell::new(0u32);
    let (balanced, away) = (Cell::new(0u32), Cell::new(0u32));
    let result = runner.run(&week_strategy(), |caseload| {
        let plan = plan(&caseload, 1);
        weeks.set(weeks.get() + 1);
        let took = |route: Route| plan.areas.iter().any(|a| a.route == route);
        if took(Route::Search) || took(Route::Mip) {
            searched_weeks.set(searched_weeks.get() + 1);
        }
        if took(Route::Assignment) {
            assignment_weeks.set(assignment_weeks.get() + 1);
        }
        let oracle = oracle(&caseload);
        proven_at(&plan, oracle.best)?;
        // Balanced (the default policy): the least spread among the best plans.
        prop_assert_eq!(plan.balance.method, "hours");
        prop_assert!(
            (plan.balance.sum_f - oracle.spread).abs() < 1e-6,
            "sum of f {} vs brute force {}",
            plan.balance.sum_f,
            oracle.spread
        );
        prop_assert!(plan.balance.sum_f_unbalanced >= plan.balance.sum_f - 1e-9);
        if plan.balance.families_moved > 0 {
            balanced.set(balanced.get() + 1);
        }
        // The reported objective is the sum of the new assignments' scores.
        let new_total: f64 = plan
            .assignments
            .iter()
            .filter(|a| !a.open_case)
            .map(|a| a.score)
            .sum();
        prop_assert!((new_total - plan.solver.objective).abs() < 1e-6);
        for w in &plan.waiting {
            if w.reason.code() == "family_unavailable" {
                away.set(away.get() + 1);
            }
            match oracle.reasons.get(&w.referral_id) {
                Some(code) => prop_assert_eq!(w.reason.code(), *code, "{}", w.referral_id),
                None => prop_assert_eq!(w.reason.code(), "capacity", "{}", w.referral_id),
            }
        }
        Ok(())
    });
    if let Err(failure) = result {
        panic!("{failure}");
    }
    let (weeks, searched_weeks) = (weeks.get(), searched_weeks.get());
    let assignment_weeks = assignment_weeks.get();
    let share = f64::from(searched_weeks) / f64::from(weeks);
    println!(
        "{searched_weeks} of {weeks} weeks needed a search or the MIP, {assignment_weeks} were solved as an assignment problem; balance moved families in {}; {} families away",
        balanced.get(),
        away.get()
    );
    // About one week in twenty has several best plans that load supporters differently.
    assert!(balanced.get() >= weeks / 50, "balance barely tested");
    assert!(
        away.get() >= weeks / 10,
        "only {} families away in {weeks} weeks: the absence rule is barely tested",
        away.get()
    );
    assert!(
        share >= LEAST_SEARCH_SHARE,
        "only {searched_weeks} of {weeks} weeks needed a search or the MIP: the oracle barely tests them"
    );
    assert!(
        f64::from(assignment_weeks) / f64::from(weeks) >= LEAST_ASSIGNMENT_SHARE,
        "only {assignment_weeks} of {weeks} weeks were solved as an assignment problem: the oracle barely tests it"
    );
}

/// The `max_min` plan of a one-area week against the brute force: the lowest district
/// share is the highest any plan reaches, the score is the best given it, the spread
/// the least among those plans, and the price of fairness is the best score less that
/// one. Returns whether equity raised the lowest share.
fn equity_as_brute_force(caseload: &Caseload) -> Result<bool, TestCaseError> {
    let policy = Policy {
        district_equity: DistrictEquity::MaxMin,
        ..Policy::default()
    };
    let week = PlanningWeek::parse(WEEK).unwrap();
    let options = Options {
        threads: Some(1),
        ..Options::default()
    };
    let plan = allocate(caseload, week, &policy, &Optimal, &options).unwrap();
    let oracle = oracle_full(caseload, &[], true).unwrap();
    let fair = oracle.fair.unwrap();
    proven_at(&plan, fair.value)?;
    prop_assert_eq!(plan.equity.method, "max_min");
    match (plan.equity.lowest_share, fair.lowest) {
        (Some(got), Some(want)) => prop_assert!((got - want).abs() < 1e-6, "{got} vs {want}"),
        (got, want) => prop_assert_eq!(got, want),
    }
    prop_assert!(
        (plan.balance.sum_f - fair.spread).abs() < 1e-6,
        "sum of f {} vs brute force {}",
        plan.balance.sum_f,
        fair.spread
    );
    prop_assert!(
        (plan.equity.score_given_up - (oracle.best - fair.value)).abs() < 1e-6,
        "price of fairness {} vs brute force {}",
        plan.equity.score_given_up,
        oracle.best - fair.value
    );
    let mut fairer = false;
    if let (Some(with), Some(without)) = (
        plan.equity.lowest_share,
        plan.equity.lowest_share_without_equity,
    ) {
        prop_assert!(with >= without - 1e-9);
        if with > without + 1e-9 {
            fairer = true;
            prop_assert!(plan.equity.families_moved > 0);
        }
    }
    // Every district's row adds up.
    for d in &plan.equity.districts {
        prop_assert!(d.served <= d.families && d.families > 0);
    }
    Ok(fairer)
}

/// Equity across districts (`max_min`) against the brute force, on one-area weeks
/// (areas are independent).
#[test]
fn equity_matches_brute_force() {
    let mut runner = TestRunner::new(Config {
        cases: 600,
        max_shrink_iters: 200,
        ..Config::default()
    });
    let one_area = week_strategy().prop_map(|mut caseload| {
        caseload.supporters.retain(|s| s.area == "A");
        caseload.referrals.retain(|r| r.area == "A");
        caseload
    });
    let (weeks, fairer) = (Cell::new(0u32), Cell::new(0u32));
    let result = runner.run(&one_area, |caseload| {
        weeks.set(weeks.get() + 1);
        if equity_as_brute_force(&caseload)? {
            fairer.set(fairer.get() + 1);
        }
        Ok(())
    });
    if let Err(failure) = result {
        panic!("{failure}");
    }
    println!(
        "equity raised the lowest district share in {} of {} weeks",
        fairer.get(),
        weeks.get()
    );
    assert!(
        fairer.get() >= weeks.get() / 50,
        "equity barely tested: it changed {} of {} weeks",
        fairer.get(),
        weeks.get()
    );
}

/// A week the random search found, kept: two volunteers with room for one family each;
/// district BN1 counts three families (two of an hour, one of two hours whose
/// supporter is not in the file) and the best-score plan serves one of them. Two are
/// served in the fairest plan. Started from the best-score plan with probing and
/// enumeration both off in presolve (once caseload's setting for small models), HiGHS
/// 1.15.0 proved a lowest share of a third "optimal" on this week's first equity
/// model, and HiGHS 1.16.0 reported two thirds but returned the start's third.
#[test]
fn equity_week_that_light_presolve_got_wrong() {
    let volunteer = |n: usize| Supporter {
        id: format!("A-S{n}"),
        area: "A".into(),
        status: SupporterStatus::Volunteer,
        hours_per_week: 2.0,
        max_cases: 1,
        skills: vec![],
        languages: vec![],
        local: false,
        districts: vec![],
        unavailable_from: None,
        unavailable_to: None,
    };
    let family = |n: usize, district: Option<&str>, priority: u8, received: i64| Referral {
        id: format!("R{n:02}"),
        area: "A".into(),
        district: district.map(Into::into),
        received: date(received),
        source: Source::SelfReferral,
        consent: Some(true),
        kind: if n.is_multiple_of(2) {
            ReferralKind::New
        } else {
            ReferralKind::Transfer
        },
        clock_start: None,
        priority,
        complexity: Complexity::Low,
        hours_per_week: None,
        needs: vec![],
        language: None,
        exclude: vec![],
        supporter_id: None,
        closed: None,
        unavailable_from: None,
        unavailable_to: None,
        exception: None,
        exception_noted: None,
    };
    let autism = |mut r: Referral| {
        r.needs = vec!["autism".into()];
        r
    };
    let mut half_hour = family(3, None, 1, 0);
    half_hour.hours_per_week = Some(0.5);
    let mut orphaned = family(6, Some("BN1"), 5, 5);
    orphaned.source = Source::La;
    orphaned.clock_start = Some(date(19));
    orphaned.complexity = Complexity::Medium;
    orphaned.supporter_id = Some("A-S3".into());
    let mut away_later = autism(family(7, Some("BN1"), 1, 86));
    away_later.source = Source::La;
    away_later.clock_start = Some(date(71));
    away_later.unavailable_from = Some(date(-4));
    let caseload = Caseload {
        supporters: vec![volunteer(0), volunteer(1)],
        referrals: vec![
            family(0, None, 5, 64),
            autism(family(1, None, 1, 0)),
            family(2, Some("BN1"), 1, 0),
            half_hour,
            family(4, Some("BN1"), 1, 0),
            family(5, None, 1, 0),
            orphaned,
            away_later,
        ],
        warnings: vec![],
        origins: Default::default(),
    };
    let fairer = equity_as_brute_force(&caseload).unwrap_or_else(|failure| panic!("{failure}"));
    assert!(
        fairer,
        "the fairest plan serves two of BN1's three families"
    );
}

/// What HiGHS makes of a model file it reads itself: (objective, columns, rows).
fn solve_file(file: &Path) -> (f64, i32, i32) {
    let path = CString::new(file.to_str().unwrap()).unwrap();
    // SAFETY: the instance is created, used and destroyed here; the strings are valid
    // NUL-terminated C strings that HiGHS only reads.
    unsafe {
        let highs = highs_sys::Highs_create();
        highs_sys::Highs_setBoolOptionValue(highs, c"output_flag".as_ptr(), 0);
        let read = highs_sys::Highs_readModel(highs, path.as_ptr());
        assert_ne!(read, highs_sys::STATUS_ERROR, "HiGHS cannot read {file:?}");
        assert_ne!(highs_sys::Highs_run(highs), highs_sys::STATUS_ERROR);
        let status = highs_sys::Highs_getModelStatus(highs);
        let answer = (
            highs_sys::Highs_getObjectiveValue(highs),
            highs_sys::Highs_getNumCol(highs),
            highs_sys::Highs_getNumRow(highs),
        );
        highs_sys::Highs_destroy(highs);
        assert!(
            status == highs_sys::MODEL_STATUS_OPTIMAL
                || status == highs_sys::MODEL_STATUS_MODEL_EMPTY,
            "HiGHS status {status} on {file:?}"
        );
        answer
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, max_shrink_iters: 100, ..ProptestConfig::default() })]

    /// The exported full model, read back and solved by HiGHS on its own, has the
    /// brute force's optimum and exactly the contract's variables and rows: one per
    /// (waiting family, eligible supporter), one per such family, two per such
    /// supporter (none without a variable). The reduced model has the same optimum.
    #[test]
    fn exported_models_solve_to_the_brute_force_optimum(caseload in week_strategy()) {
        let oracle = oracle(&caseload);
        prop_assume!(oracle.pairs > 0);
        let week = PlanningWeek::parse(WEEK).unwrap();
        let dir = tempfile::tempdir().unwrap();
        for (scope, name) in [(ModelScope::Full, "week.lp"), (ModelScope::Full, "week.mps"), (ModelScope::Reduced, "reduced.lp")] {
            let file = dir.path().join(name);
            export_model(&caseload, week, &Policy::default(), scope, &[], &file).unwrap();
            let (objective, columns, rows) = solve_file(&file);
            prop_assert!((objective - oracle.best).abs() < 1e-6,
                "{}: HiGHS on the file {} vs brute force {}", name, objective, oracle.best);
            if scope == ModelScope::Full {
                prop_assert_eq!(columns as usize, oracle.pairs, "{}", name);
                prop_assert_eq!(rows as usize, oracle.families + 2 * oracle.supporters, "{}", name);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, max_shrink_iters: 200, ..ProptestConfig::default() })]

    #[test]
    fn every_active_referral_appears_exactly_once_and_capacity_holds(caseload in week_strategy()) {
        let plan = plan(&caseload, 2);
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for id in plan.assignments.iter().map(|a| &a.referral_id).chain(plan.waiting.iter().map(|w| &w.referral_id)) {
            *seen.entry(id.as_str()).or_default() += 1;
        }
        let active_ids: Vec<&str> = caseload.referrals.iter().filter(|r| active(r)).map(|r| r.id.as_str()).collect();
        prop_assert_eq!(seen.len(), active_ids.len());
        for id in active_ids {
            prop_assert_eq!(seen.get(id), Some(&1), "{}", id);
        }
        prop_assert_eq!(plan.summary.active, plan.assignments.len() + plan.waiting.len());
        for load in &plan.supporters {
            if load.new_cases > 0 {
                prop_assert!(load.hours_used <= load.hours_per_week + 1e-6, "{:?}", load);
                prop_assert!(load.cases <= load.max_cases, "{:?}", load);
                prop_assert!(!load.on_leave && !load.over_capacity);
            }
        }
        for a in plan.assignments.iter().filter(|a| !a.open_case) {
            let r = caseload.referrals.iter().find(|r| r.id == a.referral_id).unwrap();
            let s = caseload.supporters.iter().find(|s| s.id == a.supporter_id).unwrap();
            prop_assert_eq!(oracle_rule(r, s), Ok(()));
        }
        // Issue 10: an open case of a family away this week simply stays open.
        let present: HashSet<&str> = caseload.supporters.iter().map(|s| s.id.as_str()).collect();
        for r in caseload.referrals.iter().filter(|r| active(r) && oracle_away(r)) {
            let held = plan.assignments.iter().find(|a| a.referral_id == r.id);
            match r.supporter_id.as_deref().filter(|h| present.contains(h)) {
                Some(h) => prop_assert!(held.is_some_and(|a| a.open_case && a.supporter_id == h), "{}", r.id),
                None => prop_assert!(held.is_none(), "{}", r.id),
            }
        }
    }

    #[test]
    fn results_do_not_depend_on_thread_count(caseload in week_strategy()) {
        prop_assert_eq!(plan(&caseload, 1), plan(&caseload, 2));
    }

    #[test]
    fn greedy_never_beats_the_optimum(caseload in week_strategy()) {
        let week = PlanningWeek::parse(WEEK).unwrap();
        let greedy = allocate(&caseload, week, &Policy::default(), &Greedy, &Options::default()).unwrap();
        let optimal = plan(&caseload, 2);
        prop_assert!(greedy.solver.objective <= optimal.solver.objective + 1e-6);
        prop_assert!(greedy.solver.bound >= optimal.solver.objective - 1e-6);
    }
}

/// The fixture weeks: the exported full model (every area in one file), read back and
/// solved by HiGHS, has the plan's objective; so has the reduced model.
#[test]
fn fixture_weeks_exported_models_give_the_plans_objective() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
    let week = PlanningWeek::parse(WEEK).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for fixture in ["provider-week", "national-week"] {
        let caseload = Caseload::load(
            &root.join(fixture).join("supporters.csv"),
            &root.join(fixture).join("referrals.csv"),
        )
        .unwrap();
        let plan = plan(&caseload, 2);
        for (scope, name) in [
            (ModelScope::Full, "full.mps"),
            (ModelScope::Reduced, "reduced.lp"),
        ] {
            let file = dir.path().join(format!("{fixture}-{name}"));
            export_model(&caseload, week, &Policy::default(), scope, &[], &file).unwrap();
            let (objective, _, _) = solve_file(&file);
            assert!(
                (objective - plan.solver.objective).abs() < 1e-6,
                "{fixture} {name}: HiGHS on the file {objective}, plan {}",
                plan.solver.objective
            );
        }
    }
}

/// With decisions, the exported model is the one `allocate` solves under them: its
/// optimum plus the pinned families' scores is the plan's objective.
#[test]
fn exported_models_with_decisions_give_the_plans_objective() {
    let caseload = fixture_area("provider-week", "E06000043");
    let week = PlanningWeek::parse(WEEK).unwrap();
    let decisions = vec![
        Decision::new(DecisionKind::Pin, "BH-R0071", "BH-S01"),
        Decision::new(DecisionKind::Forbid, "BH-R0082", "BH-S08"),
    ];
    let options = Options {
        threads: Some(1),
        decisions: decisions.clone(),
        ..Options::default()
    };
    let plan = allocate(&caseload, week, &Policy::default(), &Optimal, &options).unwrap();
    let pinned: f64 = plan
        .assignments
        .iter()
        .filter(|a| a.marks.decision.as_deref() == Some("pinned"))
        .map(|a| a.score)
        .sum();
    assert!(pinned > 0.0);
    let dir = tempfile::tempdir().unwrap();
    for (scope, name) in [
        (ModelScope::Full, "full.lp"),
        (ModelScope::Reduced, "reduced.mps"),
    ] {
        let file = dir.path().join(name);
        export_model(
            &caseload,
            week,
            &Policy::default(),
            scope,
            &decisions,
            &file,
        )
        .unwrap();
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(text.contains("1 pinned families fixed"), "{name}");
        assert!(
            !text.contains("x(BH_R0082,BH_S08)"),
            "{name}: a forbidden pair"
        );
        let (objective, _, _) = solve_file(&file);
        assert!(
            (objective + pinned - plan.solver.objective).abs() < 1e-6,
            "{name}: {objective} + {pinned} vs plan {}",
            plan.solver.objective
        );
    }
    // Decisions that cannot hold write no model.
    let file = dir.path().join("refused.lp");
    let refused = vec![Decision::new(DecisionKind::Pin, "BH-R0071", "BH-S02")];
    assert!(matches!(
        export_model(
            &caseload,
            week,
            &Policy::default(),
            ModelScope::Full,
            &refused,
            &file
        ),
        Err(SolveError::Decisions(_))
    ));
    assert!(!file.exists());
}

/// A tiny week and one to three decisions on its families and supporters (half pins,
/// half forbids), drawn blind: many cannot hold, and those must be refused.
fn decided_week_strategy() -> impl Strategy<Value = (Caseload, Vec<(usize, usize, DecisionKind)>)> {
    let decision = (
        any::<prop::sample::Index>(),
        any::<prop::sample::Index>(),
        prop::bool::weighted(0.5),
    );
    (week_strategy(), prop::collection::vec(decision, 1..=3)).prop_map(|(caseload, drawn)| {
        let decisions = drawn
            .into_iter()
            .map(|(r, s, pin)| {
                let kind = if pin {
                    DecisionKind::Pin
                } else {
                    DecisionKind::Forbid
                };
                (
                    r.index(caseload.referrals.len()),
                    s.index(caseload.supporters.len()),
                    kind,
                )
            })
            .collect();
        (caseload, decisions)
    })
}

/// Decisions are hard constraints: the plan is the brute force's optimum among the plans
/// that keep them, and a set that no plan keeps is refused with its reasons.
#[test]
fn decisions_match_brute_force() {
    let mut runner = TestRunner::new(Config {
        cases: 600,
        max_shrink_iters: 200,
        ..Config::default()
    });
    let (held, refused) = (Cell::new(0u32), Cell::new(0u32));
    let result = runner.run(&decided_week_strategy(), |(caseload, drawn)| {
        let decisions: Vec<Decision> = drawn
            .iter()
            .map(|&(r, s, kind)| {
                let pair = format!("{}={}", caseload.referrals[r].id, caseload.supporters[s].id);
                Decision::from_flag(kind, &pair).unwrap()
            })
            .collect();
        let options = Options {
            threads: Some(1),
            decisions,
            ..Options::default()
        };
        let week = PlanningWeek::parse(WEEK).unwrap();
        let result = allocate(&caseload, week, &Policy::default(), &Optimal, &options);
        match (oracle_deciding(&caseload, &drawn), result) {
            (Some(oracle), Ok(plan)) => {
                held.set(held.get() + 1);
                proven_at(&plan, oracle.best)?;
                let report = plan.decisions.as_ref().unwrap();
                let free = oracle_deciding(&caseload, &[]).unwrap().best;
                prop_assert!((report.objective_without - free).abs() < 1e-6);
                for &(r, s, kind) in &drawn {
                    let (r, s) = (&caseload.referrals[r].id, &caseload.supporters[s].id);
                    let holder = plan.assignments.iter().find(|a| &a.referral_id == r);
                    match kind {
                        DecisionKind::Pin => {
                            prop_assert_eq!(holder.map(|a| &a.supporter_id), Some(s))
                        }
                        DecisionKind::Forbid => {
                            prop_assert!(holder.is_none_or(|a| &a.supporter_id != s))
                        }
                    }
                }
                let placed: usize = plan.supporters.iter().map(|l| l.new_cases as usize).sum();
                prop_assert_eq!(placed, plan.summary.newly_assigned);
                for load in plan.supporters.iter().filter(|l| l.new_cases > 0) {
                    prop_assert!(load.hours_used <= load.hours_per_week + 1e-6, "{:?}", load);
                    prop_assert!(load.cases <= load.max_cases, "{:?}", load);
                }
            }
            (None, Err(SolveError::Decisions(err))) => {
                refused.set(refused.get() + 1);
                prop_assert!(!err.problems.is_empty());
            }
            (oracle, result) => {
                prop_assert!(
                    false,
                    "brute force feasible: {}, solver: {:?}",
                    oracle.is_some(),
                    result.map(|p| p.solver.objective)
                );
            }
        }
        Ok(())
    });
    if let Err(failure) = result {
        panic!("{failure}");
    }
    println!(
        "{} decision sets held, {} refused",
        held.get(),
        refused.get()
    );
    assert!(held.get() >= 100 && refused.get() >= 100);
}

/// The fixture weeks, against an independent model of each decision built from the
/// contract's own rules: a pin R=S is the week in which R is already S's open case
/// (which takes S's room, and frees a previous supporter's), plus score(R, S); a forbid
/// R=S is the week in which S is in R's `exclude` list (and R, if S held it, waits).
/// A third of the pairs of the provider week are checked, and a spread of the national week's
/// largest area.
#[test]
fn fixture_decisions_match_the_register_rewritten_by_hand() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
    let week = PlanningWeek::parse(WEEK).unwrap();
    // Scores only: the balance stage never changes one, and would triple the time.
    let policy = Policy {
        balance: Balance::None,
        ..Policy::default()
    };
    let solve = |caseload: &Caseload, decisions: Vec<Decision>| {
        let options = Options {
            threads: Some(2),
            decisions,
            ..Options::default()
        };
        allocate(caseload, week, &policy, &Optimal, &options)
    };
    for (fixture, stride) in [("provider-week", 3), ("national-week", 13)] {
        let caseload = Caseload::load(
            &root.join(fixture).join("supporters.csv"),
            &root.join(fixture).join("referrals.csv"),
        )
        .unwrap();
        // The area with the most supporters, on its own (areas are independent).
        let area = caseload
            .supporters
            .iter()
            .map(|s| &s.area)
            .max_by_key(|a| {
                let size = caseload.supporters.iter().filter(|s| &&s.area == a).count();
                (size, std::cmp::Reverse(*a))
            })
            .unwrap()
            .clone();
        let mut caseload = caseload;
        caseload.supporters.retain(|s| s.area == area);
        caseload.referrals.retain(|r| r.area == area);
        let plain = solve(&caseload, vec![]).unwrap();
        let (mut pins, mut forbids) = (0, 0);
        let pairs = caseload
            .referrals
            .iter()
            .enumerate()
            .filter(|(_, r)| active(r))
            .flat_map(|(r, _)| {
                caseload
                    .supporters
                    .iter()
                    .enumerate()
                    .map(move |(s, _)| (r, s))
            })
            .step_by(stride);
        for (r, s) in pairs {
            let (referral, supporter) = (&caseload.referrals[r], &caseload.supporters[s]);
            let pair = format!("{}={}", referral.id, supporter.id);
            let holds = referral.supporter_id.as_deref() == Some(supporter.id.as_str());

            // Forbid: S joins R's exclude list; an open case S held waits again.
            let mut by_hand = caseload.clone();
            let row = &mut by_hand.referrals[r];
            row.exclude.push(supporter.id.clone());
            row.exclude.sort();
            if holds {
                row.supporter_id = None;
            }
            let forbid = Decision::from_flag(DecisionKind::Forbid, &pair).unwrap();
            let decided = solve(&caseload, vec![forbid]).unwrap();
            let expected = solve(&by_hand, vec![]).unwrap();
            assert!(
                (decided.solver.objective - expected.solver.objective).abs() < 1e-6,
                "{fixture}: forbid {pair}: {} vs by hand {}",
                decided.solver.objective,
                expected.solver.objective
            );
            forbids += 1;

            // Pin: R is S's open case. Refused exactly when S may not take R or has no
            // room for it (by hand: S would be over a limit).
            let pin = Decision::from_flag(DecisionKind::Pin, &pair).unwrap();
            let decided = solve(&caseload, vec![pin]);
            if holds {
                assert_eq!(decided.unwrap().solver.objective, plain.solver.objective);
                continue;
            }
            let mut by_hand = caseload.clone();
            by_hand.referrals[r].supporter_id = Some(supporter.id.clone());
            let expected = solve(&by_hand, vec![]).unwrap();
            let load = expected
                .supporters
                .iter()
                .find(|l| l.supporter_id == supporter.id)
                .unwrap();
            let fits = oracle_rule(referral, supporter).is_ok()
                && load.hours_used <= load.hours_per_week + 1e-6
                && load.cases <= load.max_cases;
            match decided {
                Ok(plan) => {
                    assert!(fits, "{fixture}: pin {pair} held but should not");
                    let score = oracle_score(referral, supporter);
                    assert!(
                        (plan.solver.objective - expected.solver.objective - score).abs() < 1e-6,
                        "{fixture}: pin {pair}: {} vs by hand {} + {score}",
                        plan.solver.objective,
                        expected.solver.objective
                    );
                    pins += 1;
                }
                Err(SolveError::Decisions(_)) => {
                    assert!(!fits, "{fixture}: pin {pair} refused but fits")
                }
                Err(other) => panic!("{fixture}: pin {pair}: {other}"),
            }
        }
        println!("{fixture} area {area}: {pins} pins and {forbids} forbids checked");
        assert!(
            pins >= 10 && forbids >= 50,
            "{fixture}: too few pairs checked"
        );
    }
}

/// One area of a fixture week, on its own (areas are independent).
fn fixture_area(fixture: &str, area: &str) -> Caseload {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
    let mut caseload = Caseload::load(
        &root.join(fixture).join("supporters.csv"),
        &root.join(fixture).join("referrals.csv"),
    )
    .unwrap();
    caseload.supporters.retain(|s| s.area == area);
    caseload.referrals.retain(|r| r.area == area);
    caseload
}

/// `recommend` agrees with planning the week again with a pin for each candidate: the
/// same total, and a refusal exactly for the supporters it says cannot take the family.
/// Every active family of the provider week, and a spread of the national week's
/// largest area (on its own: areas are independent).
#[test]
fn recommend_agrees_with_a_pin_per_candidate() {
    let week = PlanningWeek::parse(WEEK).unwrap();
    let policy = Policy::default();
    for (fixture, area, stride) in [
        ("provider-week", "E06000043", 1),
        ("national-week", "E10000016", 9),
    ] {
        let caseload = fixture_area(fixture, area);
        let options = Options {
            threads: Some(2),
            ..Options::default()
        };
        let plain = allocate(&caseload, week, &policy, &Optimal, &options).unwrap();
        let families: Vec<String> = caseload
            .referrals
            .iter()
            .filter(|r| active(r))
            .map(|r| r.id.clone())
            .step_by(stride)
            .collect();
        let mut candidates = 0;
        for family in &families {
            let r = recommend(&caseload, week, &policy, &options, family).unwrap();
            assert_eq!(r.plan_objective, plain.solver.objective, "{family}");
            assert_eq!(
                r.candidates.len() + r.unable.len(),
                caseload.supporters.len()
            );
            for c in &r.candidates {
                let pin =
                    Decision::from_flag(DecisionKind::Pin, &format!("{family}={}", c.supporter_id))
                        .unwrap();
                let pinned = Options {
                    decisions: vec![pin],
                    ..options.clone()
                };
                let plan = allocate(&caseload, week, &policy, &Optimal, &pinned).unwrap();
                assert!(
                    (plan.solver.objective - c.total).abs() < 1e-6,
                    "{fixture} {family} with {}: recommend {} vs pinned plan {}",
                    c.supporter_id,
                    c.total,
                    plan.solver.objective
                );
                candidates += 1;
            }
            for u in &r.unable {
                let pin =
                    Decision::from_flag(DecisionKind::Pin, &format!("{family}={}", u.supporter_id))
                        .unwrap();
                let pinned = Options {
                    decisions: vec![pin],
                    ..options.clone()
                };
                let refused = allocate(&caseload, week, &policy, &Optimal, &pinned);
                assert!(
                    matches!(refused, Err(SolveError::Decisions(_))),
                    "{family} with {}",
                    u.supporter_id
                );
            }
            // Ranked by total, best first.
            assert!(r.candidates.windows(2).all(|w| w[0].total >= w[1].total));
            // Without the family: at most the plan, and the best candidate's change.
            assert!(r.without_family <= r.plan_objective + 1e-6 || r.open_case_with.is_some());
        }
        println!(
            "{fixture}: {} families, {candidates} candidates checked",
            families.len()
        );
        assert!(candidates >= 20, "{fixture}: too few candidates");
    }
}

/// An explanation's `pin_refused` says exactly which pins `allocate` refuses: for every
/// active family of the provider week and every supporter of its area, with another
/// family's pin already in force (room held by a pin is not room for another).
#[test]
fn pin_refused_agrees_with_allocate_for_every_pair() {
    let week = PlanningWeek::parse(WEEK).unwrap();
    let policy = Policy::default();
    let caseload = fixture_area("provider-week", "E06000043");
    let base = Decision::from_flag(DecisionKind::Pin, "BH-R0071=BH-S01").unwrap();
    let options = Options {
        threads: Some(2),
        decisions: vec![base.clone()],
        ..Options::default()
    };
    let plan = allocate(&caseload, week, &policy, &Optimal, &options).unwrap();
    let (mut refused, mut held) = (0, 0);
    for family in caseload
        .referrals
        .iter()
        .filter(|r| active(r) && r.supporter_id.is_none())
    {
        if family.id == "BH-R0071" {
            continue;
        }
        let e = explain(&caseload, &policy, &plan, &family.id).unwrap();
        for v in &e.supporters {
            let pin = Decision::from_flag(
                DecisionKind::Pin,
                &format!("{}={}", family.id, v.supporter_id),
            )
            .unwrap();
            let pinned = Options {
                decisions: vec![base.clone(), pin],
                ..options.clone()
            };
            let outcome = allocate(&caseload, week, &policy, &Optimal, &pinned);
            match (&outcome, v.pin_refused) {
                (Ok(_), None) => held += 1,
                (Err(SolveError::Decisions(_)), Some(_)) => refused += 1,
                _ => panic!(
                    "{} with {}: pin_refused {:?}, allocate {:?}",
                    family.id,
                    v.supporter_id,
                    v.pin_refused,
                    outcome.map(|p| p.solver.objective)
                ),
            }
        }
    }
    println!("{held} pins held, {refused} refused");
    assert!(held >= 10 && refused >= 100, "{held} {refused}");
}

/// The balanced plan on the fixture weeks, against an independent model written here
/// from the contract's rules (this file's oracle functions) with another formulation of
/// f: each supporter's share as a convex combination of the grid points 0, 0.05, ...
/// (weights λ), f = Σ λ g², which convexity makes exact without integer variables.
/// Stage one must give the plan's objective, stage two the plan's sum of f(share).
#[test]
fn fixture_balance_matches_an_independent_model() {
    for (fixture, area) in [
        ("provider-week", "E06000043"),
        ("national-week", "E10000016"),
    ] {
        let caseload = fixture_area(fixture, area);
        let plan = plan(&caseload, 2);
        let week = IndependentWeek::of(&caseload);
        let none = HashMap::new();
        let best = week.solve(&none, None).unwrap().score;
        assert!(
            (best - plan.solver.objective).abs() < 1e-6,
            "{fixture}: stage one {best} vs plan {}",
            plan.solver.objective
        );
        let least = week.solve(&none, Some(best)).unwrap().spread;
        assert!(
            (least - plan.balance.sum_f).abs() < 1e-5,
            "{fixture}: stage two {least} vs plan {}",
            plan.balance.sum_f
        );
        println!("{fixture} {area}: objective {best}, sum of f {least}");
    }
}

/// Equity across districts (`max_min`) on fixture areas against the independent model
/// solved another way: no share variable, but a binary search over the shares a
/// district can have (served / families), each a feasibility question "can every
/// district reach this share?" with integer floors. The highest share that can be
/// reached, the best score with it and the least spread with both must be the plan's.
#[test]
fn fixture_equity_matches_an_independent_model() {
    let policy = Policy {
        district_equity: DistrictEquity::MaxMin,
        ..Policy::default()
    };
    let monday = PlanningWeek::parse(WEEK).unwrap();
    let mut raised = 0;
    for (fixture, area) in [
        ("provider-week", "E06000043"),
        ("national-week", "E10000016"),
        ("national-week", "E08000025"),
    ] {
        let caseload = fixture_area(fixture, area);
        let options = Options {
            threads: Some(2),
            ..Options::default()
        };
        let plan = allocate(&caseload, monday, &policy, &Optimal, &options).unwrap();
        let week = IndependentWeek::of(&caseload);
        let floors_at = |share: f64| -> HashMap<&str, u32> {
            week.counted
                .iter()
                .map(|(d, &n)| (*d, (share * f64::from(n) - 1e-9).ceil() as u32))
                .collect()
        };
        let mut shares: Vec<f64> = week
            .counted
            .values()
            .flat_map(|&n| (0..=n).map(move |k| f64::from(k) / f64::from(n)))
            .collect();
        shares.sort_by(f64::total_cmp);
        shares.dedup_by(|a, b| (*a - *b).abs() < 1e-12);
        // shares[0] = 0 is always reachable; find the last reachable one.
        let (mut low, mut high) = (0, shares.len());
        while high - low > 1 {
            let middle = (low + high) / 2;
            if week.solve(&floors_at(shares[middle]), None).is_some() {
                low = middle;
            } else {
                high = middle;
            }
        }
        let lowest = shares[low];
        let floors = floors_at(lowest);
        let fair = week.solve(&floors, None).unwrap().score;
        let least = week.solve(&floors, Some(fair)).unwrap().spread;
        let best = week.solve(&HashMap::new(), None).unwrap().score;
        assert_eq!(plan.solver.status, "optimal", "{fixture} {area}");
        let got = plan.equity.lowest_share.unwrap();
        assert!(
            (got - lowest).abs() < 1e-6,
            "{fixture} {area}: lowest share {got} vs {lowest}"
        );
        assert!(
            (plan.solver.objective - fair).abs() < 1e-6,
            "{fixture} {area}: score {} vs {fair}",
            plan.solver.objective
        );
        assert!(
            (plan.balance.sum_f - least).abs() < 1e-5,
            "{fixture} {area}: sum of f {} vs {least}",
            plan.balance.sum_f
        );
        assert!((plan.equity.score_given_up - (best - fair)).abs() < 1e-6);
        if plan.equity.lowest_share_without_equity.unwrap() < lowest - 1e-9 {
            raised += 1;
        }
        println!(
            "{fixture} {area}: lowest district share {lowest} (without equity {:?}), score {fair} (best {best}), sum of f {least}",
            plan.equity.lowest_share_without_equity
        );
    }
    assert!(raised >= 1, "equity changed none of the fixture areas");
}

/// The simulator's placements of each area week are the plans `allocate` makes with the
/// same policy, on every area of the national week: `optimal_equity` with
/// `district_equity = "max_min"`, `optimal` without, each with `balance = "none"` and
/// `"hours"`: the same families with the same supporters.
#[test]
fn simulator_placements_are_the_plans_of_allocate() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/national-week");
    let caseload =
        Caseload::load(&root.join("supporters.csv"), &root.join("referrals.csv")).unwrap();
    let week = PlanningWeek::parse(WEEK).unwrap();
    let planned = |policy: &Policy| -> HashSet<(String, String)> {
        let plan = allocate(&caseload, week, policy, &Optimal, &Options::default()).unwrap();
        plan.assignments
            .iter()
            .filter(|a| !a.open_case)
            .map(|a| (a.referral_id.clone(), a.supporter_id.clone()))
            .collect()
    };
    // Per balance policy, the simulator's `optimal` placements.
    let mut best_placements = Vec::new();
    for balance in [Balance::None, Balance::Hours] {
        let policy = Policy {
            balance,
            ..Policy::default()
        };
        let fair_policy = Policy {
            district_equity: DistrictEquity::MaxMin,
            ..policy.clone()
        };
        let (mut placed, mut placed_fairly) = (HashSet::new(), HashSet::new());
        let mut moved_areas = 0;
        for area in area_weeks(&caseload, week, &policy) {
            let fair = area.fill_equitably(&caseload, Effort::default()).unwrap();
            let best = area.fill_optimally(Effort::default()).unwrap();
            for placement in [&fair, &best] {
                assert!(area.admits(placement), "{}", area.area());
                assert!(placement.optimised().unwrap().proven, "{}", area.area());
            }
            let score =
                |p: &caseload_solve::Placement| area.new_cases(p).map(|c| c.score).sum::<f64>();
            assert!(score(&fair) <= score(&best) + 1e-9, "{}", area.area());
            if fair != best {
                moved_areas += 1;
            }
            for (placement, into) in [(&best, &mut placed), (&fair, &mut placed_fairly)] {
                for case in area.new_cases(placement) {
                    into.insert((
                        caseload.referrals[case.referral].id.clone(),
                        caseload.supporters[case.supporter].id.clone(),
                    ));
                }
            }
        }
        assert_eq!(placed, planned(&policy), "{balance:?}");
        assert_eq!(placed_fairly, planned(&fair_policy), "{balance:?}");
        assert!(moved_areas > 0, "equity moved no family in any area");
        println!("{balance:?}: equity changed the placement in {moved_areas} areas");
        best_placements.push(placed);
    }
    // Balance moves families: the two simulated weeks differ.
    assert_ne!(best_placements[0], best_placements[1]);
}

/// One area's week as an independent per-family model, from the contract's rules (this
/// file's oracle functions).
struct IndependentWeek<'a> {
    caseload: &'a Caseload,
    /// Per supporter: hours and cases of open cases.
    open: Vec<(f64, u32)>,
    waiting: Vec<&'a Referral>,
    /// Per district: its waiting families that some supporter with room could take.
    counted: HashMap<&'a str, u32>,
}

/// What the independent model found: the plan's score, its sum of f(share).
struct Found {
    score: f64,
    spread: f64,
}

impl<'a> IndependentWeek<'a> {
    fn of(caseload: &'a Caseload) -> IndependentWeek<'a> {
        let ids: HashSet<&str> = caseload.supporters.iter().map(|s| s.id.as_str()).collect();
        let mut open = vec![(0.0, 0u32); caseload.supporters.len()];
        let mut waiting = Vec::new();
        for r in caseload.referrals.iter().filter(|r| active(r)) {
            match r.supporter_id.as_deref().filter(|h| ids.contains(h)) {
                Some(h) => {
                    let s = caseload.supporters.iter().position(|s| s.id == h).unwrap();
                    open[s].0 += oracle_hours(r);
                    open[s].1 += 1;
                }
                None => waiting.push(r),
            }
        }
        let mut week = IndependentWeek {
            caseload,
            open,
            waiting,
            counted: HashMap::new(),
        };
        for r in &week.waiting {
            let room = caseload
                .supporters
                .iter()
                .enumerate()
                .any(|(s, supporter)| {
                    let (h, c) = week.room(s);
                    oracle_rule(r, supporter).is_ok() && c >= 1.0 && oracle_hours(r) <= h + 1e-9
                });
            if let Some(d) = r.district.as_deref().filter(|_| room) {
                *week.counted.entry(d).or_default() += 1;
            }
        }
        week
    }

    /// Supporter `s`'s free hours and case slots (none when over a limit).
    fn room(&self, s: usize) -> (f64, f64) {
        let supporter = &self.caseload.supporters[s];
        let (h, c) = self.open[s];
        if h > supporter.hours_per_week + 1e-9 || c > supporter.max_cases {
            (0.0, 0.0)
        } else {
            (
                supporter.hours_per_week - h,
                f64::from(supporter.max_cases - c),
            )
        }
    }

    /// The best score with at least `floors` families served per district, or with
    /// `score_floor` the least spread among plans scoring that much; `None` when no plan
    /// meets the floors. f(share) is written as a convex combination of the grid points
    /// 0, 0.05, ... (weights λ), f = Σ λ g², which convexity makes exact without
    /// integer variables.
    fn solve(&self, floors: &HashMap<&str, u32>, score_floor: Option<f64>) -> Option<Found> {
        use good_lp::{variable, Expression, ProblemVariables, Solution, SolverModel};
        let supporters = &self.caseload.supporters;
        let mut vars = ProblemVariables::new();
        let mut score = Expression::default();
        let mut hours = vec![Expression::default(); supporters.len()];
        let mut cases = vec![Expression::default(); supporters.len()];
        let mut served: HashMap<&str, Expression> = HashMap::new();
        let mut rows = Vec::new();
        for r in &self.waiting {
            let mut once = Expression::default();
            for (s, supporter) in supporters.iter().enumerate() {
                if oracle_rule(r, supporter).is_err() {
                    continue;
                }
                let x = vars.add(variable().binary());
                score.add_mul(oracle_score(r, supporter), x);
                hours[s].add_mul(oracle_hours(r), x);
                cases[s].add_mul(1.0, x);
                once.add_mul(1.0, x);
                if let Some(d) = r.district.as_deref() {
                    served.entry(d).or_default().add_mul(1.0, x);
                }
            }
            rows.push(once.leq(1.0));
        }
        for (d, &floor) in floors {
            if floor > 0 {
                rows.push(served.remove(d).unwrap_or_default().geq(f64::from(floor)));
            }
        }
        let mut spread = Expression::default();
        for (s, supporter) in supporters.iter().enumerate() {
            let (room_h, room_c) = self.room(s);
            let h = self.open[s].0;
            rows.push(hours[s].clone().leq(room_h));
            rows.push(cases[s].clone().leq(room_c));
            // share = Σ λ_k g_k over the grid up to the largest share possible.
            let top = ((h + room_h) / supporter.hours_per_week * 20.0).ceil() as i32 + 1;
            let mut weights = Expression::default();
            let mut share = Expression::default();
            for k in 0..=top {
                let g = f64::from(k) * 0.05;
                let lambda = vars.add(variable().min(0.0));
                weights.add_mul(1.0, lambda);
                share.add_mul(g, lambda);
                spread.add_mul(g * g, lambda);
            }
            rows.push(weights.eq(1.0));
            let used = (hours[s].clone() + h) * (1.0 / supporter.hours_per_week);
            rows.push((share - used).eq(0.0));
        }
        let model = match score_floor {
            None => vars.maximise(score.clone()),
            Some(_) => vars.minimise(spread.clone()),
        };
        let mut problem = good_lp::solvers::highs::highs(model)
            .set_option("mip_rel_gap", 0.0)
            .set_option("output_flag", false)
            .with_all(rows);
        if let Some(floor) = score_floor {
            problem = problem.with(score.clone().geq(floor - 1e-6));
        }
        let solution = problem.solve().ok()?;
        Some(Found {
            score: solution.eval(&score),
            spread: solution.eval(&spread),
        })
    }
}
