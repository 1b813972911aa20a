//! What-if: a reform against the baseline, household by household, summed by town. This is the
//! reference implementation over an iterator of households; a population-scale evaluator must
//! give the same figures.
//!
//! A household's **annual amount** under a catalogue is the sum over its enabled policies of the
//! policy's amount (household amount, or every member's amount) × 12 for a monthly policy or × 1
//! for a yearly or one-off one, evaluated in the plan's month (see `docs/POLICY_LANGUAGE.md`).
//! Policies are matched by code, so an added policy counts from 0 and a switched-off one to 0.
//! A household is **better off** when its annual amount under the reform is larger, **worse
//! off** when smaller; its members count as persons better or worse off.

use crate::catalogue::Entity;
use crate::eval::Evaluation;
use crate::facts::HouseholdFacts;
use crate::plan::PeriodPlan;
use gongrong_domain::Money;
use serde::Serialize;
use std::collections::BTreeMap;

/// Annual amounts per policy code for one evaluated household (enabled policies only).
pub fn annual_amounts(ev: &Evaluation<'_>) -> BTreeMap<String, Money> {
    let plan = ev.plan();
    let cat = plan.catalogue();
    let mut out = BTreeMap::new();
    for p in cat.policies().iter().filter(|p| p.enabled) {
        let Some(slot) = p.amount.and_then(|a| plan.slot_of(a, 0)) else {
            continue;
        };
        let total: Money = match p.entity {
            Entity::Household => ev
                .slot_value(slot, None)
                .map_or(Money::ZERO, |v| v.as_money()),
            Entity::Person => (0..ev.members())
                .map(|m| {
                    ev.slot_value(slot, Some(m))
                        .map_or(Money::ZERO, |v| v.as_money())
                })
                .sum(),
        };
        out.insert(p.code.clone(), total * p.period.months_per_year());
    }
    out
}

/// One household under both catalogues.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HouseholdDelta {
    pub household: String,
    pub town: String,
    pub members: u32,
    pub baseline: Money,
    pub reform: Money,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub households: u64,
    pub persons: u64,
    pub baseline: Money,
    pub reform: Money,
    pub households_better_off: u64,
    pub households_worse_off: u64,
    pub persons_better_off: u64,
    pub persons_worse_off: u64,
}

impl Totals {
    /// Reform minus baseline.
    pub fn cost_change(&self) -> Money {
        self.reform - self.baseline
    }

    fn add(&mut self, d: &HouseholdDelta) {
        self.households += 1;
        self.persons += u64::from(d.members);
        self.baseline += d.baseline;
        self.reform += d.reform;
        if d.reform > d.baseline {
            self.households_better_off += 1;
            self.persons_better_off += u64::from(d.members);
        } else if d.reform < d.baseline {
            self.households_worse_off += 1;
            self.persons_worse_off += u64::from(d.members);
        }
    }
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Comparison {
    pub total: Totals,
    /// By town: the first 9 digits of the village code.
    pub by_town: BTreeMap<String, Totals>,
    /// By policy code: (baseline, reform) annual amounts.
    pub by_policy: BTreeMap<String, (Money, Money)>,
    /// Every household's figures, in input order (kept when asked).
    pub households: Vec<HouseholdDelta>,
}

/// Compares `reform` with `baseline` (two plans for the same period) over `households`.
pub fn compare<'a>(
    baseline: &PeriodPlan,
    reform: &PeriodPlan,
    households: impl IntoIterator<Item = &'a HouseholdFacts>,
    keep_households: bool,
) -> Comparison {
    let mut out = Comparison::default();
    for hh in households {
        let b = annual_amounts(&baseline.evaluate(hh));
        let r = annual_amounts(&reform.evaluate(hh));
        for (code, v) in &b {
            out.by_policy.entry(code.clone()).or_default().0 += *v;
        }
        for (code, v) in &r {
            out.by_policy.entry(code.clone()).or_default().1 += *v;
        }
        let d = HouseholdDelta {
            household: hh.id.clone(),
            town: hh.town().to_owned(),
            members: u32::try_from(hh.members.len()).unwrap_or(u32::MAX),
            baseline: b.values().copied().sum(),
            reform: r.values().copied().sum(),
        };
        out.total.add(&d);
        out.by_town.entry(d.town.clone()).or_default().add(&d);
        if keep_households {
            out.households.push(d);
        }
    }
    out
}
