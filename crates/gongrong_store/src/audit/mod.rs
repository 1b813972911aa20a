//! The audit chain: an append-only log of every change and every read of a sensitive record,
//! each record hash-chained to the one before it.
//!
//! **Canonical serialisation.** A record's `hash` is the lowercase hex SHA-256 of the UTF-8
//! compact JSON array
//! `["gongrong-audit/1", prev_hash, at, actor, channel, origin, action, target, detail]`
//! (strings as serde_json writes them, `origin` `null` when absent, `at` as
//! `YYYY-MM-DDTHH:MM:SS.ffffffZ`, the exact text stored). `prev_hash` is the previous record's
//! hash, 64 zeros for the first. `seq` numbers records 1, 2, 3, … without gaps and is the
//! storage order; the one-row `audit_head` holds the last `seq` and `hash`.
//!
//! **Appending.** Every append locks the head row first (`UPDATE audit_head … RETURNING`, which
//! takes PostgreSQL's row lock and SQLite's write lock), so the chain stays linear under any
//! number of writers and processes. Changes append inside their own transaction (the change and
//! its record commit together); reads go through the group-commit [`writer`], which batches the
//! events of many requests into one transaction and answers each request after its batch
//! committed.
//!
//! **Verifying** ([`verify`]) walks the chain and reports the first record that was edited
//! (its hash no longer matches), removed (a gap in `seq`, or the tail missing against the head)
//! or reordered (its `prev_hash` is not its predecessor's hash).

pub(crate) mod writer;

use crate::access::Access;
use crate::bulk::Bulk;
use crate::db::{Conn, Db, Params, Row};
use crate::{Result, StoreError};
use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The `prev_hash` of the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
const VERSION: &str = "gongrong-audit/1";

/// One stored audit record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub seq: i64,
    pub at: DateTime<Utc>,
    /// Username, or a system actor's name (`cli:reconcile`).
    pub actor: String,
    /// `web`, `api`, `cli`, …
    pub channel: String,
    /// The client address, or the OS user of a command.
    pub origin: Option<String>,
    /// e.g. `household.read`, `review.decide`, `field.reveal`, `session.login`.
    pub action: String,
    /// e.g. `household:42`.
    pub target: String,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

/// Which records [`crate::Store::audit_log`] lists: newest first, all filters optional.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub actor: Option<String>,
    /// An action or an action prefix ending in `.` (`household.`).
    pub action: Option<String>,
    pub target: Option<String>,
    /// Only records with a smaller `seq` (the next page).
    pub before: Option<i64>,
    /// At most this many (0 means 100, capped at 1,000).
    pub limit: u32,
}

/// What [`verify`] found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChainReport {
    /// Records checked.
    pub records: u64,
    pub head_seq: i64,
    pub head_hash: String,
    /// The first problem, if any.
    pub problem: Option<ChainProblem>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// The record's content no longer matches its hash.
    Edited,
    /// Records are missing before this one (or at the end of the chain).
    Removed,
    /// The record is not linked to the one stored before it.
    Reordered,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChainProblem {
    pub kind: ProblemKind,
    /// The record where the chain breaks.
    pub seq: i64,
    pub message: String,
}

/// An event about to be appended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Event {
    at: String,
    actor: String,
    channel: String,
    origin: Option<String>,
    action: String,
    target: String,
    detail: String,
}

/// The stored (and hashed) text of an instant.
pub(crate) fn instant_text(at: DateTime<Utc>) -> String {
    at.trunc_subsecs(6)
        .format("%Y-%m-%dT%H:%M:%S%.6fZ")
        .to_string()
}

/// Longest detail kept; longer ones are cut (with a marker) so that one request cannot bloat
/// the log.
const MAX_DETAIL_CHARS: usize = 2_000;

/// Cut to `max` characters, with NUL replaced (PostgreSQL text cannot hold it, and one bad
/// event must not fail the batch it is committed with).
fn bounded(s: String, max: usize) -> String {
    let s = if s.contains('\0') {
        s.replace('\0', "\u{fffd}")
    } else {
        s
    };
    if s.chars().count() <= max {
        return s;
    }
    let mut cut: String = s.chars().take(max).collect();
    cut.push('…');
    cut
}

impl Event {
    pub fn new(
        access: &Access,
        action: &str,
        target: impl Into<String>,
        detail: impl Into<String>,
    ) -> Event {
        Event {
            at: instant_text(access.time()),
            actor: bounded(access.actor_name().to_owned(), 200),
            channel: access.channel().to_owned(),
            origin: access.origin().map(|o| bounded(o.to_owned(), 200)),
            action: action.to_owned(),
            target: bounded(target.into(), 200),
            detail: bounded(detail.into(), MAX_DETAIL_CHARS),
        }
    }

    /// An event not tied to an [`Access`] (a failed sign-in, a refused request).
    pub fn anonymous(
        at: DateTime<Utc>,
        actor: &str,
        channel: &str,
        origin: Option<&str>,
        action: &str,
        target: impl Into<String>,
        detail: impl Into<String>,
    ) -> Event {
        Event {
            at: instant_text(at),
            actor: bounded(actor.to_owned(), 200),
            channel: channel.to_owned(),
            origin: origin.map(|o| bounded(o.to_owned(), 200)),
            action: action.to_owned(),
            target: bounded(target.into(), 200),
            detail: bounded(detail.into(), MAX_DETAIL_CHARS),
        }
    }
}

/// Audits the lookup of one record by id: `{kind}.read` with `detail` when it was found, else
/// `{kind}.read_denied` (missing or out of scope: the same to the caller, not to the log).
pub(crate) async fn record_read(
    writer: &writer::AuditWriter,
    access: &Access,
    kind: &str,
    id: i64,
    found: Option<String>,
) -> Result<()> {
    let (action, detail) = match found {
        Some(detail) => (format!("{kind}.read"), detail),
        None => (
            format!("{kind}.read_denied"),
            "not found or out of scope".to_owned(),
        ),
    };
    writer
        .append(vec![Event::new(
            access,
            &action,
            format!("{kind}:{id}"),
            detail,
        )])
        .await
}

/// The canonical serialisation of a record's content after `prev_hash` (see the module docs).
#[allow(clippy::too_many_arguments)]
fn canonical(
    prev_hash: &str,
    at: &str,
    actor: &str,
    channel: &str,
    origin: Option<&str>,
    action: &str,
    target: &str,
    detail: &str,
) -> String {
    serde_json::json!([
        VERSION, prev_hash, at, actor, channel, origin, action, target, detail
    ])
    .to_string()
}

fn digest(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

fn event_hash(prev_hash: &str, e: &Event) -> String {
    digest(&canonical(
        prev_hash,
        &e.at,
        &e.actor,
        &e.channel,
        e.origin.as_deref(),
        &e.action,
        &e.target,
        &e.detail,
    ))
}

const COLUMNS: &[&str] = &[
    "seq",
    "at",
    "actor",
    "channel",
    "origin",
    "action",
    "target",
    "detail",
    "prev_hash",
    "hash",
];

/// Locks the chain's head for the rest of the caller's transaction and returns it. A short
/// transaction that reads before it writes calls this first: on SQLite it takes the write lock
/// up front (a deferred transaction that read first may not upgrade once another connection
/// wrote). Long transactions (imports, registry builds) append at their end instead, so that
/// PostgreSQL's head lock is held only briefly.
pub(crate) async fn lock(conn: &mut Conn<'_>) -> Result<(i64, String)> {
    let head = conn
        .fetch_one(
            "UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, hash",
            vec![],
        )
        .await?;
    Ok((head.get(0)?, head.get(1)?))
}

/// Appends `events` in order on `conn` (inside the caller's transaction): locks the head, links
/// and hashes each record, moves the head. Returns the last `seq`.
pub(crate) async fn append(conn: &mut Conn<'_>, events: &[Event]) -> Result<i64> {
    let (mut seq, mut prev) = lock(conn).await?;
    if events.is_empty() {
        return Ok(seq);
    }
    let mut bulk = Bulk::new("audit_log", COLUMNS).with_capacity(events.len());
    for e in events {
        seq += 1;
        let hash = event_hash(&prev, e);
        bulk.push(vec![
            seq.into(),
            e.at.as_str().into(),
            e.actor.as_str().into(),
            e.channel.as_str().into(),
            e.origin.clone().into(),
            e.action.as_str().into(),
            e.target.as_str().into(),
            e.detail.as_str().into(),
            prev.as_str().into(),
            hash.as_str().into(),
        ])?;
        prev = hash;
    }
    bulk.flush(conn).await?;
    conn.execute(
        "UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1",
        vec![seq.into(), prev.into()],
    )
    .await?;
    Ok(seq)
}

/// Appends in a transaction of its own.
pub(crate) async fn append_now(db: &Db, events: &[Event]) -> Result<i64> {
    let mut tx = db.begin().await?;
    let seq = append(&mut tx.conn(), events).await?;
    tx.commit().await?;
    Ok(seq)
}

fn record(r: &Row) -> Result<AuditRecord> {
    let at: String = r.get(1)?;
    let at = DateTime::parse_from_rfc3339(&at)
        .map_err(|e| StoreError::Corrupt(format!("audit time {at:?}: {e}")))?
        .with_timezone(&Utc);
    Ok(AuditRecord {
        seq: r.get(0)?,
        at,
        actor: r.get(2)?,
        channel: r.get(3)?,
        origin: r.get(4)?,
        action: r.get(5)?,
        target: r.get(6)?,
        detail: r.get(7)?,
        prev_hash: r.get(8)?,
        hash: r.get(9)?,
    })
}

const SELECT: &str = "SELECT seq, at, actor, channel, origin, action, target, detail, prev_hash, hash FROM audit_log";

pub(crate) async fn list(db: &Db, f: &AuditFilter) -> Result<Vec<AuditRecord>> {
    let mut params = Params::default();
    let mut conditions = Vec::new();
    if let Some(actor) = &f.actor {
        conditions.push(format!("actor = {}", params.push(actor.as_str().into())));
    }
    if let Some(action) = &f.action {
        if action.ends_with('.') {
            let pattern = format!("{}%", action.replace(['\\', '%', '_'], ""));
            conditions.push(format!("action LIKE {}", params.push(pattern.into())));
        } else {
            conditions.push(format!("action = {}", params.push(action.as_str().into())));
        }
    }
    if let Some(target) = &f.target {
        conditions.push(format!("target = {}", params.push(target.as_str().into())));
    }
    if let Some(before) = f.before {
        conditions.push(format!("seq < {}", params.push(before.into())));
    }
    let limit = match f.limit {
        0 => 100,
        n => n.min(1_000),
    };
    let filter = if conditions.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conditions.join(" AND "))
    };
    let sql = format!(
        "{SELECT}{filter} ORDER BY seq DESC LIMIT {}",
        params.push(i64::from(limit).into())
    );
    db.fetch_all(&sql, params.into_vec())
        .await?
        .iter()
        .map(record)
        .collect()
}

/// Records read per query while verifying.
const VERIFY_PAGE: i64 = 10_000;

/// Walks the whole chain (see the module docs).
pub(crate) async fn verify(db: &Db) -> Result<ChainReport> {
    let head = db
        .fetch_one("SELECT seq, hash FROM audit_head WHERE id = 1", vec![])
        .await?;
    let (head_seq, head_hash): (i64, String) = (head.get(0)?, head.get(1)?);
    let mut report = ChainReport {
        records: 0,
        head_seq,
        head_hash: head_hash.clone(),
        problem: None,
    };
    let mut expected_seq = 1_i64;
    let mut prev = GENESIS.to_owned();
    let sql = format!("{SELECT} WHERE seq >= $1 ORDER BY seq LIMIT $2");
    loop {
        let rows = db
            .fetch_all(&sql, vec![expected_seq.into(), VERIFY_PAGE.into()])
            .await?;
        for row in &rows {
            let r = record(row)?;
            let problem = check(&r, expected_seq, &prev);
            if problem.is_some() {
                report.problem = problem;
                return Ok(report);
            }
            report.records += 1;
            expected_seq = r.seq + 1;
            prev = r.hash;
        }
        if (rows.len() as i64) < VERIFY_PAGE {
            break;
        }
    }
    let last = expected_seq - 1;
    if last != head_seq || prev != head_hash {
        report.problem = Some(ChainProblem {
            kind: ProblemKind::Removed,
            seq: last + 1,
            message: format!(
                "the chain ends at record {last} but its head says {head_seq}: records \
                 after {last} were removed (or the head was edited)"
            ),
        });
    }
    Ok(report)
}

fn check(r: &AuditRecord, expected_seq: i64, prev: &str) -> Option<ChainProblem> {
    if r.seq != expected_seq {
        return Some(ChainProblem {
            kind: ProblemKind::Removed,
            seq: r.seq,
            message: format!(
                "record {} follows record {}: {} removed",
                r.seq,
                expected_seq - 1,
                if r.seq - expected_seq == 1 {
                    format!("record {expected_seq} was")
                } else {
                    format!("records {expected_seq}–{} were", r.seq - 1)
                }
            ),
        });
    }
    let computed = digest(&canonical(
        &r.prev_hash,
        &instant_text(r.at),
        &r.actor,
        &r.channel,
        r.origin.as_deref(),
        &r.action,
        &r.target,
        &r.detail,
    ));
    if computed != r.hash {
        return Some(ChainProblem {
            kind: ProblemKind::Edited,
            seq: r.seq,
            message: format!(
                "record {}: its content does not match its hash (edited)",
                r.seq
            ),
        });
    }
    if r.prev_hash != prev {
        return Some(ChainProblem {
            kind: ProblemKind::Reordered,
            seq: r.seq,
            message: format!(
                "record {}: not linked to record {} before it (reordered, or moved here)",
                r.seq,
                r.seq - 1
            ),
        });
    }
    None
}

/// Moves events of the pre-chain `audit_events` table (before migration 0004) into the chain,
/// oldest first, in one transaction; afterwards that table is empty.
pub(crate) async fn adopt_legacy(db: &Db) -> Result<u64> {
    let rows = db
        .fetch_all(
            "SELECT at, actor, action, target, detail, remote_addr FROM audit_events ORDER BY id",
            vec![],
        )
        .await?;
    if rows.is_empty() {
        return Ok(0);
    }
    let events = rows
        .iter()
        .map(|r| {
            let at: DateTime<Utc> = r.get(0)?;
            let actor: String = r.get(1)?;
            let origin: Option<String> = r.get(5)?;
            let action: String = r.get(2)?;
            let target: String = r.get(3)?;
            let detail: String = r.get(4)?;
            Ok(Event::anonymous(
                at,
                &actor,
                "legacy",
                origin.as_deref(),
                &action,
                target,
                detail,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    let mut tx = db.begin().await?;
    tx.conn()
        .execute("DELETE FROM audit_events", vec![])
        .await?;
    append(&mut tx.conn(), &events).await?;
    tx.commit().await?;
    Ok(events.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn canonical_form_is_fixed() {
        let at = Utc.with_ymd_and_hms(2026, 1, 5, 9, 30, 0).unwrap();
        assert_eq!(instant_text(at), "2026-01-05T09:30:00.000000Z");
        let c = canonical(GENESIS, "t", "张三", "web", None, "a.b", "x:1", "q=\"1\"");
        assert_eq!(
            c,
            format!(
                r#"["gongrong-audit/1","{GENESIS}","t","张三","web",null,"a.b","x:1","q=\"1\""]"#
            )
        );
        // Field boundaries cannot be shifted: moving text between fields changes the hash.
        let a = canonical(GENESIS, "t", "ab", "web", None, "c", "", "");
        let b = canonical(GENESIS, "t", "a", "web", None, "bc", "", "");
        assert_ne!(digest(&a), digest(&b));
        assert_eq!(digest("abc").len(), 64);
    }

    #[test]
    fn nul_characters_are_replaced() {
        assert_eq!(bounded("a\0b".into(), 10), "a\u{fffd}b");
    }

    #[test]
    fn long_details_are_bounded() {
        let long = "字".repeat(3_000);
        let cut = bounded(long, 10);
        assert_eq!(cut.chars().count(), 11);
        assert!(cut.ends_with('…'));
    }
}
