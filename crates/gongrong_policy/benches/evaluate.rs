//! One household through the rules: evaluation and explanation (the household page's path).
//! `cargo bench -p gongrong_policy --bench evaluate`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use criterion::{Criterion, criterion_group, criterion_main};
use gongrong_policy::testing::household_from_yaml;
use gongrong_policy::{Catalogue, PeriodPlan};
use std::hint::black_box;
use std::path::PathBuf;
use std::sync::Arc;

fn policies() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../policies")
}

const HOUSEHOLD: &str = "
id: H-bench
household: { formerly_poor: true, housing_safety: grade_c }
members:
  - { birth_date: 1950-02-01, transfer_income: 3000, health: chronic, out_of_pocket_medical: 6000 }
  - { birth_date: 1978-05-01, wage_income: { 2023: 9000, 2024: 7000 }, labour_skill: weak, wants_public_welfare_job: true }
  - { birth_date: 2009-09-01, school_stage: senior_secondary }
  - { birth_date: 2016-03-01, school_stage: primary, disability_category: intellectual, disability_grade: 2 }
";

fn bench(c: &mut Criterion) {
    let dir = policies();
    c.bench_function("load and check the catalogue", |b| {
        b.iter(|| black_box(Catalogue::load(&dir).unwrap()))
    });
    let cat = Arc::new(Catalogue::load(&dir).unwrap());
    let period = "2024-06".parse().unwrap();
    c.bench_function("resolve the catalogue for a month", |b| {
        b.iter(|| black_box(PeriodPlan::new(cat.clone(), period).unwrap()))
    });
    let plan = PeriodPlan::new(cat.clone(), period).unwrap();
    let hh = household_from_yaml(&cat, HOUSEHOLD).unwrap();
    c.bench_function("evaluate one household (4 members, all 22 policies)", |b| {
        b.iter(|| black_box(plan.evaluate(black_box(&hh)).members()))
    });
    c.bench_function("evaluate and explain one household", |b| {
        b.iter(|| black_box(plan.evaluate(&hh).explain(&hh).nodes.len()))
    });
    c.bench_function("explain one household as JSON text", |b| {
        b.iter(|| {
            black_box(
                serde_json::to_string(&plan.evaluate(&hh).explain(&hh))
                    .unwrap()
                    .len(),
            )
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
