//! The `gongrong` binary on a small synthetic district: reconcile, review decisions, link.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use gongrong_store::{Access, RecordView, ReviewFilter, ReviewVerdict, SearchQuery, Shown, Store};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod accounts;

pub fn gongrong(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gongrong"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env_remove("GONGRONG_DATABASE_URL")
        .env_remove("GONGRONG_SETTINGS")
        .env("GONGRONG_LOG", "warn")
        .output()
        .unwrap()
}

pub fn ok(data: &Path, args: &[&str]) -> String {
    let out = gongrong(data, args);
    assert!(
        out.status.success(),
        "gongrong {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A district of 300 persons, synthesised and imported.
pub fn district() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let synth = dir.path().join("synth");
    let s = synth.to_str().unwrap();
    ok(
        &data,
        &["synth", "--out", s, "--persons", "300", "--format", "csv"],
    );
    for (kind, file) in [
        ("villages", "villages.csv"),
        ("poverty", "poverty_register.csv"),
        ("dibao", "dibao_register.csv"),
    ] {
        ok(&data, &["import", kind, synth.join(file).to_str().unwrap()]);
    }
    (dir, data)
}

/// The tests read the store as a command would.
fn sys() -> Access {
    Access::system("test", chrono::Utc::now())
}

async fn store(data: &Path) -> Store {
    Store::open(&format!("sqlite://{}", data.join("gongrong.db").display()))
        .await
        .unwrap()
}

/// Everything a run writes that must not change on a re-run.
async fn snapshot(data: &Path, reports: &Path) -> (String, Vec<(String, Vec<u8>)>) {
    let store = store(data).await;
    let all = SearchQuery {
        page_size: 1000,
        ..SearchQuery::default()
    };
    let persons = store.search(&sys(), &all).await.unwrap();
    let queue = store
        .review_queue(&sys(), ReviewFilter::All, 0, 1000)
        .await
        .unwrap();
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(reports)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    (format!("{persons:?}\n{queue:?}"), files)
}

fn persons_line(stdout: &str) -> String {
    stdout
        .lines()
        .find(|l| l.starts_with("registry reconciled"))
        .unwrap()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn reconcile_twice_changes_nothing() {
    let (dir, data) = district();
    let reports = dir.path().join("reports");
    let r = reports.to_str().unwrap();
    let first = ok(&data, &["reconcile", "--out", r, "--as-of", "2026-01-01"]);
    assert!(first.contains("persons in"), "{first}");
    let before = snapshot(&data, &reports).await;
    assert_eq!(before.1.len(), 5, "five reports");
    let second = ok(&data, &["reconcile", "--out", r, "--as-of", "2026-01-01"]);
    assert_eq!(persons_line(&first), persons_line(&second));
    let after = snapshot(&data, &reports).await;
    assert_eq!(before, after, "registry, queue and reports are identical");
    let runs = store(&data).await.reconcile_runs(10).await.unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0].input_sha256, runs[1].input_sha256);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_review_decision_binds_the_next_run() {
    let (dir, data) = district();
    // Nothing is matched automatically: every candidate pair goes to review.
    let config = dir.path().join("link.toml");
    std::fs::write(&config, "[bands]\nmatch = 1000.0\nreview = -6.0\n").unwrap();
    let c = config.to_str().unwrap();
    // Rows left out of the registry: a typo'd ID row linked to nobody.
    let count = |stdout: &str| -> u64 {
        let line = stdout.lines().find(|l| l.starts_with("linkage:")).unwrap();
        let words: Vec<&str> = line.split_whitespace().collect();
        let at = words.iter().position(|w| *w == "unlinked").unwrap();
        words[at - 1].parse().unwrap()
    };
    let unlinked = count(&ok(&data, &["reconcile", "--config", c]));
    let s = store(&data).await;
    let (queue, total) = s
        .review_queue(&sys(), ReviewFilter::Pending, 0, 1000)
        .await
        .unwrap();
    assert!(total > 0);
    // A pair of a typo'd row and a valid one.
    let mut top = None;
    for p in &queue {
        let pair = s.review_pair(&sys(), p.id).await.unwrap().unwrap();
        let typo = |r: &RecordView| matches!(&r.id_number_raw, Shown::Clear(raw) if gongrong_domain::IdNumber::parse(raw).is_err());
        if typo(&pair.left) != typo(&pair.right) {
            top = Some(p.id);
            break;
        }
    }
    let top = top.expect("a typo'd row in the queue");
    assert!(
        s.decide_review(&sys(), top, ReviewVerdict::Match, "")
            .await
            .unwrap()
            .is_some()
    );
    let joined = count(&ok(&data, &["reconcile", "--config", c]));
    assert_eq!(joined, unlinked - 1, "the typo'd row joined its person");
    // The decision survives the run; reversing it splits the person again.
    assert_eq!(s.review_decisions().await.unwrap().len(), 1);
    s.decide_review(&sys(), top, ReviewVerdict::NonMatch, "")
        .await
        .unwrap();
    assert_eq!(count(&ok(&data, &["reconcile", "--config", c])), unlinked);
}

#[test]
fn link_files_explains_pairs_and_checks_its_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let synth = dir.path().join("synth");
    ok(
        &data,
        &[
            "synth",
            "--out",
            synth.to_str().unwrap(),
            "--persons",
            "200",
            "--format",
            "csv",
        ],
    );
    let poverty = synth.join("poverty_register.csv");
    let dibao = synth.join("dibao_register.csv");
    let (p, d) = (poverty.to_str().unwrap(), dibao.to_str().unwrap());
    let pairs = dir.path().join("out/pairs.csv");
    let out = pairs.to_str().unwrap();
    let truth = synth.join("truth.csv");
    let stdout = ok(
        &data,
        &[
            "link",
            p,
            d,
            "--out",
            out,
            "--truth",
            truth.to_str().unwrap(),
        ],
    );
    assert!(stdout.contains("precision"), "{stdout}");
    let text = std::fs::read_to_string(&pairs).unwrap();
    let header = text.lines().next().unwrap();
    assert!(
        header.contains("weight") && header.contains("id_number") && header.contains("duplicate")
    );
    assert!(text.lines().count() > 100);
    assert!(dir.path().join("out/pairs_clusters.csv").exists());
    assert!(dir.path().join("out/pairs_unusable.csv").exists());

    // A malformed configuration names the key.
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[bands]\nmatch = \"high\"\n").unwrap();
    let other = dir.path().join("other/pairs.csv");
    let o = other.to_str().unwrap();
    let failed = gongrong(
        &data,
        &["link", p, d, "--config", bad.to_str().unwrap(), "--out", o],
    );
    assert!(!failed.status.success());
    let err = String::from_utf8_lossy(&failed.stderr);
    assert!(err.contains("bands.match"), "{err}");
    // A file that does not match its mapping stops before anything is written.
    let failed = gongrong(&data, &["link", d, p, "--out", o]);
    assert!(!failed.status.success());
    let err = String::from_utf8_lossy(&failed.stderr);
    assert!(
        err.contains("no column") && err.contains("source[0].columns"),
        "{err}"
    );
    assert!(!other.exists() && !dir.path().join("other").exists());
}

/// Persons as sets of staging rows (with their ids) and households as sets of persons.
type Persons = std::collections::BTreeMap<Vec<i64>, i64>;
type Households = std::collections::BTreeSet<Vec<Vec<i64>>>;

async fn registry_shape(data: &Path) -> (Persons, Households) {
    let s = store(data).await;
    let mut rows_of: std::collections::BTreeMap<i64, Vec<i64>> = Default::default();
    for (staging, person) in s.person_sources().await.unwrap() {
        rows_of.entry(person).or_default().push(staging);
    }
    let persons: Persons = rows_of.iter().map(|(p, rows)| (rows.clone(), *p)).collect();
    let households_count = s.dashboard(&sys()).await.unwrap().total.households;
    let mut households = Households::new();
    for id in 1..=i64::try_from(households_count).unwrap() {
        let h = s.household(&sys(), id).await.unwrap().unwrap();
        let mut members: Vec<Vec<i64>> = h
            .members
            .iter()
            .map(|m| rows_of[&m.person_id].clone())
            .collect();
        members.sort();
        households.insert(members);
    }
    assert_eq!(households.len() as u64, households_count);
    (persons, households)
}

/// Splits a register CSV in two at a household boundary near the middle (the first column is the
/// household number): two batches of one register, as a district sends month after month.
fn split_register(file: &std::path::Path, first: &std::path::Path, second: &std::path::Path) {
    let text = std::fs::read_to_string(file).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let rows: Vec<&str> = lines.collect();
    let key = |line: &str| line.split(',').next().unwrap_or_default().to_owned();
    let mut cut = rows.len() / 2;
    while cut < rows.len() && key(rows[cut]) == key(rows[cut - 1]) {
        cut += 1;
    }
    let write = |path: &std::path::Path, part: &[&str]| {
        std::fs::write(path, format!("{header}\n{}\n", part.join("\n"))).unwrap();
    };
    write(first, &rows[..cut]);
    write(second, &rows[cut..]);
}

#[tokio::test(flavor = "multi_thread")]
async fn new_rows_are_linked_incrementally() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let synth = dir.path().join("synth");
    let s = synth.to_str().unwrap();
    ok(
        &data,
        &["synth", "--out", s, "--persons", "300", "--format", "csv"],
    );
    split_register(
        &synth.join("dibao_register.csv"),
        &synth.join("dibao_1.csv"),
        &synth.join("dibao_2.csv"),
    );
    let import = |kind: &str, file: &str| {
        ok(&data, &["import", kind, synth.join(file).to_str().unwrap()]);
    };
    import("villages", "villages.csv");
    import("poverty", "poverty_register.csv");
    let reports = dir.path().join("reports");
    let r = reports.to_str().unwrap();
    let reconcile = |extra: &[&str]| {
        let mut args = vec!["reconcile", "--out", r, "--as-of", "2026-01-01"];
        args.extend_from_slice(extra);
        ok(&data, &args)
    };
    let first = reconcile(&[]);
    assert!(first.contains("full run: first run"), "{first}");

    // A register the stored model has never seen: re-estimate.
    import("dibao", "dibao_1.csv");
    let second = reconcile(&[]);
    assert!(
        second.contains("full run: a register the stored linkage model has not seen arrived"),
        "{second}"
    );
    let (before, _) = registry_shape(&data).await;

    // More rows of known registers: incremental.
    import("dibao", "dibao_2.csv");
    let third = reconcile(&[]);
    assert!(third.contains("incremental run: "), "{third}");
    assert!(!third.contains("incremental run: 0 new rows"), "{third}");
    let (incremental, incremental_households) = registry_shape(&data).await;
    // Every person of the earlier run keeps their id and rows.
    let rows_of: std::collections::HashMap<i64, &Vec<i64>> =
        incremental.iter().map(|(rows, id)| (*id, rows)).collect();
    for (rows, id) in &before {
        let now = rows_of
            .get(id)
            .unwrap_or_else(|| panic!("person {id} lost"));
        assert!(
            rows.iter().all(|r| now.contains(r)),
            "person {id}: {rows:?} → {now:?}"
        );
    }

    // Nothing new: nothing changes.
    let snap = snapshot(&data, &reports).await;
    let fourth = reconcile(&[]);
    assert!(fourth.contains("incremental run: 0 new rows"), "{fourth}");
    assert_eq!(persons_line(&third), persons_line(&fourth));
    assert_eq!(snap, snapshot(&data, &reports).await);

    // The same persons and households (up to ids) as a full run on everything.
    let full = reconcile(&["--full"]);
    assert!(full.contains("full run: --full"), "{full}");
    let (full_persons, full_households) = registry_shape(&data).await;
    let sets = |p: &Persons| p.keys().cloned().collect::<std::collections::BTreeSet<_>>();
    assert_eq!(sets(&incremental), sets(&full_persons));
    assert_eq!(incremental_households, full_households);
}
