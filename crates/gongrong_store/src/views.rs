//! Reading the registry: person search and the household page. Every query is filtered by the
//! caller's scope on the household's village.

use crate::codec::{self, parsed, parsed_opt};
use crate::db::{Arg, Db, Row};
use crate::{
    HouseholdView, IdentityView, MemberView, PersonHit, Result, SearchPage, SearchQuery,
    SourceRowView, national,
};
use gongrong_domain::codes::{
    DisabilityCategory, DisabilityGrade, Health, IdentityKind, LabourSkill, Relation, SchoolStage,
    SelfCare, Sex,
};
use gongrong_domain::{Disability, IdNumber, Register, Scope, Source};

const HOUSEHOLD_MEMBERS: &str = include_str!("../sql/household_members.sql");
const HOUSEHOLD_SOURCES: &str = include_str!("../sql/household_sources.sql");

/// Page size when the query asks for 0, and the largest page served.
pub const DEFAULT_PAGE_SIZE: u32 = 20;
pub const MAX_PAGE_SIZE: u32 = 500;

/// What the search text means.
enum Text {
    Any,
    Id(IdNumber),
    Name(String),
}

fn interpret(text: Option<&str>) -> Text {
    let Some(t) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Text::Any;
    };
    match IdNumber::parse(t) {
        Ok(id) => Text::Id(id),
        Err(_) => Text::Name(t.to_owned()),
    }
}

/// `%x%` with `\`, `%` and `_` escaped (for `LIKE … ESCAPE '\'`).
fn contains_pattern(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('%');
    for c in s.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

pub(crate) async fn search(db: &Db, scope: &Scope, query: &SearchQuery) -> Result<SearchPage> {
    // Only the conditions in use go into the text, so each variant gets a plan that fits it.
    let mut conditions = vec!["p.household_id IS NOT NULL".to_owned()];
    let mut args: Vec<Arg> = Vec::new();
    let mut add = |condition: &str, arg: Arg| {
        args.push(arg);
        conditions.push(condition.replace('?', &format!("${}", args.len())));
    };
    add("p.village LIKE ?", scope.like_pattern().into());
    match interpret(query.text.as_deref()) {
        Text::Any => {}
        Text::Id(id) => add("p.id_number = ?", id.as_str().into()),
        Text::Name(name) => add("p.name LIKE ? ESCAPE '\\'", contains_pattern(&name).into()),
    }
    if let Some(village) = query.village {
        add("p.village = ?", village.as_str().into());
    }
    let filter = format!("FROM persons p WHERE {}", conditions.join(" AND "));

    let total = db
        .fetch_one(&format!("SELECT COUNT(*) {filter}"), args.clone())
        .await?
        .count(0)?;
    let size = match query.page_size {
        0 => DEFAULT_PAGE_SIZE,
        n => n.min(MAX_PAGE_SIZE),
    };
    let n = args.len();
    let sql = format!(
        "SELECT p.id, p.household_id, p.name, p.id_number, p.sex, p.birth_date, p.village, \
         COALESCE((SELECT r.name FROM regions r WHERE r.code = p.village), ''), \
         p.in_poverty, p.in_dibao {filter} \
         ORDER BY p.village, p.name, p.id_number LIMIT ${} OFFSET ${}",
        n + 1,
        n + 2
    );
    args.push(i64::from(size).into());
    args.push((i64::from(query.page) * i64::from(size)).into());
    let hits = db
        .fetch_all(&sql, args)
        .await?
        .iter()
        .map(|r| {
            Ok(PersonHit {
                person_id: r.get(0)?,
                household_id: r.get(1)?,
                name: r.get(2)?,
                id_number: codec::id_number(r, 3)?,
                sex: parsed(r, 4, "sex", Sex::parse)?,
                birth_date: r.get(5)?,
                village: codec::region(r, 6)?,
                village_name: r.get(7)?,
                in_poverty: r.get(8)?,
                in_dibao: r.get(9)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(SearchPage { hits, total })
}

pub(crate) async fn household(db: &Db, scope: &Scope, id: i64) -> Result<Option<HouseholdView>> {
    let mut pooled = db.acquire().await?;
    let mut conn = pooled.conn();
    let Some(head) = conn
        .fetch_optional(
            "SELECT h.village, COALESCE((SELECT r.name FROM regions r WHERE r.code = h.village), '') \
             FROM households h WHERE h.id = $1 AND h.village LIKE $2",
            vec![id.into(), scope.like_pattern().into()],
        )
        .await?
    else {
        return Ok(None);
    };
    let village = codec::region(&head, 0)?;
    let town_name = village
        .town()
        .and_then(|t| national().name(&t))
        .unwrap_or_default()
        .to_owned();

    let mut poverty_keys = Vec::new();
    let mut dibao_keys = Vec::new();
    let keys = conn
        .fetch_all(
            "SELECT register, household_key FROM household_keys WHERE household_id = $1 \
             ORDER BY household_key",
            vec![id.into()],
        )
        .await?;
    for k in &keys {
        match codec::register(k, 0)? {
            Register::Poverty => poverty_keys.push(k.get(1)?),
            Register::Dibao => dibao_keys.push(k.get(1)?),
        }
    }

    let members = conn
        .fetch_all(HOUSEHOLD_MEMBERS, vec![id.into()])
        .await?
        .iter()
        .map(member)
        .collect::<Result<Vec<_>>>()?;

    let identities = conn
        .fetch_all(
            "SELECT kind, valid_from, valid_to, source FROM identities WHERE household_id = $1 \
             ORDER BY valid_from DESC, kind",
            vec![id.into()],
        )
        .await?
        .iter()
        .map(|r| {
            let source: Source = codec::json(r, 3, "identity source")?;
            Ok(IdentityView {
                kind: parsed(r, 0, "identity", IdentityKind::parse)?,
                from: r.get(1)?,
                to: r.get(2)?,
                source,
            })
        })
        .collect::<Result<Vec<_>>>()?;

    let sources = conn
        .fetch_all(HOUSEHOLD_SOURCES, vec![id.into()])
        .await?
        .iter()
        .map(|r| {
            Ok(SourceRowView {
                register: codec::register(r, 0)?,
                batch_id: r.get(1)?,
                file_name: r.get(2)?,
                row: r.count(3)?,
                raw: codec::json(r, 4, "raw row")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;

    Ok(Some(HouseholdView {
        id,
        village,
        village_name: head.get(1)?,
        town_name,
        poverty_keys,
        dibao_keys,
        members,
        identities,
        sources,
    }))
}

fn member(r: &Row) -> Result<MemberView> {
    let category = parsed_opt(r, 9, "disability category", DisabilityCategory::parse)?;
    let grade = parsed_opt(r, 10, "disability grade", DisabilityGrade::parse)?;
    Ok(MemberView {
        person_id: r.get(0)?,
        name: r.get(1)?,
        id_number: codec::id_number(r, 2)?,
        sex: parsed(r, 3, "sex", Sex::parse)?,
        birth_date: r.get(4)?,
        relation: parsed(r, 5, "relation", Relation::parse)?,
        death_date: r.get(6)?,
        health: parsed_opt(r, 7, "health", Health::parse)?,
        labour: parsed_opt(r, 8, "labour", LabourSkill::parse)?,
        disability: category
            .zip(grade)
            .map(|(category, grade)| Disability { category, grade }),
        self_care: parsed_opt(r, 11, "self-care", SelfCare::parse)?,
        school_stage: parsed_opt(r, 12, "school stage", SchoolStage::parse)?,
        in_poverty: r.get(13)?,
        in_dibao: r.get(14)?,
    })
}

/// "poverty register, batch 3 row 17".
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_text_is_an_id_or_a_name() {
        assert!(matches!(interpret(None), Text::Any));
        assert!(matches!(interpret(Some("  ")), Text::Any));
        assert!(matches!(
            interpret(Some(" 11010519491231002X ")),
            Text::Id(_)
        ));
        assert!(matches!(interpret(Some("370305500101001")), Text::Id(_)));
        assert!(matches!(
            interpret(Some("340524198001010013")),
            Text::Name(_)
        ));
        assert!(matches!(interpret(Some("张")), Text::Name(n) if n == "张"));
    }

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(contains_pattern("张三"), "%张三%");
        assert_eq!(contains_pattern(r"a%b_c\d"), r"%a\%b\_c\\d%");
    }
}
