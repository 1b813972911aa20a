//! One person: age, sex, name, identity number and the attributes both registers record
//! (health 健康状况, disability 残疾, self-care 自理能力, labour skill 劳动技能, school stage
//! 在校生状况), drawn consistently with each other and with age.

use crate::SynthError;
use crate::defects::Planted;
use crate::ids::{IdDigits, IdIssuer};
use crate::names::{NameBook, dotted};
use chrono::{Datelike, Duration, NaiveDate};
use gongrong_domain::codes::{
    DisabilityCategory, DisabilityGrade, Health, LabourSkill, Relation, SchoolStage, SelfCare,
};
use rand::Rng;

pub(crate) struct Person {
    pub uid: u64,
    pub name: String,
    pub male: bool,
    pub birth: NaiveDate,
    pub age: u32,
    pub id: IdDigits,
    pub ethnicity: &'static str,
    /// Relation to the head in the poverty register (and in the dibao register unless
    /// `dibao_relation` differs).
    pub relation: Relation,
    pub dibao_relation: Relation,
    pub school: SchoolStage,
    pub health: Health,
    pub disability: Option<(DisabilityCategory, DisabilityGrade)>,
    pub self_care: Option<SelfCare>,
    pub labour: LabourSkill,
    pub death: Option<NaiveDate>,
    pub in_poverty: bool,
    pub in_dibao: bool,
    /// The defect planted in one register's copy of this person, if any.
    pub defect: Option<Planted>,
}

impl Person {
    pub(crate) fn elderly(&self) -> bool {
        self.age >= 60
    }

    /// No labour capacity in the sense of extreme-poverty identification.
    pub(crate) fn cannot_work(&self) -> bool {
        use DisabilityCategory::*;
        use DisabilityGrade::*;
        self.age >= 60
            || self.age < 16
            || matches!(
                self.disability,
                Some((Intellectual | Psychiatric, One | Two | Three))
                    | Some((Limb | Multiple, One | Two))
                    | Some((Visual, One))
            )
    }
}

/// Whole years from `birth` to `on`.
pub(crate) fn age_on(birth: NaiveDate, on: NaiveDate) -> u32 {
    let mut years = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    years.max(0).unsigned_abs()
}

/// Who is being drawn: the sex is given, the age range and how likely a non-elderly person is
/// ill or disabled.
#[derive(Clone, Copy)]
pub(crate) struct Spec<'a> {
    pub relation: Relation,
    pub male: bool,
    pub age: (u32, u32),
    /// Probability of illness or disability below 60.
    pub p_ill: f64,
    /// Surname to use (inherited), or `None` to draw one.
    pub surname: Option<&'a str>,
}

/// The household's ethnic background, which shapes names.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Background {
    Han,
    Hui,
    Uyghur,
}

pub(crate) struct PersonFactory<'a> {
    pub names: &'a NameBook,
    pub ids: &'a mut IdIssuer,
    pub as_of: NaiveDate,
    pub next_uid: u64,
}

impl PersonFactory<'_> {
    pub(crate) fn make<R: Rng>(
        &mut self,
        rng: &mut R,
        spec: Spec<'_>,
        background: Background,
        father_given: &str,
    ) -> Result<Person, SynthError> {
        let (lo, hi) = spec.age;
        let age_years = rng.random_range(lo..=hi.max(lo));
        let back = i64::from(age_years) * 365 + i64::from(age_years / 4) + rng.random_range(0..365);
        let birth = self.as_of - Duration::days(back);
        let age = age_on(birth, self.as_of);
        let (name, ethnicity) = match background {
            Background::Uyghur => {
                let given = self.names.uyghur_given(rng, spec.male);
                let father = if father_given.is_empty() {
                    self.names.uyghur_given(rng, true)
                } else {
                    father_given
                };
                (dotted(given, father), "维吾尔族")
            }
            Background::Hui | Background::Han => {
                let surname = match spec.surname {
                    Some(s) => s,
                    None if background == Background::Hui => self.names.hui_surname(rng),
                    None => self.names.surname(rng),
                };
                let eth = if background == Background::Hui {
                    "回族"
                } else {
                    match rng.random_range(0..1000) {
                        0..3 => "满族",
                        3..5 => "蒙古族",
                        _ => "汉族",
                    }
                };
                (self.names.han(rng, surname, birth.year(), spec.male), eth)
            }
        };
        let address = self.ids.address_code(rng, birth.year());
        let id = self.ids.issue(rng, address, birth, spec.male)?;
        let school = school_stage(rng, age);
        let (health, disability) = health(rng, age, spec.p_ill);
        let self_care = self_care(rng, age, health, disability);
        let labour = labour(rng, age, school, health, disability, self_care);
        let uid = self.next_uid;
        self.next_uid += 1;
        Ok(Person {
            uid,
            name,
            male: spec.male,
            birth,
            age,
            id,
            ethnicity,
            relation: spec.relation,
            dibao_relation: spec.relation,
            school,
            health,
            disability,
            self_care,
            labour,
            death: None,
            in_poverty: true,
            in_dibao: true,
            defect: None,
        })
    }
}

pub(crate) fn school_stage<R: Rng>(rng: &mut R, age: u32) -> SchoolStage {
    use SchoolStage::*;
    match age {
        3..=5 if rng.random_bool(0.85) => Preschool,
        6..=11 => Primary,
        12..=14 => JuniorSecondary,
        15..=17 => match rng.random_range(0..20) {
            0..13 => SeniorSecondary,
            13..18 => Vocational,
            _ => NotInSchool,
        },
        18..=21 => match rng.random_range(0..20) {
            0..7 => College,
            7..12 => Undergraduate,
            _ => NotInSchool,
        },
        22..=24 => match rng.random_range(0..20) {
            0..2 => Undergraduate,
            2..3 => Postgraduate,
            _ => NotInSchool,
        },
        _ => NotInSchool,
    }
}

fn disability<R: Rng>(rng: &mut R) -> (DisabilityCategory, DisabilityGrade) {
    use DisabilityCategory::*;
    use DisabilityGrade::*;
    let category = match rng.random_range(0..100) {
        0..40 => Limb,
        40..52 => Visual,
        52..62 => Hearing,
        62..64 => Speech,
        64..76 => Intellectual,
        76..90 => Psychiatric,
        _ => Multiple,
    };
    let grade = match rng.random_range(0..100) {
        0..15 => One,
        15..40 => Two,
        40..70 => Three,
        _ => Four,
    };
    (category, grade)
}

/// Health below 60 is ill/disabled with probability `p_ill`; the elderly mostly carry a
/// chronic illness.
pub(crate) fn health<R: Rng>(
    rng: &mut R,
    age: u32,
    p_ill: f64,
) -> (Health, Option<(DisabilityCategory, DisabilityGrade)>) {
    let roll = rng.random_range(0..100);
    let (disabled, serious, chronic) = if age >= 60 {
        (14, 22, 67)
    } else if age < 18 {
        let p = (p_ill * 100.0).round() as i32;
        (p * 6 / 10, p * 7 / 10, p)
    } else if rng.random_bool(p_ill.clamp(0.0, 1.0)) {
        (50, 65, 100)
    } else {
        (0, 0, 0)
    };
    match roll {
        r if r < disabled => (Health::Disabled, Some(disability(rng))),
        r if r < serious => (Health::Serious, None),
        r if r < chronic => (Health::Chronic, None),
        _ => (Health::Healthy, None),
    }
}

pub(crate) fn self_care<R: Rng>(
    rng: &mut R,
    age: u32,
    health: Health,
    disability: Option<(DisabilityCategory, DisabilityGrade)>,
) -> Option<SelfCare> {
    use DisabilityGrade::*;
    if age < 6 {
        return None; // not assessed for small children
    }
    // Percent fully lost, percent partially lost.
    let (full, partial) = match (disability.map(|d| d.1), health) {
        (Some(One), _) => (60, 35),
        (Some(Two), _) => (15, 50),
        (Some(Three), _) => (3, 20),
        (Some(Four), _) => (0, 5),
        (None, Health::Serious) => (10, 35),
        _ => (0, 0),
    };
    let (full, partial) = match age {
        85.. => (full.max(10), partial.max(40)),
        75..85 => (full.max(3), partial.max(15)),
        _ => (full, partial),
    };
    let roll = rng.random_range(0..100);
    Some(if roll < full {
        SelfCare::FullyLost
    } else if roll < full + partial {
        SelfCare::PartiallyLost
    } else {
        SelfCare::SelfReliant
    })
}

pub(crate) fn labour<R: Rng>(
    rng: &mut R,
    age: u32,
    school: SchoolStage,
    health: Health,
    disability: Option<(DisabilityCategory, DisabilityGrade)>,
    self_care: Option<SelfCare>,
) -> LabourSkill {
    use DisabilityGrade::*;
    use LabourSkill::*;
    let severe = matches!(disability.map(|d| d.1), Some(One | Two))
        || health == Health::Serious
        || self_care == Some(SelfCare::FullyLost);
    if age < 16 || school != SchoolStage::NotInSchool {
        return None;
    }
    if severe {
        return Lost;
    }
    match age {
        70.. => None,
        60..70 => match (health, rng.random_range(0..10)) {
            (Health::Healthy, 0..7) => Weak,
            (Health::Healthy, _) => None,
            (_, 0..4) => Weak,
            (_, 4..6) => Lost,
            _ => None,
        },
        _ if health != Health::Healthy => {
            if rng.random_bool(0.92) {
                Weak
            } else {
                Ordinary
            }
        }
        // Healthy working age: some are "hidden labour" tied to caring for someone at home.
        _ => match rng.random_range(0..100) {
            0..53 => Ordinary,
            53..64 => Skilled,
            _ => Weak,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn ages_and_school_stages_agree() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        assert_eq!(age_on(d(1950, 6, 1), d(2024, 5, 31)), 73);
        assert_eq!(age_on(d(1950, 6, 1), d(2024, 6, 1)), 74);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2);
        for age in 0..100 {
            let s = school_stage(&mut rng, age);
            match s {
                SchoolStage::Primary => assert!((6..=11).contains(&age)),
                SchoolStage::NotInSchool => {}
                _ => assert!((3..=24).contains(&age)),
            }
        }
    }
}
