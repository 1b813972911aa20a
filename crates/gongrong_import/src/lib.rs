//! Gongrong import: the two legacy registers (扶贫登记, 低保登记) and the district's village list,
//! from CSV (UTF-8 or GBK) or XLSX, through a TOML column mapping ([`mapping`], shipped layouts in
//! `layouts/`, documented in `docs/LAYOUTS.md`), into validated staging rows.
//!
//! * [`import_register`] — the whole import of one register file into one staging batch.
//! * [`read_and_validate`] / [`RegisterReader`] / [`RowValidator`] — the same reading and
//!   validation without a database (tests, fuzzing, previews).
//! * [`import_villages`] / [`read_villages`] — the village list, loaded first.
//! * [`write_reject_report`] — the clerk's CSV of rejected rows.
//!
//! **All or nothing.** A register file is stored through one [`gongrong_store::ImportWriter`],
//! i.e. one database transaction: its accepted rows and its rejects become visible together at
//! `commit`. Any error before that (an unreadable row, a database failure, a crash) drops the
//! writer and leaves nothing stored, so the same file can simply be imported again. File-level
//! problems (encoding, empty file, a header without a required column) are found before the
//! transaction is even opened. A file whose SHA-256 matches an earlier batch of the same register
//! is not imported again: the outcome is [`ImportOutcome::AlreadyImported`] and nothing changes.
//! A file of which not a single row is accepted is not committed either
//! ([`ImportError::NothingAccepted`], listing the problems), so that fixing the cause — usually
//! importing the village list first — lets the same file be imported again.
//!
//! The reading itself is blocking file I/O done chunk by chunk ([`CHUNK_ROWS`] rows) between the
//! store's awaits; the caller should run an import on a runtime that tolerates that (the CLI
//! does). No clock is read for decisions: `now` is a parameter (elapsed time is measured with a
//! monotonic timer for the report only).

pub mod dates;
pub mod error;
pub mod mapping;
pub mod reader;
pub mod report;
pub mod source;
pub mod validate;
pub mod villages;

pub use error::ImportError;
pub use gongrong_store::RejectRow;
pub use mapping::{Field, Mapping, MappingError, Target};
pub use reader::{CHUNK_ROWS, Chunk, ReadStats, ReadSummary, RegisterReader, read_and_validate};
pub use report::write_reject_report;
pub use source::{FileFormat, FileScan, TextEncoding, UnknownEncoding, scan_file};
pub use validate::{PersonStatus, RowValidator};
pub use villages::{VillageList, import_villages, read_villages};

use chrono::{DateTime, NaiveDate, Utc};
use gongrong_store::{Access, BatchSummary, NewBatch, Store};
use std::path::Path;
use std::time::{Duration, Instant};

/// How to read a file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportOptions {
    /// CSV text encoding (ignored for spreadsheets).
    pub encoding: TextEncoding,
}

/// Where an import stands; reported after the header is read and after each chunk.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImportProgress {
    /// Bytes of the file read so far (spreadsheets: the share of rows read, scaled to the size).
    pub bytes_read: u64,
    pub total_bytes: u64,
    /// Data rows read so far.
    pub rows: u64,
    pub accepted: u64,
    pub rejected: u64,
    /// True once every row is read and the batch is being committed.
    pub committing: bool,
}

/// The result of [`import_register`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImportOutcome {
    /// The same bytes were imported before as this batch; nothing changed.
    AlreadyImported(BatchSummary),
    /// A new batch was committed.
    Imported {
        summary: BatchSummary,
        /// Every problem of every rejected row, in file order (also stored with the batch).
        rejects: Vec<RejectRow>,
        elapsed: Duration,
    },
}

/// Today's date in China Standard Time (UTC+8), the date the rules count in.
pub fn china_today(now: DateTime<Utc>) -> NaiveDate {
    (now + chrono::Duration::hours(8)).date_naive()
}

/// Imports one register file into a new staging batch (see the crate docs: all or nothing, and
/// a file already imported is recognised by its SHA-256 and skipped).
/// `access` is the importing actor (a system actor: imports are jobs); its time is the import's.
pub async fn import_register(
    store: &Store,
    access: &Access,
    file: &Path,
    mapping: &Mapping,
    opts: &ImportOptions,
    progress: &dyn Fn(ImportProgress),
) -> Result<ImportOutcome, ImportError> {
    let now = access.time();
    let started = Instant::now();
    mapping.ensure_complete()?;
    let Some(register) = mapping.register() else {
        return Err(ImportError::WrongMapping {
            mapping: mapping.source().to_owned(),
            expected: "a register (poverty or dibao)".to_owned(),
            found: mapping.target().to_string(),
        });
    };
    let scan = scan_file(file, opts.encoding)?;
    if let Some(batch) = store.batch_by_digest(register, &scan.sha256).await? {
        return Ok(ImportOutcome::AlreadyImported(batch));
    }
    let regions = store.region_table().await?;
    let batch = NewBatch {
        register,
        file_name: reader::file_label(file),
        sha256: scan.sha256.clone(),
        encoding: scan.encoding_label(),
        imported_at: now,
        imported_by: access.actor_name().to_owned(),
    };
    let mut reader = RegisterReader::from_scan(file, scan, mapping, &regions, china_today(now))?;
    let report = |reader: &RegisterReader<'_>, committing: bool| {
        let (bytes_read, total_bytes) = reader.progress();
        let stats = reader.stats();
        progress(ImportProgress {
            bytes_read,
            total_bytes,
            rows: stats.rows,
            accepted: stats.accepted,
            rejected: stats.rejected_rows,
            committing,
        });
    };
    report(&reader, false);
    let mut writer = store.begin_import(access, batch).await?;
    let mut rejects = Vec::new();
    while let Some(chunk) = reader.next_chunk()? {
        if !chunk.records.is_empty() {
            writer.add_records(&chunk.records).await?;
        }
        if !chunk.rejects.is_empty() {
            writer.add_rejects(&chunk.rejects).await?;
        }
        if !chunk.flagged.is_empty() {
            writer.add_flagged_records(&chunk.flagged).await?;
        }
        rejects.extend(chunk.rejects);
        report(&reader, false);
    }
    if reader.stats().accepted == 0 {
        // A batch without a single accepted row would only block re-importing the same bytes
        // once the cause (typically: the village list not loaded yet) is fixed. Returning
        // drops the writer uncommitted: its transaction rolls back.
        return Err(ImportError::NothingAccepted {
            file: source::display(file),
            rejects,
        });
    }
    report(&reader, true);
    let summary = writer.commit().await?;
    Ok(ImportOutcome::Imported {
        summary,
        rejects,
        elapsed: started.elapsed(),
    })
}
