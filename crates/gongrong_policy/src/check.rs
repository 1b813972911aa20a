//! The type checker: resolves names (variables, parameters, enum variants), checks types, entities
//! and periods, and turns a parsed formula into the typed [`crate::ast::TExpr`].

use crate::ast::{AggOp, ExprKind, Func, MatchArm, TExpr};
use crate::catalogue::{Entity, EnumDef, ParamId, VarId};
use crate::period::PeriodKind;
use crate::syntax::{BinaryOp, Expr, ExprKind as S, Name, Span, Unit};
use crate::types::{ArithOp, CmpOp, EnumId, Ratio, Type, Value, arith_result};
use chrono::NaiveDate;
use gongrong_domain::Money;
use std::collections::HashMap;

/// What the checker knows of a variable.
#[derive(Clone, Copy, Debug)]
pub(crate) struct VarSym {
    pub id: VarId,
    pub entity: Entity,
    pub period: PeriodKind,
    pub ty: Type,
}

pub(crate) struct Symbols<'a> {
    pub vars: &'a HashMap<String, VarSym>,
    pub params: &'a HashMap<String, (ParamId, Type)>,
    pub enums: &'a [EnumDef],
}

/// How a formula reads another variable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DepVia {
    /// The same entity and row.
    Same,
    /// From a person: the person's household.
    Household,
    /// From a household: every member.
    Members,
}

/// A variable a formula reads, at a year offset relative to the formula's own instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Dep {
    pub var: VarId,
    pub year_offset: i8,
    pub via: DepVia,
}

#[derive(Clone, Copy)]
struct Ctx {
    entity: Entity,
    period: PeriodKind,
    in_members: bool,
}

pub(crate) struct Checked {
    pub expr: TExpr,
    pub deps: Vec<Dep>,
    pub params: Vec<ParamId>,
}

type R<T> = Result<T, (Span, String)>;

/// Checks `e` as the formula of a variable of `entity`, `period` and type `ty`.
pub(crate) fn check_formula(
    syms: &Symbols<'_>,
    e: &Expr,
    entity: Entity,
    period: PeriodKind,
    ty: Type,
) -> R<Checked> {
    let mut c = Checker {
        syms,
        deps: Vec::new(),
        params: Vec::new(),
    };
    let ctx = Ctx {
        entity,
        period,
        in_members: false,
    };
    let mut t = c.check(e, ctx, Some(ty))?;
    t = promote_to(t, ty);
    if t.ty != ty {
        return Err((
            e.span,
            format!(
                "the formula gives {} but the variable is declared {}",
                c.type_name(t.ty),
                c.type_name(ty)
            ),
        ));
    }
    c.deps.sort();
    c.deps.dedup();
    c.params.sort();
    c.params.dedup();
    Ok(Checked {
        expr: t,
        deps: c.deps,
        params: c.params,
    })
}

struct Checker<'s, 'a> {
    syms: &'s Symbols<'a>,
    deps: Vec<Dep>,
    params: Vec<ParamId>,
}

fn lit(v: Value) -> TExpr {
    TExpr::new(v.ty(), ExprKind::Literal(v))
}

/// Converts an integer expression to a ratio where a ratio is wanted (literals directly).
fn promote_to(t: TExpr, want: Type) -> TExpr {
    if want == Type::Ratio && t.ty == Type::Integer {
        if let ExprKind::Literal(Value::Int(i)) = t.kind {
            return lit(Value::Ratio(Ratio(
                i.saturating_mul(crate::types::RATIO_SCALE),
            )));
        }
        return TExpr::new(Type::Ratio, ExprKind::IntToRatio(Box::new(t)));
    }
    t
}

/// Brings an integer/ratio pair to a common type.
fn unify(a: TExpr, b: TExpr) -> (TExpr, TExpr) {
    match (a.ty, b.ty) {
        (Type::Integer, Type::Ratio) => (promote_to(a, Type::Ratio), b),
        (Type::Ratio, Type::Integer) => (a, promote_to(b, Type::Ratio)),
        _ => (a, b),
    }
}

/// The constant value of a literal node (or a negated numeric literal).
fn constant(t: &TExpr) -> Option<Value> {
    match &t.kind {
        ExprKind::Literal(v) => Some(*v),
        ExprKind::Neg(inner) => match constant(inner)? {
            Value::Money(m) => Some(Value::Money(-m)),
            Value::Int(i) => Some(Value::Int(-i)),
            Value::Ratio(r) => Some(Value::Ratio(Ratio(-r.0))),
            _ => None,
        },
        _ => None,
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// ", did you mean `x`?" for the closest known name, if close enough.
pub(crate) fn suggest<'n>(name: &str, known: impl Iterator<Item = &'n str>) -> String {
    let best = known
        .map(|k| (edit_distance(name, k), k))
        .min_by_key(|(d, k)| (*d, k.len()));
    match best {
        Some((d, k)) if d <= (name.len() / 3).max(2) => format!(" (did you mean `{k}`?)"),
        _ => String::new(),
    }
}

impl Checker<'_, '_> {
    fn type_name(&self, ty: Type) -> String {
        match ty {
            Type::Money => "money".into(),
            Type::Integer => "an integer".into(),
            Type::Ratio => "a ratio".into(),
            Type::Bool => "a bool".into(),
            Type::Date => "a date".into(),
            Type::Enum(e) => self
                .syms
                .enums
                .get(usize::from(e.0))
                .map_or_else(|| "an enum".into(), |d| format!("a {}", d.name)),
        }
    }

    fn enum_def(&self, e: EnumId) -> Option<&EnumDef> {
        self.syms.enums.get(usize::from(e.0))
    }

    fn variant(&self, e: EnumId, name: &str) -> Option<Value> {
        self.enum_def(e)?
            .variant_index(name)
            .map(|i| Value::Enum(e, i))
    }

    fn expect_ty(&self, t: &TExpr, want: Type, span: Span, what: &str) -> R<()> {
        if t.ty == want {
            Ok(())
        } else {
            Err((
                span,
                format!(
                    "{what} must be {}, found {}",
                    self.type_name(want),
                    self.type_name(t.ty)
                ),
            ))
        }
    }

    /// A bare name that may be an enum variant (not a variable, or a variable that is also a
    /// variant name): the other side of a comparison is checked first.
    fn is_unresolved_name(&self, e: &Expr) -> bool {
        matches!(&e.kind, S::Path(p) if p.len() == 1 && (!self.syms.vars.contains_key(&p[0].text)
            || self.syms.enums.iter().any(|d| d.variants.iter().any(|v| v.name == p[0].text))))
    }

    fn check(&mut self, e: &Expr, ctx: Ctx, expected: Option<Type>) -> R<TExpr> {
        match &e.kind {
            S::Number { text, unit } => self.number(text, *unit, e.span, expected),
            S::Bool(b) => Ok(lit(Value::Bool(*b))),
            S::Path(path) => self.path(path, e.span, ctx, expected),
            S::At { target, offset } => self.at(target, offset, ctx),
            S::Call { func, args } => self.call(func, args, e.span, ctx),
            S::Members { method, args } => self.members(method, args, e.span, ctx),
            S::Neg(inner) => {
                let t = self.check(inner, ctx, expected)?;
                if !t.ty.is_numeric() {
                    return Err((
                        e.span,
                        format!(
                            "only numbers can be negated, found {}",
                            self.type_name(t.ty)
                        ),
                    ));
                }
                Ok(TExpr::new(t.ty, ExprKind::Neg(Box::new(t))))
            }
            S::Not(inner) => {
                let t = self.check(inner, ctx, Some(Type::Bool))?;
                self.expect_ty(&t, Type::Bool, inner.span, "the operand of `not`")?;
                Ok(TExpr::new(Type::Bool, ExprKind::Not(Box::new(t))))
            }
            S::Binary { op, lhs, rhs } => self.binary(*op, lhs, rhs, e.span, ctx, expected),
            S::In {
                needle,
                set,
                negated,
            } => {
                let n = self.check(needle, ctx, None)?;
                let mut values = Vec::with_capacity(set.len());
                for item in set {
                    let t = promote_to(self.check(item, ctx, Some(n.ty))?, n.ty);
                    let v = constant(&t).ok_or_else(|| {
                        (
                            item.span,
                            "the list after `in` holds constants only".to_owned(),
                        )
                    })?;
                    if v.ty() != n.ty {
                        return Err((
                            item.span,
                            format!(
                                "{} compared with {}",
                                self.type_name(v.ty()),
                                self.type_name(n.ty)
                            ),
                        ));
                    }
                    values.push(v);
                }
                Ok(TExpr::new(
                    Type::Bool,
                    ExprKind::In {
                        needle: Box::new(n),
                        values,
                        negated: *negated,
                    },
                ))
            }
            S::If {
                cond,
                then,
                otherwise,
            } => {
                let c = self.check(cond, ctx, Some(Type::Bool))?;
                self.expect_ty(&c, Type::Bool, cond.span, "the condition of `if`")?;
                let a = self.check(then, ctx, expected)?;
                let b = self.check(otherwise, ctx, expected.or(Some(a.ty)))?;
                let (a, b) = unify(a, b);
                if a.ty != b.ty {
                    return Err((
                        otherwise.span,
                        format!(
                            "`then` gives {} but `else` gives {}",
                            self.type_name(a.ty),
                            self.type_name(b.ty)
                        ),
                    ));
                }
                Ok(TExpr::new(
                    a.ty,
                    ExprKind::If {
                        cond: Box::new(c),
                        then: Box::new(a),
                        otherwise: Box::new(b),
                    },
                ))
            }
            S::Match { scrutinee, arms } => self.match_(scrutinee, arms, e.span, ctx, expected),
        }
    }

    fn number(
        &self,
        text: &str,
        unit: Option<Unit>,
        span: Span,
        expected: Option<Type>,
    ) -> R<TExpr> {
        let bad = |what: &str| (span, format!("{text:?} is not {what}"));
        match unit {
            Some(Unit::Yuan) => Money::parse_yuan(text)
                .map(|m| lit(Value::Money(m)))
                .map_err(|e| (span, e.to_string())),
            Some(Unit::Fen) => text
                .parse::<i64>()
                .map(|f| lit(Value::Money(Money::from_fen(f))))
                .map_err(|_| bad("a whole number of fen")),
            Some(Unit::Percent) => Ratio::parse(&format!("{text}%"))
                .map(|r| lit(Value::Ratio(r)))
                .ok_or_else(|| bad("a percentage")),
            None if text.contains('.') => Ratio::parse(text)
                .map(|r| lit(Value::Ratio(r)))
                .ok_or_else(|| bad("a ratio (at most 6 decimals)")),
            None => {
                let i: i64 = text.parse().map_err(|_| bad("an integer"))?;
                if expected == Some(Type::Ratio) {
                    return Ok(lit(Value::Ratio(Ratio(
                        i.saturating_mul(crate::types::RATIO_SCALE),
                    ))));
                }
                if expected == Some(Type::Money) {
                    return Err((
                        span,
                        format!("money needs a unit: write `{text} yuan` (or `{text} fen`)"),
                    ));
                }
                Ok(lit(Value::Int(i)))
            }
        }
    }

    fn var_ref(&mut self, name: &Name, ctx: Ctx, offset: i8, household: bool) -> R<TExpr> {
        let Some(sym) = self.syms.vars.get(&name.text).copied() else {
            return Err((
                name.span,
                format!(
                    "unknown variable `{}`{}",
                    name.text,
                    suggest(&name.text, self.syms.vars.keys().map(String::as_str))
                ),
            ));
        };
        if household {
            if ctx.entity != Entity::Person {
                return Err((
                    name.span,
                    format!(
                        "`household.` is for person formulas; this formula is already about the household: write `{}`",
                        name.text
                    ),
                ));
            }
            if sym.entity != Entity::Household {
                return Err((
                    name.span,
                    format!("`{}` is a person variable, not a household one", name.text),
                ));
            }
        } else if sym.entity != ctx.entity {
            return Err((
                name.span,
                match ctx.entity {
                    Entity::Person => format!(
                        "`{}` is a household variable: from a person formula write `household.{}`",
                        name.text, name.text
                    ),
                    Entity::Household => format!(
                        "`{}` is a person variable: from a household formula aggregate it over the members, e.g. `members.sum({})` or `members.any({})`",
                        name.text, name.text, name.text
                    ),
                },
            ));
        }
        if !ctx.period.can_read(sym.period) {
            return Err((
                name.span,
                format!(
                    "a {} formula cannot read the {} variable `{}`",
                    ctx.period.name(),
                    sym.period.name(),
                    name.text
                ),
            ));
        }
        let offset = if sym.period == PeriodKind::Fixed {
            0
        } else {
            offset
        };
        let via = if household {
            crate::check::DepVia::Household
        } else if ctx.in_members {
            DepVia::Members
        } else {
            DepVia::Same
        };
        self.deps.push(Dep {
            var: sym.id,
            year_offset: offset,
            via,
        });
        let kind = if household {
            ExprKind::HouseholdVar {
                var: sym.id,
                year_offset: offset,
            }
        } else {
            ExprKind::Var {
                var: sym.id,
                year_offset: offset,
            }
        };
        Ok(TExpr::new(sym.ty, kind))
    }

    fn path(&mut self, path: &[Name], span: Span, ctx: Ctx, expected: Option<Type>) -> R<TExpr> {
        match path {
            [p, which] if p.text == "period" => {
                if ctx.period == PeriodKind::Fixed {
                    return Err((span, "a fixed variable has no period".into()));
                }
                match which.text.as_str() {
                    "start" => Ok(TExpr::new(Type::Date, ExprKind::PeriodStart)),
                    "end" => Ok(TExpr::new(Type::Date, ExprKind::PeriodEnd)),
                    _ => Err((
                        which.span,
                        "a period has `period.start` and `period.end`".into(),
                    )),
                }
            }
            [h, name] if h.text == "household" => self.var_ref(name, ctx, 0, true),
            [name] => {
                // Where an enum is expected, its variant names win over variables of other
                // types (`if extreme_poverty then extreme_poverty else …` gives the variant).
                if let Some(Type::Enum(e)) = expected
                    && let Some(v) = self.variant(e, &name.text)
                {
                    if let Some(sym) = self.syms.vars.get(&name.text)
                        && sym.ty == Type::Enum(e)
                    {
                        return Err((
                            name.span,
                            format!(
                                "`{}` is both a variable and a variant here: rename the variable",
                                name.text
                            ),
                        ));
                    }
                    return Ok(lit(v));
                }
                if !self.syms.vars.contains_key(&name.text)
                    && let Some(Type::Enum(e)) = expected
                {
                    if let Some(v) = self.variant(e, &name.text) {
                        return Ok(lit(v));
                    }
                    let def = self.enum_def(e);
                    return Err((
                        name.span,
                        format!(
                            "`{}` is neither a variable nor a {} (expected one of: {})",
                            name.text,
                            def.map_or("", |d| d.name.as_str()),
                            def.map(EnumDef::variant_names).unwrap_or_default()
                        ),
                    ));
                }
                self.var_ref(name, ctx, 0, false)
            }
            [en, variant] => {
                let Some(i) = self.syms.enums.iter().position(|d| d.name == en.text) else {
                    return Err((
                        en.span,
                        format!("`{}.` is not an enum, `household.` or `period.`", en.text),
                    ));
                };
                let id = EnumId(u16::try_from(i).unwrap_or(u16::MAX));
                self.variant(id, &variant.text).map(lit).ok_or_else(|| {
                    (
                        variant.span,
                        format!("`{}` is not a variant of {}", variant.text, en.text),
                    )
                })
            }
            _ => Err((span, "a name has at most two parts here".into())),
        }
    }

    fn at(&mut self, target: &Expr, offset: &Name, ctx: Ctx) -> R<TExpr> {
        if offset.text != "last_year" {
            return Err((
                offset.span,
                format!(
                    "`@{}` is not a period offset (write `@last_year`)",
                    offset.text
                ),
            ));
        }
        if ctx.period == PeriodKind::Fixed {
            return Err((offset.span, "a fixed variable has no last year".into()));
        }
        let (name, household) = match &target.kind {
            S::Path(p) if p.len() == 1 => (&p[0], false),
            S::Path(p) if p.len() == 2 && p[0].text == "household" => (&p[1], true),
            _ => {
                return Err((target.span, "`@last_year` follows a variable name".into()));
            }
        };
        if let Some(sym) = self.syms.vars.get(&name.text)
            && sym.period == PeriodKind::Fixed
        {
            return Err((
                name.span,
                format!("`{}` is fixed: it has no last year", name.text),
            ));
        }
        self.var_ref(name, ctx, -1, household)
    }

    fn call(&mut self, func: &Name, args: &[Expr], span: Span, ctx: Ctx) -> R<TExpr> {
        let arity = |n: usize| -> R<()> {
            if args.len() == n {
                Ok(())
            } else {
                Err((
                    span,
                    format!(
                        "`{}` takes {n} argument{}",
                        func.text,
                        if n == 1 { "" } else { "s" }
                    ),
                ))
            }
        };
        match func.text.as_str() {
            "param" => {
                arity(1)?;
                let S::Path(p) = &args[0].kind else {
                    return Err((
                        args[0].span,
                        "write a parameter name: `param(dibao.standard)`".into(),
                    ));
                };
                if ctx.period == PeriodKind::Fixed {
                    return Err((
                        span,
                        "a fixed variable cannot read parameters (their values are dated)".into(),
                    ));
                }
                let name = p
                    .iter()
                    .map(|n| n.text.as_str())
                    .collect::<Vec<_>>()
                    .join(".");
                let Some(&(id, ty)) = self.syms.params.get(&name) else {
                    return Err((
                        args[0].span,
                        format!(
                            "unknown parameter `{name}`{}",
                            suggest(&name, self.syms.params.keys().map(String::as_str))
                        ),
                    ));
                };
                self.params.push(id);
                Ok(TExpr::new(ty, ExprKind::Param(id)))
            }
            "max" | "min" => {
                if args.len() < 2 {
                    return Err((span, format!("`{}` takes two or more arguments", func.text)));
                }
                let mut ts = Vec::with_capacity(args.len());
                for a in args {
                    ts.push(self.check(a, ctx, ts.first().map(|t: &TExpr| t.ty))?);
                }
                let want = if ts.iter().any(|t| t.ty == Type::Ratio) {
                    Type::Ratio
                } else {
                    ts[0].ty
                };
                let ts: Vec<TExpr> = ts.into_iter().map(|t| promote_to(t, want)).collect();
                for (t, a) in ts.iter().zip(args) {
                    if t.ty != want || !(want.is_numeric() || want == Type::Date) {
                        return Err((
                            a.span,
                            format!(
                                "`{}` compares numbers or dates of one type; found {} and {}",
                                func.text,
                                self.type_name(want),
                                self.type_name(t.ty)
                            ),
                        ));
                    }
                }
                let f = if func.text == "max" {
                    Func::Max
                } else {
                    Func::Min
                };
                Ok(TExpr::new(want, ExprKind::Call { func: f, args: ts }))
            }
            "abs" => {
                arity(1)?;
                let t = self.check(&args[0], ctx, None)?;
                if !t.ty.is_numeric() {
                    return Err((args[0].span, "`abs` takes a number".into()));
                }
                Ok(TExpr::new(
                    t.ty,
                    ExprKind::Call {
                        func: Func::Abs,
                        args: vec![t],
                    },
                ))
            }
            "round_yuan" => {
                arity(1)?;
                let t = self.check(&args[0], ctx, Some(Type::Money))?;
                self.expect_ty(
                    &t,
                    Type::Money,
                    args[0].span,
                    "the argument of `round_yuan`",
                )?;
                Ok(TExpr::new(
                    Type::Money,
                    ExprKind::Call {
                        func: Func::RoundYuan,
                        args: vec![t],
                    },
                ))
            }
            "age_on" => {
                arity(2)?;
                let a = self.check(&args[0], ctx, Some(Type::Date))?;
                self.expect_ty(&a, Type::Date, args[0].span, "the birth date")?;
                let b = self.check(&args[1], ctx, Some(Type::Date))?;
                self.expect_ty(&b, Type::Date, args[1].span, "the day")?;
                Ok(TExpr::new(
                    Type::Integer,
                    ExprKind::Call {
                        func: Func::AgeOn,
                        args: vec![a, b],
                    },
                ))
            }
            "date" => {
                arity(3)?;
                let mut parts = [0i64; 3];
                for (i, a) in args.iter().enumerate() {
                    let t = self.check(a, ctx, Some(Type::Integer))?;
                    match constant(&t) {
                        Some(Value::Int(v)) => parts[i] = v,
                        _ => {
                            return Err((
                                a.span,
                                "`date(year, month, day)` takes integer constants".into(),
                            ));
                        }
                    }
                }
                let d = i32::try_from(parts[0]).ok().and_then(|y| {
                    NaiveDate::from_ymd_opt(
                        y,
                        u32::try_from(parts[1]).ok()?,
                        u32::try_from(parts[2]).ok()?,
                    )
                });
                d.map(|d| lit(Value::Date(d)))
                    .ok_or_else(|| (span, "not a calendar date".into()))
            }
            other => Err((
                func.span,
                format!(
                    "unknown function `{other}` (functions: param, max, min, abs, round_yuan, age_on, date; aggregations are `members.sum(…)` etc.)"
                ),
            )),
        }
    }

    fn members(&mut self, method: &Name, args: &[Expr], span: Span, ctx: Ctx) -> R<TExpr> {
        if ctx.entity != Entity::Household || ctx.in_members {
            return Err((
                span,
                "`members.…` aggregates over a household's members: only household formulas can use it".into(),
            ));
        }
        let op = match method.text.as_str() {
            "sum" => AggOp::Sum,
            "count" => AggOp::Count,
            "any" => AggOp::Any,
            "all" => AggOp::All,
            "max" => AggOp::Max,
            "min" => AggOp::Min,
            other => {
                return Err((
                    method.span,
                    format!(
                        "`members.{other}` is not an aggregation (sum, count, any, all, max, min)"
                    ),
                ));
            }
        };
        let inner = Ctx {
            entity: Entity::Person,
            period: ctx.period,
            in_members: true,
        };
        if op == AggOp::Count && args.is_empty() {
            return Ok(TExpr::new(
                Type::Integer,
                ExprKind::Aggregate { op, body: None },
            ));
        }
        if args.len() != 1 {
            return Err((
                span,
                format!("`members.{}` takes one expression", method.text),
            ));
        }
        let want = matches!(op, AggOp::Count | AggOp::Any | AggOp::All).then_some(Type::Bool);
        let body = self.check(&args[0], inner, want)?;
        let ty = match op {
            AggOp::Count | AggOp::Any | AggOp::All => {
                self.expect_ty(&body, Type::Bool, args[0].span, "the condition")?;
                if op == AggOp::Count {
                    Type::Integer
                } else {
                    Type::Bool
                }
            }
            AggOp::Sum | AggOp::Max | AggOp::Min => {
                if !body.ty.is_numeric() {
                    return Err((
                        args[0].span,
                        format!(
                            "`members.{}` takes a number, found {}",
                            method.text,
                            self.type_name(body.ty)
                        ),
                    ));
                }
                body.ty
            }
        };
        Ok(TExpr::new(
            ty,
            ExprKind::Aggregate {
                op,
                body: Some(Box::new(body)),
            },
        ))
    }

    fn binary(
        &mut self,
        op: BinaryOp,
        lhs: &Expr,
        rhs: &Expr,
        span: Span,
        ctx: Ctx,
        expected: Option<Type>,
    ) -> R<TExpr> {
        match op {
            BinaryOp::And | BinaryOp::Or => {
                let a = self.check(lhs, ctx, Some(Type::Bool))?;
                self.expect_ty(&a, Type::Bool, lhs.span, "each side of `and`/`or`")?;
                let b = self.check(rhs, ctx, Some(Type::Bool))?;
                self.expect_ty(&b, Type::Bool, rhs.span, "each side of `and`/`or`")?;
                let (a, b) = (Box::new(a), Box::new(b));
                Ok(TExpr::new(
                    Type::Bool,
                    if op == BinaryOp::And {
                        ExprKind::And(a, b)
                    } else {
                        ExprKind::Or(a, b)
                    },
                ))
            }
            BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div => {
                let aop = match op {
                    BinaryOp::Add => ArithOp::Add,
                    BinaryOp::Sub => ArithOp::Sub,
                    BinaryOp::Mul => ArithOp::Mul,
                    _ => ArithOp::Div,
                };
                // `+`/`-` keep the expected type for their operands (so `x + 100` with money
                // expected asks for a unit); `*`/`/` do not.
                let want = matches!(aop, ArithOp::Add | ArithOp::Sub)
                    .then_some(expected)
                    .flatten();
                let a = self.check(lhs, ctx, want)?;
                let b_want = match aop {
                    ArithOp::Add | ArithOp::Sub => Some(a.ty),
                    _ => None,
                };
                let b = self.check(rhs, ctx, b_want)?;
                let (a, b) = if matches!(aop, ArithOp::Add | ArithOp::Sub) {
                    unify(a, b)
                } else {
                    (a, b)
                };
                let Some(ty) = arith_result(aop, a.ty, b.ty) else {
                    let sym = match aop {
                        ArithOp::Add => "+",
                        ArithOp::Sub => "-",
                        ArithOp::Mul => "*",
                        ArithOp::Div => "/",
                    };
                    return Err((
                        span,
                        format!(
                            "cannot compute {} {sym} {}",
                            self.type_name(a.ty),
                            self.type_name(b.ty)
                        ),
                    ));
                };
                Ok(TExpr::new(
                    ty,
                    ExprKind::Arith {
                        op: aop,
                        lhs: Box::new(a),
                        rhs: Box::new(b),
                    },
                ))
            }
            BinaryOp::Eq
            | BinaryOp::Ne
            | BinaryOp::Lt
            | BinaryOp::Le
            | BinaryOp::Gt
            | BinaryOp::Ge => {
                let cop = match op {
                    BinaryOp::Eq => CmpOp::Eq,
                    BinaryOp::Ne => CmpOp::Ne,
                    BinaryOp::Lt => CmpOp::Lt,
                    BinaryOp::Le => CmpOp::Le,
                    BinaryOp::Gt => CmpOp::Gt,
                    _ => CmpOp::Ge,
                };
                let (a, b) = if self.is_unresolved_name(lhs) && !self.is_unresolved_name(rhs) {
                    let b = self.check(rhs, ctx, None)?;
                    let a = self.check(lhs, ctx, Some(b.ty))?;
                    (a, b)
                } else {
                    let a = self.check(lhs, ctx, None)?;
                    let b = self.check(rhs, ctx, Some(a.ty))?;
                    (a, b)
                };
                let (a, b) = unify(a, b);
                if a.ty != b.ty {
                    return Err((
                        span,
                        format!(
                            "cannot compare {} with {}",
                            self.type_name(a.ty),
                            self.type_name(b.ty)
                        ),
                    ));
                }
                let ordered = a.ty.is_numeric() || a.ty == Type::Date;
                if !ordered && !matches!(cop, CmpOp::Eq | CmpOp::Ne) {
                    return Err((
                        span,
                        format!(
                            "{} values are compared with `==` or `!=` only",
                            self.type_name(a.ty)
                        ),
                    ));
                }
                Ok(TExpr::new(
                    Type::Bool,
                    ExprKind::Cmp {
                        op: cop,
                        lhs: Box::new(a),
                        rhs: Box::new(b),
                    },
                ))
            }
        }
    }

    fn match_(
        &mut self,
        scrutinee: &Expr,
        arms: &[crate::syntax::Arm],
        span: Span,
        ctx: Ctx,
        expected: Option<Type>,
    ) -> R<TExpr> {
        let s = self.check(scrutinee, ctx, None)?;
        if !matches!(s.ty, Type::Enum(_) | Type::Integer) {
            return Err((
                scrutinee.span,
                format!(
                    "`match` takes an enum or an integer, found {}",
                    self.type_name(s.ty)
                ),
            ));
        }
        let mut out_arms: Vec<MatchArm> = Vec::new();
        let mut default: Option<TExpr> = None;
        let mut seen: Vec<Value> = Vec::new();
        let mut result_ty = expected;
        for arm in arms {
            if default.is_some() {
                return Err((
                    arm.span,
                    "this arm comes after `_` and can never match".into(),
                ));
            }
            let mut values = Vec::new();
            for p in &arm.patterns {
                let t = self.check(p, ctx, Some(s.ty))?;
                let v = constant(&t).filter(|v| v.ty() == s.ty).ok_or_else(|| {
                    (
                        p.span,
                        format!("a pattern must be a constant {}", self.type_name(s.ty)),
                    )
                })?;
                if seen.contains(&v) {
                    return Err((
                        p.span,
                        "this value is already matched by an earlier arm".into(),
                    ));
                }
                seen.push(v);
                values.push(v);
            }
            let body = self.check(&arm.body, ctx, result_ty)?;
            let body = match result_ty {
                Some(t) => promote_to(body, t),
                None => body,
            };
            if let Some(t) = result_ty
                && body.ty != t
            {
                return Err((
                    arm.body.span,
                    format!(
                        "the arms of a match give one type: {} here, {} before",
                        self.type_name(body.ty),
                        self.type_name(t)
                    ),
                ));
            }
            result_ty = Some(body.ty);
            if arm.patterns.is_empty() {
                default = Some(body);
            } else {
                out_arms.push(MatchArm { values, body });
            }
        }
        if default.is_none() {
            let missing: Vec<String> = match s.ty {
                Type::Enum(e) => self
                    .enum_def(e)
                    .map(|d| {
                        d.variants
                            .iter()
                            .enumerate()
                            .filter(|(i, _)| {
                                !seen.contains(&Value::Enum(e, u16::try_from(*i).unwrap_or(0)))
                            })
                            .map(|(_, v)| v.name.clone())
                            .collect()
                    })
                    .unwrap_or_default(),
                _ => vec!["other integers".to_owned()],
            };
            if !missing.is_empty() {
                return Err((
                    span,
                    format!(
                        "the match does not cover {}: add a `_ => …` arm",
                        missing.join(", ")
                    ),
                ));
            }
        }
        let ty = result_ty.unwrap_or(Type::Bool);
        Ok(TExpr::new(
            ty,
            ExprKind::Match {
                scrutinee: Box::new(s),
                arms: out_arms,
                default: default.map(Box::new),
            },
        ))
    }
}
