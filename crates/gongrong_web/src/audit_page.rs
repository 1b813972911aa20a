//! The audit log for auditors and administrators: recent records with filters (actor, action
//! or action prefix, target), paged by record number, and a verification of the whole chain.
//! Reading the log is itself audited by the store.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
use gongrong_store::{AuditFilter, AuditRecord};
use serde::Deserialize;

use crate::AppState;
use crate::ctx::Auth;
use crate::error::{WebError, WebResult};
use crate::i18n::{fill, strings};
use crate::view::{Layout, fmt_instant};

const PAGE: u32 = 100;

#[derive(Deserialize, Default)]
pub struct AuditParams {
    actor: Option<String>,
    action: Option<String>,
    target: Option<String>,
    before: Option<String>,
}

pub struct AuditRow {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub channel: String,
    pub origin: String,
    pub action: String,
    pub target: String,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
pub struct AuditPage {
    pub l: Layout,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub rows: Vec<AuditRow>,
    pub older_href: Option<String>,
    pub verdict: Option<(bool, String)>,
}

/// A filter value: trimmed, bounded, empty means none.
fn filter_value(v: Option<&str>) -> WebResult<Option<String>> {
    let Some(v) = v.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if v.chars().count() > 200 || v.chars().any(char::is_control) {
        return Err(WebError::BadRequest(
            "audit filter too long or malformed".into(),
        ));
    }
    Ok(Some(v.to_owned()))
}

fn row(r: AuditRecord) -> AuditRow {
    AuditRow {
        seq: r.seq,
        at: fmt_instant(r.at),
        actor: r.actor,
        channel: r.channel,
        origin: r.origin.unwrap_or_default(),
        action: r.action,
        target: r.target,
        detail: r.detail,
    }
}

async fn render(
    state: &AppState,
    auth: &Auth,
    p: &AuditParams,
    verdict: Option<(bool, String)>,
) -> WebResult<Response> {
    let before = match p.before.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Some(
            s.parse::<i64>()
                .map_err(|_| WebError::BadRequest(format!("before {s:?}")))?,
        ),
        None => None,
    };
    let filter = AuditFilter {
        actor: filter_value(p.actor.as_deref())?,
        action: filter_value(p.action.as_deref())?,
        target: filter_value(p.target.as_deref())?,
        before,
        limit: PAGE,
    };
    let records = state.store.audit_log(&auth.access, &filter).await?;
    let older_href = (records.len() as u32 == PAGE)
        .then(|| records.last().map(|r| r.seq))
        .flatten()
        .map(|seq| {
            let mut q: Vec<(&str, String)> = Vec::new();
            for (k, v) in [
                ("actor", &filter.actor),
                ("action", &filter.action),
                ("target", &filter.target),
            ] {
                if let Some(v) = v {
                    q.push((k, v.clone()));
                }
            }
            q.push(("before", seq.to_string()));
            format!(
                "/audit?{}",
                serde_urlencoded::to_string(&q).unwrap_or_default()
            )
        });
    let t = strings(auth.ctx.lang);
    let page = AuditPage {
        l: Layout::new(&auth.ctx, t.audit_title).with_nav("audit"),
        actor: filter.actor.clone().unwrap_or_default(),
        action: filter.action.clone().unwrap_or_default(),
        target: filter.target.clone().unwrap_or_default(),
        rows: records.into_iter().map(row).collect(),
        older_href,
        verdict,
    };
    Ok(Html(page.render()?).into_response())
}

pub async fn audit_page(
    State(state): State<AppState>,
    auth: Auth,
    Query(p): Query<AuditParams>,
) -> WebResult<Response> {
    render(&state, &auth, &p, None).await
}

pub async fn verify_page(State(state): State<AppState>, auth: Auth) -> WebResult<Response> {
    let report = state.store.verify_audit_chain(&auth.access).await?;
    let t = strings(auth.ctx.lang);
    let verdict = match &report.problem {
        None => (
            true,
            fill(t.audit_ok, &[&report.records, &report.head_hash]),
        ),
        Some(p) => (false, fill(t.audit_broken, &[&p.seq, &p.message])),
    };
    render(&state, &auth, &AuditParams::default(), Some(verdict)).await
}
