//! What a run measured, as typed structs, and each measure's mean and 95% confidence
//! interval over replications.
//!
//! [`Metrics`] and [`PriorityMetrics`] are generic over the value: `f64` for one
//! replication (NaN where a measure is undefined, e.g. no wait to average), [`Estimate`]
//! over replications. Both are declared by one macro that also lists each measure's
//! name and [`Kind`], so the struct, the CSV columns and the clamping of intervals can
//! never disagree.

use std::collections::BTreeMap;

use serde::Serialize;
use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::engine::Run;
use crate::stream::Stream;

/// What a measure is, which says what values are possible.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A number of families: never negative.
    Count,
    /// A share of 1 (a proportion): from 0 to 1.
    Share,
    /// Weeks: never negative.
    Weeks,
    /// A sum of scores: never negative.
    Score,
}

impl Kind {
    /// The values possible for a measure of this kind.
    pub fn range(self) -> (f64, f64) {
        match self {
            Kind::Count | Kind::Weeks | Kind::Score => (0.0, f64::INFINITY),
            Kind::Share => (0.0, 1.0),
        }
    }

    /// The values possible for the difference of two measures of this kind.
    pub fn difference_range(self) -> (f64, f64) {
        match self {
            Kind::Count | Kind::Weeks | Kind::Score => (f64::NEG_INFINITY, f64::INFINITY),
            Kind::Share => (-1.0, 1.0),
        }
    }
}

macro_rules! measures {
    (
        $(#[$meta:meta])*
        pub struct $name:ident<T> {
            $( $(#[$doc:meta])* $field:ident: $kind:expr, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Serialize)]
        pub struct $name<T> {
            $( $(#[$doc])* pub $field: T, )*
        }

        impl $name<()> {
            /// Each measure's name and kind, in output order.
            pub fn kinds() -> Vec<(&'static str, Kind)> {
                vec![$( (stringify!($field), $kind), )*]
            }
        }

        impl<T> $name<T> {
            /// Each measure's name and kind with its value, in output order.
            pub fn each(&self) -> Vec<(&'static str, Kind, &T)> {
                vec![$( (stringify!($field), $kind, &self.$field), )*]
            }

            /// Applies `f` to every measure (with its kind).
            pub fn map<U>(&self, mut f: impl FnMut(Kind, &T) -> U) -> $name<U> {
                $name { $( $field: f($kind, &self.$field), )* }
            }

            /// Combines two sets of measures field by field.
            pub fn zip<U, V>(self, other: &$name<U>, mut f: impl FnMut(T, &U) -> V) -> $name<V> {
                $name { $( $field: f(self.$field, &other.$field), )* }
            }
        }

        impl $name<f64> {
            /// Each measure's values over runs: `first`'s, then `rest`'s, in order.
            pub fn columns<'a>(
                first: &$name<f64>,
                rest: impl IntoIterator<Item = &'a $name<f64>>,
            ) -> $name<Vec<f64>> {
                let start = first.map(|_, v| vec![*v]);
                rest.into_iter().fold(start, |acc, run| {
                    acc.zip(run, |mut values, v| {
                        values.push(*v);
                        values
                    })
                })
            }
        }
    };
}

measures! {
    /// Everything measured about the families referred in the horizon, value first.
    pub struct Metrics<T> {
        /// Weeks with a supporter before the plan was final, per referred family
        /// (a family never supported counts 0).
        support_weeks: Kind::Weeks,
        /// Share of referred families supported by week 6 of their clock (the decision
        /// to assess).
        supported_by_week_6: Kind::Share,
        /// Share of referred families supported by week 16 (the draft plan).
        supported_by_week_16: Kind::Share,
        /// Families referred in the horizon.
        referred: Kind::Count,
        /// Given a supporter at some point.
        supported: Kind::Count,
        /// Plan final before any supporter came.
        missed: Kind::Count,
        /// Withdrew while waiting.
        withdrawn: Kind::Count,
        /// Still waiting when the run ended: 0, since the run-out goes on until every
        /// measured family's outcome is known.
        still_waiting: Kind::Count,
        /// Supported / referred.
        coverage: Kind::Share,
        /// Missed / referred.
        missed_share: Kind::Share,
        /// Weeks from referral to the first supporter, among families supported: mean.
        wait_mean: Kind::Weeks,
        /// Median wait.
        wait_p50: Kind::Weeks,
        /// 90th percentile wait.
        wait_p90: Kind::Weeks,
        /// 95th percentile wait.
        wait_p95: Kind::Weeks,
        /// Hours of cases / hours offered, paid supporters, over the horizon's weeks.
        utilisation_paid: Kind::Share,
        /// The same for volunteers.
        utilisation_volunteer: Kind::Share,
        /// Coverage of the district served least.
        lowest_district_coverage: Kind::Share,
        /// Lowest district coverage / highest.
        district_coverage_ratio: Kind::Share,
        /// The week's objective: the scores of the new assignments made in a week
        /// (priority weight × urgency, plus the local bonus), mean over the horizon's
        /// weeks.
        score_per_week: Kind::Score,
        /// Weeks simulated after the horizon until every measured family had left.
        run_out_weeks: Kind::Weeks,
    }
}

measures! {
    /// The measures of the families of one priority.
    pub struct PriorityMetrics<T> {
        /// Families of this priority referred in the horizon.
        referred: Kind::Count,
        /// Weeks with a supporter before the plan was final, per referred family.
        support_weeks: Kind::Weeks,
        /// Supported / referred.
        coverage: Kind::Share,
        /// Mean weeks from referral to the first supporter, among families supported.
        wait_mean: Kind::Weeks,
        /// Median wait.
        wait_p50: Kind::Weeks,
        /// 90th percentile wait.
        wait_p90: Kind::Weeks,
        /// 95th percentile wait.
        wait_p95: Kind::Weeks,
    }
}

/// One run's measures: overall, and per priority 1..=5 (index 0 is priority 1).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunMetrics {
    /// Overall.
    pub metrics: Metrics<f64>,
    /// Per priority.
    pub by_priority: [PriorityMetrics<f64>; 5],
}

/// Nearest-rank percentile of sorted values; NaN when there are none.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (p * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted[rank.min(sorted.len()) - 1]
}

fn mean(values: &[f64]) -> f64 {
    if values.is_empty() {
        f64::NAN
    } else {
        values.iter().sum::<f64>() / values.len() as f64
    }
}

fn ratio(numerator: f64, denominator: f64) -> f64 {
    if denominator > 0.0 {
        numerator / denominator
    } else {
        f64::NAN
    }
}

/// Counts over a group of families (all of them, or one priority).
#[derive(Default)]
struct Group {
    referred: f64,
    supported: f64,
    support_weeks: f64,
    waits: Vec<f64>,
}

impl Group {
    fn add(&mut self, wait: Option<f64>, support_weeks: u32) {
        self.referred += 1.0;
        self.support_weeks += f64::from(support_weeks);
        if let Some(wait) = wait {
            self.supported += 1.0;
            self.waits.push(wait);
        }
    }

    /// (mean, p50, p90, p95) of the waits.
    fn waits(&mut self) -> [f64; 4] {
        self.waits.sort_by(f64::total_cmp);
        let w = &self.waits;
        [
            mean(w),
            percentile(w, 0.50),
            percentile(w, 0.90),
            percentile(w, 0.95),
        ]
    }
}

/// The measures of one run. Families are those referred in the horizon (after the
/// warm-up, before the run-out); waits are weeks from referral to the first supporter,
/// among families supported.
pub(crate) fn of_run(stream: &Stream, run: &Run, scenario: &crate::Scenario) -> RunMetrics {
    let (warm_up, end) = (scenario.warm_up_weeks, scenario.total_weeks());
    let mut counts = [0.0_f64; 4];
    let mut all = Group::default();
    let mut priorities: [Group; 5] = Default::default();
    let (mut by_week_6, mut by_week_16) = (0.0, 0.0);
    let mut districts: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
    for (draw, family) in stream.families.iter().zip(&run.families) {
        if !(warm_up..end).contains(&draw.arrival_week) {
            continue;
        }
        let p = usize::from(draw.referral.priority.clamp(1, 5)) - 1;
        counts[family.outcome as usize] += 1.0;
        let wait = family
            .first_support
            .map(|week| f64::from(week - draw.arrival_week));
        all.add(wait, family.support_weeks);
        priorities[p].add(wait, family.support_weeks);
        let district = districts
            .entry(draw.referral.district.as_deref().unwrap_or(""))
            .or_default();
        district.0 += 1.0;
        if let Some(week) = family.first_support {
            district.1 += 1.0;
            let on_clock = i64::from(week) - draw.clock_week;
            if on_clock <= 6 {
                by_week_6 += 1.0;
            }
            if on_clock <= 16 {
                by_week_16 += 1.0;
            }
        }
    }
    let [supported, missed, withdrawn, still_waiting] = counts;
    let referred = all.referred;
    let coverages: Vec<f64> = districts
        .values()
        .filter(|(r, _)| *r > 0.0)
        .map(|(r, s)| s / r)
        .collect();
    let lowest = coverages.iter().copied().reduce(f64::min);
    let highest = coverages.iter().copied().reduce(f64::max);
    let [wait_mean, wait_p50, wait_p90, wait_p95] = all.waits();
    let metrics = Metrics {
        support_weeks: ratio(all.support_weeks, referred),
        supported_by_week_6: ratio(by_week_6, referred),
        supported_by_week_16: ratio(by_week_16, referred),
        referred,
        supported,
        missed,
        withdrawn,
        still_waiting,
        coverage: ratio(supported, referred),
        missed_share: ratio(missed, referred),
        wait_mean,
        wait_p50,
        wait_p90,
        wait_p95,
        utilisation_paid: ratio(run.paid_hours.0, run.paid_hours.1),
        utilisation_volunteer: ratio(run.volunteer_hours.0, run.volunteer_hours.1),
        lowest_district_coverage: lowest.unwrap_or(f64::NAN),
        district_coverage_ratio: match (lowest, highest) {
            (Some(l), Some(h)) => ratio(l, h),
            _ => f64::NAN,
        },
        score_per_week: ratio(run.score, f64::from(end - warm_up)),
        run_out_weeks: f64::from(run.run_out_weeks),
    };
    let by_priority = priorities.map(|mut group| {
        let [wait_mean, wait_p50, wait_p90, wait_p95] = group.waits();
        PriorityMetrics {
            referred: group.referred,
            support_weeks: ratio(group.support_weeks, group.referred),
            coverage: ratio(group.supported, group.referred),
            wait_mean,
            wait_p50,
            wait_p90,
            wait_p95,
        }
    });
    RunMetrics {
        metrics,
        by_priority,
    }
}

/// A measure over replications: its mean and a 95% confidence interval for the mean
/// (Student's t). Replications where it is undefined (e.g. no wait to average) are left
/// out, and `n` says how many counted. The interval is clamped to the values the
/// measure can take (no negative count, no share above 100%), and absent (`null` in
/// JSON) when fewer than two replications counted: one value has no spread to measure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Estimate {
    /// Mean over replications.
    pub mean: Option<f64>,
    /// 95% confidence interval of the mean.
    pub ci95: Option<[f64; 2]>,
    /// Replications in which the measure was defined.
    pub n: usize,
}

/// Mean and 95% CI of `values` (NaN values skipped), clamped to what `kind` allows.
pub fn estimate(values: &[f64], kind: Kind) -> Estimate {
    estimate_within(values, kind.range())
}

/// Mean and 95% CI of `values` (NaN values skipped), the interval clamped to `range`.
fn estimate_within(values: &[f64], range: (f64, f64)) -> Estimate {
    let defined: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    let n = defined.len();
    if n == 0 {
        return Estimate {
            mean: None,
            ci95: None,
            n,
        };
    }
    let m = mean(&defined);
    let ci95 = (n >= 2).then(|| {
        let variance = defined.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1) as f64;
        let t = StudentsT::new(0.0, 1.0, (n - 1) as f64).map_or(1.96, |d| d.inverse_cdf(0.975));
        let half = t * (variance / n as f64).sqrt();
        let (low, high) = range;
        [(m - half).max(low), (m + half).min(high)]
    });
    Estimate {
        mean: Some(m),
        ci95,
        n,
    }
}

/// One measure's values less a baseline's, replication by replication (the two slices
/// in replication order, equally long), with the mean difference and its 95% CI over
/// the replications where both are defined, clamped to what a difference of `kind` can
/// take (what [`paired_difference`] gives for each measure).
pub fn paired_estimate(these: &[f64], those: &[f64], kind: Kind) -> Estimate {
    let differences: Vec<f64> = these.iter().zip(those).map(|(a, b)| a - b).collect();
    estimate_within(&differences, kind.difference_range())
}

/// Each measure of `runs` less the same measure of `baseline`, replication by
/// replication (the two slices in replication order), with the mean difference and its
/// 95% CI over the replications where both are defined; `None` unless the two slices
/// are equally long and not empty.
pub fn paired_difference(
    runs: &[&Metrics<f64>],
    baseline: &[&Metrics<f64>],
) -> Option<Metrics<Estimate>> {
    if runs.len() != baseline.len() {
        return None;
    }
    let columns = |of: &[&Metrics<f64>]| {
        let (first, rest) = of.split_first()?;
        Some(Metrics::columns(first, rest.iter().copied()))
    };
    let pairs = columns(runs)?.zip(&columns(baseline)?, |these, those| (these, those.clone()));
    Some(pairs.map(|kind, (these, those)| paired_estimate(these, those, kind)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let v = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0];
        assert_eq!(percentile(&v, 0.5), 5.0);
        assert_eq!(percentile(&v, 0.9), 9.0);
        assert_eq!(percentile(&v, 0.95), 10.0);
        assert!(percentile(&[], 0.5).is_nan());
    }

    #[test]
    fn confidence_interval_uses_students_t() {
        let e = estimate(&[11.0, 12.0, 13.0, f64::NAN], Kind::Weeks);
        assert_eq!(e.n, 3);
        assert_eq!(e.mean, Some(12.0));
        // t(0.975, 2) = 4.303; s = 1; half width = 4.303 / sqrt(3).
        let [lo, hi] = e.ci95.unwrap();
        assert!(
            (hi - 12.0 - 4.302_652_7 / 3f64.sqrt()).abs() < 1e-6
                && (12.0 - lo - (hi - 12.0)).abs() < 1e-12
        );
        assert_eq!(estimate(&[], Kind::Count).mean, None);
    }

    #[test]
    fn one_replication_has_no_interval() {
        let e = estimate(&[5.0, f64::NAN], Kind::Count);
        assert_eq!((e.mean, e.ci95, e.n), (Some(5.0), None, 1));
    }

    #[test]
    fn intervals_are_clamped_to_what_is_possible() {
        // Unclamped: 1 +- 4.303 * 1.732 / sqrt(3) = [-3.3, 5.3].
        let count = estimate(&[0.0, 0.0, 3.0], Kind::Count);
        let [lo, hi] = count.ci95.unwrap();
        assert_eq!(lo, 0.0);
        assert!((hi - (1.0 + 4.302_652_7)).abs() < 1e-6, "{hi}");
        let share = estimate(&[1.0, 1.0, 0.9], Kind::Share);
        let [lo, hi] = share.ci95.unwrap();
        assert_eq!(hi, 1.0);
        assert!(lo < 0.9 && lo > 0.0, "{lo}");
    }

    #[test]
    fn each_lists_every_field_in_order_and_map_keeps_it() {
        let run = PriorityMetrics {
            referred: 1.0,
            support_weeks: 2.0,
            coverage: 3.0,
            wait_mean: 4.0,
            wait_p50: 5.0,
            wait_p90: 6.0,
            wait_p95: 7.0,
        };
        let names: Vec<&str> = run.each().iter().map(|(n, _, _)| *n).collect();
        assert_eq!(
            names,
            [
                "referred",
                "support_weeks",
                "coverage",
                "wait_mean",
                "wait_p50",
                "wait_p90",
                "wait_p95"
            ]
        );
        let doubled = run.map(|_, v| v * 2.0);
        assert_eq!(doubled.wait_p95, 14.0);
        assert_eq!(run.clone().zip(&doubled, |a, b| a + b).coverage, 9.0);
    }
}
