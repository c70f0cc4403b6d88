//! Criterion benches of `allocate` over the fixture weeks, in process: loading both
//! CSV files, building the per-area models and solving them to proven optimality.
//!
//! `cargo bench --bench allocate` runs the provider week and the national week;
//! `CASELOAD_BENCH_X10=1 cargo bench --bench allocate` adds the 10x national week
//! (about 30 s an iteration here, so it is opt-in). The side-by-side comparison with
//! the Python/highspy peer, through the CLI, is `benches/compare_peer.py`.
//!
//! The `recommend` group times `recommend` (the best supporters for one family, each
//! week re-optimised) on the provider week and on the largest area of the national
//! week, for the family there with the most eligible supporters: the slowest question
//! a coordinator can ask on the phone.

use std::path::Path;
use std::time::Duration;

use caseload_model::{Caseload, PlanningWeek, Policy};
use caseload_solve::eligibility::check;
use caseload_solve::{allocate, recommend, Greedy, Optimal, Options};
use criterion::{criterion_group, criterion_main, Criterion};

fn load(week: &str) -> Caseload {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(week);
    Caseload::load(&dir.join("supporters.csv"), &dir.join("referrals.csv")).expect("fixture loads")
}

fn bench_week(c: &mut Criterion, week: &str, samples: usize) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(week);
    let monday = PlanningWeek::parse("2015-11-02").unwrap();
    let policy = Policy::default();
    if week == "national-x10" {
        // About 30 s an iteration: measure the time to the proven optimum only, with a
        // time limit well above it so that the run is never cut short.
        let caseload = load(week);
        let options = Options {
            threads: None,
            time_limit_seconds: Some(600.0),
            ..Options::default()
        };
        let mut group = c.benchmark_group(week);
        group.sample_size(samples);
        group.bench_function("optimal", |b| {
            b.iter(|| {
                let plan = allocate(&caseload, monday, &policy, &Optimal, &options).unwrap();
                assert_eq!(plan.solver.status, "optimal");
                plan
            })
        });
        group.finish();
        return;
    }
    let mut group = c.benchmark_group(week);
    group
        .sample_size(samples)
        .warm_up_time(Duration::from_secs(1));
    group.bench_function("load+optimal", |b| {
        b.iter(|| {
            let caseload =
                Caseload::load(&dir.join("supporters.csv"), &dir.join("referrals.csv")).unwrap();
            let plan = allocate(&caseload, monday, &policy, &Optimal, &Options::default()).unwrap();
            assert_eq!(plan.solver.status, "optimal");
            plan
        })
    });
    let caseload = load(week);
    group.bench_function("optimal", |b| {
        b.iter(|| allocate(&caseload, monday, &policy, &Optimal, &Options::default()).unwrap())
    });
    group.bench_function("greedy", |b| {
        b.iter(|| allocate(&caseload, monday, &policy, &Greedy, &Options::default()).unwrap())
    });
    group.finish();
}

/// The active family of the area with the most supporters that has the most eligible
/// supporters (ties by id).
fn hardest_family(caseload: &Caseload, monday: PlanningWeek, policy: &Policy) -> String {
    let size = |area: &str| {
        caseload
            .supporters
            .iter()
            .filter(|s| s.area == area)
            .count()
    };
    let area = caseload
        .supporters
        .iter()
        .map(|s| s.area.as_str())
        .max_by_key(|a| (size(a), std::cmp::Reverse(*a)))
        .expect("supporters");
    caseload
        .referrals
        .iter()
        .filter(|r| r.area == area && r.is_active(monday.monday()) && r.has_consent())
        .max_by_key(|r| {
            let eligible = caseload
                .supporters
                .iter()
                .filter(|s| check(r, s, monday, policy).is_ok())
                .count();
            (eligible, std::cmp::Reverse(r.id.clone()))
        })
        .expect("an active family")
        .id
        .clone()
}

fn bench_recommend(c: &mut Criterion) {
    let monday = PlanningWeek::parse("2015-11-02").unwrap();
    let policy = Policy::default();
    let mut group = c.benchmark_group("recommend");
    group.sample_size(20).warm_up_time(Duration::from_secs(1));
    for week in ["provider-week", "national-week"] {
        let caseload = load(week);
        let family = hardest_family(&caseload, monday, &policy);
        group.bench_function(format!("{week}/{family}"), |b| {
            b.iter(|| recommend(&caseload, monday, &policy, &Options::default(), &family).unwrap())
        });
    }
    group.finish();
}

fn benches(c: &mut Criterion) {
    bench_recommend(c);
    bench_week(c, "provider-week", 50);
    bench_week(c, "national-week", 20);
    if std::env::var_os("CASELOAD_BENCH_X10").is_some() {
        bench_week(c, "national-x10", 10);
    }
}

criterion_group!(allocation, benches);
criterion_main!(allocation);
