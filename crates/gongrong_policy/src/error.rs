//! Errors with a place: every problem in a catalogue, a reform or a test file names the file,
//! the line (and column) and what is wrong.

use serde::Serialize;
use std::fmt;

/// A place in a catalogue file: the path relative to the catalogue's directory (or as given for
/// files outside it), 1-based line and column.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Location {
    pub file: String,
    pub line: u32,
    pub column: u32,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// One problem at one place.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub location: Location,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

/// A catalogue (or reform) refused at load: every problem found, in file order.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct LoadError {
    pub diagnostics: Vec<Diagnostic>,
}

impl LoadError {
    pub fn one(location: Location, message: impl Into<String>) -> LoadError {
        LoadError {
            diagnostics: vec![Diagnostic {
                location,
                message: message.into(),
            }],
        }
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.diagnostics.len();
        write!(
            f,
            "the policy catalogue was refused ({n} problem{}):",
            if n == 1 { "" } else { "s" }
        )?;
        for d in &self.diagnostics {
            write!(f, "\n  {d}")?;
        }
        Ok(())
    }
}

/// An evaluation period the catalogue cannot be resolved for (a parameter without a value on a
/// date the period needs).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the catalogue cannot be evaluated for {period}:{}", .problems.iter().map(|d| format!("\n  {d}")).collect::<String>())]
pub struct ResolveError {
    pub period: String,
    pub problems: Vec<Diagnostic>,
}
