//! Reading stored codes and identifiers back into domain types. A value that does not parse
//! means the database was written by something else: [`StoreError::Corrupt`].

use crate::db::Row;
use crate::{Result, StoreError};
use gongrong_domain::{IdNumber, RegionCode, Register, Role};
use std::fmt::Display;

/// Parses column `i` with `parse` (a code list's `parse`, `IdNumber::parse`, …).
pub(crate) fn parsed<T, E: Display>(
    row: &Row,
    i: usize,
    what: &str,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> Result<T> {
    let text: String = row.get(i)?;
    parse(&text).map_err(|e| StoreError::Corrupt(format!("{what} {text:?}: {e}")))
}

/// Like [`parsed`] for a nullable column.
pub(crate) fn parsed_opt<T, E: Display>(
    row: &Row,
    i: usize,
    what: &str,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> Result<Option<T>> {
    let text: Option<String> = row.get(i)?;
    text.map(|t| parse(&t).map_err(|e| StoreError::Corrupt(format!("{what} {t:?}: {e}"))))
        .transpose()
}

pub(crate) fn id_number(row: &Row, i: usize) -> Result<IdNumber> {
    parsed(row, i, "ID number", IdNumber::parse)
}

pub(crate) fn region(row: &Row, i: usize) -> Result<RegionCode> {
    parsed(row, i, "region code", RegionCode::parse)
}

pub(crate) fn register(row: &Row, i: usize) -> Result<Register> {
    parsed(row, i, "register", |s| {
        Register::parse(s).ok_or("unknown register")
    })
}

pub(crate) fn role(row: &Row, i: usize) -> Result<Role> {
    parsed(row, i, "role", |s| Role::parse(s).ok_or("unknown role"))
}

pub(crate) fn json<T: serde::de::DeserializeOwned>(row: &Row, i: usize, what: &str) -> Result<T> {
    parsed(row, i, what, |s| serde_json::from_str(s))
}

pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(format!("cannot encode: {e}")))
}
