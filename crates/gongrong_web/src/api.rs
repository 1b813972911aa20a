//! JSON API, version 1: the same data and the same scoping as the pages, authenticated by the
//! session cookie. Errors are `{"error": "<stable code>", "message": "<translated>"}`.
//! Code-list values are the domain's serde names (e.g. `"son"`, `"chronic"`); ID numbers are
//! masked exactly as on the pages for roles that do not see identifiers.
//!
//! Clerical review: `GET /api/v1/review?filter=&page=`, `GET /api/v1/review/{id}` and
//! `POST /api/v1/review/{id}` with `{"verdict": "match" | "non_match", "note": "…"}`; same
//! roles and scoping as the pages (403 for roles that may not decide, 404 outside the area).

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use chrono::{DateTime, NaiveDate, Utc};
use gongrong_domain::codes::{
    Health, IdentityKind, LabourSkill, Relation, SchoolStage, SelfCare, Sex,
};
use gongrong_domain::unify::StagedRecord;
use gongrong_domain::{Disability, RegionCode, Register, Role};
use gongrong_store::{AreaCounts, HouseholdView, ReviewDecision, ReviewPairSummary};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::ctx::Auth;
use crate::error::{WebError, WebResult};
use crate::pages::{SearchParams, parse_search, read_household, run_search};
use crate::review;
use crate::view::{area_label, mask_identifiers, show_id};

#[derive(Serialize)]
pub struct ApiHit {
    pub person_id: i64,
    pub household_id: i64,
    pub name: String,
    pub id_number: String,
    pub sex: Sex,
    pub birth_date: NaiveDate,
    pub village: RegionCode,
    pub village_name: String,
    pub in_poverty: bool,
    pub in_dibao: bool,
}

#[derive(Serialize)]
pub struct ApiSearch {
    pub total: u64,
    /// 1-based.
    pub page: u32,
    pub page_size: u32,
    pub hits: Vec<ApiHit>,
}

pub async fn search(
    State(state): State<AppState>,
    auth: Auth,
    Query(p): Query<SearchParams>,
) -> WebResult<Json<ApiSearch>> {
    let parsed = parse_search(&p, state.config.page_size)?;
    let result = run_search(&state, &auth.user, &parsed).await?;
    let role = auth.user.role;
    Ok(Json(ApiSearch {
        total: result.total,
        page: parsed.page,
        page_size: parsed.query.page_size,
        hits: result
            .hits
            .into_iter()
            .map(|h| ApiHit {
                person_id: h.person_id,
                household_id: h.household_id,
                name: h.name,
                id_number: show_id(role, &h.id_number),
                sex: h.sex,
                birth_date: h.birth_date,
                village: h.village,
                village_name: h.village_name,
                in_poverty: h.in_poverty,
                in_dibao: h.in_dibao,
            })
            .collect(),
    }))
}

#[derive(Serialize)]
pub struct ApiMember {
    pub person_id: i64,
    pub name: String,
    pub id_number: String,
    pub sex: Sex,
    pub birth_date: NaiveDate,
    pub relation: Relation,
    pub death_date: Option<NaiveDate>,
    pub health: Option<Health>,
    pub labour: Option<LabourSkill>,
    pub disability: Option<Disability>,
    pub self_care: Option<SelfCare>,
    pub school_stage: Option<SchoolStage>,
    pub in_poverty: bool,
    pub in_dibao: bool,
}

#[derive(Serialize)]
pub struct ApiIdentity {
    pub kind: IdentityKind,
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
    pub source: gongrong_domain::Source,
}

#[derive(Serialize)]
pub struct ApiSourceRow {
    pub register: Register,
    pub batch_id: i64,
    pub file_name: String,
    pub row: u64,
    /// `[header, value]` pairs in file order.
    pub raw: Vec<(String, String)>,
}

#[derive(Serialize)]
pub struct ApiHousehold {
    pub id: i64,
    pub village: RegionCode,
    pub village_name: String,
    pub town_name: String,
    pub poverty_keys: Vec<String>,
    pub dibao_keys: Vec<String>,
    pub members: Vec<ApiMember>,
    pub identities: Vec<ApiIdentity>,
    pub sources: Vec<ApiSourceRow>,
}

fn to_api(h: HouseholdView, role: Role) -> ApiHousehold {
    let sees = role.sees_identifiers();
    ApiHousehold {
        id: h.id,
        village: h.village,
        village_name: h.village_name,
        town_name: h.town_name,
        poverty_keys: h.poverty_keys,
        dibao_keys: h.dibao_keys,
        members: h
            .members
            .into_iter()
            .map(|m| ApiMember {
                person_id: m.person_id,
                id_number: show_id(role, &m.id_number),
                name: m.name,
                sex: m.sex,
                birth_date: m.birth_date,
                relation: m.relation,
                death_date: m.death_date,
                health: m.health,
                labour: m.labour,
                disability: m.disability,
                self_care: m.self_care,
                school_stage: m.school_stage,
                in_poverty: m.in_poverty,
                in_dibao: m.in_dibao,
            })
            .collect(),
        identities: h
            .identities
            .into_iter()
            .map(|i| ApiIdentity {
                kind: i.kind,
                from: i.from,
                to: i.to,
                source: i.source,
            })
            .collect(),
        sources: h
            .sources
            .into_iter()
            .map(|s| ApiSourceRow {
                register: s.register,
                batch_id: s.batch_id,
                file_name: s.file_name,
                row: s.row,
                raw: s
                    .raw
                    .into_iter()
                    .map(|(k, v)| {
                        let v = if sees { v } else { mask_identifiers(&v) };
                        (k, v)
                    })
                    .collect(),
            })
            .collect(),
    }
}

pub async fn household(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> WebResult<Json<ApiHousehold>> {
    let h = read_household(&state, &auth, &id, "api").await?;
    Ok(Json(to_api(h, auth.user.role)))
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
    let d = state.store.dashboard(&auth.user.scope()).await?;
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

/// One side of a pair: the staged row with every field and source column, identifiers masked
/// for roles that do not see them.
#[derive(Serialize)]
pub struct ApiReviewRecord {
    pub staging_id: i64,
    pub batch_id: i64,
    pub file_name: String,
    pub village_name: String,
    /// The `RegisterRecord` (domain serde names).
    pub record: serde_json::Value,
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
    /// Whether the caller may decide this pair.
    pub can_decide: bool,
}

/// Keys of a serialised `RegisterRecord` that carry identifiers.
const SECRET_KEYS: [&str; 4] = ["id_number", "id_number_raw", "phone", "bank_account"];

fn mask_value(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::String(s) => *s = mask_identifiers(s),
        serde_json::Value::Array(items) => items.iter_mut().for_each(mask_value),
        _ => {}
    }
}

fn review_record(
    state: &AppState,
    s: StagedRecord,
    files: &std::collections::HashMap<i64, String>,
    role: Role,
) -> WebResult<ApiReviewRecord> {
    let village_name = area_label(&state.regions, &s.record.village);
    let mut record = serde_json::to_value(&s.record).map_err(WebError::internal)?;
    if !role.sees_identifiers()
        && let serde_json::Value::Object(map) = &mut record
    {
        for key in SECRET_KEYS {
            if let Some(v) = map.get_mut(key) {
                mask_value(v);
            }
        }
        if let Some(raw) = map.get_mut("raw") {
            mask_value(raw);
        }
    }
    Ok(ApiReviewRecord {
        staging_id: s.staging_id,
        batch_id: s.batch_id,
        file_name: files.get(&s.batch_id).cloned().unwrap_or_default(),
        village_name,
        record,
    })
}

pub async fn review_pair(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> WebResult<Json<ApiReviewPair>> {
    let pair = review::read_pair(&state, &auth, &id, "api").await?;
    let files = review::batch_files(&state).await?;
    let role = auth.user.role;
    Ok(Json(ApiReviewPair {
        id: pair.id,
        left: review_record(&state, pair.left, &files, role)?,
        right: review_record(&state, pair.right, &files, role)?,
        weight: pair.weight,
        probability: pair.probability,
        explanation: pair.explanation,
        decision: pair.decision,
        can_decide: review::may_decide(role),
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
    if !review::may_decide(auth.user.role) {
        return Err(WebError::Forbidden);
    }
    let Json(body) = body?;
    let verdict = review::parse_verdict(&body.verdict)
        .ok_or_else(|| WebError::BadRequest(format!("verdict {:?}", body.verdict)))?;
    let decision = review::decide(&state, &auth, &id, verdict, &body.note, "api").await?;
    let id = id.parse::<i64>().map_err(|_| WebError::NotFound)?;
    Ok(Json(ApiDecided { id, decision }))
}
