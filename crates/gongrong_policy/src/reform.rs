//! Reforms: a file that changes the catalogue — new dated parameter values, new formulas for
//! existing variables, policies switched off, policies (and their parameters) added. A reform is
//! applied to the catalogue's source and the result is checked like any catalogue, so a broken
//! reform is refused with its file and line.

use crate::catalogue::SourceFile;
use crate::catalogue::files::ReformFile;
use crate::catalogue::source::parse_toml;
use crate::catalogue::{CatalogueSource, Label};
use crate::error::{Diagnostic, LoadError, Location};
use std::path::Path;

/// A parsed reform file.
#[derive(Clone, Debug)]
pub struct Reform {
    /// The file stem (`raise_dibao_standard`).
    pub name: String,
    pub label: Label,
    pub description: Option<String>,
    pub(crate) file: SourceFile,
    pub(crate) content: ReformFile,
}

impl Reform {
    /// Reads a reform file; `path` is shown in messages as given.
    pub fn load(path: &Path) -> Result<Reform, LoadError> {
        let shown = path.to_string_lossy().replace('\\', "/");
        let text = std::fs::read_to_string(path).map_err(|e| {
            LoadError::one(
                Location {
                    file: shown.clone(),
                    ..Location::default()
                },
                format!("cannot read the reform: {e}"),
            )
        })?;
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("reform")
            .to_owned();
        Reform::parse(&name, &shown, text)
    }

    /// Parses a reform from text (`shown` names it in messages).
    pub fn parse(name: &str, shown: &str, text: String) -> Result<Reform, LoadError> {
        let file = SourceFile::new(shown.to_owned(), text);
        let content: ReformFile = parse_toml(&file).map_err(|d| LoadError {
            diagnostics: vec![d],
        })?;
        Ok(Reform {
            name: name.to_owned(),
            label: content.name.clone(),
            description: content.description.clone(),
            file,
            content,
        })
    }
}

impl CatalogueSource {
    /// Applies a reform to the source (checked when compiled).
    pub(crate) fn apply(&mut self, reform: &Reform) -> Result<(), LoadError> {
        let f = self.add_file(reform.file.path.clone(), reform.file.text.clone());
        let file = self.files[f].clone();
        let mut diags = Vec::new();
        let r = &reform.content;
        for (name, change) in &r.parameters {
            self.param_overrides
                .push((f, name.clone(), change.get_ref().values.clone()));
        }
        for (name, formula) in &r.formulas {
            self.formula_overrides
                .push((f, name.clone(), formula.clone()));
        }
        for code in &r.switch_off {
            self.switched_off
                .push((code.get_ref().clone(), f, code.span().start));
        }
        for p in &r.add_policies {
            self.policies.push((f, p.get_ref().clone()));
        }
        if !r.add_parameters.is_empty() {
            for (name, decl) in &r.add_parameters {
                let Some((ns, key)) = name.get_ref().split_once('.') else {
                    diags.push(Diagnostic {
                        location: file.location(name.span().start),
                        message: format!("`{}` is not a parameter name (file.key)", name.get_ref()),
                    });
                    continue;
                };
                let mut m = crate::catalogue::files::Map::new();
                m.insert(
                    toml::Spanned::new(name.span(), key.to_owned()),
                    decl.clone(),
                );
                self.params.push((f, ns.to_owned(), m));
            }
        }
        if diags.is_empty() {
            Ok(())
        } else {
            Err(LoadError { diagnostics: diags })
        }
    }
}
