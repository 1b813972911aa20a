//! Users, sessions and the audit log.

use crate::codec;
use crate::db::{Db, Row};
use crate::{AuditEvent, NewUser, Result, User};
use chrono::{DateTime, Utc};

const USER_COLUMNS: &str = "u.id, u.username, u.display_name, u.role, u.area, u.department";

fn user(r: &Row) -> Result<User> {
    Ok(User {
        id: r.get(0)?,
        username: r.get(1)?,
        display_name: r.get(2)?,
        role: codec::role(r, 3)?,
        area: codec::region(r, 4)?,
        department: r.get(5)?,
    })
}

pub(crate) async fn upsert_user(db: &Db, u: &NewUser) -> Result<i64> {
    db.fetch_one(
        "INSERT INTO users (username, display_name, role, area, department, password_hash) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (username) DO UPDATE SET display_name = excluded.display_name, \
         role = excluded.role, area = excluded.area, department = excluded.department, \
         password_hash = excluded.password_hash \
         RETURNING id",
        vec![
            u.username.as_str().into(),
            u.display_name.as_str().into(),
            u.role.code().into(),
            u.area.as_str().into(),
            u.department.clone().into(),
            u.password_hash.as_str().into(),
        ],
    )
    .await?
    .get(0)
}

pub(crate) async fn user_for_login(db: &Db, username: &str) -> Result<Option<(User, String)>> {
    let sql = format!("SELECT {USER_COLUMNS}, u.password_hash FROM users u WHERE u.username = $1");
    db.fetch_optional(&sql, vec![username.into()])
        .await?
        .map(|r| Ok((user(&r)?, r.get(6)?)))
        .transpose()
}

pub(crate) async fn create_session(
    db: &Db,
    token_sha256: &str,
    user_id: i64,
    expires_at: DateTime<Utc>,
) -> Result<()> {
    db.execute(
        "INSERT INTO sessions (token_sha256, user_id, expires_at) VALUES ($1, $2, $3)",
        vec![token_sha256.into(), user_id.into(), expires_at.into()],
    )
    .await?;
    Ok(())
}

/// The session's user unless the session has expired (`expires_at <= now`).
pub(crate) async fn session_user(
    db: &Db,
    token_sha256: &str,
    now: DateTime<Utc>,
) -> Result<Option<User>> {
    let sql = format!(
        "SELECT {USER_COLUMNS}, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.token_sha256 = $1"
    );
    let Some(r) = db.fetch_optional(&sql, vec![token_sha256.into()]).await? else {
        return Ok(None);
    };
    // Compared here rather than in SQL: SQLite keeps instants as text.
    let expires_at: DateTime<Utc> = r.get(6)?;
    if expires_at <= now {
        return Ok(None);
    }
    user(&r).map(Some)
}

pub(crate) async fn delete_session(db: &Db, token_sha256: &str) -> Result<()> {
    db.execute(
        "DELETE FROM sessions WHERE token_sha256 = $1",
        vec![token_sha256.into()],
    )
    .await?;
    Ok(())
}

/// Removes sessions that expired at or before `now`; returns how many.
pub(crate) async fn delete_expired_sessions(db: &Db, now: DateTime<Utc>) -> Result<u64> {
    // Candidates are read and compared in Rust (SQLite keeps instants as text).
    let rows = db
        .fetch_all("SELECT token_sha256, expires_at FROM sessions", vec![])
        .await?;
    let mut removed = 0;
    for r in &rows {
        let expires_at: DateTime<Utc> = r.get(1)?;
        if expires_at <= now {
            let token: String = r.get(0)?;
            removed += db
                .execute(
                    "DELETE FROM sessions WHERE token_sha256 = $1",
                    vec![token.into()],
                )
                .await?;
        }
    }
    Ok(removed)
}

pub(crate) async fn audit(db: &Db, e: &AuditEvent) -> Result<()> {
    db.execute(
        "INSERT INTO audit_events (at, actor, action, target, detail, remote_addr) \
         VALUES ($1, $2, $3, $4, $5, $6)",
        vec![
            e.at.into(),
            e.actor.as_str().into(),
            e.action.as_str().into(),
            e.target.as_str().into(),
            e.detail.as_str().into(),
            e.remote_addr.clone().into(),
        ],
    )
    .await?;
    Ok(())
}

/// The newest `limit` events, newest first.
pub(crate) async fn audit_events(db: &Db, limit: u32) -> Result<Vec<AuditEvent>> {
    db.fetch_all(
        "SELECT at, actor, action, target, detail, remote_addr FROM audit_events \
         ORDER BY id DESC LIMIT $1",
        vec![i64::from(limit).into()],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(AuditEvent {
            at: r.get(0)?,
            actor: r.get(1)?,
            action: r.get(2)?,
            target: r.get(3)?,
            detail: r.get(4)?,
            remote_addr: r.get(5)?,
        })
    })
    .collect()
}
