//! Equity across districts (`district_equity = "max_min"`): the week first maximises
//! the lowest share of each district's families that is served, then the score.
//!
//! A district's share is the families of the district served this week (placed by the
//! plan or pinned by a decision) over those some supporter with room could take this
//! week (candidates with at least one arc, and the pinned). Families with no district
//! recorded, and districts none of whose families could be taken, are left out.
//!
//! Two exact stages on the aggregated model of [`crate::classes`], with the classes
//! split by district so that a district's families are a sum of class columns:
//!
//! 1. max z  s.t.  served(d) >= eligible(d) * z for every district d (plus the week's
//!    rows). The optimum z* is the lowest share of the plan found, recomputed from its
//!    integer counts.
//! 2. max score  s.t.  served(d) >= ceil(z* * eligible(d)) for every district d: served
//!    counts are integers, so these floors are exactly "share(d) >= z*".
//!
//! When the best-score plan already meets the floors, it is the answer of stage 2 and
//! is kept as it is.

use std::collections::BTreeMap;
use std::time::Instant;

use good_lp::{variable, Expression};

use caseload_model::Caseload;

use crate::classes::classes_by;
use crate::greedy::{objective, respects_capacity, Choice};
use crate::instance::AreaInstance;
use crate::mip::{ClassModel, Limits, Stops};
use crate::SolveError;

/// An area's districts and which families each one counts.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Districts {
    /// District codes, sorted.
    pub names: Vec<String>,
    /// Per candidate, its district (`None`: no district, or no supporter with room).
    pub of: Vec<Option<usize>>,
    /// Per district, the families counted: candidates with an arc, and the pinned.
    pub eligible: Vec<u32>,
    /// Per district, the families pinned by a decision (served whatever the plan).
    pub pinned: Vec<u32>,
}

/// Per district, the fewest candidates a plan must place (pins not included).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Floors {
    /// Per candidate, its district.
    pub of: Vec<Option<usize>>,
    /// Per district, the floor.
    pub min: Vec<u32>,
}

impl Floors {
    /// Whether `choice` places at least the floor of every district.
    pub fn met_by(&self, choice: &Choice) -> bool {
        let mut placed = vec![0_u32; self.min.len()];
        for (district, pick) in self.of.iter().zip(choice) {
            if let (Some(d), Some(_)) = (district, pick) {
                placed[*d] += 1;
            }
        }
        placed.iter().zip(&self.min).all(|(p, m)| p >= m)
    }
}

impl Districts {
    /// The districts of `instance`'s families.
    pub fn of(caseload: &Caseload, instance: &AreaInstance) -> Districts {
        let district = |referral: usize| caseload.referrals[referral].district.as_deref();
        let mut index: BTreeMap<&str, usize> = BTreeMap::new();
        let counted = instance
            .candidates
            .iter()
            .filter(|c| !c.arcs.is_empty())
            .map(|c| c.referral)
            .chain(instance.pinned.iter().map(|p| p.referral));
        for referral in counted {
            if let Some(d) = district(referral) {
                index.insert(d, 0);
            }
        }
        for (i, value) in index.values_mut().enumerate() {
            *value = i;
        }
        let mut eligible = vec![0_u32; index.len()];
        let mut pinned = vec![0_u32; index.len()];
        let of: Vec<Option<usize>> = instance
            .candidates
            .iter()
            .map(|c| {
                if c.arcs.is_empty() {
                    return None;
                }
                let d = *index.get(district(c.referral)?)?;
                eligible[d] += 1;
                Some(d)
            })
            .collect();
        for p in &instance.pinned {
            if let Some(&d) = district(p.referral).and_then(|d| index.get(d)) {
                eligible[d] += 1;
                pinned[d] += 1;
            }
        }
        Districts {
            names: index.keys().map(|d| d.to_string()).collect(),
            of,
            eligible,
            pinned,
        }
    }

    /// Per district, the families served by `choice` (pins included).
    pub fn served(&self, choice: &Choice) -> Vec<u32> {
        let mut served = self.pinned.clone();
        for (district, pick) in self.of.iter().zip(choice) {
            if let (Some(d), Some(_)) = (district, pick) {
                served[*d] += 1;
            }
        }
        served
    }

    /// The lowest district share served by `choice` (`None`: no district).
    pub fn lowest(&self, choice: &Choice) -> Option<f64> {
        self.served(choice)
            .iter()
            .zip(&self.eligible)
            .map(|(&s, &e)| f64::from(s) / f64::from(e))
            .reduce(f64::min)
    }

    /// The floors that make every district's share at least `share`.
    pub fn floors(&self, share: f64) -> Floors {
        Floors {
            of: self.of.clone(),
            min: self
                .eligible
                .iter()
                .zip(&self.pinned)
                .map(|(&e, &p)| {
                    // A hair below: `share` is itself some district's s/e.
                    let needed = (share * f64::from(e) - 1e-9).ceil().max(0.0) as u32;
                    needed.saturating_sub(p)
                })
                .collect(),
        }
    }
}

/// The plan of the equity stages, and whether both were proven.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct EquityOutcome {
    /// The plan.
    pub choice: Choice,
    /// Both stages proven optimal.
    pub proven: bool,
    /// The floors the plan meets (those of the lowest share found).
    pub floors: Floors,
}

/// The max-min plan of one area from `start`, the best-score plan (which it returns
/// unchanged when it already meets the best floors). `limits.seconds` is the time for
/// both stages together; the node limit holds for each.
pub(crate) fn equity_area(
    instance: &AreaInstance,
    districts: &Districts,
    start: &Choice,
    limits: Limits,
) -> Result<EquityOutcome, SolveError> {
    let started = Instant::now();
    let Some(lowest_start) = districts.lowest(start) else {
        return Ok(EquityOutcome {
            choice: start.clone(),
            proven: true,
            floors: Floors::default(),
        });
    };
    let unchanged = |proven: bool| EquityOutcome {
        choice: start.clone(),
        proven,
        floors: districts.floors(lowest_start),
    };
    if lowest_start >= 1.0 {
        return Ok(unchanged(true));
    }
    let classes = classes_by(instance, &districts.of);
    // The district of each class (every member shares it).
    let class_district: Vec<Option<usize>> =
        classes.iter().map(|k| districts.of[k.members[0]]).collect();
    let district_rows = |model: &ClassModel| {
        let mut rows = vec![Expression::default(); districts.names.len()];
        for (placed, district) in model.placed.iter().zip(&class_district) {
            if let Some(d) = district {
                rows[*d] += placed.clone();
            }
        }
        rows
    };

    // Stage 1: the highest lowest share.
    let mut model = ClassModel::new(instance, &classes);
    let z = model.vars.add(variable().min(0.0).max(1.0));
    for (d, served) in district_rows(&model).into_iter().enumerate() {
        let eligible = f64::from(districts.eligible[d]);
        let pinned = f64::from(districts.pinned[d]);
        model.constraints.push((served - eligible * z).geq(-pinned));
    }
    // Two different shares s1/e1 and s2/e2 differ by at least 1 / (e1 * e2), so once the
    // bound is less than that above the incumbent, no better share is left: an
    // absolute gap just below it stops HiGHS as soon as the lowest share is proven.
    let mut sizes = districts.eligible.clone();
    sizes.sort_unstable_by(|a, b| b.cmp(a));
    let (e1, e2) = (
        f64::from(sizes.first().copied().unwrap_or(1).max(1)),
        f64::from(sizes.get(1).copied().unwrap_or(1).max(1)),
    );
    let gap = 0.9 / (e1 * e2);
    let first = model.solve(
        instance,
        &classes,
        Expression::from(z),
        start,
        &[lowest_start],
        Stops {
            abs_gap: Some(gap),
            ..Stops::default()
        },
        limits,
    )?;
    // Stopped by a limit, HiGHS returns its best plan; one that breaks a row (never
    // seen) is not used.
    if !respects_capacity(instance, &first.choice) {
        return Ok(unchanged(false));
    }
    let fairest = districts.lowest(&first.choice).unwrap_or(lowest_start);
    if fairest <= lowest_start {
        return Ok(unchanged(first.proven));
    }
    let floors = districts.floors(fairest);

    // Stage 2: the best score with every district at that share at least.
    let mut model = ClassModel::new(instance, &classes);
    for (d, placed) in district_rows(&model).into_iter().enumerate() {
        if floors.min[d] > 0 {
            model.constraints.push(placed.geq(f64::from(floors.min[d])));
        }
    }
    let score = std::mem::take(&mut model.objective);
    // Stage 2 has what stage 1 left of the time.
    let limits = Limits {
        seconds: limits
            .seconds
            .map(|s| (s - started.elapsed().as_secs_f64()).max(0.0)),
        ..limits
    };
    let second = model.solve(
        instance,
        &classes,
        score,
        &first.choice,
        &[],
        Stops::default(),
        limits,
    )?;
    let choice = if floors.met_by(&second.choice)
        && respects_capacity(instance, &second.choice)
        && objective(instance, &second.choice) >= objective(instance, &first.choice) - 1e-9
    {
        second.choice
    } else {
        first.choice
    };
    Ok(EquityOutcome {
        choice,
        proven: first.proven && second.proven,
        floors,
    })
}
