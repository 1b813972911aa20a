//! Times the population facts generator, and the one-household reference evaluator over the
//! first households of it: `cargo run --release -p gongrong_synth --example facts_timing -- 10000000 100000`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use gongrong_policy::{Catalogue, PeriodPlan};
use gongrong_synth::facts::{FactsConfig, population};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let persons: u64 = args.next().map_or(1_000_000, |a| a.parse().unwrap());
    let evaluate: usize = args.next().map_or(100_000, |a| a.parse().unwrap());
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../policies");
    let cat = Arc::new(Catalogue::load(&dir).unwrap());
    let config = FactsConfig {
        persons,
        ..FactsConfig::default()
    };
    let t = Instant::now();
    let pop = population(&cat, &config).unwrap();
    let gen_s = t.elapsed().as_secs_f64();
    println!(
        "generated {} persons in {} households, {} person columns, {} household columns: {gen_s:.2} s",
        pop.person_count(),
        pop.household_count(),
        pop.persons.columns.len(),
        pop.households.columns.len()
    );
    let plan = PeriodPlan::new(cat.clone(), config.period).unwrap();
    let n = evaluate.min(pop.household_count());
    let facts: Vec<_> = (0..n).map(|h| pop.household_facts(&cat, h)).collect();
    let t = Instant::now();
    let mut paid = 0i64;
    for hh in &facts {
        let ev = plan.evaluate(hh);
        paid += ev.get("dibao_benefit", None).unwrap().as_money().fen();
    }
    let eval_s = t.elapsed().as_secs_f64();
    println!(
        "evaluated {n} households (every variable of the 22 policies) on one thread: {eval_s:.2} s = {:.1} µs per household; dibao paid {} yuan/month",
        eval_s * 1e6 / n.max(1) as f64,
        paid / 100
    );
}
