//! Persons, households, membership and identities of the unified registry.

use crate::codes::{
    DisabilityCategory, DisabilityGrade, Health, IdentityKind, LabourSkill, Relation, SchoolStage,
    SelfCare, Sex,
};
use crate::{IdNumber, RegionCode};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A disability certificate's category and grade.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Disability {
    pub category: DisabilityCategory,
    pub grade: DisabilityGrade,
}

impl Disability {
    /// Severe: grade 1–2, or grade 3 intellectual/psychiatric (the near-dibao individual-cover rule).
    pub fn is_severe(&self) -> bool {
        self.grade.number() <= 2
            || (self.grade == DisabilityGrade::Three
                && matches!(
                    self.category,
                    DisabilityCategory::Intellectual | DisabilityCategory::Psychiatric
                ))
    }
}

/// A closed-open validity interval `[from, to)`; `to = None` means still valid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validity {
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
}

impl Validity {
    pub fn open(from: NaiveDate) -> Self {
        Validity { from, to: None }
    }
    pub fn contains(&self, day: NaiveDate) -> bool {
        day >= self.from && self.to.is_none_or(|t| day < t)
    }
}

/// Where a fact in the registry came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Source {
    /// A row of an imported legacy register.
    Register {
        register: crate::Register,
        batch: i64,
        row: u64,
    },
    /// A decision in a case of the unified procedure.
    Case { case: i64 },
    /// Entered by hand by a user.
    Manual { user: String },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    pub kind: IdentityKind,
    pub validity: Validity,
    pub source: Source,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub id_number: IdNumber,
    pub name: String,
    pub sex: Sex,
    pub birth_date: NaiveDate,
    pub village: RegionCode,
    pub death_date: Option<NaiveDate>,
    pub health: Option<Health>,
    pub labour: Option<LabourSkill>,
    pub disability: Option<Disability>,
    pub self_care: Option<SelfCare>,
    pub school_stage: Option<SchoolStage>,
}

impl Person {
    /// Age in completed years on `day`.
    pub fn age_on(&self, day: NaiveDate) -> u32 {
        years_between(self.birth_date, day)
    }
    pub fn is_alive_on(&self, day: NaiveDate) -> bool {
        self.death_date.is_none_or(|d| d > day)
    }
}

/// Completed years from `from` to `to` (0 if `to` is earlier).
pub fn years_between(from: NaiveDate, to: NaiveDate) -> u32 {
    to.years_since(from).unwrap_or(0)
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    pub id_number: IdNumber,
    pub relation: Relation,
    pub validity: Validity,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Household {
    pub village: RegionCode,
    pub members: Vec<Membership>,
    pub identities: Vec<Identity>,
}

impl Household {
    pub fn members_on(&self, day: NaiveDate) -> impl Iterator<Item = &Membership> {
        self.members
            .iter()
            .filter(move |m| m.validity.contains(day))
    }
    pub fn identities_on(&self, day: NaiveDate) -> impl Iterator<Item = &Identity> {
        self.identities
            .iter()
            .filter(move |i| i.validity.contains(day))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_and_validity() {
        let p = Person {
            id_number: IdNumber::parse("11010519491231002X").unwrap(),
            name: "张三".into(),
            sex: Sex::Female,
            birth_date: "1949-12-31".parse().unwrap(),
            village: RegionCode::parse("370305100201").unwrap(),
            death_date: Some("2026-03-01".parse().unwrap()),
            health: None,
            labour: None,
            disability: None,
            self_care: None,
            school_stage: None,
        };
        assert_eq!(p.age_on("2026-12-30".parse().unwrap()), 76);
        assert_eq!(p.age_on("2026-12-31".parse().unwrap()), 77);
        assert!(p.is_alive_on("2026-02-28".parse().unwrap()));
        assert!(!p.is_alive_on("2026-03-01".parse().unwrap()));
        let v = Validity {
            from: "2021-01-01".parse().unwrap(),
            to: Some("2022-01-01".parse().unwrap()),
        };
        assert!(v.contains("2021-12-31".parse().unwrap()));
        assert!(!v.contains("2022-01-01".parse().unwrap()));
        let severe = Disability {
            category: DisabilityCategory::Intellectual,
            grade: DisabilityGrade::Three,
        };
        assert!(severe.is_severe());
        let mild = Disability {
            category: DisabilityCategory::Limb,
            grade: DisabilityGrade::Three,
        };
        assert!(!mild.is_severe());
    }
}
