//! Criterion benches of `caseload funding` on England's 152 areas: each rule's split
//! (the LPs solved in two or three stages), and a 100-point budget sweep in parallel.
//!
//! `cargo bench --bench funding`.

use std::path::Path;

use caseload_funding::{split, sweep, AreasTable, FundingScenario, SweepSpec};
use criterion::{criterion_group, criterion_main, Criterion};

fn benches(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/funding");
    let areas = AreasTable::embedded();
    let mut group = c.benchmark_group("funding-152-areas");
    for name in [
        "2016-17-flat",
        "2016-17-demand",
        "2016-17-max-families",
        "2016-17-max-min-coverage",
    ] {
        let scenario = FundingScenario::load(&root.join(format!("{name}.toml"))).unwrap();
        let resolved = areas.resolve(&scenario).unwrap();
        group.bench_function(name, |b| b.iter(|| split(&scenario, &resolved).unwrap()));
    }
    let file = root.join("2016-17-max-min-coverage.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    let spec = SweepSpec::parse("budget=5e6..54.5e6:0.5e6").unwrap();
    assert_eq!(spec.values.len(), 100);
    group.sample_size(10);
    group.bench_function("sweep-100-budgets-max-min-coverage", |b| {
        b.iter(|| sweep(&file, &text, &spec, &areas).unwrap())
    });
    group.finish();
}

criterion_group!(funding, benches);
criterion_main!(funding);
