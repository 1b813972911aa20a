//! Counts per town of the people an access may see, computed in SQL.

use crate::access::{Access, PeopleScope, Permission};
use crate::db::{Db, Params};
use crate::{AreaCounts, Dashboard, Result, national};
use gongrong_domain::{Level, RegionCode, Scope};
use std::collections::BTreeMap;

/// Per town (the first 9 digits of the village code): all, in both registers, poverty only,
/// dibao only. `{table}` is `persons` or `households`, both with `village`, `in_poverty`,
/// `in_dibao`.
const COUNTS: &str = include_str!("../sql/dashboard_counts.sql");

#[derive(Clone, Copy, Default)]
struct Counts {
    all: u64,
    both: u64,
    poverty_only: u64,
    dibao_only: u64,
}

async fn counts(
    db: &Db,
    table: &str,
    people: &PeopleScope,
) -> Result<BTreeMap<RegionCode, Counts>> {
    let mut params = Params::default();
    let condition = match table {
        "households" => people.households("t", &mut params),
        _ => people.persons("t", &mut params),
    };
    let sql = COUNTS
        .replace("{table}", table)
        .replace("{scope}", &condition);
    let rows = db.fetch_all(&sql, params.into_vec()).await?;
    let mut out = BTreeMap::new();
    for r in &rows {
        let town = crate::codec::region(r, 0)?;
        out.insert(
            town,
            Counts {
                all: r.count(1)?,
                both: r.count(2)?,
                poverty_only: r.count(3)?,
                dibao_only: r.count(4)?,
            },
        );
    }
    Ok(out)
}

/// Towns listed for a scope even when they have no households.
async fn listed_towns(db: &Db, scope: &Scope) -> Result<Vec<RegionCode>> {
    Ok(match scope {
        Scope::Within(r) if r.level() >= Level::Town => r.town().into_iter().collect(),
        Scope::Within(r) => {
            let mut towns = Vec::new();
            let mut frontier = vec![*r];
            while let Some(region) = frontier.pop() {
                for child in national().children(&region) {
                    if child.code.level() == Level::Town {
                        towns.push(child.code);
                    } else {
                        frontier.push(child.code);
                    }
                }
            }
            towns
        }
        // Everything: the towns of the stored villages.
        Scope::All => db
            .fetch_all("SELECT DISTINCT substr(code, 1, 9) FROM regions", vec![])
            .await?
            .iter()
            .map(|r| crate::codec::region(r, 0))
            .collect::<Result<Vec<_>>>()?,
    })
}

async fn scope_name(db: &Db, scope: &Scope) -> Result<(Option<RegionCode>, String)> {
    let Scope::Within(code) = scope else {
        return Ok((None, String::new()));
    };
    if let Some(name) = national().name(code) {
        return Ok((Some(*code), name.to_owned()));
    }
    let stored = db
        .fetch_optional(
            "SELECT name FROM regions WHERE code = $1",
            vec![code.as_str().into()],
        )
        .await?;
    let name = match stored {
        Some(r) => r.get(0)?,
        None => String::new(),
    };
    Ok((Some(*code), name))
}

pub(crate) async fn dashboard(db: &Db, access: &Access) -> Result<Dashboard> {
    access.require(Permission::ReadPeople)?;
    let people = access.people();
    let scope = match &people {
        PeopleScope::Area(area) | PeopleScope::Department { area, .. } => Scope::Within(*area),
        PeopleScope::All | PeopleScope::Nobody => Scope::All,
    };
    let scope = &scope;
    let persons = counts(db, "persons", &people).await?;
    let households = counts(db, "households", &people).await?;
    let mut towns: Vec<RegionCode> = listed_towns(db, scope).await?;
    towns.extend(persons.keys().chain(households.keys()).copied());
    towns.sort();
    towns.dedup();

    let (code, name) = scope_name(db, scope).await?;
    let mut total = AreaCounts {
        code,
        name,
        ..AreaCounts::default()
    };
    let mut lines = Vec::with_capacity(towns.len());
    for town in towns {
        let p = persons.get(&town).copied().unwrap_or_default();
        let h = households.get(&town).copied().unwrap_or_default();
        let line = AreaCounts {
            code: Some(town),
            name: national().name(&town).unwrap_or_default().to_owned(),
            persons: p.all,
            persons_both: p.both,
            persons_poverty_only: p.poverty_only,
            persons_dibao_only: p.dibao_only,
            households: h.all,
            households_both: h.both,
            households_poverty_only: h.poverty_only,
            households_dibao_only: h.dibao_only,
        };
        total.persons += line.persons;
        total.persons_both += line.persons_both;
        total.persons_poverty_only += line.persons_poverty_only;
        total.persons_dibao_only += line.persons_dibao_only;
        total.households += line.households;
        total.households_both += line.households_both;
        total.households_poverty_only += line.households_poverty_only;
        total.households_dibao_only += line.households_dibao_only;
        lines.push(line);
    }

    let built_at = db
        .fetch_optional("SELECT built_at FROM registry_meta WHERE id = 1", vec![])
        .await?
        .map(|r| r.get(0))
        .transpose()?;
    Ok(Dashboard {
        towns: lines,
        total,
        built_at,
    })
}
