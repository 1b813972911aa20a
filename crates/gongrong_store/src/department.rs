//! The people of each partner department: filled by the policy engine's population run (the
//! people with an entitlement to one of the department's policies), read by the access rules
//! (a department officer sees exactly these people, inside their area).

use crate::access::{Access, Permission};
use crate::audit::{self, Event};
use crate::bulk::Bulk;
use crate::db::Db;
use crate::{Result, StoreError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// One person listed for a department, by the policy that entitles them.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct DepartmentPerson {
    pub person_id: i64,
    /// The policy's code in the catalogue (e.g. `P07`).
    pub policy: String,
}

/// Replaces the department's list in one transaction; returns the rows written. Person ids not
/// in the registry are refused (the list must describe the registry it was computed from).
pub(crate) async fn replace(
    db: &Db,
    access: &Access,
    department: &str,
    people: &[DepartmentPerson],
) -> Result<u64> {
    access.require(Permission::RunJobs)?;
    let department = department.trim();
    if department.is_empty() || department.chars().count() > 40 {
        return Err(StoreError::Invalid("department: 1–40 characters".into()));
    }
    let unique: BTreeSet<&DepartmentPerson> = people.iter().collect();
    let mut tx = db.begin().await?;
    tx.conn()
        .execute(
            "DELETE FROM department_people WHERE department = $1",
            vec![department.into()],
        )
        .await?;
    let mut bulk = Bulk::new(
        "department_people",
        &["department", "person_id", "policy", "filled_at"],
    )
    .with_capacity(unique.len());
    for p in &unique {
        bulk.push(vec![
            department.into(),
            p.person_id.into(),
            p.policy.as_str().into(),
            access.time().into(),
        ])?;
    }
    let written = bulk.flush(&mut tx.conn()).await?;
    let unknown = tx
        .conn()
        .fetch_one(
            "SELECT COUNT(*) FROM department_people d WHERE d.department = $1 \
             AND NOT EXISTS (SELECT 1 FROM persons p WHERE p.id = d.person_id)",
            vec![department.into()],
        )
        .await?
        .count(0)?;
    if unknown > 0 {
        return Err(StoreError::Invalid(format!(
            "{unknown} listed person ids are not in the registry"
        )));
    }
    audit::append(
        &mut tx.conn(),
        &[Event::new(
            access,
            "department_people.replace",
            format!("department:{department}"),
            format!("{written} entries"),
        )],
    )
    .await?;
    tx.commit().await?;
    Ok(written)
}

/// How many people are listed for a department.
pub(crate) async fn count(db: &Db, department: &str) -> Result<u64> {
    db.fetch_one(
        "SELECT COUNT(DISTINCT person_id) FROM department_people WHERE department = $1",
        vec![department.trim().into()],
    )
    .await?
    .count(0)
}
