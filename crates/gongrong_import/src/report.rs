//! The reject report: one CSV line per problem, for the clerk who fixes the source.

use crate::error::ImportError;
use crate::source::display;
use gongrong_store::RejectRow;
use std::io::Write;
use std::path::Path;

/// The report's header line.
pub const REPORT_HEADERS: [&str; 5] = ["file", "row", "field", "value", "reason"];

/// Writes `file,row,field,value,reason` as UTF-8 with a byte-order mark, so that Excel opens the
/// Chinese text correctly. Replaces an existing file.
pub fn write_reject_report(path: &Path, rejects: &[RejectRow]) -> Result<(), ImportError> {
    let err = |e: &dyn std::fmt::Display| ImportError::Report {
        file: display(path),
        message: e.to_string(),
    };
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).map_err(|e| err(&e))?);
    out.write_all(b"\xEF\xBB\xBF").map_err(|e| err(&e))?;
    let mut w = csv::Writer::from_writer(out);
    w.write_record(REPORT_HEADERS).map_err(|e| err(&e))?;
    for r in rejects {
        let row = r.row.to_string();
        w.write_record([
            r.file.as_str(),
            row.as_str(),
            r.field.as_str(),
            r.value.as_str(),
            r.reason.as_str(),
        ])
        .map_err(|e| err(&e))?;
    }
    let out = w.into_inner().map_err(|e| err(&e))?;
    out.into_inner()
        .map_err(|e| err(&e))?
        .sync_all()
        .map_err(|e| err(&e))
}
