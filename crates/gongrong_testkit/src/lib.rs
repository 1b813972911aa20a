//! Test support (filled in by the store work).
