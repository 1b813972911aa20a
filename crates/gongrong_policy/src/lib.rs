//! Gongrong policy (共融 政策): rules as code.
//!
//! The district's policy catalogue lives as data in `policies/` — dated parameters, input
//! declarations (the facts a household brings), variables per person or household and per month
//! or year defined by formulas in a small typed language, and one file per policy with its
//! metadata. This crate loads and checks it ([`Catalogue::load`]), resolves it for a period
//! ([`PeriodPlan::new`]), evaluates one household with an explanation of every value
//! ([`PeriodPlan::evaluate`], [`explain`]), applies reforms ([`Reform`]), runs analysts' YAML
//! test cases ([`testing`]), reports duplicates and gaps ([`coverage`]), compares a reform with
//! the baseline ([`whatif`]) and allocates year-end dividends ([`dividend`]).
//!
//! The language is described for analysts and for the authors of other evaluators in
//! `docs/POLICY_LANGUAGE.md`. No I/O beyond reading the catalogue's files, no clock.

pub mod ast;
pub mod catalogue;
mod check;
pub mod coverage;
pub mod dividend;
pub mod error;
mod eval;
pub mod explain;
pub mod facts;
pub mod period;
pub mod plan;
mod reform;
pub mod syntax;
pub mod testing;
pub mod types;
pub mod whatif;

pub use catalogue::{
    Catalogue, Entity, Label, ParamDef, ParamId, PolicyDef, PolicyId, PolicyPeriod, VarDef, VarId,
    VarKind,
};
pub use check::{Dep, DepVia};
pub use error::{Diagnostic, LoadError, Location, ResolveError};
pub use eval::{Evaluation, Origin};
pub use facts::{Fact, FactError, Facts, HouseholdFacts, PersonFacts};
pub use period::{Period, PeriodKind};
pub use plan::{PeriodPlan, Slot, SlotId};
pub use reform::Reform;
pub use types::{Ratio, Type, Value};
