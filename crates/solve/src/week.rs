//! One area's week for a caller that replays many weeks (the simulator): the waiting
//! families, and the two ways of filling the free places (an order, or the optimum),
//! without the index-level problem behind them.

use caseload_model::{Balance, Caseload, PlanningWeek, Policy, WeekView};

use crate::allocator::{optimal_area, Route};
use crate::balance::{balance_area, Capacity};
use crate::decisions::Resolved;
use crate::equity::{equity_area, Districts, Floors};
use crate::greedy::{assign_in_order, respects_capacity, Choice};
use crate::instance::{build_instances, AreaInstance};
use crate::mip::Limits;
use crate::SolveError;

/// One area's allocation problem in one week: supporters' room after their open
/// cases, and the waiting families some supporter may take, with the same eligibility
/// and capacity rules as [`allocate`](crate::allocate), and its policy's balance
/// stage.
#[derive(Debug, Clone)]
pub struct AreaWeek {
    instance: AreaInstance,
    /// With `balance = "hours"`: each supporter's hours a week and hours used by open
    /// cases, and the share of the best score balance may give up.
    balance: Option<(Capacity, f64)>,
}

/// The weekly problems of `caseload` in `week`, one per area, by area code.
pub fn area_weeks(caseload: &Caseload, week: PlanningWeek, policy: &Policy) -> Vec<AreaWeek> {
    let view = WeekView::new(caseload, week);
    build_instances(caseload, &view, policy, &Resolved::default(), None)
        .into_iter()
        .map(|instance| {
            let balance = (policy.balance == Balance::Hours)
                .then(|| (Capacity::of(caseload, &instance), policy.score_tolerance));
            AreaWeek { instance, balance }
        })
        .collect()
}

/// How far the optimum is searched. The default searches until proven: a result that
/// does not depend on the speed of the machine.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Effort {
    /// Stop each HiGHS run after this many branch-and-bound nodes (`None`: no limit;
    /// a large area may take up to three runs). Counting nodes, not seconds, gives the
    /// same plan on every machine.
    pub node_limit: Option<u32>,
}

/// How an optimised placement was reached and whether it is proven optimal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Optimised {
    /// No choice, the greedy bound, the assignment problem, or HiGHS.
    pub route: Route,
    /// Proven optimal.
    pub proven: bool,
}

/// A week's new assignments in one area, made by [`AreaWeek::fill_in_order`] or
/// [`AreaWeek::fill_optimally`].
#[derive(Debug, Clone, PartialEq)]
pub struct Placement {
    choice: Choice,
    optimised: Option<Optimised>,
}

impl Placement {
    /// For an optimised placement: how it was reached and whether it is proven.
    pub fn optimised(&self) -> Option<Optimised> {
        self.optimised
    }
}

/// A family given a supporter this week.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NewCase {
    /// Index into [`Caseload::referrals`].
    pub referral: usize,
    /// Index into [`Caseload::supporters`].
    pub supporter: usize,
    /// Hours per week the case needs.
    pub hours: f64,
    /// `score(r, s)` of the assignment this week.
    pub score: f64,
}

/// A supporter's hours in the week after a placement.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SupporterHours {
    /// Index into [`Caseload::supporters`].
    pub supporter: usize,
    /// Hours of open and new cases.
    pub used: f64,
}

impl AreaWeek {
    /// The area code.
    pub fn area(&self) -> &str {
        &self.instance.area
    }

    /// The waiting families that some supporter of the area may take (with or without
    /// room now), as indices into [`Caseload::referrals`], by referral id. Orders given
    /// to [`fill_in_order`](Self::fill_in_order) are positions in this list.
    pub fn families(&self) -> impl ExactSizeIterator<Item = usize> + '_ {
        self.instance.candidates.iter().map(|c| c.referral)
    }

    /// Places families in `order` (positions in [`families`](Self::families)), each
    /// with the eligible supporter with room that scores best; a family with no
    /// supporter with room left stays waiting. Positions out of range are ignored.
    pub fn fill_in_order(&self, order: impl IntoIterator<Item = usize>) -> Placement {
        let n = self.instance.candidates.len();
        Placement {
            choice: assign_in_order(&self.instance, order.into_iter().filter(|&c| c < n)),
            optimised: None,
        }
    }

    /// The placement with the best total score (the weekly MIP of `allocate`), searched
    /// within `effort`; with the policy's `balance = "hours"` (its default), the one of
    /// those plans that spreads supporters' hours most evenly, as `allocate` plans it.
    /// Proven when both stages are.
    ///
    /// # Errors
    ///
    /// [`SolveError`] if HiGHS fails.
    pub fn fill_optimally(&self, effort: Effort) -> Result<Placement, SolveError> {
        let limits = Limits {
            seconds: None,
            nodes: effort.node_limit,
        };
        let solution = optimal_area(&self.instance, limits)?;
        let (choice, proven) =
            self.balanced(solution.choice, solution.proven, &Floors::default(), limits)?;
        Ok(Placement {
            choice,
            optimised: Some(Optimised {
                route: solution.route,
                proven,
            }),
        })
    }

    /// With the policy's `balance = "hours"` and `choice` `proven` optimal, the plan
    /// among those with its score (less the policy's tolerance) that meet `floors` and
    /// spread supporters' hours most evenly, and whether it is proven; otherwise
    /// `choice` as it is (balance runs only on proven optima).
    fn balanced(
        &self,
        choice: Choice,
        proven: bool,
        floors: &Floors,
        limits: Limits,
    ) -> Result<(Choice, bool), SolveError> {
        match &self.balance {
            Some((capacity, tolerance)) if proven => {
                let balanced = balance_area(
                    &self.instance,
                    capacity,
                    &choice,
                    *tolerance,
                    floors,
                    limits,
                )?;
                Ok((balanced.choice, balanced.proven))
            }
            _ => Ok((choice, proven)),
        }
    }

    /// The placement of `district_equity = "max_min"`: first the highest lowest share
    /// of a district's families served (of those some supporter with room could take),
    /// then the best total score given it, then (with `balance = "hours"`) the most
    /// even spread of hours among those plans; searched within `effort` (each stage
    /// under the node limit). When a stage is not proven, its plan is kept.
    /// `caseload` is the one the week was built from (it holds the families'
    /// districts).
    ///
    /// # Errors
    ///
    /// [`SolveError`] if HiGHS fails.
    pub fn fill_equitably(
        &self,
        caseload: &Caseload,
        effort: Effort,
    ) -> Result<Placement, SolveError> {
        let limits = Limits {
            seconds: None,
            nodes: effort.node_limit,
        };
        let solution = optimal_area(&self.instance, limits)?;
        if !solution.proven {
            return Ok(Placement {
                choice: solution.choice,
                optimised: Some(Optimised {
                    route: solution.route,
                    proven: false,
                }),
            });
        }
        let districts = Districts::of(caseload, &self.instance);
        let fair = equity_area(&self.instance, &districts, &solution.choice, limits)?;
        let route = if fair.choice == solution.choice {
            solution.route
        } else {
            Route::Mip
        };
        let (choice, proven) = self.balanced(fair.choice, fair.proven, &fair.floors, limits)?;
        Ok(Placement {
            choice,
            optimised: Some(Optimised { route, proven }),
        })
    }

    /// Whether `placement` belongs to this week's problem and respects every
    /// supporter's free hours and case slots.
    pub fn admits(&self, placement: &Placement) -> bool {
        let candidates = &self.instance.candidates;
        placement.choice.len() == candidates.len()
            && candidates
                .iter()
                .zip(&placement.choice)
                .all(|(c, pick)| pick.is_none_or(|i| i < c.arcs.len()))
            && respects_capacity(&self.instance, &placement.choice)
    }

    /// The families `placement` gives a supporter. `placement` must be
    /// [admitted](Self::admits); picks that do not fit this week are skipped.
    pub fn new_cases<'a>(&'a self, placement: &'a Placement) -> impl Iterator<Item = NewCase> + 'a {
        self.instance
            .candidates
            .iter()
            .zip(&placement.choice)
            .filter_map(|(candidate, pick)| {
                let arc = candidate.arcs.get((*pick)?)?;
                Some(NewCase {
                    referral: candidate.referral,
                    supporter: self.instance.rooms[arc.slot].supporter,
                    hours: candidate.hours,
                    score: arc.score,
                })
            })
    }

    /// Every supporter of the area with the hours of open and new cases after
    /// `placement`, by supporter id.
    pub fn supporter_hours(&self, placement: &Placement) -> Vec<SupporterHours> {
        let mut used: Vec<f64> = self.instance.rooms.iter().map(|r| r.open_hours).collect();
        for (candidate, pick) in self.instance.candidates.iter().zip(&placement.choice) {
            if let Some(arc) = pick.and_then(|i| candidate.arcs.get(i)) {
                used[arc.slot] += candidate.hours;
            }
        }
        self.instance
            .rooms
            .iter()
            .zip(used)
            .map(|(room, used)| SupporterHours {
                supporter: room.supporter,
                used,
            })
            .collect()
    }
}
