//! Import batches: staging rows and rejects, written in one transaction per batch.

use crate::access::{Access, Permission};
use crate::audit::{self, Event};
use crate::bulk::Bulk;
use crate::codec::{self, to_json};
use crate::db::{Arg, Db, Row};
use crate::{BatchSummary, ImportWriter, NewBatch, RejectRow, Result, StoreError};
use gongrong_domain::RegisterRecord;
use gongrong_domain::unify::StagedRecord;
use std::collections::BTreeSet;

const BATCH_COLUMNS: &str =
    "id, register, file_name, sha256, imported_at, accepted, rejected FROM import_batches";
const STAGING_COLUMNS: &[&str] = &[
    "batch_id",
    "row_no",
    "register",
    "household_key",
    "id_number",
    "name",
    "village",
    "record",
    "raw",
    "id_checksum_failed",
];
const REJECT_COLUMNS: &[&str] = &["batch_id", "file", "row_no", "field", "value", "reason"];
/// Staged rows read per query when listing them all.
const PAGE: i64 = 20_000;

pub(crate) async fn begin(db: &Db, access: &Access, batch: NewBatch) -> Result<ImportWriter> {
    access.require(Permission::RunJobs)?;
    let mut tx = db.begin().await?;
    let inserted = tx
        .conn()
        .fetch_one(
            "INSERT INTO import_batches (register, file_name, sha256, encoding, imported_at, \
             imported_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            vec![
                batch.register.code().into(),
                batch.file_name.as_str().into(),
                batch.sha256.as_str().into(),
                batch.encoding.as_str().into(),
                batch.imported_at.into(),
                batch.imported_by.as_str().into(),
            ],
        )
        .await;
    let row = match inserted {
        Err(StoreError::Database(sqlx::Error::Database(e))) if e.is_unique_violation() => {
            return Err(StoreError::Conflict(format!(
                "{} file {} (sha256 {}) is already imported",
                batch.register.en(),
                batch.file_name,
                batch.sha256
            )));
        }
        other => other?,
    };
    Ok(ImportWriter {
        id: row.get(0)?,
        tx,
        access: access.clone(),
        batch,
        accepted: 0,
        rejected_rows: BTreeSet::new(),
    })
}

impl ImportWriter {
    /// Stages accepted rows (`flagged = false`, counted as accepted) or rows whose only problem
    /// is the ID number's check character (`flagged = true`, not counted: they are rejects).
    pub(crate) async fn write_records(
        &mut self,
        records: &[RegisterRecord],
        flagged: bool,
    ) -> Result<()> {
        let mut bulk = Bulk::new("staging_records", STAGING_COLUMNS).with_capacity(records.len());
        for r in records {
            let (record, raw) = split_raw(r)?;
            bulk.push(vec![
                self.id.into(),
                r.row.into(),
                r.register.code().into(),
                r.household_key.as_str().into(),
                r.id_number.as_str().into(),
                r.name.as_str().into(),
                r.village.as_str().into(),
                record.into(),
                raw.into(),
                flagged.into(),
            ])?;
        }
        bulk.flush(&mut self.tx.conn()).await?;
        if !flagged {
            self.accepted += records.len() as u64;
        }
        Ok(())
    }

    pub(crate) async fn write_rejects(&mut self, rejects: &[RejectRow]) -> Result<()> {
        let mut bulk = Bulk::new("import_rejects", REJECT_COLUMNS).with_capacity(rejects.len());
        for r in rejects {
            bulk.push(vec![
                self.id.into(),
                r.file.as_str().into(),
                r.row.into(),
                r.field.as_str().into(),
                r.value.as_str().into(),
                r.reason.as_str().into(),
            ])?;
            self.rejected_rows.insert((r.file.clone(), r.row));
        }
        bulk.flush(&mut self.tx.conn()).await?;
        Ok(())
    }

    /// `accepted` counts staged rows; `rejected` counts distinct rejected rows (a row with
    /// several problems has several [`RejectRow`]s but counts once).
    pub(crate) async fn finish(mut self) -> Result<BatchSummary> {
        let rejected = self.rejected_rows.len() as u64;
        self.tx
            .conn()
            .execute(
                "UPDATE import_batches SET accepted = $1, rejected = $2 WHERE id = $3",
                vec![self.accepted.into(), rejected.into(), self.id.into()],
            )
            .await?;
        audit::append(
            &mut self.tx.conn(),
            &[Event::new(
                &self.access,
                "import.commit",
                format!("batch:{}", self.id),
                format!(
                    "{} {} (sha256 {}): {} accepted, {rejected} rejected",
                    self.batch.register.code(),
                    self.batch.file_name,
                    self.batch.sha256,
                    self.accepted
                ),
            )],
        )
        .await?;
        self.tx.commit().await?;
        tracing::info!(
            batch = self.id,
            file = %self.batch.file_name,
            accepted = self.accepted,
            rejected,
            "import batch committed"
        );
        Ok(BatchSummary {
            id: self.id,
            register: self.batch.register,
            file_name: self.batch.file_name,
            sha256: self.batch.sha256,
            imported_at: self.batch.imported_at,
            accepted: self.accepted,
            rejected,
        })
    }
}

/// The record as JSON with an empty `raw`, and `raw` as JSON.
fn split_raw(record: &RegisterRecord) -> Result<(String, String)> {
    let raw = to_json(&record.raw)?;
    let full = to_json(record)?;
    // `raw` is the record's last field, so its JSON ends with `,"raw":<raw>}`: cut it there
    // instead of cloning the record.
    let tail_len = ",\"raw\":".len() + raw.len() + 1;
    let lean = match full.len().checked_sub(tail_len).and_then(|cut| {
        let (head, tail) = full.split_at_checked(cut)?;
        (tail.starts_with(",\"raw\":") && tail[7..].starts_with(&raw)).then_some(head)
    }) {
        Some(head) => format!("{head},\"raw\":[]}}"),
        None => to_json(&RegisterRecord {
            raw: Vec::new(),
            ..record.clone()
        })?,
    };
    Ok((lean, raw))
}

fn summary(row: &Row) -> Result<BatchSummary> {
    Ok(BatchSummary {
        id: row.get(0)?,
        register: codec::register(row, 1)?,
        file_name: row.get(2)?,
        sha256: row.get(3)?,
        imported_at: row.get(4)?,
        accepted: row.count(5)?,
        rejected: row.count(6)?,
    })
}

pub(crate) async fn batch_by_digest(
    db: &Db,
    register: gongrong_domain::Register,
    sha256: &str,
) -> Result<Option<BatchSummary>> {
    let sql = format!("SELECT {BATCH_COLUMNS} WHERE register = $1 AND sha256 = $2");
    db.fetch_optional(&sql, vec![register.code().into(), sha256.into()])
        .await?
        .as_ref()
        .map(summary)
        .transpose()
}

pub(crate) async fn batches(db: &Db) -> Result<Vec<BatchSummary>> {
    let sql = format!("SELECT {BATCH_COLUMNS} ORDER BY id");
    db.fetch_all(&sql, vec![])
        .await?
        .iter()
        .map(summary)
        .collect()
}

pub(crate) async fn rejects(db: &Db, batch_id: i64) -> Result<Vec<RejectRow>> {
    let rows = db
        .fetch_all(
            "SELECT file, row_no, field, value, reason FROM import_rejects \
             WHERE batch_id = $1 ORDER BY id",
            vec![batch_id.into()],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(RejectRow {
                file: r.get(0)?,
                row: r.count(1)?,
                field: r.get(2)?,
                value: r.get(3)?,
                reason: r.get(4)?,
            })
        })
        .collect()
}

/// One staged row (accepted or flagged), `raw` included.
pub(crate) async fn staged_record(db: &Db, id: i64) -> Result<Option<StagedRecord>> {
    let row = db
        .fetch_optional(
            "SELECT id, batch_id, row_no, record, raw FROM staging_records WHERE id = $1",
            vec![id.into()],
        )
        .await?;
    row.as_ref().map(decode_staged).transpose()
}

fn decode_staged(row: &Row) -> Result<StagedRecord> {
    let staging_id: i64 = row.get(0)?;
    let mut record: RegisterRecord = codec::json(row, 3, "staged record")?;
    if let Some(raw) = row.get::<Option<String>>(4)? {
        record.raw = serde_json::from_str(&raw)
            .map_err(|e| StoreError::Corrupt(format!("raw row {staging_id}: {e}")))?;
    }
    Ok(StagedRecord {
        staging_id,
        batch_id: row.get(1)?,
        record,
    })
}

/// Every staged row (accepted ones, or with `flagged` the rows staged only for linkage because
/// their ID number fails its check) in (batch, row) order, read in pages; `with_raw = false`
/// leaves each record's `raw` empty (what linkage needs, at a fraction of the memory).
pub(crate) async fn staged_records(
    db: &Db,
    with_raw: bool,
    flagged: bool,
) -> Result<Vec<StagedRecord>> {
    let raw_column = if with_raw { "raw" } else { "NULL" };
    let flag = if flagged { "" } else { "NOT " };
    let sql = format!(
        "SELECT id, batch_id, row_no, record, {raw_column} FROM staging_records \
         WHERE {flag}id_checksum_failed AND (batch_id, row_no, id) > ($1, $2, $3) \
         ORDER BY batch_id, row_no, id LIMIT $4"
    );
    let mut conn = db.acquire().await?;
    let mut out = Vec::new();
    let mut after = (i64::MIN, i64::MIN, i64::MIN);
    loop {
        let args: Vec<Arg> = vec![after.0.into(), after.1.into(), after.2.into(), PAGE.into()];
        let rows = conn.conn().fetch_all(&sql, args).await?;
        for row in &rows {
            let staged = decode_staged(row)?;
            after = (staged.batch_id, row.get(2)?, staged.staging_id);
            out.push(staged);
        }
        if (rows.len() as i64) < PAGE {
            return Ok(out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gongrong_domain::codes::{Relation, Sex};
    use gongrong_domain::{IdNumber, RegionCode, Register};

    #[test]
    fn raw_is_split_off_the_record() {
        let id = IdNumber::parse("11010519491231002X").unwrap();
        let record = RegisterRecord {
            register: Register::Poverty,
            row: 3,
            household_key: "P1".into(),
            id_number: id,
            id_number_raw: id.to_string(),
            name: "张三".into(),
            sex: Sex::Female,
            birth_date: id.birth_date(),
            relation: Relation::Head,
            village: RegionCode::parse("370305100201").unwrap(),
            ethnicity: None,
            health: None,
            labour: None,
            disability: None,
            self_care: None,
            school_stage: None,
            identity: None,
            identity_since: None,
            household_attribute: None,
            poverty_cause: None,
            annual_income_per_capita: None,
            monthly_income_per_capita: None,
            monthly_benefit: None,
            death_date: None,
            phone: None,
            bank_account: None,
            raw: vec![
                ("姓名".into(), "张三".into()),
                ("备注".into(), "\"raw\":[]}".into()),
            ],
        };
        let (lean, raw) = split_raw(&record).unwrap();
        assert!(!lean.contains("备注"));
        let mut back: RegisterRecord = serde_json::from_str(&lean).unwrap();
        assert!(back.raw.is_empty());
        back.raw = serde_json::from_str(&raw).unwrap();
        assert_eq!(back, record);
    }
}
