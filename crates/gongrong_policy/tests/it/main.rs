//! Integration tests of gongrong_policy: the reference catalogue in `policies/`, bad catalogues,
//! analysts' YAML cases, reforms, duplicates and gaps, what-if and dividends.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod bad_catalogue;
mod coverage;
mod explain;
mod load;
mod support;
mod yaml;
