//! Integration tests of the web app: in-process (the router called directly) and end-to-end in
//! headless Chromium against a real server. One test binary; each module is one concern.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod access;
mod api;
mod auth;
mod bad_input;
mod browser;
mod common;
mod pages;
mod review;
mod scoping;
mod security;
