//! `import_register` and `import_villages` against a real (SQLite) store.

use crate::fixtures::*;
use chrono::{DateTime, TimeZone, Utc};
use gongrong_domain::{RegionCode, Register};
use gongrong_import::{
    ImportError, ImportOptions, ImportOutcome, ImportProgress, Mapping, import_register,
    import_villages,
};
use gongrong_store::{Access, Store};
use std::cell::RefCell;
use std::path::Path;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 30, 2, 0, 0).unwrap()
}

fn job() -> Access {
    Access::system("test:import", now())
}

async fn store(dir: &Path) -> Store {
    Store::open(dir.join("gongrong.db").to_str().unwrap())
        .await
        .unwrap()
}

async fn load_villages(store: &Store, dir: &Path) {
    let f = write(
        dir,
        "villages.csv",
        csv_text(
            &["区划代码", "村名称"],
            &[vec![VILLAGE, "东关村"], vec![VILLAGE2, "西关村"]],
        ),
    );
    let n = import_villages(
        store,
        &job(),
        &f,
        &Mapping::builtin_villages(),
        &ImportOptions::default(),
    )
    .await
    .unwrap();
    assert_eq!(n, 2);
}

async fn import(store: &Store, file: &Path) -> Result<ImportOutcome, ImportError> {
    import_register(
        store,
        &job(),
        file,
        &Mapping::builtin(Register::Poverty),
        &ImportOptions::default(),
        &|_| {},
    )
    .await
}

#[tokio::test]
async fn villages_are_stored_and_make_register_rows_valid() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path()).await;
    let table = store.region_table().await.unwrap();
    assert!(!table.contains(&RegionCode::parse(VILLAGE).unwrap()));
    load_villages(&store, dir.path()).await;
    let table = store.region_table().await.unwrap();
    assert_eq!(
        table.name(&RegionCode::parse(VILLAGE).unwrap()),
        Some("东关村")
    );
}

#[tokio::test]
async fn a_bad_village_list_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path()).await;
    let f = write(
        dir.path(),
        "villages.csv",
        csv_text(
            &["区划代码", "村名称"],
            &[vec![VILLAGE, "东关村"], vec!["370305999001", "无此镇"]],
        ),
    );
    let err = import_villages(
        &store,
        &job(),
        &f,
        &Mapping::builtin_villages(),
        &ImportOptions::default(),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, ImportError::InvalidVillages { .. }), "{err}");
    assert!(err.to_string().contains("370305999"), "{err}");
    let table = store.region_table().await.unwrap();
    assert!(!table.contains(&RegionCode::parse(VILLAGE).unwrap()));
}

#[tokio::test]
async fn a_batch_with_rejects_stores_accepted_rows_and_rejects() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path()).await;
    load_villages(&store, dir.path()).await;
    let wife = woman();
    let f = poverty_file(
        dir.path(),
        &[
            poverty_row(&[]),
            // Two problems, one rejected row.
            poverty_row(&[("证件号码", "370305198002300013"), ("健康状况", "很好")]),
            poverty_row(&[("证件号码", &wife), ("性别", "女"), ("与户主关系", "配偶")]),
        ],
    );
    let events = RefCell::new(Vec::<ImportProgress>::new());
    let outcome = import_register(
        &store,
        &job(),
        &f,
        &Mapping::builtin(Register::Poverty),
        &ImportOptions::default(),
        &|p| events.borrow_mut().push(p),
    )
    .await
    .unwrap();
    let ImportOutcome::Imported {
        summary, rejects, ..
    } = outcome
    else {
        panic!("expected a new batch");
    };
    assert_eq!((summary.accepted, summary.rejected), (2, 1));
    assert_eq!(summary.register, Register::Poverty);
    assert_eq!(summary.file_name, "poverty.csv");
    assert_eq!(summary.imported_at, now());
    assert_eq!(rejects.len(), 2);
    assert!(rejects.iter().all(|r| r.row == 2));
    assert_eq!(store.rejects(&job(), summary.id).await.unwrap(), rejects);
    let staged = store.staged_records(&job()).await.unwrap();
    assert_eq!(staged.len(), 2);
    assert!(staged.iter().all(|s| s.batch_id == summary.id));
    let rows: Vec<u64> = staged.iter().map(|s| s.record.row).collect();
    assert_eq!(rows, [1, 3]);
    assert_eq!(staged[0].record.raw.len(), POVERTY_HEADERS.len());

    let events = events.into_inner();
    let last = events.last().unwrap();
    assert!(last.committing);
    assert_eq!((last.rows, last.accepted, last.rejected), (3, 2, 1));
    assert_eq!(last.bytes_read, last.total_bytes);
}

#[tokio::test]
async fn importing_the_same_file_twice_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path()).await;
    load_villages(&store, dir.path()).await;
    let f = poverty_file(dir.path(), &[poverty_row(&[])]);
    let ImportOutcome::Imported { summary, .. } = import(&store, &f).await.unwrap() else {
        panic!("expected a new batch");
    };
    let second = import(&store, &f).await.unwrap();
    assert_eq!(second, ImportOutcome::AlreadyImported(summary.clone()));
    assert_eq!(store.batches().await.unwrap(), vec![summary]);
    assert_eq!(store.staged_records(&job()).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_missing_column_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path()).await;
    load_villages(&store, dir.path()).await;
    let f = write(dir.path(), "short.csv", "户编号,姓名\nH1,张三\n");
    let err = import(&store, &f).await.unwrap_err();
    assert!(matches!(err, ImportError::MissingColumns { .. }), "{err}");
    assert!(store.batches().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_file_without_any_accepted_row_is_not_committed() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path()).await;
    // No village list yet: every row names an unknown village.
    let f = poverty_file(
        dir.path(),
        &[poverty_row(&[]), poverty_row(&[("户编号", "H2")])],
    );
    let err = import(&store, &f).await.unwrap_err();
    let ImportError::NothingAccepted { rejects, .. } = &err else {
        panic!("{err}");
    };
    assert_eq!(rejects.len(), 2);
    assert!(
        err.to_string().contains("import the village list first"),
        "{err}"
    );
    assert!(store.batches().await.unwrap().is_empty());
    // Once the villages are in, the very same file imports.
    load_villages(&store, dir.path()).await;
    let outcome = import(&store, &f).await.unwrap();
    assert!(matches!(outcome, ImportOutcome::Imported { .. }));
}
