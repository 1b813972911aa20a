//! User management for administrators: list, create, change role/area/department/name, reset
//! the password (a generated one, shown once), disable, enable, unlock. The store refuses all of
//! it to anyone without the `manage_users` permission, validates accounts against the role rules
//! and audits every change; changing privileges or the password ends the user's sessions.

use askama::Template;
use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use gongrong_domain::{RegionCode, Role};
use gongrong_store::{NewUser, UserAccount, UserChange};
use serde::Deserialize;

use crate::AppState;
use crate::ctx::Auth;
use crate::error::{WebError, WebResult};
use crate::i18n::{fill, strings};
use crate::view::{Layout, area_label, fmt_instant};

pub struct RoleOption {
    pub code: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

fn role_options(lang: gongrong_domain::Lang, current: Option<Role>) -> Vec<RoleOption> {
    Role::ALL
        .into_iter()
        .map(|r| RoleOption {
            code: r.code(),
            label: r.label(lang),
            selected: Some(r) == current,
        })
        .collect()
}

pub struct AccountRow {
    pub username: String,
    pub display_name: String,
    pub role: &'static str,
    pub area: String,
    pub department: String,
    pub status: String,
}

#[derive(Template)]
#[template(path = "admin_users.html")]
pub struct UsersPage {
    pub l: Layout,
    pub rows: Vec<AccountRow>,
    pub roles: Vec<RoleOption>,
}

#[derive(Template)]
#[template(path = "admin_user.html")]
pub struct UserPage {
    pub l: Layout,
    pub username: String,
    pub display_name: String,
    pub area: String,
    pub department: String,
    pub roles: Vec<RoleOption>,
    pub status: String,
    pub disabled: bool,
    pub locked: bool,
    pub saved: bool,
}

#[derive(Template)]
#[template(path = "admin_password.html")]
pub struct PasswordPage {
    pub l: Layout,
    pub username: String,
    pub password: String,
}

fn html(page: &impl Template) -> WebResult<Response> {
    Ok(Html(page.render()?).into_response())
}

fn status(a: &UserAccount, t: &crate::i18n::Strings) -> String {
    let mut parts = vec![if a.disabled {
        t.status_disabled.to_owned()
    } else {
        t.status_active.to_owned()
    }];
    if let Some(until) = a.locked_until {
        parts.push(fill(t.status_locked, &[&fmt_instant(until)]));
    }
    parts.join(" · ")
}

async fn account(state: &AppState, auth: &Auth, username: &str) -> WebResult<UserAccount> {
    state
        .store
        .users(&auth.access)
        .await?
        .into_iter()
        .find(|a| a.user.username == username)
        .ok_or(WebError::NotFound)
}

pub async fn users_page(State(state): State<AppState>, auth: Auth) -> WebResult<Response> {
    let accounts = state.store.users(&auth.access).await?;
    let lang = auth.ctx.lang;
    let t = strings(lang);
    let rows = accounts
        .iter()
        .map(|a| AccountRow {
            username: a.user.username.clone(),
            display_name: a.user.display_name.clone(),
            role: a.user.role.label(lang),
            area: area_label(&state.regions, &a.user.area),
            department: a.user.department.clone().unwrap_or_default(),
            status: status(a, t),
        })
        .collect();
    html(&UsersPage {
        l: Layout::new(&auth.ctx, t.users_title).with_nav("users"),
        rows,
        roles: role_options(lang, None),
    })
}

#[derive(Deserialize)]
pub struct AccountForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    area: String,
    #[serde(default)]
    department: String,
}

fn parse_role(s: &str) -> WebResult<Role> {
    Role::parse(s.trim()).ok_or_else(|| WebError::BadRequest(format!("role {s:?}")))
}

fn parse_area(state: &AppState, s: &str) -> WebResult<RegionCode> {
    let code =
        RegionCode::parse(s.trim()).map_err(|e| WebError::BadRequest(format!("area: {e}")))?;
    state
        .regions
        .check(&code)
        .map_err(|e| WebError::BadRequest(format!("area: {e}")))?;
    Ok(code)
}

fn department(s: &str) -> Option<String> {
    Some(s.trim().to_owned()).filter(|d| !d.is_empty())
}

/// A new password that passes the rules, shown to the administrator once.
fn generated_password(username: &str) -> WebResult<(String, String)> {
    let password = crate::password::generate_password();
    crate::password::check_password(username, &password)
        .map_err(|e| WebError::Internal(format!("generated password refused: {e}")))?;
    let hash = crate::password::hash_password(&password).map_err(WebError::internal)?;
    Ok((password, hash))
}

pub async fn create_user(
    State(state): State<AppState>,
    auth: Auth,
    form: Result<Form<AccountForm>, FormRejection>,
) -> WebResult<Response> {
    let Form(f) = form?;
    let username = f.username.trim().to_owned();
    if state
        .store
        .users(&auth.access)
        .await?
        .iter()
        .any(|a| a.user.username == username)
    {
        return Err(WebError::BadRequest(format!("user {username:?} exists")));
    }
    let role = parse_role(&f.role)?;
    let area = parse_area(&state, &f.area)?;
    let (password, password_hash) = generated_password(&username)?;
    let display_name = if f.display_name.trim().is_empty() {
        username.clone()
    } else {
        f.display_name.trim().to_owned()
    };
    state
        .store
        .upsert_user(
            &auth.access,
            &NewUser {
                username: username.clone(),
                display_name,
                role,
                area,
                department: department(&f.department),
                password_hash,
            },
        )
        .await?;
    let t = strings(auth.ctx.lang);
    html(&PasswordPage {
        l: Layout::new(&auth.ctx, t.users_title).with_nav("users"),
        username,
        password,
    })
}

#[derive(Deserialize, Default)]
pub struct SavedParam {
    saved: Option<String>,
}

pub async fn user_page(
    State(state): State<AppState>,
    auth: Auth,
    Path(username): Path<String>,
    Query(p): Query<SavedParam>,
) -> WebResult<Response> {
    let a = account(&state, &auth, &username).await?;
    let lang = auth.ctx.lang;
    let t = strings(lang);
    html(&UserPage {
        l: Layout::new(
            &auth.ctx,
            &format!("{} · {}", t.users_title, a.user.username),
        )
        .with_nav("users"),
        username: a.user.username.clone(),
        display_name: a.user.display_name.clone(),
        area: a.user.area.to_string(),
        department: a.user.department.clone().unwrap_or_default(),
        roles: role_options(lang, Some(a.user.role)),
        status: status(&a, t),
        disabled: a.disabled,
        locked: a.locked_until.is_some(),
        saved: p.saved.is_some(),
    })
}

fn back_to(username: &str) -> Response {
    let path = serde_urlencoded::to_string([("saved", "1")]).unwrap_or_default();
    let user: String = url_segment(username);
    Redirect::to(&format!("/admin/users/{user}?{path}")).into_response()
}

/// A username as one path segment (usernames are ASCII letters, digits and `_ - .`; anything
/// else is percent-encoded).
fn url_segment(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.') {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

pub async fn update_user(
    State(state): State<AppState>,
    auth: Auth,
    Path(username): Path<String>,
    form: Result<Form<AccountForm>, FormRejection>,
) -> WebResult<Response> {
    let Form(f) = form?;
    let change = UserChange {
        display_name: Some(f.display_name.trim().to_owned()).filter(|n| !n.is_empty()),
        role: Some(parse_role(&f.role)?),
        area: Some(parse_area(&state, &f.area)?),
        department: Some(department(&f.department)),
    };
    state
        .store
        .update_user(&auth.access, &username, &change)
        .await?;
    Ok(back_to(&username))
}

pub async fn user_action(
    State(state): State<AppState>,
    auth: Auth,
    Path((username, action)): Path<(String, String)>,
) -> WebResult<Response> {
    let store = &state.store;
    match action.as_str() {
        "password" => {
            let (password, hash) = generated_password(&username)?;
            store.set_password(&auth.access, &username, &hash).await?;
            let t = strings(auth.ctx.lang);
            html(&PasswordPage {
                l: Layout::new(&auth.ctx, t.users_title).with_nav("users"),
                username,
                password,
            })
        }
        "disable" => {
            store.set_disabled(&auth.access, &username, true).await?;
            Ok(back_to(&username))
        }
        "enable" => {
            store.set_disabled(&auth.access, &username, false).await?;
            Ok(back_to(&username))
        }
        "unlock" => {
            store.unlock_user(&auth.access, &username).await?;
            Ok(back_to(&username))
        }
        _ => Err(WebError::NotFound),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_make_safe_path_segments() {
        assert_eq!(url_segment("wang.li-2"), "wang.li-2");
        assert_eq!(url_segment("a/b"), "a%2Fb");
        assert_eq!(url_segment("<x>"), "%3Cx%3E");
    }
}
