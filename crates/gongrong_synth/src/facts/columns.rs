//! The generated population as columns named by the policy catalogue's inputs, and the
//! conversion of one household back to [`HouseholdFacts`] for the one-household evaluator.

use gongrong_policy::{
    Catalogue, Entity, HouseholdFacts, Period, PeriodKind, PersonFacts, Type, Value, VarId,
};

/// A column's values. Money is in fen, ratios in millionths, enums are the variant's index in
/// the catalogue's declaration, dates days since 1970-01-01 (Arrow `Date32`).
#[derive(Clone, Debug, PartialEq)]
pub enum ColumnData {
    Int64(Vec<i64>),
    Int32(Vec<i32>),
    UInt8(Vec<u8>),
    Bool(Vec<bool>),
    Date32(Vec<i32>),
}

impl ColumnData {
    pub fn len(&self) -> usize {
        match self {
            ColumnData::Int64(v) => v.len(),
            ColumnData::Int32(v) | ColumnData::Date32(v) => v.len(),
            ColumnData::UInt8(v) => v.len(),
            ColumnData::Bool(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Row `i` as the raw `i64` of [`gongrong_policy::Value::raw`].
    pub fn raw(&self, i: usize) -> i64 {
        match self {
            ColumnData::Int64(v) => v[i],
            ColumnData::Int32(v) | ColumnData::Date32(v) => i64::from(v[i]),
            ColumnData::UInt8(v) => i64::from(v[i]),
            ColumnData::Bool(v) => i64::from(v[i]),
        }
    }
}

/// One input variable's values for one period.
#[derive(Clone, Debug, PartialEq)]
pub struct Column {
    /// `wage_income` for the evaluation year, `wage_income@last_year` for the year before.
    pub name: String,
    pub var: VarId,
    /// The period the values are for (`None`: fixed facts).
    pub period: Option<Period>,
    pub data: ColumnData,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    pub rows: usize,
    pub columns: Vec<Column>,
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// A generated population: households (sorted by id) and their members (grouped by household,
/// in household order).
#[derive(Clone, Debug, PartialEq)]
pub struct Population {
    /// The evaluation month the monthly inputs are for; yearly inputs are for its year and the
    /// year before.
    pub period: Period,
    /// Household ids, 1-based, one per household row.
    pub household_id: Vec<u64>,
    /// 12-digit village codes (the first 9 digits are the town).
    pub village: Vec<u64>,
    /// For each household row, the first person row; `persons.rows` at the end.
    pub first_member: Vec<u32>,
    /// For each person row, its household row.
    pub person_household: Vec<u32>,
    /// Person ids, 1-based.
    pub person_id: Vec<u64>,
    pub households: Table,
    pub persons: Table,
}

impl Population {
    pub fn household_count(&self) -> usize {
        self.household_id.len()
    }

    pub fn person_count(&self) -> usize {
        self.person_id.len()
    }

    /// Household row `h` as facts for [`gongrong_policy::PeriodPlan::evaluate`].
    pub fn household_facts(&self, cat: &Catalogue, h: usize) -> HouseholdFacts {
        let mut out = HouseholdFacts {
            id: self.household_id[h].to_string(),
            village: format!("{:012}", self.village[h]),
            ..HouseholdFacts::default()
        };
        for c in &self.households.columns {
            out.values.set(
                c.var,
                c.period,
                Value::from_raw(cat.var(c.var).ty, c.data.raw(h)),
            );
        }
        let (from, to) = (
            self.first_member[h] as usize,
            self.first_member[h + 1] as usize,
        );
        for p in from..to {
            let mut person = PersonFacts {
                id: self.person_id[p].to_string(),
                ..PersonFacts::default()
            };
            for c in &self.persons.columns {
                person.values.set(
                    c.var,
                    c.period,
                    Value::from_raw(cat.var(c.var).ty, c.data.raw(p)),
                );
            }
            out.members.push(person);
        }
        out
    }

    /// Every household as facts.
    pub fn all_facts(&self, cat: &Catalogue) -> Vec<HouseholdFacts> {
        (0..self.household_count())
            .map(|h| self.household_facts(cat, h))
            .collect()
    }
}

/// Resolves a generated field to the catalogue: the input's id and the enum variant indices.
pub(crate) struct Schema<'c> {
    pub cat: &'c Catalogue,
    pub period: Period,
}

#[derive(Debug, thiserror::Error)]
#[error("the catalogue's input `{name}` {problem}")]
pub struct SchemaError {
    pub name: String,
    pub problem: String,
}

impl Schema<'_> {
    /// The input `name` if the catalogue declares it with the expected type and entity
    /// (`Ok(None)` when the catalogue does not have it: the column is left out).
    pub fn input(
        &self,
        name: &str,
        entity: Entity,
        want: &str,
    ) -> Result<Option<(VarId, Type, PeriodKind)>, SchemaError> {
        let Some(id) = self.cat.var_id(name) else {
            return Ok(None);
        };
        let v = self.cat.var(id);
        let err = |problem: String| SchemaError {
            name: name.to_owned(),
            problem,
        };
        if !v.is_input() {
            return Err(err("is a formula, not an input".into()));
        }
        if v.entity != entity {
            return Err(err(format!("is a {} input", v.entity.name())));
        }
        let got = self.cat.type_name(v.ty);
        if got != want {
            return Err(err(format!("has type {got}, the generator makes {want}")));
        }
        Ok(Some((id, v.ty, v.period)))
    }

    /// The index of `variant` in enum type `ty`.
    pub fn variant(&self, ty: Type, variant: &str) -> Result<u8, SchemaError> {
        let Type::Enum(e) = ty else {
            return Ok(0);
        };
        let def = self.cat.enum_def(e);
        def.variants
            .iter()
            .position(|v| v.name == variant)
            .and_then(|i| u8::try_from(i).ok())
            .ok_or_else(|| SchemaError {
                name: def.name.clone(),
                problem: format!("has no variant `{variant}`"),
            })
    }
}
