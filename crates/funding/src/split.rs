//! Splitting the budget across areas by each rule, and what each split buys.

use good_lp::{
    constraint, variable, Expression, ProblemVariables, Solution, SolverModel, Variable,
};
use serde::Serialize;

use crate::areas::Area;
use crate::assumptions::{Assumptions, PeriodWarning};
use crate::scenario::{FundingScenario, Rule};
use crate::FundingError;

/// Coverages closer than this print the same to a tenth of a percent: the tables and the
/// charts count such areas as tied.
pub const SAME_COVERAGE: f64 = 5e-4;

/// Of `areas` (name, coverage), the area to name for the lowest and for the highest
/// coverage, each as (its index, how many others are tied with that coverage): among
/// areas tied within [`SAME_COVERAGE`], the first by name, so that the tables and the
/// charts name the same one, and not one picked by the last digits of an LP's solution.
/// Ties are counted around the lowest (highest) coverage itself, not the area named.
/// `None` when there is no area.
pub fn named_extremes(areas: &[(&str, f64)]) -> Option<[(usize, usize); 2]> {
    let tied = |edge: f64| {
        areas
            .iter()
            .enumerate()
            .filter(move |(_, a)| (a.1 - edge).abs() < SAME_COVERAGE)
    };
    let named = |edge: f64| -> Option<(usize, usize)> {
        let first = tied(edge).min_by(|(_, a), (_, b)| a.0.cmp(b.0))?.0;
        Some((first, tied(edge).count() - 1))
    };
    let coverages = areas.iter().map(|a| a.1);
    let lowest = coverages.clone().min_by(f64::total_cmp)?;
    let highest = coverages.max_by(f64::total_cmp)?;
    Some([named(lowest)?, named(highest)?])
}

/// One area's funding and what it buys over the period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AreaFunding {
    /// ONS code.
    pub area: String,
    /// Name.
    pub name: String,
    /// Region.
    pub region: String,
    /// What the area spends: hours and training, pounds.
    pub funding_gbp: f64,
    /// Paid supporters (full-time equivalents of `costs.paid_hours_per_week`).
    pub paid_supporters: f64,
    /// Volunteer supporters (equivalents of `costs.volunteer_hours_per_week`).
    pub volunteer_supporters: f64,
    /// Paid hours bought a week.
    pub paid_hours_per_week: f64,
    /// Volunteer hours offered a week.
    pub volunteer_hours_per_week: f64,
    /// Hours delivered a week: paid plus reliable volunteer hours.
    pub delivered_hours_per_week: f64,
    /// Families the area can support over the period.
    pub capacity_families: f64,
    /// Families who would use a supporter over the period.
    pub demand_families: f64,
    /// min(capacity, demand).
    pub families_supported: f64,
    /// Supported over demand (1 where there is no demand).
    pub coverage: f64,
    /// Money given to the area but not spent (always 0: every rule spends what it gives).
    pub unspent_gbp: f64,
    /// Part of the funding that buys capacity beyond the area's demand, pounds.
    pub idle_gbp: f64,
}

/// National figures of a split.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// The budget.
    pub budget_gbp: f64,
    /// After the national top-slice.
    pub available_gbp: f64,
    /// Spent by the areas.
    pub spend_gbp: f64,
    /// Available but not spent.
    pub unspent_gbp: f64,
    /// Spent on capacity no area's demand uses (the areas' `idle_gbp` summed): money
    /// spent, but not on families.
    pub beyond_demand_gbp: f64,
    /// Families supported.
    pub families_supported: f64,
    /// Families who would use a supporter.
    pub demand_families: f64,
    /// Demand not met.
    pub unmet_demand: f64,
    /// Supported over demand, nationally.
    pub coverage: f64,
    /// Smallest area coverage (areas with demand).
    pub min_coverage: f64,
    /// Median area coverage.
    pub median_coverage: f64,
    /// Largest area coverage.
    pub max_coverage: f64,
    /// Gini coefficient of area coverage (0: every area the same).
    pub gini_coverage: f64,
}

/// A scenario's split: every area, the national summary, and notes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SplitResult {
    /// The scenario's name.
    pub scenario: String,
    /// The rule.
    pub rule: &'static str,
    /// Weeks in the period.
    pub weeks: f64,
    /// Per area, in table order.
    pub areas: Vec<AreaFunding>,
    /// National figures.
    pub summary: Summary,
    /// What the split assumed: period, period scale, demand, take-up, costs.
    pub assumptions: Assumptions,
    /// Demand columns whose years do not describe the period.
    pub warnings: Vec<PeriodWarning>,
    /// Remarks the lead should read (e.g. a flat split scaled down to fit the budget).
    pub notes: Vec<String>,
}

/// Unit costs and conversions of a scenario.
struct Units {
    /// Cost over the period of one paid hour a week (wages and its share of training).
    paid: f64,
    /// The same for one volunteer hour a week.
    volunteer: f64,
    /// Families supported over the period per delivered hour a week.
    families_per_hour: f64,
    /// Paid hours a week of the floor in each area.
    floor_hours: f64,
    /// Share of offered volunteer hours delivered.
    reliability: f64,
}

impl Units {
    fn new(s: &FundingScenario) -> Units {
        let c = &s.costs;
        let weeks = s.weeks();
        Units {
            paid: weeks * c.paid_hourly_gbp + c.training_gbp_per_supporter / c.paid_hours_per_week,
            volunteer: weeks * c.volunteer_hourly_gbp
                + c.training_gbp_per_supporter / c.volunteer_hours_per_week,
            families_per_hour: weeks / (s.demand.hours_per_family_week * s.demand.weeks_per_family),
            floor_hours: s.split.floor_supporters * c.paid_hours_per_week,
            reliability: c.volunteer_reliability,
        }
    }
}

fn demand_families(s: &FundingScenario, area: &Area) -> f64 {
    area.demand_count * s.period_scale().0 * s.demand.take_up
}

/// Paid and volunteer hours a week per area.
type Hours = Vec<(f64, f64)>;

/// Whether the budget of `scenario` after the top-slice pays the floors of `areas`
/// areas.
///
/// # Errors
///
/// [`FundingError::ImpossibleBudget`] when the floors alone cost more.
pub fn affordable(scenario: &FundingScenario, areas: usize) -> Result<(), FundingError> {
    let units = Units::new(scenario);
    let budget = scenario.available();
    let floor_cost = areas as f64 * units.floor_hours * units.paid;
    // A budget that is the floors' cost, computed another way, may differ in the last
    // digit: it is not less than the floors cost.
    if floor_cost > budget * (1.0 + 1e-12) {
        return Err(FundingError::ImpossibleBudget {
            scenario: scenario.name.clone(),
            floors_gbp: floor_cost,
            available_gbp: budget,
        });
    }
    Ok(())
}

/// Splits the budget of `scenario` across `areas` by its rule.
///
/// # Errors
///
/// [`FundingError::ImpossibleBudget`] when the floors alone cost more than the
/// available budget; [`FundingError::Solver`] if an LP fails.
pub fn split(scenario: &FundingScenario, areas: &[Area]) -> Result<SplitResult, FundingError> {
    affordable(scenario, areas.len())?;
    let units = Units::new(scenario);
    let budget = scenario.available();
    let demand: Vec<f64> = areas.iter().map(|a| demand_families(scenario, a)).collect();
    let mut notes = Vec::new();
    let mut hours = match scenario.split.rule {
        Rule::Flat => flat(scenario, &units, areas.len(), budget, &mut notes),
        Rule::Population => proportional(
            scenario,
            &units,
            &areas.iter().map(|a| a.population).collect::<Vec<_>>(),
            budget,
            &mut notes,
        ),
        Rule::Demand => proportional(scenario, &units, &demand, budget, &mut notes),
        Rule::Deprivation => {
            let weights: Vec<f64> = areas
                .iter()
                .zip(&demand)
                .map(|(a, d)| d * (1.0 + scenario.split.deprivation_weight * a.deprivation))
                .collect();
            proportional(scenario, &units, &weights, budget, &mut notes)
        }
        Rule::MaxFamilies => optimise(scenario, &units, &demand, budget, false)?,
        Rule::MaxMinCoverage => optimise(scenario, &units, &demand, budget, true)?,
    };
    if matches!(
        scenario.split.rule,
        Rule::MaxFamilies | Rule::MaxMinCoverage
    ) {
        top_up(&mut hours, &units, &demand, budget);
    }
    fit_to_budget(&mut hours, &units, budget);
    let mut result = result(scenario, &units, areas, &demand, &hours, notes);
    result.notes.extend(coverage_of_england(areas));
    let summary = &result.summary;
    let unspent = summary.available_gbp - summary.spend_gbp;
    if matches!(
        scenario.split.rule,
        Rule::MaxFamilies | Rule::MaxMinCoverage
    ) && unspent >= 1.0
        && summary.families_supported >= summary.demand_families * (1.0 - 1e-9)
    {
        // The budget that would meet the demand: the areas' spend with the national
        // top-slice added back, the figure a budget is set in.
        let needed = summary.spend_gbp / (1.0 - scenario.admin_share);
        let note = format!(
            "every family of the demand is supported with {}: the other {} would buy capacity that no area's demand uses, so it is left unspent. The least budget that meets all the demand under these assumptions is {} ({} for the areas and the {}% top-slice).",
            crate::tables::money(summary.spend_gbp),
            crate::tables::money(unspent),
            crate::tables::money(needed),
            crate::tables::money(summary.spend_gbp),
            crate::tables::number(100.0 * scenario.admin_share)
        );
        result.notes.push(note);
    }
    Ok(result)
}

/// What an areas table of England's codes leaves out, or holds that England has not: a
/// national split over part of England, or over a mistyped code, is said, not silent.
/// A table of other codes altogether (a model of its own areas) gets no note.
fn coverage_of_england(areas: &[Area]) -> Vec<String> {
    let unknown: Vec<&str> = areas
        .iter()
        .map(|a| a.code.as_str())
        .filter(|c| caseload_model::england_area(c).is_none())
        .collect();
    if unknown.len() == areas.len() {
        return Vec::new();
    }
    let listed = |codes: &[&str]| {
        let shown = codes.iter().take(5).copied().collect::<Vec<_>>().join(", ");
        match codes.len() {
            n if n > 5 => format!("{shown} and {} more", n - 5),
            _ => shown,
        }
    };
    let mut notes = Vec::new();
    let present: std::collections::HashSet<&str> = areas.iter().map(|a| a.code.as_str()).collect();
    let england = caseload_model::england_codes();
    let missing: Vec<&str> = england
        .iter()
        .copied()
        .filter(|c| !present.contains(c))
        .collect();
    if !missing.is_empty() {
        notes.push(format!(
            "the areas table has {} of England's {} areas: the budget is split over those alone (not in it: {}).",
            england.len() - missing.len(),
            england.len(),
            listed(&missing)
        ));
    }
    if !unknown.is_empty() {
        notes.push(format!(
            "{} not one of England's {} area codes ({}): check for a typo; {} funded like the others.",
            if unknown.len() == 1 { "1 area of the table is".to_string() } else { format!("{} areas of the table are", unknown.len()) },
            england.len(),
            listed(&unknown),
            if unknown.len() == 1 { "it is" } else { "they are" }
        ));
    }
    notes
}

/// `supporters_per_area` in every area, in the `volunteer_share` mix with at least the
/// floor paid (the floor first when the mix would pay fewer; more only when the floor
/// is above `supporters_per_area`); scaled down equally above the floor when the
/// budget cannot buy it all.
fn flat(
    s: &FundingScenario,
    units: &Units,
    n: usize,
    budget: f64,
    notes: &mut Vec<String>,
) -> Hours {
    let c = &s.costs;
    let supporters = s.split.supporters_per_area;
    let vs = s.split.volunteer_share;
    // Paid supporters at least the floor; volunteers make up the rest of
    // `supporters_per_area` (never more than their share of it), so that the floor does
    // not add supporters where the share would leave fewer paid ones than the floor.
    let paid_supporters = (supporters * (1.0 - vs)).max(s.split.floor_supporters);
    let volunteers = (supporters * vs).min((supporters - paid_supporters).max(0.0));
    let paid = paid_supporters * c.paid_hours_per_week;
    let volunteer = volunteers * c.volunteer_hours_per_week;
    let floor_cost = units.floor_hours * units.paid;
    let extra = (paid - units.floor_hours) * units.paid + volunteer * units.volunteer;
    let total = n as f64 * (floor_cost + extra);
    if total <= budget || extra <= 0.0 {
        return vec![(paid, volunteer); n];
    }
    let factor = ((budget - n as f64 * floor_cost) / (n as f64 * extra)).clamp(0.0, 1.0);
    let scaled = if factor * 100.0 < 0.05 {
        "only the floors are funded.".to_string()
    } else {
        format!(
            "hours above the floor are scaled down to {:.1}% in every area.",
            factor * 100.0
        )
    };
    notes.push(format!(
        "{supporters} supporters in each of {n} areas would cost {}, more than the {} available: {scaled}",
        crate::tables::money(total),
        crate::tables::money(budget),
    ));
    vec![
        (
            units.floor_hours + (paid - units.floor_hours) * factor,
            volunteer * factor
        );
        n
    ]
}

/// The floor in every area, the rest of the budget in proportion to `weights`, bought
/// as supporters in the `volunteer_share` mix.
fn proportional(
    s: &FundingScenario,
    units: &Units,
    weights: &[f64],
    budget: f64,
    notes: &mut Vec<String>,
) -> Hours {
    let c = &s.costs;
    let n = weights.len();
    let remainder = budget - n as f64 * units.floor_hours * units.paid;
    let total: f64 = weights.iter().sum();
    if total <= 0.0 {
        notes.push("every area's weight is 0: only the floors are funded.".into());
        return vec![(units.floor_hours, 0.0); n];
    }
    let vs = s.split.volunteer_share;
    // Cost of one supporter in the mix: (1 - vs) of a paid one and vs of a volunteer.
    let unit = (1.0 - vs) * c.paid_hours_per_week * units.paid
        + vs * c.volunteer_hours_per_week * units.volunteer;
    weights
        .iter()
        .map(|w| {
            let supporters = remainder * w / total / unit;
            (
                units.floor_hours + supporters * (1.0 - vs) * c.paid_hours_per_week,
                supporters * vs * c.volunteer_hours_per_week,
            )
        })
        .collect()
}

/// The model both LPs share: hours per area, families supported per area, the budget,
/// the floors and the volunteer cap.
struct FundingLp {
    vars: ProblemVariables,
    paid: Vec<Variable>,
    volunteer: Vec<Variable>,
    supported: Vec<Variable>,
    constraints: Vec<good_lp::Constraint>,
}

impl FundingLp {
    fn new(s: &FundingScenario, units: &Units, demand: &[f64], budget: f64) -> FundingLp {
        let c = &s.costs;
        let mut vars = ProblemVariables::new();
        let paid: Vec<Variable> = demand
            .iter()
            .map(|_| vars.add(variable().min(units.floor_hours)))
            .collect();
        let volunteer: Vec<Variable> = demand
            .iter()
            .map(|_| vars.add(variable().min(0.0)))
            .collect();
        let supported: Vec<Variable> = demand
            .iter()
            .map(|d| vars.add(variable().min(0.0).max(*d)))
            .collect();
        let mut constraints = Vec::new();
        let reliability = c.volunteer_reliability;
        let cap = c.max_volunteer_share;
        let mut spend = Expression::default();
        for a in 0..demand.len() {
            let delivered = units.families_per_hour * (paid[a] + reliability * volunteer[a]);
            constraints.push(constraint!(supported[a] <= delivered));
            // Volunteers (in FTE) at most `cap` of all supporters (in FTE).
            constraints.push(constraint!(
                (1.0 - cap) / c.volunteer_hours_per_week * volunteer[a]
                    <= cap / c.paid_hours_per_week * paid[a]
            ));
            spend.add_mul(units.paid, paid[a]);
            spend.add_mul(units.volunteer, volunteer[a]);
        }
        constraints.push(spend.leq(budget));
        FundingLp {
            vars,
            paid,
            volunteer,
            supported,
            constraints,
        }
    }

    fn spend(&self, units: &Units) -> Expression {
        let mut spend = Expression::default();
        for (p, v) in self.paid.iter().zip(&self.volunteer) {
            spend.add_mul(units.paid, *p);
            spend.add_mul(units.volunteer, *v);
        }
        spend
    }

    fn families(&self) -> Expression {
        self.supported.iter().copied().sum()
    }
}

fn solve(
    lp: FundingLp,
    objective: Expression,
    minimise: bool,
    extra: Vec<good_lp::Constraint>,
    stage: &'static str,
) -> Result<impl Solution, FundingError> {
    let problem = if minimise {
        lp.vars.minimise(objective)
    } else {
        lp.vars.maximise(objective)
    };
    problem
        .using(good_lp::solvers::highs::highs)
        .with_all(lp.constraints)
        .with_all(extra)
        .solve()
        .map_err(|source| FundingError::Solver { stage, source })
}

/// What an LP stage optimises.
#[derive(Clone, Copy)]
enum Goal {
    /// The largest smallest coverage among areas with demand.
    SmallestCoverage,
    /// The most families supported.
    Families,
    /// The least spend.
    Spend,
}

/// Optima of earlier stages that a later stage keeps.
#[derive(Default, Clone, Copy)]
struct Held {
    smallest_coverage: Option<f64>,
    families: Option<f64>,
}

/// One stage: the shared model, the earlier optima held (less a 1e-9 relative slack
/// for the solver's tolerance), and `goal` optimised; its value and the hours.
fn stage(
    s: &FundingScenario,
    units: &Units,
    demand: &[f64],
    budget: f64,
    goal: Goal,
    held: Held,
) -> Result<(f64, Hours), FundingError> {
    let hold = |value: f64| value - 1e-9 * value.abs();
    let with_demand: Vec<usize> = (0..demand.len()).filter(|&a| demand[a] > 0.0).collect();
    let mut lp = FundingLp::new(s, units, demand, budget);
    let mut extra = Vec::new();
    if let Some(z) = held.smallest_coverage {
        extra.extend(
            with_demand
                .iter()
                .map(|&a| constraint!(lp.supported[a] >= hold(z) * demand[a])),
        );
    }
    if let Some(families) = held.families {
        extra.push(lp.families().geq(hold(families)));
    }
    let (paid, volunteer, supported) =
        (lp.paid.clone(), lp.volunteer.clone(), lp.supported.clone());
    let (objective, minimise, name, z) = match goal {
        Goal::SmallestCoverage => {
            let z = lp.vars.add(variable().min(0.0).max(1.0));
            extra.extend(
                with_demand
                    .iter()
                    .map(|&a| constraint!(lp.supported[a] >= demand[a] * z)),
            );
            (Expression::from(z), false, "smallest coverage", Some(z))
        }
        Goal::Families => (lp.families(), false, "most families", None),
        Goal::Spend => (lp.spend(units), true, "least spend", None),
    };
    let solution = solve(lp, objective, minimise, extra, name)?;
    let value = match z {
        Some(z) => solution.value(z),
        None => supported.iter().map(|v| solution.value(*v)).sum(),
    };
    let hours = paid
        .iter()
        .zip(&volunteer)
        .map(|(p, v)| (solution.value(*p).max(0.0), solution.value(*v).max(0.0)))
        .collect();
    Ok((value, hours))
}

/// The LPs, solved lexicographically so that neither leaves the split to chance:
/// `max_families`: the most families, then with that held the largest smallest coverage
/// (among the many splits supporting the most families, one that starves no area more
/// than it must), then the least spend; `max_min_coverage`: the largest smallest
/// coverage, then the most families, then the least spend. The least spend keeps
/// money no stage needs from landing anywhere by accident. What the stages' slack for
/// the solver's tolerance gave back is bought again by [`top_up`].
fn optimise(
    s: &FundingScenario,
    units: &Units,
    demand: &[f64],
    budget: f64,
    max_min: bool,
) -> Result<Hours, FundingError> {
    let coverage_stage = demand.iter().any(|d| *d > 0.0);
    let mut held = Held::default();
    let order = if max_min {
        [Goal::SmallestCoverage, Goal::Families]
    } else {
        [Goal::Families, Goal::SmallestCoverage]
    };
    for goal in order {
        match goal {
            Goal::SmallestCoverage if coverage_stage => {
                held.smallest_coverage = Some(stage(s, units, demand, budget, goal, held)?.0);
            }
            Goal::Families => held.families = Some(stage(s, units, demand, budget, goal, held)?.0),
            _ => {}
        }
    }
    Ok(stage(s, units, demand, budget, Goal::Spend, held)?.1)
}

/// Buys back what the LP stages' slack gave up: with the money left under the budget,
/// the areas whose capacity falls short of their demand, the lowest coverage first, are
/// raised together to one level (water-filling), up to full coverage, each buying more
/// hours in the paid / volunteer mix the LP chose for it (so the volunteer cap and the
/// floor still hold; an area with no hours buys paid ones).
fn top_up(hours: &mut Hours, units: &Units, demand: &[f64], budget: f64) {
    let cost = |(p, v): (f64, f64)| p * units.paid + v * units.volunteer;
    let spend: f64 = hours.iter().map(|h| cost(*h)).sum();
    // A margin, so that rounding cannot take the spend over the budget.
    let money = (budget - spend) * (1.0 - 1e-9);
    if money <= 0.0 {
        return;
    }
    let coverage = |(p, v): (f64, f64), a: usize| {
        (p + units.reliability * v) * units.families_per_hour / demand[a]
    };
    // Pounds per unit of coverage in area a, in its mix.
    let price = |a: usize, c: f64| {
        if c > 0.0 {
            cost(hours[a]) / c
        } else {
            demand[a] * units.paid / units.families_per_hour
        }
    };
    let mut short: Vec<(f64, f64, usize)> = (0..demand.len())
        .filter(|&a| demand[a] > 0.0)
        .map(|a| (coverage(hours[a], a), a))
        .filter(|(c, _)| *c < 1.0)
        .map(|(c, a)| (c, price(a, c), a))
        .collect();
    short.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.2.cmp(&y.2)));
    // Raising the k + 1 lowest areas to level t costs t * weight - weighted.
    let (mut weight, mut weighted, mut level) = (0.0, 0.0, 1.0);
    for k in 0..short.len() {
        let (c, p, _) = short[k];
        weight += p;
        weighted += c * p;
        let next = short.get(k + 1).map_or(1.0, |n| n.0);
        if next * weight - weighted >= money {
            level = ((money + weighted) / weight).min(1.0);
            break;
        }
    }
    // The spend as areas are lifted: a nudge below never takes it past the budget.
    let mut total = spend;
    for &(c, _, a) in &short {
        if c >= level {
            continue;
        }
        let before = hours[a];
        // `up` units in the last place above the level's factor (or added hours).
        let lifted = |up: u32| {
            let nudge = |mut x: f64| {
                for _ in 0..up {
                    x = x.next_up();
                }
                x
            };
            if c > 0.0 {
                let factor = nudge(level / c);
                (before.0 * factor, before.1 * factor)
            } else {
                (
                    before.0 + nudge(level * demand[a] / units.families_per_hour),
                    before.1,
                )
            }
        };
        // Rounding can leave the area a hair under the level (a coverage of
        // 0.9999999999999997 where the level is full coverage); a few units in the last
        // place more reach it, within the margin kept from the money. A nudge that would
        // take the spend past the budget is left out: the area stays a hair under.
        let mut up = 0;
        let mut now = lifted(0);
        while coverage(now, a) < level && up < 8 {
            let next = lifted(up + 1);
            if total - cost(now) + cost(next) > budget {
                break;
            }
            up += 1;
            now = next;
        }
        total += cost(now) - cost(before);
        hours[a] = now;
    }
}

/// Solvers work to a tolerance; the spend must not exceed the budget by a penny. Any
/// excess is removed by scaling every area's hours above its floor by the same factor.
fn fit_to_budget(hours: &mut Hours, units: &Units, budget: f64) {
    for (p, v) in hours.iter_mut() {
        // `+ 0.0` turns a solver's -0.0 into 0.0, which is how the outputs print it.
        *p = p.max(units.floor_hours) + 0.0;
        *v = v.max(0.0) + 0.0;
    }
    let spend: f64 = hours
        .iter()
        .map(|(p, v)| p * units.paid + v * units.volunteer)
        .sum();
    if spend <= budget {
        return;
    }
    let floors = hours.len() as f64 * units.floor_hours * units.paid;
    let factor = ((budget - floors) / (spend - floors)).clamp(0.0, 1.0) * (1.0 - 1e-12);
    for (p, v) in hours.iter_mut() {
        *p = units.floor_hours + (*p - units.floor_hours) * factor;
        *v *= factor;
    }
}

fn result(
    s: &FundingScenario,
    units: &Units,
    areas: &[Area],
    demand: &[f64],
    hours: &Hours,
    notes: Vec<String>,
) -> SplitResult {
    let c = &s.costs;
    let funded: Vec<AreaFunding> = areas
        .iter()
        .zip(demand)
        .zip(hours)
        .map(|((area, &demand), &(paid, volunteer))| {
            let delivered = paid + c.volunteer_reliability * volunteer;
            let capacity = delivered * units.families_per_hour;
            let supported = capacity.min(demand);
            let funding = paid * units.paid + volunteer * units.volunteer;
            let idle = if capacity > 0.0 {
                funding * (capacity - supported) / capacity
            } else {
                0.0
            };
            AreaFunding {
                area: area.code.clone(),
                name: area.name.clone(),
                region: area.region.clone(),
                funding_gbp: tidy(funding),
                paid_supporters: paid / c.paid_hours_per_week,
                volunteer_supporters: volunteer / c.volunteer_hours_per_week,
                paid_hours_per_week: paid,
                volunteer_hours_per_week: volunteer,
                delivered_hours_per_week: delivered,
                capacity_families: capacity,
                demand_families: demand,
                families_supported: supported,
                coverage: if demand > 0.0 {
                    supported / demand
                } else {
                    1.0
                },
                unspent_gbp: 0.0,
                idle_gbp: tidy(idle),
            }
        })
        .collect();
    let summary = summarise(s, &funded);
    let assumptions = Assumptions::of(s);
    SplitResult {
        warnings: assumptions.warnings(),
        assumptions,
        scenario: s.name.clone(),
        rule: s.split.rule.name(),
        weeks: s.weeks(),
        areas: funded,
        summary,
        notes,
    }
}

// Pounds to a millionth: sums of products carry float noise (a spend of
// 4749999.999999996, an unspent 3.7e-9) that an analyst reading the JSON or CSV would
// trip on. Not to the penny: the areas' rounded figures would then add up to pennies
// more than the money available.
use caseload_model::round6 as tidy;

fn summarise(s: &FundingScenario, areas: &[AreaFunding]) -> Summary {
    let spend: f64 = areas.iter().map(|a| a.funding_gbp).sum();
    let supported: f64 = areas.iter().map(|a| a.families_supported).sum();
    let demand: f64 = areas.iter().map(|a| a.demand_families).sum();
    let mut coverage: Vec<f64> = areas
        .iter()
        .filter(|a| a.demand_families > 0.0)
        .map(|a| a.coverage)
        .collect();
    coverage.sort_by(f64::total_cmp);
    let n = coverage.len();
    let median = match n {
        0 => 1.0,
        _ if n % 2 == 1 => coverage[n / 2],
        _ => (coverage[n / 2 - 1] + coverage[n / 2]) / 2.0,
    };
    let mean = if n > 0 {
        coverage.iter().sum::<f64>() / n as f64
    } else {
        1.0
    };
    // Gini from sorted values: sum((2i - n - 1) x_i) / (n * sum x).
    let gini = if n > 0 && mean > 0.0 {
        let weighted: f64 = coverage
            .iter()
            .enumerate()
            .map(|(i, x)| (2.0 * (i as f64 + 1.0) - n as f64 - 1.0) * x)
            .sum();
        // Rounding can leave a hair under 0 where every coverage is equal (-4.9e-18
        // printed as -0.000); the index is never negative.
        (weighted / (n as f64 * n as f64 * mean)).max(0.0)
    } else {
        0.0
    };
    Summary {
        budget_gbp: s.budget_gbp,
        available_gbp: tidy(s.available()),
        spend_gbp: tidy(spend),
        unspent_gbp: tidy(s.available() - spend).max(0.0),
        beyond_demand_gbp: tidy(areas.iter().map(|a| a.idle_gbp).sum()),
        families_supported: supported,
        demand_families: demand,
        unmet_demand: (demand - supported).max(0.0),
        coverage: if demand > 0.0 {
            supported / demand
        } else {
            1.0
        },
        min_coverage: coverage.first().copied().unwrap_or(1.0),
        median_coverage: median,
        max_coverage: coverage.last().copied().unwrap_or(1.0),
        gini_coverage: gini,
    }
}
