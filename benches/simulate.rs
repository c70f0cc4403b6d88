//! Criterion benches of `caseload simulate` on the large-county scenario (Kent):
//! 100 replications x 78 measured weeks (after 26 of warm-up, and before the run-out
//! that goes on until every measured family has left), in process.
//!
//! `cargo bench --bench simulate`. The `optimal` policy solves one weekly problem a
//! week, run-out included, each to proven optimality (no time limit); the others are
//! orderings.

use std::path::Path;
use std::time::Duration;

use caseload_sim::{builtin, simulate, Scenario};
use criterion::{criterion_group, criterion_main, Criterion};

fn benches(c: &mut Criterion) {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sim/large-county.toml");
    let loaded = Scenario::load(&file).expect("the fixture loads");
    let scenario = loaded.scenario;
    let mut group = c.benchmark_group("large-county-100x78");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    group.bench_function("optimal", |b| {
        let policies = [builtin("optimal").unwrap()];
        b.iter(|| simulate(&scenario, None, &policies, None, &|| {}).unwrap())
    });
    group.bench_function("fifo+priority+deadline+lottery", |b| {
        let policies = ["fifo", "priority", "deadline", "lottery"].map(|p| builtin(p).unwrap());
        b.iter(|| simulate(&scenario, None, &policies, None, &|| {}).unwrap())
    });
    group.finish();
}

criterion_group!(simulation, benches);
criterion_main!(simulation);
