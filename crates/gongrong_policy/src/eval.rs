//! One household evaluated for one period: formulas bound to storage positions once per period
//! ([`bind`]), then evaluated over one flat `i64` vector per household — no name lookups, no
//! hashing, three allocations per household.

use crate::ast::{AggOp, ExprKind, Func, TExpr};
use crate::catalogue::Entity;
use crate::catalogue::{ParamId, VarId};
use crate::facts::{Facts, HouseholdFacts};
use crate::plan::{PeriodPlan, Slot, SlotId};
use crate::types::{ArithOp, CmpOp, Type, Value, arith, date_from_days, days_since_epoch};

/// A formula with every reference resolved to a storage index (internal to this crate).
#[derive(Clone, Debug)]
pub(crate) enum Bound {
    Const(i64),
    /// A slot of the context's entity (person slots in a person context).
    Load(u32),
    /// From a person context: a household slot.
    LoadHh(u32),
    Neg(Box<Bound>),
    Not(Box<Bound>),
    IntToRatio(Box<Bound>),
    Arith {
        op: ArithOp,
        lt: Type,
        rt: Type,
        out: Type,
        l: Box<Bound>,
        r: Box<Bound>,
    },
    Cmp(CmpOp, Box<Bound>, Box<Bound>),
    And(Box<Bound>, Box<Bound>),
    Or(Box<Bound>, Box<Bound>),
    In(Box<Bound>, Vec<i64>, bool),
    If(Box<Bound>, Box<Bound>, Box<Bound>),
    Match(Box<Bound>, Vec<(Vec<i64>, Bound)>, Option<Box<Bound>>),
    Max(Vec<Bound>),
    Min(Vec<Bound>),
    Abs(Box<Bound>),
    AgeOn(Box<Bound>, Box<Bound>),
    RoundYuan(Box<Bound>),
    Agg(AggOp, Option<Box<Bound>>),
}

/// Binds `e` (the formula of `slot`'s variable) to storage indices.
pub(crate) fn bind(
    e: &TExpr,
    slot: &Slot,
    slot_of: &dyn Fn(VarId, i8) -> Option<SlotId>,
    param: &dyn Fn(ParamId) -> Option<Value>,
    slots: &[Slot],
) -> Bound {
    let b = |x: &TExpr| Box::new(bind(x, slot, slot_of, param, slots));
    let load = |var: VarId, off: i8| -> Option<u32> {
        let s = slot_of(var, slot.year_offset + off).or_else(|| slot_of(var, 0))?;
        Some(slots[s.0 as usize].index)
    };
    match &e.kind {
        ExprKind::Literal(v) => Bound::Const(v.raw()),
        ExprKind::Var { var, year_offset } => {
            load(*var, *year_offset).map_or(Bound::Const(0), Bound::Load)
        }
        ExprKind::HouseholdVar { var, year_offset } => {
            load(*var, *year_offset).map_or(Bound::Const(0), Bound::LoadHh)
        }
        ExprKind::Param(p) => Bound::Const(param(*p).map_or(0, Value::raw)),
        ExprKind::PeriodStart => {
            Bound::Const(slot.period.map_or(0, |p| days_since_epoch(p.start())))
        }
        ExprKind::PeriodEnd => Bound::Const(slot.period.map_or(0, |p| days_since_epoch(p.end()))),
        ExprKind::Neg(x) => Bound::Neg(b(x)),
        ExprKind::Not(x) => Bound::Not(b(x)),
        ExprKind::IntToRatio(x) => Bound::IntToRatio(b(x)),
        ExprKind::Arith { op, lhs, rhs } => Bound::Arith {
            op: *op,
            lt: lhs.ty,
            rt: rhs.ty,
            out: e.ty,
            l: b(lhs),
            r: b(rhs),
        },
        ExprKind::Cmp { op, lhs, rhs } => Bound::Cmp(*op, b(lhs), b(rhs)),
        ExprKind::And(l, r) => Bound::And(b(l), b(r)),
        ExprKind::Or(l, r) => Bound::Or(b(l), b(r)),
        ExprKind::In {
            needle,
            values,
            negated,
        } => Bound::In(
            b(needle),
            values.iter().map(|v| v.raw()).collect(),
            *negated,
        ),
        ExprKind::If {
            cond,
            then,
            otherwise,
        } => Bound::If(b(cond), b(then), b(otherwise)),
        ExprKind::Match {
            scrutinee,
            arms,
            default,
        } => Bound::Match(
            b(scrutinee),
            arms.iter()
                .map(|a| {
                    (
                        a.values.iter().map(|v| v.raw()).collect(),
                        bind(&a.body, slot, slot_of, param, slots),
                    )
                })
                .collect(),
            default.as_ref().map(|d| b(d)),
        ),
        ExprKind::Call { func, args } => {
            let all = || {
                args.iter()
                    .map(|a| bind(a, slot, slot_of, param, slots))
                    .collect::<Vec<_>>()
            };
            let arg = |i: usize| args.get(i).map_or_else(|| Box::new(Bound::Const(0)), &b);
            match func {
                Func::Max => Bound::Max(all()),
                Func::Min => Bound::Min(all()),
                Func::Abs => Bound::Abs(arg(0)),
                Func::AgeOn => Bound::AgeOn(arg(0), arg(1)),
                Func::RoundYuan => Bound::RoundYuan(arg(0)),
            }
        }
        ExprKind::Aggregate { op, body } => Bound::Agg(*op, body.as_ref().map(|x| b(x))),
    }
}

struct Env<'a> {
    hh: &'a [i64],
    persons: &'a [i64],
    n: usize,
}

fn run(b: &Bound, hh: &[i64], persons: &[i64], n: usize, member: Option<usize>) -> i64 {
    eval(b, &Env { hh, persons, n }, member)
}

fn eval(b: &Bound, env: &Env<'_>, member: Option<usize>) -> i64 {
    let ev = |x: &Bound| eval(x, env, member);
    match b {
        Bound::Const(c) => *c,
        Bound::Load(i) => match member {
            Some(m) => env.persons[*i as usize * env.n + m],
            None => env.hh[*i as usize],
        },
        Bound::LoadHh(i) => env.hh[*i as usize],
        Bound::Neg(x) => ev(x).saturating_neg(),
        Bound::Not(x) => i64::from(ev(x) == 0),
        Bound::IntToRatio(x) => ev(x).saturating_mul(crate::types::RATIO_SCALE),
        Bound::Arith {
            op,
            lt,
            rt,
            out,
            l,
            r,
        } => arith(*op, *lt, ev(l), *rt, ev(r), *out),
        Bound::Cmp(op, l, r) => i64::from(op.apply(ev(l), ev(r))),
        Bound::And(l, r) => i64::from(ev(l) != 0 && ev(r) != 0),
        Bound::Or(l, r) => i64::from(ev(l) != 0 || ev(r) != 0),
        Bound::In(x, set, negated) => i64::from(set.contains(&ev(x)) != *negated),
        Bound::If(c, t, e) => {
            if ev(c) != 0 {
                ev(t)
            } else {
                ev(e)
            }
        }
        Bound::Match(s, arms, default) => {
            let v = ev(s);
            for (values, body) in arms {
                if values.contains(&v) {
                    return ev(body);
                }
            }
            default.as_ref().map_or(0, |d| ev(d))
        }
        Bound::Max(args) => args.iter().map(ev).max().unwrap_or(0),
        Bound::Min(args) => args.iter().map(ev).min().unwrap_or(0),
        Bound::Abs(x) => ev(x).saturating_abs(),
        Bound::AgeOn(birth, day) => {
            let (b, d) = (date_from_days(ev(birth)), date_from_days(ev(day)));
            i64::from(d.years_since(b).unwrap_or(0))
        }
        Bound::RoundYuan(x) => crate::types::round_div(i128::from(ev(x)), 100).saturating_mul(100),
        Bound::Agg(op, body) => {
            let n = env.n;
            let each = |i: usize| body.as_ref().map_or(1, |x| eval(x, env, Some(i)));
            match op {
                AggOp::Sum => (0..n).map(each).fold(0i64, i64::saturating_add),
                AggOp::Count => (0..n).filter(|&i| each(i) != 0).count() as i64,
                AggOp::Any => i64::from((0..n).any(|i| each(i) != 0)),
                AggOp::All => i64::from((0..n).all(|i| each(i) != 0)),
                AggOp::Max => (0..n).map(each).max().unwrap_or(0),
                AggOp::Min => (0..n).map(each).min().unwrap_or(0),
            }
        }
    }
}

/// Where a computed cell's value came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// An input not given: its declared default.
    Default,
    /// An input given in the facts.
    Fact,
    /// Computed by its formula.
    Formula,
    /// A formula variable whose value was given in the facts (tests, what-if overrides).
    Given,
}

/// All values of one household for one period.
pub struct Evaluation<'p> {
    plan: &'p PeriodPlan,
    n: usize,
    hh: Vec<i64>,
    persons: Vec<i64>,
    /// Origins: household slots then person cells (slot-major).
    origin: Vec<Origin>,
}

impl PeriodPlan {
    /// Evaluates every variable of the period for one household.
    pub fn evaluate(&self, facts: &HouseholdFacts) -> Evaluation<'_> {
        let n = facts.members.len();
        let (nh, np) = (self.household_slots as usize, self.person_slots as usize);
        let mut hh = vec![0i64; nh];
        let mut persons = vec![0i64; np * n];
        let mut origin = vec![Origin::Formula; nh + np * n];
        for (slot, plan) in self.slots.iter().zip(&self.plans) {
            if plan.bound.is_none() {
                let i = slot.index as usize;
                match slot.entity {
                    Entity::Household => {
                        hh[i] = plan.default;
                        origin[i] = Origin::Default;
                    }
                    Entity::Person => {
                        persons[i * n..(i + 1) * n].fill(plan.default);
                        origin[nh + i * n..nh + (i + 1) * n].fill(Origin::Default);
                    }
                }
            }
        }
        let mut apply = |values: &Facts, member: Option<usize>| {
            for f in values.iter() {
                let Some(list) = self.var_slots.get(f.var.0 as usize) else {
                    continue;
                };
                for &(_, sid) in list {
                    let slot = &self.slots[sid.0 as usize];
                    if f.period.is_some() && f.period != slot.period {
                        continue;
                    }
                    let is_input = self.plans[sid.0 as usize].bound.is_none();
                    let o = if is_input {
                        Origin::Fact
                    } else {
                        Origin::Given
                    };
                    let i = slot.index as usize;
                    match (slot.entity, member) {
                        (Entity::Household, None) => {
                            hh[i] = f.value.raw();
                            origin[i] = o;
                        }
                        (Entity::Person, Some(m)) => {
                            persons[i * n + m] = f.value.raw();
                            origin[nh + i * n + m] = o;
                        }
                        _ => {}
                    }
                }
            }
        };
        apply(&facts.values, None);
        for (m, p) in facts.members.iter().enumerate() {
            apply(&p.values, Some(m));
        }
        for (slot, plan) in self.slots.iter().zip(&self.plans) {
            let Some(bound) = &plan.bound else { continue };
            let i = slot.index as usize;
            match slot.entity {
                Entity::Household => {
                    if origin[i] == Origin::Given {
                        continue;
                    }
                    hh[i] = run(bound, &hh, &persons, n, None);
                }
                Entity::Person => {
                    for m in 0..n {
                        if origin[nh + i * n + m] == Origin::Given {
                            continue;
                        }
                        persons[i * n + m] = run(bound, &hh, &persons, n, Some(m));
                    }
                }
            }
        }
        Evaluation {
            plan: self,
            n,
            hh,
            persons,
            origin,
        }
    }
}

impl Evaluation<'_> {
    pub fn plan(&self) -> &PeriodPlan {
        self.plan
    }

    /// Number of members evaluated.
    pub fn members(&self) -> usize {
        self.n
    }

    /// The value of `slot` for the household (`member = None`) or a member.
    pub fn slot_value(&self, slot: SlotId, member: Option<usize>) -> Option<Value> {
        let s = self.plan.slots.get(slot.0 as usize)?;
        let ty = self.plan.catalogue.var(s.var).ty;
        let i = s.index as usize;
        let raw = match (s.entity, member) {
            (Entity::Household, None) => *self.hh.get(i)?,
            (Entity::Person, Some(m)) if m < self.n => *self.persons.get(i * self.n + m)?,
            _ => return None,
        };
        Some(Value::from_raw(ty, raw))
    }

    /// Where the value of `slot` came from.
    pub fn origin(&self, slot: SlotId, member: Option<usize>) -> Option<Origin> {
        let s = self.plan.slots.get(slot.0 as usize)?;
        let i = s.index as usize;
        let nh = self.hh.len();
        match (s.entity, member) {
            (Entity::Household, None) => self.origin.get(i).copied(),
            (Entity::Person, Some(m)) if m < self.n => {
                self.origin.get(nh + i * self.n + m).copied()
            }
            _ => None,
        }
    }

    /// The value of `var` in the evaluation period (year offset 0).
    pub fn value(&self, var: VarId, member: Option<usize>) -> Option<Value> {
        self.slot_value(self.plan.slot_of(var, 0)?, member)
    }

    /// The value of the variable named `name` (household: `member = None`).
    pub fn get(&self, name: &str, member: Option<usize>) -> Option<Value> {
        self.value(self.plan.catalogue.var_id(name)?, member)
    }
}
