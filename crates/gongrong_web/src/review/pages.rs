//! The review pages: the queue and one pair side by side, with the decision form.

use askama::Template;
use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use gongrong_domain::Lang;
use gongrong_store::{Permission, RecordView, ReviewFilter, ReviewPair, ReviewVerdict};
use serde::Deserialize;
use std::collections::HashMap;

use crate::AppState;
use crate::ctx::Auth;
use crate::error::WebResult;
use crate::i18n::{Strings, fill, strings};
use crate::reveal::RevealOption;
use crate::view::{Layout, area_label, fmt_date, fmt_instant, label_or, shown, shown_text};

use super::*;

// ---------- page views ----------

pub struct QueueTab {
    pub label: &'static str,
    pub href: String,
    pub count: u64,
    pub current: bool,
}

pub struct QueueRow {
    pub id: i64,
    pub left_name: String,
    pub left_register: &'static str,
    pub right_name: String,
    pub right_register: &'static str,
    pub village_name: String,
    pub weight: String,
    pub probability: String,
    pub decision: Option<String>,
    /// `verdict-match` / `verdict-non_match`.
    pub decision_class: &'static str,
}

#[derive(Template)]
#[template(path = "review_queue.html")]
pub struct QueuePage {
    pub l: Layout,
    pub tabs: Vec<QueueTab>,
    pub rows: Vec<QueueRow>,
    pub total_line: String,
    pub page_line: String,
    pub prev_href: Option<String>,
    pub next_href: Option<String>,
    pub read_only: bool,
}

/// One field of the two records.
pub struct FieldRow {
    pub label: String,
    pub left: String,
    pub right: String,
    pub differs: bool,
}

pub struct TermRow {
    pub comparison: String,
    pub level: String,
    pub weight: String,
    pub tf_adjustment: String,
    pub contribution: String,
    pub positive: bool,
}

pub struct DecisionView {
    pub verdict: &'static str,
    pub class: &'static str,
    pub by_line: String,
    pub note: String,
}

#[derive(Template)]
#[template(path = "review_pair.html")]
pub struct PairPage {
    pub l: Layout,
    pub id: i64,
    pub left_title: String,
    pub right_title: String,
    pub fields: Vec<FieldRow>,
    pub raw: Vec<FieldRow>,
    pub explanation_ok: bool,
    pub prior: String,
    pub terms: Vec<TermRow>,
    pub total_weight: String,
    pub probability: String,
    pub band: Option<String>,
    pub rule: Option<String>,
    pub duplicate: Option<String>,
    pub chart: WeightChart,
    pub decision: Option<DecisionView>,
    pub can_decide: bool,
    pub masked: bool,
    pub saved: bool,
    pub reveal: Option<crate::reveal::RevealForm>,
}

fn queue_href(filter: ReviewFilter, page: u32) -> String {
    format!("/review?filter={}&page={page}", filter_code(filter))
}

fn decision_class(v: ReviewVerdict) -> &'static str {
    match v {
        ReviewVerdict::Match => "verdict-match",
        ReviewVerdict::NonMatch => "verdict-non-match",
    }
}

pub async fn queue_page(
    State(state): State<AppState>,
    auth: Auth,
    Query(p): Query<QueueParams>,
) -> WebResult<Response> {
    let parsed = parse_queue(&p)?;
    let page_size = state.config.page_size.max(1);
    let queue = load_queue(&state, &auth, &parsed, page_size).await?;
    let Auth { ctx, access, .. } = auth;
    let lang = ctx.lang;
    let t = strings(lang);
    let pages = queue.total.div_ceil(u64::from(page_size)).max(1);
    let page = u64::from(parsed.page);
    let tabs = [
        (
            ReviewFilter::Pending,
            t.review_filter_pending,
            queue.counts.pending,
        ),
        (
            ReviewFilter::Decided,
            t.review_filter_decided,
            queue.counts.decided,
        ),
        (ReviewFilter::All, t.review_filter_all, queue.counts.all),
    ]
    .into_iter()
    .map(|(f, label, count)| QueueTab {
        label,
        href: queue_href(f, 1),
        count,
        current: f == parsed.filter,
    })
    .collect();
    let rows = queue
        .pairs
        .iter()
        .map(|s| QueueRow {
            id: s.id,
            left_name: s.left_name.clone(),
            left_register: s.left_register.label(lang),
            right_name: s.right_name.clone(),
            right_register: s.right_register.label(lang),
            village_name: if s.village_name.is_empty() {
                area_label(&state.regions, &s.village)
            } else {
                s.village_name.clone()
            },
            weight: fmt_weight(s.weight),
            probability: fmt_probability(s.probability),
            decision: s
                .decision
                .as_ref()
                .map(|d| verdict_label(t, d.verdict).to_owned()),
            decision_class: s
                .decision
                .as_ref()
                .map_or("", |d| decision_class(d.verdict)),
        })
        .collect();
    html(&QueuePage {
        l: Layout::new(&ctx, t.review_title).with_nav("review"),
        tabs,
        rows,
        total_line: fill(t.review_total, &[&queue.total]),
        page_line: fill(t.page_of, &[&page, &pages]),
        prev_href: (page > 1).then(|| queue_href(parsed.filter, parsed.page - 1)),
        next_href: (page < pages).then(|| queue_href(parsed.filter, parsed.page + 1)),
        read_only: !access.can(Permission::DecideReview),
    })
}

fn html(page: &impl Template) -> WebResult<Response> {
    Ok(Html(page.render()?).into_response())
}

#[derive(Deserialize, Default)]
pub struct PairParams {
    pub saved: Option<String>,
}

/// The values of one record, in [`field_labels`] order, as this reader may see them, each with
/// the `RegisterRecord` field it shows (empty: never compared).
fn field_values(
    r: &RecordView,
    files: &HashMap<i64, String>,
    state: &AppState,
    lang: Lang,
) -> Vec<(&'static str, String)> {
    let t = strings(lang);
    let opt = |v: Option<String>| v.unwrap_or_else(|| t.none.to_owned());
    let file = files.get(&r.batch_id).cloned().unwrap_or_default();
    vec![
        ("", r.register.label(lang).to_owned()),
        ("", fill(t.field_source_value, &[&file, &r.row])),
        ("household_key", r.household_key.clone()),
        ("name", r.name.clone()),
        (
            "id_number",
            shown(&r.id_number, t, |id| id.as_str().to_owned()),
        ),
        ("id_number_raw", shown_text(&r.id_number_raw, t)),
        ("sex", r.sex.label(lang).to_owned()),
        ("birth_date", fmt_date(r.birth_date)),
        ("relation", r.relation.label(lang).to_owned()),
        ("village", area_label(&state.regions, &r.village)),
        ("ethnicity", opt(r.ethnicity.clone())),
        (
            "health",
            shown(&r.health, t, |v| {
                label_or(*v, lang, |v, l| v.label(l)).to_owned()
            }),
        ),
        (
            "labour",
            label_or(r.labour, lang, |v, l| v.label(l)).to_owned(),
        ),
        (
            "disability",
            shown(&r.disability, t, |d| {
                d.map_or_else(
                    || t.none.to_owned(),
                    |d| match lang {
                        Lang::Zh => format!("{}{}", d.category.zh(), d.grade.zh()),
                        Lang::En => format!("{}, {}", d.category.en(), d.grade.en()),
                    },
                )
            }),
        ),
        (
            "self_care",
            shown(&r.self_care, t, |v| {
                label_or(*v, lang, |v, l| v.label(l)).to_owned()
            }),
        ),
        (
            "school_stage",
            label_or(r.school_stage, lang, |v, l| v.label(l)).to_owned(),
        ),
        (
            "identity",
            label_or(r.identity, lang, |v, l| v.label(l)).to_owned(),
        ),
        ("identity_since", opt(r.identity_since.map(fmt_date))),
        (
            "household_attribute",
            label_or(r.household_attribute, lang, |v, l| v.label(l)).to_owned(),
        ),
        (
            "poverty_cause",
            label_or(r.poverty_cause, lang, |v, l| v.label(l)).to_owned(),
        ),
        (
            "annual_income_per_capita",
            opt(r.annual_income_per_capita.map(|m| m.to_string())),
        ),
        (
            "monthly_income_per_capita",
            opt(r.monthly_income_per_capita.map(|m| m.to_string())),
        ),
        (
            "monthly_benefit",
            opt(r.monthly_benefit.map(|m| m.to_string())),
        ),
        ("death_date", opt(r.death_date.map(fmt_date))),
        ("phone", shown(&r.phone, t, |v| opt(v.clone()))),
        (
            "bank_account",
            shown(&r.bank_account, t, |v| opt(v.clone())),
        ),
    ]
}

fn field_labels(t: &Strings) -> [&'static str; 26] {
    [
        t.field_register,
        t.field_source,
        t.field_household_key,
        t.name,
        t.id_number,
        t.field_id_number_raw,
        t.sex,
        t.birth_date,
        t.relation,
        t.village,
        t.field_ethnicity,
        t.health,
        t.labour,
        t.disability,
        t.self_care,
        t.school_stage,
        t.identity,
        t.field_identity_since,
        t.field_household_attribute,
        t.field_poverty_cause,
        t.field_annual_income,
        t.field_monthly_income,
        t.field_monthly_benefit,
        t.death,
        t.field_phone,
        t.field_bank_account,
    ]
}

/// Both records aligned field by field; a field differs when the clear values differ (the
/// store compares them before masking; register and source row are never highlighted).
pub fn side_by_side(
    pair: &ReviewPair,
    files: &HashMap<i64, String>,
    state: &AppState,
    lang: Lang,
) -> Vec<FieldRow> {
    let t = strings(lang);
    let left = field_values(&pair.left, files, state, lang);
    let right = field_values(&pair.right, files, state, lang);
    field_labels(t)
        .iter()
        .zip(left.into_iter().zip(right))
        .map(|(label, ((field, ls), (_, rs)))| FieldRow {
            label: (*label).to_owned(),
            differs: !field.is_empty() && pair.differs.contains(field),
            left: ls,
            right: rs,
        })
        .collect()
}

/// Every original column of both rows, by header (left's order, then the right's own).
pub fn raw_side_by_side(pair: &ReviewPair, t: &Strings) -> Vec<FieldRow> {
    let left = &pair.left.raw;
    let right = &pair.right.raw;
    let mut headers: Vec<&str> = left.iter().map(|(k, _)| k.as_str()).collect();
    for (k, _) in right {
        if !headers.contains(&k.as_str()) {
            headers.push(k);
        }
    }
    let get = |cols: &[(String, gongrong_store::Shown<String>)], h: &str| {
        cols.iter()
            .find(|(k, _)| k == h)
            .map(|(_, v)| shown_text(v, t))
    };
    headers
        .into_iter()
        .map(|h| FieldRow {
            label: h.to_owned(),
            differs: pair.differs.contains(&format!("raw:{h}")),
            left: get(left, h).unwrap_or_else(|| t.none.to_owned()),
            right: get(right, h).unwrap_or_else(|| t.none.to_owned()),
        })
        .collect()
}

pub async fn pair_page(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Query(p): Query<PairParams>,
) -> WebResult<Response> {
    let pair = read_pair(&state, &auth, &id).await?;
    let files = batch_files(&state).await?;
    let Auth { ctx, access, .. } = auth;
    let lang = ctx.lang;
    let t = strings(lang);

    let parsed: Option<ExplanationView> = serde_json::from_value(pair.explanation.clone()).ok();
    let explanation_ok = parsed.is_some();
    let ex = parsed.unwrap_or_default();
    let total = ex.weight.unwrap_or(pair.weight);
    let probability = ex.probability.unwrap_or(pair.probability);
    let terms: Vec<TermRow> = ex
        .terms
        .iter()
        .map(|term| {
            let c = term.weight + term.tf_adjustment;
            TermRow {
                comparison: comparison_label(t, &term.comparison),
                level: level_label(t, &term.level),
                weight: fmt_weight(term.weight),
                tf_adjustment: if term.tf_adjustment == 0.0 {
                    t.none.to_owned()
                } else {
                    fmt_weight(term.tf_adjustment)
                },
                contribution: fmt_weight(c),
                positive: c >= 0.0,
            }
        })
        .collect();
    let mut chart_rows = vec![(t.review_prior.to_owned(), ex.prior_weight, false)];
    chart_rows.extend(ex.terms.iter().map(|term| {
        (
            comparison_label(t, &term.comparison),
            term.weight + term.tf_adjustment,
            false,
        )
    }));
    chart_rows.push((t.review_total_weight.to_owned(), total, true));
    let chart = weight_chart(&chart_rows, t.review_chart_title);

    let side_title =
        |label: &str, r: &RecordView| format!("{} · {}", label, r.register.label(lang));
    let subjects = [(t.review_left, &pair.left), (t.review_right, &pair.right)]
        .into_iter()
        .map(|(side, r)| RevealOption {
            value: format!("staging:{}", r.staging_id),
            label: format!("{side}：{}", r.name),
        })
        .collect();
    let reveal = crate::reveal::form(&access, lang, subjects, &ctx.here);
    html(&PairPage {
        l: Layout::new(&ctx, &format!("{} #{}", t.review_pair_title, pair.id)).with_nav("review"),
        id: pair.id,
        left_title: side_title(t.review_left, &pair.left),
        right_title: side_title(t.review_right, &pair.right),
        fields: side_by_side(&pair, &files, &state, lang),
        raw: raw_side_by_side(&pair, t),
        explanation_ok,
        prior: fmt_weight(ex.prior_weight),
        terms,
        total_weight: fmt_weight(total),
        probability: fmt_probability(probability),
        band: ex.band.as_deref().map(|b| band_label(t, b)),
        rule: ex.rule.as_deref().map(|r| rule_label(t, r)),
        duplicate: ex.duplicate.as_deref().map(|d| duplicate_label(t, d)),
        chart,
        decision: pair.decision.as_ref().map(|d| DecisionView {
            verdict: verdict_label(t, d.verdict),
            class: decision_class(d.verdict),
            by_line: fill(
                t.review_decided_by,
                &[&d.decided_by, &fmt_instant(d.decided_at)],
            ),
            note: d.note.clone(),
        }),
        can_decide: access.can(Permission::DecideReview),
        masked: access.masks_anything(),
        saved: p.saved.is_some(),
        reveal,
    })
}

#[derive(Deserialize)]
pub struct DecideForm {
    #[serde(default)]
    verdict: String,
    #[serde(default)]
    note: String,
}

pub async fn decide_submit(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    form: Result<Form<DecideForm>, FormRejection>,
) -> WebResult<Response> {
    require_decide(&auth)?;
    let Form(form) = form?;
    let verdict = parse_verdict(&form.verdict)
        .ok_or_else(|| crate::error::WebError::BadRequest(format!("verdict {:?}", form.verdict)))?;
    let (id, _) = decide(&state, &auth, &id, verdict, &form.note).await?;
    Ok(Redirect::to(&format!("/review/{id}?saved=1")).into_response())
}
