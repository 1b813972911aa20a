//! Reading the registry: person search and the household page. Every query is filtered by the
//! caller's [`Access`] (the household's village in their area; for a department, its listed
//! people), sensitive fields come out masked for the caller, and every read is audited.

use crate::access::{Access, FieldClass, Permission};
use crate::audit::Event;
use crate::codec::{self, parsed, parsed_opt};
use crate::db::{Arg, Params, Row};
use crate::mask::{Masker, mask_digits};
use crate::{
    HouseholdView, IdentityView, MemberView, PersonHit, Result, SearchPage, SearchQuery,
    SourceRowView, Store, national,
};
use gongrong_domain::codes::{
    DisabilityCategory, DisabilityGrade, Health, IdentityKind, LabourSkill, Relation, SchoolStage,
    SelfCare, Sex,
};
use gongrong_domain::{Disability, IdNumber, Register, Source};
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

pub(crate) async fn search(
    store: &Store,
    access: &Access,
    query: &SearchQuery,
) -> Result<SearchPage> {
    access.require(Permission::ReadPeople)?;
    let scope = access.people();
    // Only the conditions in use go into the text, so each variant gets a plan that fits it.
    let mut params = Params::default();
    let mut conditions = vec![
        "p.household_id IS NOT NULL".to_owned(),
        scope.persons("p", &mut params),
    ];
    match interpret(query.text.as_deref()) {
        Text::Any => {}
        Text::Id(id) => {
            conditions.push(format!("p.id_number = {}", params.push(id.as_str().into())))
        }
        Text::Name(name) => conditions.push(format!(
            "p.name LIKE {} ESCAPE '\\'",
            params.push(contains_pattern(&name).into())
        )),
    }
    if let Some(village) = query.village {
        conditions.push(format!(
            "p.village = {}",
            params.push(village.as_str().into())
        ));
    }
    let filter = format!("FROM persons p WHERE {}", conditions.join(" AND "));
    let count_args = params.clone().into_vec();
    let total = store
        .db
        .fetch_one(&format!("SELECT COUNT(*) {filter}"), count_args)
        .await?
        .count(0)?;
    let size = match query.page_size {
        0 => DEFAULT_PAGE_SIZE,
        n => n.min(MAX_PAGE_SIZE),
    };
    let limit = params.push(i64::from(size).into());
    let offset = params.push((i64::from(query.page) * i64::from(size)).into());
    let sql = format!(
        "SELECT p.id, p.household_id, p.name, p.id_number, p.sex, p.birth_date, p.village, \
         COALESCE((SELECT r.name FROM regions r WHERE r.code = p.village), ''), \
         p.in_poverty, p.in_dibao {filter} \
         ORDER BY p.village, p.name, p.id_number LIMIT {limit} OFFSET {offset}"
    );
    let masker = Masker::new(access);
    let hits = store
        .db
        .fetch_all(&sql, params.into_vec())
        .await?
        .iter()
        .map(|r| {
            Ok(PersonHit {
                person_id: r.get(0)?,
                household_id: r.get(1)?,
                name: r.get(2)?,
                id_number: masker.id_number(codec::id_number(r, 3)?),
                sex: parsed(r, 4, "sex", Sex::parse)?,
                birth_date: r.get(5)?,
                village: codec::region(r, 6)?,
                village_name: r.get(7)?,
                in_poverty: r.get(8)?,
                in_dibao: r.get(9)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let persons: Vec<String> = hits.iter().map(|h| h.person_id.to_string()).collect();
    let detail = format!(
        "q={}; village={}; page={}; total={total}; persons={}",
        query.text.as_deref().map(mask_digits).unwrap_or_default(),
        query.village.map(|v| v.to_string()).unwrap_or_default(),
        query.page,
        persons.join(",")
    );
    store
        .audit
        .append(vec![Event::new(access, "person.search", "search", detail)])
        .await?;
    Ok(SearchPage { hits, total })
}

pub(crate) async fn household(
    store: &Store,
    access: &Access,
    id: i64,
) -> Result<Option<HouseholdView>> {
    access.require(Permission::ReadPeople)?;
    let found = read_household(store, access, id).await?;
    let detail = found.as_ref().map(|h| {
        let members: Vec<String> = h.members.iter().map(|m| m.person_id.to_string()).collect();
        format!("members={}", members.join(","))
    });
    crate::audit::record_read(&store.audit, access, "household", id, detail).await?;
    Ok(found)
}

async fn read_household(store: &Store, access: &Access, id: i64) -> Result<Option<HouseholdView>> {
    let scope = access.people();
    let masker = Masker::new(access);
    let mut pooled = store.db.acquire().await?;
    let mut conn = pooled.conn();
    let mut params = Params::default();
    params.push(id.into());
    let condition = scope.households("h", &mut params);
    let Some(head) = conn
        .fetch_optional(
            &format!(
                "SELECT h.village, COALESCE((SELECT r.name FROM regions r WHERE r.code = h.village), '') \
                 FROM households h WHERE h.id = $1 AND {condition}"
            ),
            params.into_vec(),
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

    // Members and source rows: only the people the caller may see (all of them, except for a
    // department officer).
    let mut params = Params::default();
    params.push(id.into());
    let members_scope = scope.persons("p", &mut params);
    let member_args: Vec<Arg> = params.into_vec();
    let members = conn
        .fetch_all(
            &HOUSEHOLD_MEMBERS.replace("{scope}", &members_scope),
            member_args.clone(),
        )
        .await?
        .iter()
        .map(|r| member(r, &masker))
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
        .fetch_all(
            &HOUSEHOLD_SOURCES.replace("{scope}", &members_scope),
            member_args,
        )
        .await?
        .iter()
        .map(|r| {
            let raw: Vec<(String, String)> = codec::json(r, 4, "raw row")?;
            Ok(SourceRowView {
                register: codec::register(r, 0)?,
                batch_id: r.get(1)?,
                file_name: r.get(2)?,
                row: r.count(3)?,
                raw: raw
                    .into_iter()
                    .map(|(k, v)| {
                        let v = masker.raw(&k, v);
                        (k, v)
                    })
                    .collect(),
                staging_id: r.get(5)?,
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

fn member(r: &Row, masker: &Masker) -> Result<MemberView> {
    let category = parsed_opt(r, 9, "disability category", DisabilityCategory::parse)?;
    let grade = parsed_opt(r, 10, "disability grade", DisabilityGrade::parse)?;
    let disability = category
        .zip(grade)
        .map(|(category, grade)| Disability { category, grade });
    Ok(MemberView {
        person_id: r.get(0)?,
        name: r.get(1)?,
        id_number: masker.id_number(codec::id_number(r, 2)?),
        sex: parsed(r, 3, "sex", Sex::parse)?,
        birth_date: r.get(4)?,
        relation: parsed(r, 5, "relation", Relation::parse)?,
        death_date: r.get(6)?,
        health: masker.code(
            FieldClass::Health,
            parsed_opt(r, 7, "health", Health::parse)?,
        ),
        labour: parsed_opt(r, 8, "labour", LabourSkill::parse)?,
        disability: masker.code(FieldClass::Disability, disability),
        self_care: masker.code(
            FieldClass::Health,
            parsed_opt(r, 11, "self-care", SelfCare::parse)?,
        ),
        school_stage: parsed_opt(r, 12, "school stage", SchoolStage::parse)?,
        in_poverty: r.get(13)?,
        in_dibao: r.get(14)?,
    })
}

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
