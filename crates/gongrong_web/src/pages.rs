//! HTML pages: sign-in and sign-out, language switch, dashboard, search, household.

use askama::Template;
use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use gongrong_domain::Lang;
use gongrong_domain::model::years_between;
use gongrong_store::{
    Access, AreaCounts, HouseholdView, LoginGate, Permission, SearchPage as StorePage,
    SessionLimits, User,
};
use serde::Deserialize;

use crate::AppState;
use crate::chart::{ChartLabels, households_by_town};
use crate::ctx::{Auth, Ctx, hash_token, lang_cookie, new_token, safe_next, session_cookie};
use crate::error::{WebError, WebResult};
use crate::i18n::{fill, parse_lang, strings};
use crate::password::{burn_verify, verify_password};
use crate::reveal::RevealOption;
use crate::view::{
    DashboardPage, HitRow, HouseholdPage, IdentityRow, Layout, LoginPage, MemberRow, SearchPage,
    SourceBlock, TownRow, VillageOption, fmt_bp, fmt_date, fmt_instant, label_or, shown,
    shown_text,
};

fn html(page: &impl Template) -> WebResult<Response> {
    Ok(Html(page.render()?).into_response())
}

fn with_cookie(mut resp: Response, cookie: &str) -> WebResult<Response> {
    let value = HeaderValue::from_str(cookie).map_err(WebError::internal)?;
    resp.headers_mut().append(header::SET_COOKIE, value);
    Ok(resp)
}

// ---------- sign-in / sign-out ----------

#[derive(Deserialize)]
pub struct NextParam {
    next: Option<String>,
}

/// The login form with its own CSRF token (kept from a well-formed cookie, or new).
fn login_page(
    state: &AppState,
    ctx: &Ctx,
    jar: &CookieJar,
    username: String,
    next: String,
    failed: bool,
    locked: bool,
) -> WebResult<Response> {
    let token = jar
        .get(crate::csrf::LOGIN_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|t| crate::csrf::well_formed(t))
        .unwrap_or_else(new_token);
    let page = LoginPage {
        l: Layout::new(ctx, strings(ctx.lang).login_title),
        username,
        next,
        failed,
        locked,
        login_csrf: token.clone(),
    };
    let status = if locked {
        axum::http::StatusCode::TOO_MANY_REQUESTS
    } else {
        axum::http::StatusCode::OK
    };
    let resp = (status, Html(page.render()?)).into_response();
    with_cookie(
        resp,
        &crate::csrf::login_cookie(&token, state.config.secure_cookies),
    )
}

pub async fn login_form(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Query(p): Query<NextParam>,
) -> WebResult<Response> {
    let next = safe_next(p.next.as_deref());
    if ctx.user.is_some() {
        return Ok(Redirect::to(&next).into_response());
    }
    login_page(&state, &ctx, &jar, String::new(), next, false, false)
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    next: Option<String>,
}

const MAX_CREDENTIAL_LEN: usize = 256;

pub async fn login_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    form: Result<Form<LoginForm>, FormRejection>,
) -> WebResult<Response> {
    let Form(form) = form?;
    let username = form.username.trim().to_owned();
    let next = safe_next(form.next.as_deref());
    if username.len() > MAX_CREDENTIAL_LEN || form.password.len() > MAX_CREDENTIAL_LEN {
        return Err(WebError::BadRequest("credentials too long".into()));
    }
    if username.chars().any(char::is_control) {
        return Err(WebError::BadRequest(
            "control characters in the username".into(),
        ));
    }
    let now = state.clock.now();
    let addr = ctx.remote_addr.as_deref();
    let channel = "web";

    // A locked username or address is refused before any password is checked.
    if let LoginGate::Locked { until } = state.store.login_gate(&username, addr, now).await? {
        tracing::warn!(username = %username, until = %until, "sign-in refused: locked");
        state
            .store
            .record_anonymous_event(
                now,
                channel,
                addr,
                "session.login_locked",
                "session",
                &format!("username {}", username.chars().take(64).collect::<String>()),
            )
            .await?;
        return login_page(&state, &ctx, &jar, username, next, false, true);
    }

    let found = if username.is_empty() {
        None
    } else {
        state.store.user_for_login(&username).await?
    };
    let password = form.password;
    let user: Option<User> = tokio::task::spawn_blocking(move || match found {
        Some((user, phc)) if verify_password(&password, &phc) => Some(user),
        Some(_) => None,
        None => {
            burn_verify(&password);
            None
        }
    })
    .await
    .map_err(WebError::internal)?;

    let Some(user) = user else {
        let lock = state
            .store
            .login_failed(&username, addr, channel, now, &state.config.login_limits)
            .await?;
        return login_page(
            &state,
            &ctx,
            &jar,
            username,
            next,
            lock.is_none(),
            lock.is_some(),
        );
    };

    // A session presented before sign-in is never reused (no session fixation); the new
    // session comes with a new token and a new CSRF token.
    let access = Access::user(&user, now)
        .via(channel)
        .from_origin(ctx.remote_addr.clone());
    if let Some(old) = &ctx.token_hash {
        state.store.end_session(&access, old).await?;
    }
    let token = new_token();
    // Sign-ins are rare enough to sweep expired sessions here instead of on a timer.
    let limits = SessionLimits {
        idle: state.config.session_idle,
    };
    state.store.delete_expired_sessions(now, &limits).await?;
    state
        .store
        .create_session(
            &access,
            &hash_token(&token),
            &new_token(),
            now + state.config.session_ttl,
        )
        .await?;
    let cookie = session_cookie(
        &token,
        state.config.session_ttl.num_seconds(),
        state.config.secure_cookies,
    );
    // Administrators have no people pages: their start page is the accounts list.
    let next = if next == "/" && !access.can(Permission::ReadPeople) {
        "/admin/users".to_owned()
    } else {
        next
    };
    with_cookie(Redirect::to(&next).into_response(), &cookie)
}

pub async fn logout(State(state): State<AppState>, ctx: Ctx) -> WebResult<Response> {
    if let (Some(token_hash), Some(access)) = (&ctx.token_hash, &ctx.access) {
        state.store.end_session(access, token_hash).await?;
    }
    let cookie = session_cookie("", 0, state.config.secure_cookies);
    with_cookie(Redirect::to("/login").into_response(), &cookie)
}

// ---------- language ----------

pub async fn switch_lang(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(p): Query<NextParam>,
    headers: HeaderMap,
) -> WebResult<Response> {
    let lang: Lang = parse_lang(&code).ok_or(WebError::NotFound)?;
    let target = match p.next {
        Some(next) => safe_next(Some(&next)),
        None => referer_path(&headers),
    };
    let cookie = lang_cookie(lang, state.config.secure_cookies);
    with_cookie(Redirect::to(&target).into_response(), &cookie)
}

/// The path of a same-host `Referer`, or `/`.
fn referer_path(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let Some(referer) = headers.get(header::REFERER).and_then(|v| v.to_str().ok()) else {
        return "/".to_owned();
    };
    let rest = referer
        .strip_prefix("http://")
        .or_else(|| referer.strip_prefix("https://"))
        .and_then(|r| r.strip_prefix(host))
        .filter(|_| !host.is_empty());
    safe_next(rest)
}

// ---------- dashboard ----------

fn town_row(c: &AreaCounts, name: String, none: &str) -> TownRow {
    TownRow {
        name,
        persons: c.persons,
        households: c.households,
        both: c.households_both,
        poverty_only: c.households_poverty_only,
        dibao_only: c.households_dibao_only,
        overlap: fmt_bp(c.overlap_bp(), none),
    }
}

/// Whether a department officer's department list is still empty (before the policy engine's
/// population run): their pages then say so instead of just showing nothing.
pub async fn department_empty(state: &AppState, user: &User) -> WebResult<bool> {
    Ok(match (&user.role, user.department.as_deref()) {
        (gongrong_domain::Role::DepartmentOfficer, Some(d)) => {
            state.store.department_people_count(d).await? == 0
        }
        (gongrong_domain::Role::DepartmentOfficer, None) => true,
        _ => false,
    })
}

pub async fn dashboard(State(state): State<AppState>, auth: Auth) -> WebResult<Response> {
    if !auth.access.can(Permission::ReadPeople) {
        return Ok(Redirect::to("/admin/users").into_response());
    }
    let department_empty = department_empty(&state, &auth.user).await?;
    let Auth { ctx, access, .. } = auth;
    let t = strings(ctx.lang);
    let d = state.store.dashboard(&access).await?;
    let chart = households_by_town(
        &d.towns,
        &ChartLabels {
            both: t.households_both,
            poverty_only: t.households_poverty_only,
            dibao_only: t.households_dibao_only,
            title: t.chart_title,
        },
    );
    html(&DashboardPage {
        l: Layout::new(&ctx, t.dashboard_title).with_nav("dashboard"),
        towns: d
            .towns
            .iter()
            .map(|c| town_row(c, c.name.clone(), t.none))
            .collect(),
        total: town_row(&d.total, t.total.to_owned(), t.none),
        built_at: d.built_at.map(fmt_instant),
        chart,
        department_empty,
    })
}

// ---------- search ----------

/// Search parameters, shared by the page and the API. All optional; empty means "not given".
#[derive(Deserialize, Default)]
pub struct SearchParams {
    pub q: Option<String>,
    pub village: Option<String>,
    /// 1-based.
    pub page: Option<String>,
    /// API only.
    pub page_size: Option<String>,
}

pub struct ParsedSearch {
    pub query: gongrong_store::SearchQuery,
    /// 1-based page.
    pub page: u32,
}

const MAX_QUERY_LEN: usize = 100;
const MAX_PAGE: u32 = 100_000;

pub fn parse_search(p: &SearchParams, default_page_size: u32) -> WebResult<ParsedSearch> {
    let text =
        p.q.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
    if text
        .as_ref()
        .is_some_and(|t| t.chars().count() > MAX_QUERY_LEN)
    {
        return Err(WebError::BadRequest("query too long".into()));
    }
    if text
        .as_ref()
        .is_some_and(|t| t.chars().any(char::is_control))
    {
        return Err(WebError::BadRequest(
            "control characters in the query".into(),
        ));
    }
    let village = match p
        .village
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(v) => Some(
            gongrong_domain::RegionCode::parse(v)
                .map_err(|e| WebError::BadRequest(e.to_string()))?,
        ),
        None => None,
    };
    let page = match p.page.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => s
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_PAGE).contains(n))
            .ok_or_else(|| WebError::BadRequest(format!("page {s:?}")))?,
        None => 1,
    };
    let page_size = match p
        .page_size
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(s) => s
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=100).contains(n))
            .ok_or_else(|| WebError::BadRequest(format!("page_size {s:?}")))?,
        None => default_page_size,
    };
    Ok(ParsedSearch {
        query: gongrong_store::SearchQuery {
            text,
            village,
            page: page - 1,
            page_size,
        },
        page,
    })
}

/// Runs a search as the access (the store scopes, masks and audits it).
pub async fn run_search(
    state: &AppState,
    access: &Access,
    s: &ParsedSearch,
) -> WebResult<StorePage> {
    Ok(state.store.search(access, &s.query).await?)
}

fn search_href(q: &str, village: &str, page: u32) -> String {
    let mut pairs: Vec<(&str, String)> = Vec::new();
    if !q.is_empty() {
        pairs.push(("q", q.to_owned()));
    }
    if !village.is_empty() {
        pairs.push(("village", village.to_owned()));
    }
    pairs.push(("page", page.to_string()));
    format!(
        "/search?{}",
        serde_urlencoded::to_string(&pairs).unwrap_or_default()
    )
}

pub async fn search(
    State(state): State<AppState>,
    auth: Auth,
    Query(p): Query<SearchParams>,
) -> WebResult<Response> {
    let department_empty = department_empty(&state, &auth.user).await?;
    let Auth { user, ctx, access } = auth;
    let t = strings(ctx.lang);
    let parsed = parse_search(
        &SearchParams {
            page_size: None,
            ..p
        },
        state.config.page_size,
    )?;
    let q = parsed.query.text.clone().unwrap_or_default();
    let village_code = parsed
        .query
        .village
        .map(|v| v.to_string())
        .unwrap_or_default();
    let searched = parsed.query.text.is_some() || parsed.query.village.is_some();
    let result = if searched {
        run_search(&state, &access, &parsed).await?
    } else {
        StorePage::default()
    };
    let page_size = u64::from(parsed.query.page_size.max(1));
    let pages = result.total.div_ceil(page_size).max(1);
    let page = u64::from(parsed.page);
    let villages = state
        .village_options(&user.area)
        .iter()
        .map(|r| VillageOption {
            code: r.code.to_string(),
            name: r.name.clone(),
            selected: r.code.to_string() == village_code,
        })
        .collect();
    let hits = result
        .hits
        .iter()
        .map(|h| HitRow {
            household_id: h.household_id,
            name: h.name.clone(),
            id_number: shown(&h.id_number, t, |id| id.as_str().to_owned()),
            sex: h.sex.label(ctx.lang),
            birth_date: fmt_date(h.birth_date),
            village_name: h.village_name.clone(),
            in_poverty: h.in_poverty,
            in_dibao: h.in_dibao,
        })
        .collect();
    html(&SearchPage {
        l: Layout::new(&ctx, t.search_title).with_nav("search"),
        total_line: fill(t.results_total, &[&result.total]),
        page_line: fill(t.page_of, &[&page, &pages]),
        prev_href: (page > 1).then(|| search_href(&q, &village_code, parsed.page - 1)),
        next_href: (page < pages).then(|| search_href(&q, &village_code, parsed.page + 1)),
        masked: access.masks_anything(),
        department_empty,
        q,
        villages,
        searched,
        hits,
    })
}

// ---------- household ----------

/// Reads a household as the access (scoped, masked and audited by the store, a miss too). A
/// malformed id, a missing household and one outside the user's area are the same 404.
pub async fn read_household(state: &AppState, auth: &Auth, id: &str) -> WebResult<HouseholdView> {
    state
        .store
        .household(&auth.access, crate::error::record_id(id)?)
        .await?
        .ok_or(WebError::NotFound)
}

pub async fn household(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> WebResult<Response> {
    let h = read_household(&state, &auth, &id).await?;
    let Auth { ctx, access, .. } = auth;
    let lang = ctx.lang;
    let t = strings(lang);
    let today = state.clock.today();
    let disability_text = |d: &Option<gongrong_domain::Disability>| {
        d.map_or_else(
            || t.none.to_owned(),
            |d| match lang {
                Lang::Zh => format!("{}{}", d.category.zh(), d.grade.zh()),
                Lang::En => format!("{}, {}", d.category.en(), d.grade.en()),
            },
        )
    };
    let members: Vec<MemberRow> = h
        .members
        .iter()
        .map(|m| MemberRow {
            person_id: m.person_id,
            relation: m.relation.label(lang),
            name: m.name.clone(),
            id_number: shown(&m.id_number, t, |id| id.as_str().to_owned()),
            sex: m.sex.label(lang),
            birth_date: fmt_date(m.birth_date),
            age: fill(
                t.age_years,
                &[&years_between(m.birth_date, m.death_date.unwrap_or(today))],
            ),
            health: shown(&m.health, t, |v| {
                label_or(*v, lang, |v, l| v.label(l)).to_owned()
            }),
            labour: label_or(m.labour, lang, |v, l| v.label(l)),
            disability: shown(&m.disability, t, disability_text),
            self_care: shown(&m.self_care, t, |v| {
                label_or(*v, lang, |v, l| v.label(l)).to_owned()
            }),
            school_stage: label_or(m.school_stage, lang, |v, l| v.label(l)),
            death: m.death_date.map(fmt_date),
            in_poverty: m.in_poverty,
            in_dibao: m.in_dibao,
        })
        .collect();
    let identities = h
        .identities
        .iter()
        .map(|i| IdentityRow {
            kind: i.kind.label(lang),
            from: fmt_date(i.from),
            to: i.to.map_or_else(|| t.until_now.to_owned(), fmt_date),
            source: describe_source(&i.source, t, lang),
        })
        .collect();
    let sources = h
        .sources
        .iter()
        .map(|s| SourceBlock {
            label: fill(
                t.source_row_label,
                &[&s.register.label(lang), &s.file_name, &s.row],
            ),
            columns: s
                .raw
                .iter()
                .map(|(k, v)| (k.clone(), shown_text(v, t)))
                .collect(),
        })
        .collect();
    let keys = |k: &[String]| {
        if k.is_empty() {
            t.none.to_owned()
        } else {
            k.join("、")
        }
    };
    let place = if h.town_name.is_empty() {
        h.village_name.clone()
    } else {
        format!("{} {}", h.town_name, h.village_name)
    };
    let subjects = members
        .iter()
        .map(|m| RevealOption {
            value: format!("person:{}", m.person_id),
            label: format!("{}（{}）", m.name, m.relation),
        })
        .collect();
    let reveal = crate::reveal::form(&access, lang, subjects, &ctx.here);
    html(&HouseholdPage {
        l: Layout::new(&ctx, &format!("{} #{}", t.household_title, h.id)),
        id: h.id,
        place,
        poverty_keys: keys(&h.poverty_keys),
        dibao_keys: keys(&h.dibao_keys),
        members,
        identities,
        sources,
        masked: access.masks_anything(),
        reveal,
    })
}

/// Unknown paths: the same not-found page as a household outside one's area.
pub async fn not_found() -> WebError {
    WebError::NotFound
}

/// An identity's source in the reader's language.
fn describe_source(
    source: &gongrong_domain::Source,
    t: &crate::i18n::Strings,
    lang: Lang,
) -> String {
    match source {
        gongrong_domain::Source::Register {
            register,
            batch,
            row,
        } => fill(
            t.identity_source_register,
            &[&register.label(lang), batch, row],
        ),
        gongrong_domain::Source::Case { case } => fill(t.identity_source_case, &[case]),
        gongrong_domain::Source::Manual { user } => fill(t.identity_source_manual, &[user]),
    }
}
