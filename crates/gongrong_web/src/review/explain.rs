//! The linkage model's explanation of a pair, in the reader's language, and its weight chart.

use gongrong_store::ReviewVerdict;
use serde::Deserialize;

use crate::i18n::Strings;

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

pub(super) fn comparison_label(t: &Strings, code: &str) -> String {
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

pub(super) fn level_label(t: &Strings, code: &str) -> String {
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

pub(super) fn band_label(t: &Strings, code: &str) -> String {
    match code {
        "match" => t.band_match,
        "review" => t.band_review,
        "non_match" => t.band_non_match,
        other => other,
    }
    .to_owned()
}

pub(super) fn rule_label(t: &Strings, code: &str) -> String {
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

pub(super) fn duplicate_label(t: &Strings, code: &str) -> String {
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

pub(super) fn px(v: f64) -> String {
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
