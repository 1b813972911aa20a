//! Reconciliation: the clerical-review queue with its decisions, and the log of reconcile runs.
//!
//! A pair is keyed by its two staging ids (smaller first). Replacing the queue upserts every
//! given pair (its id and any decision survive) and deletes the pending pairs that are no longer
//! proposed; decided pairs are never deleted, so decisions bind every later run. A pair is visible
//! to a caller only when both of its rows' villages lie in the caller's scope.

use crate::codec::{self, to_json};
use crate::db::{Arg, Db, Row};
use crate::{
    NewReconcileRun, NewReviewPair, ReconcileRun, ReconcileState, Result, ReviewDecision,
    ReviewFilter, ReviewPair, ReviewPairSummary, ReviewVerdict, StoreError,
};
use chrono::{DateTime, Utc};
use gongrong_domain::Scope;
use std::collections::{BTreeSet, HashMap};

fn verdict_code(v: ReviewVerdict) -> &'static str {
    match v {
        ReviewVerdict::Match => "match",
        ReviewVerdict::NonMatch => "non_match",
    }
}

fn parse_verdict(s: &str) -> Result<ReviewVerdict> {
    match s {
        "match" => Ok(ReviewVerdict::Match),
        "non_match" => Ok(ReviewVerdict::NonMatch),
        other => Err(StoreError::Corrupt(format!("review verdict {other:?}"))),
    }
}

/// The decision in columns `i..i + 4` (verdict, decided_by, decided_at, note), if any.
fn decision(row: &Row, i: usize) -> Result<Option<ReviewDecision>> {
    let Some(verdict) = row.get::<Option<String>>(i)? else {
        return Ok(None);
    };
    Ok(Some(ReviewDecision {
        verdict: parse_verdict(&verdict)?,
        decided_by: row.get::<Option<String>>(i + 1)?.unwrap_or_default(),
        decided_at: row
            .get::<Option<DateTime<Utc>>>(i + 2)?
            .ok_or_else(|| StoreError::Corrupt("decision without a time".into()))?,
        note: row.get::<Option<String>>(i + 3)?.unwrap_or_default(),
    }))
}

/// Both rows of the pair in scope (`$n` is the scope's LIKE pattern).
fn in_scope(n: usize) -> String {
    format!(
        "EXISTS (SELECT 1 FROM staging_records l, staging_records r \
         WHERE l.id = q.left_staging_id AND r.id = q.right_staging_id \
         AND l.village LIKE ${n} AND r.village LIKE ${n})"
    )
}

pub(crate) async fn replace_queue(
    db: &Db,
    pairs: &[NewReviewPair],
    at: DateTime<Utc>,
    delete_unproposed: bool,
) -> Result<u64> {
    let mut tx = db.begin().await?;
    let existing: HashMap<(i64, i64), (i64, bool)> = tx
        .conn()
        .fetch_all(
            "SELECT left_staging_id, right_staging_id, id, verdict IS NOT NULL FROM review_pairs",
            vec![],
        )
        .await?
        .iter()
        .map(|r| Ok(((r.get(0)?, r.get(1)?), (r.get(2)?, r.get(3)?))))
        .collect::<Result<_>>()?;
    let mut proposed: BTreeSet<(i64, i64)> = BTreeSet::new();
    let mut added = 0u64;
    for p in pairs {
        let key = (
            p.left_staging_id.min(p.right_staging_id),
            p.left_staging_id.max(p.right_staging_id),
        );
        if key.0 == key.1 || !proposed.insert(key) {
            continue;
        }
        if !existing.contains_key(&key) {
            added += 1;
        }
        tx.conn()
            .execute(
                "INSERT INTO review_pairs (left_staging_id, right_staging_id, weight, probability, \
                 explanation, queued_at) VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (left_staging_id, right_staging_id) DO UPDATE SET \
                 weight = excluded.weight, probability = excluded.probability, \
                 explanation = excluded.explanation",
                vec![
                    key.0.into(),
                    key.1.into(),
                    p.weight.into(),
                    p.probability.into(),
                    to_json(&p.explanation)?.into(),
                    at.into(),
                ],
            )
            .await?;
    }
    for (key, (id, decided)) in &existing {
        if delete_unproposed && !decided && !proposed.contains(key) {
            tx.conn()
                .execute("DELETE FROM review_pairs WHERE id = $1", vec![(*id).into()])
                .await?;
        }
    }
    tx.commit().await?;
    Ok(added)
}

pub(crate) async fn queue(
    db: &Db,
    scope: &Scope,
    filter: ReviewFilter,
    page: u32,
    page_size: u32,
) -> Result<(Vec<ReviewPairSummary>, u64)> {
    let condition = match filter {
        ReviewFilter::Pending => "q.verdict IS NULL AND ",
        ReviewFilter::Decided => "q.verdict IS NOT NULL AND ",
        ReviewFilter::All => "",
    };
    let filter_sql = format!("FROM review_pairs q WHERE {condition}{}", in_scope(1));
    let pattern: Arg = scope.like_pattern().into();
    let total = db
        .fetch_one(
            &format!("SELECT COUNT(*) {filter_sql}"),
            vec![pattern.clone()],
        )
        .await?
        .count(0)?;
    let size = match page_size {
        0 => crate::DEFAULT_PAGE_SIZE,
        n => n.min(crate::MAX_PAGE_SIZE),
    };
    let sql = format!(
        "SELECT q.id, l.name, r.name, l.register, r.register, l.village, \
         COALESCE((SELECT g.name FROM regions g WHERE g.code = l.village), ''), \
         q.weight, q.probability, q.verdict, q.decided_by, q.decided_at, q.note \
         {filter_sql} AND l.id = q.left_staging_id AND r.id = q.right_staging_id \
         ORDER BY q.weight DESC, q.id LIMIT $2 OFFSET $3"
    )
    .replace(
        "FROM review_pairs q WHERE",
        "FROM review_pairs q, staging_records l, staging_records r WHERE",
    );
    let rows = db
        .fetch_all(
            &sql,
            vec![
                pattern,
                i64::from(size).into(),
                (i64::from(page) * i64::from(size)).into(),
            ],
        )
        .await?;
    let list = rows
        .iter()
        .map(|r| {
            Ok(ReviewPairSummary {
                id: r.get(0)?,
                left_name: r.get(1)?,
                right_name: r.get(2)?,
                left_register: codec::register(r, 3)?,
                right_register: codec::register(r, 4)?,
                village: codec::region(r, 5)?,
                village_name: r.get(6)?,
                weight: r.get(7)?,
                probability: r.get(8)?,
                decision: decision(r, 9)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((list, total))
}

pub(crate) async fn pair(db: &Db, scope: &Scope, id: i64) -> Result<Option<ReviewPair>> {
    let sql = format!(
        "SELECT q.left_staging_id, q.right_staging_id, q.weight, q.probability, q.explanation, \
         q.verdict, q.decided_by, q.decided_at, q.note FROM review_pairs q \
         WHERE q.id = $1 AND {}",
        in_scope(2)
    );
    let Some(row) = db
        .fetch_optional(&sql, vec![id.into(), scope.like_pattern().into()])
        .await?
    else {
        return Ok(None);
    };
    let (left_id, right_id): (i64, i64) = (row.get(0)?, row.get(1)?);
    let (Some(left), Some(right)) = (
        crate::import::staged_record(db, left_id).await?,
        crate::import::staged_record(db, right_id).await?,
    ) else {
        return Err(StoreError::Corrupt(format!(
            "review pair {id} refers to missing staging rows"
        )));
    };
    Ok(Some(ReviewPair {
        id,
        left,
        right,
        weight: row.get(2)?,
        probability: row.get(3)?,
        explanation: codec::json(&row, 4, "review explanation")?,
        decision: decision(&row, 5)?,
    }))
}

pub(crate) async fn decide(db: &Db, scope: &Scope, id: i64, d: &ReviewDecision) -> Result<bool> {
    let sql = format!(
        "UPDATE review_pairs SET verdict = $1, decided_by = $2, decided_at = $3, note = $4 \
         WHERE id = $5 AND {}",
        in_scope(6).replace("q.", "review_pairs.")
    );
    let n = db
        .execute(
            &sql,
            vec![
                verdict_code(d.verdict).into(),
                d.decided_by.as_str().into(),
                d.decided_at.into(),
                d.note.as_str().into(),
                id.into(),
                scope.like_pattern().into(),
            ],
        )
        .await?;
    Ok(n > 0)
}

pub(crate) async fn decisions(db: &Db) -> Result<Vec<(i64, i64, ReviewVerdict)>> {
    db.fetch_all(
        "SELECT left_staging_id, right_staging_id, verdict FROM review_pairs \
         WHERE verdict IS NOT NULL ORDER BY left_staging_id, right_staging_id",
        vec![],
    )
    .await?
    .iter()
    .map(|r| Ok((r.get(0)?, r.get(1)?, parse_verdict(&r.get::<String>(2)?)?)))
    .collect()
}

pub(crate) async fn record_run(
    db: &Db,
    run: &NewReconcileRun,
    state: Option<&ReconcileState>,
) -> Result<i64> {
    db.fetch_one(
        "INSERT INTO reconcile_runs (run_at, config_sha256, input_sha256, stats, model, \
         decisions_sha256, covered_through, covered_rows) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        vec![
            run.run_at.into(),
            run.config_sha256.as_str().into(),
            run.input_sha256.as_str().into(),
            to_json(&run.stats)?.into(),
            state.map(|s| to_json(&s.model)).transpose()?.into(),
            state.map(|s| s.decisions_sha256.as_str()).into(),
            state.map(|s| s.covered_through).into(),
            state.map(|s| s.covered_rows).into(),
        ],
    )
    .await?
    .get(0)
}

pub(crate) async fn last_state(db: &Db) -> Result<Option<(ReconcileRun, Option<ReconcileState>)>> {
    let Some(r) = db
        .fetch_optional(
            "SELECT id, run_at, config_sha256, input_sha256, stats, model, decisions_sha256, \
             covered_through, covered_rows FROM reconcile_runs ORDER BY id DESC LIMIT 1",
            vec![],
        )
        .await?
    else {
        return Ok(None);
    };
    let run = ReconcileRun {
        id: r.get(0)?,
        run_at: r.get(1)?,
        config_sha256: r.get(2)?,
        input_sha256: r.get(3)?,
        stats: codec::json(&r, 4, "reconcile stats")?,
    };
    let state = match (
        r.get::<Option<String>>(5)?,
        r.get::<Option<String>>(6)?,
        r.get::<Option<i64>>(7)?,
        r.get::<Option<i64>>(8)?,
    ) {
        (Some(_), Some(decisions_sha256), Some(covered_through), Some(covered_rows)) => {
            Some(ReconcileState {
                model: codec::json(&r, 5, "reconcile model")?,
                decisions_sha256,
                covered_through,
                covered_rows,
            })
        }
        _ => None,
    };
    Ok(Some((run, state)))
}

pub(crate) async fn runs(db: &Db, limit: u32) -> Result<Vec<ReconcileRun>> {
    db.fetch_all(
        "SELECT id, run_at, config_sha256, input_sha256, stats FROM reconcile_runs \
         ORDER BY id DESC LIMIT $1",
        vec![i64::from(limit).into()],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(ReconcileRun {
            id: r.get(0)?,
            run_at: r.get(1)?,
            config_sha256: r.get(2)?,
            input_sha256: r.get(3)?,
            stats: codec::json(r, 4, "reconcile stats")?,
        })
    })
    .collect()
}
