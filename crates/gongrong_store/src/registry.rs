//! Writing the unified registry: everything replaced in one transaction.
//!
//! Person `i` of [`Unified::persons`] gets id `i + 1` (or the id the caller gives it: an
//! incremental reconcile keeps existing persons' ids) and household `j` id `j + 1`, so the same
//! input always yields the same ids.

use crate::access::{Access, Permission};
use crate::audit::{self, Event};
use crate::bulk::Bulk;
use crate::codec::to_json;
use crate::db::{Arg, Db, Tx};
use crate::{RegistryStats, Result, StoreError};
use chrono::{DateTime, Utc};
use gongrong_domain::Register;
use gongrong_domain::codes::Relation;
use gongrong_domain::unify::Unified;

const CLEAR_SQLITE: &str = include_str!("../sql/sqlite/clear_registry.sql");
const CLEAR_POSTGRES: &str = include_str!("../sql/postgres/clear_registry.sql");
const ANALYZE_SQLITE: &str = include_str!("../sql/sqlite/analyze.sql");
const ANALYZE_POSTGRES: &str = include_str!("../sql/postgres/analyze.sql");

const PERSON_COLUMNS: &[&str] = &[
    "id",
    "id_number",
    "name",
    "sex",
    "birth_date",
    "village",
    "household_id",
    "death_date",
    "health",
    "labour",
    "disability_category",
    "disability_grade",
    "self_care",
    "school_stage",
    "in_poverty",
    "in_dibao",
];

/// Rows per bulk flush: bounds memory while keeping statements large.
const FLUSH_ROWS: usize = 50_000;

/// Person ids: given, or `i + 1`.
struct PersonIds<'a>(Option<&'a [i64]>);

impl PersonIds<'_> {
    fn get(&self, i: usize) -> i64 {
        self.0
            .and_then(|ids| ids.get(i))
            .copied()
            .unwrap_or(i as i64 + 1)
    }
}

pub(crate) async fn replace(
    db: &Db,
    access: &Access,
    unified: &Unified,
    person_ids: Option<&[i64]>,
    built_at: DateTime<Utc>,
) -> Result<RegistryStats> {
    access.require(Permission::RunJobs)?;
    if let Some(ids) = person_ids {
        let distinct: std::collections::HashSet<i64> = ids.iter().copied().collect();
        if ids.len() != unified.persons.len()
            || distinct.len() != ids.len()
            || ids.iter().any(|&id| id <= 0)
        {
            return Err(StoreError::Conflict(format!(
                "{} person ids for {} persons (ids must be distinct and positive)",
                ids.len(),
                unified.persons.len()
            )));
        }
    }
    let ids = PersonIds(person_ids);
    // Which household each person belongs to, with the relation.
    let mut home: Vec<Option<(usize, Relation)>> = vec![None; unified.persons.len()];
    for (h, household) in unified.households.iter().enumerate() {
        for m in &household.members {
            if let Some(slot) = home.get_mut(m.person) {
                *slot = Some((h, m.relation));
            }
        }
    }

    let mut tx = db.begin().await?;
    tx.conn()
        .script(db.pick(CLEAR_SQLITE, CLEAR_POSTGRES))
        .await?;
    write_households(&mut tx, unified).await?;
    write_persons(&mut tx, unified, &home, &ids).await?;
    write_links(&mut tx, unified, &home, &ids).await?;
    let stats = RegistryStats {
        persons: unified.persons.len() as u64,
        households: unified.households.len() as u64,
        duplicate_rows: unified.duplicate_rows.len() as u64,
    };
    tx.conn()
        .execute(
            "INSERT INTO registry_meta (id, built_at, persons, households, duplicate_rows) \
         VALUES (1, $1, $2, $3, $4)",
            vec![
                built_at.into(),
                stats.persons.into(),
                stats.households.into(),
                stats.duplicate_rows.into(),
            ],
        )
        .await?;
    // Department lists name persons by id: kept only while the ids keep meaning the same
    // people (an incremental reconcile gives them), emptied otherwise (the policy engine's next
    // population run fills them again).
    let dropped = match person_ids {
        Some(_) => {
            tx.conn()
                .execute(
                    "DELETE FROM department_people WHERE person_id NOT IN (SELECT id FROM persons)",
                    vec![],
                )
                .await?
        }
        None => {
            tx.conn()
                .execute("DELETE FROM department_people", vec![])
                .await?
        }
    };
    audit::append(
        &mut tx.conn(),
        &[Event::new(
            access,
            "registry.replace",
            "registry",
            format!(
                "{} persons, {} households, {} duplicate rows; {dropped} department-list rows dropped",
                stats.persons, stats.households, stats.duplicate_rows
            ),
        )],
    )
    .await?;
    tx.commit().await?;
    tracing::info!(
        persons = stats.persons,
        households = stats.households,
        duplicate_rows = stats.duplicate_rows,
        "unified registry replaced"
    );
    let mut conn = db.acquire().await?;
    conn.conn()
        .script(db.pick(ANALYZE_SQLITE, ANALYZE_POSTGRES))
        .await?;
    Ok(stats)
}

async fn flush_if_full(bulk: &mut Bulk, tx: &mut Tx) -> Result<()> {
    if bulk.len() >= FLUSH_ROWS {
        bulk.flush(&mut tx.conn()).await?;
    }
    Ok(())
}

async fn write_households(tx: &mut Tx, unified: &Unified) -> Result<()> {
    let mut households = Bulk::new("households", &["id", "village", "in_poverty", "in_dibao"]);
    let mut keys = Bulk::new(
        "household_keys",
        &["household_id", "register", "household_key"],
    );
    let mut identities = Bulk::new(
        "identities",
        &["household_id", "kind", "valid_from", "valid_to", "source"],
    );
    for (h, household) in unified.households.iter().enumerate() {
        let id = h as i64 + 1;
        households.push(vec![
            id.into(),
            household.village.as_str().into(),
            household.in_poverty().into(),
            household.in_dibao().into(),
        ])?;
        for (register, list) in [
            (Register::Poverty, &household.poverty_keys),
            (Register::Dibao, &household.dibao_keys),
        ] {
            for key in list {
                keys.push(vec![id.into(), register.code().into(), key.as_str().into()])?;
            }
        }
        for identity in &household.identities {
            identities.push(vec![
                id.into(),
                identity.kind.code().into(),
                identity.validity.from.into(),
                identity.validity.to.into(),
                to_json(&identity.source)?.into(),
            ])?;
        }
        // Parents before children: keys and identities refer to households.
        if [households.len(), keys.len(), identities.len()]
            .iter()
            .any(|n| *n >= FLUSH_ROWS)
        {
            households.flush(&mut tx.conn()).await?;
            keys.flush(&mut tx.conn()).await?;
            identities.flush(&mut tx.conn()).await?;
        }
    }
    households.flush(&mut tx.conn()).await?;
    keys.flush(&mut tx.conn()).await?;
    identities.flush(&mut tx.conn()).await?;
    Ok(())
}

async fn write_persons(
    tx: &mut Tx,
    unified: &Unified,
    home: &[Option<(usize, Relation)>],
    ids: &PersonIds<'_>,
) -> Result<()> {
    let mut persons = Bulk::new("persons", PERSON_COLUMNS);
    for (i, (up, home)) in unified.persons.iter().zip(home).enumerate() {
        let p = &up.person;
        let household = home.and_then(|(h, _)| unified.households.get(h).map(|hh| (h, hh)));
        // Scope filters work on the household's village; a person without a household (not
        // produced by `unify`) keeps their own.
        let village = household.map_or(p.village, |(_, hh)| hh.village);
        persons.push(vec![
            ids.get(i).into(),
            p.id_number.as_str().into(),
            p.name.as_str().into(),
            p.sex.code().into(),
            p.birth_date.into(),
            village.as_str().into(),
            household.map(|(h, _)| h as i64 + 1).into(),
            p.death_date.into(),
            p.health.map(|v| v.code()).into(),
            p.labour.map(|v| v.code()).into(),
            p.disability.map(|d| d.category.code()).into(),
            p.disability.map(|d| d.grade.code()).into(),
            p.self_care.map(|v| v.code()).into(),
            p.school_stage.map(|v| v.code()).into(),
            up.in_poverty.into(),
            up.in_dibao.into(),
        ])?;
        flush_if_full(&mut persons, tx).await?;
    }
    persons.flush(&mut tx.conn()).await?;
    Ok(())
}

async fn write_links(
    tx: &mut Tx,
    unified: &Unified,
    home: &[Option<(usize, Relation)>],
    ids: &PersonIds<'_>,
) -> Result<()> {
    let mut members = Bulk::new(
        "household_members",
        &["household_id", "person_id", "relation"],
    );
    let mut sources = Bulk::new("person_sources", &["person_id", "staging_id"]);
    for (i, (up, home)) in unified.persons.iter().zip(home).enumerate() {
        let person_id = ids.get(i);
        if let Some((h, relation)) = home {
            members.push(vec![
                (*h as i64 + 1).into(),
                person_id.into(),
                relation.code().into(),
            ])?;
        }
        let mut staging: Vec<i64> = up.sources.clone();
        staging.sort_unstable();
        staging.dedup();
        for s in staging {
            sources.push(vec![person_id.into(), s.into()])?;
        }
        flush_if_full(&mut members, tx).await?;
        flush_if_full(&mut sources, tx).await?;
    }
    members.flush(&mut tx.conn()).await?;
    sources.flush(&mut tx.conn()).await?;

    let mut duplicates = Bulk::new("registry_duplicates", &["staging_id"]);
    let mut seen: Vec<i64> = unified.duplicate_rows.clone();
    seen.sort_unstable();
    seen.dedup();
    for s in seen {
        duplicates.push(vec![Arg::Int(s)])?;
    }
    duplicates.flush(&mut tx.conn()).await?;
    Ok(())
}

pub(crate) async fn person_sources(db: &Db) -> Result<Vec<(i64, i64)>> {
    db.fetch_all(
        "SELECT staging_id, person_id FROM person_sources ORDER BY staging_id, person_id",
        vec![],
    )
    .await?
    .iter()
    .map(|r| Ok((r.get(0)?, r.get(1)?)))
    .collect()
}

pub(crate) async fn built_at(db: &Db) -> Result<Option<DateTime<Utc>>> {
    db.fetch_optional("SELECT built_at FROM registry_meta WHERE id = 1", vec![])
        .await?
        .map(|r| r.get(0))
        .transpose()
}
