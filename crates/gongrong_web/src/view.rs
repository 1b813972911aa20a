//! Page templates (askama, files in `templates/`) and the small helpers they share:
//! the layout header, showing masked values, and formatting. Masking itself happens in the
//! store: pages only ever receive [`Shown`] values.

use askama::Template;
use chrono::{DateTime, NaiveDate, Utc};
use gongrong_domain::{Lang, Level, Region, RegionCode, RegionTable};
use gongrong_store::{Permission, Shown};

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
    /// Whether the header links people pages, the clerical-review queue, the audit log and
    /// user management (by the signed-in role's permissions).
    pub people_nav: bool,
    pub review_nav: bool,
    pub audit_nav: bool,
    pub users_nav: bool,
    /// The session's CSRF token: every `<form method="post">` renders it as the hidden field
    /// `csrf` (empty before sign-in; the login form carries its own).
    pub csrf: String,
}

impl Layout {
    pub fn new(ctx: &Ctx, title: &str) -> Self {
        let can = |p: Permission| ctx.access.as_ref().is_some_and(|a| a.can(p));
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
            people_nav: can(Permission::ReadPeople),
            review_nav: can(Permission::ReadReview),
            audit_nav: can(Permission::ReadAudit),
            users_nav: can(Permission::ManageUsers),
            csrf: ctx.csrf.clone().unwrap_or_default(),
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
    pub locked: bool,
    /// The login form's own CSRF token (its cookie is set with the page).
    pub login_csrf: String,
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
    /// A department officer whose department list is still empty.
    pub department_empty: bool,
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
    pub department_empty: bool,
}

pub struct MemberRow {
    pub person_id: i64,
    pub relation: &'static str,
    pub name: String,
    pub id_number: String,
    pub sex: &'static str,
    pub birth_date: String,
    pub age: String,
    pub health: String,
    pub labour: &'static str,
    pub disability: String,
    pub self_care: String,
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
    /// The reveal form's choices (when something is masked).
    pub reveal: Option<crate::reveal::RevealForm>,
}

// ---------- helpers ----------

/// A value as the store let this reader see it: the clear value through `show`, the masked
/// text (`110105********002X`), or a note that it is hidden (revealable) or withheld.
pub fn shown<T>(v: &Shown<T>, t: &Strings, show: impl FnOnce(&T) -> String) -> String {
    match v {
        Shown::Clear(x) => show(x),
        Shown::Masked(s) if !s.is_empty() => s.clone(),
        Shown::Masked(_) => t.masked_value.to_owned(),
        Shown::Withheld => t.withheld_value.to_owned(),
    }
}

/// A masked text value (identifiers, raw columns) or its clear text.
pub fn shown_text(v: &Shown<String>, t: &Strings) -> String {
    shown(v, t, String::clone)
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
    fn shown_values() {
        let t = strings(Lang::En);
        assert_eq!(shown_text(&Shown::Clear("a".into()), t), "a");
        assert_eq!(shown_text(&Shown::Masked("1**4".into()), t), "1**4");
        assert_eq!(shown_text(&Shown::Masked(String::new()), t), t.masked_value);
        assert_eq!(shown_text(&Shown::Withheld, t), t.withheld_value);
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
