//! The district's village list (`villages.csv`): 12-digit village codes and names.
//!
//! The list is the foundation every register row is checked against, so it is loaded all or
//! nothing: a list with any bad row (bad code, not a village code, a town that is not in the
//! national table, empty name, a code listed twice) is refused whole, naming every problem.

use crate::ImportOptions;
use crate::error::ImportError;
use crate::mapping::{Field, Mapping, Target};
use crate::reader::file_label;
use crate::source::{CellIssue, Table, display, scan_file};
use crate::validate::find_header;
use gongrong_domain::region::Level;
use gongrong_domain::{Region, RegionCode, RegionTable};
use gongrong_store::{Access, RejectRow, Store};
use std::collections::HashMap;
use std::path::Path;

/// The valid villages of a list and the problems of the others.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VillageList {
    pub villages: Vec<Region>,
    pub rejects: Vec<RejectRow>,
}

/// Reads and checks a village list against `national` (the national table down to towns).
pub fn read_villages(
    file: &Path,
    mapping: &Mapping,
    opts: &ImportOptions,
    national: &RegionTable,
) -> Result<VillageList, ImportError> {
    mapping.ensure_complete()?;
    if mapping.target() != Target::Villages {
        return Err(ImportError::WrongMapping {
            mapping: mapping.source().to_owned(),
            expected: Target::Villages.to_string(),
            found: mapping.target().to_string(),
        });
    }
    let scan = scan_file(file, opts.encoding)?;
    let mut table = Table::open(file, &scan)?;
    let cols = find_header(&mut table, mapping)?;
    let (Some(&code_col), Some(&name_col)) = (cols.get(&Field::Code), cols.get(&Field::Name))
    else {
        return Err(ImportError::MissingColumns {
            file: display(file),
            mapping: mapping.source().to_owned(),
            columns: vec![Field::Code.key().to_owned(), Field::Name.key().to_owned()],
        });
    };
    let headers = table.headers().to_vec();
    let label = file_label(file);
    let mut out = VillageList::default();
    let mut first_row: HashMap<RegionCode, u64> = HashMap::new();
    while let Some(row) = table.next_row()? {
        if row.is_blank() {
            continue;
        }
        let cell = |i: usize| row.cells.get(i).map_or("", |s| s.as_str());
        let mut reject = |col: usize, reason: String| {
            out.rejects.push(RejectRow {
                file: label.clone(),
                row: row.number,
                field: headers.get(col).cloned().unwrap_or_default(),
                value: cell(col).to_owned(),
                reason,
            });
        };
        let raw_code = cell(code_col).trim();
        let name = cell(name_col).trim();
        let mut ok = true;
        if name.is_empty() || row.issue(name_col) == Some(CellIssue::ExcelError) {
            reject(name_col, "required value is missing".to_owned());
            ok = false;
        }
        let code = match RegionCode::parse(raw_code) {
            Err(_) if raw_code.is_empty() => {
                reject(code_col, "required value is missing".to_owned());
                None
            }
            Err(e) => {
                reject(code_col, e.to_string());
                None
            }
            Ok(code) if code.level() != Level::Village => {
                reject(
                    code_col,
                    format!(
                        "{code} is not a village code (12 digits, the last three not all zero)"
                    ),
                );
                None
            }
            Ok(code) => {
                let town = code.at_level(Level::Town);
                if national.check(&town).is_err() {
                    reject(
                        code_col,
                        format!(
                            "the town {} of {code} is not in the national region table",
                            town.prefix()
                        ),
                    );
                    None
                } else if let Some(first) = first_row.get(&code) {
                    reject(
                        code_col,
                        format!("village code {code} is listed again (first in row {first})"),
                    );
                    None
                } else {
                    first_row.insert(code, row.number);
                    Some(code)
                }
            }
        };
        if let (Some(code), true) = (code, ok) {
            out.villages.push(Region {
                code,
                name: name.to_owned(),
            });
        }
    }
    if out.villages.is_empty() && out.rejects.is_empty() {
        return Err(ImportError::NoRows {
            file: display(file),
        });
    }
    Ok(out)
}

/// Loads a village list into the store (adding or renaming villages). Refused whole, with every
/// problem named, when any row is bad. Returns the number of villages written.
pub async fn import_villages(
    store: &Store,
    access: &Access,
    file: &Path,
    mapping: &Mapping,
    opts: &ImportOptions,
) -> Result<u64, ImportError> {
    let list = read_villages(file, mapping, opts, &RegionTable::national())?;
    if !list.rejects.is_empty() {
        return Err(ImportError::InvalidVillages {
            file: display(file),
            problems: list.rejects,
        });
    }
    Ok(store.upsert_villages(access, &list.villages).await?)
}
