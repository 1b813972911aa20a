//! The audit chain: what the story left in it, filters, tampering caught (edited, removed,
//! reordered records; a rewritten record with a recomputed hash; a cut tail), and a linear
//! chain under many concurrent writers in two processes' worth of pools.

use super::*;
use gongrong_store::{AuditFilter, ProblemKind};
use sha2::{Digest, Sha256};

pub async fn story(store: &Store) {
    // Text a request may carry (a NUL, markup, quotes) is stored, never fails the chain.
    store
        .record_event(
            &sys(),
            "test.odd",
            "x:\0",
            "'; DROP TABLE audit_log; -- <b>\0</b>",
        )
        .await
        .unwrap();
    let report = store.verify_audit_chain(&sys()).await.unwrap();
    assert_eq!(report.problem, None, "{report:?}");
    assert!(
        report.records > 50,
        "the story's reads and changes: {report:?}"
    );
    assert_eq!(report.records as i64, report.head_seq);

    let all = store
        .audit_log(
            &sys(),
            &AuditFilter {
                limit: 1_000,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    // Newest first, dense, each linked to the one before.
    assert!(
        all.windows(2)
            .all(|w| w[0].seq == w[1].seq + 1 && w[0].prev_hash == w[1].hash)
    );
    let actions: BTreeSet<&str> = all.iter().map(|r| r.action.as_str()).collect();
    for expected in [
        "regions.upsert",
        "import.commit",
        "staging.read",
        "registry.replace",
        "review.queue_replace",
        "review.read",
        "review.read_denied",
        "review.decide",
        "review.decide_denied",
        "person.search",
        "household.read",
        "household.read_denied",
        "user.create",
        "user.update",
        "session.login",
        "session.logout",
        "reconcile.run",
        "field.reveal",
        "department_people.replace",
    ] {
        assert!(
            actions.contains(expected),
            "{expected} not audited: {actions:?}"
        );
    }
    let decide = all.iter().find(|r| r.action == "review.decide").unwrap();
    assert_eq!(decide.actor, "town_caseworker-370305100");
    assert_eq!(decide.channel, "web");
    // A search records the persons it showed, never a clear ID number typed as the query.
    let by_id = all
        .iter()
        .find(|r| r.action == "person.search" && r.detail.contains('*'))
        .expect("a search by ID number");
    assert!(!by_id.detail.contains(people()[0].id.as_str()));
    assert!(by_id.detail.contains("persons="));

    // Filters: actor, action prefix, target, paging.
    let sessions = store
        .audit_log(
            &sys(),
            &AuditFilter {
                action: Some("session.".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(!sessions.is_empty() && sessions.iter().all(|r| r.action.starts_with("session.")));
    let page = store
        .audit_log(
            &sys(),
            &AuditFilter {
                before: Some(all[0].seq),
                limit: 2,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        page.iter().map(|r| r.seq).collect::<Vec<_>>(),
        [all[1].seq, all[2].seq]
    );
    // Reading the log is for auditors and administrators, and is itself recorded.
    assert!(matches!(
        store
            .audit_log(
                &as_user(Role::TownCaseworker, TOWN_QIDU),
                &AuditFilter::default()
            )
            .await,
        Err(StoreError::Forbidden(_))
    ));
    let looked = store
        .audit_log(
            &as_user(Role::Auditor, "370305"),
            &AuditFilter {
                action: Some("audit.read".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(!looked.is_empty());
    assert_eq!(
        store.verify_audit_chain(&sys()).await.unwrap().problem,
        None
    );
}

/// Runs raw SQL against the database behind a URL, as someone with direct access would; the
/// first statement that fails ends the run with its error.
async fn try_sql(url: &str, statements: &[&str]) -> Result<(), sqlx::Error> {
    if url.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(url).await?;
        for s in statements {
            sqlx::query(s).execute(&pool).await?;
        }
        pool.close().await;
    } else {
        let pool = sqlx::SqlitePool::connect(url).await?;
        for s in statements {
            sqlx::query(s).execute(&pool).await?;
        }
        pool.close().await;
    }
    Ok(())
}

async fn raw_sql(url: &str, statements: &[&str]) {
    try_sql(url, statements).await.unwrap();
}

/// The guards against casual edits, dropped by a tamperer who knows the schema.
fn drop_guards(url: &str) -> &'static [&'static str] {
    if url.starts_with("postgres") {
        &[
            "DROP TRIGGER audit_log_no_change ON audit_log",
            "DROP TRIGGER audit_log_no_truncate ON audit_log",
        ]
    } else {
        &[
            "DROP TRIGGER audit_log_no_update",
            "DROP TRIGGER audit_log_no_delete",
        ]
    }
}

/// A fresh store with ten events.
async fn chain_of_ten(url: &str) -> Store {
    let store = Store::open(url).await.unwrap();
    for i in 1..=10 {
        store
            .record_event(
                &sys().at(t(i)),
                "test.event",
                &format!("thing:{i}"),
                "detail",
            )
            .await
            .unwrap();
    }
    let report = store.verify_audit_chain(&sys()).await.unwrap();
    assert_eq!((report.records, report.problem), (10, None));
    store
}

async fn caught(url: &str, tamper: &[&str]) -> gongrong_store::ChainProblem {
    let store = chain_of_ten(url).await;
    let mut statements = drop_guards(url).to_vec();
    statements.extend_from_slice(tamper);
    raw_sql(url, &statements).await;
    let report = store.verify_audit_chain(&sys()).await.unwrap();
    report
        .problem
        .unwrap_or_else(|| panic!("not caught: {tamper:?}"))
}

pub async fn tampering(url: &dyn Fn(&str) -> String) {
    // The table refuses edits while its guards stand.
    let guarded = url("guarded");
    let store = chain_of_ten(&guarded).await;
    for s in [
        "UPDATE audit_log SET detail = 'x' WHERE seq = 5",
        "DELETE FROM audit_log WHERE seq = 5",
    ] {
        assert!(try_sql(&guarded, &[s]).await.is_err(), "{s} was allowed");
    }
    assert_eq!(
        store.verify_audit_chain(&sys()).await.unwrap().problem,
        None
    );

    let edited = caught(
        &url("edited"),
        &["UPDATE audit_log SET detail = 'nothing to see' WHERE seq = 5"],
    )
    .await;
    assert_eq!(
        (edited.kind, edited.seq),
        (ProblemKind::Edited, 5),
        "{edited:?}"
    );

    let removed = caught(&url("removed"), &["DELETE FROM audit_log WHERE seq = 5"]).await;
    assert_eq!(
        (removed.kind, removed.seq),
        (ProblemKind::Removed, 6),
        "{removed:?}"
    );
    assert!(
        removed.message.contains("record 5 was removed"),
        "{}",
        removed.message
    );

    let swapped = caught(
        &url("swapped"),
        &[
            "UPDATE audit_log SET seq = -4 WHERE seq = 4",
            "UPDATE audit_log SET seq = 4 WHERE seq = 5",
            "UPDATE audit_log SET seq = 5 WHERE seq = -4",
        ],
    )
    .await;
    assert_eq!(
        (swapped.kind, swapped.seq),
        (ProblemKind::Reordered, 4),
        "{swapped:?}"
    );

    let tail = caught(&url("tail"), &["DELETE FROM audit_log WHERE seq = 10"]).await;
    assert_eq!(
        (tail.kind, tail.seq),
        (ProblemKind::Removed, 10),
        "{tail:?}"
    );

    // A tamperer who recomputes the edited record's hash breaks the link to the next one.
    let rehashed_url = url("rehashed");
    let store = chain_of_ten(&rehashed_url).await;
    let five = store
        .audit_log(
            &sys(),
            &AuditFilter {
                target: Some("thing:5".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .remove(0);
    let canonical = serde_json::json!([
        "gongrong-audit/1",
        five.prev_hash,
        five.at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
        five.actor,
        five.channel,
        five.origin,
        five.action,
        five.target,
        "forged"
    ])
    .to_string();
    assert_eq!(
        hex_sha256(
            &serde_json::json!([
                "gongrong-audit/1",
                five.prev_hash,
                five.at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
                five.actor,
                five.channel,
                five.origin,
                five.action,
                five.target,
                five.detail
            ])
            .to_string()
        ),
        five.hash,
        "the documented canonical form is the one hashed"
    );
    let forged_hash = hex_sha256(&canonical);
    let mut statements = drop_guards(&rehashed_url).to_vec();
    let update =
        format!("UPDATE audit_log SET detail = 'forged', hash = '{forged_hash}' WHERE seq = 5");
    statements.push(&update);
    raw_sql(&rehashed_url, &statements).await;
    let problem = store
        .verify_audit_chain(&sys())
        .await
        .unwrap()
        .problem
        .unwrap();
    assert_eq!(
        (problem.kind, problem.seq),
        (ProblemKind::Reordered, 6),
        "{problem:?}"
    );
}

fn hex_sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Many concurrent writers through two stores (two pools, as two processes would have): reads
/// through the group-commit writer and changes appending in their own transactions. The chain
/// stays linear and complete.
pub async fn concurrency(url: &str) {
    let a = Store::open(url).await.unwrap();
    let b = Store::open(url).await.unwrap();
    let tasks = 40;
    let per_task = 10;
    let mut handles = Vec::new();
    for task in 0..tasks {
        let store = if task % 2 == 0 { a.clone() } else { b.clone() };
        handles.push(tokio::spawn(async move {
            for i in 0..per_task {
                let access = sys().from_origin(Some(format!("task {task}")));
                if i % 5 == 4 {
                    // A change: its record is appended inside its own transaction.
                    store
                        .upsert_villages(
                            &access,
                            &[Region {
                                code: code(V1),
                                name: format!("东关村{task}"),
                            }],
                        )
                        .await
                        .unwrap();
                } else {
                    store
                        .record_event(&access, "test.concurrent", &format!("{task}:{i}"), "")
                        .await
                        .unwrap();
                }
            }
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    let report = a.verify_audit_chain(&sys()).await.unwrap();
    assert_eq!(report.problem, None, "{report:?}");
    assert_eq!(
        report.records,
        (tasks * per_task) as u64,
        "every event, once"
    );
    let events = a
        .audit_log(
            &sys(),
            &AuditFilter {
                action: Some("test.concurrent".into()),
                limit: 1_000,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let targets: BTreeSet<&str> = events.iter().map(|r| r.target.as_str()).collect();
    assert_eq!(targets.len(), tasks * per_task * 4 / 5);
}

/// Audited reads per second: `tasks` concurrent readers each opening households (every read
/// appends its record through the group-commit writer and waits for the commit), against one
/// reader at a time (a commit per read). Run with `--ignored --nocapture`.
pub async fn read_throughput(url: &str) {
    let store = Store::open(url).await.unwrap();
    let (poverty, dibao) = synthetic(3_000);
    for (register, records) in [(Register::Poverty, &poverty), (Register::Dibao, &dibao)] {
        let mut w = store
            .begin_import(&sys(), batch(register, register.code()))
            .await
            .unwrap();
        w.add_records(records).await.unwrap();
        w.commit().await.unwrap();
    }
    let staged = store.staged_records_without_raw(&sys()).await.unwrap();
    let unified = gongrong_domain::unify::exact_id(&staged, day("2026-01-01"));
    store
        .replace_registry(&sys(), &unified, t(9))
        .await
        .unwrap();
    let households = unified.households.len() as i64;
    let reader = as_user(Role::DistrictCivilAffairs, "370305");

    let serial = 500;
    let clock = std::time::Instant::now();
    for i in 0..serial {
        assert!(
            store
                .household(&reader, 1 + i % households)
                .await
                .unwrap()
                .is_some()
        );
    }
    let serial_rate = serial as f64 / clock.elapsed().as_secs_f64();

    for tasks in [50_usize, 200] {
        let per_task = 100;
        let clock = std::time::Instant::now();
        let mut handles = Vec::new();
        for task in 0..tasks {
            let (store, reader) = (store.clone(), reader.clone());
            handles.push(tokio::spawn(async move {
                for i in 0..per_task {
                    let id = 1 + ((task * per_task + i) as i64) % households;
                    assert!(store.household(&reader, id).await.unwrap().is_some());
                }
            }));
        }
        for h in handles {
            h.await.unwrap();
        }
        let secs = clock.elapsed().as_secs_f64();
        println!(
            "{}: {} audited household reads by {tasks} concurrent readers in {secs:.2}s: {:.0}/s \
             (one reader at a time: {serial_rate:.0}/s)",
            store.backend(),
            tasks * per_task,
            (tasks * per_task) as f64 / secs
        );
    }
    let report = store.verify_audit_chain(&sys()).await.unwrap();
    assert_eq!(report.problem, None);
    let clock = std::time::Instant::now();
    store.verify_audit_chain(&sys()).await.unwrap();
    println!(
        "{}: verified {} records in {:.2}s",
        store.backend(),
        report.records,
        clock.elapsed().as_secs_f64()
    );
}
