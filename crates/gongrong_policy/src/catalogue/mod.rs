//! The compiled catalogue: enums, dated parameters, variables (inputs and formulas), policies,
//! categories, departments, exclusivity groups and needs. Built once from `policies/` (see
//! [`Catalogue::load`]) and immutable afterwards; evaluation goes through a
//! [`crate::PeriodPlan`] made from it for one period.

mod compile;
pub(crate) mod files;
mod graph;
mod policy;
pub(crate) mod source;

pub use source::{CatalogueSource, SourceFile};

use crate::ast::TExpr;
use crate::error::{Diagnostic, LoadError, Location};
use crate::period::PeriodKind;
use crate::types::{EnumId, Type, Value};
use chrono::NaiveDate;
use gongrong_domain::Lang;
use serde::Serialize;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

/// Index of a variable in [`Catalogue::variables`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct VarId(pub u32);

/// Index of a parameter in [`Catalogue::parameters`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct ParamId(pub u32);

/// Index of a policy in [`Catalogue::policies`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct PolicyId(pub u32);

/// Who a variable describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Entity {
    Person,
    Household,
}

impl Entity {
    pub fn parse(s: &str) -> Option<Entity> {
        match s {
            "person" => Some(Entity::Person),
            "household" => Some(Entity::Household),
            _ => None,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Entity::Person => "person",
            Entity::Household => "household",
        }
    }
}

/// A label in both UI languages.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Label {
    pub zh: String,
    pub en: String,
}

impl Label {
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Variant {
    pub name: String,
    pub label: Label,
}

#[derive(Clone, Debug, Serialize)]
pub struct EnumDef {
    pub name: String,
    pub label: Label,
    pub variants: Vec<Variant>,
    pub location: Location,
}

impl EnumDef {
    /// The index of the variant named `name` (or labelled so in Chinese).
    pub fn variant_index(&self, name: &str) -> Option<u16> {
        self.variants
            .iter()
            .position(|v| v.name == name || v.label.zh == name)
            .and_then(|i| u16::try_from(i).ok())
    }

    /// The variant names, for messages: `a, b, c`.
    pub fn variant_names(&self) -> String {
        self.variants
            .iter()
            .map(|v| v.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The value of variant `name` of this enum (`id`), or a message naming the variants.
    pub fn value_of(&self, id: EnumId, name: &str) -> Result<Value, String> {
        self.variant_index(name)
            .map(|i| Value::Enum(id, i))
            .ok_or_else(|| {
                format!(
                    "{name:?} is not a {} (expected one of: {})",
                    self.name,
                    self.variant_names()
                )
            })
    }
}

/// The unit a parameter's values are written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ParamUnit {
    /// Money written in yuan (up to two decimals).
    Yuan,
    /// Money written in fen.
    Fen,
    /// A ratio (up to six decimals), `1.5` or `"15%"`.
    Ratio,
    /// An integer count (ages, members, activities).
    Count,
    /// A yes/no switch.
    Bool,
}

impl ParamUnit {
    pub fn ty(self) -> Type {
        match self {
            ParamUnit::Yuan | ParamUnit::Fen => Type::Money,
            ParamUnit::Ratio => Type::Ratio,
            ParamUnit::Count => Type::Integer,
            ParamUnit::Bool => Type::Bool,
        }
    }
}

/// One value of a parameter and the date it takes effect.
#[derive(Clone, Debug, Serialize)]
pub struct DatedValue {
    pub from: NaiveDate,
    #[serde(skip)]
    pub value: Value,
    pub location: Location,
}

#[derive(Clone, Debug, Serialize)]
pub struct ParamDef {
    /// Dotted name: file stem, then the table key (`dibao.standard`).
    pub name: String,
    pub label: Label,
    pub unit: ParamUnit,
    pub ty: Type,
    /// Sorted by `from`, no two on one date.
    pub values: Vec<DatedValue>,
    pub reference: Option<String>,
    pub description: Option<String>,
    /// Marked as an illustrative placeholder a district must set.
    pub illustrative: bool,
    pub location: Location,
}

impl ParamDef {
    /// The value in force on `date` (the last one whose `from` is on or before it).
    pub fn at(&self, date: NaiveDate) -> Option<&DatedValue> {
        let i = self.values.partition_point(|v| v.from <= date);
        i.checked_sub(1).and_then(|i| self.values.get(i))
    }
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum VarKind {
    /// A fact the household brings; `default` when not given.
    Input {
        #[serde(skip)]
        default: Value,
    },
    /// Computed by a formula.
    Formula {
        /// The formula as written.
        source: String,
        #[serde(skip)]
        expr: TExpr,
    },
}

#[derive(Clone, Debug, Serialize)]
pub struct VarDef {
    pub name: String,
    pub label: Label,
    pub entity: Entity,
    pub period: PeriodKind,
    pub ty: Type,
    pub kind: VarKind,
    /// The policy file that defines it, if any.
    pub policy: Option<PolicyId>,
    pub description: Option<String>,
    pub location: Location,
}

impl VarDef {
    pub fn is_input(&self) -> bool {
        matches!(self.kind, VarKind::Input { .. })
    }
    pub fn formula(&self) -> Option<&TExpr> {
        match &self.kind {
            VarKind::Formula { expr, .. } => Some(expr),
            VarKind::Input { .. } => None,
        }
    }
}

/// How often a policy pays or serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyPeriod {
    /// Its amount is per month.
    Monthly,
    /// Its amount is per year, decided in the evaluated month or year.
    Yearly,
    /// Paid once (a renovation, an entrance grant), decided in the evaluated month or year.
    Once,
}

impl PolicyPeriod {
    pub fn parse(s: &str) -> Option<PolicyPeriod> {
        match s {
            "monthly" => Some(PolicyPeriod::Monthly),
            "yearly" => Some(PolicyPeriod::Yearly),
            "once" => Some(PolicyPeriod::Once),
            _ => None,
        }
    }
    /// Months of payment a year counts in an annualised cost (12 for monthly, else 1).
    pub fn months_per_year(self) -> i64 {
        match self {
            PolicyPeriod::Monthly => 12,
            PolicyPeriod::Yearly | PolicyPeriod::Once => 1,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct PolicyDef {
    /// `P01` … `P22` (reforms may add other codes).
    pub code: String,
    pub name: Label,
    pub description: Option<Label>,
    pub category: String,
    pub department: String,
    pub legal_reference: String,
    pub period: PolicyPeriod,
    pub exclusivity: Vec<String>,
    /// Codes of the needs it covers.
    pub covers: Vec<String>,
    /// The bool output: who is entitled (or served).
    pub eligible: VarId,
    /// The money output, absent for service policies.
    pub amount: Option<VarId>,
    /// The entity of its outputs.
    pub entity: Entity,
    /// For a household policy: the person bool variable naming the members it covers (all
    /// members when `None`). Used by the duplicates and gaps reports.
    pub beneficiary: Option<VarId>,
    pub illustrative: bool,
    /// False once a reform switched it off (its outputs are then false / 0).
    pub enabled: bool,
    pub location: Location,
}

#[derive(Clone, Debug, Serialize)]
pub struct Coded {
    pub code: String,
    pub label: Label,
    pub location: Location,
}

/// An exclusivity group: at most one of its policies may cover one person for the need it
/// stands for (e.g. one education aid per student per stage).
#[derive(Clone, Debug, Serialize)]
pub struct ExclusivityGroup {
    pub code: String,
    pub label: Label,
    pub description: Option<String>,
    pub location: Location,
}

/// A need declared as a predicate on a person or a household (a bool variable).
#[derive(Clone, Debug, Serialize)]
pub struct Need {
    pub code: String,
    pub label: Label,
    pub variable: VarId,
    pub location: Location,
}

/// The compiled catalogue.
#[derive(Clone, Debug)]
pub struct Catalogue {
    pub(crate) title: Label,
    pub(crate) enums: Vec<EnumDef>,
    pub(crate) params: Vec<ParamDef>,
    pub(crate) vars: Vec<VarDef>,
    pub(crate) policies: Vec<PolicyDef>,
    pub(crate) categories: Vec<Coded>,
    pub(crate) departments: Vec<Coded>,
    pub(crate) groups: Vec<ExclusivityGroup>,
    pub(crate) needs: Vec<Need>,
    /// Every variable, dependencies first.
    pub(crate) order: Vec<VarId>,
    pub(crate) var_index: HashMap<String, VarId>,
    pub(crate) param_index: HashMap<String, ParamId>,
    pub(crate) policy_index: HashMap<String, PolicyId>,
    /// What each variable's formula reads (variables at year offsets, parameters).
    pub(crate) graph: Vec<compile::VarGraph>,
    /// The source it was compiled from (reforms apply to it).
    pub(crate) source: Arc<CatalogueSource>,
    /// Names of the reforms applied, in order.
    pub(crate) reforms: Vec<String>,
}

impl Catalogue {
    /// Reads and compiles the catalogue in `dir` (`policies/`). Every problem found is reported
    /// with its file and line; a catalogue with any error is refused as a whole.
    pub fn load(dir: &Path) -> Result<Catalogue, LoadError> {
        let source = CatalogueSource::read(dir)?;
        source.compile()
    }

    pub fn title(&self) -> &Label {
        &self.title
    }
    pub fn enums(&self) -> &[EnumDef] {
        &self.enums
    }
    pub fn parameters(&self) -> &[ParamDef] {
        &self.params
    }
    pub fn variables(&self) -> &[VarDef] {
        &self.vars
    }
    pub fn policies(&self) -> &[PolicyDef] {
        &self.policies
    }
    pub fn categories(&self) -> &[Coded] {
        &self.categories
    }
    pub fn departments(&self) -> &[Coded] {
        &self.departments
    }
    pub fn exclusivity_groups(&self) -> &[ExclusivityGroup] {
        &self.groups
    }
    pub fn needs(&self) -> &[Need] {
        &self.needs
    }
    /// Every variable, each after all variables its formula reads (at any year offset).
    pub fn topological_order(&self) -> &[VarId] {
        &self.order
    }
    /// The reforms applied to the baseline, in order.
    pub fn reforms(&self) -> &[String] {
        &self.reforms
    }
    pub fn source(&self) -> &CatalogueSource {
        &self.source
    }

    pub fn var(&self, id: VarId) -> &VarDef {
        &self.vars[id.0 as usize]
    }
    pub fn param(&self, id: ParamId) -> &ParamDef {
        &self.params[id.0 as usize]
    }
    pub fn policy(&self, id: PolicyId) -> &PolicyDef {
        &self.policies[id.0 as usize]
    }
    pub fn enum_def(&self, id: EnumId) -> &EnumDef {
        &self.enums[usize::from(id.0)]
    }

    /// The variables `id`'s formula reads, each with its year offset and how (same row, the
    /// person's household, the household's members). Empty for inputs.
    pub fn dependencies(&self, id: VarId) -> &[crate::Dep] {
        &self.graph[id.0 as usize].deps
    }
    /// The parameters `id`'s formula reads.
    pub fn parameters_used(&self, id: VarId) -> &[ParamId] {
        &self.graph[id.0 as usize].params
    }

    pub fn var_id(&self, name: &str) -> Option<VarId> {
        self.var_index.get(name).copied()
    }
    pub fn param_id(&self, name: &str) -> Option<ParamId> {
        self.param_index.get(name).copied()
    }
    pub fn policy_id(&self, code: &str) -> Option<PolicyId> {
        self.policy_index.get(code).copied()
    }
    pub fn enum_id(&self, name: &str) -> Option<EnumId> {
        self.enums
            .iter()
            .position(|e| e.name == name)
            .and_then(|i| u16::try_from(i).ok())
            .map(EnumId)
    }

    /// The input variables: the schema of the facts a household brings.
    pub fn inputs(&self) -> impl Iterator<Item = (VarId, &VarDef)> {
        self.vars
            .iter()
            .enumerate()
            .filter(|(_, v)| v.is_input())
            .map(|(i, v)| (VarId(i as u32), v))
    }

    /// The name of a type as written in the catalogue files.
    pub fn type_name(&self, ty: Type) -> String {
        match ty {
            Type::Money => "money".to_owned(),
            Type::Integer => "integer".to_owned(),
            Type::Ratio => "ratio".to_owned(),
            Type::Bool => "bool".to_owned(),
            Type::Date => "date".to_owned(),
            Type::Enum(e) => self
                .enums
                .get(usize::from(e.0))
                .map_or_else(|| format!("enum#{}", e.0), |d| d.name.clone()),
        }
    }

    /// A value as a caseworker reads it: `1500.00 元` / `1500.00 yuan`, `是` / `yes`, a variant label.
    pub fn display_value(&self, v: Value, lang: Lang) -> String {
        match v {
            Value::Money(m) => match lang {
                Lang::Zh => format!("{m} 元"),
                Lang::En => format!("{m} yuan"),
            },
            Value::Int(i) => i.to_string(),
            Value::Ratio(r) => r.to_string(),
            Value::Bool(b) => match (lang, b) {
                (Lang::Zh, true) => "是".to_owned(),
                (Lang::Zh, false) => "否".to_owned(),
                (Lang::En, true) => "yes".to_owned(),
                (Lang::En, false) => "no".to_owned(),
            },
            Value::Date(d) => d.to_string(),
            Value::Enum(e, i) => self
                .enums
                .get(usize::from(e.0))
                .and_then(|d| d.variants.get(usize::from(i)))
                .map_or_else(|| i.to_string(), |var| var.label.get(lang).to_owned()),
        }
    }

    /// A value as JSON: money in yuan as a decimal string is ambiguous, so money is written as
    /// a number of yuan with two decimals (`1500.0`), ratios as numbers, enums as variant names,
    /// dates as `YYYY-MM-DD`.
    pub fn value_json(&self, v: Value) -> serde_json::Value {
        match v {
            Value::Money(m) => serde_json::Number::from_f64(m.fen() as f64 / 100.0)
                .map_or(serde_json::Value::Null, serde_json::Value::Number),
            Value::Int(i) => i.into(),
            Value::Ratio(r) => serde_json::Number::from_f64(r.0 as f64 / 1e6)
                .map_or(serde_json::Value::Null, serde_json::Value::Number),
            Value::Bool(b) => b.into(),
            Value::Date(d) => d.to_string().into(),
            Value::Enum(e, i) => self
                .enums
                .get(usize::from(e.0))
                .and_then(|d| d.variants.get(usize::from(i)))
                .map_or_else(|| i.into(), |var| var.name.clone().into()),
        }
    }

    /// Parses a value of type `ty` as written in facts, tests and reforms: money in yuan
    /// (`1500`, `"1,500.50"`), ratios (`1.5`, `"15%"`), integers, bools, dates (`2024-06-01`),
    /// enum variant names.
    pub fn parse_value(&self, ty: Type, text: &str) -> Result<Value, String> {
        let t = text.trim();
        match ty {
            Type::Money => gongrong_domain::Money::parse_yuan(t)
                .map(Value::Money)
                .map_err(|e| e.to_string()),
            Type::Integer => t
                .parse::<i64>()
                .map(Value::Int)
                .map_err(|_| format!("{t:?} is not an integer")),
            Type::Ratio => crate::types::Ratio::parse(t)
                .map(Value::Ratio)
                .ok_or_else(|| format!("{t:?} is not a ratio (e.g. 1.5 or 15%)")),
            Type::Bool => match t {
                "true" | "yes" | "是" => Ok(Value::Bool(true)),
                "false" | "no" | "否" => Ok(Value::Bool(false)),
                _ => Err(format!("{t:?} is not true or false")),
            },
            Type::Date => t
                .parse::<NaiveDate>()
                .map(Value::Date)
                .map_err(|_| format!("{t:?} is not a date (YYYY-MM-DD)")),
            Type::Enum(e) => self
                .enums
                .get(usize::from(e.0))
                .ok_or_else(|| "unknown enum".to_owned())?
                .value_of(e, t),
        }
    }

    /// Applies reforms to this catalogue's source and compiles the result.
    pub fn with_reforms(&self, reforms: &[crate::Reform]) -> Result<Catalogue, LoadError> {
        let mut source = (*self.source).clone();
        let mut names = self.reforms.clone();
        let mut diags: Vec<Diagnostic> = Vec::new();
        for r in reforms {
            if let Err(e) = source.apply(r) {
                diags.extend(e.diagnostics);
            }
            names.push(r.name.clone());
        }
        if !diags.is_empty() {
            return Err(LoadError { diagnostics: diags });
        }
        let mut cat = source.compile()?;
        cat.reforms = names;
        Ok(cat)
    }
}
