//! Integration tests of gongrong_import: one binary, files written per test into a temp dir.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod encodings;
mod fixtures;
mod mapping_files;
mod register_csv;
mod spreadsheets;
mod villages;
mod with_store;
