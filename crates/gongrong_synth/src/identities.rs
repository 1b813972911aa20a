//! Each register's view of a household: the identity it states (脱贫户 and the monitored
//! kinds on the poverty side; 低保, 特困, 低保边缘 on the dibao side), since when, the
//! incomes and the monthly benefit, the household numbers and the main cause of poverty.

use crate::households::{DibaoSide, HouseholdGen, PovertySide, Since};
use crate::ids;
use crate::people::Person;
use crate::villages::Village;
use chrono::{Datelike, Duration, NaiveDate};
use gongrong_domain::Money;
use gongrong_domain::codes::{
    DisabilityGrade, Health, HouseholdAttribute, IdentityKind, PovertyCause, SchoolStage, SelfCare,
};
use rand::Rng;

impl HouseholdGen<'_> {
    pub(crate) fn dibao_side<R: Rng>(
        &mut self,
        rng: &mut R,
        village: &Village,
        members: &[Person],
        order: &[usize],
        phone: &str,
    ) -> DibaoSide {
        let as_of = self.people.as_of;
        let s = self.dibao_standard.fen();
        let listed: Vec<&Person> = order.iter().map(|&i| &members[i]).collect();
        let n = listed.len().max(1) as i64;
        let lone_unable = listed.len() == 1 && listed.iter().all(|p| p.cannot_work());
        let identity = if lone_unable && rng.random_bool(0.55) {
            IdentityKind::ExtremePoverty
        } else if rng.random_bool(0.07) {
            IdentityKind::NearDibao
        } else {
            IdentityKind::Dibao
        };
        let yuan = |fen: i64| Money::from_yuan(fen / 100);
        let (income_pc, benefit) = match identity {
            IdentityKind::ExtremePoverty => {
                let income = yuan(rng.random_range(0..=s * 4 / 10));
                let care = match listed.first().and_then(|p| p.self_care) {
                    Some(SelfCare::FullyLost) => s * 6 / 10,
                    Some(SelfCare::PartiallyLost) => s * 3 / 10,
                    _ => s / 10,
                };
                (income, yuan(s * 13 / 10 + care))
            }
            IdentityKind::NearDibao => (yuan(rng.random_range(s..s * 145 / 100)), Money::ZERO),
            _ => {
                let income = yuan(rng.random_range(s / 20..s * 85 / 100));
                // Categorical supplements (分类施保) for the old, minors, the severely
                // disabled and the seriously ill.
                let supplemented = listed
                    .iter()
                    .filter(|p| {
                        p.age >= 70
                            || p.age < 18
                            || p.health == Health::Serious
                            || matches!(
                                p.disability,
                                Some((_, DisabilityGrade::One | DisabilityGrade::Two))
                            )
                    })
                    .count() as i64;
                let gap = (s - income.fen()).max(0) * n;
                (income, yuan(gap + supplemented * s / 10))
            }
        };
        let earliest = NaiveDate::from_ymd_opt(2010, 1, 1)
            .unwrap_or(as_of)
            .min(as_of - Duration::days(400));
        let span = (as_of - earliest).num_days().max(90);
        let day = earliest + Duration::days(rng.random_range(0..span - 60));
        let since = day.with_day(1).unwrap_or(day);
        let mut bank = String::new();
        if rng.random_bool(0.96) {
            ids::bank_account(rng, &mut bank);
        }
        let mut dibao_phone = phone.to_owned();
        if rng.random_bool(0.1) {
            let elderly = listed.first().is_some_and(|p| p.elderly());
            ids::phone(rng, elderly, &mut dibao_phone);
        } else if rng.random_bool(0.05) {
            dibao_phone.clear();
        }
        let counter = &mut self.dibao_keys[village.town];
        *counter += 1;
        let prefix = &village.code[..9];
        DibaoSide {
            key: format!("{prefix}{:06}", *counter),
            identity,
            since,
            monthly_income_pc: income_pc,
            benefit,
            bank,
            phone: dibao_phone,
        }
    }

    pub(crate) fn poverty_side<R: Rng>(
        &mut self,
        rng: &mut R,
        village_index: usize,
        village: &Village,
        members: &[Person],
        dibao: Option<&DibaoSide>,
    ) -> PovertySide {
        let as_of = self.people.as_of;
        let year = as_of.year();
        let identity = match rng.random_range(0..100) {
            0..88 => IdentityKind::FormerlyPoor,
            88..93 => IdentityKind::UnstableFormerlyPoor,
            93..98 => IdentityKind::MarginalAtRisk,
            _ => IdentityKind::SuddenHardship,
        };
        let since = match identity {
            IdentityKind::FormerlyPoor | IdentityKind::UnstableFormerlyPoor => {
                let y = match rng.random_range(0..100) {
                    0..5 => 2015,
                    5..30 => 2016,
                    30..60 => 2017,
                    60..80 => 2018,
                    80..95 => 2019,
                    _ => 2020,
                };
                Since::Year(y.min(year))
            }
            _ => {
                let start = NaiveDate::from_ymd_opt(2020, 6, 1)
                    .unwrap_or(as_of)
                    .min(as_of - Duration::days(30));
                let span = (as_of - start).num_days().max(1);
                Since::Date(start + Duration::days(rng.random_range(0..span)))
            }
        };
        let attribute = match dibao.map(|d| d.identity) {
            Some(IdentityKind::Dibao) => HouseholdAttribute::Dibao,
            Some(IdentityKind::ExtremePoverty) => HouseholdAttribute::ExtremePoverty,
            _ => HouseholdAttribute::General,
        };
        let listed: Vec<&Person> = members.iter().filter(|p| p.in_poverty).collect();
        let n = listed.len().max(1) as i64;
        let s = self.dibao_standard.fen();
        // Basic pension of about a fifth of the dibao standard per elderly person.
        let pensions = listed.iter().filter(|p| p.elderly()).count() as i64 * s / 5 * 12 / n;
        let annual = match dibao {
            Some(d) if d.identity != IdentityKind::NearDibao => {
                let dibao_n = (d.benefit.fen() / n).max(0);
                (d.monthly_income_pc.fen() + dibao_n) * 12 + pensions
            }
            Some(d) => d.monthly_income_pc.fen() * 12 + pensions,
            None if identity == IdentityKind::FormerlyPoor => {
                s * 12 * rng.random_range(110..220) / 100 + pensions
            }
            None => s * 12 * rng.random_range(80..140) / 100 + pensions,
        } + rng.random_range(0..s * 2);
        let counter = &mut self.poverty_keys[village_index];
        *counter += 1;
        PovertySide {
            key: format!("{}{:04}", village.code, *counter),
            identity,
            since,
            attribute,
            cause: cause(rng, &listed),
            annual_income_pc: Money::from_fen(annual),
        }
    }
}

/// 主要致贫原因: the head's condition first, then the family's.
fn cause<R: Rng>(rng: &mut R, listed: &[&Person]) -> PovertyCause {
    use PovertyCause::*;
    let by_health = |p: &Person| match p.health {
        Health::Disabled => Some(Disability),
        Health::Serious | Health::Chronic => Some(Illness),
        Health::Healthy => None,
    };
    if let Some(c) = listed.first().and_then(|p| by_health(p)) {
        return c;
    }
    if let Some(c) = listed.iter().find_map(|p| by_health(p))
        && rng.random_bool(0.8)
    {
        return c;
    }
    let students = listed
        .iter()
        .any(|p| p.age >= 15 && p.school != SchoolStage::NotInSchool);
    if students && rng.random_bool(0.5) {
        return Schooling;
    }
    match rng.random_range(0..100) {
        0..40 => LackOfLabour,
        40..60 => LackOfSkills,
        60..75 => LackOfCapital,
        75..85 => LackOfMotivation,
        85..90 => Disaster,
        90..95 => LackOfLand,
        _ => PoorTransport,
    }
}
