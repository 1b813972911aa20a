//! Reading source files as a header plus rows of text cells.
//!
//! A file is first *scanned* once, streaming: its SHA-256, its size, its format (CSV or a
//! spreadsheet, by extension and magic bytes) and, for CSV, its text encoding. Then it is read row
//! by row: CSV through the `csv` crate over a buffered file (one record at a time, so a file of a
//! million rows never sits in memory as strings), spreadsheets through `calamine` (the first
//! worksheet; calamine loads one sheet at a time, which Excel's row limit keeps bounded).
//!
//! Encodings: CSV is UTF-8 (a byte-order mark is skipped) or GBK. GBK trail bytes are never
//! below 0x40, so the CSV structure (`,` `"` CR LF) can be parsed on the raw bytes and each field
//! decoded afterwards.

use crate::error::ImportError;
use calamine::{Data, Range, Reader};
use sha2::{Digest, Sha256};
use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::str::FromStr;

const SCAN_CHUNK: usize = 256 * 1024;
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The text encoding of a CSV file, as chosen by the caller.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TextEncoding {
    /// UTF-8 (with or without byte-order mark) when the file is valid UTF-8, else GBK.
    #[default]
    Auto,
    Utf8,
    Gbk,
}

/// An `--encoding` value that is not known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown encoding {0:?}: use auto, utf-8 or gbk")]
pub struct UnknownEncoding(pub String);

impl FromStr for TextEncoding {
    type Err = UnknownEncoding;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" | "" => Ok(TextEncoding::Auto),
            "utf-8" | "utf8" | "utf-8-sig" => Ok(TextEncoding::Utf8),
            "gbk" | "gb2312" | "gb18030" | "cp936" => Ok(TextEncoding::Gbk),
            _ => Err(UnknownEncoding(s.to_owned())),
        }
    }
}

impl fmt::Display for TextEncoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TextEncoding::Auto => "auto",
            TextEncoding::Utf8 => "utf-8",
            TextEncoding::Gbk => "gbk",
        })
    }
}

/// How a file is laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileFormat {
    Csv,
    Xlsx,
    Xls,
    Xlsb,
    Ods,
}

impl FileFormat {
    fn name(self) -> &'static str {
        match self {
            FileFormat::Csv => "CSV",
            FileFormat::Xlsx => "XLSX",
            FileFormat::Xls => "XLS",
            FileFormat::Xlsb => "XLSB",
            FileFormat::Ods => "ODS",
        }
    }
}

/// The decided encoding of a CSV file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Text {
    Utf8 { bom: bool },
    Gbk,
}

/// What one streaming pass over a file found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileScan {
    /// Lower-case hex SHA-256 of the file's bytes.
    pub sha256: String,
    pub size: u64,
    pub format: FileFormat,
    pub(crate) text: Option<Text>,
}

impl FileScan {
    /// "utf-8", "gbk", or the spreadsheet format ("xlsx"), as stored with the batch.
    pub fn encoding_label(&self) -> String {
        match self.text {
            Some(Text::Utf8 { .. }) => "utf-8".to_owned(),
            Some(Text::Gbk) => "gbk".to_owned(),
            None => self.format.name().to_ascii_lowercase(),
        }
    }
}

pub(crate) fn display(path: &Path) -> String {
    path.display().to_string()
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> ImportError + '_ {
    move |source| ImportError::Io {
        file: display(path),
        source,
    }
}

/// Streaming UTF-8 validation across chunk boundaries.
#[derive(Default)]
struct Utf8Check {
    carry: Vec<u8>,
    offset: u64,
    bad: Option<u64>,
    non_ascii: bool,
}

impl Utf8Check {
    fn feed(&mut self, chunk: &[u8]) {
        if self.bad.is_some() {
            return;
        }
        if !self.non_ascii && !chunk.is_ascii() {
            self.non_ascii = true;
        }
        let joined;
        let buf: &[u8] = if self.carry.is_empty() {
            chunk
        } else {
            joined = [std::mem::take(&mut self.carry).as_slice(), chunk].concat();
            &joined
        };
        match std::str::from_utf8(buf) {
            Ok(_) => self.offset += buf.len() as u64,
            Err(e) => {
                let valid = e.valid_up_to();
                if e.error_len().is_some() {
                    self.bad = Some(self.offset + valid as u64);
                } else {
                    self.carry = buf[valid..].to_vec();
                    self.offset += valid as u64;
                }
            }
        }
    }

    /// The offset of the first byte that is not UTF-8, if any.
    fn finish(mut self) -> Option<u64> {
        if self.bad.is_none() && !self.carry.is_empty() {
            self.bad = Some(self.offset);
        }
        self.bad
    }
}

/// The offset of the first byte sequence that is not GBK, if any (a second streaming pass).
fn first_non_gbk(path: &Path) -> Result<Option<u64>, ImportError> {
    let mut file = File::open(path).map_err(io_err(path))?;
    let mut decoder = encoding_rs::GBK.new_decoder_without_bom_handling();
    let mut buf = vec![0u8; SCAN_CHUNK];
    let mut out = String::with_capacity(SCAN_CHUNK * 2);
    let mut offset = 0u64;
    loop {
        let n = file.read(&mut buf).map_err(io_err(path))?;
        let last = n == 0;
        let mut input = &buf[..n];
        loop {
            out.clear();
            let (result, read) =
                decoder.decode_to_string_without_replacement(input, &mut out, last);
            offset += read as u64;
            input = &input[read..];
            match result {
                encoding_rs::DecoderResult::InputEmpty => break,
                encoding_rs::DecoderResult::OutputFull => continue,
                encoding_rs::DecoderResult::Malformed(bad, extra) => {
                    return Ok(Some(
                        offset.saturating_sub(u64::from(bad) + u64::from(extra)),
                    ));
                }
            }
        }
        if last {
            return Ok(None);
        }
    }
}

fn format_of(path: &Path, head: &[u8]) -> FileFormat {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("xlsx" | "xlsm" | "xlam") => FileFormat::Xlsx,
        Some("xls" | "xla") => FileFormat::Xls,
        Some("xlsb") => FileFormat::Xlsb,
        Some("ods") => FileFormat::Ods,
        _ if head.starts_with(b"PK\x03\x04") => FileFormat::Xlsx,
        _ if head.starts_with(b"\xD0\xCF\x11\xE0") => FileFormat::Xls,
        _ => FileFormat::Csv,
    }
}

/// One streaming pass: digest, size, format and (for CSV) the encoding, checked against the
/// caller's choice. Every encoding problem is found here, before anything is written.
pub fn scan_file(path: &Path, choice: TextEncoding) -> Result<FileScan, ImportError> {
    let file_name = display(path);
    let mut file = File::open(path).map_err(io_err(path))?;
    let mut hasher = Sha256::new();
    let mut utf8 = Utf8Check::default();
    let mut head: Vec<u8> = Vec::with_capacity(8);
    let mut size = 0u64;
    let mut buf = vec![0u8; SCAN_CHUNK];
    loop {
        let n = file.read(&mut buf).map_err(io_err(path))?;
        if n == 0 {
            break;
        }
        let chunk = &buf[..n];
        hasher.update(chunk);
        if head.len() < 8 {
            let take = (8 - head.len()).min(n);
            head.extend_from_slice(&chunk[..take]);
        }
        utf8.feed(chunk);
        size += n as u64;
    }
    let sha256 = hex::encode(hasher.finalize());
    let bom = head.starts_with(BOM);
    if size == 0 || (bom && size == BOM.len() as u64) {
        return Err(ImportError::Empty { file: file_name });
    }
    let format = format_of(path, &head);
    if format != FileFormat::Csv {
        return Ok(FileScan {
            sha256,
            size,
            format,
            text: None,
        });
    }
    let non_ascii = utf8.non_ascii;
    let bad_utf8 = utf8.finish();
    let text = match (choice, bad_utf8) {
        (TextEncoding::Gbk, _) if bom => {
            return Err(ImportError::LooksLikeUtf8 { file: file_name });
        }
        (TextEncoding::Gbk, None) if non_ascii => {
            // Chinese text in GBK is practically never valid UTF-8; this file is UTF-8.
            return Err(ImportError::LooksLikeUtf8 { file: file_name });
        }
        (TextEncoding::Gbk, _) => match first_non_gbk(path)? {
            None => Text::Gbk,
            Some(offset) => {
                return Err(ImportError::NotGbk {
                    file: file_name,
                    offset,
                });
            }
        },
        (_, None) => Text::Utf8 { bom },
        (TextEncoding::Utf8, Some(offset)) => {
            return Err(if !bom && first_non_gbk(path)?.is_none() {
                ImportError::LooksLikeGbk { file: file_name }
            } else {
                ImportError::NotUtf8 {
                    file: file_name,
                    offset,
                }
            });
        }
        (TextEncoding::Auto, Some(offset)) => {
            if !bom && first_non_gbk(path)?.is_none() {
                Text::Gbk
            } else {
                return Err(ImportError::UnknownEncoding {
                    file: file_name,
                    offset,
                });
            }
        }
    };
    Ok(FileScan {
        sha256,
        size,
        format,
        text: Some(text),
    })
}

/// A cell whose text may not say what the clerk sees.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CellIssue {
    /// A spreadsheet number with more than 15 significant digits (e.g. an ID number typed into a
    /// number cell): Excel has already rounded it.
    ImpreciseNumber,
    /// A spreadsheet error value such as `#N/A`.
    ExcelError,
}

/// One data row as text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SourceRow {
    /// 1-based data row number (header excluded).
    pub number: u64,
    pub cells: Vec<String>,
    /// Cells (by column index) whose text needs a caveat.
    pub issues: Vec<(usize, CellIssue)>,
}

impl SourceRow {
    pub fn is_blank(&self) -> bool {
        self.cells.iter().all(|c| c.trim().is_empty())
    }
    pub fn issue(&self, column: usize) -> Option<CellIssue> {
        self.issues
            .iter()
            .find(|(c, _)| *c == column)
            .map(|(_, i)| *i)
    }
}

struct CsvRows {
    reader: csv::Reader<BufReader<File>>,
    record: csv::ByteRecord,
    text: Text,
    skipped: u64,
}

struct SheetRows {
    range: Range<Data>,
    next: usize,
}

enum Rows {
    Csv(CsvRows),
    Sheet(SheetRows),
}

/// A source file opened for reading: its header and then its rows.
pub struct Table {
    file: String,
    headers: Vec<String>,
    rows: Rows,
    size: u64,
    row: u64,
}

fn decode(text: Text, bytes: &[u8]) -> Option<String> {
    match text {
        Text::Utf8 { .. } => std::str::from_utf8(bytes).ok().map(str::to_owned),
        Text::Gbk => encoding_rs::GBK
            .decode_without_bom_handling_and_without_replacement(bytes)
            .map(std::borrow::Cow::into_owned),
    }
}

/// Text of a spreadsheet cell. Whole numbers print without a decimal point or exponent (an ID
/// number or phone number stored as a number reads as its digits); date cells as `YYYY-MM-DD`.
pub(crate) fn cell_text(cell: &Data) -> (String, Option<CellIssue>) {
    match cell {
        Data::Empty => (String::new(), None),
        Data::String(s) => (s.clone(), None),
        Data::Int(i) => (i.to_string(), None),
        Data::Float(f) => float_text(*f),
        Data::Bool(b) => (b.to_string(), None),
        Data::DateTime(dt) => {
            if dt.is_datetime()
                && let Some(t) = dt.as_datetime()
            {
                let text = if t.time() == chrono::NaiveTime::MIN {
                    t.format("%Y-%m-%d").to_string()
                } else {
                    t.format("%Y-%m-%d %H:%M:%S").to_string()
                };
                (text, None)
            } else {
                float_text(dt.as_f64())
            }
        }
        Data::DateTimeIso(s) | Data::DurationIso(s) => (s.clone(), None),
        Data::Error(e) => (e.to_string(), Some(CellIssue::ExcelError)),
    }
}

fn float_text(f: f64) -> (String, Option<CellIssue>) {
    // 2^63 bounds the i64 conversion; integral values print as integers.
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 9.2e18 {
        let issue = (f.abs() >= 1e15).then_some(CellIssue::ImpreciseNumber);
        ((f as i64).to_string(), issue)
    } else {
        (f.to_string(), None)
    }
}

impl Table {
    /// Opens a scanned file and reads its header row.
    pub fn open(path: &Path, scan: &FileScan) -> Result<Table, ImportError> {
        let file = display(path);
        let (headers, rows) = match (scan.format, scan.text) {
            (FileFormat::Csv, Some(text)) => open_csv(path, text)?,
            (format, _) => open_sheet(path, format)?,
        };
        let headers = trim_headers(headers);
        if headers.iter().all(String::is_empty) {
            return Err(ImportError::Empty { file });
        }
        Ok(Table {
            file,
            headers,
            rows,
            size: scan.size,
            row: 0,
        })
    }

    pub fn file(&self) -> &str {
        &self.file
    }

    /// Makes a row read so far the header (a title line stood above the real header): data rows
    /// are numbered from the row after it.
    pub fn use_as_header(&mut self, row: SourceRow) {
        self.headers = trim_headers(row.cells);
        self.row = 0;
    }

    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// The next data row (blank rows included: callers skip them, the numbering counts them).
    pub fn next_row(&mut self) -> Result<Option<SourceRow>, ImportError> {
        let number = self.row + 1;
        let row = match &mut self.rows {
            Rows::Csv(csv) => {
                let more =
                    csv.reader
                        .read_byte_record(&mut csv.record)
                        .map_err(|e| ImportError::Csv {
                            file: self.file.clone(),
                            row: number,
                            message: e.to_string(),
                        })?;
                if !more {
                    return Ok(None);
                }
                let mut cells = Vec::with_capacity(csv.record.len());
                for field in csv.record.iter() {
                    let Some(text) = decode(csv.text, field) else {
                        return Err(ImportError::Csv {
                            file: self.file.clone(),
                            row: number,
                            message: "a field is not valid text in the file's encoding".to_owned(),
                        });
                    };
                    cells.push(text);
                }
                SourceRow {
                    number,
                    cells,
                    issues: Vec::new(),
                }
            }
            Rows::Sheet(sheet) => {
                if sheet.next >= sheet.range.height() {
                    return Ok(None);
                }
                let r = sheet.next;
                sheet.next += 1;
                let mut cells = Vec::with_capacity(sheet.range.width());
                let mut issues = Vec::new();
                for c in 0..sheet.range.width() {
                    let (text, issue) = sheet
                        .range
                        .get((r, c))
                        .map_or((String::new(), None), cell_text);
                    if let Some(issue) = issue {
                        issues.push((c, issue));
                    }
                    cells.push(text);
                }
                SourceRow {
                    number,
                    cells,
                    issues,
                }
            }
        };
        self.row = number;
        Ok(Some(row))
    }

    /// How far reading has come, in bytes of the file (for spreadsheets: the share of rows read,
    /// scaled to the file size), and the file size.
    pub fn progress(&self) -> (u64, u64) {
        let done = match &self.rows {
            Rows::Csv(csv) => csv.reader.position().byte() + csv.skipped,
            Rows::Sheet(sheet) => {
                let height = sheet.range.height().max(1) as u128;
                (u128::from(self.size) * sheet.next as u128 / height) as u64
            }
        };
        (done.min(self.size), self.size)
    }
}

fn trim_headers(headers: Vec<String>) -> Vec<String> {
    headers
        .into_iter()
        .map(|h| {
            h.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
                .to_owned()
        })
        .collect()
}

fn open_csv(path: &Path, text: Text) -> Result<(Vec<String>, Rows), ImportError> {
    let file = display(path);
    let mut buffered =
        BufReader::with_capacity(SCAN_CHUNK, File::open(path).map_err(io_err(path))?);
    let mut skipped = 0;
    if let Text::Utf8 { bom: true } = text {
        let head = buffered.fill_buf().map_err(io_err(path))?;
        if head.starts_with(BOM) {
            buffered.consume(BOM.len());
            skipped = BOM.len() as u64;
        }
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(buffered);
    let mut record = csv::ByteRecord::new();
    let more = reader
        .read_byte_record(&mut record)
        .map_err(|e| ImportError::Csv {
            file: file.clone(),
            row: 0,
            message: format!("header: {e}"),
        })?;
    if !more {
        return Err(ImportError::Empty { file });
    }
    let mut headers = Vec::with_capacity(record.len());
    for field in record.iter() {
        headers.push(decode(text, field).ok_or_else(|| ImportError::Csv {
            file: file.clone(),
            row: 0,
            message: "the header is not valid text in the file's encoding".to_owned(),
        })?);
    }
    Ok((
        headers,
        Rows::Csv(CsvRows {
            reader,
            record,
            text,
            skipped,
        }),
    ))
}

fn open_sheet(path: &Path, format: FileFormat) -> Result<(Vec<String>, Rows), ImportError> {
    let file = display(path);
    let workbook_err = |message: String| ImportError::Workbook {
        file: file.clone(),
        format: format.name(),
        message,
    };
    let range = match format {
        FileFormat::Xls => first_sheet::<calamine::Xls<_>>(path, &workbook_err)?,
        FileFormat::Xlsb => first_sheet::<calamine::Xlsb<_>>(path, &workbook_err)?,
        FileFormat::Ods => first_sheet::<calamine::Ods<_>>(path, &workbook_err)?,
        FileFormat::Xlsx | FileFormat::Csv => {
            first_sheet::<calamine::Xlsx<_>>(path, &workbook_err)?
        }
    };
    let Some(range) = range else {
        return Err(ImportError::NoSheet { file });
    };
    if range.is_empty() || range.height() == 0 {
        return Err(ImportError::Empty { file });
    }
    let headers = (0..range.width())
        .map(|c| range.get((0, c)).map_or(String::new(), |d| cell_text(d).0))
        .collect();
    Ok((headers, Rows::Sheet(SheetRows { range, next: 1 })))
}

fn first_sheet<R>(
    path: &Path,
    workbook_err: &dyn Fn(String) -> ImportError,
) -> Result<Option<Range<Data>>, ImportError>
where
    R: Reader<BufReader<File>>,
    R::Error: fmt::Display,
{
    let mut workbook: R =
        calamine::open_workbook(path).map_err(|e: R::Error| workbook_err(e.to_string()))?;
    match workbook.worksheet_range_at(0) {
        None => Ok(None),
        Some(Ok(range)) => Ok(Some(range)),
        Some(Err(e)) => Err(workbook_err(e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_check_spans_chunks() {
        let text = "户编号,姓名\n张三,李四\n".as_bytes();
        for split in 0..text.len() {
            let mut c = Utf8Check::default();
            c.feed(&text[..split]);
            c.feed(&text[split..]);
            assert_eq!(c.finish(), None, "split at {split}");
        }
        let mut c = Utf8Check::default();
        c.feed(b"ab\xE4");
        assert_eq!(c.finish(), Some(2));
        let mut c = Utf8Check::default();
        c.feed(b"ab");
        c.feed(b"c\xFFd");
        assert_eq!(c.finish(), Some(3));
    }

    #[test]
    fn floats_print_as_written() {
        assert_eq!(
            float_text(370305491231002.0),
            ("370305491231002".into(), None)
        );
        let (text, issue) = float_text(370305198001010000.0);
        assert_eq!(text.len(), 18);
        assert_eq!(text, "370305198001009984");
        assert_eq!(issue, Some(CellIssue::ImpreciseNumber));
        assert_eq!(float_text(1500.5).0, "1500.5");
        assert_eq!(float_text(13812345678.0).0, "13812345678");
        assert_eq!(float_text(-3.0).0, "-3");
    }

    #[test]
    fn encoding_names() {
        assert_eq!("UTF-8".parse(), Ok(TextEncoding::Utf8));
        assert_eq!("gbk".parse(), Ok(TextEncoding::Gbk));
        assert_eq!("auto".parse(), Ok(TextEncoding::Auto));
        assert!("latin1".parse::<TextEncoding>().is_err());
    }
}
