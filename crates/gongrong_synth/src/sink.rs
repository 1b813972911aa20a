//! Output tables: CSV (UTF-8 or GBK) through the `csv` crate, and XLSX through
//! `rust_xlsxwriter` in constant-memory mode. Rows are streamed; nothing is held per row.

use crate::{Encoding, SynthError};
use chrono::{Datelike, NaiveDate};
use encoding_rs::{Encoder, EncoderResult};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Workbook};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Re-encodes a UTF-8 byte stream as GBK. A character GBK cannot hold is an error, never
/// silently replaced.
pub(crate) struct GbkWriter<W: Write> {
    inner: W,
    encoder: Encoder,
    pending: Vec<u8>,
    out: Vec<u8>,
}

impl<W: Write> GbkWriter<W> {
    pub(crate) fn new(inner: W) -> Self {
        Self {
            inner,
            encoder: encoding_rs::GBK.new_encoder(),
            pending: Vec::with_capacity(64 * 1024),
            out: vec![0; 64 * 1024],
        }
    }

    /// Encodes every complete character held so far.
    fn drain(&mut self) -> io::Result<()> {
        let valid = match std::str::from_utf8(&self.pending) {
            Ok(s) => s.len(),
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            Err(_) => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "text to encode as GBK is not valid UTF-8",
                ));
            }
        };
        let text = std::str::from_utf8(&self.pending[..valid]).unwrap_or_default();
        let mut src = text;
        loop {
            let (result, read, written) =
                self.encoder
                    .encode_from_utf8_without_replacement(src, &mut self.out, false);
            self.inner.write_all(&self.out[..written])?;
            src = &src[read..];
            match result {
                EncoderResult::InputEmpty => break,
                EncoderResult::OutputFull => {}
                EncoderResult::Unmappable(c) => {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!("character {c:?} (U+{:04X}) has no GBK encoding", c as u32),
                    ));
                }
            }
        }
        self.pending.drain(..valid);
        Ok(())
    }
}

impl<W: Write> Write for GbkWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        if self.pending.len() >= 32 * 1024 {
            self.drain()?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.drain()?;
        if !self.pending.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "text ends inside a UTF-8 character",
            ));
        }
        self.inner.flush()
    }
}

fn create(path: &Path) -> Result<BufWriter<File>, SynthError> {
    let file = File::create(path).map_err(|source| SynthError::Io {
        path: path.to_owned(),
        source,
    })?;
    Ok(BufWriter::with_capacity(256 * 1024, file))
}

/// A CSV file in the requested encoding.
pub(crate) struct CsvTable {
    path: PathBuf,
    writer: csv::Writer<Box<dyn Write>>,
}

impl CsvTable {
    pub(crate) fn create(path: PathBuf, encoding: Encoding) -> Result<Self, SynthError> {
        let file = create(&path)?;
        let inner: Box<dyn Write> = match encoding {
            Encoding::Utf8 => Box::new(file),
            Encoding::Gbk => Box::new(GbkWriter::new(file)),
        };
        let writer = csv::WriterBuilder::new()
            .buffer_capacity(64 * 1024)
            .from_writer(inner);
        Ok(Self { path, writer })
    }

    pub(crate) fn write<S: AsRef<[u8]>>(&mut self, fields: &[S]) -> Result<(), SynthError> {
        self.writer
            .write_record(fields)
            .map_err(|source| SynthError::Csv {
                path: self.path.clone(),
                source,
            })
    }

    /// Flushes the rows written so far, then appends `tail`, bytes that are already CSV in
    /// this table's encoding.
    pub(crate) fn finish_appending(self, tail: &[u8]) -> Result<PathBuf, SynthError> {
        let path = self.path;
        let err = |source| SynthError::Io {
            path: path.clone(),
            source,
        };
        let mut inner = self
            .writer
            .into_inner()
            .map_err(|e| err(std::io::Error::other(e.to_string())))?;
        inner.write_all(tail).map_err(err)?;
        inner.flush().map_err(err)?;
        Ok(path)
    }

    pub(crate) fn finish(mut self) -> Result<PathBuf, SynthError> {
        self.writer.flush().map_err(|source| SynthError::Io {
            path: self.path.clone(),
            source,
        })?;
        Ok(self.path)
    }
}

/// The first worksheet of an XLSX file. Money columns are written as numbers, the rest as
/// text (ID numbers must never become numbers).
pub(crate) struct XlsxTable {
    path: PathBuf,
    workbook: Workbook,
    numeric: &'static [usize],
    row: u32,
}

impl XlsxTable {
    pub(crate) fn create(
        path: PathBuf,
        numeric: &'static [usize],
        as_of: NaiveDate,
    ) -> Result<Self, SynthError> {
        let mut workbook = Workbook::new();
        // A fixed creation time keeps the file byte-identical from run to run.
        let created = ExcelDateTime::from_ymd(
            u16::try_from(as_of.year()).unwrap_or(2000),
            as_of.month() as u8,
            as_of.day() as u8,
        )
        .map_err(|source| SynthError::Xlsx {
            path: path.clone(),
            source,
        })?;
        workbook.set_properties(&DocProperties::new().set_creation_datetime(&created));
        workbook.add_worksheet_with_constant_memory();
        Ok(Self {
            path,
            workbook,
            numeric,
            row: 0,
        })
    }

    pub(crate) fn write<S: AsRef<str>>(&mut self, fields: &[S]) -> Result<(), SynthError> {
        let path = &self.path;
        let err = |source| SynthError::Xlsx {
            path: path.clone(),
            source,
        };
        let sheet = self.workbook.worksheet_from_index(0).map_err(err)?;
        for (col, field) in fields.iter().enumerate() {
            let text = field.as_ref();
            if text.is_empty() {
                continue;
            }
            let col = col as u16;
            let number = if self.row > 0 && self.numeric.contains(&usize::from(col)) {
                text.parse::<f64>().ok()
            } else {
                None
            };
            match number {
                Some(n) => sheet.write_number(self.row, col, n).map_err(err)?,
                None => sheet.write_string(self.row, col, text).map_err(err)?,
            };
        }
        self.row += 1;
        Ok(())
    }

    pub(crate) fn finish(mut self) -> Result<PathBuf, SynthError> {
        self.workbook
            .save(&self.path)
            .map_err(|source| SynthError::Xlsx {
                path: self.path.clone(),
                source,
            })?;
        Ok(self.path)
    }
}

/// A register written as CSV, XLSX or both.
pub(crate) struct Table {
    csv: Option<CsvTable>,
    xlsx: Option<XlsxTable>,
}

impl Table {
    pub(crate) fn new(csv: Option<CsvTable>, xlsx: Option<XlsxTable>) -> Self {
        Self { csv, xlsx }
    }

    pub(crate) fn write<S: AsRef<str> + AsRef<[u8]>>(
        &mut self,
        fields: &[S],
    ) -> Result<(), SynthError> {
        if let Some(c) = self.csv.as_mut() {
            c.write(fields)?;
        }
        if let Some(x) = self.xlsx.as_mut() {
            x.write(fields)?;
        }
        Ok(())
    }

    pub(crate) fn finish(self, files: &mut Vec<PathBuf>) -> Result<(), SynthError> {
        if let Some(c) = self.csv {
            files.push(c.finish()?);
        }
        if let Some(x) = self.xlsx {
            files.push(x.finish()?);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gbk_writer_handles_split_characters_and_rejects_unmappable() {
        let text = "王秀英,阿依古丽·买买提,陳　芳\n".repeat(5000);
        let mut w = GbkWriter::new(Vec::new());
        for chunk in text.as_bytes().chunks(7) {
            w.write_all(chunk).unwrap();
        }
        w.flush().unwrap();
        let (decoded, _, bad) = encoding_rs::GBK.decode(&w.inner);
        assert!(!bad);
        assert_eq!(decoded, text);
        let mut w = GbkWriter::new(Vec::new());
        w.write_all("a•b".as_bytes()).unwrap();
        assert!(w.flush().is_err());
    }
}
