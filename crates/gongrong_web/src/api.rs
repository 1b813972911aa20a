//! JSON API, version 1: the same data and the same scoping as the pages, authenticated by the
//! session cookie. Errors are `{"error": "<stable code>", "message": "<translated>"}`.
//! Code-list values are the domain's serde names (e.g. `"son"`, `"chronic"`); ID numbers are
//! masked exactly as on the pages for roles that do not see identifiers.

use axum::Json;
use axum::extract::{Path, Query, State};
use chrono::{DateTime, NaiveDate, Utc};
use gongrong_domain::codes::{
    Health, IdentityKind, LabourSkill, Relation, SchoolStage, SelfCare, Sex,
};
use gongrong_domain::{Disability, RegionCode, Register, Role};
use gongrong_store::{AreaCounts, HouseholdView};
use serde::Serialize;

use crate::AppState;
use crate::ctx::Auth;
use crate::error::WebResult;
use crate::pages::{SearchParams, parse_search, read_household, run_search};
use crate::view::{mask_identifiers, show_id};

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
