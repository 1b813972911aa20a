//! Gathering the chunks into columns named by the catalogue's inputs.

use super::columns::{Column, ColumnData, Population, Schema, Table};
use super::{Chunk, FactsError, H, P};
use rayon::prelude::*;

/// The chunks' persons or households, read in order.
struct Rows<'a> {
    parts: &'a [Chunk],
    persons: bool,
}

impl Rows<'_> {
    fn gather<U: Send>(&self, f: impl Fn(&P) -> U + Sync + Send) -> Vec<U> {
        debug_assert!(self.persons);
        self.parts
            .par_iter()
            .flat_map_iter(|c| c.persons.iter().map(&f))
            .collect()
    }
    fn gather_h<U: Send>(&self, f: impl Fn(&H) -> U + Sync + Send) -> Vec<U> {
        self.parts
            .par_iter()
            .flat_map_iter(|c| c.households.iter().map(&f))
            .collect()
    }
}
use gongrong_domain::codes::DisabilityCategory;
use gongrong_policy::{Entity, Period, PeriodKind};

/// (input name, type name, year index (0 last year, 1 this year), getter)
type Field<'a, T> = (&'a str, &'a str, Option<usize>, fn(&T) -> i64);
type BoolField<'a, T> = (&'a str, Option<usize>, fn(&T) -> bool);
type EnumField<'a> = (&'a str, &'a str, Vec<&'a str>, fn(&P) -> usize);

pub(super) fn assemble(
    schema: &Schema<'_>,
    parts: Vec<Chunk>,
    year: i32,
) -> Result<Population, FactsError> {
    let nh: usize = parts.iter().map(|c| c.households.len()).sum();
    let np: usize = parts.iter().map(|c| c.persons.len()).sum();
    let mut first_member = Vec::with_capacity(nh + 1);
    let mut person_household = Vec::with_capacity(np);
    for c in &parts {
        for &size in &c.sizes {
            first_member.push(person_household.len() as u32);
            let h = first_member.len() as u32 - 1;
            person_household.extend(std::iter::repeat_n(h, size as usize));
        }
    }
    // Columns are gathered chunk by chunk, in parallel and in order (cache-friendly).
    let ps = Rows {
        parts: &parts,
        persons: true,
    };
    let hs = Rows {
        parts: &parts,
        persons: false,
    };
    first_member.push(np as u32);
    let var_of = |entity, name: &str, ty: &str| schema.input(name, entity, ty);
    let mut persons = Table {
        rows: np,
        columns: Vec::new(),
    };
    let mut households = Table {
        rows: nh,
        columns: Vec::new(),
    };
    let this = Period::Year(year);
    let last = Period::Year(year - 1);

    let person_fields: Vec<Field<'_, P>> = vec![
        ("wage_income", "money", Some(0), |p| p.wage[0]),
        ("wage_income", "money", Some(1), |p| p.wage[1]),
        ("employment_costs", "money", Some(0), |p| {
            p.employment_costs[0]
        }),
        ("employment_costs", "money", Some(1), |p| {
            p.employment_costs[1]
        }),
        ("business_income", "money", Some(0), |p| p.business[0]),
        ("business_income", "money", Some(1), |p| p.business[1]),
        ("transfer_income", "money", Some(0), |p| p.transfer[0]),
        ("transfer_income", "money", Some(1), |p| p.transfer[1]),
        ("illness_disability_costs", "money", Some(0), |p| {
            p.illness[0]
        }),
        ("illness_disability_costs", "money", Some(1), |p| {
            p.illness[1]
        }),
        ("central_basic_pension", "money", Some(0), |p| p.pension),
        ("central_basic_pension", "money", Some(1), |p| p.pension),
        ("out_of_pocket_medical", "money", Some(1), |p| p.oop),
        ("children_support_paid", "money", Some(1), |p| {
            p.children_support
        }),
        ("disability_grade", "integer", None, |p| {
            p.dis.map_or(0, |d| i64::from(d.1))
        }),
    ];
    for (name, ty, year_index, get) in person_fields {
        let Some((id, _, kind)) = var_of(Entity::Person, name, ty)? else {
            continue;
        };
        let (col_name, period) = period_of(name, kind, year_index, this, last, schema.period);
        let data = if ty == "money" {
            ColumnData::Int64(ps.gather(get))
        } else {
            ColumnData::Int32(ps.gather(|p| get(p) as i32))
        };
        persons.columns.push(Column {
            name: col_name,
            var: id,
            period,
            data,
        });
    }
    let person_bools: Vec<BoolField<'_, P>> = vec![
        ("cannot_eat", None, |p| p.lost >= 1),
        ("cannot_dress", None, |p| p.lost >= 2),
        ("cannot_bathe", None, |p| p.lost >= 3),
        ("cannot_transfer", None, |p| p.lost >= 4),
        ("cannot_toilet", None, |p| p.lost >= 5),
        ("cannot_walk_indoors", None, |p| p.lost >= 6),
        ("has_able_supporter", None, |p| p.has_able_supporter),
        ("has_carer", None, |p| p.has_carer),
        ("college_entrant", Some(1), |p| p.college_entrant),
        ("wants_public_welfare_job", Some(1), |p| p.wants_job),
        ("completed_training", Some(1), |p| p.training),
        ("newly_employed", Some(1), |p| p.newly_employed),
    ];
    for (name, year_index, get) in person_bools {
        let Some((id, _, kind)) = var_of(Entity::Person, name, "bool")? else {
            continue;
        };
        let (col_name, period) = period_of(name, kind, year_index, this, last, schema.period);
        persons.columns.push(Column {
            name: col_name,
            var: id,
            period,
            data: ColumnData::Bool(ps.gather(get)),
        });
    }
    if let Some((id, _, _)) = var_of(Entity::Person, "birth_date", "date")? {
        persons.columns.push(Column {
            name: "birth_date".into(),
            var: id,
            period: None,
            data: ColumnData::Date32(ps.gather(|p| p.birth)),
        });
    }
    // enums
    let category_names = [
        "none",
        "visual",
        "hearing",
        "speech",
        "limb",
        "intellectual",
        "psychiatric",
        "multiple",
    ];
    let enum_cols: Vec<EnumField<'_>> = vec![
        (
            "disability_category",
            "disability_category",
            category_names.to_vec(),
            |p| {
                p.dis.map_or(0, |(c, _)| {
                    DisabilityCategory::ALL
                        .iter()
                        .position(|x| *x == c)
                        .map_or(0, |i| i + 1)
                })
            },
        ),
        (
            "health",
            "health",
            vec!["healthy", "chronic", "serious"],
            |p| usize::from(p.health),
        ),
        (
            "labour_skill",
            "labour_skill",
            vec!["ordinary", "skilled", "weak", "lost", "none"],
            |p| usize::from(p.labour),
        ),
        (
            "school_stage",
            "school_stage",
            vec![
                "not_in_school",
                "preschool",
                "primary",
                "junior_secondary",
                "senior_secondary",
                "vocational",
                "college",
                "undergraduate",
                "postgraduate",
            ],
            |p| usize::from(p.school),
        ),
    ];
    for (name, ty, variants, get) in enum_cols {
        let Some((id, t, _)) = var_of(Entity::Person, name, ty)? else {
            continue;
        };
        let map: Vec<u8> = variants
            .iter()
            .map(|v| schema.variant(t, v))
            .collect::<Result<_, _>>()?;
        persons.columns.push(Column {
            name: name.into(),
            var: id,
            period: None,
            data: ColumnData::UInt8(ps.gather(|p| map.get(get(p)).copied().unwrap_or(0))),
        });
    }

    let household_fields: Vec<Field<'_, H>> = vec![
        ("financial_assets", "money", None, |h| h.assets),
        ("emergency_loss", "money", None, |h| h.emergency),
        ("rigid_expense", "money", None, |h| h.rigid),
        ("sudden_expenditure", "money", Some(1), |h| h.sudden),
        ("extra_houses", "integer", None, |h| {
            i64::from(h.extra_houses)
        }),
    ];
    for (name, ty, year_index, get) in household_fields {
        let Some((id, _, kind)) = var_of(Entity::Household, name, ty)? else {
            continue;
        };
        let (col_name, period) = period_of(name, kind, year_index, this, last, schema.period);
        let data = if ty == "money" {
            ColumnData::Int64(hs.gather_h(get))
        } else {
            ColumnData::Int32(hs.gather_h(|h| get(h) as i32))
        };
        households.columns.push(Column {
            name: col_name,
            var: id,
            period,
            data,
        });
    }
    let household_bools: Vec<BoolField<'_, H>> = vec![
        ("owns_vehicle", None, |h| h.vehicle),
        ("age_friendly_retrofitted", None, |h| h.age_retro),
        ("accessibility_retrofitted", None, |h| h.access_retro),
        ("formerly_poor", None, |h| h.formerly_poor),
    ];
    for (name, year_index, get) in household_bools {
        let Some((id, _, kind)) = var_of(Entity::Household, name, "bool")? else {
            continue;
        };
        let (col_name, period) = period_of(name, kind, year_index, this, last, schema.period);
        households.columns.push(Column {
            name: col_name,
            var: id,
            period,
            data: ColumnData::Bool(hs.gather_h(get)),
        });
    }
    if let Some((id, t, _)) = var_of(Entity::Household, "housing_safety", "housing_safety")? {
        let map: Vec<u8> = ["safe", "grade_c", "grade_d"]
            .iter()
            .map(|v| schema.variant(t, v))
            .collect::<Result<_, _>>()?;
        households.columns.push(Column {
            name: "housing_safety".into(),
            var: id,
            period: None,
            data: ColumnData::UInt8(hs.gather_h(|h| map[usize::from(h.housing)])),
        });
    }
    Ok(Population {
        period: schema.period,
        household_id: (1..=nh as u64).collect(),
        village: hs.gather_h(|h| h.village),
        first_member,
        person_household,
        person_id: (1..=np as u64).collect(),
        households,
        persons,
    })
}

/// The column name and period of a generated field: yearly fields index 0 = last year, 1 = this
/// year; monthly fields are for the evaluation month; fixed fields have no period.
fn period_of(
    name: &str,
    kind: PeriodKind,
    year_index: Option<usize>,
    this: Period,
    last: Period,
    month: Period,
) -> (String, Option<Period>) {
    match kind {
        PeriodKind::Fixed => (name.to_owned(), None),
        PeriodKind::Month => (name.to_owned(), Some(month)),
        PeriodKind::Year => match year_index {
            Some(0) => (format!("{name}@last_year"), Some(last)),
            _ => (name.to_owned(), Some(this)),
        },
    }
}
