//! Reading and validating a register file chunk by chunk, without a database.

use crate::ImportOptions;
use crate::error::ImportError;
use crate::mapping::Mapping;
use crate::source::{FileScan, SourceRow, Table, display, scan_file};
use crate::validate::{RowValidator, find_header};
use chrono::NaiveDate;
use gongrong_domain::{RegionTable, RegisterRecord};
use gongrong_store::RejectRow;
use std::path::Path;

/// Rows validated per chunk: the unit handed to the store and to progress reports.
pub const CHUNK_ROWS: usize = 10_000;

/// Accepted records and rejects of up to [`CHUNK_ROWS`] rows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Chunk {
    pub records: Vec<RegisterRecord>,
    pub rejects: Vec<RejectRow>,
    /// Rejected rows whose only problem is the ID number's check character, as records with a
    /// provisional ID number (their reject rows are in `rejects`): staged flagged, for linkage.
    pub flagged: Vec<RegisterRecord>,
}

/// Running counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReadStats {
    /// Data rows read (blank rows excluded).
    pub rows: u64,
    pub accepted: u64,
    /// Rows rejected (each with one or more problems).
    pub rejected_rows: u64,
    /// Reject rows (problems) written.
    pub problems: u64,
}

/// The whole of a [`read_and_validate`] run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadSummary {
    pub sha256: String,
    /// "utf-8", "gbk", "xlsx", …
    pub encoding: String,
    pub stats: ReadStats,
}

/// The file name used in reject rows and batches: the last path component.
pub(crate) fn file_label(path: &Path) -> String {
    path.file_name()
        .map_or_else(|| display(path), |n| n.to_string_lossy().into_owned())
}

/// A register file opened for validation, read in chunks. Every file-level problem (encoding,
/// empty file, header without a required column, no data rows) is reported by `open`.
pub struct RegisterReader<'a> {
    table: Table,
    validator: RowValidator<'a>,
    scan: FileScan,
    peeked: Option<SourceRow>,
    stats: ReadStats,
    chunk_rows: usize,
}

impl<'a> RegisterReader<'a> {
    /// Scans the file (digest, encoding) and opens it.
    pub fn open(
        file: &Path,
        mapping: &'a Mapping,
        opts: &ImportOptions,
        regions: &'a RegionTable,
        today: NaiveDate,
    ) -> Result<RegisterReader<'a>, ImportError> {
        let scan = scan_file(file, opts.encoding)?;
        RegisterReader::from_scan(file, scan, mapping, regions, today)
    }

    /// Opens a file already scanned with [`scan_file`].
    pub fn from_scan(
        file: &Path,
        scan: FileScan,
        mapping: &'a Mapping,
        regions: &'a RegionTable,
        today: NaiveDate,
    ) -> Result<RegisterReader<'a>, ImportError> {
        mapping.ensure_complete()?;
        if mapping.register().is_none() {
            return Err(ImportError::WrongMapping {
                mapping: mapping.source().to_owned(),
                expected: "a register (poverty or dibao)".to_owned(),
                found: mapping.target().to_string(),
            });
        }
        let mut table = Table::open(file, &scan)?;
        // Header problems name the path as given; reject rows name the file.
        find_header(&mut table, mapping)?;
        let validator =
            RowValidator::new(&file_label(file), mapping, table.headers(), regions, today)?;
        let peeked = loop {
            match table.next_row()? {
                None => {
                    return Err(ImportError::NoRows {
                        file: display(file),
                    });
                }
                Some(row) if row.is_blank() => continue,
                Some(row) => break Some(row),
            }
        };
        Ok(RegisterReader {
            table,
            validator,
            scan,
            peeked,
            stats: ReadStats::default(),
            chunk_rows: CHUNK_ROWS,
        })
    }

    /// Changes the chunk size (at least one row).
    pub fn with_chunk_rows(mut self, rows: usize) -> Self {
        self.chunk_rows = rows.max(1);
        self
    }

    pub fn scan(&self) -> &FileScan {
        &self.scan
    }

    pub fn headers(&self) -> &[String] {
        self.table.headers()
    }

    pub fn stats(&self) -> ReadStats {
        self.stats
    }

    /// Bytes read so far and the file size (see [`Table::progress`]).
    pub fn progress(&self) -> (u64, u64) {
        self.table.progress()
    }

    /// The next chunk, `None` at the end of the file.
    pub fn next_chunk(&mut self) -> Result<Option<Chunk>, ImportError> {
        let mut chunk = Chunk::default();
        let mut rows = 0;
        while rows < self.chunk_rows {
            let row = match self.peeked.take() {
                Some(row) => row,
                None => match self.table.next_row()? {
                    Some(row) => row,
                    None => break,
                },
            };
            if row.is_blank() {
                continue;
            }
            rows += 1;
            self.stats.rows += 1;
            match self.validator.validate_flagging(&row) {
                Ok(record) => {
                    self.stats.accepted += 1;
                    chunk.records.push(record);
                }
                Err((rejects, flagged)) => {
                    self.stats.rejected_rows += 1;
                    self.stats.problems += rejects.len() as u64;
                    chunk.rejects.extend(rejects);
                    chunk.flagged.extend(flagged.map(|r| *r));
                }
            }
        }
        Ok((rows > 0).then_some(chunk))
    }
}

/// Reads and validates a whole file, handing each chunk to `on_chunk`; no database needed.
/// `today` (China Standard Time) bounds dates of death.
pub fn read_and_validate<E: From<ImportError>>(
    file: &Path,
    mapping: &Mapping,
    opts: &ImportOptions,
    regions: &RegionTable,
    today: NaiveDate,
    mut on_chunk: impl FnMut(Vec<RegisterRecord>, Vec<RejectRow>) -> Result<(), E>,
) -> Result<ReadSummary, E> {
    let mut reader = RegisterReader::open(file, mapping, opts, regions, today)?;
    while let Some(chunk) = reader.next_chunk()? {
        on_chunk(chunk.records, chunk.rejects)?;
    }
    Ok(ReadSummary {
        sha256: reader.scan.sha256.clone(),
        encoding: reader.scan.encoding_label(),
        stats: reader.stats,
    })
}
