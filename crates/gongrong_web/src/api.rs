//! JSON API, version 1: the same data and the same scoping as the pages, authenticated by the
//! session cookie; every state-changing call carries the session's CSRF token in the
//! `X-CSRF-Token` header (`GET /api/v1/session` returns it). Errors are
//! `{"error": "<stable code>", "message": "<translated>"}`.
//!
//! Values come as the store masked them for the caller: a clear value as itself, a masked one
//! as `{"masked": "110105********002X"}`, a withheld one as `{"withheld": true}`; `masked`
//! lists the field classes the caller does not see in the clear. Code-list values are the
//! domain's serde names (e.g. `"son"`, `"chronic"`).
//!
//! Clerical review: `GET /api/v1/review?filter=&page=`, `GET /api/v1/review/{id}` and
//! `POST /api/v1/review/{id}` with `{"verdict": "match" | "non_match", "note": "…"}`; same
//! roles and scoping as the pages (403 for roles that may not decide, 404 outside the area).
//! Revealing one masked field: `POST /api/v1/reveal` (see [`crate::reveal`]).

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use chrono::{DateTime, Utc};
use gongrong_store::{
    Access, AreaCounts, FieldClass, HouseholdView, PersonHit, RecordView, ReviewDecision,
    ReviewPairSummary, User, Visibility,
};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::ctx::Auth;
use crate::error::{WebError, WebResult};
use crate::pages::{SearchParams, parse_search, read_household, run_search};
use crate::review;
use crate::view::area_label;

/// The field classes an access does not see in the clear.
fn masked_classes(access: &Access) -> Vec<FieldClass> {
    FieldClass::ALL
        .into_iter()
        .filter(|c| access.visibility(*c) != Visibility::Clear)
        .collect()
}

#[derive(Serialize)]
pub struct ApiSession {
    pub user: User,
    /// Send it as `X-CSRF-Token` with every POST.
    pub csrf_token: String,
    pub masked: Vec<FieldClass>,
}

pub async fn session(auth: Auth) -> WebResult<Json<ApiSession>> {
    Ok(Json(ApiSession {
        masked: masked_classes(&auth.access),
        user: auth.user,
        csrf_token: auth.ctx.csrf.unwrap_or_default(),
    }))
}

#[derive(Serialize)]
pub struct ApiSearch {
    pub total: u64,
    /// 1-based.
    pub page: u32,
    pub page_size: u32,
    pub masked: Vec<FieldClass>,
    pub hits: Vec<PersonHit>,
}

pub async fn search(
    State(state): State<AppState>,
    auth: Auth,
    Query(p): Query<SearchParams>,
) -> WebResult<Json<ApiSearch>> {
    let parsed = parse_search(&p, state.config.page_size)?;
    let result = run_search(&state, &auth.access, &parsed).await?;
    Ok(Json(ApiSearch {
        total: result.total,
        page: parsed.page,
        page_size: parsed.query.page_size,
        masked: masked_classes(&auth.access),
        hits: result.hits,
    }))
}

#[derive(Serialize)]
pub struct ApiHousehold {
    #[serde(flatten)]
    pub household: HouseholdView,
    pub masked: Vec<FieldClass>,
}

pub async fn household(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> WebResult<Json<ApiHousehold>> {
    let household = read_household(&state, &auth, &id).await?;
    Ok(Json(ApiHousehold {
        household,
        masked: masked_classes(&auth.access),
    }))
}

#[derive(Serialize)]
pub struct ApiAreaCounts {
    #[serde(flatten)]
    pub counts: AreaCounts,
    /// Households in both registers ÷ poverty-register households, in basis points.
    pub overlap_bp: Option<u64>,
}

impl From<AreaCounts> for ApiAreaCounts {
    fn from(counts: AreaCounts) -> Self {
        ApiAreaCounts {
            overlap_bp: counts.overlap_bp(),
            counts,
        }
    }
}

#[derive(Serialize)]
pub struct ApiDashboard {
    pub towns: Vec<ApiAreaCounts>,
    pub total: ApiAreaCounts,
    pub built_at: Option<DateTime<Utc>>,
}

pub async fn dashboard(State(state): State<AppState>, auth: Auth) -> WebResult<Json<ApiDashboard>> {
    let d = state.store.dashboard(&auth.access).await?;
    Ok(Json(ApiDashboard {
        towns: d.towns.into_iter().map(Into::into).collect(),
        total: d.total.into(),
        built_at: d.built_at,
    }))
}

// ---------- clerical review ----------

#[derive(Serialize)]
pub struct ApiReviewQueue {
    pub filter: &'static str,
    /// Pairs of this filter.
    pub total: u64,
    /// 1-based.
    pub page: u32,
    pub page_size: u32,
    pub counts: review::QueueCounts,
    pub pairs: Vec<ReviewPairSummary>,
}

pub async fn review_queue(
    State(state): State<AppState>,
    auth: Auth,
    Query(p): Query<review::QueueParams>,
) -> WebResult<Json<ApiReviewQueue>> {
    let parsed = review::parse_queue(&p)?;
    let page_size = state.config.page_size.max(1);
    let q = review::load_queue(&state, &auth, &parsed, page_size).await?;
    Ok(Json(ApiReviewQueue {
        filter: review::filter_code(parsed.filter),
        total: q.total,
        page: parsed.page,
        page_size,
        counts: q.counts,
        pairs: q.pairs,
    }))
}

/// One side of a pair: the staged row with every field and source column, as the store masked
/// it for the caller.
#[derive(Serialize)]
pub struct ApiReviewRecord {
    pub staging_id: i64,
    pub batch_id: i64,
    pub file_name: String,
    pub village_name: String,
    /// The record (`RegisterRecord` field names).
    pub record: RecordView,
}

#[derive(Serialize)]
pub struct ApiReviewPair {
    pub id: i64,
    pub left: ApiReviewRecord,
    pub right: ApiReviewRecord,
    pub weight: f64,
    pub probability: f64,
    /// The linkage model's explanation: prior weight, each comparison's level and weight.
    pub explanation: serde_json::Value,
    pub decision: Option<ReviewDecision>,
    /// Fields whose values differ between the two rows.
    pub differs: std::collections::BTreeSet<String>,
    /// Whether the caller may decide this pair.
    pub can_decide: bool,
    pub masked: Vec<FieldClass>,
}

fn review_record(
    state: &AppState,
    record: RecordView,
    files: &std::collections::HashMap<i64, String>,
) -> ApiReviewRecord {
    ApiReviewRecord {
        staging_id: record.staging_id,
        batch_id: record.batch_id,
        file_name: files.get(&record.batch_id).cloned().unwrap_or_default(),
        village_name: area_label(&state.regions, &record.village),
        record,
    }
}

pub async fn review_pair(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> WebResult<Json<ApiReviewPair>> {
    let pair = review::read_pair(&state, &auth, &id).await?;
    let files = review::batch_files(&state).await?;
    Ok(Json(ApiReviewPair {
        id: pair.id,
        left: review_record(&state, pair.left, &files),
        right: review_record(&state, pair.right, &files),
        weight: pair.weight,
        probability: pair.probability,
        explanation: pair.explanation,
        decision: pair.decision,
        differs: pair.differs,
        can_decide: auth.access.can(gongrong_store::Permission::DecideReview),
        masked: masked_classes(&auth.access),
    }))
}

#[derive(Deserialize)]
pub struct ApiDecide {
    pub verdict: String,
    #[serde(default)]
    pub note: String,
}

#[derive(Serialize)]
pub struct ApiDecided {
    pub id: i64,
    pub decision: ReviewDecision,
}

pub async fn review_decide(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    body: Result<Json<ApiDecide>, JsonRejection>,
) -> WebResult<Json<ApiDecided>> {
    let Json(body) = body?;
    let verdict = review::parse_verdict(&body.verdict)
        .ok_or_else(|| WebError::BadRequest(format!("verdict {:?}", body.verdict)))?;
    let (id, decision) = review::decide(&state, &auth, &id, verdict, &body.note).await?;
    Ok(Json(ApiDecided { id, decision }))
}
