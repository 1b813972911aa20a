//! User accounts: created and changed by administrators (or commands), every change audited;
//! a change of role, area, department, password or status ends the user's sessions, so that new
//! privileges only ever come with a new session token.

use crate::access::{Access, Permission, policy};
use crate::audit::{self, Event};
use crate::codec;
use crate::db::{Db, Row};
use crate::{NewUser, Result, StoreError, User};
use chrono::{DateTime, Utc};
use gongrong_domain::{RegionCode, Role};
use serde::Serialize;

pub(crate) const USER_COLUMNS: &str =
    "u.id, u.username, u.display_name, u.role, u.area, u.department";

pub(crate) fn user(r: &Row) -> Result<User> {
    Ok(User {
        id: r.get(0)?,
        username: r.get(1)?,
        display_name: r.get(2)?,
        role: codec::role(r, 3)?,
        area: codec::region(r, 4)?,
        department: r.get(5)?,
    })
}

/// An account as administrators see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UserAccount {
    pub user: User,
    pub disabled: bool,
    /// Until when sign-in is refused after repeated failures (`None`: not locked).
    pub locked_until: Option<DateTime<Utc>>,
    /// Failed sign-ins in the current window.
    pub failed_logins: u64,
}

/// A change to an account's name, role, area or department (`None`: unchanged).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserChange {
    pub display_name: Option<String>,
    pub role: Option<Role>,
    pub area: Option<RegionCode>,
    /// `Some(None)` clears the department.
    pub department: Option<Option<String>>,
}

/// Refuses accounts the role rules would make useless or too wide (a village clerk whose area
/// is a town), and malformed names.
pub(crate) fn validate(
    username: &str,
    display_name: &str,
    role: Role,
    area: &RegionCode,
    department: Option<&str>,
) -> Result<()> {
    let invalid = |m: String| Err(StoreError::Invalid(m));
    let name_ok = !username.is_empty()
        && username.chars().count() <= 64
        && username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if !name_ok {
        return invalid(format!(
            "username {username:?}: 1–64 characters of a–z, A–Z, 0–9, _ - ."
        ));
    }
    if display_name.trim().is_empty()
        || display_name.chars().count() > 100
        || display_name.chars().any(char::is_control)
    {
        return invalid("display name: 1–100 characters, no control characters".into());
    }
    if let Some(level) = policy::area_level(role)
        && area.level() != level
    {
        return invalid(format!(
            "a {} works in a region of level {level:?}; {area} is a {:?}",
            role.en(),
            area.level()
        ));
    }
    let department = department.map(str::trim).filter(|d| !d.is_empty());
    match (role, department) {
        (Role::DepartmentOfficer, None) => {
            invalid("a department officer needs a department".into())
        }
        (Role::DepartmentOfficer, Some(d))
            if d.chars().count() > 40 || d.chars().any(char::is_control) =>
        {
            invalid("department: at most 40 characters, no control characters".into())
        }
        (Role::DepartmentOfficer, _) => Ok(()),
        (_, Some(_)) => invalid(format!("a {} has no department", role.en())),
        (_, None) => Ok(()),
    }
}

async fn find(db: &Db, username: &str) -> Result<Option<(User, String, bool)>> {
    let sql = format!(
        "SELECT {USER_COLUMNS}, u.password_hash, u.disabled FROM users u WHERE u.username = $1"
    );
    db.fetch_optional(&sql, vec![username.into()])
        .await?
        .map(|r| Ok((user(&r)?, r.get(6)?, r.get(7)?)))
        .transpose()
}

fn describe(u: &NewUser) -> String {
    format!(
        "role {}, area {}{}",
        u.role.code(),
        u.area,
        u.department
            .as_deref()
            .map(|d| format!(", department {d}"))
            .unwrap_or_default()
    )
}

/// Creates the user, or updates name, role, area, department and password of an existing one.
pub(crate) async fn upsert_user(db: &Db, access: &Access, u: &NewUser) -> Result<i64> {
    access.require(Permission::ManageUsers)?;
    validate(
        &u.username,
        &u.display_name,
        u.role,
        &u.area,
        u.department.as_deref(),
    )?;
    let department = u
        .department
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty());
    let before = find(db, &u.username).await?;
    let mut tx = db.begin().await?;
    let id: i64 = tx
        .conn()
        .fetch_one(
            "INSERT INTO users (username, display_name, role, area, department, password_hash) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (username) DO UPDATE SET display_name = excluded.display_name, \
             role = excluded.role, area = excluded.area, department = excluded.department, \
             password_hash = excluded.password_hash \
             RETURNING id",
            vec![
                u.username.as_str().into(),
                u.display_name.trim().into(),
                u.role.code().into(),
                u.area.as_str().into(),
                department.into(),
                u.password_hash.as_str().into(),
            ],
        )
        .await?
        .get(0)?;
    let action = match &before {
        None => "user.create",
        Some((old, hash, _)) => {
            if old.role != u.role
                || old.area != u.area
                || old.department.as_deref() != department
                || *hash != u.password_hash
            {
                end_sessions(&mut tx.conn(), id).await?;
            }
            "user.update"
        }
    };
    audit::append(
        &mut tx.conn(),
        &[Event::new(
            access,
            action,
            format!("user:{}", u.username),
            describe(u),
        )],
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

async fn end_sessions(conn: &mut crate::db::Conn<'_>, user_id: i64) -> Result<u64> {
    conn.execute(
        "DELETE FROM sessions WHERE user_id = $1",
        vec![user_id.into()],
    )
    .await
}

fn not_found(username: &str) -> StoreError {
    StoreError::NotFound(format!("user {username:?}"))
}

pub(crate) async fn update_user(
    db: &Db,
    access: &Access,
    username: &str,
    change: &UserChange,
) -> Result<User> {
    access.require(Permission::ManageUsers)?;
    let (old, _, _) = find(db, username)
        .await?
        .ok_or_else(|| not_found(username))?;
    let new = User {
        display_name: change
            .display_name
            .as_deref()
            .map_or_else(|| old.display_name.clone(), |n| n.trim().to_owned()),
        role: change.role.unwrap_or(old.role),
        area: change.area.unwrap_or(old.area),
        department: match &change.department {
            Some(d) => d
                .as_deref()
                .map(str::trim)
                .filter(|d| !d.is_empty())
                .map(str::to_owned),
            None => old.department.clone(),
        },
        ..old.clone()
    };
    validate(
        &new.username,
        &new.display_name,
        new.role,
        &new.area,
        new.department.as_deref(),
    )?;
    let mut tx = db.begin().await?;
    tx.conn()
        .execute(
            "UPDATE users SET display_name = $1, role = $2, area = $3, department = $4 \
             WHERE id = $5",
            vec![
                new.display_name.as_str().into(),
                new.role.code().into(),
                new.area.as_str().into(),
                new.department.clone().into(),
                new.id.into(),
            ],
        )
        .await?;
    let privileges_changed =
        old.role != new.role || old.area != new.area || old.department != new.department;
    if privileges_changed {
        end_sessions(&mut tx.conn(), new.id).await?;
    }
    let detail = format!(
        "role {} → {}, area {} → {}, department {} → {}{}",
        old.role.code(),
        new.role.code(),
        old.area,
        new.area,
        old.department.as_deref().unwrap_or("-"),
        new.department.as_deref().unwrap_or("-"),
        if privileges_changed {
            "; sessions ended"
        } else {
            ""
        }
    );
    audit::append(
        &mut tx.conn(),
        &[Event::new(
            access,
            "user.update",
            format!("user:{username}"),
            detail,
        )],
    )
    .await?;
    tx.commit().await?;
    Ok(new)
}

/// Sets a new password hash; ends the user's sessions.
pub(crate) async fn set_password(
    db: &Db,
    access: &Access,
    username: &str,
    password_hash: &str,
) -> Result<()> {
    access.require(Permission::ManageUsers)?;
    let (u, _, _) = find(db, username)
        .await?
        .ok_or_else(|| not_found(username))?;
    let mut tx = db.begin().await?;
    tx.conn()
        .execute(
            "UPDATE users SET password_hash = $1 WHERE id = $2",
            vec![password_hash.into(), u.id.into()],
        )
        .await?;
    end_sessions(&mut tx.conn(), u.id).await?;
    audit::append(
        &mut tx.conn(),
        &[Event::new(
            access,
            "user.password_reset",
            format!("user:{username}"),
            "sessions ended",
        )],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Disables (no sign-in, sessions ended) or enables an account.
pub(crate) async fn set_disabled(
    db: &Db,
    access: &Access,
    username: &str,
    disabled: bool,
) -> Result<()> {
    access.require(Permission::ManageUsers)?;
    let (u, _, _) = find(db, username)
        .await?
        .ok_or_else(|| not_found(username))?;
    if disabled && access.user_ref().is_some_and(|me| me.id == u.id) {
        return Err(StoreError::Invalid(
            "administrators cannot disable their own account".into(),
        ));
    }
    let mut tx = db.begin().await?;
    tx.conn()
        .execute(
            "UPDATE users SET disabled = $1 WHERE id = $2",
            vec![disabled.into(), u.id.into()],
        )
        .await?;
    if disabled {
        end_sessions(&mut tx.conn(), u.id).await?;
    }
    let action = if disabled {
        "user.disable"
    } else {
        "user.enable"
    };
    audit::append(
        &mut tx.conn(),
        &[Event::new(access, action, format!("user:{username}"), "")],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Every account, by username, with its lock state at `now`.
pub(crate) async fn users(
    db: &Db,
    access: &Access,
    now: DateTime<Utc>,
) -> Result<Vec<UserAccount>> {
    access.require(Permission::ManageUsers)?;
    let sql = format!(
        "SELECT {USER_COLUMNS}, u.disabled, t.failures, t.locked_until FROM users u \
         LEFT JOIN login_throttle t ON t.key = 'user:' || u.username ORDER BY u.username"
    );
    db.fetch_all(&sql, vec![])
        .await?
        .iter()
        .map(|r| {
            let locked_until: Option<DateTime<Utc>> = r.get(8)?;
            let failures: Option<i64> = r.get(7)?;
            Ok(UserAccount {
                user: user(r)?,
                disabled: r.get(6)?,
                locked_until: locked_until.filter(|t| *t > now),
                failed_logins: failures.map_or(0, |f| f.max(0) as u64),
            })
        })
        .collect()
}

/// The user and their password hash, for signing in; `None` for unknown or disabled accounts.
pub(crate) async fn user_for_login(db: &Db, username: &str) -> Result<Option<(User, String)>> {
    Ok(find(db, username)
        .await?
        .filter(|(_, _, disabled)| !disabled)
        .map(|(u, hash, _)| (u, hash)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap()
    }

    #[test]
    fn accounts_must_fit_their_role() {
        let v = code("370305100201");
        let town = code("370305100");
        let district = code("370305");
        assert!(validate("clerk", "C", Role::VillageClerk, &v, None).is_ok());
        assert!(validate("clerk", "C", Role::VillageClerk, &town, None).is_err());
        assert!(validate("cw", "C", Role::TownCaseworker, &district, None).is_err());
        assert!(validate("edu", "E", Role::DepartmentOfficer, &district, None).is_err());
        assert!(validate("edu", "E", Role::DepartmentOfficer, &district, Some("教育")).is_ok());
        assert!(validate("a", "A", Role::Auditor, &district, Some("教育")).is_err());
        assert!(validate("bad name", "A", Role::Admin, &district, None).is_err());
        assert!(validate("x", " ", Role::Admin, &district, None).is_err());
    }
}
