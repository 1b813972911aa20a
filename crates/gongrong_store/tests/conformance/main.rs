//! One story, told to every backend: SQLite (a file in a temporary directory) and PostgreSQL (a
//! throwaway cluster from the machine's binaries). The PostgreSQL test fails, not skips, when the
//! binaries are missing.

// Test helpers outside `#[test]` functions: failing loudly is their job.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use gongrong_domain::codes::{Health, IdentityKind, Relation};
use gongrong_domain::unify::{StagedRecord, exact_id};
use gongrong_domain::{IdNumber, Region, RegionCode, Register, RegisterRecord, Role};
use gongrong_store::{
    Access, NewBatch, NewReconcileRun, NewReviewPair, NewUser, RejectRow, ReviewFilter,
    ReviewPairSummary, ReviewVerdict, SearchQuery, Shown, Store, StoreError, User,
};
use std::collections::BTreeSet;

mod access;
mod audit;

#[tokio::test]
async fn sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gongrong.db");
    let store = Store::open(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    assert_eq!(store.backend(), "sqlite");
    story(&store).await;
    drop(store);
    let url = |name: &str| {
        format!(
            "sqlite://{}",
            dir.path().join(format!("{name}.db")).display()
        )
    };
    audit::tampering(&url).await;
    audit::concurrency(&url("concurrent")).await;
    // Reopening a migrated file (by plain path) keeps everything.
    let again = Store::open(path.to_str().unwrap()).await.unwrap();
    assert_eq!(again.batches().await.unwrap().len(), 2);
    assert!(matches!(
        Store::open("mysql://localhost/x").await,
        Err(StoreError::Url(_))
    ));
}

#[tokio::test]
async fn postgres() {
    let cluster = gongrong_testkit::PgCluster::start().expect(
        "PostgreSQL is needed for this test (install postgresql: run the README's test command)",
    );
    let url = cluster.create_database("story").unwrap();
    let store = Store::open(&url).await.unwrap();
    assert_eq!(store.backend(), "postgres");
    story(&store).await;
    drop(store);
    let db = |name: &str| cluster.create_database(name).unwrap();
    audit::tampering(&db).await;
    audit::concurrency(&db("concurrent")).await;
    let again = Store::open(&url).await.unwrap();
    assert_eq!(again.batches().await.unwrap().len(), 2);
    drop(again);
    drop(cluster);
}

// ---------- the data ----------

const V1: &str = "370305100201"; // 齐都镇, 东关村
const V2: &str = "370305100202"; // 齐都镇, 西关村
const V3: &str = "370305102201"; // 皇城镇, 南村
const TOWN_QIDU: &str = "370305100";

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

fn id(first17: &str) -> IdNumber {
    IdNumber::from_first17(first17).unwrap()
}

fn t(h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, h, 0, 0).unwrap()
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// A system actor (the tests play the commands).
pub fn sys() -> Access {
    Access::system("test", t(8))
}

/// A signed-in user of `role` working in `area` (not stored: the store trusts the access).
pub fn as_user(role: Role, area: &str) -> Access {
    Access::user(
        &User {
            id: 0,
            username: format!("{}-{area}", role.code()),
            display_name: role.en().into(),
            role,
            area: code(area),
            department: None,
        },
        t(8),
    )
}

struct Person {
    id: IdNumber,
    name: &'static str,
}

fn people() -> [Person; 7] {
    [
        Person {
            id: id("37030519500101001"),
            name: "张三",
        }, // A
        Person {
            id: id("37030519520202002"),
            name: "李四",
        }, // B
        Person {
            id: id("37030519600303003"),
            name: "王五",
        }, // C
        Person {
            id: id("37030519700404004"),
            name: "赵六",
        }, // D
        Person {
            id: id("37030520050505005"),
            name: "赵小六",
        }, // E
        Person {
            id: id("37030519450606006"),
            name: "张三",
        }, // F, same name as A
        Person {
            id: id("37030519900707008"),
            name: "张丽",
        }, // G
    ]
}

#[allow(clippy::too_many_arguments)]
fn record(
    register: Register,
    row: u64,
    household: &str,
    who: &Person,
    relation: Relation,
    village: &str,
    identity: IdentityKind,
    since: Option<&str>,
) -> RegisterRecord {
    RegisterRecord {
        register,
        row,
        household_key: household.into(),
        id_number: who.id,
        id_number_raw: who.id.to_string(),
        name: who.name.into(),
        sex: who.id.sex(),
        birth_date: who.id.birth_date(),
        relation,
        village: code(village),
        ethnicity: Some("汉族".into()),
        health: None,
        labour: None,
        disability: None,
        self_care: None,
        school_stage: None,
        identity: Some(identity),
        identity_since: since.map(day),
        household_attribute: None,
        poverty_cause: None,
        annual_income_per_capita: None,
        monthly_income_per_capita: None,
        monthly_benefit: None,
        death_date: None,
        phone: Some("13800000000".into()),
        bank_account: None,
        raw: vec![
            ("户编号".into(), household.into()),
            ("姓名".into(), who.name.into()),
            ("证件号码".into(), who.id.to_string()),
            ("备注".into(), String::new()),
        ],
    }
}

/// Poverty: P001 {A, B} in V1; P002 {C, C again (duplicate row)} in V1; P003 {F} in V3.
fn poverty_rows(p: &[Person; 7]) -> Vec<RegisterRecord> {
    use IdentityKind::FormerlyPoor as FP;
    use Register::Poverty as R;
    let mut a = record(
        R,
        1,
        "P001",
        &p[0],
        Relation::Head,
        V1,
        FP,
        Some("2019-01-01"),
    );
    a.health = Some(Health::Chronic);
    vec![
        a,
        record(
            R,
            2,
            "P001",
            &p[1],
            Relation::Spouse,
            V1,
            FP,
            Some("2019-01-01"),
        ),
        record(
            R,
            3,
            "P002",
            &p[2],
            Relation::Head,
            V1,
            IdentityKind::MarginalAtRisk,
            None,
        ),
        record(
            R,
            4,
            "P002",
            &p[2],
            Relation::Head,
            V1,
            IdentityKind::MarginalAtRisk,
            None,
        ),
        record(
            R,
            5,
            "P003",
            &p[5],
            Relation::Head,
            V3,
            FP,
            Some("2018-01-01"),
        ),
    ]
}

/// Dibao: D001 {A (legacy 15-digit ID), B} in V1; D002 {D, E} in V2; D003 {F, G} in V3.
fn dibao_rows(p: &[Person; 7]) -> Vec<RegisterRecord> {
    use IdentityKind::Dibao as DB;
    use Register::Dibao as R;
    let mut a = record(
        R,
        1,
        "D001",
        &p[0],
        Relation::Head,
        V1,
        DB,
        Some("2021-03-01"),
    );
    a.id_number_raw = "370305500101001".into();
    assert_eq!(IdNumber::parse(&a.id_number_raw).unwrap(), p[0].id);
    a.health = Some(Health::Serious);
    vec![
        a,
        record(
            R,
            2,
            "D001",
            &p[1],
            Relation::Spouse,
            V1,
            DB,
            Some("2021-03-01"),
        ),
        record(R, 3, "D002", &p[3], Relation::Head, V2, DB, None),
        record(R, 4, "D002", &p[4], Relation::Son, V2, DB, None),
        record(
            R,
            5,
            "D003",
            &p[5],
            Relation::Head,
            V3,
            IdentityKind::ExtremePoverty,
            None,
        ),
        record(
            R,
            6,
            "D003",
            &p[6],
            Relation::Daughter,
            V3,
            IdentityKind::ExtremePoverty,
            None,
        ),
    ]
}

fn batch(register: Register, sha: &str) -> NewBatch {
    NewBatch {
        register,
        file_name: format!("{}.csv", register.code()),
        sha256: sha.into(),
        encoding: "utf-8".into(),
        imported_at: t(8),
        imported_by: "cli:root".into(),
    }
}

fn rejects() -> Vec<RejectRow> {
    let reject = |row: u64, field: &str, reason: &str| RejectRow {
        file: "poverty.csv".into(),
        row,
        field: field.into(),
        value: "x_%".into(),
        reason: reason.into(),
    };
    vec![
        reject(9, "证件号码", "check character"),
        reject(9, "性别", "disagrees with the ID number"),
        reject(10, "与户主关系", "unknown relation"),
    ]
}

// ---------- the story ----------

async fn story(store: &Store) {
    let p = people();
    regions(store).await;
    let batch_ids = import(store, &p).await;
    let staged = staging(store, &p, batch_ids).await;
    registry(store, &staged).await;
    review(store, &staged).await;
    search(store, &p).await;
    household(store, &p).await;
    dashboard(store).await;
    users(store).await;
    access::story(store).await;
    audit::story(store).await;
}

async fn regions(store: &Store) {
    let villages = [
        Region {
            code: code(V1),
            name: "东关村".into(),
        },
        Region {
            code: code(V2),
            name: "西关村".into(),
        },
        Region {
            code: code(V3),
            name: "南村".into(),
        },
    ];
    assert_eq!(store.upsert_villages(&sys(), &villages).await.unwrap(), 3);
    let renamed = [
        Region {
            code: code(V1),
            name: "东关旧名".into(),
        },
        Region {
            code: code(V1),
            name: "东关新村".into(),
        },
    ];
    assert_eq!(store.upsert_villages(&sys(), &renamed).await.unwrap(), 1);
    let table = store.region_table().await.unwrap();
    assert_eq!(table.name(&code(V1)), Some("东关新村"));
    assert_eq!(table.name(&code(V3)), Some("南村"));
    assert_eq!(table.name(&code(TOWN_QIDU)), Some("齐都镇"));
    assert_eq!(table.check(&code(V2)), Ok(()));
}

async fn import(store: &Store, p: &[Person; 7]) -> (i64, i64) {
    assert!(
        store
            .batch_by_digest(Register::Poverty, "aaa")
            .await
            .unwrap()
            .is_none()
    );
    let mut w = store
        .begin_import(&sys(), batch(Register::Poverty, "aaa"))
        .await
        .unwrap();
    let rows = poverty_rows(p);
    w.add_records(&rows[..2]).await.unwrap();
    w.add_records(&rows[2..]).await.unwrap();
    w.add_rejects(&rejects()).await.unwrap();
    let summary = w.commit().await.unwrap();
    assert_eq!((summary.accepted, summary.rejected), (5, 2));
    assert_eq!(summary.imported_at, t(8));
    let found = store
        .batch_by_digest(Register::Poverty, "aaa")
        .await
        .unwrap();
    assert_eq!(found.as_ref(), Some(&summary));
    // The same digest for the other register is another file.
    assert!(
        store
            .batch_by_digest(Register::Dibao, "aaa")
            .await
            .unwrap()
            .is_none()
    );
    // The same file again is a conflict.
    assert!(matches!(
        store
            .begin_import(&sys(), batch(Register::Poverty, "aaa"))
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(store.rejects(&sys(), summary.id).await.unwrap(), rejects());

    // Dropped without commit: nothing is visible.
    let mut w = store
        .begin_import(&sys(), batch(Register::Dibao, "bbb"))
        .await
        .unwrap();
    w.add_records(&dibao_rows(p)).await.unwrap();
    w.add_rejects(&rejects()).await.unwrap();
    drop(w);
    assert!(
        store
            .batch_by_digest(Register::Dibao, "bbb")
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(store.batches().await.unwrap(), vec![summary.clone()]);
    assert_eq!(store.staged_records(&sys()).await.unwrap().len(), 5);

    // The same file imported for real afterwards.
    let mut w = store
        .begin_import(&sys(), batch(Register::Dibao, "bbb"))
        .await
        .unwrap();
    w.add_records(&dibao_rows(p)).await.unwrap();
    // A row rejected only for its ID's check character is staged for linkage, flagged.
    let mut typo = dibao_rows(p).pop().unwrap();
    typo.row = 7;
    let wrong = if p[6].id.as_str().ends_with('1') {
        '2'
    } else {
        '1'
    };
    typo.id_number_raw = format!("{}{wrong}", &p[6].id.as_str()[..17]);
    assert!(IdNumber::parse(&typo.id_number_raw).is_err());
    w.add_flagged_records(std::slice::from_ref(&typo))
        .await
        .unwrap();
    let dibao = w.commit().await.unwrap();
    assert_eq!((dibao.accepted, dibao.rejected), (6, 0));
    assert!(store.rejects(&sys(), dibao.id).await.unwrap().is_empty());
    let all = store.batches().await.unwrap();
    assert_eq!(all, vec![summary.clone(), dibao.clone()]);
    (summary.id, dibao.id)
}

async fn staging(store: &Store, p: &[Person; 7], batch_ids: (i64, i64)) -> Vec<StagedRecord> {
    let staged = store.staged_records(&sys()).await.unwrap();
    let expected: Vec<RegisterRecord> = poverty_rows(p).into_iter().chain(dibao_rows(p)).collect();
    assert_eq!(
        staged.iter().map(|s| s.record.clone()).collect::<Vec<_>>(),
        expected,
        "staged records round-trip exactly"
    );
    assert!(staged[..5].iter().all(|s| s.batch_id == batch_ids.0));
    assert!(staged[5..].iter().all(|s| s.batch_id == batch_ids.1));
    assert!(staged.windows(2).all(|w| w[0].staging_id < w[1].staging_id));
    let lean = store.staged_records_without_raw(&sys()).await.unwrap();
    assert_eq!(lean.len(), staged.len());
    for (l, s) in lean.iter().zip(&staged) {
        assert!(l.record.raw.is_empty());
        assert_eq!(l.staging_id, s.staging_id);
        assert_eq!(
            RegisterRecord {
                raw: Vec::new(),
                ..s.record.clone()
            },
            l.record
        );
    }
    staged
}

async fn registry(store: &Store, staged: &[StagedRecord]) {
    let unified = exact_id(staged, day("2026-01-01"));
    assert_eq!(unified.persons.len(), 7);
    assert_eq!(unified.households.len(), 4);
    assert_eq!(unified.duplicate_rows.len(), 1);
    let first = store
        .replace_registry(&sys(), &unified, t(9))
        .await
        .unwrap();
    assert_eq!(
        (first.persons, first.households, first.duplicate_rows),
        (7, 4, 1)
    );
    // Given person ids (an incremental reconcile keeps ids): gaps allowed, duplicates refused.
    let ids: Vec<i64> = (0..7).map(|i| 100 - 2 * i).collect();
    store
        .replace_registry_with_person_ids(&sys(), &unified, &ids, t(9))
        .await
        .unwrap();
    let sources = store.person_sources().await.unwrap();
    assert_eq!(sources.len(), staged.len());
    assert!(sources.iter().all(|(_, p)| ids.contains(p)));
    assert!(
        store
            .replace_registry_with_person_ids(&sys(), &unified, &[1; 7], t(9))
            .await
            .is_err()
    );
    assert_eq!(store.registry_built_at().await.unwrap(), Some(t(9)));
    store
        .replace_registry(&sys(), &unified, t(9))
        .await
        .unwrap();
    let before = store.search(&sys(), &query(None, 50)).await.unwrap();
    let second = store
        .replace_registry(&sys(), &unified, t(10))
        .await
        .unwrap();
    assert_eq!(first, second);
    let after = store.search(&sys(), &query(None, 50)).await.unwrap();
    assert_eq!(
        before, after,
        "a rebuild from the same rows gives the same ids"
    );
    assert_eq!(after.total, 7);
    assert_eq!(store.dashboard(&sys()).await.unwrap().built_at, Some(t(10)));
}

fn pair(left: &StagedRecord, right: &StagedRecord, weight: f64) -> NewReviewPair {
    NewReviewPair {
        left_staging_id: left.staging_id,
        right_staging_id: right.staging_id,
        weight,
        probability: 1.0 / (1.0 + (-weight).exp2()),
        explanation: serde_json::json!({ "weight": weight, "terms": [] }),
    }
}

async fn review(store: &Store, s: &[StagedRecord]) {
    // Flagged rows are apart from the accepted ones.
    let flagged = store.flagged_records(&sys()).await.unwrap();
    assert_eq!(flagged.len(), 1);
    assert_eq!(flagged[0].record.row, 7);
    assert!(flagged[0].staging_id > s[10].staging_id);
    assert!(IdNumber::parse(&flagged[0].record.id_number_raw).is_err());

    // s: poverty [A V1, B V1, C V1, C V1, F V3], dibao [A V1, B V1, D V2, E V2, F V3, G V3].
    let town = as_user(Role::TownCaseworker, TOWN_QIDU);
    let town_b = as_user(Role::TownCaseworker, "370305102"); // 皇城镇: V3
    let clerk = as_user(Role::VillageClerk, V1);
    let c_d = pair(&s[2], &s[7], 3.0); // both in 齐都镇 (V1, V2)
    let f_g = pair(&s[4], &s[10], 5.0); // V3
    let a_a = pair(&s[5], &s[0], 1.0); // given larger first: stored smaller first
    let queued = [c_d.clone(), f_g.clone(), a_a.clone(), a_a.clone()];
    assert_eq!(
        store
            .replace_review_queue(&sys(), &queued, t(11))
            .await
            .unwrap(),
        3
    );
    // Only jobs fill the queue.
    assert!(matches!(
        store.replace_review_queue(&town, &queued, t(11)).await,
        Err(StoreError::Forbidden(_))
    ));
    let (all, total) = store
        .review_queue(&sys(), ReviewFilter::Pending, 0, 0)
        .await
        .unwrap();
    assert_eq!(total, 3);
    let weights: Vec<f64> = all.iter().map(|p| p.weight).collect();
    assert_eq!(weights, [5.0, 3.0, 1.0], "most likely first");
    let (id_fg, id_cd, id_aa) = (all[0].id, all[1].id, all[2].id);
    assert_eq!(
        (all[1].left_name.as_str(), all[1].right_name.as_str()),
        ("王五", "赵六")
    );
    assert_eq!(
        (all[1].left_register, all[1].right_register),
        (Register::Poverty, Register::Dibao)
    );
    assert_eq!(all[1].village, code(V1));
    assert_eq!(all[1].village_name, "东关新村");
    assert!(all.iter().all(|p| p.decision.is_none()));
    let ids = |page: &[ReviewPairSummary]| page.iter().map(|p| p.id).collect::<Vec<_>>();
    let in_scope = |access: Access| async move {
        let (page, total) = store
            .review_queue(&access, ReviewFilter::All, 0, 50)
            .await
            .unwrap();
        assert_eq!(total, page.len() as u64);
        page
    };
    assert_eq!(ids(&in_scope(town.clone()).await), [id_cd, id_aa]);
    assert_eq!(ids(&in_scope(town_b.clone()).await), [id_fg]);
    // Village clerks do not review: the queue is refused, not just empty.
    assert!(matches!(
        store.review_queue(&clerk, ReviewFilter::All, 0, 50).await,
        Err(StoreError::Forbidden(_))
    ));
    let (second, total) = store
        .review_queue(&sys(), ReviewFilter::All, 1, 1)
        .await
        .unwrap();
    assert_eq!((ids(&second), total), (vec![id_cd], 3));

    // The side-by-side pair, within scope only.
    assert!(store.review_pair(&town_b, id_cd).await.unwrap().is_none());
    assert!(store.review_pair(&town, 9_999).await.unwrap().is_none());
    let full = store.review_pair(&town, id_cd).await.unwrap().unwrap();
    assert_eq!(full.left.staging_id, s[2].staging_id);
    assert_eq!(full.left.name, s[2].record.name);
    assert_eq!(full.left.id_number, Shown::Clear(s[2].record.id_number));
    assert_eq!(full.right.staging_id, s[7].staging_id);
    assert!(!full.right.raw.is_empty());
    assert!(full.differs.contains("name") && full.differs.contains("id_number"));
    assert!(!full.differs.contains("village_name") && !full.differs.contains("register"));
    assert_eq!(full.explanation, c_d.explanation);
    assert_eq!((full.weight, full.decision), (3.0, None));
    let aa = store.review_pair(&town, id_aa).await.unwrap().unwrap();
    assert_eq!(
        (aa.left.staging_id, aa.right.staging_id),
        (s[0].staging_id, s[5].staging_id)
    );
    // An auditor reads the pair masked, and may not decide it.
    let auditor = as_user(Role::Auditor, "370305");
    let masked = store.review_pair(&auditor, id_cd).await.unwrap().unwrap();
    assert_eq!(
        masked.left.id_number,
        Shown::Masked(s[2].record.id_number.masked())
    );
    assert!(
        masked.differs.contains("id_number"),
        "differences survive masking"
    );
    assert!(matches!(
        store
            .decide_review(&auditor, id_cd, ReviewVerdict::Match, "")
            .await,
        Err(StoreError::Forbidden(_))
    ));

    // Decisions: scoped, overwritable, listed, by the access's user at the access's time.
    let no = ReviewVerdict::NonMatch;
    assert_eq!(
        store.decide_review(&town_b, id_cd, no, "").await.unwrap(),
        None
    );
    assert_eq!(
        store.decide_review(&sys(), 9_999, no, "").await.unwrap(),
        None
    );
    assert!(matches!(
        store
            .decide_review(&town, id_cd, no, &"长".repeat(501))
            .await,
        Err(StoreError::Invalid(_))
    ));
    assert!(store.review_decisions().await.unwrap().is_empty());
    let first = store
        .decide_review(&town.clone().at(t(12)), id_cd, no, " checked at 12 ")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            first.decided_by.as_str(),
            first.decided_at,
            first.note.as_str()
        ),
        ("town_caseworker-370305100", t(12), "checked at 12")
    );
    assert_eq!(
        store.review_decisions().await.unwrap(),
        [(s[2].staging_id, s[7].staging_id, ReviewVerdict::NonMatch)]
    );
    let yes = store
        .decide_review(&town.clone().at(t(13)), id_cd, ReviewVerdict::Match, "")
        .await
        .unwrap();
    let full = store.review_pair(&town, id_cd).await.unwrap().unwrap();
    assert_eq!(full.decision, yes);
    let yes = yes.unwrap();
    assert_eq!((yes.verdict, yes.decided_at), (ReviewVerdict::Match, t(13)));
    assert_eq!(
        store.review_decisions().await.unwrap(),
        [(s[2].staging_id, s[7].staging_id, ReviewVerdict::Match)]
    );

    // A new run: the decided pair stays (even unproposed), a re-proposed pair keeps its id,
    // pending pairs no longer proposed go.
    let f_g2 = pair(&s[4], &s[10], 4.5);
    assert_eq!(
        store
            .replace_review_queue(&sys(), &[f_g2], t(14))
            .await
            .unwrap(),
        0
    );
    let (after, total) = store
        .review_queue(&sys(), ReviewFilter::All, 0, 0)
        .await
        .unwrap();
    assert_eq!((ids(&after), total), (vec![id_fg, id_cd], 2));
    assert_eq!(after[0].weight, 4.5);
    assert_eq!(after[1].decision, Some(yes));
    let (pending, _) = store
        .review_queue(&sys(), ReviewFilter::Pending, 0, 0)
        .await
        .unwrap();
    assert_eq!(ids(&pending), [id_fg]);
    let (done, _) = store
        .review_queue(&sys(), ReviewFilter::Decided, 0, 0)
        .await
        .unwrap();
    assert_eq!(ids(&done), [id_cd]);
    // Re-proposing the decided pair keeps its decision.
    store
        .replace_review_queue(&sys(), &[c_d.clone(), pair(&s[4], &s[10], 4.5)], t(15))
        .await
        .unwrap();
    assert_eq!(store.review_decisions().await.unwrap().len(), 1);
    // Extending the queue deletes nothing.
    let pending_before = store
        .review_queue(&sys(), ReviewFilter::Pending, 0, 0)
        .await
        .unwrap()
        .1;
    assert_eq!(
        store
            .extend_review_queue(&sys(), &[pair(&s[0], &s[10], 1.5)], t(15))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .review_queue(&sys(), ReviewFilter::Pending, 0, 0)
            .await
            .unwrap()
            .1,
        pending_before + 1
    );

    // The run log.
    assert_eq!(store.last_reconcile_state().await.unwrap(), None);
    let run = NewReconcileRun {
        run_at: t(16),
        config_sha256: "c".repeat(64),
        input_sha256: "i".repeat(64),
        stats: serde_json::json!({ "persons": 7 }),
    };
    let id = store.record_reconcile_run(&sys(), &run).await.unwrap();
    let runs = store.reconcile_runs(5).await.unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(
        (runs[0].id, runs[0].run_at, &runs[0].stats),
        (id, t(16), &run.stats)
    );
    let (last, state) = store.last_reconcile_state().await.unwrap().unwrap();
    assert_eq!((last.id, state), (id, None));
    let with = gongrong_store::ReconcileState {
        model: serde_json::json!({ "prior": 0.001 }),
        decisions_sha256: "d".repeat(64),
        covered_through: 12,
        covered_rows: 11,
    };
    let id = store
        .record_reconcile_run_with_state(&sys(), &run, &with)
        .await
        .unwrap();
    let (last, state) = store.last_reconcile_state().await.unwrap().unwrap();
    assert_eq!((last.id, state), (id, Some(with)));
}

fn query(text: Option<&str>, page_size: u32) -> SearchQuery {
    SearchQuery {
        text: text.map(str::to_owned),
        village: None,
        page: 0,
        page_size,
    }
}

fn names(page: &gongrong_store::SearchPage) -> Vec<&str> {
    page.hits.iter().map(|h| h.name.as_str()).collect()
}

async fn search(store: &Store, p: &[Person; 7]) {
    let district = as_user(Role::DistrictCivilAffairs, "370305");
    let village1 = as_user(Role::VillageClerk, V1);
    let village3 = as_user(Role::VillageClerk, V3);

    let both = store
        .search(&district, &query(Some("张三"), 10))
        .await
        .unwrap();
    assert_eq!(both.total, 2);
    assert_eq!(
        both.hits[0].id_number,
        Shown::Clear(p[0].id),
        "ordered by village: V1 before V3"
    );
    assert_eq!(both.hits[0].village_name, "东关新村");
    assert!(both.hits[0].in_poverty && both.hits[0].in_dibao);
    assert_eq!(both.hits[1].village, code(V3));

    // A village scope never returns another village's person.
    let mine = store
        .search(&village1, &query(Some("张三"), 10))
        .await
        .unwrap();
    assert_eq!(mine.total, 1);
    assert_eq!(mine.hits[0].id_number, Shown::Clear(p[0].id));
    let by_id = store
        .search(&village3, &query(Some(p[0].id.as_str()), 10))
        .await
        .unwrap();
    assert_eq!(by_id.total, 0);
    assert!(by_id.hits.is_empty());
    let f = store
        .search(&village3, &query(Some(p[5].id.as_str()), 10))
        .await
        .unwrap();
    assert_eq!(f.total, 1);
    assert_eq!(f.hits[0].birth_date, day("1945-06-06"));

    // Legacy 15-digit ID, substring of a name, wildcards taken literally.
    let legacy = store
        .search(&sys(), &query(Some(" 370305500101001 "), 10))
        .await
        .unwrap();
    assert_eq!(names(&legacy), ["张三"]);
    let six = store
        .search(&district, &query(Some("六"), 10))
        .await
        .unwrap();
    assert_eq!(names(&six), ["赵六", "赵小六"]);
    for wildcard in ["%", "_", "\\"] {
        let none = store
            .search(&district, &query(Some(wildcard), 10))
            .await
            .unwrap();
        assert_eq!(none.total, 0, "{wildcard} is not a wildcard");
    }

    // Village filter, inside and outside the scope.
    let mut q = query(None, 10);
    q.village = Some(code(V2));
    let v2 = store.search(&district, &q).await.unwrap();
    assert_eq!(names(&v2), ["赵六", "赵小六"]);
    assert!(v2.hits.iter().all(|h| !h.in_poverty && h.in_dibao));
    assert_eq!(
        store.search(&village1, &q).await.unwrap(),
        Default::default()
    );

    // Paging.
    let mut q = query(None, 3);
    let page0 = store.search(&district, &q).await.unwrap();
    assert_eq!((page0.hits.len(), page0.total), (3, 7));
    q.page = 2;
    let page2 = store.search(&district, &q).await.unwrap();
    assert_eq!((page2.hits.len(), page2.total), (1, 7));
    assert_eq!(page2.hits[0].village, code(V3));
    q.page = 3;
    assert!(store.search(&district, &q).await.unwrap().hits.is_empty());
    let default_size = store.search(&district, &query(None, 0)).await.unwrap();
    assert_eq!(default_size.hits.len(), 7);
}

async fn household(store: &Store, p: &[Person; 7]) {
    let hit = store
        .search(&sys(), &query(Some(p[1].id.as_str()), 1))
        .await
        .unwrap();
    let hh = hit.hits[0].household_id;
    let view = store
        .household(&as_user(Role::TownCaseworker, TOWN_QIDU), hh)
        .await
        .unwrap()
        .expect("inside the town");
    assert_eq!(view.id, hh);
    assert_eq!(view.village, code(V1));
    assert_eq!(view.village_name, "东关新村");
    assert_eq!(view.town_name, "齐都镇");
    assert_eq!(view.poverty_keys, ["P001"]);
    assert_eq!(view.dibao_keys, ["D001"]);
    let members: Vec<_> = view
        .members
        .iter()
        .map(|m| (m.name.as_str(), m.relation))
        .collect();
    assert_eq!(
        members,
        [("张三", Relation::Head), ("李四", Relation::Spouse)]
    );
    assert_eq!(
        view.members[0].health,
        Shown::Clear(Some(Health::Serious)),
        "latest row wins"
    );
    assert!(view.members.iter().all(|m| m.in_poverty && m.in_dibao));
    let kinds: Vec<_> = view.identities.iter().map(|i| (i.kind, i.from)).collect();
    assert_eq!(
        kinds,
        [
            (IdentityKind::Dibao, day("2021-03-01")),
            (IdentityKind::FormerlyPoor, day("2019-01-01"))
        ],
        "newest first"
    );
    assert!(
        matches!(
            view.identities[1].source,
            gongrong_domain::Source::Register {
                register: Register::Poverty,
                row: 1,
                ..
            }
        ),
        "{:?}",
        view.identities[1].source
    );
    let sources: Vec<_> = view.sources.iter().map(|s| (s.register, s.row)).collect();
    assert_eq!(
        sources,
        [
            (Register::Poverty, 1),
            (Register::Poverty, 2),
            (Register::Dibao, 1),
            (Register::Dibao, 2)
        ]
    );
    assert_eq!(view.sources[0].file_name, "poverty.csv");
    assert_eq!(
        view.sources[2].raw[2],
        ("证件号码".to_owned(), Shown::Clear(p[0].id.to_string()))
    );

    // Outside the scope, or missing: None.
    assert!(
        store
            .household(&as_user(Role::VillageClerk, V3), hh)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .household(&as_user(Role::VillageClerk, V2), hh)
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.household(&sys(), 9_999).await.unwrap().is_none());

    // The duplicate row stays a source of its person.
    let c = store
        .search(&sys(), &query(Some(p[2].id.as_str()), 1))
        .await
        .unwrap();
    let view = store
        .household(&sys(), c.hits[0].household_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(view.sources.len(), 2);
    assert_eq!(
        view.identities[0].from,
        day("2026-01-01"),
        "undated: the build date"
    );
}

async fn dashboard(store: &Store) {
    let district = store
        .dashboard(&as_user(Role::DistrictCivilAffairs, "370305"))
        .await
        .unwrap();
    assert_eq!(
        district.towns.len(),
        12,
        "every town of the district, empty ones too"
    );
    assert_eq!(district.total.code, Some(code("370305")));
    assert_eq!(district.total.name, "临淄区");
    let t = &district.total;
    assert_eq!(
        (
            t.persons,
            t.persons_both,
            t.persons_poverty_only,
            t.persons_dibao_only
        ),
        (7, 3, 1, 3)
    );
    assert_eq!(
        (
            t.households,
            t.households_both,
            t.households_poverty_only,
            t.households_dibao_only
        ),
        (4, 2, 1, 1)
    );
    assert_eq!(t.overlap_bp(), Some(6_666));
    let qidu = district
        .towns
        .iter()
        .find(|l| l.code == Some(code(TOWN_QIDU)))
        .unwrap();
    assert_eq!(qidu.name, "齐都镇");
    assert_eq!(
        (qidu.persons, qidu.persons_both, qidu.persons_dibao_only),
        (5, 2, 2)
    );
    assert_eq!((qidu.households, qidu.households_both), (3, 1));
    let wenshao = &district.towns[0];
    assert_eq!((wenshao.name.as_str(), wenshao.persons), ("闻韶街道", 0));

    let town = store
        .dashboard(&as_user(Role::TownCaseworker, TOWN_QIDU))
        .await
        .unwrap();
    assert_eq!(town.towns.len(), 1);
    assert_eq!(town.towns[0], *qidu);
    assert_eq!(town.total.persons, 5);

    let village = store
        .dashboard(&as_user(Role::VillageClerk, V2))
        .await
        .unwrap();
    assert_eq!(village.towns.len(), 1);
    assert_eq!(village.total.name, "西关村");
    let v = &village.total;
    assert_eq!(
        (
            v.persons,
            v.persons_dibao_only,
            v.households,
            v.households_dibao_only
        ),
        (2, 2, 1, 1)
    );
    assert_eq!(v.overlap_bp(), None);

    let all = store.dashboard(&sys()).await.unwrap();
    assert_eq!(all.towns.len(), 2, "the towns of the stored villages");
    assert_eq!(all.total.persons, 7);
    assert_eq!(all.total.code, None);
}

async fn users(store: &Store) {
    let mut clerk = NewUser {
        username: "dongguan".into(),
        display_name: "东关村经办人".into(),
        role: Role::VillageClerk,
        area: code(V1),
        department: None,
        password_hash: "$argon2id$v=19$first".into(),
    };
    let id = store.upsert_user(&sys(), &clerk).await.unwrap();
    clerk.display_name = "东关村 经办人".into();
    clerk.password_hash = "$argon2id$v=19$second".into();
    assert_eq!(store.upsert_user(&sys(), &clerk).await.unwrap(), id);
    let officer = NewUser {
        username: "edu".into(),
        display_name: "教育局".into(),
        role: Role::DepartmentOfficer,
        area: code("370305"),
        department: Some("教育".into()),
        password_hash: "$argon2id$v=19$edu".into(),
    };
    let officer_id = store.upsert_user(&sys(), &officer).await.unwrap();
    assert_ne!(officer_id, id);
    // An account that does not fit its role is refused; only administrators manage accounts.
    let too_wide = NewUser {
        username: "wide".into(),
        area: code(TOWN_QIDU),
        ..clerk.clone()
    };
    assert!(matches!(
        store.upsert_user(&sys(), &too_wide).await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        store
            .upsert_user(&as_user(Role::DistrictCivilAffairs, "370305"), &officer)
            .await,
        Err(StoreError::Forbidden(_))
    ));

    let (user, hash) = store.user_for_login("dongguan").await.unwrap().unwrap();
    assert_eq!(hash, "$argon2id$v=19$second");
    assert_eq!(
        (user.id, user.role, user.display_name.as_str()),
        (id, Role::VillageClerk, "东关村 经办人")
    );
    assert!(store.user_for_login("nobody").await.unwrap().is_none());
    let (edu, _) = store.user_for_login("edu").await.unwrap().unwrap();
    assert_eq!(edu.department.as_deref(), Some("教育"));

    // The clerk's access shows one village only.
    let access = Access::user(&user, t(11));
    let page = store.search(&access, &query(None, 50)).await.unwrap();
    assert_eq!(page.total, 3);
    assert!(page.hits.iter().all(|h| h.village == code(V1)));

    // Sessions: absolute expiry, idle expiry, CSRF token, sign-out.
    let limits = gongrong_store::SessionLimits {
        idle: Duration::minutes(30),
    };
    let at = |h: u32, m: i64| t(h) + Duration::minutes(m);
    store
        .create_session(&Access::user(&user, t(11)), "tok1", "csrf1", t(13))
        .await
        .unwrap();
    store
        .create_session(&Access::user(&edu, t(8)), "tok2", "csrf2", t(9))
        .await
        .unwrap();
    let session = store
        .session("tok1", at(11, 20), &limits)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (session.user.clone(), session.csrf_token.as_str()),
        (user.clone(), "csrf1")
    );
    // Used at 11:20, so still alive at 11:45; not at 12:16, idle for 31 minutes since 11:45.
    assert!(
        store
            .session("tok1", at(11, 45), &limits)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .session("nope", at(11, 45), &limits)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        store.delete_expired_sessions(t(10), &limits).await.unwrap(),
        1
    );
    assert!(
        store
            .session("tok1", at(12, 16), &limits)
            .await
            .unwrap()
            .is_none(),
        "idle for 31 minutes"
    );
    store
        .create_session(&Access::user(&user, t(12)), "tok3", "csrf3", at(12, 40))
        .await
        .unwrap();
    assert!(
        store
            .session("tok3", at(12, 29), &limits)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .session("tok3", at(12, 41), &limits)
            .await
            .unwrap()
            .is_none(),
        "absolute expiry (idle would allow it until 12:59)"
    );
    let me = Access::user(&user, t(12));
    store
        .create_session(&me, "tok4", "csrf4", t(14))
        .await
        .unwrap();
    assert!(store.end_session(&me, "tok4").await.unwrap());
    assert!(
        store
            .session("tok4", t(12), &limits)
            .await
            .unwrap()
            .is_none()
    );
    assert!(!store.end_session(&me, "tok4").await.unwrap());
}

// ---------- throughput (ignored; run with `--ignored --nocapture`) ----------

/// Synthetic registers: `persons` people in households of three; households with number
/// `h % 5 != 0` are in the poverty register, `h % 5 != 1` in the dibao register.
fn synthetic(persons: usize) -> (Vec<RegisterRecord>, Vec<RegisterRecord>) {
    let villages = [V1, V2, V3];
    let base = day("1930-01-01");
    let (mut poverty, mut dibao) = (Vec::new(), Vec::new());
    for i in 0..persons {
        let birth = base + Duration::days((i / 400) as i64);
        let first17 = format!("370305{}{:03}", birth.format("%Y%m%d"), i % 400 + 100);
        let who = Person {
            id: id(&first17),
            name: ["张三", "李四", "王五", "赵六"][i % 4],
        };
        let h = i / 3;
        let relation = if i % 3 == 0 {
            Relation::Head
        } else {
            Relation::Son
        };
        let village = villages[h % 3];
        if h % 5 != 0 {
            let row = poverty.len() as u64 + 1;
            let key = format!("P{h:07}");
            poverty.push(record(
                Register::Poverty,
                row,
                &key,
                &who,
                relation,
                village,
                IdentityKind::FormerlyPoor,
                Some("2019-01-01"),
            ));
        }
        if h % 5 != 1 {
            let row = dibao.len() as u64 + 1;
            let key = format!("D{h:07}");
            dibao.push(record(
                Register::Dibao,
                row,
                &key,
                &who,
                relation,
                village,
                IdentityKind::Dibao,
                None,
            ));
        }
    }
    (poverty, dibao)
}

async fn throughput(store: &Store) {
    let persons: usize = std::env::var("GONGRONG_BULK_PERSONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300_000);
    let (poverty, dibao) = synthetic(persons);
    let rows = poverty.len() + dibao.len();
    let clock = std::time::Instant::now();
    for (register, records) in [(Register::Poverty, &poverty), (Register::Dibao, &dibao)] {
        let mut w = store
            .begin_import(&sys(), batch(register, register.code()))
            .await
            .unwrap();
        for chunk in records.chunks(10_000) {
            w.add_records(chunk).await.unwrap();
        }
        w.commit().await.unwrap();
    }
    let secs = clock.elapsed().as_secs_f64();
    println!(
        "{}: imported {rows} rows in {secs:.1}s ({:.0} rows/s)",
        store.backend(),
        rows as f64 / secs
    );

    let clock = std::time::Instant::now();
    let staged = store.staged_records_without_raw(&sys()).await.unwrap();
    println!(
        "{}: read {} staged rows in {:.1}s",
        store.backend(),
        staged.len(),
        clock.elapsed().as_secs_f64()
    );
    let clock = std::time::Instant::now();
    let unified = exact_id(&staged, day("2026-01-01"));
    println!(
        "{}: unified {} persons in {:.1}s",
        store.backend(),
        unified.persons.len(),
        clock.elapsed().as_secs_f64()
    );
    assert_eq!(unified.persons.len(), persons);
    for _ in 0..2 {
        let clock = std::time::Instant::now();
        let stats = store
            .replace_registry(&sys(), &unified, t(9))
            .await
            .unwrap();
        println!(
            "{}: replaced registry ({stats:?}) in {:.1}s",
            store.backend(),
            clock.elapsed().as_secs_f64()
        );
    }
    let clock = std::time::Instant::now();
    let page = store
        .search(&as_user(Role::VillageClerk, V1), &query(Some("王"), 20))
        .await
        .unwrap();
    println!(
        "{}: name search ({} hits) in {:.3}s",
        store.backend(),
        page.total,
        clock.elapsed().as_secs_f64()
    );
    let clock = std::time::Instant::now();
    let page = store
        .search(&sys(), &query(Some(poverty[7].id_number.as_str()), 20))
        .await
        .unwrap();
    assert_eq!(page.total, 1);
    println!(
        "{}: ID search in {:.3}s",
        store.backend(),
        clock.elapsed().as_secs_f64()
    );
    let clock = std::time::Instant::now();
    let board = store
        .dashboard(&as_user(Role::DistrictCivilAffairs, "370305"))
        .await
        .unwrap();
    assert_eq!(board.total.persons, persons as u64);
    println!(
        "{}: dashboard in {:.3}s",
        store.backend(),
        clock.elapsed().as_secs_f64()
    );
}

#[tokio::test]
#[ignore = "throughput measurement; run with --ignored --nocapture"]
async fn throughput_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("bulk.db").to_str().unwrap())
        .await
        .unwrap();
    throughput(&store).await;
}

#[tokio::test]
#[ignore = "throughput measurement; run with --ignored --nocapture"]
async fn throughput_postgres() {
    let cluster = gongrong_testkit::PgCluster::start().unwrap();
    let store = Store::open(&cluster.create_database("bulk").unwrap())
        .await
        .unwrap();
    throughput(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "throughput measurement; run with --ignored --nocapture"]
async fn audited_reads_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    audit::read_throughput(&format!(
        "sqlite://{}",
        dir.path().join("reads.db").display()
    ))
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "throughput measurement; run with --ignored --nocapture"]
async fn audited_reads_postgres() {
    let cluster = gongrong_testkit::PgCluster::start().unwrap();
    audit::read_throughput(&cluster.create_database("reads").unwrap()).await;
}

/// Web handlers need `Send` futures and a `Send + Sync` store.
#[allow(dead_code, clippy::let_underscore_future)]
fn futures_are_send(store: Store, mut w: gongrong_store::ImportWriter) {
    fn send<T: Send>(_: T) {}
    fn shared<T: Send + Sync + Clone + 'static>(_: &T) {}
    shared(&store);
    shared(&sys());
    send(w.add_records(&[]));
    let user = NewUser {
        username: String::new(),
        display_name: String::new(),
        role: Role::Admin,
        area: code("370305"),
        department: None,
        password_hash: String::new(),
    };
    let a = sys();
    send(store.upsert_user(&a, &user));
    let q = SearchQuery::default();
    send(store.search(&a, &q));
    send(store.household(&a, 1));
    send(store.dashboard(&a));
    let limits = gongrong_store::SessionLimits {
        idle: Duration::minutes(1),
    };
    send(store.session("t", t(1), &limits));
    send(store.begin_import(&a, batch(Register::Poverty, "x")));
    send(store.upsert_villages(&a, &[]));
    send(store.replace_registry(&a, &Default::default(), t(1)));
    send(store.staged_records(&a));
    send(store.audit_log(&a, &Default::default()));
    send(store.record_event(&a, "x", "y", "z"));
    send(store.verify_audit_chain(&a));
    send(store.reveal(
        &a,
        &gongrong_store::RevealRequest {
            subject: gongrong_store::RevealSubject::Person(1),
            class: gongrong_store::FieldClass::IdNumber,
            reason: String::new(),
        },
    ));
    send(store.review_pair(&a, 1));
    send(store.decide_review(&a, 1, ReviewVerdict::Match, ""));
    send(Store::open("x"));
    send(store.region_table());
    send(store.batch_by_digest(Register::Poverty, "x"));
    send(store.batches());
    send(store.rejects(&a, 1));
    send(store.staged_records_without_raw(&a));
    send(store.user_for_login("x"));
    send(store.create_session(&a, "t", "c", t(1)));
    send(store.end_session(&a, "t"));
    send(store.delete_expired_sessions(t(1), &limits));
    send(w.add_rejects(&[]));
    send(w.commit());
}
