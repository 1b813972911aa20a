//! A catalogue resolved for one evaluation period: which variable instances exist (a variable at
//! a year offset = a *slot*), in which order they are computed, and every parameter's value at
//! the date each slot reads it. Made once per period and shared by every household evaluated.
//!
//! This is also what a columnar evaluator works from: for each slot in [`PeriodPlan::slots`]
//! order, compile the variable's [`crate::ast::TExpr`] with `Var`/`HouseholdVar` nodes bound to
//! the columns of the slots [`PeriodPlan::slot_of`] names, and `Param` nodes replaced by
//! [`PeriodPlan::param_value`].

use crate::catalogue::{Catalogue, Entity, ParamId, VarId, VarKind};
use crate::check::DepVia;
use crate::error::{Diagnostic, ResolveError};
use crate::eval::{Bound, bind};
use crate::period::{MAX_YEARS_BACK, Period, PeriodKind};
use crate::types::Value;
use chrono::NaiveDate;
use std::collections::HashMap;
use std::sync::Arc;

/// Index of a slot in [`PeriodPlan::slots`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct SlotId(pub u32);

/// One variable instance: a variable at a year offset from the evaluation period.
#[derive(Clone, Debug)]
pub struct Slot {
    pub var: VarId,
    /// 0 for the evaluation period, −1 for last year, … (always 0 for fixed variables).
    pub year_offset: i8,
    pub entity: Entity,
    /// The concrete period (`None` for fixed variables).
    pub period: Option<Period>,
    /// The date its parameters are read at: the first day of its period.
    pub param_date: Option<NaiveDate>,
    /// Position among the slots of its entity (a column index).
    pub index: u32,
}

pub(crate) struct SlotPlan {
    /// The bound formula (`None` for inputs).
    pub bound: Option<Bound>,
    /// Raw default for inputs.
    pub default: i64,
    /// (slot read, how)
    pub deps: Vec<(SlotId, DepVia)>,
    /// (parameter, value, in force from)
    pub params: Vec<(ParamId, Value, NaiveDate)>,
}

/// The catalogue resolved for one period.
pub struct PeriodPlan {
    pub(crate) catalogue: Arc<Catalogue>,
    pub(crate) period: Period,
    pub(crate) slots: Vec<Slot>,
    pub(crate) plans: Vec<SlotPlan>,
    /// Slots of each variable: index = var, then (year_offset, slot).
    pub(crate) var_slots: Vec<Vec<(i8, SlotId)>>,
    pub(crate) household_slots: u32,
    pub(crate) person_slots: u32,
}

impl std::fmt::Debug for PeriodPlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PeriodPlan")
            .field("period", &self.period)
            .field("slots", &self.slots.len())
            .finish()
    }
}

impl PeriodPlan {
    /// Resolves `catalogue` for `period`. Refused if a parameter some slot reads has no value at
    /// that slot's date (the message names the parameter's file and line, and the variable).
    pub fn new(catalogue: Arc<Catalogue>, period: Period) -> Result<PeriodPlan, ResolveError> {
        let cat = &*catalogue;
        let nvars = cat.variables().len();
        // Which (var, offset) instances are needed: every variable at offset 0 that exists in
        // this period, and everything those read.
        let mut needed: Vec<Vec<i8>> = vec![Vec::new(); nvars];
        let mut stack: Vec<(VarId, i8)> = Vec::new();
        for (i, v) in cat.variables().iter().enumerate() {
            if period.is_month() || v.period != PeriodKind::Month {
                stack.push((VarId(i as u32), 0));
            }
        }
        while let Some((var, k)) = stack.pop() {
            let list = &mut needed[var.0 as usize];
            if list.contains(&k) {
                continue;
            }
            list.push(k);
            for d in cat.dependencies(var) {
                let kind = cat.var(d.var).period;
                let k2 = if kind == PeriodKind::Fixed {
                    0
                } else {
                    k + d.year_offset
                };
                if k2 >= -MAX_YEARS_BACK {
                    stack.push((d.var, k2));
                }
            }
        }
        let mut slots = Vec::new();
        let mut var_slots: Vec<Vec<(i8, SlotId)>> = vec![Vec::new(); nvars];
        let (mut nh, mut np) = (0u32, 0u32);
        for &var in cat.topological_order() {
            let v = cat.var(var);
            let mut ks = needed[var.0 as usize].clone();
            ks.sort_unstable_by(|a, b| b.cmp(a));
            for k in ks {
                let p = period.instance(v.period, k);
                let index = match v.entity {
                    Entity::Household => {
                        nh += 1;
                        nh - 1
                    }
                    Entity::Person => {
                        np += 1;
                        np - 1
                    }
                };
                let id = SlotId(slots.len() as u32);
                var_slots[var.0 as usize].push((k, id));
                slots.push(Slot {
                    var,
                    year_offset: k,
                    entity: v.entity,
                    period: p,
                    param_date: p.map(|p| p.start()),
                    index,
                });
            }
        }
        let slot_of = |var: VarId, k: i8| -> Option<SlotId> {
            var_slots[var.0 as usize]
                .iter()
                .find(|(kk, _)| *kk == k)
                .map(|(_, s)| *s)
        };
        // Resolve parameters and bind formulas.
        let mut problems = Vec::new();
        let mut plans = Vec::with_capacity(slots.len());
        for slot in &slots {
            let v = cat.var(slot.var);
            let mut params = Vec::new();
            let mut param_map: HashMap<ParamId, Value> = HashMap::new();
            if let Some(date) = slot.param_date {
                for &pid in cat.parameters_used(slot.var) {
                    let p = cat.param(pid);
                    match p.at(date) {
                        Some(dv) => {
                            params.push((pid, dv.value, dv.from));
                            param_map.insert(pid, dv.value);
                        }
                        None => problems.push(Diagnostic {
                            location: p.location.clone(),
                            message: format!(
                                "parameter `{}` has no value on {date} (read by `{}` for {}); its first value is from {}",
                                p.name,
                                v.name,
                                slot.period.map_or_else(String::new, |p| p.to_string()),
                                p.values.first().map_or_else(|| "—".to_owned(), |d| d.from.to_string())
                            ),
                        }),
                    }
                }
            }
            let mut deps = Vec::new();
            for d in cat.dependencies(slot.var) {
                let kind = cat.var(d.var).period;
                let k2 = if kind == PeriodKind::Fixed {
                    0
                } else {
                    slot.year_offset + d.year_offset
                };
                if let Some(s) = slot_of(d.var, k2) {
                    deps.push((s, d.via));
                }
            }
            let (bound, default) = match &v.kind {
                VarKind::Input { default } => (None, default.raw()),
                VarKind::Formula { expr, .. } => (
                    Some(bind(
                        expr,
                        slot,
                        &|var, k| slot_of(var, k),
                        &|pid| param_map.get(&pid).copied(),
                        &slots,
                    )),
                    0,
                ),
            };
            plans.push(SlotPlan {
                bound,
                default,
                deps,
                params,
            });
        }
        if !problems.is_empty() {
            problems.sort_by(|a, b| {
                (&a.location.file, a.location.line).cmp(&(&b.location.file, b.location.line))
            });
            problems.dedup_by(|a, b| a.location == b.location);
            return Err(ResolveError {
                period: period.to_string(),
                problems,
            });
        }
        Ok(PeriodPlan {
            catalogue,
            period,
            slots,
            plans,
            var_slots,
            household_slots: nh,
            person_slots: np,
        })
    }

    pub fn catalogue(&self) -> &Arc<Catalogue> {
        &self.catalogue
    }

    pub fn period(&self) -> Period {
        self.period
    }

    /// Every slot, each after all slots it reads.
    pub fn slots(&self) -> &[Slot] {
        &self.slots
    }

    pub fn slot(&self, id: SlotId) -> &Slot {
        &self.slots[id.0 as usize]
    }

    /// The slot of `var` at `year_offset` (0 = the evaluation period), if this period has it.
    pub fn slot_of(&self, var: VarId, year_offset: i8) -> Option<SlotId> {
        let k = if self.catalogue.var(var).period == PeriodKind::Fixed {
            0
        } else {
            year_offset
        };
        self.var_slots
            .get(var.0 as usize)?
            .iter()
            .find(|(kk, _)| *kk == k)
            .map(|(_, s)| *s)
    }

    /// The value of parameter `param` as read by `slot`, and the date that value took effect.
    pub fn param_value(&self, slot: SlotId, param: ParamId) -> Option<(Value, NaiveDate)> {
        self.plans[slot.0 as usize]
            .params
            .iter()
            .find(|(p, _, _)| *p == param)
            .map(|(_, v, d)| (*v, *d))
    }

    /// The parameters `slot` reads, with values and dates in force.
    pub fn slot_parameters(&self, slot: SlotId) -> &[(ParamId, Value, NaiveDate)] {
        &self.plans[slot.0 as usize].params
    }

    /// The slots `slot` reads and how.
    pub fn slot_dependencies(&self, slot: SlotId) -> &[(SlotId, DepVia)] {
        &self.plans[slot.0 as usize].deps
    }

    /// Number of household slots and person slots (the columns of each table).
    pub fn slot_counts(&self) -> (usize, usize) {
        (self.household_slots as usize, self.person_slots as usize)
    }
}
