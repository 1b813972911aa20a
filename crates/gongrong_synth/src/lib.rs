//! Gongrong synth: a deterministic (seeded) generator of a district like Linzi (临淄区,
//! 370305), the district of the seed report. It writes the district's village list, the two
//! legacy registers the district merges — the poverty register (扶贫登记, 建档立卡) and the
//! minimum-livelihood guarantee register (低保登记) — in the layouts of `docs/LAYOUTS.md`,
//! and `truth.csv`, which says which person each row describes and which defect was planted.
//!
//! The population follows the seed's figures: about 3,300 poverty-register persons in 370+
//! villages at the default size, 77.6 % of them elderly, disabled or ill, about 9.5 % with
//! labour capacity, and 82 % of poverty households also in the dibao register.
//!
//! Same seed and configuration → byte-identical files. No clock is read: `as_of` is the
//! export date.

mod defects;
pub mod facts;
mod households;
mod identities;
mod ids;
mod names;
mod people;
mod registers;
mod sink;
mod villages;

pub use defects::{Defect, DefectCounts, DefectRates};
pub use registers::{DIBAO_HEADERS, POVERTY_HEADERS, TRUTH_HEADERS, VILLAGE_HEADERS};

use chrono::NaiveDate;
use gongrong_domain::{Money, RegionTable};
use households::HouseholdGen;
use ids::IdIssuer;
use names::NameBook;
use people::PersonFactory;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use registers::Registers;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// The largest universe for which XLSX output is offered (rows per register stay below
/// ~200,000; beyond that spreadsheets are the wrong tool).
pub const XLSX_MAX_PERSONS: u64 = 200_000;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OutputFormat {
    #[default]
    Csv,
    Xlsx,
    Both,
}

impl FromStr for OutputFormat {
    type Err = SynthError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "csv" => Ok(Self::Csv),
            "xlsx" => Ok(Self::Xlsx),
            "both" => Ok(Self::Both),
            _ => Err(SynthError::InvalidConfig(format!(
                "unknown format {s:?} (expected csv, xlsx or both)"
            ))),
        }
    }
}

/// Text encoding of the CSV files (`truth.csv` is always UTF-8).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Encoding {
    #[default]
    Utf8,
    Gbk,
}

impl FromStr for Encoding {
    type Err = SynthError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "utf8" | "utf-8" => Ok(Self::Utf8),
            "gbk" | "gb2312" | "gb18030" => Ok(Self::Gbk),
            _ => Err(SynthError::InvalidConfig(format!(
                "unknown encoding {s:?} (expected utf8 or gbk)"
            ))),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct SynthConfig {
    pub seed: u64,
    /// Total people in the universe (both registers together); the default 3,700 gives about
    /// 3,300 poverty-register persons.
    pub persons: u64,
    pub format: OutputFormat,
    pub encoding: Encoding,
    /// The export date: ages, deaths and dates are relative to it.
    pub as_of: NaiveDate,
    /// Rates of the planted defects.
    pub defects: DefectRates,
    /// Monthly dibao standard per person (illustrative; a district sets its own).
    pub dibao_standard: Money,
}

impl Default for SynthConfig {
    fn default() -> Self {
        Self {
            seed: 370_305,
            persons: 3_700,
            format: OutputFormat::Csv,
            encoding: Encoding::Utf8,
            as_of: NaiveDate::from_ymd_opt(2024, 12, 31).unwrap_or_default(),
            defects: DefectRates::default(),
            dibao_standard: Money::from_yuan(850),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SynthSummary {
    pub villages: usize,
    /// Households in the universe (in either register).
    pub households: u64,
    /// Households in the poverty register, in the dibao register, and in both.
    pub poverty_households: u64,
    pub dibao_households: u64,
    pub both_households: u64,
    /// People in the universe.
    pub persons: u64,
    pub poverty_rows: u64,
    pub dibao_rows: u64,
    pub files: Vec<PathBuf>,
    /// Rows carrying each planted defect.
    pub defects: DefectCounts,
}

#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    #[error("invalid synth configuration: {0}")]
    InvalidConfig(String),
    #[error(
        "XLSX output is offered for at most {max} persons (asked for {persons}); use --format csv"
    )]
    TooLargeForXlsx { persons: u64, max: u64 },
    #[error("the national region table has no towns for district 370305 (Linzi)")]
    MissingDistrict,
    #[error("no free ID number sequence left for {address}/{birth}/{}", if *male { "male" } else { "female" })]
    IdSpaceExhausted {
        address: u32,
        birth: NaiveDate,
        male: bool,
    },
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write CSV {path}: {source}")]
    Csv { path: PathBuf, source: csv::Error },
    #[error("cannot write XLSX {path}: {source}")]
    Xlsx {
        path: PathBuf,
        source: rust_xlsxwriter::XlsxError,
    },
}

fn validate(config: &SynthConfig) -> Result<(), SynthError> {
    if config.persons == 0 {
        return Err(SynthError::InvalidConfig(
            "persons must be at least 1".into(),
        ));
    }
    if config.format != OutputFormat::Csv && config.persons > XLSX_MAX_PERSONS {
        return Err(SynthError::TooLargeForXlsx {
            persons: config.persons,
            max: XLSX_MAX_PERSONS,
        });
    }
    if !config.defects.is_valid() {
        return Err(SynthError::InvalidConfig(
            "defect rates must be probabilities summing to at most 1".into(),
        ));
    }
    if config.dibao_standard.fen() < 100 {
        return Err(SynthError::InvalidConfig(
            "the dibao standard must be at least 1 yuan a month".into(),
        ));
    }
    Ok(())
}

/// Generates the district into `out_dir` (created if missing): `villages.csv`,
/// `poverty_register.csv|.xlsx`, `dibao_register.csv|.xlsx` and `truth.csv`.
/// `progress(done, total)` is called now and then with people generated so far.
pub fn generate(
    config: &SynthConfig,
    out_dir: &Path,
    progress: &dyn Fn(u64, u64),
) -> Result<SynthSummary, SynthError> {
    validate(config)?;
    std::fs::create_dir_all(out_dir).map_err(|source| SynthError::Io {
        path: out_dir.to_owned(),
        source,
    })?;
    let table = RegionTable::national();
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    let district = villages::build(&mut rng, &table, config.persons)?;
    let mut files = vec![registers::write_villages(
        out_dir.join("villages.csv"),
        config.encoding,
        &district,
    )?];

    // People per village: communities in the streets are urban and hold fewer.
    let weights: Vec<f64> = district
        .villages
        .iter()
        .map(|v| (if v.is_community { 0.6 } else { 1.0 }) * rng.random_range(0.4..1.6))
        .collect();
    let quotas = villages::apportion(config.persons, &weights, 0);

    let names = NameBook::new();
    let mut issuer = IdIssuer::new(&table);
    let factory = PersonFactory {
        names: &names,
        ids: &mut issuer,
        as_of: config.as_of,
        next_uid: 1,
    };
    let gbk = config.encoding == Encoding::Gbk;
    let mut households = HouseholdGen::new(
        factory,
        &district,
        config.defects,
        gbk,
        config.dibao_standard,
    );
    let mut out = Registers::create(out_dir, config)?;
    let total = config.persons;
    let step = (total / 200).max(1_000);
    let mut next_report = step;
    let mut done = 0u64;
    let (mut poverty_hh, mut dibao_hh, mut both_hh) = (0u64, 0u64, 0u64);
    progress(0, total);
    for (vi, &quota) in quotas.iter().enumerate() {
        let mut left = quota;
        while left > 0 {
            let hh = households.generate(
                &mut rng,
                &district,
                vi,
                usize::try_from(left).unwrap_or(usize::MAX),
            )?;
            let size = hh.members.len() as u64;
            left = left.saturating_sub(size);
            done += size;
            poverty_hh += u64::from(hh.poverty.is_some());
            dibao_hh += u64::from(hh.dibao.is_some());
            both_hh += u64::from(hh.poverty.is_some() && hh.dibao.is_some());
            out.write_household(&hh, &district)?;
            if done >= next_report {
                progress(done, total);
                next_report = done + step;
            }
        }
    }
    let (poverty_rows, dibao_rows, defects) = (out.poverty_rows, out.dibao_rows, out.counts);
    out.finish(&mut files)?;
    progress(done, total);
    Ok(SynthSummary {
        villages: district.villages.len(),
        households: households.next_uid - 1,
        poverty_households: poverty_hh,
        dibao_households: dibao_hh,
        both_households: both_hh,
        persons: done,
        poverty_rows,
        dibao_rows,
        files,
        defects,
    })
}
