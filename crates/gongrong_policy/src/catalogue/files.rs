//! The TOML shapes of the catalogue's files, as read (with byte spans for error messages).
//! `docs/POLICY_LANGUAGE.md` describes them for analysts.

use super::Label;
use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

pub type Map<T> = BTreeMap<Spanned<String>, Spanned<T>>;

/// `catalogue.toml`: the catalogue's title and its code lists.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogueFile {
    pub title: Label,
    #[serde(default)]
    pub illustrative: bool,
    #[serde(default)]
    pub categories: Map<CodedDecl>,
    #[serde(default)]
    pub departments: Map<CodedDecl>,
    #[serde(default)]
    pub exclusivity: Map<GroupDecl>,
    #[serde(default)]
    pub needs: Map<NeedDecl>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodedDecl {
    pub label: Label,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupDecl {
    pub label: Label,
    pub description: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NeedDecl {
    pub label: Label,
    /// A bool variable: who has the need.
    pub variable: Spanned<String>,
}

/// `enums.toml`: one table per enum.
pub type EnumsFile = Map<EnumDecl>;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnumDecl {
    pub label: Label,
    pub variants: Vec<Spanned<VariantDecl>>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariantDecl {
    pub name: String,
    pub zh: String,
    pub en: String,
}

/// `parameters/NAME.toml`: one table per parameter, named `NAME.key`.
pub type ParamsFile = Map<ParamDecl>;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParamDecl {
    pub label: Label,
    pub unit: Spanned<String>,
    pub reference: Option<String>,
    #[serde(default)]
    pub illustrative: Option<bool>,
    pub description: Option<String>,
    pub values: Vec<Spanned<DatedDecl>>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatedDecl {
    pub from: Spanned<toml::value::Datetime>,
    pub value: Spanned<toml::Value>,
}

/// Input and formula variables (in `variables/*.toml` and in policy files).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VarFile {
    #[serde(default)]
    pub inputs: Map<InputDecl>,
    #[serde(default)]
    pub variables: Map<FormulaDecl>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputDecl {
    pub label: Label,
    pub entity: Spanned<String>,
    pub period: Spanned<String>,
    #[serde(rename = "type")]
    pub ty: Spanned<String>,
    pub default: Option<Spanned<toml::Value>>,
    pub description: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormulaDecl {
    pub label: Label,
    pub entity: Spanned<String>,
    pub period: Spanned<String>,
    #[serde(rename = "type")]
    pub ty: Spanned<String>,
    pub formula: Spanned<String>,
    pub description: Option<String>,
}

/// `PNN_name.toml`: one policy, its metadata, and the variables it defines.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyFile {
    pub code: Spanned<String>,
    pub name: Label,
    pub description: Option<Label>,
    pub category: Spanned<String>,
    pub department: Spanned<String>,
    pub legal_reference: String,
    pub period: Spanned<String>,
    #[serde(default)]
    pub exclusivity: Vec<Spanned<String>>,
    #[serde(default)]
    pub covers: Vec<Spanned<String>>,
    pub eligible: Spanned<String>,
    pub amount: Option<Spanned<String>>,
    /// For a household policy: a person bool variable naming the members it covers (all
    /// members when absent).
    pub beneficiary: Option<Spanned<String>>,
    #[serde(default = "yes")]
    pub illustrative: bool,
    #[serde(default)]
    pub inputs: Map<InputDecl>,
    #[serde(default)]
    pub variables: Map<FormulaDecl>,
}

fn yes() -> bool {
    true
}

/// A reform file (see `policies/reforms/`).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReformFile {
    pub name: Label,
    pub description: Option<String>,
    /// New dated values for existing parameters (added; a value on an existing date replaces it).
    #[serde(default)]
    pub parameters: Map<ReformParam>,
    /// New formulas for existing variables (same entity, period and type).
    #[serde(default)]
    pub formulas: Map<String>,
    /// Policies switched off (their outputs become false / 0).
    #[serde(default)]
    pub switch_off: Vec<Spanned<String>>,
    /// Policies added, each as a whole policy file's content.
    #[serde(default)]
    pub add_policies: Vec<Spanned<PolicyFile>>,
    /// New parameters (for added policies), keyed by full dotted name.
    #[serde(default)]
    pub add_parameters: Map<ParamDecl>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReformParam {
    pub values: Vec<Spanned<DatedDecl>>,
}
