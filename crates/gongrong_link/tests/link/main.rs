//! Integration tests of the linkage engine (one test binary).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod district;
mod incremental;

use chrono::NaiveDate;
use gongrong_domain::IdNumber;
use gongrong_domain::codes::Sex;
use gongrong_link::{
    Band, LinkConfig, LinkError, LinkRecord, Rule, Truth, evaluate_clusters, link, load_sources,
};
use std::time::Instant;

fn id_with(body17: &str) -> String {
    IdNumber::from_first17(body17).unwrap().as_str().to_owned()
}

struct Builder {
    records: Vec<LinkRecord>,
    truth: Truth,
    rows: [u64; 2],
}

impl Builder {
    fn new() -> Self {
        Self {
            records: Vec::new(),
            truth: Truth::default(),
            rows: [0, 0],
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        source: u8,
        person: &str,
        household: &str,
        id: Option<&str>,
        name: &str,
        birth: (i32, u32, u32),
        sex: Sex,
        village: &str,
    ) -> usize {
        self.rows[source as usize] += 1;
        let row = self.rows[source as usize];
        self.records.push(LinkRecord {
            source,
            row,
            household: Some(household.to_owned()),
            id_raw: id.map(str::to_owned),
            name: name.to_owned(),
            birth_date: (source == 1)
                .then(|| NaiveDate::from_ymd_opt(birth.0, birth.1, birth.2).unwrap()),
            sex: Some(sex),
            region: Some(village.to_owned()),
        });
        self.truth.insert(source, row, person, None);
        self.records.len() - 1
    }
}

/// Two small registers with every trap of the issue, plus a background population so that the model
/// has something to estimate from.
#[test]
fn hand_built_registers_link_correctly() {
    let background = district::generate(1500, 11);
    let mut b = Builder::new();
    for r in &background.rows {
        b.rows[r.record.source as usize] = b.rows[r.record.source as usize].max(r.record.row);
        b.records.push(r.record.clone());
        b.truth.insert(
            r.record.source,
            r.record.row,
            &format!("bg{}", r.person),
            r.defect,
        );
    }
    let v = "370305100201";
    let v2 = "370305100202";
    // 1. ID typo (substitution) in the poverty register.
    let id1 = id_with("37030519650312101");
    let mut typo = id1.clone().into_bytes();
    typo[9] = if typo[9] == b'7' { b'8' } else { b'7' };
    let p1 = b.add(
        0,
        "A",
        "FP1",
        Some(std::str::from_utf8(&typo).unwrap()),
        "张建国",
        (1965, 3, 12),
        Sex::Male,
        v,
    );
    let d1 = b.add(
        1,
        "A",
        "DB1",
        Some(&id1),
        "张建国",
        (1965, 3, 12),
        Sex::Male,
        v,
    );
    // 2. ID swap typo + traditional name.
    let id2 = id_with("37030519700815202");
    let mut swap = id2.clone().into_bytes();
    swap.swap(12, 13);
    let p2 = b.add(
        0,
        "B",
        "FP1",
        Some(std::str::from_utf8(&swap).unwrap()),
        "陳麗",
        (1970, 8, 15),
        Sex::Female,
        v,
    );
    let d2 = b.add(
        1,
        "B",
        "DB1",
        Some(&id2),
        "陈丽",
        (1970, 8, 15),
        Sex::Female,
        v,
    );
    // 3. Legacy 15-digit number, minority name with another separator.
    let id3 = id_with("37030519480101303");
    let legacy = format!("{}{}", &id3[..6], &id3[8..17]);
    let p3 = b.add(
        0,
        "C",
        "FP2",
        Some(&legacy),
        "买买提.艾力",
        (1948, 1, 1),
        Sex::Male,
        v,
    );
    let d3 = b.add(
        1,
        "C",
        "DB2",
        Some(&id3),
        "买买提·艾力",
        (1948, 1, 1),
        Sex::Male,
        v,
    );
    // 4. Twins: same surname, village, birth date; different given names and IDs.
    let t1 = id_with("37030519950505101");
    let t2 = id_with("37030519950505103");
    let p4 = b.add(
        0,
        "T1",
        "FP3",
        Some(&t1),
        "王海涛",
        (1995, 5, 5),
        Sex::Male,
        v2,
    );
    let p5 = b.add(
        0,
        "T2",
        "FP3",
        Some(&t2),
        "王海波",
        (1995, 5, 5),
        Sex::Male,
        v2,
    );
    let d4 = b.add(
        1,
        "T1",
        "DB3",
        Some(&t1),
        "王海涛",
        (1995, 5, 5),
        Sex::Male,
        v2,
    );
    let d5 = b.add(
        1,
        "T2",
        "DB3",
        Some(&t2),
        "王海波",
        (1995, 5, 5),
        Sex::Male,
        v2,
    );
    // 5. Common name collision: two different 王伟 born the same day in the same village.
    let w1 = id_with("37030519800101301");
    let w2 = id_with("37030219800101551");
    let p6 = b.add(
        0,
        "W1",
        "FP4",
        Some(&w1),
        "王伟",
        (1980, 1, 1),
        Sex::Male,
        v,
    );
    let d6 = b.add(
        1,
        "W2",
        "DB4",
        Some(&w2),
        "王伟",
        (1980, 1, 1),
        Sex::Male,
        v,
    );
    // 6. Duplicate row in the dibao register.
    let id7 = id_with("37030519560909404");
    let p7 = b.add(
        0,
        "D",
        "FP5",
        Some(&id7),
        "单田芳",
        (1956, 9, 9),
        Sex::Female,
        v,
    );
    let d7 = b.add(
        1,
        "D",
        "DB5",
        Some(&id7),
        "单田芳",
        (1956, 9, 9),
        Sex::Female,
        v,
    );
    let d7b = b.add(
        1,
        "D",
        "DB5",
        Some(&id7),
        "单田芳",
        (1956, 9, 9),
        Sex::Female,
        v,
    );
    // 7. A record without any usable identifier (no ID; the poverty register has no birth date).
    let p8 = b.add(0, "E", "FP6", None, "李四", (1990, 2, 2), Sex::Male, v);
    let _d8 = b.add(
        1,
        "E2",
        "DB6",
        Some(&id_with("37030519900202505")),
        "李四",
        (1990, 2, 2),
        Sex::Male,
        v,
    );

    let config = LinkConfig::registers().unwrap();
    let linkage = link(&b.records, &config).unwrap();
    let same = |x: usize, y: usize| linkage.cluster_of[x] == linkage.cluster_of[y];
    assert!(same(p1, d1), "substitution typo repaired");
    assert!(same(p2, d2), "swap typo repaired, traditional name");
    assert!(same(p3, d3), "legacy number, minority separator");
    assert!(
        same(p4, d4) && same(p5, d5) && !same(p4, p5) && !same(p4, d5),
        "twins kept apart"
    );
    assert!(!same(p6, d6), "common name, different valid IDs");
    assert!(same(p7, d7) && same(d7, d7b), "duplicate row clustered");
    assert!(
        linkage
            .duplicates
            .iter()
            .any(|g| g.records.contains(&(d7 as u32)) && g.records.contains(&(d7b as u32)))
    );
    assert!(linkage.unusable.contains(&(p8 as u32)));
    assert!(
        linkage
            .cluster_of
            .iter()
            .filter(|&&c| c == linkage.cluster_of[p8])
            .count()
            == 1,
        "unusable record never matched automatically"
    );
    // The typo pair is explained: ID repaired, name exact.
    let pair = linkage
        .pairs
        .iter()
        .find(|p| (p.a, p.b) == (p1 as u32, d1 as u32))
        .unwrap();
    let ex = linkage.explain(pair);
    assert_eq!(ex.terms[0].level, "repaired");
    assert_eq!(ex.terms[1].level, "exact");
    let sum: f64 = ex.prior_weight
        + ex.terms
            .iter()
            .map(|t| t.weight + t.tf_adjustment)
            .sum::<f64>();
    assert!((sum - ex.weight).abs() < 1e-3, "{sum} vs {}", ex.weight);
    serde_json::to_string(&ex).unwrap();

    let e = evaluate_clusters(&b.records, &linkage.cluster_of, &b.truth);
    eprintln!("hand-built: {e:?}");
    assert!(e.f1 >= 0.99, "{e:?}");
}

#[test]
fn generated_district_through_csv() {
    let district = district::generate(8000, 2021);
    let dir = tempfile::tempdir().unwrap();
    district.write_csv(dir.path());
    let config = LinkConfig::registers().unwrap();
    let loaded = load_sources(
        &[
            &dir.path().join("poverty.csv"),
            &dir.path().join("dibao.csv"),
        ],
        &config,
    )
    .unwrap();
    assert!(
        loaded.issues.is_empty(),
        "{:?}",
        &loaded.issues[..loaded.issues.len().min(5)]
    );
    assert_eq!(loaded.records.len(), district.rows.len());
    let truth = Truth::read(&dir.path().join("truth.csv"), &["poverty", "dibao"]).unwrap();
    let start = Instant::now();
    let linkage = link(&loaded.records, &config).unwrap();
    eprintln!(
        "{} records linked in {:?}",
        loaded.records.len(),
        start.elapsed()
    );
    let e = evaluate_clusters(&loaded.records, &linkage.cluster_of, &truth);
    eprintln!("{e:#?}\n{:#?}", linkage.stats);
    assert!(e.f1 >= 0.995, "F1 {}", e.f1);
    assert!(
        e.corrupted_id_recall >= 0.99,
        "corrupted-ID recall {}",
        e.corrupted_id_recall
    );
    assert!(linkage.model.em_converged);
    assert!(linkage.oversize_blocks.is_empty());
}

/// The project's synthetic district (`gongrong_synth`), through its CSV files and truth.
#[test]
fn synth_district_links() {
    let persons: u64 = std::env::var("LINK_SYNTH_PERSONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let dir = tempfile::tempdir().unwrap();
    let synth = gongrong_synth::SynthConfig {
        persons,
        ..gongrong_synth::SynthConfig::default()
    };
    gongrong_synth::generate(&synth, dir.path(), &|_, _| {}).unwrap();
    let config = LinkConfig::registers().unwrap();
    let files = [
        dir.path().join("poverty_register.csv"),
        dir.path().join("dibao_register.csv"),
    ];
    let loaded = load_sources(&[&files[0], &files[1]], &config).unwrap();
    let truth = Truth::read(&dir.path().join("truth.csv"), &["poverty", "dibao"]).unwrap();
    let before = memory_kib();
    let start = Instant::now();
    let linkage = link(&loaded.records, &config).unwrap();
    eprintln!(
        "synth: {} records linked in {:?}; memory (VmRSS, VmHWM) before {before:?} KiB, after {:?} KiB",
        loaded.records.len(),
        start.elapsed(),
        memory_kib()
    );
    let e = evaluate_clusters(&loaded.records, &linkage.cluster_of, &truth);
    eprintln!("{e:#?}\n{:#?}", linkage.stats);
    if std::env::var("LINK_DEBUG").is_ok() {
        eprintln!("{:#?}", linkage.model);
    }
    assert!(e.f1 >= 0.999, "F1 {}", e.f1);
    assert!(
        e.corrupted_id_recall >= 0.99,
        "corrupted-ID recall {}",
        e.corrupted_id_recall
    );
}

#[test]
fn bad_input_is_reported() {
    // A malformed config names the key.
    let err = LinkConfig::from_toml("[bands]\nmatch = \"x\"\n").unwrap_err();
    assert!(err.to_string().contains("bands.match"), "{err}");
    // A record of an unconfigured source.
    let config = LinkConfig::registers().unwrap();
    let r = LinkRecord::new(5, 1, "张三");
    assert!(matches!(
        link(&[r], &config),
        Err(LinkError::UnknownSource { .. })
    ));
    // Empty and one-record inputs work.
    let l = link(&[], &config).unwrap();
    assert_eq!(l.clusters, 0);
    let l = link(&[LinkRecord::new(0, 1, "")], &config).unwrap();
    assert_eq!(l.unusable, vec![0]);
}

#[test]
fn same_household_members_are_different_people() {
    let mut b = Builder::new();
    let v = "370305100201";
    // Two records of one poverty household with one invalid number each and similar names: not merged.
    let a = b.add(
        0,
        "X",
        "FP9",
        Some("370305198001011011"),
        "刘洋",
        (1980, 1, 1),
        Sex::Male,
        v,
    );
    let c = b.add(
        0,
        "Y",
        "FP9",
        Some("370305198001011031"),
        "刘阳",
        (1980, 1, 1),
        Sex::Male,
        v,
    );
    let background = district::generate(300, 5);
    b.records.extend(background.records());
    let linkage = link(&b.records, &LinkConfig::registers().unwrap()).unwrap();
    assert_ne!(linkage.cluster_of[a], linkage.cluster_of[c]);
    let kept = linkage
        .pairs
        .iter()
        .find(|p| (p.a, p.b) == (a as u32, c as u32));
    assert!(kept.is_none_or(|p| p.band == Band::NonMatch && p.rule.is_some()));
    let _ = Rule::SameHousehold;
}

/// 1,000,000 persons ⇒ ≈1.55M records. `cargo test --release -p gongrong_link -- --ignored --nocapture`
#[test]
#[ignore]
fn million_persons() {
    let households: usize = std::env::var("LINK_BENCH_HOUSEHOLDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(314_000);
    let start = Instant::now();
    let district = district::generate(households, 7);
    let records = district.records();
    let truth = district.truth();
    let truth_rows: Vec<(u32, Option<&'static str>)> =
        district.rows.iter().map(|r| (r.person, r.defect)).collect();
    let persons = district.persons.len();
    drop(district);
    eprintln!(
        "generated {persons} persons, {} records in {:?}",
        records.len(),
        start.elapsed()
    );
    let config = LinkConfig::registers().unwrap();
    let before = memory_kib();
    let start = Instant::now();
    let linkage = link(&records, &config).unwrap();
    let took = start.elapsed();
    eprintln!(
        "LINK TIME {took:?}; memory (VmRSS, VmHWM) before {before:?} KiB, after {:?} KiB",
        memory_kib()
    );
    let e = evaluate_clusters(&records, &linkage.cluster_of, &truth);
    eprintln!("{e:#?}\n{:#?}\n{:#?}", linkage.stats, linkage.model);
    eprintln!("oversize blocks: {:?}", linkage.oversize_blocks);
    if std::env::var("LINK_DEBUG").is_ok() {
        debug_misses(&records, &linkage, &truth_rows);
    }
    assert!(e.f1 >= 0.999, "F1 {}", e.f1);
    assert!(e.corrupted_id_recall >= 0.99);
}

/// Current and peak resident memory of this process (Linux), in KiB.
fn memory_kib() -> Option<(u64, u64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))?
            .split_whitespace()
            .nth(1)?
            .parse()
            .ok()
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

fn debug_misses(
    records: &[LinkRecord],
    linkage: &gongrong_link::Linkage,
    truth: &[(u32, Option<&'static str>)],
) {
    let mut by_person: std::collections::HashMap<u32, Vec<usize>> = Default::default();
    for (i, (p, _)) in truth.iter().enumerate() {
        by_person.entry(*p).or_default().push(i);
    }
    let pairs: std::collections::HashMap<(u32, u32), &gongrong_link::ScoredPair> =
        linkage.pairs.iter().map(|p| ((p.a, p.b), p)).collect();
    let mut shown = 0;
    for members in by_person.values() {
        for (x, &i) in members.iter().enumerate() {
            for &j in &members[x + 1..] {
                if linkage.cluster_of[i] != linkage.cluster_of[j]
                    && shown < 40
                    && !linkage.unusable.contains(&(i as u32))
                    && !linkage.unusable.contains(&(j as u32))
                {
                    shown += 1;
                    let p = pairs.get(&(i as u32, j as u32));
                    eprintln!(
                        "MISS {:?} {:?}\n   {:?}\n   {:?}\n   {:?}",
                        truth[i].1,
                        truth[j].1,
                        records[i],
                        records[j],
                        p.map(|p| (p.weight, p.levels, p.band, p.rule))
                    );
                }
            }
        }
    }
    // False positives: show each impure cluster with its kept pairs.
    let clusters = linkage.clusters();
    let mut fp = 0;
    for c in clusters {
        let impure = c
            .iter()
            .any(|&i| truth[i as usize].0 != truth[c[0] as usize].0);
        if impure && fp < 12 {
            fp += 1;
            eprintln!("FALSE cluster");
            for &i in &c {
                eprintln!(
                    "   {i} P{} {:?} {:?}",
                    truth[i as usize].0, truth[i as usize].1, records[i as usize]
                );
            }
            for p in linkage
                .pairs
                .iter()
                .filter(|p| c.contains(&p.a) && c.contains(&p.b))
            {
                eprintln!(
                    "   pair {} {} w={} {:?} {:?} {:?} {:?}",
                    p.a, p.b, p.weight, p.levels, p.band, p.rule, p.duplicate
                );
            }
        }
    }
}
