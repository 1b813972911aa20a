//! Per-request context: language, signed-in user and their [`Access`], where the request came
//! from. One middleware resolves it once (a session lookup only when the cookie is present),
//! rejects cross-site state-changing requests and requests without the right CSRF token
//! ([`crate::csrf`]), and afterwards renders any [`ErrorKind`] marker as a translated page (or
//! JSON for `/api/`).

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use gongrong_domain::Lang;
use gongrong_store::{Access, SessionLimits, User};
use sha2::{Digest, Sha256};
use std::net::SocketAddr;

use crate::error::{ErrorKind, WebError};
use crate::i18n::{lang_cookie_value, parse_lang};
use crate::view::{ErrorPage, Layout};
use crate::{AppState, csrf};

pub const SESSION_COOKIE: &str = "gongrong_session";
pub const LANG_COOKIE: &str = "lang";

/// What every handler knows about the request.
#[derive(Clone, Debug)]
pub struct Ctx {
    pub lang: Lang,
    pub user: Option<User>,
    /// SHA-256 (hex) of the session token, when a valid session was presented.
    pub token_hash: Option<String>,
    /// The session's CSRF token, rendered into every form.
    pub csrf: Option<String>,
    /// The signed-in user's access for this request (stamped with its time and origin).
    pub access: Option<Access>,
    /// Path and query of this request (for "come back here" links).
    pub here: String,
    pub remote_addr: Option<String>,
    /// The name of the signed-in user's area (town and village for a village).
    pub area_name: String,
}

/// A signed-in user; extracting it from a request without a session fails with
/// [`WebError::Unauthenticated`] (a redirect to the sign-in page, or 401 JSON for the API).
pub struct Auth {
    pub user: User,
    /// What every store call of this request runs as.
    pub access: Access,
    pub ctx: Ctx,
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Ctx>()
            .cloned()
            .ok_or_else(|| WebError::internal("request context missing"))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Auth {
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, s: &S) -> Result<Self, Self::Rejection> {
        let ctx = Ctx::from_request_parts(parts, s).await?;
        match (ctx.user.clone(), ctx.access.clone()) {
            (Some(user), Some(access)) => Ok(Auth { user, access, ctx }),
            _ => Err(WebError::Unauthenticated),
        }
    }
}

/// SHA-256 hex of a session token: only this is stored.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A fresh random session token: 32 bytes from the thread CSPRNG, hex-encoded.
pub fn new_token() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The `Set-Cookie` value for a session (or, with `max_age_secs == 0` and an empty token, its removal).
pub fn session_cookie(token: &str, max_age_secs: i64, secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
        max_age_secs.max(0),
        if secure { "; Secure" } else { "" }
    )
}

pub fn lang_cookie(lang: Lang, secure: bool) -> String {
    format!(
        "{LANG_COOKIE}={}; Path=/; SameSite=Lax; Max-Age=31536000{}",
        lang_cookie_value(lang),
        if secure { "; Secure" } else { "" }
    )
}

/// A local path safe to redirect to after sign-in or a language switch: it must start with one
/// `/` (not `//`, not `/\`), so that it can never point to another site.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.starts_with("/\\")
                && !n.chars().any(char::is_control) =>
        {
            n.to_owned()
        }
        _ => "/".to_owned(),
    }
}

/// Whether a state-changing request comes from another site (by `Origin` or `Sec-Fetch-Site`).
/// Session cookies are `SameSite=Strict` already; this is the second line.
fn cross_site(method: &Method, headers: &HeaderMap) -> bool {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return false;
    }
    if headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == "cross-site")
    {
        return true;
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let origin_host = origin
        .split_once("://")
        .map(|(_, rest)| rest)
        .unwrap_or(origin);
    origin == "null" || origin_host != host
}

/// The context middleware (see the module documentation).
pub async fn context(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let jar = CookieJar::from_headers(req.headers());
    let lang = jar
        .get(LANG_COOKIE)
        .and_then(|c| parse_lang(c.value()))
        .unwrap_or_default();
    let here = req
        .uri()
        .path_and_query()
        .map(|pq| pq.as_str().to_owned())
        .unwrap_or_else(|| "/".to_owned());
    let path = req.uri().path().to_owned();
    let is_api = path.starts_with("/api/");
    let remote_addr = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ci| ci.0.ip().to_string());
    let now = state.clock.now();

    let mut ctx = Ctx {
        lang,
        user: None,
        token_hash: None,
        csrf: None,
        access: None,
        here,
        remote_addr,
        area_name: String::new(),
    };

    if cross_site(req.method(), req.headers()) {
        tracing::warn!(path = %path, "cross-site state-changing request refused");
        return render_error(ErrorKind::Forbidden, &ctx, is_api);
    }

    if let Some(cookie) = jar.get(SESSION_COOKIE) {
        let token_hash = hash_token(cookie.value());
        let limits = SessionLimits {
            idle: state.config.session_idle,
        };
        match state.store.session(&token_hash, now, &limits).await {
            Ok(Some(session)) => {
                ctx.area_name = crate::view::area_label(&state.regions, &session.user.area);
                ctx.access = Some(
                    Access::user(&session.user, now)
                        .via(if is_api { "api" } else { "web" })
                        .from_origin(ctx.remote_addr.clone()),
                );
                ctx.user = Some(session.user);
                ctx.csrf = Some(session.csrf_token);
                ctx.token_hash = Some(token_hash);
            }
            Ok(None) => {}
            Err(e) => {
                tracing::error!(error = %e, "session lookup failed");
                return render_error(ErrorKind::Internal, &ctx, is_api);
            }
        }
    }

    if csrf::state_changing(req.method()) {
        // The token a request must carry: the login form's (double submit) or the session's.
        let expected = if path == "/login" {
            jar.get(csrf::LOGIN_COOKIE).map(|c| c.value().to_owned())
        } else {
            ctx.csrf.clone()
        };
        let needs_token = path == "/login" || ctx.user.is_some();
        if needs_token {
            let (presented, rebuilt) = match csrf::presented(req, state.config.body_limit).await {
                Ok(p) => p,
                Err(csrf::Unreadable::TooLarge) => {
                    return render_error(ErrorKind::PayloadTooLarge, &ctx, is_api);
                }
                Err(csrf::Unreadable::Broken) => {
                    return render_error(ErrorKind::BadRequest, &ctx, is_api);
                }
            };
            req = rebuilt;
            let ok = matches!((&presented, &expected), (Some(p), Some(e)) if csrf::same(p, e));
            if !ok {
                let detail = format!(
                    "{} {path}: {} token",
                    req.method(),
                    if presented.is_some() {
                        "wrong"
                    } else {
                        "missing"
                    }
                );
                tracing::warn!(path = %path, detail = %detail, "CSRF token refused");
                let recorded = match &ctx.access {
                    Some(access) => {
                        state
                            .store
                            .record_event(access, "csrf.rejected", &path, &detail)
                            .await
                    }
                    None => {
                        state
                            .store
                            .record_anonymous_event(
                                now,
                                if is_api { "api" } else { "web" },
                                ctx.remote_addr.as_deref(),
                                "csrf.rejected",
                                &path,
                                &detail,
                            )
                            .await
                    }
                };
                if let Err(e) = recorded {
                    tracing::error!(error = %e, "could not audit a refused request");
                }
                return render_error(ErrorKind::Forbidden, &ctx, is_api);
            }
        }
    }

    req.extensions_mut().insert(ctx.clone());
    let resp = next.run(req).await;
    match resp.extensions().get::<ErrorKind>().copied() {
        Some(kind) => render_error(kind, &ctx, is_api),
        None => resp,
    }
}

/// Renders an error for the client: JSON for the API, a redirect to sign-in for a signed-out
/// page request, and a translated page for everything else.
pub fn render_error(kind: ErrorKind, ctx: &Ctx, is_api: bool) -> Response {
    if is_api {
        let body = serde_json::json!({
            "error": kind.code(),
            "message": kind.message(ctx.lang),
        });
        return (kind.status(), axum::Json(body)).into_response();
    }
    if kind == ErrorKind::Unauthenticated {
        let target = match serde_urlencoded::to_string([("next", ctx.here.as_str())]) {
            Ok(q) if ctx.here != "/" => format!("/login?{q}"),
            _ => "/login".to_owned(),
        };
        return Redirect::to(&target).into_response();
    }
    let page = ErrorPage {
        l: Layout::new(ctx, crate::i18n::strings(ctx.lang).error_title),
        message: kind.message(ctx.lang),
        status: kind.status().as_u16(),
    };
    match askama::Template::render(&page) {
        Ok(html) => (kind.status(), Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "error page failed to render");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_is_local_only() {
        assert_eq!(safe_next(Some("/search?q=a")), "/search?q=a");
        assert_eq!(safe_next(Some("//evil.example/")), "/");
        assert_eq!(safe_next(Some("/\\evil.example/")), "/");
        assert_eq!(safe_next(Some("https://evil.example/")), "/");
        assert_eq!(safe_next(Some("/a\r\nSet-Cookie: x")), "/");
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let a = new_token();
        assert_eq!(a.len(), 64);
        assert_ne!(a, new_token());
        assert_eq!(hash_token(&a).len(), 64);
        assert_ne!(hash_token(&a), a);
    }

    #[test]
    fn cross_site_detection() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, "127.0.0.1:8080".parse().unwrap());
        assert!(!cross_site(&Method::POST, &h));
        h.insert(header::ORIGIN, "http://127.0.0.1:8080".parse().unwrap());
        assert!(!cross_site(&Method::POST, &h));
        h.insert(header::ORIGIN, "http://evil.example".parse().unwrap());
        assert!(cross_site(&Method::POST, &h));
        assert!(!cross_site(&Method::GET, &h));
    }

    #[test]
    fn cookies_have_the_right_attributes() {
        let c = session_cookie("abc", 3600, true);
        assert!(c.starts_with("gongrong_session=abc;"));
        for attr in [
            "HttpOnly",
            "SameSite=Strict",
            "Path=/",
            "Secure",
            "Max-Age=3600",
        ] {
            assert!(c.contains(attr), "{attr} missing in {c}");
        }
        assert!(!session_cookie("abc", 3600, false).contains("Secure"));
    }
}
