//! Households (户): realistic family compositions (lone elderly, elderly couples, parents
//! caring for a disabled adult child, three generations, left-behind grandchildren …), which
//! registers hold them, and each side's identity, income and benefit.

use crate::SynthError;
use crate::defects::{self, DefectRates};
use crate::ids;
use crate::names::Weighted;
use crate::people::{Background, Person, PersonFactory, Spec};
use crate::villages::District;
use chrono::{Duration, NaiveDate};
use gongrong_domain::Money;
use gongrong_domain::codes::{
    HouseholdAttribute, IdentityKind, PovertyCause, Relation, SchoolStage,
};
use rand::Rng;

/// Which registers hold a household.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Category {
    Both,
    PovertyOnly,
    DibaoOnly,
}

#[derive(Clone, Copy)]
enum Kind {
    LoneElder,
    ElderCouple,
    ElderWithDependentChild,
    MiddleFamily,
    ThreeGenerations,
    LoneDisabledAdult,
    GrandparentsGrandchildren,
    SingleParent,
}

/// 脱贫年度: a year for formerly-poor households, an identification date for monitored ones.
pub(crate) enum Since {
    Year(i32),
    Date(NaiveDate),
}

pub(crate) struct PovertySide {
    pub key: String,
    pub identity: IdentityKind,
    pub since: Since,
    pub attribute: HouseholdAttribute,
    pub cause: PovertyCause,
    pub annual_income_pc: Money,
}

pub(crate) struct DibaoSide {
    pub key: String,
    pub identity: IdentityKind,
    pub since: NaiveDate,
    pub monthly_income_pc: Money,
    pub benefit: Money,
    pub bank: String,
    pub phone: String,
}

pub(crate) struct Household {
    pub uid: u64,
    pub village: usize,
    pub members: Vec<Person>,
    /// Member indexes in dibao-register order (the head first).
    pub dibao_order: Vec<usize>,
    pub poverty: Option<PovertySide>,
    pub dibao: Option<DibaoSide>,
    pub phone: String,
}

/// Household-level overlap: 82 % of poverty-register households are also dibao households,
/// and dibao-only households number about a tenth of the poverty households.
const P_BOTH: f64 = 0.82 / 1.10;
const P_POVERTY_ONLY: f64 = 0.18 / 1.10;

pub(crate) struct HouseholdGen<'a> {
    pub people: PersonFactory<'a>,
    pub rates: DefectRates,
    pub gbk: bool,
    pub dibao_standard: Money,
    pub next_uid: u64,
    pub(crate) poverty_keys: Vec<u32>,
    pub(crate) dibao_keys: Vec<u32>,
    kinds_poverty: Weighted<Kind>,
    kinds_dibao: Weighted<Kind>,
}

impl<'a> HouseholdGen<'a> {
    pub(crate) fn new(
        people: PersonFactory<'a>,
        district: &District,
        rates: DefectRates,
        gbk: bool,
        dibao_standard: Money,
    ) -> Self {
        use Kind::*;
        Self {
            people,
            rates,
            gbk,
            dibao_standard,
            next_uid: 1,
            poverty_keys: vec![0; district.villages.len()],
            dibao_keys: vec![0; district.towns.len()],
            kinds_poverty: Weighted::new([
                (LoneElder, 36),
                (ElderCouple, 24),
                (ElderWithDependentChild, 9),
                (MiddleFamily, 11),
                (ThreeGenerations, 6),
                (LoneDisabledAdult, 8),
                (GrandparentsGrandchildren, 4),
                (SingleParent, 2),
            ]),
            kinds_dibao: Weighted::new([
                (LoneElder, 25),
                (ElderCouple, 15),
                (ElderWithDependentChild, 10),
                (MiddleFamily, 18),
                (ThreeGenerations, 5),
                (LoneDisabledAdult, 15),
                (GrandparentsGrandchildren, 4),
                (SingleParent, 8),
            ]),
        }
    }

    /// A household of at most `max_size` people in `village`.
    pub(crate) fn generate<R: Rng>(
        &mut self,
        rng: &mut R,
        district: &District,
        village_index: usize,
        max_size: usize,
    ) -> Result<Household, SynthError> {
        let village = &district.villages[village_index];
        let u: f64 = rng.random();
        let category = if u < P_BOTH {
            Category::Both
        } else if u < P_BOTH + P_POVERTY_ONLY {
            Category::PovertyOnly
        } else {
            Category::DibaoOnly
        };
        let kind = if category == Category::DibaoOnly {
            self.kinds_dibao.sample(rng)
        } else {
            self.kinds_poverty.sample(rng)
        };
        let mut members = self.compose(rng, kind)?;
        members.truncate(max_size.max(1));
        let mut dibao_order: Vec<usize> = (0..members.len()).collect();
        match category {
            Category::Both => adjust_membership(rng, &mut members, &mut dibao_order),
            Category::PovertyOnly => members.iter_mut().for_each(|p| p.in_dibao = false),
            Category::DibaoOnly => members.iter_mut().for_each(|p| p.in_poverty = false),
        }
        let as_of = self.people.as_of;
        for p in members.iter_mut() {
            defects::plan(rng, &self.rates, p, as_of, self.gbk);
            if p.death.is_none() && rng.random_bool(0.004) {
                p.death = Some(as_of - Duration::days(rng.random_range(10..700)));
            }
        }
        let elderly_head = members.first().is_some_and(Person::elderly);
        let mut phone = String::new();
        if rng.random_bool(0.9) {
            ids::phone(rng, elderly_head, &mut phone);
        }
        let dibao = match category {
            Category::PovertyOnly => None,
            _ => Some(self.dibao_side(rng, village, &members, &dibao_order, &phone)),
        };
        let poverty = match category {
            Category::DibaoOnly => None,
            _ => Some(self.poverty_side(rng, village_index, village, &members, dibao.as_ref())),
        };
        let uid = self.next_uid;
        self.next_uid += 1;
        Ok(Household {
            uid,
            village: village_index,
            members,
            dibao_order,
            poverty,
            dibao,
            phone,
        })
    }

    fn compose<R: Rng>(&mut self, rng: &mut R, kind: Kind) -> Result<Vec<Person>, SynthError> {
        use Relation::*;
        let background = match rng.random_range(0..1000) {
            0..7 => Background::Hui,
            7..10 => Background::Uyghur,
            _ => Background::Han,
        };
        let names = self.people.names;
        let surname = if background == Background::Hui {
            names.hui_surname(rng)
        } else {
            names.surname(rng)
        };
        let mut out = Vec::with_capacity(6);
        let spec = |relation, male, age: (u32, u32), p_ill, surname| Spec {
            relation,
            male,
            age,
            p_ill,
            surname,
        };
        let around = |age: u32, below: u32, above: u32| (age.saturating_sub(below), age + above);
        let younger = |age: u32, lo: u32, hi: u32| (age.saturating_sub(hi), age.saturating_sub(lo));
        let elder_age = |rng: &mut R| {
            if rng.random_bool(0.7) {
                (68, 88)
            } else {
                (60, 95)
            }
        };
        // The head.
        let (head_male, head_age, head_ill) = match kind {
            Kind::LoneElder => (rng.random_bool(0.4), elder_age(rng), 0.0),
            Kind::ElderCouple => (true, (62, 92), 0.0),
            Kind::ElderWithDependentChild => (rng.random_bool(0.65), (60, 88), 0.0),
            Kind::MiddleFamily => (true, (38, 58), 0.65),
            Kind::ThreeGenerations => (true, (62, 85), 0.0),
            Kind::LoneDisabledAdult => (rng.random_bool(0.6), (25, 59), 1.0),
            Kind::GrandparentsGrandchildren => (rng.random_bool(0.6), (58, 80), 0.5),
            Kind::SingleParent => (rng.random_bool(0.3), (33, 55), 0.45),
        };
        let head = self.make(
            rng,
            spec(Head, head_male, head_age, head_ill, Some(surname)),
            background,
            "",
        )?;
        let h_age = head.age;
        let mut father_given = given_part(&head.name).to_owned();
        out.push(head);
        let with_spouse = match kind {
            Kind::ElderCouple | Kind::MiddleFamily => true,
            Kind::ElderWithDependentChild => rng.random_bool(0.55),
            Kind::ThreeGenerations => rng.random_bool(0.75),
            Kind::GrandparentsGrandchildren => rng.random_bool(0.6),
            _ => false,
        };
        let spouse_bg = if background == Background::Hui && rng.random_bool(0.3) {
            Background::Han
        } else {
            background
        };
        let spouse_surname = if spouse_bg == Background::Hui {
            names.hui_surname(rng)
        } else {
            names.surname(rng)
        };
        // Children carry the father's surname: the head's, the husband's, or (a mother
        // heading alone) most often an absent father's.
        let child_surname = if head_male {
            surname
        } else if with_spouse {
            spouse_surname
        } else if rng.random_bool(0.3) {
            surname
        } else if background == Background::Hui {
            names.hui_surname(rng)
        } else {
            names.surname(rng)
        };
        if with_spouse {
            let (range, p_ill) = match kind {
                Kind::MiddleFamily => (around(h_age, 4, 3), 0.35),
                _ => (younger(h_age, 0, 6), 0.3),
            };
            let s = spec(Spouse, !head_male, range, p_ill, Some(spouse_surname));
            let spouse = self.make(rng, s, spouse_bg, "")?;
            if !head_male {
                father_given = given_part(&spouse.name).to_owned();
            }
            out.push(spouse);
        }
        let child = |this: &mut Self, rng: &mut R, age: (u32, u32), p_ill: f64, grand: bool| {
            let male = rng.random_bool(0.52);
            let relation = match (grand, male) {
                (false, true) => Son,
                (false, false) => Daughter,
                (true, true) => Grandson,
                (true, false) => Granddaughter,
            };
            let s = spec(relation, male, age, p_ill, Some(child_surname));
            this.make(rng, s, background, &father_given)
        };
        match kind {
            Kind::ElderWithDependentChild => {
                let age = younger(h_age, 22, 35);
                let age = (age.0.max(18), age.1.max(18));
                out.push(child(self, rng, age, 0.9, false)?);
            }
            Kind::MiddleFamily | Kind::SingleParent => {
                let n = if rng.random_bool(0.55) { 1 } else { 2 };
                for _ in 0..n {
                    let (lo, hi) = younger(h_age, 22, 34);
                    let age = (lo.min(20), hi.clamp(3, 22));
                    out.push(child(self, rng, age, 0.06, false)?);
                }
            }
            Kind::ThreeGenerations => {
                let (lo, hi) = younger(h_age, 24, 32);
                let son = self.make(
                    rng,
                    spec(Son, true, (lo.max(30), hi.max(30)), 0.5, Some(surname)),
                    background,
                    &father_given,
                )?;
                let son_age = son.age;
                let son_given = given_part(&son.name).to_owned();
                out.push(son);
                if rng.random_bool(0.85) {
                    let s = spec(DaughterInLaw, false, around(son_age, 4, 3), 0.3, None);
                    out.push(self.make(rng, s, background, "")?);
                }
                let n = match rng.random_range(0..100) {
                    0..15 => 0,
                    15..65 => 1,
                    _ => 2,
                };
                for _ in 0..n {
                    let (lo, hi) = younger(son_age, 23, 32);
                    let male = rng.random_bool(0.52);
                    let relation = if male { Grandson } else { Granddaughter };
                    let s = spec(relation, male, (lo, hi.min(22)), 0.06, Some(surname));
                    out.push(self.make(rng, s, background, &son_given)?);
                }
            }
            Kind::GrandparentsGrandchildren => {
                let n = if rng.random_bool(0.6) { 1 } else { 2 };
                for _ in 0..n {
                    let hi = h_age.saturating_sub(40).clamp(4, 17);
                    out.push(child(self, rng, (4.min(hi), hi), 0.08, true)?);
                }
            }
            _ => {}
        }
        Ok(out)
    }

    fn make<R: Rng>(
        &mut self,
        rng: &mut R,
        spec: Spec<'_>,
        background: Background,
        father_given: &str,
    ) -> Result<Person, SynthError> {
        self.people.make(rng, spec, background, father_given)
    }
}

fn given_part(name: &str) -> &str {
    name.split('·').next().unwrap_or(name)
}

/// Composition differences between the two registers for a household in both: the dibao
/// register sometimes omits an adult child registered elsewhere, the poverty register a
/// newly married-in or newborn member, and sometimes the son heads the dibao household.
fn adjust_membership<R: Rng>(rng: &mut R, members: &mut [Person], dibao_order: &mut Vec<usize>) {
    if members.len() < 2 {
        return;
    }
    if rng.random_bool(0.07) {
        let away = members.iter().position(|p| {
            matches!(p.relation, Relation::Son | Relation::Daughter)
                && p.age >= 18
                && p.school == SchoolStage::NotInSchool
        });
        if let Some(i) = away {
            members[i].in_dibao = false;
            dibao_order.retain(|&j| j != i);
        }
    }
    if rng.random_bool(0.02) {
        let new = members.iter().position(|p| {
            p.relation == Relation::DaughterInLaw
                || (matches!(p.relation, Relation::Grandson | Relation::Granddaughter) && p.age < 3)
        });
        if let Some(i) = new {
            members[i].in_poverty = false;
        }
    }
    let son = members
        .iter()
        .position(|p| p.relation == Relation::Son && p.in_dibao && p.age >= 30);
    let three_generations = members.iter().any(|p| {
        matches!(
            p.relation,
            Relation::DaughterInLaw | Relation::Grandson | Relation::Granddaughter
        )
    });
    if let (Some(s), true) = (son, three_generations)
        && rng.random_bool(0.25)
    {
        for p in members.iter_mut() {
            p.dibao_relation = rehead(p.relation, p.male);
        }
        dibao_order.retain(|&j| j != s);
        dibao_order.insert(0, s);
    }
}

/// The relation to the son once the son heads the household.
fn rehead(relation: Relation, male: bool) -> Relation {
    use Relation::*;
    match relation {
        Head if male => Father,
        Head => Mother,
        Spouse if male => Father,
        Spouse => Mother,
        Son => Head,
        DaughterInLaw => Spouse,
        Grandson => Son,
        Granddaughter => Daughter,
        Daughter => Sibling,
        _ => Other,
    }
}
