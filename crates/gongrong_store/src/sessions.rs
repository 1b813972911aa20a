//! Signing in and sessions: the login rate limit and lockout (stored, so a restart forgets
//! nothing), sessions with an absolute and an idle expiry, and the per-session CSRF token.

use crate::access::Access;
use crate::audit::{self, Event};
use crate::db::{Conn, Db};
use crate::users::{USER_COLUMNS, user};
use crate::{Result, User};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

/// The login limits. A username (known or not) is locked after `user_failures` failures within
/// `window`, for `lock`; an address is refused after `address_failures` failures within
/// `window`, until the window ends. A successful sign-in clears the username's count; an
/// administrator can unlock a username.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoginLimits {
    pub user_failures: u32,
    pub address_failures: u32,
    pub window: Duration,
    pub lock: Duration,
}

impl Default for LoginLimits {
    fn default() -> Self {
        LoginLimits {
            user_failures: 5,
            address_failures: 20,
            window: Duration::minutes(15),
            lock: Duration::minutes(15),
        }
    }
}

/// Whether a sign-in may be attempted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum LoginGate {
    Open,
    /// Refused until then (the username or the address is locked).
    Locked {
        until: DateTime<Utc>,
    },
}

/// A signed-in session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    pub user: User,
    /// The synchronizer token every state-changing request of this session must carry.
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
}

/// The session settings: absolute lifetime (`expires_at` at creation) and idle timeout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionLimits {
    pub idle: Duration,
}

fn user_key(username: &str) -> String {
    format!("user:{}", username.chars().take(64).collect::<String>())
}

fn addr_key(addr: &str) -> String {
    format!("addr:{addr}")
}

async fn locked_until(db: &Db, key: &str, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>> {
    let row = db
        .fetch_optional(
            "SELECT locked_until FROM login_throttle WHERE key = $1",
            vec![key.into()],
        )
        .await?;
    let until: Option<DateTime<Utc>> = match row {
        Some(r) => r.get(0)?,
        None => None,
    };
    Ok(until.filter(|u| *u > now))
}

pub(crate) async fn login_gate(
    db: &Db,
    username: &str,
    addr: Option<&str>,
    now: DateTime<Utc>,
) -> Result<LoginGate> {
    let mut until = locked_until(db, &user_key(username), now).await?;
    if let Some(addr) = addr
        && let Some(a) = locked_until(db, &addr_key(addr), now).await?
    {
        until = Some(until.map_or(a, |u| u.max(a)));
    }
    Ok(until.map_or(LoginGate::Open, |until| LoginGate::Locked { until }))
}

/// Counts one failure for `key`; returns the lock it caused, if any.
async fn count_failure(
    conn: &mut Conn<'_>,
    key: &str,
    now: DateTime<Utc>,
    max: u32,
    window: Duration,
    lock: Duration,
) -> Result<Option<DateTime<Utc>>> {
    let row = conn
        .fetch_optional(
            "SELECT failures, window_start FROM login_throttle WHERE key = $1",
            vec![key.into()],
        )
        .await?;
    let (failures, start) = match row {
        Some(r) => {
            let (f, s): (i64, DateTime<Utc>) = (r.get(0)?, r.get(1)?);
            if now - s >= window {
                (1, now)
            } else {
                (f + 1, s)
            }
        }
        None => (1, now),
    };
    let locked = (failures >= i64::from(max)).then_some(now + lock);
    conn.execute(
        "INSERT INTO login_throttle (key, failures, window_start, locked_until) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, \
         window_start = excluded.window_start, locked_until = excluded.locked_until",
        vec![key.into(), failures.into(), start.into(), locked.into()],
    )
    .await?;
    Ok(locked)
}

/// Records a failed sign-in for the username and the address, audited; returns the lock it
/// caused, if any.
pub(crate) async fn login_failed(
    db: &Db,
    username: &str,
    addr: Option<&str>,
    channel: &str,
    now: DateTime<Utc>,
    limits: &LoginLimits,
) -> Result<Option<DateTime<Utc>>> {
    let mut tx = db.begin().await?;
    // Write-lock first: this transaction reads the counters before it writes them.
    audit::lock(&mut tx.conn()).await?;
    let actor: String = username.chars().take(64).collect();
    let mut lock = count_failure(
        &mut tx.conn(),
        &user_key(username),
        now,
        limits.user_failures,
        limits.window,
        limits.lock,
    )
    .await?;
    if let Some(addr) = addr
        && let Some(a) = count_failure(
            &mut tx.conn(),
            &addr_key(addr),
            now,
            limits.address_failures,
            limits.window,
            limits.window,
        )
        .await?
    {
        lock = Some(lock.map_or(a, |l| l.max(a)));
    }
    let detail = match lock {
        Some(until) => format!("locked until {}", audit::instant_text(until)),
        None => String::new(),
    };
    audit::append(
        &mut tx.conn(),
        &[Event::anonymous(
            now,
            &actor,
            channel,
            addr,
            "session.login_failed",
            "session",
            detail,
        )],
    )
    .await?;
    tx.commit().await?;
    Ok(lock)
}

/// Creates a session for the access's user (a successful sign-in): clears the username's
/// failure count, audited as `session.login`.
pub(crate) async fn create_session(
    db: &Db,
    access: &Access,
    token_sha256: &str,
    csrf_token: &str,
    expires_at: DateTime<Utc>,
) -> Result<()> {
    let Some(user) = access.user_ref() else {
        return Err(crate::StoreError::Invalid(
            "only users have sessions".into(),
        ));
    };
    let now = access.time();
    let mut tx = db.begin().await?;
    tx.conn()
        .execute(
            "INSERT INTO sessions (token_sha256, user_id, expires_at, csrf_token, created_at, \
             last_seen_at) VALUES ($1, $2, $3, $4, $5, $5)",
            vec![
                token_sha256.into(),
                user.id.into(),
                expires_at.into(),
                csrf_token.into(),
                now.into(),
            ],
        )
        .await?;
    tx.conn()
        .execute(
            "DELETE FROM login_throttle WHERE key = $1",
            vec![user_key(&user.username).into()],
        )
        .await?;
    audit::append(
        &mut tx.conn(),
        &[Event::new(
            access,
            "session.login",
            format!("user:{}", user.username),
            "",
        )],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Don't write `last_seen_at` more often than this (a write per request would cost more than
/// the idle timeout needs).
const TOUCH_EVERY: i64 = 60;

/// The session's user unless the session expired (absolute: `expires_at <= now`; idle: no use
/// for `limits.idle`) or the account was disabled.
pub(crate) async fn session(
    db: &Db,
    token_sha256: &str,
    now: DateTime<Utc>,
    limits: &SessionLimits,
) -> Result<Option<Session>> {
    let sql = format!(
        "SELECT {USER_COLUMNS}, s.expires_at, s.last_seen_at, s.csrf_token, s.created_at, \
         u.disabled FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_sha256 = $1"
    );
    let Some(r) = db.fetch_optional(&sql, vec![token_sha256.into()]).await? else {
        return Ok(None);
    };
    // Compared here rather than in SQL: SQLite keeps instants as text.
    let expires_at: DateTime<Utc> = r.get(6)?;
    let last_seen: DateTime<Utc> = r.get(7)?;
    let csrf_token: String = r.get(8)?;
    let disabled: bool = r.get(10)?;
    if expires_at <= now || last_seen + limits.idle <= now || disabled || csrf_token.is_empty() {
        return Ok(None);
    }
    if (now - last_seen).num_seconds() >= TOUCH_EVERY {
        db.execute(
            "UPDATE sessions SET last_seen_at = $1 WHERE token_sha256 = $2",
            vec![now.into(), token_sha256.into()],
        )
        .await?;
    }
    Ok(Some(Session {
        user: user(&r)?,
        csrf_token,
        created_at: r.get(9)?,
    }))
}

/// Ends a session (sign-out), audited when it existed.
pub(crate) async fn end_session(db: &Db, access: &Access, token_sha256: &str) -> Result<bool> {
    let mut tx = db.begin().await?;
    let n = tx
        .conn()
        .execute(
            "DELETE FROM sessions WHERE token_sha256 = $1",
            vec![token_sha256.into()],
        )
        .await?;
    if n > 0 {
        audit::append(
            &mut tx.conn(),
            &[Event::new(
                access,
                "session.logout",
                format!("user:{}", access.actor_name()),
                "",
            )],
        )
        .await?;
    }
    tx.commit().await?;
    Ok(n > 0)
}

/// Removes every session expired at `now` (absolute or idle); returns how many.
pub(crate) async fn delete_expired(
    db: &Db,
    now: DateTime<Utc>,
    limits: &SessionLimits,
) -> Result<u64> {
    // Candidates are read and compared in Rust (SQLite keeps instants as text).
    let rows = db
        .fetch_all(
            "SELECT token_sha256, expires_at, last_seen_at FROM sessions",
            vec![],
        )
        .await?;
    let mut removed = 0;
    for r in &rows {
        let expires_at: DateTime<Utc> = r.get(1)?;
        let last_seen: DateTime<Utc> = r.get(2)?;
        if expires_at <= now || last_seen + limits.idle <= now {
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

/// Clears a username's lock and failure count (an administrator's unlock), audited.
pub(crate) async fn unlock(db: &Db, access: &Access, username: &str) -> Result<bool> {
    access.require(crate::access::Permission::ManageUsers)?;
    let mut tx = db.begin().await?;
    let n = tx
        .conn()
        .execute(
            "DELETE FROM login_throttle WHERE key = $1",
            vec![user_key(username).into()],
        )
        .await?;
    audit::append(
        &mut tx.conn(),
        &[Event::new(
            access,
            "user.unlock",
            format!("user:{username}"),
            if n > 0 {
                "lock cleared"
            } else {
                "was not locked"
            },
        )],
    )
    .await?;
    tx.commit().await?;
    Ok(n > 0)
}
