//! Revealing one masked field of one person: a POST with a reason (CSRF-protected like every
//! form), answered with the clear value for that response only. The store checks scope and
//! the field matrix and writes the audit record (with the reason) before it returns the value.
//!
//! Routes: `POST /reveal` (form: `subject` = `person:<id>` | `staging:<id>`, `field` = a field
//! class code, `reason`, `back`), `POST /api/v1/reveal` (JSON `{"subject": {"kind": "person",
//! "id": 1}, "field": "id_number", "reason": "…"}`).

use askama::Template;
use axum::extract::State;
use axum::extract::rejection::{FormRejection, JsonRejection};
use axum::response::{Html, IntoResponse, Response};
use axum::{Form, Json};
use gongrong_domain::Lang;
use gongrong_store::{
    Access, FieldClass, RevealRequest, RevealSubject, Revealed, RevealedValue, Visibility,
};
use serde::Deserialize;

use crate::AppState;
use crate::ctx::{Auth, safe_next};
use crate::error::{WebError, WebResult};
use crate::i18n::{Strings, strings};
use crate::view::Layout;

/// One choice of the reveal form's subject select.
pub struct RevealOption {
    pub value: String,
    pub label: String,
}

/// The reveal form under a page whose values are masked.
pub struct RevealForm {
    pub subjects: Vec<RevealOption>,
    /// Field classes this reader sees masked (revealable): `(code, label)`.
    pub classes: Vec<(&'static str, &'static str)>,
    /// Where the result page links back to.
    pub back: String,
}

pub fn class_label(t: &Strings, c: FieldClass) -> &'static str {
    match c {
        FieldClass::IdNumber => t.class_id_number,
        FieldClass::Phone => t.class_phone,
        FieldClass::BankAccount => t.class_bank_account,
        FieldClass::Health => t.class_health,
        FieldClass::Disability => t.class_disability,
    }
}

/// The form for `subjects`, or `None` when this reader has nothing masked to reveal.
pub fn form(
    access: &Access,
    lang: Lang,
    subjects: Vec<RevealOption>,
    back: &str,
) -> Option<RevealForm> {
    let t = strings(lang);
    let classes: Vec<_> = FieldClass::ALL
        .into_iter()
        .filter(|c| access.visibility(*c) == Visibility::Masked)
        .map(|c| (c.code(), class_label(t, c)))
        .collect();
    (!classes.is_empty() && !subjects.is_empty()).then(|| RevealForm {
        subjects,
        classes,
        back: back.to_owned(),
    })
}

pub struct RevealedRow {
    pub label: String,
    pub value: String,
}

#[derive(Template)]
#[template(path = "revealed.html")]
pub struct RevealedPage {
    pub l: Layout,
    pub class: &'static str,
    pub rows: Vec<RevealedRow>,
    pub back: String,
}

fn parse_subject(s: &str) -> Option<RevealSubject> {
    let (kind, id) = s.trim().split_once(':')?;
    let id = id.parse::<i64>().ok().filter(|id| *id > 0)?;
    match kind {
        "person" => Some(RevealSubject::Person(id)),
        "staging" => Some(RevealSubject::StagedRow(id)),
        _ => None,
    }
}

fn field_label(t: &Strings, field: &str) -> String {
    match field {
        "id_number" => t.id_number.to_owned(),
        "id_number_raw" => t.field_id_number_raw.to_owned(),
        "phone" => t.field_phone.to_owned(),
        "bank_account" => t.field_bank_account.to_owned(),
        "health" => t.health.to_owned(),
        "self_care" => t.self_care.to_owned(),
        "disability" => t.disability.to_owned(),
        other => other.strip_prefix("raw:").unwrap_or(other).to_owned(),
    }
}

fn value_text(v: &RevealedValue, t: &Strings, lang: Lang) -> String {
    match v {
        RevealedValue::IdNumber(id) => id.as_str().to_owned(),
        RevealedValue::Text(s) => s.clone(),
        RevealedValue::Health(h) => crate::view::label_or(*h, lang, |v, l| v.label(l)).to_owned(),
        RevealedValue::SelfCare(s) => crate::view::label_or(*s, lang, |v, l| v.label(l)).to_owned(),
        RevealedValue::Disability(d) => d.map_or_else(
            || t.none.to_owned(),
            |d| match lang {
                Lang::Zh => format!("{}{}", d.category.zh(), d.grade.zh()),
                Lang::En => format!("{}, {}", d.category.en(), d.grade.en()),
            },
        ),
    }
}

async fn run(state: &AppState, auth: &Auth, req: RevealRequest) -> WebResult<Revealed> {
    state
        .store
        .reveal(&auth.access, &req)
        .await?
        .ok_or(WebError::NotFound)
}

#[derive(Deserialize)]
pub struct RevealFormData {
    #[serde(default)]
    subject: String,
    #[serde(default)]
    field: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    back: Option<String>,
}

fn request(subject: &str, field: &str, reason: String) -> WebResult<RevealRequest> {
    let subject = parse_subject(subject)
        .ok_or_else(|| WebError::BadRequest(format!("subject {subject:?}")))?;
    let class = FieldClass::parse(field.trim())
        .ok_or_else(|| WebError::BadRequest(format!("field {field:?}")))?;
    Ok(RevealRequest {
        subject,
        class,
        reason,
    })
}

pub async fn reveal_submit(
    State(state): State<AppState>,
    auth: Auth,
    form: Result<Form<RevealFormData>, FormRejection>,
) -> WebResult<Response> {
    let Form(form) = form?;
    let req = request(&form.subject, &form.field, form.reason)?;
    let class = req.class;
    let revealed = run(&state, &auth, req).await?;
    let lang = auth.ctx.lang;
    let t = strings(lang);
    let page = RevealedPage {
        l: Layout::new(&auth.ctx, t.reveal_title),
        class: class_label(t, class),
        rows: revealed
            .values
            .iter()
            .map(|(field, v)| RevealedRow {
                label: field_label(t, field),
                value: value_text(v, t, lang),
            })
            .collect(),
        back: safe_next(form.back.as_deref()),
    };
    Ok(Html(page.render()?).into_response())
}

#[derive(Deserialize)]
pub struct ApiReveal {
    pub subject: RevealSubjectJson,
    pub field: String,
    #[serde(default)]
    pub reason: String,
}

#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RevealSubjectJson {
    Person { id: i64 },
    StagedRow { id: i64 },
}

pub async fn api_reveal(
    State(state): State<AppState>,
    auth: Auth,
    body: Result<Json<ApiReveal>, JsonRejection>,
) -> WebResult<Json<Revealed>> {
    let Json(body) = body?;
    let subject = match body.subject {
        RevealSubjectJson::Person { id } => format!("person:{id}"),
        RevealSubjectJson::StagedRow { id } => format!("staging:{id}"),
    };
    let req = request(&subject, &body.field, body.reason)?;
    Ok(Json(run(&state, &auth, req).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_parse() {
        assert_eq!(parse_subject("person:12"), Some(RevealSubject::Person(12)));
        assert_eq!(
            parse_subject("staging:3"),
            Some(RevealSubject::StagedRow(3))
        );
        assert_eq!(parse_subject("person:-1"), None);
        assert_eq!(parse_subject("person:1 OR 1=1"), None);
        assert_eq!(parse_subject("household:1"), None);
        assert_eq!(parse_subject(""), None);
    }
}
