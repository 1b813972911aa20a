//! Duplicates and gaps over a set of households (the engine's part of DOMAIN.md §2.4):
//!
//! * a **duplicate** is a person covered by two or more enabled policies of one exclusivity group
//!   (e.g. two college-entrant aids), with the money involved;
//! * a **gap** is a person (or household) with a need — a bool variable named in
//!   `catalogue.toml` — that no enabled policy covering that need covers.
//!
//! Who a policy covers: a person policy covers the persons its `eligible` output holds for; a
//! household policy covers, when its `eligible` holds, the members its `beneficiary` variable
//! names (all members without one). A household policy's amount is shared among the members it
//! covers in whole fen, the first members taking the remainder.

use crate::catalogue::{Catalogue, Entity, PolicyDef, PolicyId};
use crate::eval::Evaluation;
use crate::facts::HouseholdFacts;
use crate::plan::PeriodPlan;
use gongrong_domain::Money;
use serde::Serialize;
use std::collections::BTreeMap;

/// One member's coverage by one policy in an evaluation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Cover {
    pub policy: PolicyId,
    /// The member's amount (their share of a household amount), per the policy's period.
    pub amount: Money,
}

/// For each member, the enabled policies covering them (in catalogue order).
pub fn member_covers(ev: &Evaluation<'_>) -> Vec<Vec<Cover>> {
    let plan = ev.plan();
    let cat = plan.catalogue();
    let n = ev.members();
    let mut out = vec![Vec::new(); n];
    for (i, p) in cat.policies().iter().enumerate() {
        if !p.enabled {
            continue;
        }
        let Some(es) = plan.slot_of(p.eligible, 0) else {
            continue;
        };
        let amount_slot = p.amount.and_then(|a| plan.slot_of(a, 0));
        let amount = |m: Option<usize>| {
            amount_slot
                .and_then(|s| ev.slot_value(s, m))
                .map_or(Money::ZERO, |v| v.as_money())
        };
        let id = PolicyId(i as u32);
        match p.entity {
            Entity::Person => {
                for (m, covers) in out.iter_mut().enumerate() {
                    if ev.slot_value(es, Some(m)).is_some_and(|v| v.as_bool()) {
                        covers.push(Cover {
                            policy: id,
                            amount: amount(Some(m)),
                        });
                    }
                }
            }
            Entity::Household => {
                if !ev.slot_value(es, None).is_some_and(|v| v.as_bool()) {
                    continue;
                }
                let who: Vec<usize> = (0..n).filter(|&m| beneficiary(ev, p, m)).collect();
                for (m, share) in who.iter().zip(shares(amount(None), who.len())) {
                    out[*m].push(Cover {
                        policy: id,
                        amount: share,
                    });
                }
            }
        }
    }
    out
}

fn beneficiary(ev: &Evaluation<'_>, p: &PolicyDef, m: usize) -> bool {
    match p.beneficiary {
        None => true,
        Some(v) => ev.value(v, Some(m)).is_some_and(|x| x.as_bool()),
    }
}

/// `total` split into `n` whole-fen shares, the first ones taking the remainder.
pub fn shares(total: Money, n: usize) -> Vec<Money> {
    if n == 0 {
        return Vec::new();
    }
    let n64 = n as i64;
    let base = total.fen().div_euclid(n64);
    let rest = total.fen().rem_euclid(n64);
    (0..n64)
        .map(|i| Money::from_fen(base + i64::from(i < rest)))
        .collect()
}

#[derive(Clone, Debug, Serialize)]
pub struct DuplicatePolicy {
    pub code: String,
    /// The member's amount, annualised (× 12 for a monthly policy).
    pub annual_amount: Money,
}

/// A person covered twice (or more) for one need.
#[derive(Clone, Debug, Serialize)]
pub struct Duplicate {
    pub household: String,
    pub village: String,
    pub member: usize,
    pub person: String,
    pub group: String,
    pub policies: Vec<DuplicatePolicy>,
    /// Paid beyond the largest single cover: what keeping one policy would save, per year.
    pub duplicate_amount: Money,
}

/// A need no policy covers.
#[derive(Clone, Debug, Serialize)]
pub struct Gap {
    pub household: String,
    pub village: String,
    /// `None` for a household need.
    pub member: Option<usize>,
    pub person: Option<String>,
    pub need: String,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct GroupSummary {
    pub persons: u64,
    pub duplicate_amount: Money,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct NeedSummary {
    /// Persons (or households, for a household need) with the need.
    pub with_need: u64,
    pub uncovered: u64,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct CoverageReport {
    pub duplicates: Vec<Duplicate>,
    pub gaps: Vec<Gap>,
    pub groups: BTreeMap<String, GroupSummary>,
    pub needs: BTreeMap<String, NeedSummary>,
}

impl CoverageReport {
    /// Adds one evaluated household.
    pub fn add(&mut self, ev: &Evaluation<'_>, facts: &HouseholdFacts) {
        let plan = ev.plan();
        let cat: &Catalogue = plan.catalogue();
        let covers = member_covers(ev);
        for g in cat.exclusivity_groups() {
            self.groups.entry(g.code.clone()).or_default();
            for (m, cs) in covers.iter().enumerate() {
                let in_group: Vec<&Cover> = cs
                    .iter()
                    .filter(|c| cat.policy(c.policy).exclusivity.contains(&g.code))
                    .collect();
                if in_group.len() < 2 {
                    continue;
                }
                let policies: Vec<DuplicatePolicy> = in_group
                    .iter()
                    .map(|c| {
                        let p = cat.policy(c.policy);
                        DuplicatePolicy {
                            code: p.code.clone(),
                            annual_amount: c.amount * p.period.months_per_year(),
                        }
                    })
                    .collect();
                let total: Money = policies.iter().map(|p| p.annual_amount).sum();
                let largest = policies
                    .iter()
                    .map(|p| p.annual_amount)
                    .max()
                    .unwrap_or(Money::ZERO);
                let duplicate_amount = total - largest;
                let s = self.groups.entry(g.code.clone()).or_default();
                s.persons += 1;
                s.duplicate_amount += duplicate_amount;
                self.duplicates.push(Duplicate {
                    household: facts.id.clone(),
                    village: facts.village.clone(),
                    member: m,
                    person: facts
                        .members
                        .get(m)
                        .map(|p| p.id.clone())
                        .unwrap_or_default(),
                    group: g.code.clone(),
                    policies,
                    duplicate_amount,
                });
            }
        }
        for need in cat.needs() {
            let Some(slot) = plan.slot_of(need.variable, 0) else {
                continue;
            };
            let coverers: Vec<PolicyId> = cat
                .policies()
                .iter()
                .enumerate()
                .filter(|(_, p)| p.enabled && p.covers.contains(&need.code))
                .map(|(i, _)| PolicyId(i as u32))
                .collect();
            let covered = |m: usize| covers[m].iter().any(|c| coverers.contains(&c.policy));
            let s = self.needs.entry(need.code.clone()).or_default();
            match cat.var(need.variable).entity {
                Entity::Person => {
                    for m in 0..ev.members() {
                        if !ev.slot_value(slot, Some(m)).is_some_and(|v| v.as_bool()) {
                            continue;
                        }
                        s.with_need += 1;
                        if !covered(m) {
                            s.uncovered += 1;
                            self.gaps.push(Gap {
                                household: facts.id.clone(),
                                village: facts.village.clone(),
                                member: Some(m),
                                person: facts.members.get(m).map(|p| p.id.clone()),
                                need: need.code.clone(),
                            });
                        }
                    }
                }
                Entity::Household => {
                    if !ev.slot_value(slot, None).is_some_and(|v| v.as_bool()) {
                        continue;
                    }
                    s.with_need += 1;
                    if !(0..ev.members()).any(covered) {
                        s.uncovered += 1;
                        self.gaps.push(Gap {
                            household: facts.id.clone(),
                            village: facts.village.clone(),
                            member: None,
                            person: None,
                            need: need.code.clone(),
                        });
                    }
                }
            }
        }
    }
}

/// Evaluates `households` for the plan's period and reports duplicates and gaps.
pub fn scan<'a>(
    plan: &PeriodPlan,
    households: impl IntoIterator<Item = &'a HouseholdFacts>,
) -> CoverageReport {
    let mut report = CoverageReport::default();
    for hh in households {
        let ev = plan.evaluate(hh);
        report.add(&ev, hh);
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_split_whole_fen() {
        assert_eq!(
            shares(Money::from_fen(100), 3),
            vec![
                Money::from_fen(34),
                Money::from_fen(33),
                Money::from_fen(33)
            ]
        );
        assert_eq!(
            shares(Money::from_fen(-5), 2)
                .iter()
                .copied()
                .sum::<Money>(),
            Money::from_fen(-5)
        );
        assert!(shares(Money::from_fen(5), 0).is_empty());
    }
}
