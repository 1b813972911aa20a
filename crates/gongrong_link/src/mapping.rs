//! Column mappings and the CSV loader: any tabular export becomes [`LinkRecord`]s by naming which header
//! holds which field, so the linkage is not tied to one register's layout.

use crate::LinkConfig;
use crate::record::LinkRecord;
use chrono::NaiveDate;
use gongrong_domain::codes::Sex;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// One source (register / file) of the linkage.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    /// Short name, as used in `truth.csv` (`poverty`, `dibao`).
    pub name: String,
    pub columns: ColumnMapping,
}

/// Which header holds which field. Only `name` is required.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnMapping {
    pub name: String,
    /// A column with an integer row id; by default the 1-based data row number.
    #[serde(default)]
    pub row: Option<String>,
    #[serde(default)]
    pub household: Option<String>,
    #[serde(default)]
    pub id_number: Option<String>,
    #[serde(default)]
    pub birth_date: Option<String>,
    #[serde(default)]
    pub sex: Option<String>,
    #[serde(default)]
    pub region: Option<String>,
}

/// A value that could not be read; the field is left empty and the row is still linked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowIssue {
    pub source: u8,
    pub row: u64,
    pub field: &'static str,
    pub value: String,
    pub reason: &'static str,
}

/// Records read from the sources, with the values that had to be dropped.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Loaded {
    pub records: Vec<LinkRecord>,
    pub issues: Vec<RowIssue>,
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: neither UTF-8 nor GBK text")]
    Encoding { path: PathBuf },
    #[error("{path}: row {row}: {message}")]
    Csv {
        path: PathBuf,
        row: u64,
        message: String,
    },
    #[error("{path}: no column {header:?} (configured as `{key}`)")]
    MissingColumn {
        path: PathBuf,
        key: String,
        header: String,
    },
    #[error("{given} files given for {expected} configured sources")]
    SourceCount { given: usize, expected: usize },
}

/// Reads text as UTF-8 (a BOM is skipped) or, failing that, GBK.
pub fn decode(bytes: &[u8]) -> Option<std::borrow::Cow<'_, str>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Some(s.into());
    }
    let (text, had_errors) = encoding_rs::GBK.decode_without_bom_handling(bytes);
    (!had_errors).then_some(text)
}

/// Splits quote-free text into pieces of whole lines for parallel parsing (a few per thread); `None` when
/// the text has a `"` (a quoted field may span lines: such text is parsed in one piece).
///
/// Without quotes, a CSV record is exactly a non-empty line (see [`plain_records`]), so the pieces parse
/// independently and their records, in order, are the file's records.
pub(crate) fn line_chunks(text: &str) -> Option<Vec<&str>> {
    if text.contains('"') {
        return None;
    }
    let pieces = rayon::current_num_threads() * 4;
    let target = (text.len() / pieces).max(1 << 16);
    let mut out = Vec::with_capacity(pieces + 1);
    let mut rest = text;
    while rest.len() > target {
        let cut = rest
            .as_bytes()
            .get(target..)
            .and_then(|t| t.iter().position(|&b| b == b'\n'))
            .map_or(rest.len(), |i| target + i + 1);
        let (head, tail) = rest.split_at(cut);
        out.push(head);
        rest = tail;
    }
    if !rest.is_empty() || out.is_empty() {
        out.push(rest);
    }
    Some(out)
}

/// The records of quote-free CSV text as the `csv` reader sees them: lines ended by `\n`, `\r` or
/// `\r\n`, empty lines skipped.
pub(crate) fn plain_records(text: &str) -> Box<dyn Iterator<Item = &str> + '_> {
    if text.contains('\r') {
        Box::new(text.split(['\n', '\r']).filter(|l| !l.is_empty()))
    } else {
        // Splitting at one byte is a fast memchr.
        Box::new(text.split('\n').filter(|l| !l.is_empty()))
    }
}

/// Parses `YYYY-MM-DD`, `YYYY/MM/DD`, `YYYY.MM.DD`, `YYYYMMDD`, `YYYY-MM`, `YYYYMM` or `YYYY` (first day
/// meant); a time after a space is ignored.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.split_whitespace().next()?;
    let mut parts = s.split(['-', '/', '.']);
    let parts = [parts.next(), parts.next(), parts.next(), parts.next()];
    let num = |p: &str| p.parse::<u32>().ok();
    let (y, m, d) = match parts {
        [Some(y), Some(m), Some(d), None] => (num(y)?, num(m)?, num(d)?),
        [Some(y), Some(m), None, _] => (num(y)?, num(m)?, 1),
        [Some(one), None, ..] if one.bytes().all(|b| b.is_ascii_digit()) => match one.len() {
            8 => (num(&one[..4])?, num(&one[4..6])?, num(&one[6..])?),
            6 => (num(&one[..4])?, num(&one[4..])?, 1),
            4 => (num(one)?, 1, 1),
            _ => return None,
        },
        _ => return None,
    };
    NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d)
}

fn column(
    headers: &csv::StringRecord,
    wanted: Option<&str>,
    key: &str,
    path: &Path,
) -> Result<Option<usize>, LoadError> {
    let Some(wanted) = wanted else {
        return Ok(None);
    };
    headers
        .iter()
        .position(|h| h.trim() == wanted.trim())
        .map(Some)
        .ok_or_else(|| LoadError::MissingColumn {
            path: path.to_owned(),
            key: key.to_owned(),
            header: wanted.to_owned(),
        })
}

/// The column index of each mapped field.
struct Columns {
    source: u8,
    /// One more than the last mapped column: the fields a row needs.
    width: usize,
    name: Option<usize>,
    row: Option<usize>,
    household: Option<usize>,
    id_number: Option<usize>,
    birth_date: Option<usize>,
    sex: Option<usize>,
    region: Option<usize>,
}

impl Columns {
    fn new(
        headers: &csv::StringRecord,
        source: u8,
        config: &SourceConfig,
        path: &Path,
    ) -> Result<Self, LoadError> {
        let c = &config.columns;
        let k = |f: &str| format!("source[{source}].columns.{f}");
        let mut cols = Columns {
            source,
            width: 0,
            name: column(headers, Some(&c.name), &k("name"), path)?,
            row: column(headers, c.row.as_deref(), &k("row"), path)?,
            household: column(headers, c.household.as_deref(), &k("household"), path)?,
            id_number: column(headers, c.id_number.as_deref(), &k("id_number"), path)?,
            birth_date: column(headers, c.birth_date.as_deref(), &k("birth_date"), path)?,
            sex: column(headers, c.sex.as_deref(), &k("sex"), path)?,
            region: column(headers, c.region.as_deref(), &k("region"), path)?,
        };
        cols.width = [
            cols.name,
            cols.row,
            cols.household,
            cols.id_number,
            cols.birth_date,
            cols.sex,
            cols.region,
        ]
        .into_iter()
        .flatten()
        .max()
        .map_or(0, |c| c + 1);
        Ok(cols)
    }

    /// Appends data row `data_row` (1-based), whose field `i` is `field(i)`, to `out`.
    fn push<'a>(&self, data_row: u64, field: impl Fn(usize) -> Option<&'a str>, out: &mut Loaded) {
        let source = self.source;
        let get = |col: Option<usize>| {
            col.and_then(&field)
                .map(str::trim)
                .filter(|v| !v.is_empty())
        };
        let mut issue = |field: &'static str, value: &str, reason: &'static str| {
            out.issues.push(RowIssue {
                source,
                row: data_row,
                field,
                value: value.to_owned(),
                reason,
            });
        };
        let row = match get(self.row) {
            Some(v) => v.parse().unwrap_or_else(|_| {
                issue("row", v, "not an integer; the data row number is used");
                data_row
            }),
            None => data_row,
        };
        let birth_date = get(self.birth_date).and_then(|v| {
            let d = parse_date(v);
            if d.is_none() {
                issue("birth_date", v, "not a date");
            }
            d
        });
        let sex = get(self.sex).and_then(|v| match Sex::parse(v) {
            Ok(s) => Some(s),
            Err(_) => {
                issue("sex", v, "not a known sex");
                None
            }
        });
        out.records.push(LinkRecord {
            source,
            row,
            household: get(self.household).map(str::to_owned),
            id_raw: get(self.id_number).map(str::to_owned),
            name: get(self.name).unwrap_or_default().to_owned(),
            birth_date,
            sex,
            region: get(self.region).map(str::to_owned),
        });
    }
}

/// Reads one CSV file of source `source` through its mapping, appending to `out`.
///
/// A file without quotes is parsed in parallel pieces of whole lines (see [`line_chunks`]); rows keep
/// their order.
pub fn load_csv(
    path: &Path,
    source: u8,
    config: &SourceConfig,
    out: &mut Loaded,
) -> Result<(), LoadError> {
    let bytes = std::fs::read(path).map_err(|e| LoadError::Io {
        path: path.to_owned(),
        source: e,
    })?;
    let text = decode(&bytes).ok_or_else(|| LoadError::Encoding {
        path: path.to_owned(),
    })?;
    let Some(chunks) = line_chunks(&text) else {
        return load_quoted(&text, path, source, config, out);
    };
    let header_line = chunks
        .first()
        .and_then(|c| plain_records(c).next())
        .unwrap_or_default();
    let headers: csv::StringRecord = if header_line.is_empty() {
        csv::StringRecord::new()
    } else {
        header_line.split(',').collect()
    };
    let cols = Columns::new(&headers, source, config, path)?;
    // Records per piece (the header is the first record of the first piece), for the row numbers.
    let counts: Vec<usize> = chunks
        .par_iter()
        .enumerate()
        .map(|(k, c)| plain_records(c).count() - usize::from(k == 0 && !header_line.is_empty()))
        .collect();
    let starts: Vec<u64> = counts
        .iter()
        .scan(0u64, |acc, &n| {
            let start = *acc;
            *acc += n as u64;
            Some(start)
        })
        .collect();
    let parts: Vec<Loaded> = chunks
        .par_iter()
        .zip(&starts)
        .enumerate()
        .map(|(k, (chunk, &start))| {
            let mut part = Loaded::default();
            let mut fields: Vec<&str> = Vec::with_capacity(headers.len());
            let skip = usize::from(k == 0 && !header_line.is_empty());
            for (n, line) in plain_records(chunk).skip(skip).enumerate() {
                fields.clear();
                fields.extend(line.split(',').take(cols.width));
                cols.push(start + n as u64 + 1, |i| fields.get(i).copied(), &mut part);
            }
            part
        })
        .collect();
    let rows: usize = parts.iter().map(|p| p.records.len()).sum();
    out.records.reserve(rows);
    for mut part in parts {
        out.records.append(&mut part.records);
        out.issues.append(&mut part.issues);
    }
    Ok(())
}

/// [`load_csv`] of a text with quoted fields: one `csv` reader over the whole text.
fn load_quoted(
    text: &str,
    path: &Path,
    source: u8,
    config: &SourceConfig,
    out: &mut Loaded,
) -> Result<(), LoadError> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let csv_err = |row: u64, e: csv::Error| LoadError::Csv {
        path: path.to_owned(),
        row,
        message: e.to_string(),
    };
    let headers = reader.headers().map_err(|e| csv_err(0, e))?.clone();
    let cols = Columns::new(&headers, source, config, path)?;
    let mut rec = csv::StringRecord::new();
    let mut data_row = 0u64;
    while reader
        .read_record(&mut rec)
        .map_err(|e| csv_err(data_row + 1, e))?
    {
        data_row += 1;
        cols.push(data_row, |i| rec.get(i), out);
    }
    Ok(())
}

/// Reads one file per configured source (in the order of `config.sources`); the files are read
/// concurrently.
pub fn load_sources(paths: &[&Path], config: &LinkConfig) -> Result<Loaded, LoadError> {
    if paths.len() != config.sources.len() {
        return Err(LoadError::SourceCount {
            given: paths.len(),
            expected: config.sources.len(),
        });
    }
    let jobs: Vec<(usize, (&&Path, &SourceConfig))> =
        paths.iter().zip(&config.sources).enumerate().collect();
    let parts: Vec<Result<Loaded, LoadError>> = jobs
        .into_par_iter()
        .map(|(i, (path, source))| {
            let mut part = Loaded::default();
            load_csv(path, i as u8, source, &mut part).map(|()| part)
        })
        .collect();
    let mut out = Loaded::default();
    for part in parts {
        let mut part = part?;
        if out.records.is_empty() {
            out.records = part.records;
            out.issues = part.issues;
        } else {
            out.records.append(&mut part.records);
            out.issues.append(&mut part.issues);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        assert_eq!(parse_date("1980-02-03"), d(1980, 2, 3));
        assert_eq!(parse_date("1980/2/3"), d(1980, 2, 3));
        assert_eq!(parse_date("19800203"), d(1980, 2, 3));
        assert_eq!(parse_date("1980-02"), d(1980, 2, 1));
        assert_eq!(parse_date("1980"), d(1980, 1, 1));
        assert_eq!(parse_date("1980-02-03 00:00:00"), d(1980, 2, 3));
        assert_eq!(parse_date("1980-02-30"), None);
        assert_eq!(parse_date("n/a"), None);
    }

    #[test]
    fn loads_gbk_and_reports_bad_values() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.csv");
        let text = "家庭编号,所属区划,成员姓名,身份证号码,性别,出生日期\nH1,370305100201,张三,11010519491231002X,男,1949-12-31\nH1,,李四,,未知,生日\n";
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        std::fs::write(&path, &gbk).unwrap();
        let config = LinkConfig::registers().unwrap();
        let mut out = Loaded::default();
        load_csv(&path, 1, &config.sources[1], &mut out).unwrap();
        assert_eq!(out.records.len(), 2);
        assert_eq!(out.records[0].name, "张三");
        assert_eq!(out.records[0].sex, Some(Sex::Male));
        assert_eq!(out.records[1].row, 2);
        assert_eq!(out.records[1].id_raw, None);
        let fields: Vec<_> = out.issues.iter().map(|i| i.field).collect();
        assert_eq!(fields, ["birth_date", "sex"]);
    }

    #[test]
    fn parallel_pieces_read_like_one_csv_reader() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.csv");
        let mut text = String::from("家庭编号,所属区划,成员姓名,身份证号码,性别,出生日期\r\n");
        for i in 0..20_000 {
            let sex = ["男", "女", "?"][i % 3];
            text.push_str(&format!(
                "H{i}, 370305100201 ,张{i},11010519491231002X,{sex},1949-12-{}\r\n",
                i % 40
            ));
            if i % 1000 == 0 {
                text.push_str("\r\n");
            }
        }
        std::fs::write(&path, &text).unwrap();
        let config = LinkConfig::registers().unwrap();
        let mut fast = Loaded::default();
        load_csv(&path, 1, &config.sources[1], &mut fast).unwrap();
        let mut quoted = Loaded::default();
        load_quoted(&text, &path, 1, &config.sources[1], &mut quoted).unwrap();
        assert!(line_chunks(&text).unwrap().len() > 1);
        assert_eq!(fast.records.len(), 20_000);
        assert_eq!(fast.records[19_999].row, 20_000);
        assert!(!fast.issues.is_empty());
        assert_eq!(fast, quoted);
    }

    #[test]
    fn missing_column_names_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.csv");
        std::fs::write(&path, "户编号,名字\nH1,张三\n").unwrap();
        let config = LinkConfig::registers().unwrap();
        let err = load_csv(&path, 0, &config.sources[0], &mut Loaded::default()).unwrap_err();
        assert!(err.to_string().contains("source[0].columns.name"), "{err}");
    }
}
