//! Beyond the closed form: each area's funded supporters through the weekly simulation
//! (random arrivals, the 20-week clock, the allocation policy, volunteer attrition).

use std::path::Path;

use caseload_sim::{
    estimate, simulate, Estimate, Kind, Metrics, ReferralPolicy, Scenario, Sources,
};
use chrono::{Datelike, Duration};
use rayon::prelude::*;
use serde::Serialize;

use crate::{Assumptions, FundingError, FundingScenario, PeriodWarning, SplitResult};

/// One area: the closed form's families beside the simulation's.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SimulatedArea {
    /// ONS code.
    pub area: String,
    /// Name.
    pub name: String,
    /// What the split gives the area, pounds (the closed form's `funding_gbp`).
    pub funding_gbp: f64,
    /// Paid supporters it buys (full-time equivalents), as in the closed form.
    pub paid_supporters: f64,
    /// Volunteer supporters (equivalents), as in the closed form.
    pub volunteer_supporters: f64,
    /// Families who would use a supporter over the period (the closed form's demand).
    pub demand_families: f64,
    /// Families supported by the closed form.
    pub closed_form_families: f64,
    /// Families supported in the simulation (mean, 95% CI over replications).
    pub families_supported: Estimate,
    /// Families referred in the period in the simulation.
    pub referred: Estimate,
    /// Weeks from referral to a supporter, among those supported.
    pub wait_mean: Estimate,
    /// Share of referred families supported by week 16 of their clock.
    pub supported_by_week_16: Estimate,
}

impl SimulatedArea {
    /// The simulated mean of families supported over demand (None without demand or
    /// without a mean). Families supported after the period count, so it can pass 1.
    #[must_use]
    pub fn coverage(&self) -> Option<f64> {
        let mean = self.families_supported.mean?;
        (self.demand_families > 0.0).then(|| mean / self.demand_families)
    }
}

/// The families a simulated supporter of `hours_per_week` takes at a time, each needing
/// `hours_per_family` a week: as many as its hours hold whole, and at least one (the
/// closed form, by contrast, counts every hour).
#[must_use]
pub fn families_held(hours_per_week: f64, hours_per_family: f64) -> u32 {
    ((hours_per_week / hours_per_family).floor() as u32).max(1)
}

/// A split run through the simulation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SimulatedSplit {
    /// The scenario.
    pub scenario: String,
    /// The rule.
    pub rule: &'static str,
    /// The referral policy simulated.
    pub policy: String,
    /// Replications per area.
    pub replications: u32,
    /// What the areas spend, nationally, pounds (the closed form's `spend_gbp`).
    pub spend_gbp: f64,
    /// Closed-form families supported, nationally.
    pub closed_form_families: f64,
    /// Simulated families supported, nationally (the CI from per-replication totals).
    pub families_supported: Estimate,
    /// Those per-replication totals, replication 1 first: an area's replication r draws
    /// the same random numbers under every scenario of the same seed, so two scenarios'
    /// totals pair by replication (see [`paired_estimate`](caseload_sim::paired_estimate)).
    pub families_supported_by_replication: Vec<f64>,
    /// Families referred in the period, nationally (per-replication totals).
    pub referred: Estimate,
    /// Share of the families referred nationally who were supported by week 16 of
    /// their clock (per replication: the areas' shares weighted by their referrals).
    pub supported_by_week_16: Estimate,
    /// Mean weeks from referral to a supporter among the families supported nationally
    /// (per replication: the areas' means weighted by the families they supported).
    pub wait_mean: Estimate,
    /// What the closed form assumed (the simulation shares its period and demand).
    pub assumptions: Assumptions,
    /// Demand columns whose years do not describe the period.
    pub warnings: Vec<PeriodWarning>,
    /// The split's remarks (e.g. a flat split scaled down to fit the budget).
    pub notes: Vec<String>,
    /// Per area, in table order.
    pub areas: Vec<SimulatedArea>,
}

/// The simulation scenario of one funded area: supporters with the split's hours (so
/// that no hour is lost to rounding, hours are shared over whole supporters), families
/// arriving at the closed form's demand rate, each needing `hours_per_family_week`,
/// with no skill or language mismatch, so that capacity is the only constraint, as in
/// the closed form.
fn area_scenario(
    s: &FundingScenario,
    split: &SplitResult,
    a: usize,
    replications: u32,
    seed: u64,
) -> Result<Scenario, FundingError> {
    let area = &split.areas[a];
    let c = &s.costs;
    let hours_per_family = s.demand.hours_per_family_week;
    // Hours shared over whole supporters; a share under the simulator's floor (36
    // seconds a week: an LP's split can give an area a crumb of volunteer hours) holds
    // no family, and is left out rather than refused.
    let share = |hours: f64, per_supporter: f64| -> (u32, f64) {
        let n = (hours / per_supporter - 1e-9).ceil().max(0.0) as u32;
        // No more supporters than the hours give each the floor: fewer, fuller ones.
        let n = n.min((hours / caseload_model::MIN_SUPPORTER_HOURS).floor() as u32);
        match n {
            0 => (0, per_supporter),
            n => (n, hours / f64::from(n)),
        }
    };
    let (paid, paid_hours) = share(area.paid_hours_per_week, c.paid_hours_per_week);
    let delivered_volunteer = area.volunteer_hours_per_week * c.volunteer_reliability;
    let (volunteer, volunteer_hours) = share(
        delivered_volunteer,
        c.volunteer_hours_per_week * c.volunteer_reliability.max(1e-9),
    );
    let weeks = s.weeks().round().max(1.0) as u32;
    let start = s.start
        + Duration::days(i64::from(
            (7 - s.start.weekday().num_days_from_monday()) % 7,
        ));
    let text = format!(
        "name = \"{}\"\narea = \"{}\"\n",
        area.name.replace('"', "'"),
        area.area
    );
    let mut scenario = Scenario::from_toml(Path::new("area.toml"), &text).map_err(|source| {
        FundingError::SimulationScenario {
            area: area.area.clone(),
            source,
        }
    })?;
    scenario.start = start;
    scenario.warm_up_weeks = 0;
    scenario.horizon_weeks = weeks;
    scenario.replications = replications;
    scenario.seed = area_seed(seed, &area.area);
    let plan = &mut scenario.supporters;
    plan.paid = paid;
    plan.volunteer = volunteer;
    plan.paid_hours_per_week = paid_hours.clamp(caseload_model::MIN_SUPPORTER_HOURS, 60.0);
    plan.paid_max_cases = families_held(paid_hours, hours_per_family);
    plan.volunteer_hours_per_week =
        volunteer_hours.clamp(caseload_model::MIN_SUPPORTER_HOURS, 60.0);
    plan.volunteer_max_cases = families_held(volunteer_hours, hours_per_family);
    plan.local_share = 1.0;
    plan.skills.clear();
    plan.languages.clear();
    scenario.arrivals.new_per_week = area.demand_families / s.weeks();
    scenario.arrivals.transfer_per_week = 0.0;
    scenario.arrivals.seasonality = false;
    let f = &mut scenario.families;
    f.complexity = [0.0, 1.0, 0.0];
    f.needs.clear();
    f.transfer_needs_skill = 0.0;
    f.languages.clear();
    f.districts = [(area.area.clone(), 1.0)].into();
    f.sources = Sources {
        self_referral: 1.0,
        la: 0.0,
        professional: 0.0,
    };
    scenario.policy.default_hours.medium = hours_per_family;
    // The split's numbers can leave what one area's simulation takes (a budget of
    // billions buys thousands of supporters an area): the simulator's own rules say so.
    let problems = scenario.problems();
    if !problems.is_empty() {
        return Err(FundingError::NotSimulable {
            scenario: split.scenario.clone(),
            area: area.area.clone(),
            name: area.name.clone(),
            reasons: problems.into_iter().map(|(_, reason)| reason).collect(),
        });
    }
    Ok(scenario)
}

/// The seed of one area's simulation: the run's seed mixed with the area's code
/// (FNV-1a, then SplitMix64's finaliser), so that areas draw independent arrivals (one
/// seed for all made every area's replication r share its random numbers, and the
/// national total's interval wider than independent areas give), and an area's draws
/// do not depend on which other areas are in the table.
fn area_seed(seed: u64, area: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in area.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    let mut z = seed ^ hash;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn metric(rows: &[caseload_sim::RunRow], pick: fn(&Metrics<f64>) -> f64) -> Vec<f64> {
    rows.iter().map(|r| pick(&r.measures.metrics)).collect()
}

/// Runs every area of `split` through the weekly simulation under `policy`, areas in
/// parallel, `replications` each.
///
/// # Errors
///
/// [`FundingError::Simulation`] if an area's simulation fails.
pub fn simulate_split(
    s: &FundingScenario,
    split: &SplitResult,
    policy: &dyn ReferralPolicy,
    replications: u32,
    seed: u64,
) -> Result<SimulatedSplit, FundingError> {
    simulate_split_with_progress(s, split, policy, replications, seed, &|| {})
}

/// [`simulate_split`], calling `progress` after each replication of each area (areas x
/// replications calls in all), for a progress bar.
///
/// # Errors
///
/// As [`simulate_split`].
pub fn simulate_split_with_progress(
    s: &FundingScenario,
    split: &SplitResult,
    policy: &dyn ReferralPolicy,
    replications: u32,
    seed: u64,
    progress: &(dyn Fn() + Sync),
) -> Result<SimulatedSplit, FundingError> {
    let scenarios = area_scenarios(s, split, replications, seed)?;
    simulate_areas(split, &scenarios, policy, replications, progress)
}

/// [`simulate_split_with_progress`] for several splits (a comparison), one after the
/// other, every area of every split built and checked before any is simulated.
///
/// # Errors
///
/// As [`simulate_split`].
pub fn simulate_splits_with_progress(
    splits: &[(&FundingScenario, &SplitResult)],
    policy: &dyn ReferralPolicy,
    replications: u32,
    seed: u64,
    progress: &(dyn Fn() + Sync),
) -> Result<Vec<SimulatedSplit>, FundingError> {
    let built = splits
        .iter()
        .map(|(s, split)| area_scenarios(s, split, replications, seed))
        .collect::<Result<Vec<_>, FundingError>>()?;
    splits
        .iter()
        .zip(&built)
        .map(|((_, split), scenarios)| {
            simulate_areas(split, scenarios, policy, replications, progress)
        })
        .collect()
}

/// Every area's scenario, built and checked in order, so that an area beyond the
/// simulator is named before hours of simulation, and always the same one.
fn area_scenarios(
    s: &FundingScenario,
    split: &SplitResult,
    replications: u32,
    seed: u64,
) -> Result<Vec<Scenario>, FundingError> {
    (0..split.areas.len())
        .map(|a| area_scenario(s, split, a, replications, seed))
        .collect()
}

/// The areas of `split`, each with its built scenario, through the simulation in
/// parallel, and the national figures over them.
fn simulate_areas(
    split: &SplitResult,
    scenarios: &[Scenario],
    policy: &dyn ReferralPolicy,
    replications: u32,
    progress: &(dyn Fn() + Sync),
) -> Result<SimulatedSplit, FundingError> {
    let per_area: Vec<Result<_, FundingError>> = scenarios
        .par_iter()
        .zip(&split.areas)
        .map(|(scenario, area)| {
            let results =
                simulate(scenario, None, &[policy], None, progress).map_err(|source| {
                    FundingError::Simulation {
                        area: area.area.clone(),
                        source,
                    }
                })?;
            Ok(results.rows)
        })
        .collect();
    let per_area = per_area
        .into_iter()
        .collect::<Result<Vec<_>, FundingError>>()?;
    let areas: Vec<SimulatedArea> = split
        .areas
        .iter()
        .zip(&per_area)
        .map(|(area, rows)| SimulatedArea {
            area: area.area.clone(),
            name: area.name.clone(),
            funding_gbp: area.funding_gbp,
            paid_supporters: area.paid_supporters,
            volunteer_supporters: area.volunteer_supporters,
            demand_families: area.demand_families,
            closed_form_families: area.families_supported,
            families_supported: estimate(&metric(rows, |m| m.supported), Kind::Count),
            referred: estimate(&metric(rows, |m| m.referred), Kind::Count),
            wait_mean: estimate(&metric(rows, |m| m.wait_mean), Kind::Weeks),
            supported_by_week_16: estimate(&metric(rows, |m| m.supported_by_week_16), Kind::Share),
        })
        .collect();
    // National figures of replication r: a sum over the areas, or the areas' figures
    // weighted (an area that referred or supported nobody has no share or wait, and
    // weighs 0).
    let total = |count: fn(&Metrics<f64>) -> f64| -> Vec<f64> {
        (0..replications as usize)
            .map(|r| {
                per_area
                    .iter()
                    .map(|rows| count(&rows[r].measures.metrics))
                    .sum()
            })
            .collect()
    };
    let weighted = |figure: fn(&Metrics<f64>) -> (f64, f64)| -> Vec<f64> {
        (0..replications as usize)
            .filter_map(|r| {
                let (sum, weight) = per_area
                    .iter()
                    .map(|rows| figure(&rows[r].measures.metrics))
                    .filter(|(_, weight)| *weight > 0.0)
                    .fold((0.0, 0.0), |(s, w), (value, weight)| {
                        (s + value * weight, w + weight)
                    });
                (weight > 0.0).then(|| sum / weight)
            })
            .collect()
    };
    let supported = total(|m| m.supported);
    Ok(SimulatedSplit {
        scenario: split.scenario.clone(),
        rule: split.rule,
        policy: policy.name().to_string(),
        replications,
        spend_gbp: split.summary.spend_gbp,
        closed_form_families: split.summary.families_supported,
        families_supported: estimate(&supported, Kind::Count),
        families_supported_by_replication: supported,
        referred: estimate(&total(|m| m.referred), Kind::Count),
        supported_by_week_16: estimate(
            &weighted(|m| (m.supported_by_week_16, m.referred)),
            Kind::Share,
        ),
        wait_mean: estimate(&weighted(|m| (m.wait_mean, m.supported)), Kind::Weeks),
        assumptions: split.assumptions.clone(),
        warnings: split.warnings.clone(),
        notes: split.notes.clone(),
        areas,
    })
}
