//! Everything random in one replication, drawn before any policy runs, so that every
//! policy sees the same families, the same plans and the same volunteers leaving
//! (common random numbers): differences between policies are the policies'.

use std::collections::BTreeMap;

use caseload_model::{Complexity, Referral, ReferralKind, Source, Supporter, SupporterStatus};
use chrono::{Datelike, Duration, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Geometric, Poisson};

use crate::scenario::Scenario;
use crate::SimError;

/// Weeks from the clock's start to the final plan when it is on time.
pub const FINAL_PLAN_WEEK: i64 = 20;

/// The longest a late plan is drawn to be late (ten years): it bounds the run-out.
const MAX_LATE_WEEKS: u32 = 520;

/// One family's fate as drawn: what happens to it whatever the policy.
#[derive(Debug, Clone)]
pub(crate) struct FamilyDraw {
    pub referral: Referral,
    pub arrival_week: u32,
    /// The week the clock started (may be before week 0).
    pub clock_week: i64,
    /// The week the plan is final; the family leaves then, supported or not.
    pub final_week: i64,
    /// The week the family would withdraw if still waiting (never supported).
    pub withdraw_week: Option<u32>,
}

/// A supporter's time with the service: from a week until a week (exclusive).
#[derive(Debug, Clone)]
pub(crate) struct Tenure {
    pub supporter: Supporter,
    pub from_week: u32,
    pub until_week: Option<u32>,
}

/// One replication's draws.
#[derive(Debug, Clone)]
pub(crate) struct Stream {
    pub tenures: Vec<Tenure>,
    /// Every family, in arrival order: those referred in the warm-up, the measured ones
    /// (referred in the horizon), and those referred during the run-out.
    pub families: Vec<FamilyDraw>,
    /// Weeks drawn: the warm-up, the horizon and the longest run-out possible (until
    /// the last measured family's plan is final).
    pub weeks: u32,
}

/// The random generator of replication `replication` for stream `stream`: every
/// (seed, replication, stream) triple has its own independent sequence, the same on
/// every machine and with any number of threads.
pub(crate) fn generator(seed: u64, replication: u32, stream: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream((u64::from(replication) << 16) ^ stream);
    rng
}

/// The generator of item `key` (a week, a family's number) of stream `stream` of
/// replication `replication`: a stretch of that stream of its own (2^20 words, far more
/// than an item draws), so that what one item draws never moves another's draws.
pub(crate) fn keyed(seed: u64, replication: u32, stream: u64, key: u64) -> ChaCha8Rng {
    let mut rng = generator(seed, replication, stream);
    rng.set_word_pos(u128::from(key) << 20);
    rng
}

/// Stream numbers: even ones for the draws (new referrals and transfers by week, the
/// families by number, the supporters), odd ones for policies (see `policy_stream`).
/// Each week's arrivals and each family's fate draw from their own stretch of a
/// stream, each of a family's figures from its own uniform draw in a fixed order:
/// changing a setting of the families' fate (plans on time, lateness, withdrawal) or
/// of the referrals' mix changes that figure only, never which families arrive, so a
/// sweep over it compares the same families (common random numbers).
const NEW_REFERRALS: u64 = 4;
const TRANSFERS: u64 = 6;
const FAMILIES: u64 = 8;
const SUPPORTERS: u64 = 2;

pub(crate) fn monday(scenario: &Scenario, week: i64) -> NaiveDate {
    scenario.start + Duration::weeks(week)
}

/// Weeks until an event with weekly probability `p` (at least 1), or `None` if never,
/// from one uniform draw `u` in [0, 1) (the geometric distribution's inverse: a larger
/// `p` gives an earlier week for the same `u`).
fn weeks_until_at(u: f64, p: f64) -> Option<u32> {
    if p <= 0.0 {
        return None;
    }
    if p >= 1.0 {
        return Some(1);
    }
    let failures = ((1.0 - u).ln() / (1.0 - p).ln()).floor();
    Some(
        if failures.is_finite() && failures < f64::from(u32::MAX - 1) {
            failures as u32 + 1
        } else {
            u32::MAX
        },
    )
}

/// Weeks until an event with weekly probability `p` (at least 1), or `None` if never:
/// the volunteers' departures, drawn by the sampler whose sequence their stream keeps
/// (the families' draws use `weeks_until_at`, one uniform each).
fn weeks_until(rng: &mut ChaCha8Rng, p: f64) -> Result<Option<u32>, SimError> {
    if p <= 0.0 {
        return Ok(None);
    }
    let failures = Geometric::new(p).map_err(SimError::Geometric)?.sample(rng);
    Ok(Some(
        u32::try_from(failures.saturating_add(1)).unwrap_or(u32::MAX),
    ))
}

fn poisson(rng: &mut ChaCha8Rng, mean: f64) -> Result<u32, SimError> {
    if mean <= 0.0 {
        return Ok(0);
    }
    let draw: f64 = Poisson::new(mean).map_err(SimError::Poisson)?.sample(rng);
    Ok(draw as u32)
}

/// Index drawn from probabilities `ps` (which sum to 1), by one uniform draw.
fn categorical(rng: &mut ChaCha8Rng, ps: &[f64]) -> usize {
    let u: f64 = rng.random();
    let mut total = 0.0;
    for (i, p) in ps.iter().enumerate() {
        total += p;
        if u < total {
            return i;
        }
    }
    ps.len() - 1
}

/// Each tag independently with its probability, sorted (BTreeMap order): one uniform
/// draw per tag, whatever its probability.
fn tags_each_drawn(rng: &mut ChaCha8Rng, table: &BTreeMap<String, f64>) -> Vec<String> {
    table
        .iter()
        .filter(|(_, p)| rng.random::<f64>() < **p)
        .map(|(t, _)| t.clone())
        .collect()
}

/// Each tag independently with its probability, sorted (BTreeMap order): the
/// supporters' draws, whose sequence (a tag of probability 0 or 1 draws nothing) the
/// families' own (`tags_each_drawn`) no longer share, and which it keeps.
fn tags(rng: &mut ChaCha8Rng, table: &BTreeMap<String, f64>) -> Vec<String> {
    table
        .iter()
        .filter(|(_, p)| rng.random_bool(**p))
        .map(|(t, _)| t.clone())
        .collect()
}

/// At most one of the keys with its probability (none: English).
fn one_of(rng: &mut ChaCha8Rng, table: &BTreeMap<String, f64>) -> Option<String> {
    let u: f64 = rng.random();
    let mut total = 0.0;
    for (key, p) in table {
        total += p;
        if u < total {
            return Some(key.clone());
        }
    }
    None
}

/// School holidays halve referrals: August, late July, the weeks around Christmas, the
/// first two weeks of April (Easter), and the half terms in late October, mid February
/// and late May. An assumption: referrals come through schools.
pub(crate) fn season_factor(monday: NaiveDate) -> f64 {
    let (m, d) = (monday.month(), monday.day());
    let holiday = matches!(
        (m, d),
        (8, _)
            | (7, 22..)
            | (12, 20..)
            | (1, ..=3)
            | (4, ..=14)
            | (10, 24..)
            | (2, 14..=21)
            | (5, 25..)
    );
    if holiday {
        0.5
    } else {
        1.0
    }
}

impl Stream {
    /// Draws replication `replication` of `scenario`; `staff` are supporters from a
    /// file, if the scenario names one.
    pub(crate) fn draw(
        scenario: &Scenario,
        staff: Option<&[Supporter]>,
        replication: u32,
    ) -> Result<Stream, SimError> {
        // Families first: the last measured family's final plan says how long the
        // run-out can be, and the families referred during it are drawn after.
        let total = scenario.total_weeks();
        let mut families = draw_families(scenario, replication, 0..total, 0)?;
        let last_final = families
            .iter()
            .filter(|f| f.arrival_week >= scenario.warm_up_weeks)
            .map(|f| f.final_week)
            .max()
            .unwrap_or(0);
        let weeks = u32::try_from(last_final.saturating_add(1))
            .unwrap_or(0)
            .max(total);
        let numbered = families.len();
        families.extend(draw_families(
            scenario,
            replication,
            total..weeks,
            numbered,
        )?);
        let mut rng = generator(scenario.seed, replication, SUPPORTERS);
        let tenures = draw_supporters(scenario, staff, &mut rng, weeks)?;
        Ok(Stream {
            tenures,
            families,
            weeks,
        })
    }
}

fn draw_supporters(
    scenario: &Scenario,
    staff: Option<&[Supporter]>,
    rng: &mut ChaCha8Rng,
    horizon: u32,
) -> Result<Vec<Tenure>, SimError> {
    let plan = &scenario.supporters;
    let generated = |rng: &mut ChaCha8Rng, id: String, status: SupporterStatus| {
        let (hours, cases) = match status {
            SupporterStatus::Paid => (plan.paid_hours_per_week, plan.paid_max_cases),
            SupporterStatus::Volunteer => (plan.volunteer_hours_per_week, plan.volunteer_max_cases),
        };
        Supporter {
            id,
            area: scenario.area.clone(),
            status,
            hours_per_week: hours,
            max_cases: cases,
            skills: tags(rng, &plan.skills),
            languages: tags(rng, &plan.languages),
            local: rng.random_bool(plan.local_share),
            districts: Vec::new(),
            unavailable_from: None,
            unavailable_to: None,
        }
    };
    // Ids of one width (P001..P120 with a hundred or more), so that their order as
    // text, the last tie-break, is their order as numbers.
    let width = plan.paid.max(plan.volunteer).max(1).ilog10() as usize + 1;
    let width = width.max(2);
    let initial: Vec<Supporter> = match staff {
        Some(staff) => staff.to_vec(),
        None => (1..=plan.paid)
            .map(|n| (format!("P{n:0width$}"), SupporterStatus::Paid))
            .chain(
                (1..=plan.volunteer).map(|n| (format!("V{n:0width$}"), SupporterStatus::Volunteer)),
            )
            .map(|(id, status)| generated(rng, id, status))
            .collect(),
    };
    // Every id in use, so that a replacement's never names another supporter (a file
    // may hold both `S1` and `S1-2`).
    let mut taken: std::collections::HashSet<String> =
        initial.iter().map(|s| s.id.clone()).collect();
    // Each volunteer's chain of replacements is drawn up to the longest run any setting
    // of the families' fate could need, not to this run's length (which those settings
    // move): so the draws, and every later slot's, are the same whatever the run-out,
    // and a sweep over the families' fate meets the same supporters too. Tenures that
    // start after the run are drawn and left out.
    let bound = scenario
        .total_weeks()
        .saturating_add(FINAL_PLAN_WEEK as u32 + MAX_LATE_WEEKS + 1)
        .max(horizon);
    let mut tenures = Vec::new();
    for supporter in initial {
        let mut from_week: u32 = 0;
        let slot = supporter.id.clone();
        let mut holder = 1;
        let mut current = supporter;
        loop {
            let leaves = match current.status {
                SupporterStatus::Paid => None,
                SupporterStatus::Volunteer => weeks_until(rng, plan.volunteer_attrition_per_week)?
                    .map(|w| from_week.saturating_add(w))
                    .filter(|w| *w < bound),
            };
            if from_week < horizon {
                tenures.push(Tenure {
                    supporter: current.clone(),
                    from_week,
                    until_week: leaves.filter(|w| *w < horizon),
                });
            }
            match leaves {
                Some(week) if plan.replace_volunteers => {
                    // The replacement takes the place of the one who left, in the
                    // order of ids too (`V03-2` after `V03`, before `V04`): a
                    // newcomer neither wins nor loses the ties the one it replaces
                    // would have. From a supporters file, a like-for-like volunteer
                    // (their hours, cases, skills, languages and districts, no leave);
                    // generated, a new draw from the scenario's settings.
                    holder += 1;
                    while taken.contains(&format!("{slot}-{holder}")) {
                        holder += 1;
                    }
                    let id = format!("{slot}-{holder}");
                    taken.insert(id.clone());
                    let mut next = match staff {
                        Some(_) => Supporter {
                            id,
                            unavailable_from: None,
                            unavailable_to: None,
                            ..current.clone()
                        },
                        None => generated(rng, id, SupporterStatus::Volunteer),
                    };
                    next.area.clone_from(&current.area);
                    current = next;
                    from_week = week + 1;
                }
                _ => break,
            }
        }
    }
    Ok(tenures)
}

/// The families referred in `weeks`, numbered on from `numbered` already drawn.
fn draw_families(
    scenario: &Scenario,
    replication: u32,
    weeks: std::ops::Range<u32>,
    numbered: usize,
) -> Result<Vec<FamilyDraw>, SimError> {
    let seed = scenario.seed;
    let f = &scenario.families;
    let a = &scenario.arrivals;
    let districts: Vec<(&String, f64)> = f.districts.iter().map(|(d, p)| (d, *p)).collect();
    let district_shares: Vec<f64> = districts.iter().map(|(_, p)| *p).collect();
    let mut families = Vec::new();
    for week in weeks {
        let date = monday(scenario, i64::from(week));
        let season = if a.seasonality {
            season_factor(date)
        } else {
            1.0
        };
        let wave = a
            .transfer_wave
            .as_ref()
            .filter(|w| (w.from_week..=w.to_week).contains(&week))
            .map_or(0.0, |w| w.extra_per_week);
        let key = u64::from(week);
        let new = poisson(
            &mut keyed(seed, replication, NEW_REFERRALS, key),
            a.new_per_week * season,
        )?;
        let transfers = poisson(
            &mut keyed(seed, replication, TRANSFERS, key),
            a.transfer_per_week * season + wave,
        )?;
        let kinds = std::iter::repeat_n(ReferralKind::New, new as usize).chain(
            std::iter::repeat_n(ReferralKind::Transfer, transfers as usize),
        );
        for kind in kinds {
            let n = numbered + families.len() + 1;
            // One uniform draw per figure, in this order, whatever the settings; the
            // needs, whose draws are as many as the table has tags, last.
            let rng = &mut keyed(seed, replication, FAMILIES, n as u64);
            let priority = categorical(rng, &f.priority) as u8 + 1;
            let complexity = [Complexity::Low, Complexity::Medium, Complexity::High]
                [categorical(rng, &f.complexity)];
            let language = one_of(rng, &f.languages);
            let district = districts[categorical(rng, &district_shares)].0.clone();
            let source = [Source::SelfReferral, Source::La, Source::Professional]
                [categorical(rng, &f.sources.shares())];
            // A self-referral leaves `consent` empty (implied); others record it or not.
            let consent_u: f64 = rng.random();
            let consent = (source != Source::SelfReferral).then_some(consent_u < f.consent);
            let lateness_u: f64 = rng.random();
            let lateness = ((lateness_u * f64::from(f.clock_lateness_weeks + 1)) as u32)
                .min(f.clock_lateness_weeks);
            let clock_week = i64::from(week) - i64::from(lateness);
            let (on_time_u, late_u, withdraw_u, transfer_u): (f64, f64, f64, f64) =
                (rng.random(), rng.random(), rng.random(), rng.random());
            let late_by = if on_time_u < scenario.ehc.p_on_time {
                0
            } else {
                weeks_until_at(late_u, 1.0 / scenario.ehc.late_mean_weeks)
                    .unwrap_or(0)
                    .min(MAX_LATE_WEEKS)
            };
            let final_week = clock_week + FINAL_PLAN_WEEK + i64::from(late_by);
            let withdraw_week =
                weeks_until_at(withdraw_u, f.withdrawal_per_week).map(|w| week.saturating_add(w));
            let mut needs = tags_each_drawn(rng, &f.needs);
            if kind == ReferralKind::Transfer
                && transfer_u < f.transfer_needs_skill
                && !needs.iter().any(|t| t == "transfer")
            {
                needs.push("transfer".into());
                needs.sort();
            }
            families.push(FamilyDraw {
                referral: Referral {
                    id: format!("F{n:05}"),
                    area: scenario.area.clone(),
                    district: Some(district),
                    received: date,
                    source,
                    consent,
                    kind,
                    clock_start: Some(monday(scenario, clock_week)),
                    priority,
                    complexity,
                    hours_per_week: None,
                    needs,
                    language,
                    exclude: Vec::new(),
                    supporter_id: None,
                    closed: None,
                    unavailable_from: None,
                    unavailable_to: None,
                    exception: None,
                    exception_noted: None,
                },
                arrival_week: week,
                clock_week,
                final_week,
                withdraw_week,
            });
        }
    }
    Ok(families)
}
