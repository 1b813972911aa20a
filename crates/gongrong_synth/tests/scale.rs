//! The generator at benchmark scale. Run in release:
//! `cargo test --release -p gongrong_synth --test scale -- --ignored --nocapture`

// Test helpers outside #[test] functions may unwrap too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use gongrong_synth::{SynthConfig, generate};

#[test]
#[ignore = "a million persons; run in release"]
fn a_million_persons_as_csv() {
    let dir = tempfile::tempdir().unwrap();
    let config = SynthConfig {
        persons: 1_000_000,
        ..SynthConfig::default()
    };
    let start = std::time::Instant::now();
    let s = generate(&config, dir.path(), &|_, _| {}).unwrap();
    let elapsed = start.elapsed();
    println!("{s:#?}\n1,000,000 persons as CSV in {elapsed:.2?}");
    assert_eq!(s.persons, 1_000_000);
    assert!(s.villages < 12 * 999);
    let truth = std::fs::read(dir.path().join("truth.csv")).unwrap();
    let lines = truth.iter().filter(|b| **b == b'\n').count() as u64;
    assert_eq!(lines, s.poverty_rows + s.dibao_rows + 1);
}

#[test]
#[ignore = "XLSX at its size limit; run in release"]
fn xlsx_at_the_size_limit() {
    let dir = tempfile::tempdir().unwrap();
    let config = SynthConfig {
        persons: gongrong_synth::XLSX_MAX_PERSONS,
        format: gongrong_synth::OutputFormat::Both,
        ..SynthConfig::default()
    };
    let start = std::time::Instant::now();
    let s = generate(&config, dir.path(), &|_, _| {}).unwrap();
    println!(
        "{} persons as CSV + XLSX in {:.2?} ({} + {} rows)",
        s.persons,
        start.elapsed(),
        s.poverty_rows,
        s.dibao_rows
    );
}
