//! Errors that stop an import as a whole. Problems of single rows are not errors: they become
//! [`RejectRow`]s and the rest of the file goes on.

use crate::mapping::MappingError;
use gongrong_store::{RejectRow, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("file {file}: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error("file {file} is empty")]
    Empty { file: String },
    #[error("file {file} has a header but no data rows")]
    NoRows { file: String },
    #[error("file {file} is not UTF-8 (looks like GBK): pass --encoding gbk")]
    LooksLikeGbk { file: String },
    #[error("file {file} is not UTF-8 (invalid byte at offset {offset})")]
    NotUtf8 { file: String, offset: u64 },
    #[error("file {file} looks like UTF-8, not GBK: pass --encoding utf-8 (or auto)")]
    LooksLikeUtf8 { file: String },
    #[error("file {file} is not valid GBK (invalid byte sequence at offset {offset})")]
    NotGbk { file: String, offset: u64 },
    #[error(
        "file {file} is neither UTF-8 nor GBK text (invalid byte at offset {offset}); save it as CSV (UTF-8) or XLSX"
    )]
    UnknownEncoding { file: String, offset: u64 },
    #[error("file {file}, data row {row}: {message}")]
    Csv {
        file: String,
        row: u64,
        message: String,
    },
    #[error("file {file} is not a readable {format} workbook (truncated or corrupt?): {message}")]
    Workbook {
        file: String,
        format: &'static str,
        message: String,
    },
    #[error("file {file} has no worksheet")]
    NoSheet { file: String },
    #[error(
        "file {file} lacks required column(s) {} (mapping {mapping}); nothing was imported",
        .columns.join(", ")
    )]
    MissingColumns {
        file: String,
        mapping: String,
        columns: Vec<String>,
    },
    #[error("file {file}: column {column} appears more than once in the header")]
    DuplicateColumn { file: String, column: String },
    #[error("mapping {mapping} describes {found}, not {expected}")]
    WrongMapping {
        mapping: String,
        expected: String,
        found: String,
    },
    #[error(transparent)]
    Mapping(#[from] MappingError),
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error(
        "village list {file} has {} problem(s); nothing was imported:\n{}",
        .problems.len(),
        list_problems(.problems)
    )]
    InvalidVillages {
        file: String,
        problems: Vec<RejectRow>,
    },
    #[error(
        "every row of {file} was rejected ({} problem(s)); nothing was imported:\n{}",
        .rejects.len(),
        list_problems(.rejects)
    )]
    NothingAccepted {
        file: String,
        rejects: Vec<RejectRow>,
    },
    #[error("reject report {file}: {message}")]
    Report { file: String, message: String },
}

fn list_problems(problems: &[RejectRow]) -> String {
    const SHOWN: usize = 20;
    let mut lines: Vec<String> = problems
        .iter()
        .take(SHOWN)
        .map(|p| format!("  row {}, {} {:?}: {}", p.row, p.field, p.value, p.reason))
        .collect();
    if problems.len() > SHOWN {
        lines.push(format!("  … and {} more", problems.len() - SHOWN));
    }
    lines.join("\n")
}
