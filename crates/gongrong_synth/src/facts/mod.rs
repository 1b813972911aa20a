//! Input facts for a whole population, in the policy catalogue's input schema, for the columnar
//! evaluator, the differential tests and the benchmarks (10,000,000 persons in seconds).
//!
//! The households follow the synthetic district of this crate: the same family compositions
//! (lone elderly, elderly couples, parents with a disabled adult child, three generations …),
//! the same age, health, disability, self-care, labour and school-stage draws
//! ([`crate::people`]), Linzi's towns and villages; incomes are drawn around the dibao standard
//! as the registers' are (dibao-like, near-dibao, extreme-poverty-like, formerly poor above
//! the line, and some households above every line), last year's and this year's.
//! No names or ID numbers: only what the rules read.
//!
//! Deterministic by seed: the population is generated in fixed chunks of persons, each from
//! its own seeded generator, in parallel; the same seed and size give the same columns on any
//! number of threads.

mod assemble;
mod columns;

pub use columns::{Column, ColumnData, Population, SchemaError, Table};

use crate::people::{health, labour, school_stage, self_care};
use crate::villages;
use chrono::{Datelike, NaiveDate};
use columns::Schema;
use gongrong_domain::codes::{DisabilityCategory, Health, LabourSkill, SchoolStage, SelfCare};
use gongrong_domain::{Money, RegionTable};
use gongrong_policy::{Catalogue, Period};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

/// Persons per generation chunk (fixed, so that results do not depend on the thread count).
const CHUNK: u64 = 1 << 16;

#[derive(Clone, Debug, PartialEq)]
pub struct FactsConfig {
    pub seed: u64,
    pub persons: u64,
    /// The evaluation month: monthly facts are for it, yearly facts for its year and the year
    /// before.
    pub period: Period,
    /// The monthly dibao standard incomes are drawn around (illustrative).
    pub dibao_standard: Money,
}

impl Default for FactsConfig {
    fn default() -> Self {
        FactsConfig {
            seed: 370_305,
            persons: 10_000,
            period: Period::Month {
                year: 2024,
                month: 6,
            },
            dibao_standard: Money::from_yuan(800),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FactsError {
    #[error("invalid facts configuration: {0}")]
    Config(String),
    #[error(transparent)]
    Schema(#[from] SchemaError),
    #[error("the national region table has no towns for Linzi")]
    District,
}

/// One person as drawn (domain codes; mapped to the catalogue's enums at the end).
#[derive(Clone, Copy, Default)]
pub(super) struct P {
    pub(super) birth: i32,
    pub(super) age: u32,
    pub(super) dis: Option<(DisabilityCategory, u8)>,
    pub(super) health: u8,
    pub(super) lost: u8,
    pub(super) labour: u8,
    pub(super) school: u8,
    pub(super) college_entrant: bool,
    pub(super) has_able_supporter: bool,
    pub(super) has_carer: bool,
    /// [last year, this year]
    pub(super) wage: [i64; 2],
    pub(super) employment_costs: [i64; 2],
    pub(super) business: [i64; 2],
    pub(super) transfer: [i64; 2],
    pub(super) illness: [i64; 2],
    pub(super) pension: i64,
    pub(super) oop: i64,
    pub(super) wants_job: bool,
    pub(super) training: bool,
    pub(super) newly_employed: bool,
    pub(super) children_support: i64,
}

#[derive(Clone, Copy, Default)]
pub(super) struct H {
    pub(super) village: u64,
    pub(super) assets: i64,
    pub(super) extra_houses: i32,
    pub(super) vehicle: bool,
    pub(super) housing: u8,
    pub(super) age_retro: bool,
    pub(super) access_retro: bool,
    pub(super) formerly_poor: bool,
    pub(super) emergency: i64,
    pub(super) rigid: i64,
    pub(super) sudden: i64,
}

#[derive(Default)]
pub(super) struct Chunk {
    pub(super) households: Vec<H>,
    pub(super) sizes: Vec<u32>,
    pub(super) persons: Vec<P>,
}

struct Ctx {
    villages: Vec<u64>,
    cumulative: Vec<f64>,
    as_of: NaiveDate,
    standard: i64,
}

fn days(d: NaiveDate) -> i32 {
    gongrong_policy::types::days_since_epoch(d) as i32
}

fn school_index(s: SchoolStage) -> u8 {
    SchoolStage::ALL.iter().position(|x| *x == s).unwrap_or(0) as u8
}

fn labour_index(l: LabourSkill) -> u8 {
    LabourSkill::ALL.iter().position(|x| *x == l).unwrap_or(0) as u8
}

fn person<R: Rng>(rng: &mut R, ctx: &Ctx, age: (u32, u32), p_ill: f64) -> P {
    let (lo, hi) = age;
    let years = rng.random_range(lo..=hi.max(lo));
    let back = i64::from(years) * 365 + i64::from(years / 4) + rng.random_range(0..365);
    let birth = ctx.as_of - chrono::Duration::days(back);
    let age = crate::people::age_on(birth, ctx.as_of);
    let school = school_stage(rng, age);
    let (h, dis) = health(rng, age, p_ill);
    let sc = self_care(rng, age, h, dis);
    let lab = labour(rng, age, school, h, dis, sc);
    let lost = match sc {
        Some(SelfCare::FullyLost) => rng.random_range(4..=6),
        Some(SelfCare::PartiallyLost) => rng.random_range(1..=3),
        _ => 0,
    };
    let health = match h {
        Health::Healthy | Health::Disabled => 0,
        Health::Chronic => 1,
        Health::Serious => 2,
    };
    let oop = match health {
        2 => rng.random_range(3_000..60_000) * 100,
        1 => rng.random_range(0..6_000) * 100,
        _ if rng.random_bool(0.1) => rng.random_range(0..2_000) * 100,
        _ => 0,
    };
    let working = (16..60).contains(&age) && school == SchoolStage::NotInSchool;
    P {
        birth: days(birth),
        age,
        dis: dis.map(|(c, g)| (c, g.number())),
        health,
        lost,
        labour: labour_index(lab),
        school: school_index(school),
        college_entrant: matches!(school, SchoolStage::College | SchoolStage::Undergraduate)
            && age <= 19
            && rng.random_bool(0.5),
        has_able_supporter: true,
        has_carer: true,
        illness: if health == 2 {
            let c = rng.random_range(0..8_000) * 100;
            [c, c]
        } else {
            [0, 0]
        },
        pension: if age >= 60 { 1_800 * 100 } else { 0 },
        oop,
        wants_job: lab == LabourSkill::Weak && (16..=65).contains(&age) && rng.random_bool(0.4),
        training: working && rng.random_bool(0.05),
        newly_employed: working && rng.random_bool(0.03),
        children_support: if age >= 60 && rng.random_bool(0.3) {
            rng.random_range(600..6_000) * 100
        } else {
            0
        },
        ..P::default()
    }
}

/// A household's members (the synthetic district's compositions and weights).
fn members<R: Rng>(rng: &mut R, ctx: &Ctx, out: &mut Vec<P>) {
    out.clear();
    let elder = |rng: &mut R| {
        if rng.random_bool(0.7) {
            (68, 88)
        } else {
            (60, 95)
        }
    };
    match rng.random_range(0..100) {
        0..36 => {
            let a = elder(rng);
            out.push(person(rng, ctx, a, 0.0));
        }
        36..60 => {
            out.push(person(rng, ctx, (62, 92), 0.0));
            out.push(person(rng, ctx, (60, 90), 0.3));
        }
        60..69 => {
            out.push(person(rng, ctx, (60, 88), 0.0));
            if rng.random_bool(0.55) {
                out.push(person(rng, ctx, (58, 86), 0.3));
            }
            out.push(person(rng, ctx, (18, 50), 0.9));
        }
        69..80 => {
            out.push(person(rng, ctx, (38, 58), 0.65));
            out.push(person(rng, ctx, (36, 58), 0.35));
            for _ in 0..rng.random_range(1..=2) {
                out.push(person(rng, ctx, (3, 22), 0.06));
            }
        }
        80..86 => {
            out.push(person(rng, ctx, (62, 85), 0.0));
            if rng.random_bool(0.75) {
                out.push(person(rng, ctx, (60, 82), 0.3));
            }
            out.push(person(rng, ctx, (30, 55), 0.5));
            if rng.random_bool(0.85) {
                out.push(person(rng, ctx, (28, 55), 0.3));
            }
            for _ in 0..rng.random_range(0..=2) {
                out.push(person(rng, ctx, (0, 22), 0.06));
            }
        }
        86..94 => out.push(person(rng, ctx, (25, 59), 1.0)),
        94..98 => {
            out.push(person(rng, ctx, (58, 80), 0.5));
            if rng.random_bool(0.6) {
                out.push(person(rng, ctx, (56, 78), 0.3));
            }
            for _ in 0..rng.random_range(1..=2) {
                out.push(person(rng, ctx, (4, 17), 0.08));
            }
        }
        _ => {
            out.push(person(rng, ctx, (33, 55), 0.45));
            for _ in 0..rng.random_range(1..=2) {
                out.push(person(rng, ctx, (3, 20), 0.06));
            }
        }
    }
}

fn cannot_work(p: &P) -> bool {
    use DisabilityCategory::*;
    p.age >= 60
        || p.age < 16
        || matches!(
            p.dis,
            Some((Intellectual | Psychiatric, 1..=3))
                | Some((Limb | Multiple, 1..=2))
                | Some((Visual, 1))
        )
}

/// Incomes, assets and household facts.
fn household<R: Rng>(rng: &mut R, ctx: &Ctx, ps: &mut [P]) -> H {
    let s = ctx.standard;
    let n = ps.len() as i64;
    let lone_unable = ps.len() == 1 && cannot_work(&ps[0]);
    // monthly per-capita income last year, in fen: extreme-poverty-like (lone, unable to work,
    // no supporter), dibao-like, near-dibao, formerly poor above the line, above every line
    let extreme_like = lone_unable && rng.random_bool(0.55);
    let u: f64 = rng.random();
    let pc = if extreme_like {
        for p in ps.iter_mut() {
            p.has_able_supporter = false;
        }
        rng.random_range(0..=s * 4 / 10)
    } else if u < 0.65 {
        rng.random_range(s / 20..s * 85 / 100)
    } else if u < 0.73 {
        rng.random_range(s..s * 145 / 100)
    } else if u < 0.93 {
        rng.random_range(s * 15 / 10..s * 3)
    } else {
        rng.random_range(s * 2..s * 5)
    };
    let annual = pc * 12 * n;
    let earners: Vec<usize> = (0..ps.len())
        .filter(|&i| {
            let p = &ps[i];
            (16..60).contains(&p.age) && p.labour <= 2 && p.school == 0
        })
        .collect();
    let business = if rng.random_bool(0.1) { annual / 5 } else { 0 };
    let rest = annual - business;
    let change = |rng: &mut R, v: i64| -> i64 {
        (v as f64 * rng.random_range(0.65..1.25)) as i64 / 100 * 100
    };
    if earners.is_empty() {
        let each = rest / n;
        for p in ps.iter_mut() {
            p.transfer = [each / 100 * 100, change(rng, each)];
        }
    } else {
        let each = rest / earners.len() as i64;
        for &i in &earners {
            let wage = each / 100 * 100;
            let costs = if rng.random_bool(0.5) {
                wage / 20 / 100 * 100
            } else {
                0
            };
            ps[i].wage = [wage + costs, change(rng, wage) + costs];
            ps[i].employment_costs = [costs, costs];
        }
    }
    if let Some(p) = ps.first_mut() {
        p.business = [business / 100 * 100, change(rng, business)];
    }
    for p in ps.iter_mut() {
        if p.lost > 0 && n == 1 && rng.random_bool(0.5) {
            p.has_carer = false;
        }
    }
    let x: f64 = rng.random();
    let vi = ctx
        .cumulative
        .partition_point(|c| *c < x * ctx.cumulative.last().copied().unwrap_or(1.0));
    H {
        village: ctx.villages[vi.min(ctx.villages.len() - 1)],
        assets: if rng.random_bool(0.03) {
            rng.random_range(30_000..200_000) * 100 * n
        } else {
            rng.random_range(0..20_000) * 100 * n.min(2)
        },
        extra_houses: i32::from(rng.random_bool(0.01)),
        vehicle: rng.random_bool(0.02),
        housing: match rng.random_range(0..100) {
            0 => 2,
            1..4 => 1,
            _ => 0,
        },
        age_retro: rng.random_bool(0.2),
        access_retro: rng.random_bool(0.2),
        formerly_poor: rng.random_bool(0.9),
        emergency: if rng.random_bool(0.005) {
            rng.random_range(1_000..20_000) * 100
        } else {
            0
        },
        rigid: if rng.random_bool(0.01) {
            rng.random_range(500..5_000) * 100
        } else {
            0
        },
        sudden: if rng.random_bool(0.02) {
            rng.random_range(5_000..50_000) * 100
        } else {
            0
        },
    }
}

fn chunk(seed: u64, index: u64, persons: u64, ctx: &Ctx) -> Chunk {
    // SplitMix64 of the chunk index: independent streams per chunk.
    let mut z = index.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ z ^ (z >> 31));
    let mut out = Chunk::default();
    let mut buf = Vec::with_capacity(8);
    let mut left = persons;
    while left > 0 {
        members(&mut rng, ctx, &mut buf);
        buf.truncate(usize::try_from(left).unwrap_or(usize::MAX));
        let h = household(&mut rng, ctx, &mut buf);
        left -= buf.len() as u64;
        out.households.push(h);
        out.sizes.push(buf.len() as u32);
        out.persons.extend_from_slice(&buf);
    }
    out
}

/// Generates `config.persons` persons in households, as columns of `cat`'s inputs.
pub fn population(cat: &Catalogue, config: &FactsConfig) -> Result<Population, FactsError> {
    let Period::Month { year, month } = config.period else {
        return Err(FactsError::Config(
            "the period must be a month (e.g. 2024-06)".into(),
        ));
    };
    if config.persons == 0 {
        return Err(FactsError::Config("persons must be at least 1".into()));
    }
    let as_of = NaiveDate::from_ymd_opt(year, month, 1)
        .ok_or_else(|| FactsError::Config("bad period".into()))?;
    let table = RegionTable::national();
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    let district =
        villages::build(&mut rng, &table, config.persons).map_err(|_| FactsError::District)?;
    let mut cumulative = Vec::with_capacity(district.villages.len());
    let mut acc = 0.0;
    let mut codes = Vec::with_capacity(district.villages.len());
    for v in &district.villages {
        acc += (if v.is_community { 0.6 } else { 1.0 }) * rng.random_range(0.4..1.6);
        cumulative.push(acc);
        codes.push(v.code.parse::<u64>().unwrap_or(0));
    }
    let ctx = Ctx {
        villages: codes,
        cumulative,
        as_of,
        standard: config.dibao_standard.fen(),
    };
    let chunks: Vec<u64> = (0..config.persons.div_ceil(CHUNK)).collect();
    let parts: Vec<Chunk> = chunks
        .par_iter()
        .map(|&i| {
            let n = CHUNK.min(config.persons - i * CHUNK);
            chunk(config.seed, i, n, &ctx)
        })
        .collect();
    let schema = Schema {
        cat,
        period: config.period,
    };
    assemble::assemble(&schema, parts, as_of.year())
}
