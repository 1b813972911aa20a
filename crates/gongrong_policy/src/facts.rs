//! The facts a household brings: values of input variables (or, in tests, of any variable, which
//! then replaces its formula), per person and per household, each for one period or for every
//! period.

use crate::catalogue::{Catalogue, Entity, VarId};
use crate::period::{Period, PeriodKind};
use crate::types::Value;
use serde::Serialize;

/// One fact: a variable's value, for one period (`Some`) or every period (`None`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fact {
    pub var: VarId,
    pub period: Option<Period>,
    pub value: Value,
}

/// A set of facts about one person or one household, sorted by variable (facts for every
/// period before period-specific ones).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Facts {
    entries: Vec<Fact>,
}

impl Facts {
    pub fn new() -> Facts {
        Facts::default()
    }

    /// Sets a fact, replacing one for the same variable and period.
    pub fn set(&mut self, var: VarId, period: Option<Period>, value: Value) {
        let key = (var, period);
        match self
            .entries
            .binary_search_by(|f| (f.var, f.period).cmp(&key))
        {
            Ok(i) => self.entries[i].value = value,
            Err(i) => self.entries.insert(i, Fact { var, period, value }),
        }
    }

    /// The value for `var` in `period`: the period's own fact, else the every-period one.
    pub fn get(&self, var: VarId, period: Option<Period>) -> Option<Value> {
        let start = self.entries.partition_point(|f| f.var < var);
        let mut fallback = None;
        for f in self.entries[start..].iter().take_while(|f| f.var == var) {
            if f.period.is_none() {
                fallback = Some(f.value);
            } else if f.period == period {
                return Some(f.value);
            }
        }
        fallback
    }

    pub fn iter(&self) -> impl Iterator<Item = &Fact> {
        self.entries.iter()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PersonFacts {
    /// The caller's identifier for the person (a registry id, a test's label).
    pub id: String,
    pub values: Facts,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HouseholdFacts {
    pub id: String,
    /// The 12-digit village code (统计用区划代码); its first 9 digits are the town.
    pub village: String,
    pub values: Facts,
    /// The household's current members.
    pub members: Vec<PersonFacts>,
}

impl HouseholdFacts {
    /// The 9-digit town code of the household's village.
    pub fn town(&self) -> &str {
        self.village.get(..9).unwrap_or(&self.village)
    }
}

/// A fact that does not fit the catalogue.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize)]
#[error("{subject}: {message}")]
pub struct FactError {
    /// `household` or `member N`, and the variable.
    pub subject: String,
    pub message: String,
}

impl Catalogue {
    /// Checks that every fact names a variable of the right entity, type and period kind.
    pub fn check_facts(&self, hh: &HouseholdFacts) -> Result<(), FactError> {
        let check = |facts: &Facts, entity: Entity, who: &str| -> Result<(), FactError> {
            for f in facts.iter() {
                let Some(v) = self.variables().get(f.var.0 as usize) else {
                    return Err(FactError {
                        subject: who.to_owned(),
                        message: format!("unknown variable #{}", f.var.0),
                    });
                };
                let subject = format!("{who}, {}", v.name);
                if v.entity != entity {
                    return Err(FactError {
                        subject,
                        message: format!("is a {} variable", v.entity.name()),
                    });
                }
                if f.value.ty() != v.ty {
                    return Err(FactError {
                        subject,
                        message: format!("expects {}", self.type_name(v.ty)),
                    });
                }
                let ok = match (v.period, f.period) {
                    (_, None) => true,
                    (PeriodKind::Fixed, Some(_)) => false,
                    (PeriodKind::Month, Some(p)) => p.is_month(),
                    (PeriodKind::Year, Some(p)) => !p.is_month(),
                };
                if !ok {
                    return Err(FactError {
                        subject,
                        message: format!(
                            "is a {} variable; its facts are given {}",
                            v.period.name(),
                            match v.period {
                                PeriodKind::Month => "per month (2024-06)",
                                PeriodKind::Year => "per year (2024)",
                                PeriodKind::Fixed => "without a period",
                            }
                        ),
                    });
                }
            }
            Ok(())
        };
        check(&hh.values, Entity::Household, "household")?;
        for (i, m) in hh.members.iter().enumerate() {
            check(&m.values, Entity::Person, &format!("member {}", i + 1))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn period_fact_beats_every_period_fact() {
        let mut f = Facts::new();
        let v = VarId(3);
        f.set(v, None, Value::Int(1));
        f.set(v, Some(Period::Year(2023)), Value::Int(2));
        f.set(VarId(1), None, Value::Int(9));
        assert_eq!(f.get(v, Some(Period::Year(2023))), Some(Value::Int(2)));
        assert_eq!(f.get(v, Some(Period::Year(2024))), Some(Value::Int(1)));
        assert_eq!(f.get(VarId(2), None), None);
        f.set(v, None, Value::Int(5));
        assert_eq!(f.get(v, None), Some(Value::Int(5)));
        assert_eq!(f.len(), 3);
    }
}
