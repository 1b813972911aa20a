//! Gongrong (共融) web app: the pages a district official and caseworkers click through, and a
//! JSON API with the same scoping.
//!
//! Server-rendered HTML (askama templates in `templates/`), zh-CN by default with an English
//! switch, no JavaScript, one stylesheet embedded in the binary. Every read of people goes
//! through the store with the signed-in user's scope; a household outside it is "not found".
//!
//! Routes:
//! - `GET /healthz`, `GET /static/app.css`
//! - `GET|POST /login`, `POST /logout`, `GET /lang/{zh|en}?next=`
//! - `GET /` (dashboard), `GET /search?q=&village=&page=`, `GET /households/{id}`
//! - `GET /api/v1/search?q=&village=&page=&page_size=`, `GET /api/v1/households/{id}`,
//!   `GET /api/v1/dashboard`
//! - Clerical review: `GET /review?filter=pending|decided|all&page=`, `GET|POST /review/{id}`,
//!   `GET /api/v1/review?filter=&page=`, `GET|POST /api/v1/review/{id}`

mod api;
mod chart;
mod ctx;
mod error;
pub mod i18n;
mod pages;
mod password;
mod review;
mod view;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use gongrong_domain::{Clock, Region, RegionCode, RegionTable};
use gongrong_store::{AuditEvent, Store};
use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

pub use ctx::{LANG_COOKIE, SESSION_COOKIE};
pub use error::{ErrorKind, WebError};
pub use password::{PasswordError, hash_password, verify_password};

/// Web server settings.
#[derive(Clone, Debug)]
pub struct AppConfig {
    /// Mark cookies `Secure` (set when served over HTTPS, directly or behind a proxy).
    pub secure_cookies: bool,
    /// How long a session lasts after sign-in.
    pub session_ttl: chrono::Duration,
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

/// Appends an event to the audit log.
pub(crate) async fn record_audit(
    state: &AppState,
    ctx: &ctx::Ctx,
    actor: &str,
    action: &str,
    target: String,
    detail: String,
) -> error::WebResult<()> {
    let event = AuditEvent {
        at: state.clock.now(),
        actor: actor.to_owned(),
        action: action.to_owned(),
        target,
        detail,
        remote_addr: ctx.remote_addr.clone(),
    };
    Ok(state.store.audit(&event).await?)
}

/// Reads one record of kind `kind` (`household`, `review`) by its id in the URL, through a
/// scope-filtered `fetch`, and audits the read — a miss too (`{kind}.read_denied`): an attempt to
/// open a record outside one's area is worth knowing about. A malformed id, a missing record and
/// one outside the user's area are the same 404.
pub(crate) async fn audited_read<T, Fut>(
    state: &AppState,
    auth: &ctx::Auth,
    kind: &str,
    id: &str,
    channel: &str,
    fetch: impl FnOnce(i64) -> Fut,
) -> error::WebResult<T>
where
    Fut: std::future::Future<Output = gongrong_store::Result<Option<T>>>,
{
    let Ok(id) = id.parse::<i64>() else {
        return Err(error::WebError::NotFound);
    };
    let found = fetch(id).await?;
    let (action, detail) = match &found {
        Some(_) => (format!("{kind}.read"), channel.to_owned()),
        None => (
            format!("{kind}.read_denied"),
            format!("{channel}: not found or out of scope"),
        ),
    };
    record_audit(
        state,
        &auth.ctx,
        &auth.user.username,
        &action,
        format!("{kind}:{id}"),
        detail,
    )
    .await?;
    found.ok_or(error::WebError::NotFound)
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

/// The content-security policy: nothing but this origin; no inline script or style.
pub const CONTENT_SECURITY_POLICY: &str =
    "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

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
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            ctx::context,
        ));
    let header = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value))
    };
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
