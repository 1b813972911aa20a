//! Region names: the national table (shipped, down to towns) plus the district's villages.

use crate::access::{Access, Permission};
use crate::audit::{self, Event};
use crate::bulk::Bulk;
use crate::db::Db;
use crate::{Result, codec};
use gongrong_domain::{Region, RegionTable};
use std::collections::BTreeMap;
use std::sync::LazyLock;

static NATIONAL: LazyLock<RegionTable> = LazyLock::new(RegionTable::national);

/// The national table, parsed once per process.
pub(crate) fn national() -> &'static RegionTable {
    &NATIONAL
}

/// Adds or renames villages; a code listed twice keeps its last name. Returns rows written.
pub(crate) async fn upsert_villages(db: &Db, access: &Access, villages: &[Region]) -> Result<u64> {
    access.require(Permission::RunJobs)?;
    let unique: BTreeMap<_, _> = villages.iter().map(|v| (v.code, v.name.as_str())).collect();
    let mut bulk = Bulk::new("regions", &["code", "name"])
        .on_conflict("ON CONFLICT (code) DO UPDATE SET name = excluded.name");
    for (code, name) in unique {
        bulk.push(vec![code.as_str().into(), name.into()])?;
    }
    let mut tx = db.begin().await?;
    let written = bulk.flush(&mut tx.conn()).await?;
    audit::append(
        &mut tx.conn(),
        &[Event::new(
            access,
            "regions.upsert",
            "regions",
            format!("{written} villages written"),
        )],
    )
    .await?;
    tx.commit().await?;
    Ok(written)
}

pub(crate) async fn region_table(db: &Db) -> Result<RegionTable> {
    let mut table = national().clone();
    for r in db
        .fetch_all("SELECT code, name FROM regions ORDER BY code", vec![])
        .await?
    {
        table.insert(codec::region(&r, 0)?, r.get::<String>(1)?);
    }
    Ok(table)
}
