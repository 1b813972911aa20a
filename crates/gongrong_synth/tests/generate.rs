//! End-to-end checks of the generated files: layouts, read-back, determinism, encodings and
//! the population mix of the seed report.

// Test helpers outside #[test] functions may unwrap too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::Datelike;
use gongrong_domain::IdNumber;
use gongrong_synth::{
    DIBAO_HEADERS, Encoding, OutputFormat, POVERTY_HEADERS, SynthConfig, SynthError, SynthSummary,
    TRUTH_HEADERS, VILLAGE_HEADERS, generate,
};
use std::collections::{HashMap, HashSet};
use std::path::Path;

fn run(config: &SynthConfig, dir: &Path) -> SynthSummary {
    generate(config, dir, &|_, _| {}).unwrap()
}

fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).unwrap();
    let headers = r.headers().unwrap().iter().map(str::to_owned).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(str::to_owned).collect())
        .collect();
    (headers, rows)
}

#[test]
fn writes_readable_files_with_the_documented_layouts() {
    let dir = tempfile::tempdir().unwrap();
    let last = std::cell::Cell::new((0, 0));
    let s = generate(&SynthConfig::default(), dir.path(), &|done, total| {
        assert!(done <= total);
        last.set((done, total));
    })
    .unwrap();
    assert_eq!(last.get(), (3_700, 3_700));
    assert_eq!(s.files.len(), 4);
    let (h, villages) = read_csv(&dir.path().join("villages.csv"));
    assert_eq!(h, VILLAGE_HEADERS);
    assert_eq!(villages.len(), s.villages);
    let codes: HashSet<&str> = villages.iter().map(|v| v[0].as_str()).collect();
    let (h, poverty) = read_csv(&dir.path().join("poverty_register.csv"));
    assert_eq!(h, POVERTY_HEADERS);
    assert_eq!(poverty.len() as u64, s.poverty_rows);
    assert!(poverty.iter().all(|r| codes.contains(r[3].as_str())));
    let (h, dibao) = read_csv(&dir.path().join("dibao_register.csv"));
    assert_eq!(h, DIBAO_HEADERS);
    assert_eq!(dibao.len() as u64, s.dibao_rows);
    assert!(dibao.iter().all(|r| codes.contains(r[1].as_str())));
    let (h, truth) = read_csv(&dir.path().join("truth.csv"));
    assert_eq!(h, TRUTH_HEADERS);
    assert_eq!(truth.len() as u64, s.poverty_rows + s.dibao_rows);
    let persons: HashSet<&str> = truth.iter().map(|t| t[2].as_str()).collect();
    assert_eq!(persons.len() as u64, s.persons);
    assert_eq!(s.persons, 3_700);
    let households: HashSet<&str> = truth.iter().map(|t| t[3].as_str()).collect();
    assert_eq!(households.len() as u64, s.households);
    // Truth rows number each register's data rows 1..=n.
    for (register, n) in [("poverty", s.poverty_rows), ("dibao", s.dibao_rows)] {
        let rows: Vec<u64> = truth
            .iter()
            .filter(|t| t[0] == register)
            .map(|t| t[1].parse().unwrap())
            .collect();
        assert_eq!(rows, (1..=n).collect::<Vec<_>>());
    }
    println!("{s:#?}");
}

#[test]
fn same_seed_gives_byte_identical_files() {
    let config = SynthConfig {
        persons: 1_500,
        format: OutputFormat::Both,
        ..SynthConfig::default()
    };
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let sa = run(&config, a.path());
    let sb = run(&config, b.path());
    assert_eq!(sa.files.len(), 6);
    for f in &sa.files {
        let name = f.file_name().unwrap();
        let x = std::fs::read(a.path().join(name)).unwrap();
        let y = std::fs::read(b.path().join(name)).unwrap();
        assert!(x == y, "{name:?} differs between runs");
    }
    assert_eq!(sa.defects, sb.defects);
    let c = tempfile::tempdir().unwrap();
    run(
        &SynthConfig {
            seed: 1,
            ..config.clone()
        },
        c.path(),
    );
    let x = std::fs::read(a.path().join("poverty_register.csv")).unwrap();
    let z = std::fs::read(c.path().join("poverty_register.csv")).unwrap();
    assert_ne!(x, z);
}

#[test]
fn gbk_output_decodes_to_the_utf8_output() {
    let utf8 = tempfile::tempdir().unwrap();
    let gbk = tempfile::tempdir().unwrap();
    // Enough minority-style names to exercise the separator variants.
    let mut config = SynthConfig {
        persons: 20_000,
        ..SynthConfig::default()
    };
    config.defects.name_variant = 0.2;
    run(&config, utf8.path());
    let s = run(
        &SynthConfig {
            encoding: Encoding::Gbk,
            ..config.clone()
        },
        gbk.path(),
    );
    for name in ["villages.csv", "poverty_register.csv", "dibao_register.csv"] {
        let bytes = std::fs::read(gbk.path().join(name)).unwrap();
        assert!(std::str::from_utf8(&bytes).is_err(), "{name} is not GBK");
        let (decoded, _, bad) = encoding_rs::GBK.decode(&bytes);
        assert!(!bad, "{name} has undecodable bytes");
        let expected = std::fs::read_to_string(utf8.path().join(name)).unwrap();
        // GBK has no `•`; the GBK export writes a full-width stop there instead.
        assert_eq!(decoded, expected.replace('•', "．"), "{name}");
        let mut r = csv::Reader::from_reader(decoded.as_bytes());
        let n = r.records().count() as u64;
        match name {
            "poverty_register.csv" => assert_eq!(n, s.poverty_rows),
            "dibao_register.csv" => assert_eq!(n, s.dibao_rows),
            _ => assert_eq!(n as usize, s.villages),
        }
    }
    let truth_a = std::fs::read(utf8.path().join("truth.csv")).unwrap();
    let truth_b = std::fs::read(gbk.path().join("truth.csv")).unwrap();
    assert_eq!(truth_a, truth_b);
}

#[test]
fn xlsx_reads_back_and_large_sizes_are_refused() {
    use calamine::{Reader, Xlsx, open_workbook};
    let dir = tempfile::tempdir().unwrap();
    let s = run(
        &SynthConfig {
            persons: 800,
            format: OutputFormat::Xlsx,
            ..SynthConfig::default()
        },
        dir.path(),
    );
    assert!(!dir.path().join("poverty_register.csv").exists());
    for (name, headers, rows) in [
        (
            "poverty_register.xlsx",
            &POVERTY_HEADERS[..],
            s.poverty_rows,
        ),
        ("dibao_register.xlsx", &DIBAO_HEADERS[..], s.dibao_rows),
    ] {
        let mut wb: Xlsx<_> = open_workbook(dir.path().join(name)).unwrap();
        let range = wb.worksheet_range_at(0).unwrap().unwrap();
        let header: Vec<String> = range
            .rows()
            .next()
            .unwrap()
            .iter()
            .map(|c| c.to_string())
            .collect();
        assert_eq!(header, headers);
        assert_eq!(range.height() as u64, rows + 1);
        // ID numbers stay text.
        let id = range.get((1, 5)).unwrap();
        assert!(matches!(id, calamine::Data::String(_)), "{id:?}");
    }
    let err = generate(
        &SynthConfig {
            persons: 1_000_000,
            format: OutputFormat::Both,
            ..SynthConfig::default()
        },
        dir.path(),
        &|_, _| {},
    )
    .unwrap_err();
    assert!(matches!(err, SynthError::TooLargeForXlsx { .. }), "{err}");
}

#[test]
fn population_mix_matches_the_seed_report() {
    for seed in [370_305, 7, 2021, 1, 2, 3] {
        check_mix(SynthConfig {
            seed,
            ..SynthConfig::default()
        });
    }
}

fn check_mix(config: SynthConfig) {
    let dir = tempfile::tempdir().unwrap();
    let s = run(&config, dir.path());
    let (_, poverty) = read_csv(&dir.path().join("poverty_register.csv"));
    let (_, dibao) = read_csv(&dir.path().join("dibao_register.csv"));
    let (_, truth) = read_csv(&dir.path().join("truth.csv"));
    let rows_of = |register: &str, data: &Vec<Vec<String>>| {
        let t: Vec<&Vec<String>> = truth.iter().filter(|t| t[0] == register).collect();
        assert_eq!(t.len(), data.len());
        t.into_iter()
            .zip(data.iter())
            .map(|(t, f)| (t[2].clone(), t[3].clone(), t[4].clone(), f.clone()))
            .collect::<Vec<_>>()
    };
    let pov = rows_of("poverty", &poverty);
    let dib = rows_of("dibao", &dibao);
    // Household overlap: 82 % of poverty households are dibao households.
    let pov_hh: HashSet<&str> = pov.iter().map(|r| r.1.as_str()).collect();
    let dib_hh: HashSet<&str> = dib.iter().map(|r| r.1.as_str()).collect();
    let both = pov_hh.intersection(&dib_hh).count() as f64;
    let overlap = both / pov_hh.len() as f64;
    let dibao_only = dib_hh.difference(&pov_hh).count() as f64 / pov_hh.len() as f64;
    assert_eq!(s.poverty_households as usize, pov_hh.len());
    assert_eq!(s.both_households as usize, both as usize);

    // People of the poverty register, once each, from rows without ID defects or repeats.
    let mut seen = HashSet::new();
    let (mut n, mut vulnerable, mut labour, mut elderly) = (0.0, 0.0, 0.0, 0.0);
    let mut name_year: HashMap<(String, i32), u32> = HashMap::new();
    for (person, _, defect, fields) in &pov {
        if !seen.insert(person.as_str()) {
            continue;
        }
        let id = &fields[5];
        let clean = defect.is_empty() || defect == "deceased_listed";
        let parsed = IdNumber::parse(id);
        if defect.starts_with("id_typo") {
            assert!(parsed.is_err(), "typo {id} still valid");
            continue;
        }
        let parsed = parsed.unwrap_or_else(|e| panic!("{id}: {e}"));
        if defect == "id_legacy15" {
            assert_eq!(id.len(), 15);
            assert!(parsed.birth_date().year() < 2000);
        }
        let male = parsed.sex() == gongrong_domain::codes::Sex::Male;
        assert_eq!(fields[6] == "男", male, "sex of {id}");
        let birth = parsed.birth_date();
        let age = gongrong_domain_age(birth, config.as_of);
        n += 1.0;
        let old = age >= 60;
        elderly += f64::from(u8::from(old));
        if old || fields[10] != "健康" {
            vulnerable += 1.0;
        }
        if matches!(fields[11].as_str(), "普通劳动力" | "技能劳动力") {
            labour += 1.0;
        }
        if fields[10] == "残疾" {
            assert!(!fields[12].is_empty() && !fields[13].is_empty());
        }
        if fields[9] == "小学" {
            assert!((6..=12).contains(&age), "primary pupil aged {age}");
        }
        if clean {
            *name_year
                .entry((fields[4].clone(), birth.year()))
                .or_default() += 1;
        }
    }
    let persons_in_poverty = seen.len();
    let v_share = vulnerable / n;
    let l_share = labour / n;
    println!(
        "poverty persons {persons_in_poverty}, households {}, overlap {overlap:.3}, dibao-only {dibao_only:.3}, \
         vulnerable {v_share:.3}, elderly {:.3}, labour {l_share:.4} ({labour}), villages {}",
        pov_hh.len(),
        elderly / n,
        s.villages
    );
    assert!(
        (3_150..3_450).contains(&persons_in_poverty),
        "{persons_in_poverty}"
    );
    assert!((0.79..=0.85).contains(&overlap), "overlap {overlap}");
    assert!(
        (0.07..=0.13).contains(&dibao_only),
        "dibao-only {dibao_only}"
    );
    assert!((0.746..=0.806).contains(&v_share), "vulnerable {v_share}");
    let target = 312.0 / 3_300.0;
    assert!((l_share - target).abs() < 0.02, "labour {l_share}");
    assert!((360..=380).contains(&s.villages), "{}", s.villages);
    assert!(
        name_year.values().any(|c| *c >= 2),
        "some people share a name and birth year"
    );
    // Every defect kind was planted and counted.
    for d in gongrong_synth::Defect::ALL {
        let in_truth = truth.iter().filter(|t| t[4] == d.code()).count() as u64;
        assert_eq!(in_truth, s.defects.get(d), "{}", d.code());
        assert!(in_truth > 0, "no {} planted", d.code());
    }
    // A deceased_listed row lists as living someone the other register records as dead.
    let death_in: HashMap<&str, bool> = pov
        .iter()
        .map(|r| (r.0.as_str(), !r.3[22].is_empty()))
        .chain(dib.iter().map(|r| (r.0.as_str(), !r.3[21].is_empty())))
        .filter(|(_, dead)| *dead)
        .collect();
    for r in pov.iter().filter(|r| r.2 == "deceased_listed") {
        assert_eq!(r.3[21], "正常");
        assert!(death_in.contains_key(r.0.as_str()));
    }
    // The dibao register's birth date agrees with the ID number unless the ID was mistyped.
    for r in dib.iter().filter(|r| !r.2.starts_with("id_typo")) {
        let id = IdNumber::parse(&r.3[5]).unwrap();
        assert_eq!(id.birth_date().format("%Y-%m-%d").to_string(), r.3[7]);
    }
    for r in dib.iter().filter(|r| r.2 == "deceased_listed") {
        assert!(r.3[21].is_empty());
        assert!(death_in.contains_key(r.0.as_str()));
    }
}

fn gongrong_domain_age(birth: chrono::NaiveDate, on: chrono::NaiveDate) -> i32 {
    use chrono::Datelike;
    let mut y = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        y -= 1;
    }
    y
}

#[test]
fn tiny_universes_work() {
    for persons in [1, 2, 7, 60] {
        let dir = tempfile::tempdir().unwrap();
        let s = run(
            &SynthConfig {
                persons,
                ..SynthConfig::default()
            },
            dir.path(),
        );
        assert_eq!(s.persons, persons);
        assert!((12..=(persons as usize / 2).max(12)).contains(&s.villages));
        let (_, truth) = read_csv(&dir.path().join("truth.csv"));
        assert_eq!(truth.len() as u64, s.poverty_rows + s.dibao_rows);
    }
    let dir = tempfile::tempdir().unwrap();
    let zero = SynthConfig {
        persons: 0,
        ..SynthConfig::default()
    };
    assert!(matches!(
        generate(&zero, dir.path(), &|_, _| {}),
        Err(SynthError::InvalidConfig(_))
    ));
}
