//! The input row of the linkage: one person-row of one register, whatever its layout was.

use chrono::NaiveDate;
use gongrong_domain::codes::Sex;
use serde::{Deserialize, Serialize};

/// One row of one source file, reduced to the fields the linkage compares.
///
/// Every field except `source`, `row` and `name` may be missing; the linkage treats a missing field as
/// "no evidence" (a comparison's null level, weight 0), never as a disagreement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkRecord {
    /// Index of the source (register / file) in [`crate::LinkConfig::sources`]; at most 63.
    pub source: u8,
    /// Row id inside the source: the 1-based data row of the file unless the mapping names a row column.
    pub row: u64,
    /// The source's household number (户编号 / 家庭编号). Members of one household of one source are
    /// different people unless they are within-register duplicates.
    pub household: Option<String>,
    /// The ID number exactly as written (18 or legacy 15 characters, possibly with a typo).
    pub id_raw: Option<String>,
    /// The name exactly as written.
    pub name: String,
    /// The birth date column, where the register has one.
    pub birth_date: Option<NaiveDate>,
    pub sex: Option<Sex>,
    /// Region code (12-digit village code, or a shorter prefix).
    pub region: Option<String>,
}

impl LinkRecord {
    /// A record with only the mandatory fields set; the others are filled with struct-update syntax.
    pub fn new(source: u8, row: u64, name: impl Into<String>) -> Self {
        Self {
            source,
            row,
            household: None,
            id_raw: None,
            name: name.into(),
            birth_date: None,
            sex: None,
            region: None,
        }
    }
}
