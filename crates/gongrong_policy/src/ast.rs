//! The typed, resolved formula tree: the stable interface between the catalogue and every
//! evaluator (the one-household evaluator in this crate, the columnar population evaluator).
//!
//! A formula belongs to a variable of one entity (person or household) and one period kind.
//! Its tree is evaluated in that variable's *context*: a person (one row of the person table) or
//! a household (one row of the household table), at one period instance. The tree has no loops,
//! no recursion and no lookups other than these:
//!
//! * [`ExprKind::Var`] — a variable of the same entity, same row, at the context's year offset plus
//!   `year_offset` (0, or −1 for `x@last_year`);
//! * [`ExprKind::HouseholdVar`] — in a person context, a variable of the person's own household
//!   (a join person → household);
//! * [`ExprKind::Aggregate`] — in a household context, an aggregation over the household's current
//!   members of a person-context body (a group-by household);
//! * [`ExprKind::Param`] — a parameter's value at the date of the context's period start (a
//!   literal once the evaluation period is known; see [`crate::PeriodPlan::param_value`]).
//!
//! Numbers are fixed-point `i64` (see [`crate::types`]); the result type of every node is in
//! [`TExpr::ty`], and operand types in the children, so a compiler can apply the rounding rule of
//! [`crate::types::arith`] without looking anything up.
//!
//! Extending this enum is allowed; renaming or changing the meaning of an existing variant is not.

use crate::catalogue::{ParamId, VarId};
use crate::types::{ArithOp, CmpOp, Type, Value};
use serde::Serialize;

/// A typed expression node.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TExpr {
    pub ty: Type,
    pub kind: ExprKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AggOp {
    /// Sum of a numeric body; 0 over no members.
    Sum,
    /// Number of members for which the bool body holds (or all members without a body).
    Count,
    /// Some member satisfies the body; false over no members.
    Any,
    /// Every member satisfies the body; true over no members.
    All,
    /// Largest value of a numeric body; the type's zero over no members.
    Max,
    /// Smallest value of a numeric body; the type's zero over no members.
    Min,
}

impl AggOp {
    pub fn name(self) -> &'static str {
        match self {
            AggOp::Sum => "sum",
            AggOp::Count => "count",
            AggOp::Any => "any",
            AggOp::All => "all",
            AggOp::Max => "max",
            AggOp::Min => "min",
        }
    }
}

/// Built-in functions. Each has a direct equivalent among DataFusion's built-in scalar functions
/// or a CASE expression.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Func {
    /// `max(a, b, …)` of numbers or dates of one type.
    Max,
    /// `min(a, b, …)` of numbers or dates of one type.
    Min,
    /// `abs(x)` of a number.
    Abs,
    /// `age_on(birth_date, day)`: completed years from the first date to the second, 0 if the
    /// second is earlier. (Month/day comparison: someone born on 29 February turns a year older
    /// on 1 March in non-leap years.)
    AgeOn,
    /// `round_yuan(money)`: to whole yuan, half away from zero.
    RoundYuan,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MatchArm {
    /// The values this arm matches (enum variants or integers), compared with `==`.
    pub values: Vec<Value>,
    pub body: TExpr,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExprKind {
    /// A constant (a literal of the formula; parameters are [`ExprKind::Param`]).
    Literal(Value),
    /// A variable of the context's entity, at the context's year offset plus `year_offset`.
    Var {
        var: VarId,
        year_offset: i8,
    },
    /// From a person context: a variable of the person's household.
    HouseholdVar {
        var: VarId,
        year_offset: i8,
    },
    /// A parameter's value at the start of the context's period.
    Param(ParamId),
    /// First day of the context's period.
    PeriodStart,
    /// Last day of the context's period.
    PeriodEnd,
    /// Arithmetic negation of a number.
    Neg(Box<TExpr>),
    /// Boolean negation.
    Not(Box<TExpr>),
    /// An integer converted to a ratio (exact), inserted by the type checker where an integer
    /// meets a ratio.
    IntToRatio(Box<TExpr>),
    /// Arithmetic; the result type is `ty`, the operand types are the children's.
    Arith {
        op: ArithOp,
        lhs: Box<TExpr>,
        rhs: Box<TExpr>,
    },
    /// Comparison of two operands of the same type (numbers, dates, bools, enums).
    Cmp {
        op: CmpOp,
        lhs: Box<TExpr>,
        rhs: Box<TExpr>,
    },
    /// Short-circuit is not observable (no side effects): both sides may be computed.
    And(Box<TExpr>, Box<TExpr>),
    Or(Box<TExpr>, Box<TExpr>),
    /// `needle in [values]` (negated for `not in`).
    In {
        needle: Box<TExpr>,
        values: Vec<Value>,
        negated: bool,
    },
    If {
        cond: Box<TExpr>,
        then: Box<TExpr>,
        otherwise: Box<TExpr>,
    },
    /// The first arm containing the scrutinee's value, else `default` (present unless the arms
    /// cover every variant of an enum).
    Match {
        scrutinee: Box<TExpr>,
        arms: Vec<MatchArm>,
        default: Option<Box<TExpr>>,
    },
    Call {
        func: Func,
        args: Vec<TExpr>,
    },
    /// In a household context: `op` over the household's members of `body` (a person-context
    /// expression). `body` is `None` only for `members.count()`.
    Aggregate {
        op: AggOp,
        body: Option<Box<TExpr>>,
    },
}

impl TExpr {
    pub fn new(ty: Type, kind: ExprKind) -> TExpr {
        TExpr { ty, kind }
    }

    /// Calls `f` on this node and every node below it, parents first.
    pub fn walk(&self, f: &mut dyn FnMut(&TExpr)) {
        f(self);
        match &self.kind {
            ExprKind::Literal(_)
            | ExprKind::Var { .. }
            | ExprKind::HouseholdVar { .. }
            | ExprKind::Param(_)
            | ExprKind::PeriodStart
            | ExprKind::PeriodEnd => {}
            ExprKind::Neg(e) | ExprKind::Not(e) | ExprKind::IntToRatio(e) => e.walk(f),
            ExprKind::Arith { lhs, rhs, .. }
            | ExprKind::Cmp { lhs, rhs, .. }
            | ExprKind::And(lhs, rhs)
            | ExprKind::Or(lhs, rhs) => {
                lhs.walk(f);
                rhs.walk(f);
            }
            ExprKind::In { needle, .. } => needle.walk(f),
            ExprKind::If {
                cond,
                then,
                otherwise,
            } => {
                cond.walk(f);
                then.walk(f);
                otherwise.walk(f);
            }
            ExprKind::Match {
                scrutinee,
                arms,
                default,
            } => {
                scrutinee.walk(f);
                for a in arms {
                    a.body.walk(f);
                }
                if let Some(d) = default {
                    d.walk(f);
                }
            }
            ExprKind::Call { args, .. } => args.iter().for_each(|a| a.walk(f)),
            ExprKind::Aggregate { body, .. } => {
                if let Some(b) = body {
                    b.walk(f);
                }
            }
        }
    }
}
