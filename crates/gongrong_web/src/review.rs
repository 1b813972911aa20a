//! Clerical review of the linkage's uncertain band: the queue, one pair side by side with the
//! model's explanation, and the reviewer's decision (stored, audited, and respected by every
//! later linkage run).
//!
//! Who may do what: town caseworkers, district civil affairs, district rural revitalisation and
//! administrators review and decide; auditors may look (read-only, identifiers masked); village
//! clerks and department officers get 403. Pairs outside the user's area are "not found", the
//! same as a pair that does not exist.

use askama::Template;
use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use gongrong_domain::unify::StagedRecord;
use gongrong_domain::{Lang, Role};
use gongrong_store::{ReviewDecision, ReviewFilter, ReviewPair, ReviewPairSummary, ReviewVerdict};
use serde::Deserialize;
use std::collections::HashMap;

use crate::ctx::Auth;
use crate::error::{WebError, WebResult};
use crate::i18n::{Strings, fill, strings};
use crate::view::{Layout, area_label, fmt_date, fmt_instant, label_or, mask_identifiers, show_id};
use crate::{AppState, record_audit};

// ---------- permissions ----------

/// Roles that decide review pairs.
pub fn may_decide(role: Role) -> bool {
    matches!(
        role,
        Role::TownCaseworker
            | Role::DistrictCivilAffairs
            | Role::DistrictRuralRevitalisation
            | Role::Admin
    )
}

/// Roles that may open the queue: those that decide, and auditors (read-only).
pub fn may_view(role: Role) -> bool {
    may_decide(role) || role == Role::Auditor
}

fn require_view(role: Role) -> WebResult<()> {
    if may_view(role) {
        Ok(())
    } else {
        Err(WebError::Forbidden)
    }
}

// ---------- the queue ----------

/// Queue parameters, shared by the page and the API; empty means "not given".
#[derive(Deserialize, Default)]
pub struct QueueParams {
    pub filter: Option<String>,
    /// 1-based.
    pub page: Option<String>,
}

pub struct ParsedQueue {
    pub filter: ReviewFilter,
    /// 1-based.
    pub page: u32,
}

const MAX_PAGE: u32 = 100_000;
const MAX_NOTE_CHARS: usize = 500;

pub fn filter_code(f: ReviewFilter) -> &'static str {
    match f {
        ReviewFilter::Pending => "pending",
        ReviewFilter::Decided => "decided",
        ReviewFilter::All => "all",
    }
}

pub fn verdict_code(v: ReviewVerdict) -> &'static str {
    match v {
        ReviewVerdict::Match => "match",
        ReviewVerdict::NonMatch => "non_match",
    }
}

pub fn parse_verdict(s: &str) -> Option<ReviewVerdict> {
    match s.trim() {
        "match" => Some(ReviewVerdict::Match),
        "non_match" => Some(ReviewVerdict::NonMatch),
        _ => None,
    }
}

pub fn parse_queue(p: &QueueParams) -> WebResult<ParsedQueue> {
    let filter = match p.filter.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None | Some("pending") => ReviewFilter::Pending,
        Some("decided") => ReviewFilter::Decided,
        Some("all") => ReviewFilter::All,
        Some(other) => return Err(WebError::BadRequest(format!("filter {other:?}"))),
    };
    let page = match p.page.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => s
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_PAGE).contains(n))
            .ok_or_else(|| WebError::BadRequest(format!("page {s:?}")))?,
        None => 1,
    };
    Ok(ParsedQueue { filter, page })
}

/// Pending and decided pairs in the user's area.
#[derive(Clone, Copy, Debug, Default, serde::Serialize)]
pub struct QueueCounts {
    pub pending: u64,
    pub decided: u64,
    pub all: u64,
}

pub struct Queue {
    pub pairs: Vec<ReviewPairSummary>,
    /// Pairs of the requested filter.
    pub total: u64,
    pub counts: QueueCounts,
}

/// One page of the queue in the user's scope, with the counts of each filter.
pub async fn load_queue(
    state: &AppState,
    auth: &Auth,
    q: &ParsedQueue,
    page_size: u32,
) -> WebResult<Queue> {
    require_view(auth.user.role)?;
    let scope = auth.user.scope();
    let (pairs, total) = state
        .store
        .review_queue(&scope, q.filter, q.page - 1, page_size)
        .await?;
    let mut counts = [0u64; 2];
    for (slot, f) in counts
        .iter_mut()
        .zip([ReviewFilter::Pending, ReviewFilter::Decided])
    {
        *slot = if f == q.filter {
            total
        } else {
            state.store.review_queue(&scope, f, 0, 1).await?.1
        };
    }
    let [pending, decided] = counts;
    Ok(Queue {
        pairs,
        total,
        counts: QueueCounts {
            pending,
            decided,
            all: pending + decided,
        },
    })
}

// ---------- one pair ----------

/// Reads a pair in the user's scope and records the read in the audit log (a miss too).
pub async fn read_pair(
    state: &AppState,
    auth: &Auth,
    id: &str,
    channel: &str,
) -> WebResult<ReviewPair> {
    require_view(auth.user.role)?;
    let Ok(id) = id.parse::<i64>() else {
        return Err(WebError::NotFound);
    };
    let pair = state.store.review_pair(&auth.user.scope(), id).await?;
    let (action, detail) = match &pair {
        Some(_) => ("review.read", channel.to_owned()),
        None => (
            "review.read_denied",
            format!("{channel}: not found or out of scope"),
        ),
    };
    record_audit(
        state,
        &auth.ctx,
        &auth.user.username,
        action,
        format!("review:{id}"),
        detail,
    )
    .await?;
    pair.ok_or(WebError::NotFound)
}

/// Stores a reviewer's decision on a pair in the user's scope and audits it.
pub async fn decide(
    state: &AppState,
    auth: &Auth,
    id: &str,
    verdict: ReviewVerdict,
    note: &str,
    channel: &str,
) -> WebResult<ReviewDecision> {
    if !may_decide(auth.user.role) {
        return Err(WebError::Forbidden);
    }
    let Ok(id) = id.parse::<i64>() else {
        return Err(WebError::NotFound);
    };
    let note = note.trim();
    if note.chars().count() > MAX_NOTE_CHARS {
        return Err(WebError::BadRequest("note too long".into()));
    }
    if note
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r')
    {
        return Err(WebError::BadRequest("control characters in note".into()));
    }
    let decision = ReviewDecision {
        verdict,
        decided_by: auth.user.username.clone(),
        decided_at: state.clock.now(),
        note: note.to_owned(),
    };
    let stored = state
        .store
        .decide_review(&auth.user.scope(), id, &decision)
        .await?;
    let code = verdict_code(verdict);
    let (action, detail) = if stored {
        let detail = if note.is_empty() {
            format!("{channel}: {code}")
        } else {
            format!("{channel}: {code}; note: {note}")
        };
        ("review.decide", detail)
    } else {
        (
            "review.decide_denied",
            format!("{channel}: {code}; not found or out of scope"),
        )
    };
    record_audit(
        state,
        &auth.ctx,
        &auth.user.username,
        action,
        format!("review:{id}"),
        detail,
    )
    .await?;
    if stored {
        Ok(decision)
    } else {
        Err(WebError::NotFound)
    }
}

/// File names of the import batches, by batch id.
pub async fn batch_files(state: &AppState) -> WebResult<HashMap<i64, String>> {
    Ok(state
        .store
        .batches()
        .await?
        .into_iter()
        .map(|b| (b.id, b.file_name))
        .collect())
}

// ---------- the explanation, as the page reads it ----------

/// `gongrong_link::Explanation` as stored (JSON), read leniently: the web crate only shows it.
#[derive(Deserialize, Default)]
pub struct ExplanationView {
    #[serde(default)]
    pub prior_weight: f64,
    #[serde(default)]
    pub terms: Vec<TermView>,
    #[serde(default)]
    pub weight: Option<f64>,
    #[serde(default)]
    pub probability: Option<f64>,
    #[serde(default)]
    pub band: Option<String>,
    #[serde(default)]
    pub rule: Option<String>,
    #[serde(default)]
    pub duplicate: Option<String>,
}

#[derive(Deserialize)]
pub struct TermView {
    pub comparison: String,
    pub level: String,
    #[serde(default)]
    pub weight: f64,
    #[serde(default)]
    pub tf_adjustment: f64,
}

fn comparison_label(t: &Strings, code: &str) -> String {
    match code {
        "id_number" => t.cmp_id_number,
        "name" => t.cmp_name,
        "birth_date" => t.cmp_birth_date,
        "sex" => t.cmp_sex,
        "region" => t.cmp_region,
        other => other,
    }
    .to_owned()
}

fn level_label(t: &Strings, code: &str) -> String {
    match code {
        "null" => t.lvl_null,
        "exact" => t.lvl_exact,
        "repaired" => t.lvl_repaired,
        "near" => t.lvl_near,
        "different" => t.lvl_different,
        "same_pinyin" => t.lvl_same_pinyin,
        "similar_high" => t.lvl_similar_high,
        "similar_low" => t.lvl_similar_low,
        "one_field_differs" => t.lvl_one_field_differs,
        "same" => t.lvl_same,
        "same_village" => t.lvl_same_village,
        "same_town" => t.lvl_same_town,
        "same_county" => t.lvl_same_county,
        other => other,
    }
    .to_owned()
}

fn band_label(t: &Strings, code: &str) -> String {
    match code {
        "match" => t.band_match,
        "review" => t.band_review,
        "non_match" => t.band_non_match,
        other => other,
    }
    .to_owned()
}

fn rule_label(t: &Strings, code: &str) -> String {
    match code {
        "distinct_valid_ids" => t.rule_distinct_valid_ids,
        "same_household" => t.rule_same_household,
        "no_usable_identifier" => t.rule_no_usable_identifier,
        "within_source_not_duplicate" => t.rule_within_source_not_duplicate,
        "cluster_conflict" => t.rule_cluster_conflict,
        other => other,
    }
    .to_owned()
}

fn duplicate_label(t: &Strings, code: &str) -> String {
    match code {
        "same_id_number" => t.dup_same_id_number,
        "same_household_name_birth_date" => t.dup_same_household_name_birth_date,
        other => other,
    }
    .to_owned()
}

pub fn verdict_label(t: &Strings, v: ReviewVerdict) -> &'static str {
    match v {
        ReviewVerdict::Match => t.verdict_match,
        ReviewVerdict::NonMatch => t.verdict_non_match,
    }
}

/// A weight with a sign and two decimals (`+3.25`, `-1.50`).
pub fn fmt_weight(w: f64) -> String {
    format!("{w:+.2}")
}

/// A probability as a percentage with one decimal.
pub fn fmt_probability(p: f64) -> String {
    format!("{:.1}%", (p * 100.0).clamp(0.0, 100.0))
}

// ---------- the weight chart ----------

const CHART_W: f64 = 640.0;
const CHART_LABEL_W: f64 = 150.0;
const CHART_PLOT_W: f64 = 400.0;
const CHART_ROW_H: f64 = 24.0;
const CHART_BAR_H: f64 = 16.0;
const CHART_TOP: f64 = 8.0;

pub struct WeightBar {
    pub label: String,
    pub value: String,
    pub x: String,
    pub w: String,
    pub y: String,
    pub text_y: String,
    /// `w-pos`, `w-neg`; with ` w-total` for the total.
    pub class: &'static str,
}

pub struct WeightChart {
    pub width: u32,
    pub height: u32,
    pub axis_x: String,
    pub label_x: String,
    pub value_x: String,
    pub bar_h: String,
    pub bars: Vec<WeightBar>,
    pub description: String,
}

fn px(v: f64) -> String {
    format!("{v:.1}")
}

/// A diverging horizontal bar chart: one bar per `(label, weight, is_total)`, positive to the
/// right of the zero axis, negative to the left, scaled to the largest magnitude.
pub fn weight_chart(rows: &[(String, f64, bool)], description: &str) -> WeightChart {
    let max = rows
        .iter()
        .map(|(_, w, _)| if w.is_finite() { w.abs() } else { 0.0 })
        .fold(1.0_f64, f64::max);
    let half = CHART_PLOT_W / 2.0;
    let axis = CHART_LABEL_W + half;
    let scale = (half - 2.0) / max;
    let bars = rows
        .iter()
        .enumerate()
        .map(|(i, (label, w, total))| {
            let w = if w.is_finite() { *w } else { 0.0 };
            let len = w.abs() * scale;
            let y = CHART_TOP + i as f64 * CHART_ROW_H;
            let class = match (w >= 0.0, total) {
                (true, false) => "w-pos",
                (false, false) => "w-neg",
                (true, true) => "w-pos w-total",
                (false, true) => "w-neg w-total",
            };
            WeightBar {
                label: label.clone(),
                value: fmt_weight(w),
                x: px(if w >= 0.0 { axis } else { axis - len }),
                w: px(len.max(1.0)),
                y: px(y),
                text_y: px(y + CHART_BAR_H * 0.8),
                class,
            }
        })
        .collect::<Vec<_>>();
    let height = (CHART_TOP * 2.0 + bars.len() as f64 * CHART_ROW_H).ceil() as u32;
    WeightChart {
        width: CHART_W as u32,
        height,
        axis_x: px(axis),
        label_x: px(CHART_LABEL_W - 6.0),
        value_x: px(CHART_LABEL_W + CHART_PLOT_W + 8.0),
        bar_h: px(CHART_BAR_H),
        bars,
        description: description.to_owned(),
    }
}

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
    let Auth { user, ctx } = auth;
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
        read_only: !may_decide(user.role),
    })
}

fn html(page: &impl Template) -> WebResult<Response> {
    Ok(Html(page.render()?).into_response())
}

#[derive(Deserialize, Default)]
pub struct PairParams {
    pub saved: Option<String>,
}

/// The values of one record, in [`field_labels`] order, as this reader may see them.
fn field_values(
    s: &StagedRecord,
    files: &HashMap<i64, String>,
    state: &AppState,
    role: Role,
    lang: Lang,
) -> Vec<(String, String)> {
    let t = strings(lang);
    let r = &s.record;
    let sees = role.sees_identifiers();
    let secret = |v: &str| {
        if sees {
            v.to_owned()
        } else {
            mask_identifiers(v)
        }
    };
    let opt = |v: Option<String>| v.unwrap_or_else(|| t.none.to_owned());
    let file = files.get(&s.batch_id).cloned().unwrap_or_default();
    // (shown value, compared value): identifiers are compared in full but shown as the role
    // may see them; register and source row are never compared (empty key).
    vec![
        (r.register.label(lang).to_owned(), String::new()),
        (fill(t.field_source_value, &[&file, &r.row]), String::new()),
        (r.household_key.clone(), r.household_key.clone()),
        (r.name.clone(), r.name.clone()),
        (show_id(role, &r.id_number), r.id_number.to_string()),
        (secret(&r.id_number_raw), r.id_number_raw.clone()),
        dual(r.sex.label(lang)),
        (fmt_date(r.birth_date), fmt_date(r.birth_date)),
        dual(r.relation.label(lang)),
        (
            area_label(&state.regions, &r.village),
            r.village.to_string(),
        ),
        (
            opt(r.ethnicity.clone()),
            r.ethnicity.clone().unwrap_or_default(),
        ),
        dual(label_or(r.health, lang, |v, l| v.label(l))),
        dual(label_or(r.labour, lang, |v, l| v.label(l))),
        dual(r.disability.map_or_else(
            || t.none.to_owned(),
            |d| match lang {
                Lang::Zh => format!("{}{}", d.category.zh(), d.grade.zh()),
                Lang::En => format!("{}, {}", d.category.en(), d.grade.en()),
            },
        )),
        dual(label_or(r.self_care, lang, |v, l| v.label(l))),
        dual(label_or(r.school_stage, lang, |v, l| v.label(l))),
        dual(label_or(r.identity, lang, |v, l| v.label(l))),
        dual(opt(r.identity_since.map(fmt_date))),
        dual(label_or(r.household_attribute, lang, |v, l| v.label(l))),
        dual(label_or(r.poverty_cause, lang, |v, l| v.label(l))),
        dual(opt(r.annual_income_per_capita.map(|m| m.to_string()))),
        dual(opt(r.monthly_income_per_capita.map(|m| m.to_string()))),
        dual(opt(r.monthly_benefit.map(|m| m.to_string()))),
        dual(opt(r.death_date.map(fmt_date))),
        (
            opt(r.phone.as_deref().map(secret)),
            r.phone.clone().unwrap_or_default(),
        ),
        (
            opt(r.bank_account.as_deref().map(secret)),
            r.bank_account.clone().unwrap_or_default(),
        ),
    ]
}

fn dual(v: impl Into<String>) -> (String, String) {
    let v = v.into();
    (v.clone(), v)
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

/// Both records aligned field by field; a field differs when both compared values differ
/// (register and source row are always different and never highlighted).
pub fn side_by_side(
    pair: &ReviewPair,
    files: &HashMap<i64, String>,
    state: &AppState,
    role: Role,
    lang: Lang,
) -> Vec<FieldRow> {
    let t = strings(lang);
    let left = field_values(&pair.left, files, state, role, lang);
    let right = field_values(&pair.right, files, state, role, lang);
    field_labels(t)
        .iter()
        .zip(left.into_iter().zip(right))
        .map(|(label, ((ls, lk), (rs, rk)))| FieldRow {
            label: (*label).to_owned(),
            differs: !(lk.is_empty() && rk.is_empty()) && lk != rk,
            left: ls,
            right: rs,
        })
        .collect()
}

/// Every original column of both rows, by header (left's order, then the right's own).
pub fn raw_side_by_side(pair: &ReviewPair, role: Role, none: &str) -> Vec<FieldRow> {
    let sees = role.sees_identifiers();
    let show = |v: &str| {
        if sees {
            v.to_owned()
        } else {
            mask_identifiers(v)
        }
    };
    let left = &pair.left.record.raw;
    let right = &pair.right.record.raw;
    let mut headers: Vec<&str> = left.iter().map(|(k, _)| k.as_str()).collect();
    for (k, _) in right {
        if !headers.contains(&k.as_str()) {
            headers.push(k);
        }
    }
    let get = |cols: &[(String, String)], h: &str| {
        cols.iter().find(|(k, _)| k == h).map(|(_, v)| v.clone())
    };
    headers
        .into_iter()
        .map(|h| {
            let l = get(left, h);
            let r = get(right, h);
            FieldRow {
                label: h.to_owned(),
                differs: matches!((&l, &r), (Some(a), Some(b)) if a.trim() != b.trim()),
                left: l.as_deref().map_or_else(|| none.to_owned(), show),
                right: r.as_deref().map_or_else(|| none.to_owned(), show),
            }
        })
        .collect()
}

pub async fn pair_page(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Query(p): Query<PairParams>,
) -> WebResult<Response> {
    let pair = read_pair(&state, &auth, &id, "web").await?;
    let files = batch_files(&state).await?;
    let Auth { user, ctx } = auth;
    let lang = ctx.lang;
    let t = strings(lang);
    let role = user.role;

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
        |label: &str, s: &StagedRecord| format!("{} · {}", label, s.record.register.label(lang));
    html(&PairPage {
        l: Layout::new(&ctx, &format!("{} #{}", t.review_pair_title, pair.id)).with_nav("review"),
        id: pair.id,
        left_title: side_title(t.review_left, &pair.left),
        right_title: side_title(t.review_right, &pair.right),
        fields: side_by_side(&pair, &files, &state, role, lang),
        raw: raw_side_by_side(&pair, role, t.none),
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
        can_decide: may_decide(role),
        masked: !role.sees_identifiers(),
        saved: p.saved.is_some(),
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
    if !may_decide(auth.user.role) {
        return Err(WebError::Forbidden);
    }
    let Form(form) = form?;
    let verdict = parse_verdict(&form.verdict)
        .ok_or_else(|| WebError::BadRequest(format!("verdict {:?}", form.verdict)))?;
    let _ = decide(&state, &auth, &id, verdict, &form.note, "web").await?;
    let id = id.parse::<i64>().map_err(|_| WebError::NotFound)?;
    Ok(Redirect::to(&format!("/review/{id}?saved=1")).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles() {
        assert!(may_decide(Role::TownCaseworker));
        assert!(may_decide(Role::Admin));
        assert!(!may_decide(Role::Auditor));
        assert!(may_view(Role::Auditor));
        assert!(!may_view(Role::VillageClerk));
        assert!(!may_view(Role::DepartmentOfficer));
    }

    #[test]
    fn queue_params() {
        let p = parse_queue(&QueueParams::default()).unwrap();
        assert_eq!(p.filter, ReviewFilter::Pending);
        assert_eq!(p.page, 1);
        let p = parse_queue(&QueueParams {
            filter: Some("all".into()),
            page: Some("3".into()),
        })
        .unwrap();
        assert_eq!((p.filter, p.page), (ReviewFilter::All, 3));
        assert!(
            parse_queue(&QueueParams {
                filter: Some("x".into()),
                page: None
            })
            .is_err()
        );
        assert!(
            parse_queue(&QueueParams {
                filter: None,
                page: Some("0".into())
            })
            .is_err()
        );
    }

    #[test]
    fn chart_diverges_from_the_axis() {
        let c = weight_chart(
            &[
                ("prior".into(), -8.0, false),
                ("id".into(), 4.0, false),
                ("total".into(), -4.0, true),
            ],
            "t",
        );
        assert_eq!(c.axis_x, "350.0");
        // -8 fills the left half (198 px), 4 half of the right half.
        assert_eq!(c.bars[0].x, "152.0");
        assert_eq!(c.bars[0].w, "198.0");
        assert_eq!(c.bars[0].class, "w-neg");
        assert_eq!(c.bars[1].x, "350.0");
        assert_eq!(c.bars[1].w, "99.0");
        assert_eq!(c.bars[2].class, "w-neg w-total");
        assert_eq!(c.bars[1].value, "+4.00");
    }

    #[test]
    fn formats() {
        assert_eq!(fmt_weight(-1.5), "-1.50");
        assert_eq!(fmt_probability(0.8123), "81.2%");
        assert_eq!(parse_verdict("non_match"), Some(ReviewVerdict::NonMatch));
        assert_eq!(parse_verdict("maybe"), None);
    }
}
