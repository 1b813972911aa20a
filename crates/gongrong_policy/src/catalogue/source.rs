//! Reading `policies/` into its files' parsed shapes, before any checking; reforms edit this.
//!
//! Layout (paths relative to the catalogue directory):
//!
//! * `catalogue.toml` — title, categories, departments, exclusivity groups, needs;
//! * `enums.toml` — the enums;
//! * `parameters/*.toml` — dated parameters, named `<file stem>.<key>`;
//! * `variables/*.toml` — input declarations (`[inputs.x]`) and shared formulas (`[variables.x]`);
//! * `*.toml` at the top (other than the two above) — one policy per file (`P01_dibao.toml`).
//!
//! `reforms/` and `tests/` are not part of the catalogue.

use super::files::{CatalogueFile, DatedDecl, EnumsFile, ParamsFile, PolicyFile, VarFile};
use crate::error::{Diagnostic, LoadError, Location};
use serde::de::DeserializeOwned;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// One file's text, kept to turn byte offsets into lines and columns.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// Path relative to the catalogue directory (or as given for a reform outside it).
    pub path: String,
    pub text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub fn new(path: String, text: String) -> SourceFile {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        SourceFile {
            path,
            text,
            line_starts,
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn location(&self, offset: usize) -> Location {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset).max(1);
        let start = self.line_starts.get(line - 1).copied().unwrap_or(0);
        let column = self
            .text
            .get(start..offset)
            .map_or(0, |s| s.chars().count())
            + 1;
        Location {
            file: self.path.clone(),
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: u32::try_from(column).unwrap_or(u32::MAX),
        }
    }

    /// Where the text of a string value spanning `span` starts, and whether offsets inside the
    /// parsed string map one-to-one onto the file (true unless the string has escapes).
    pub fn string_origin(&self, span: std::ops::Range<usize>, parsed: &str) -> (usize, bool) {
        let raw = self.text.get(span.clone()).unwrap_or("");
        let (open, close) = if raw.starts_with("'''") || raw.starts_with("\"\"\"") {
            (3, 3)
        } else if raw.starts_with('\'') || raw.starts_with('"') {
            (1, 1)
        } else {
            return (span.start, false);
        };
        let mut start = open;
        // A newline right after the opening delimiter of a multi-line string is trimmed.
        if open == 3 {
            if raw[start..].starts_with("\r\n") {
                start += 2;
            } else if raw[start..].starts_with('\n') {
                start += 1;
            }
        }
        let inner = raw
            .get(start..raw.len().saturating_sub(close))
            .unwrap_or("");
        (span.start + start, inner == parsed)
    }
}

/// The catalogue as read: every file parsed, nothing checked yet.
#[derive(Clone, Debug)]
pub struct CatalogueSource {
    pub(crate) root: PathBuf,
    pub(crate) files: Vec<SourceFile>,
    pub(crate) meta: Option<(usize, CatalogueFile)>,
    pub(crate) enums: Option<(usize, EnumsFile)>,
    /// (file, namespace, content)
    pub(crate) params: Vec<(usize, String, ParamsFile)>,
    pub(crate) var_files: Vec<(usize, VarFile)>,
    pub(crate) policies: Vec<(usize, PolicyFile)>,
    /// Policies switched off by reforms: (code, file, offset of the switch).
    pub(crate) switched_off: Vec<(String, usize, usize)>,
    /// New dated values from reforms: (reform file, parameter name, values).
    pub(crate) param_overrides: Vec<(usize, Spanned<String>, Vec<Spanned<DatedDecl>>)>,
    /// New formulas from reforms: (reform file, variable name, formula).
    pub(crate) formula_overrides: Vec<(usize, Spanned<String>, Spanned<String>)>,
}

fn toml_files(dir: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(LoadError::one(
                Location {
                    file: dir.display().to_string(),
                    ..Location::default()
                },
                format!("cannot read the directory: {e}"),
            ));
        }
    };
    let mut out: Vec<PathBuf> = rd
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "toml"))
        .collect();
    out.sort();
    Ok(out)
}

impl CatalogueSource {
    /// Reads every catalogue file under `root`. Parse errors of all files are collected.
    pub fn read(root: &Path) -> Result<CatalogueSource, LoadError> {
        if !root.is_dir() {
            return Err(LoadError::one(
                Location {
                    file: root.display().to_string(),
                    ..Location::default()
                },
                "the policy catalogue directory does not exist",
            ));
        }
        let mut src = CatalogueSource {
            root: root.to_owned(),
            files: Vec::new(),
            meta: None,
            enums: None,
            params: Vec::new(),
            var_files: Vec::new(),
            policies: Vec::new(),
            switched_off: Vec::new(),
            param_overrides: Vec::new(),
            formula_overrides: Vec::new(),
        };
        let mut diags = Vec::new();
        for path in toml_files(root)? {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            match name {
                "catalogue.toml" => {
                    if let Some(v) = src.parse::<CatalogueFile>(&path, &mut diags) {
                        src.meta = Some(v);
                    }
                }
                "enums.toml" => {
                    if let Some(v) = src.parse::<EnumsFile>(&path, &mut diags) {
                        src.enums = Some(v);
                    }
                }
                _ => {
                    if let Some(v) = src.parse::<PolicyFile>(&path, &mut diags) {
                        src.policies.push(v);
                    }
                }
            }
        }
        for path in toml_files(&root.join("parameters"))? {
            let ns = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("")
                .to_owned();
            if let Some((f, v)) = src.parse::<ParamsFile>(&path, &mut diags) {
                src.params.push((f, ns, v));
            }
        }
        for path in toml_files(&root.join("variables"))? {
            if let Some(v) = src.parse::<VarFile>(&path, &mut diags) {
                src.var_files.push(v);
            }
        }
        if src.meta.is_none() && diags.is_empty() {
            diags.push(Diagnostic {
                location: Location {
                    file: "catalogue.toml".into(),
                    line: 1,
                    column: 1,
                },
                message: "missing: every catalogue has a catalogue.toml".into(),
            });
        }
        if diags.is_empty() {
            Ok(src)
        } else {
            Err(LoadError { diagnostics: diags })
        }
    }

    /// Registers a file's text; returns its index.
    pub(crate) fn add_file(&mut self, path: String, text: String) -> usize {
        self.files.push(SourceFile::new(path, text));
        self.files.len() - 1
    }

    fn relative(&self, path: &Path) -> String {
        path.strip_prefix(&self.root)
            .unwrap_or(path)
            .to_string_lossy()
            .replace('\\', "/")
    }

    fn parse<T: DeserializeOwned>(
        &mut self,
        path: &Path,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<(usize, T)> {
        let rel = self.relative(path);
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                diags.push(Diagnostic {
                    location: Location {
                        file: rel,
                        ..Location::default()
                    },
                    message: format!("cannot read: {e}"),
                });
                return None;
            }
        };
        let f = self.add_file(rel, text);
        match parse_toml::<T>(&self.files[f]) {
            Ok(v) => Some((f, v)),
            Err(d) => {
                diags.push(d);
                None
            }
        }
    }

    pub(crate) fn file(&self, f: usize) -> &SourceFile {
        &self.files[f]
    }

    pub(crate) fn loc(&self, f: usize, offset: usize) -> Location {
        self.files[f].location(offset)
    }
}

/// Parses a TOML file into `T`, turning a syntax or shape error into a located diagnostic.
pub(crate) fn parse_toml<T: DeserializeOwned>(file: &SourceFile) -> Result<T, Diagnostic> {
    toml::from_str::<T>(&file.text).map_err(|e| Diagnostic {
        location: e
            .span()
            .map_or_else(|| file.location(0), |s| file.location(s.start)),
        message: e.message().trim().to_owned(),
    })
}
