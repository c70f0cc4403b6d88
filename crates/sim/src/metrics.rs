//! Metrics of one run, and their mean and 95% confidence interval over replications.

use std::collections::BTreeMap;

use serde::Serialize;
use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::engine::{Outcome, Run};
use crate::stream::Stream;

/// The families measured: those referred after the warm-up.
fn measured<'a>(
    stream: &'a Stream,
    run: &'a Run,
    warm_up: u32,
) -> impl Iterator<Item = (usize, (Outcome, Option<u32>))> + 'a {
    run.outcomes
        .iter()
        .copied()
        .enumerate()
        .filter(move |(f, _)| stream.families[*f].arrival_week >= warm_up)
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

/// The metrics of one run, by name, in a fixed order. Families are those referred
/// after the warm-up; waits are weeks from referral to the first supporter, among
/// families supported (a family never supported has no wait, and is counted in
/// `missed`, `withdrawn` or `waiting_at_end` instead).
pub(crate) fn of_run(stream: &Stream, run: &Run, warm_up: u32) -> Vec<(String, f64)> {
    let mut counts = [0.0_f64; 4];
    let mut waits: Vec<f64> = Vec::new();
    let mut waits_by_priority: [Vec<f64>; 5] = Default::default();
    let mut referred_by_priority = [0.0_f64; 5];
    let mut supported_by_priority = [0.0_f64; 5];
    let (mut by_week_6, mut by_week_16) = (0.0, 0.0);
    let mut districts: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
    for (f, (outcome, support)) in measured(stream, run, warm_up) {
        let draw = &stream.families[f];
        let p = usize::from(draw.referral.priority.clamp(1, 5)) - 1;
        counts[outcome as usize] += 1.0;
        referred_by_priority[p] += 1.0;
        let district = districts
            .entry(draw.referral.district.as_deref().unwrap_or(""))
            .or_default();
        district.0 += 1.0;
        if let Some(week) = support {
            let wait = f64::from(week - draw.arrival_week);
            waits.push(wait);
            waits_by_priority[p].push(wait);
            supported_by_priority[p] += 1.0;
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
    let referred: f64 = counts.iter().sum();
    let [supported, missed, withdrawn, waiting] = counts;
    waits.sort_by(f64::total_cmp);
    let mut metrics = vec![
        ("referred".to_string(), referred),
        ("supported".into(), supported),
        ("missed".into(), missed),
        ("withdrawn".into(), withdrawn),
        ("waiting_at_end".into(), waiting),
        ("coverage".into(), ratio(supported, referred)),
        ("missed_share".into(), ratio(missed, referred)),
        ("supported_by_week_6".into(), ratio(by_week_6, referred)),
        ("supported_by_week_16".into(), ratio(by_week_16, referred)),
        ("wait_mean".into(), mean(&waits)),
        ("wait_p50".into(), percentile(&waits, 0.50)),
        ("wait_p90".into(), percentile(&waits, 0.90)),
        ("wait_p95".into(), percentile(&waits, 0.95)),
    ];
    for p in 0..5 {
        let waits = &mut waits_by_priority[p];
        waits.sort_by(f64::total_cmp);
        let label = p + 1;
        metrics.push((
            format!("coverage_priority_{label}"),
            ratio(supported_by_priority[p], referred_by_priority[p]),
        ));
        metrics.push((format!("wait_mean_priority_{label}"), mean(waits)));
        metrics.push((
            format!("wait_p50_priority_{label}"),
            percentile(waits, 0.50),
        ));
        metrics.push((
            format!("wait_p90_priority_{label}"),
            percentile(waits, 0.90),
        ));
        metrics.push((
            format!("wait_p95_priority_{label}"),
            percentile(waits, 0.95),
        ));
    }
    metrics.push((
        "utilisation_paid".into(),
        ratio(run.paid_hours.0, run.paid_hours.1),
    ));
    metrics.push((
        "utilisation_volunteer".into(),
        ratio(run.volunteer_hours.0, run.volunteer_hours.1),
    ));
    let coverages: Vec<f64> = districts
        .values()
        .filter(|(r, _)| *r > 0.0)
        .map(|(r, s)| s / r)
        .collect();
    let lowest = coverages
        .iter()
        .copied()
        .reduce(f64::min)
        .unwrap_or(f64::NAN);
    let highest = coverages
        .iter()
        .copied()
        .reduce(f64::max)
        .unwrap_or(f64::NAN);
    metrics.push(("lowest_district_coverage".into(), lowest));
    metrics.push(("district_coverage_ratio".into(), ratio(lowest, highest)));
    metrics
}

/// A metric over replications: its mean and a 95% confidence interval for the mean
/// (Student's t; replications where it is undefined, e.g. no wait to average, are
/// left out, and `n` says how many counted).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Estimate {
    /// Mean over replications.
    pub mean: Option<f64>,
    /// 95% confidence interval of the mean.
    pub ci95: Option<[f64; 2]>,
    /// Replications in which the metric was defined.
    pub n: usize,
}

/// Mean and 95% CI of `values` (NaN values skipped).
pub fn estimate(values: &[f64]) -> Estimate {
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
    let half = if n < 2 {
        0.0
    } else {
        let variance = defined.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1) as f64;
        let t = StudentsT::new(0.0, 1.0, (n - 1) as f64).map_or(1.96, |d| d.inverse_cdf(0.975));
        t * (variance / n as f64).sqrt()
    };
    Estimate {
        mean: Some(m),
        ci95: Some([m - half, m + half]),
        n,
    }
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
        let e = estimate(&[1.0, 2.0, 3.0, f64::NAN]);
        assert_eq!(e.n, 3);
        assert_eq!(e.mean, Some(2.0));
        // t(0.975, 2) = 4.303; s = 1; half width = 4.303 / sqrt(3).
        let [lo, hi] = e.ci95.unwrap();
        assert!(
            (hi - 2.0 - 4.302_652_7 / 3f64.sqrt()).abs() < 1e-6
                && (2.0 - lo - (hi - 2.0)).abs() < 1e-12
        );
        assert_eq!(estimate(&[5.0]).ci95, Some([5.0, 5.0]));
        assert_eq!(estimate(&[]).mean, None);
    }
}
