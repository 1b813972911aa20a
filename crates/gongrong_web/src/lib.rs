//! Gongrong (共融) web app: the pages a district official and caseworkers click through, and a
//! JSON API with the same scoping.
//!
//! Server-rendered HTML (askama templates in `templates/`), zh-CN by default with an English
//! switch, no JavaScript, one stylesheet embedded in the binary. Every read of people goes
//! through the store with the signed-in user's [`gongrong_store::Access`] (built once per
//! request by the context middleware): the store scopes, masks and audits; a household outside
//! the user's area is "not found". Every state-changing request carries the session's CSRF
//! token ([`csrf`]); every response carries a strict Content-Security-Policy and the usual
//! security headers. See `docs/SECURITY.md`.
//!
//! Routes:
//! - `GET /healthz`, `GET /static/app.css`
//! - `GET|POST /login`, `POST /logout`, `GET /lang/{zh|en}?next=`
//! - `GET /` (dashboard), `GET /search?q=&village=&page=`, `GET /households/{id}`
//! - `GET /api/v1/search?q=&village=&page=&page_size=`, `GET /api/v1/households/{id}`,
//!   `GET /api/v1/dashboard`
//! - Clerical review: `GET /review?filter=pending|decided|all&page=`, `GET|POST /review/{id}`,
//!   `GET /api/v1/review?filter=&page=`, `GET|POST /api/v1/review/{id}`
//! - Revealing a masked field: `POST /reveal`, `POST /api/v1/reveal`; `GET /api/v1/session`
//!   (the signed-in user and their CSRF token)
//! - Administrators: `GET|POST /admin/users`, `GET|POST /admin/users/{username}`,
//!   `POST /admin/users/{username}/{password|disable|enable|unlock}`
//! - Auditors and administrators: `GET /audit?actor=&action=&target=&before=`,
//!   `GET /audit/verify`

mod admin;
mod api;
mod audit_page;
mod chart;
pub mod csrf;
mod ctx;
mod error;
pub mod i18n;
mod pages;
mod password;
mod reveal;
mod review;
mod view;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use gongrong_domain::{Clock, Region, RegionCode, RegionTable};
use gongrong_store::{LoginLimits, Store};
use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

pub use ctx::{LANG_COOKIE, SESSION_COOKIE};
pub use error::{ErrorKind, WebError};
pub use password::{
    MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, PasswordError, check_password, generate_password,
    hash_password, verify_password,
};

/// Web server settings.
#[derive(Clone, Debug)]
pub struct AppConfig {
    /// Mark cookies `Secure` and send `Strict-Transport-Security` (set when served over HTTPS,
    /// directly or behind a proxy).
    pub secure_cookies: bool,
    /// How long a session lasts after sign-in, however busy (absolute expiry).
    pub session_ttl: chrono::Duration,
    /// How long a session lasts without a request (idle expiry).
    pub session_idle: chrono::Duration,
    /// Failed sign-ins before a username or an address is locked, and for how long.
    pub login_limits: LoginLimits,
    /// Largest accepted request body, in bytes.
    pub body_limit: usize,
    /// Rows per page of search results.
    pub page_size: u32,
}

impl Default for AppConfig {
    fn default() -> Self {
        AppConfig {
            secure_cookies: false,
            session_ttl: chrono::Duration::hours(8),
            session_idle: chrono::Duration::minutes(30),
            login_limits: LoginLimits::default(),
            body_limit: 64 * 1024,
            page_size: 20,
        }
    }
}

/// Everything a request handler needs. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    pub config: AppConfig,
    pub regions: Arc<RegionTable>,
    /// Villages per area, computed on first use (the region table does not change while the
    /// server runs).
    villages: Arc<RwLock<HashMap<RegionCode, Arc<Vec<Region>>>>>,
}

impl AppState {
    pub fn new(
        store: Store,
        clock: Arc<dyn Clock>,
        config: AppConfig,
        regions: Arc<RegionTable>,
    ) -> Self {
        AppState {
            store,
            clock,
            config,
            regions,
            villages: Arc::default(),
        }
    }

    /// The villages of an area, for the search page's select.
    pub(crate) fn village_options(&self, area: &RegionCode) -> Arc<Vec<Region>> {
        if let Ok(cache) = self.villages.read()
            && let Some(v) = cache.get(area)
        {
            return v.clone();
        }
        let list = Arc::new(view::villages_in(&self.regions, area));
        if let Ok(mut cache) = self.villages.write() {
            cache.insert(*area, list.clone());
        }
        list
    }
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("store", &self.store)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

const APP_CSS: &str = include_str!("../static/app.css");

async fn app_css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        APP_CSS,
    )
}

async fn healthz() -> &'static str {
    "ok"
}

/// The content-security policy: no script at all, styles only from this origin's stylesheet
/// (no inline style), images only from this origin, forms only to this origin, no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
     form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// Browser features the application never uses, switched off.
pub const PERMISSIONS_POLICY: &str = "camera=(), microphone=(), geolocation=(), payment=(), \
     usb=(), serial=(), bluetooth=(), magnetometer=(), gyroscope=(), accelerometer=(), \
     interest-cohort=()";

/// Sent with every response when cookies are `Secure` (HTTPS): one year, subdomains included.
pub const STRICT_TRANSPORT_SECURITY: &str = "max-age=31536000; includeSubDomains";

/// The whole application.
pub fn router(state: AppState) -> Router {
    let body_limit = state.config.body_limit;
    let app = Router::new()
        .route("/", get(pages::dashboard))
        .route("/login", get(pages::login_form).post(pages::login_submit))
        .route("/logout", post(pages::logout))
        .route("/lang/{code}", get(pages::switch_lang))
        .route("/search", get(pages::search))
        .route("/households/{id}", get(pages::household))
        .route("/api/v1/search", get(api::search))
        .route("/api/v1/households/{id}", get(api::household))
        .route("/api/v1/dashboard", get(api::dashboard))
        .route("/review", get(review::queue_page))
        .route(
            "/review/{id}",
            get(review::pair_page).post(review::decide_submit),
        )
        .route("/api/v1/review", get(api::review_queue))
        .route(
            "/api/v1/review/{id}",
            get(api::review_pair).post(api::review_decide),
        )
        .route("/reveal", post(reveal::reveal_submit))
        .route("/api/v1/reveal", post(reveal::api_reveal))
        .route("/api/v1/session", get(api::session))
        .route(
            "/admin/users",
            get(admin::users_page).post(admin::create_user),
        )
        .route(
            "/admin/users/{username}",
            get(admin::user_page).post(admin::update_user),
        )
        .route("/admin/users/{username}/{action}", post(admin::user_action))
        .route("/audit", get(audit_page::audit_page))
        .route("/audit/verify", get(audit_page::verify_page))
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            ctx::context,
        ));
    let header = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value))
    };
    let secure = state.config.secure_cookies;
    Router::new()
        .route("/healthz", get(healthz))
        .route("/static/app.css", get(app_css))
        .merge(app)
        .with_state(state)
        .layer(header(
            header::CONTENT_SECURITY_POLICY,
            CONTENT_SECURITY_POLICY,
        ))
        .layer(header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(header(header::REFERRER_POLICY, "same-origin"))
        .layer(header(header::X_FRAME_OPTIONS, "DENY"))
        .layer(header(
            HeaderName::from_static("permissions-policy"),
            PERMISSIONS_POLICY,
        ))
        .layer(header(
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ))
        .layer(header(
            HeaderName::from_static("cross-origin-resource-policy"),
            "same-origin",
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::STRICT_TRANSPORT_SECURITY,
            move |_: &axum::response::Response| {
                secure.then(|| HeaderValue::from_static(STRICT_TRANSPORT_SECURITY))
            },
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(RequestBodyLimitLayer::new(body_limit))
        .layer(TraceLayer::new_for_http())
}

/// Serves the app on `listener` until `shutdown` completes, then drains open connections.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}
