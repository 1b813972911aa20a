//! Reconciliation: the clerical-review queue with its decisions, and the log of reconcile runs.
//!
//! A pair is keyed by its two staging ids (smaller first). Replacing the queue upserts every
//! given pair (its id and any decision survive) and deletes the pending pairs that are no longer
//! proposed; decided pairs are never deleted, so decisions bind every later run. A pair is visible
//! to a caller only when both of its rows lie in the caller's scope (their villages in the area;
//! for a department, rows of its listed people).

use crate::access::{Access, Permission};
use crate::audit::{self, Event};
use crate::codec::{self, to_json};
use crate::db::{Db, Params, Row};
use crate::mask::Masker;
use crate::record_view::{RecordView, differences};
use crate::{
    NewReconcileRun, NewReviewPair, ReconcileRun, ReconcileState, Result, ReviewDecision,
    ReviewFilter, ReviewPair, ReviewPairSummary, ReviewVerdict, Store, StoreError,
};
use chrono::{DateTime, Utc};
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

/// Both rows of the pair `q` (or another alias) in the access's scope.
fn in_scope(access: &Access, q: &str, params: &mut Params) -> String {
    let scope = access.people();
    let l = scope.staging("sl", params);
    let r = scope.staging("sr", params);
    format!(
        "EXISTS (SELECT 1 FROM staging_records sl, staging_records sr \
         WHERE sl.id = {q}.left_staging_id AND sr.id = {q}.right_staging_id AND {l} AND {r})"
    )
}

pub(crate) async fn replace_queue(
    db: &Db,
    access: &Access,
    pairs: &[NewReviewPair],
    at: DateTime<Utc>,
    delete_unproposed: bool,
) -> Result<u64> {
    access.require(Permission::RunJobs)?;
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
    let mut removed = 0u64;
    for (key, (id, decided)) in &existing {
        if delete_unproposed && !decided && !proposed.contains(key) {
            removed += tx
                .conn()
                .execute("DELETE FROM review_pairs WHERE id = $1", vec![(*id).into()])
                .await?;
        }
    }
    let action = if delete_unproposed {
        "review.queue_replace"
    } else {
        "review.queue_extend"
    };
    audit::append(
        &mut tx.conn(),
        &[Event::new(
            access,
            action,
            "review",
            format!(
                "{} pairs proposed, {added} new, {removed} removed",
                proposed.len()
            ),
        )],
    )
    .await?;
    tx.commit().await?;
    Ok(added)
}

pub(crate) async fn queue(
    db: &Db,
    access: &Access,
    filter: ReviewFilter,
    page: u32,
    page_size: u32,
) -> Result<(Vec<ReviewPairSummary>, u64)> {
    access.require(Permission::ReadReview)?;
    let condition = match filter {
        ReviewFilter::Pending => "q.verdict IS NULL AND ",
        ReviewFilter::Decided => "q.verdict IS NOT NULL AND ",
        ReviewFilter::All => "",
    };
    let mut params = Params::default();
    let scoped = in_scope(access, "q", &mut params);
    let count_args = params.clone().into_vec();
    let total = db
        .fetch_one(
            &format!("SELECT COUNT(*) FROM review_pairs q WHERE {condition}{scoped}"),
            count_args,
        )
        .await?
        .count(0)?;
    let size = match page_size {
        0 => crate::DEFAULT_PAGE_SIZE,
        n => n.min(crate::MAX_PAGE_SIZE),
    };
    let limit = params.push(i64::from(size).into());
    let offset = params.push((i64::from(page) * i64::from(size)).into());
    let sql = format!(
        "SELECT q.id, l.name, r.name, l.register, r.register, l.village, \
         COALESCE((SELECT g.name FROM regions g WHERE g.code = l.village), ''), \
         q.weight, q.probability, q.verdict, q.decided_by, q.decided_at, q.note \
         FROM review_pairs q, staging_records l, staging_records r \
         WHERE {condition}{scoped} AND l.id = q.left_staging_id AND r.id = q.right_staging_id \
         ORDER BY q.weight DESC, q.id LIMIT {limit} OFFSET {offset}"
    );
    let rows = db.fetch_all(&sql, params.into_vec()).await?;
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

/// The pair (audited, a miss too), masked for the reader.
pub(crate) async fn pair(store: &Store, access: &Access, id: i64) -> Result<Option<ReviewPair>> {
    access.require(Permission::ReadReview)?;
    let found = read_pair(&store.db, access, id).await?;
    let detail = found.as_ref().map(|_| String::new());
    audit::record_read(&store.audit, access, "review", id, detail).await?;
    Ok(found)
}

async fn read_pair(db: &Db, access: &Access, id: i64) -> Result<Option<ReviewPair>> {
    let mut params = Params::default();
    params.push(id.into());
    let scoped = in_scope(access, "q", &mut params);
    let sql = format!(
        "SELECT q.left_staging_id, q.right_staging_id, q.weight, q.probability, q.explanation, \
         q.verdict, q.decided_by, q.decided_at, q.note FROM review_pairs q \
         WHERE q.id = $1 AND {scoped}"
    );
    let Some(row) = db.fetch_optional(&sql, params.into_vec()).await? else {
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
    let masker = Masker::new(access);
    let differs = differences(&left.record, &right.record);
    Ok(Some(ReviewPair {
        id,
        left: RecordView::new(left, &masker),
        right: RecordView::new(right, &masker),
        weight: row.get(2)?,
        probability: row.get(3)?,
        explanation: codec::json(&row, 4, "review explanation")?,
        decision: decision(&row, 5)?,
        differs,
    }))
}

/// Records (or overwrites) the access's decision on a pair in its scope, with the audit record
/// in the same transaction. `None` when the pair does not exist or lies outside the scope
/// (audited as `review.decide_denied`).
pub(crate) async fn decide(
    store: &Store,
    access: &Access,
    id: i64,
    verdict: ReviewVerdict,
    note: &str,
) -> Result<Option<ReviewDecision>> {
    access.require(Permission::DecideReview)?;
    let note = note.trim();
    if note.chars().count() > MAX_NOTE_CHARS {
        return Err(StoreError::Invalid(format!(
            "note: at most {MAX_NOTE_CHARS} characters"
        )));
    }
    if note
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r')
    {
        return Err(StoreError::Invalid("note: control characters".into()));
    }
    let d = ReviewDecision {
        verdict,
        decided_by: access.actor_name().to_owned(),
        decided_at: access.time(),
        note: note.to_owned(),
    };
    let code = verdict_code(verdict);
    let mut params = Params::default();
    for arg in [
        code.into(),
        d.decided_by.as_str().into(),
        d.decided_at.into(),
        d.note.as_str().into(),
        id.into(),
    ] {
        params.push(arg);
    }
    let scoped = in_scope(access, "review_pairs", &mut params);
    let sql = format!(
        "UPDATE review_pairs SET verdict = $1, decided_by = $2, decided_at = $3, note = $4 \
         WHERE id = $5 AND {scoped}"
    );
    let mut tx = store.db.begin().await?;
    let n = tx.conn().execute(&sql, params.into_vec()).await?;
    if n == 0 {
        drop(tx);
        store
            .audit
            .append(vec![Event::new(
                access,
                "review.decide_denied",
                format!("review:{id}"),
                format!("{code}; not found or out of scope"),
            )])
            .await?;
        return Ok(None);
    }
    let detail = if note.is_empty() {
        code.to_owned()
    } else {
        format!("{code}; note: {note}")
    };
    audit::append(
        &mut tx.conn(),
        &[Event::new(
            access,
            "review.decide",
            format!("review:{id}"),
            detail,
        )],
    )
    .await?;
    tx.commit().await?;
    Ok(Some(d))
}

/// Longest reviewer note.
pub const MAX_NOTE_CHARS: usize = 500;

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
    access: &Access,
    run: &NewReconcileRun,
    state: Option<&ReconcileState>,
) -> Result<i64> {
    access.require(Permission::RunJobs)?;
    let mut tx = db.begin().await?;
    let id: i64 = tx
        .conn()
        .fetch_one(
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
        .get(0)?;
    audit::append(
        &mut tx.conn(),
        &[Event::new(
            access,
            "reconcile.run",
            format!("reconcile_run:{id}"),
            format!("input {}", run.input_sha256),
        )],
    )
    .await?;
    tx.commit().await?;
    Ok(id)
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
