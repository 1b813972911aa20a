//! Page templates (askama, files in `templates/`) and the small helpers they share:
//! the layout header, masking of identifiers by role, and formatting.

use askama::Template;
use chrono::{DateTime, NaiveDate, Utc};
use gongrong_domain::{IdNumber, Lang, Level, Region, RegionCode, RegionTable, Role};

use crate::ctx::Ctx;
use crate::i18n::{Strings, strings};

/// The signed-in user as the header shows them.
pub struct HeaderUser {
    pub display_name: String,
    pub role_label: &'static str,
    pub area_name: String,
}

/// What the shared layout (`base.html`) needs.
pub struct Layout {
    /// `zh-CN` or `en`, for `<html lang>`.
    pub lang: &'static str,
    pub is_en: bool,
    pub t: &'static Strings,
    pub title: String,
    pub user: Option<HeaderUser>,
    /// The current path and query, URL-encoded, for the language switch's `next`.
    pub here_encoded: String,
    /// Which top navigation entry is current ("dashboard", "search", "review" or "").
    pub nav: &'static str,
    /// Whether the header links the clerical-review queue (roles that may open it).
    pub review_nav: bool,
}

impl Layout {
    pub fn new(ctx: &Ctx, title: &str) -> Self {
        Layout {
            lang: ctx.lang.code(),
            is_en: ctx.lang == Lang::En,
            t: strings(ctx.lang),
            title: title.to_owned(),
            user: ctx.user.as_ref().map(|u| HeaderUser {
                display_name: u.display_name.clone(),
                role_label: u.role.label(ctx.lang),
                area_name: ctx.area_name.clone(),
            }),
            here_encoded: serde_urlencoded::to_string([("next", ctx.here.as_str())])
                .unwrap_or_default(),
            nav: "",
            review_nav: ctx
                .user
                .as_ref()
                .is_some_and(|u| crate::review::may_view(u.role)),
        }
    }

    pub fn with_nav(mut self, nav: &'static str) -> Self {
        self.nav = nav;
        self
    }
}

// ---------- templates ----------

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub l: Layout,
    pub message: &'static str,
    pub status: u16,
}

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub l: Layout,
    pub username: String,
    pub next: String,
    pub failed: bool,
}

pub struct TownRow {
    pub name: String,
    pub persons: u64,
    pub households: u64,
    pub both: u64,
    pub poverty_only: u64,
    pub dibao_only: u64,
    pub overlap: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
pub struct DashboardPage {
    pub l: Layout,
    pub towns: Vec<TownRow>,
    pub total: TownRow,
    pub built_at: Option<String>,
    pub chart: crate::chart::BarChart,
}

pub struct HitRow {
    pub household_id: i64,
    pub name: String,
    pub id_number: String,
    pub sex: &'static str,
    pub birth_date: String,
    pub village_name: String,
    pub in_poverty: bool,
    pub in_dibao: bool,
}

pub struct VillageOption {
    pub code: String,
    pub name: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "search.html")]
pub struct SearchPage {
    pub l: Layout,
    pub q: String,
    pub villages: Vec<VillageOption>,
    /// Whether a search was run (some criterion given).
    pub searched: bool,
    pub hits: Vec<HitRow>,
    pub total_line: String,
    pub page_line: String,
    pub prev_href: Option<String>,
    pub next_href: Option<String>,
    pub masked: bool,
}

pub struct MemberRow {
    pub relation: &'static str,
    pub name: String,
    pub id_number: String,
    pub sex: &'static str,
    pub birth_date: String,
    pub age: String,
    pub health: &'static str,
    pub labour: &'static str,
    pub disability: String,
    pub self_care: &'static str,
    pub school_stage: &'static str,
    pub death: Option<String>,
    pub in_poverty: bool,
    pub in_dibao: bool,
}

pub struct IdentityRow {
    pub kind: &'static str,
    pub from: String,
    pub to: String,
    pub source: String,
}

pub struct SourceBlock {
    pub label: String,
    pub columns: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "household.html")]
pub struct HouseholdPage {
    pub l: Layout,
    pub id: i64,
    pub place: String,
    pub poverty_keys: String,
    pub dibao_keys: String,
    pub members: Vec<MemberRow>,
    pub identities: Vec<IdentityRow>,
    pub sources: Vec<SourceBlock>,
    pub masked: bool,
}

// ---------- helpers ----------

/// An ID number as this role may see it.
pub fn show_id(role: Role, id: &IdNumber) -> String {
    if role.sees_identifiers() {
        id.as_str().to_owned()
    } else {
        id.masked()
    }
}

/// Masks identifier-like values in free text (raw register columns) for roles that must not see
/// identifiers: every run of 7 or more digits (ID numbers, phone numbers, bank accounts, …) keeps
/// only its ends. ID numbers are masked exactly as [`IdNumber::masked`].
pub fn mask_identifiers(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let start = i;
            while i < chars.len()
                && (chars[i].is_ascii_digit() || (matches!(chars[i], 'X' | 'x') && i > start))
            {
                i += 1;
            }
            let run: String = chars[start..i].iter().collect();
            out.push_str(&mask_run(&run));
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

fn mask_run(run: &str) -> String {
    // A trailing X only belongs to an 18-character ID number; elsewhere it is ordinary text.
    if run.len() < 7 {
        return run.to_owned();
    }
    if let Ok(id) = IdNumber::parse(run) {
        return id.masked();
    }
    let n = run.len();
    let (keep_head, keep_tail) = if n >= 11 { (3, 4) } else { (2, 2) };
    format!(
        "{}{}{}",
        &run[..keep_head],
        "*".repeat(n - keep_head - keep_tail),
        &run[n - keep_tail..]
    )
}

pub fn fmt_date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// An instant in China Standard Time, to the minute.
pub fn fmt_instant(t: DateTime<Utc>) -> String {
    (t + chrono::Duration::hours(8))
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// A share in basis points as a percentage with one decimal (`8215` → `82.2%`), or the dash.
pub fn fmt_bp(bp: Option<u64>, none: &str) -> String {
    match bp {
        Some(bp) => {
            let tenths = (bp + 5) / 10;
            format!("{}.{}%", tenths / 10, tenths % 10)
        }
        None => none.to_owned(),
    }
}

/// The area's display name: a town or district by name, a village with its town in front.
pub fn area_label(regions: &RegionTable, area: &RegionCode) -> String {
    let name = regions.name(area).unwrap_or(area.as_str()).to_owned();
    match (area.level(), area.parent()) {
        (Level::Village, Some(town)) => match regions.name(&town) {
            Some(town_name) => format!("{town_name} {name}"),
            None => name,
        },
        _ => name,
    }
}

/// The villages inside an area (the area itself when it is a village), sorted by code. Walks
/// the region table downwards from the area; areas above county level are too wide for a
/// select list and get none.
pub fn villages_in(regions: &RegionTable, area: &RegionCode) -> Vec<Region> {
    if area.level() == Level::Village {
        return vec![Region {
            code: *area,
            name: regions.name(area).unwrap_or(area.as_str()).to_owned(),
        }];
    }
    if area.level() < Level::County {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut frontier = vec![*area];
    while let Some(code) = frontier.pop() {
        for child in regions.children(&code) {
            if child.code.level() == Level::Village {
                out.push(child);
            } else {
                frontier.push(child.code);
            }
        }
    }
    out.sort_by_key(|r| r.code);
    out
}

/// Optional code-list label, or the dash.
pub fn label_or<T>(
    value: Option<T>,
    lang: Lang,
    label: fn(T, Lang) -> &'static str,
) -> &'static str {
    match value {
        Some(v) => label(v, lang),
        None => strings(lang).none,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_identifier_runs() {
        assert_eq!(mask_identifiers("11010519491231002X"), "110105********002X");
        assert_eq!(mask_identifiers("电话 13812345678"), "电话 138****5678");
        assert_eq!(mask_identifiers("2021-01-01"), "2021-01-01");
        assert_eq!(mask_identifiers("1500.00"), "1500.00");
        assert_eq!(
            mask_identifiers("6228480012345678901"),
            "622************8901"
        );
        assert_eq!(mask_identifiers("张三"), "张三");
    }

    #[test]
    fn percentages() {
        assert_eq!(fmt_bp(Some(8215), "—"), "82.2%");
        assert_eq!(fmt_bp(Some(10_000), "—"), "100.0%");
        assert_eq!(fmt_bp(Some(0), "—"), "0.0%");
        assert_eq!(fmt_bp(None, "—"), "—");
    }

    #[test]
    fn villages_of_areas() {
        let mut t = RegionTable::national();
        let v1 = RegionCode::parse("370305100201").unwrap();
        let v2 = RegionCode::parse("370305102201").unwrap();
        t.insert(v1, "东关村");
        t.insert(v2, "西村");
        let town = RegionCode::parse("370305100").unwrap();
        let district = RegionCode::parse("370305").unwrap();
        assert_eq!(villages_in(&t, &town).len(), 1);
        assert_eq!(villages_in(&t, &district).len(), 2);
        assert_eq!(villages_in(&t, &v2)[0].name, "西村");
        assert!(area_label(&t, &v1).ends_with(" 东关村"));
    }
}
