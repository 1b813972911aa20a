//! Normalised, compact form of the records: fixed-size structs with hashed keys and offsets into shared
//! pools (repair candidates, pinyin), so that blocking and comparison never allocate per pair.

use crate::normalize::{
    IdStatus, NormalizedId, NormalizedName, Region, normalize_id, normalize_name,
};
use crate::record::LinkRecord;
use chrono::{Datelike, NaiveDate};
use gongrong_domain::codes::Sex;
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

/// 64-bit FNV-1a with a final avalanche; 0 is reserved for "none".
pub(crate) fn hash_bytes(seed: u64, bytes: &[u8]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64 ^ seed.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    mix(h)
}

/// splitmix64 finaliser; never returns 0.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    z.max(1)
}

/// One record, normalised.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Prep {
    /// Canonical number (valid / legacy) or the cleaned invalid one; zeros when none.
    pub id: [u8; 18],
    pub id_status: IdStatus,
    pub source: u8,
    /// 0 unknown, 1 male, 2 female.
    pub sex: u8,
    pub usable: bool,
    /// Birth date (bit 0) / sex (bit 1) read from an invalid ID number's digits.
    pub from_invalid_id: u8,
    pub cand_len: u8,
    pub cand_start: u32,
    pub name_hash: u64,
    pub pinyin_hash: u64,
    pub surname_hash: u64,
    pub household: u64,
    pub region: Region,
    /// YYYYMMDD, 0 when unknown.
    pub birth: u32,
    pub pinyin_start: u32,
    pub name_len: u16,
    pub pinyin_len: u16,
    /// How many records share this name key / pinyin key (for term-frequency adjustment).
    pub name_count: u32,
    pub pinyin_count: u32,
}

/// Counts of what normalisation found, for the run report.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NormalizationSummary {
    pub records: usize,
    pub id_valid: usize,
    pub id_legacy: usize,
    pub id_invalid_repairable: usize,
    pub id_invalid_unrepairable: usize,
    pub id_garbled: usize,
    pub id_missing: usize,
    pub repair_candidates: usize,
    /// Records whose birth-date column disagrees with their (valid) ID number.
    pub birth_date_conflicts: usize,
    /// Records whose sex column disagrees with their (valid) ID number.
    pub sex_conflicts: usize,
    pub empty_names: usize,
}

/// Everything normalisation derives from one record (also for showing a clerk why).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NormalizedRecord {
    pub id: NormalizedId,
    pub name: NormalizedName,
    /// Birth date used for comparison: from a valid ID, else the column, else the invalid ID's digits.
    pub birth_date: Option<NaiveDate>,
    /// Sex used for comparison, chosen the same way.
    pub sex: Option<Sex>,
    pub region: Option<Region>,
    /// The birth date / sex were read from the digits of an invalid ID number (they may carry its typo;
    /// a pair whose ID is repaired compares the repaired number's values instead).
    pub birth_date_from_invalid_id: bool,
    pub sex_from_invalid_id: bool,
    pub birth_date_conflict: bool,
    pub sex_conflict: bool,
    /// Has a valid, legacy or repairable ID number, or a name and a birth date.
    pub usable: bool,
}

/// Normalises one record.
pub fn normalize_record(r: &LinkRecord) -> NormalizedRecord {
    let id = normalize_id(r.id_raw.as_deref());
    let name = normalize_name(&r.name);
    let canonical = id.number;
    let raw_digits = id.invalid;
    let raw_birth = raw_digits.and_then(|d| {
        std::str::from_utf8(&d[6..14])
            .ok()
            .and_then(crate::mapping::parse_date)
            .filter(|d| (1880..=2100).contains(&d.year()))
    });
    let raw_sex = raw_digits
        .map(|d| d[16])
        .filter(u8::is_ascii_digit)
        .map(|b| {
            if (b - b'0') % 2 == 1 {
                Sex::Male
            } else {
                Sex::Female
            }
        });
    let (birth_date, sex) = match canonical {
        Some(c) => (Some(c.birth_date()), Some(c.sex())),
        None => (r.birth_date.or(raw_birth), r.sex.or(raw_sex)),
    };
    let birth_date_from_invalid_id = raw_digits.is_some() && r.birth_date.is_none();
    let sex_from_invalid_id = raw_digits.is_some() && r.sex.is_none();
    let birth_date_conflict =
        canonical.is_some() && r.birth_date.is_some_and(|b| Some(b) != birth_date);
    let sex_conflict = canonical.is_some() && r.sex.is_some_and(|s| Some(s) != sex);
    let usable = canonical.is_some()
        || !id.candidates.is_empty()
        || (!name.key.is_empty() && birth_date.is_some());
    NormalizedRecord {
        region: r.region.as_deref().and_then(Region::parse),
        id,
        name,
        birth_date,
        sex,
        birth_date_from_invalid_id,
        sex_from_invalid_id,
        birth_date_conflict,
        sex_conflict,
        usable,
    }
}

/// The normalised population.
pub(crate) struct Prepared {
    pub recs: Vec<Prep>,
    pub cands: Vec<[u8; 18]>,
    pub pinyin: Vec<u8>,
    pub summary: NormalizationSummary,
}

impl Prepared {
    pub fn pinyin(&self, r: &Prep) -> &[u8] {
        let s = r.pinyin_start as usize;
        self.pinyin
            .get(s..s + usize::from(r.pinyin_len))
            .unwrap_or_default()
    }
    pub fn candidates(&self, r: &Prep) -> &[[u8; 18]] {
        let s = r.cand_start as usize;
        self.cands
            .get(s..s + usize::from(r.cand_len))
            .unwrap_or_default()
    }

    pub fn build(records: &[LinkRecord]) -> Prepared {
        // Pieces are normalised and packed in parallel, then concatenated in order.
        let parts: Vec<Prepared> = records
            .par_chunks(1 << 14)
            .map(|chunk| {
                let mut part = Prepared::with_capacity(chunk.len());
                for r in chunk {
                    part.push(r, normalize_record(r));
                }
                part
            })
            .collect();
        let mut p = Prepared::with_capacity(records.len());
        for part in parts {
            p.append(part);
        }
        let mut names: FxHashMap<u64, u32> = FxHashMap::default();
        let mut pinyins: FxHashMap<u64, u32> = FxHashMap::default();
        for r in &p.recs {
            *names.entry(r.name_hash).or_default() += 1;
            *pinyins.entry(r.pinyin_hash).or_default() += 1;
        }
        for r in &mut p.recs {
            r.name_count = names.get(&r.name_hash).copied().unwrap_or(1);
            r.pinyin_count = pinyins.get(&r.pinyin_hash).copied().unwrap_or(1);
        }
        p
    }

    fn with_capacity(records: usize) -> Prepared {
        Prepared {
            recs: Vec::with_capacity(records),
            cands: Vec::new(),
            pinyin: Vec::with_capacity(records * 10),
            summary: NormalizationSummary::default(),
        }
    }

    /// Appends the records of `other`, shifting its pool offsets.
    fn append(&mut self, other: Prepared) {
        let (cands, pinyin) = (self.cands.len() as u32, self.pinyin.len() as u32);
        self.recs.extend(other.recs.into_iter().map(|mut r| {
            r.cand_start += cands;
            r.pinyin_start += pinyin;
            r
        }));
        self.cands.extend_from_slice(&other.cands);
        self.pinyin.extend_from_slice(&other.pinyin);
        // Destructured, so that a new field cannot be forgotten here.
        let NormalizationSummary {
            records,
            id_valid,
            id_legacy,
            id_invalid_repairable,
            id_invalid_unrepairable,
            id_garbled,
            id_missing,
            repair_candidates,
            birth_date_conflicts,
            sex_conflicts,
            empty_names,
        } = other.summary;
        let s = &mut self.summary;
        s.records += records;
        s.id_valid += id_valid;
        s.id_legacy += id_legacy;
        s.id_invalid_repairable += id_invalid_repairable;
        s.id_invalid_unrepairable += id_invalid_unrepairable;
        s.id_garbled += id_garbled;
        s.id_missing += id_missing;
        s.repair_candidates += repair_candidates;
        s.birth_date_conflicts += birth_date_conflicts;
        s.sex_conflicts += sex_conflicts;
        s.empty_names += empty_names;
    }

    fn push(&mut self, r: &LinkRecord, n: NormalizedRecord) {
        let s = &mut self.summary;
        s.records += 1;
        match n.id.status {
            IdStatus::Valid => s.id_valid += 1,
            IdStatus::Legacy => s.id_legacy += 1,
            IdStatus::Invalid if n.id.candidates.is_empty() => s.id_invalid_unrepairable += 1,
            IdStatus::Invalid => s.id_invalid_repairable += 1,
            IdStatus::Garbled => s.id_garbled += 1,
            IdStatus::Missing => s.id_missing += 1,
        }
        s.repair_candidates += n.id.candidates.len();
        s.birth_date_conflicts += usize::from(n.birth_date_conflict);
        s.sex_conflicts += usize::from(n.sex_conflict);
        s.empty_names += usize::from(n.name.key.is_empty());

        let cand_start = self.cands.len() as u32;
        let cand_len = n.id.candidates.len().min(255);
        for c in n.id.candidates.iter().take(cand_len) {
            if let Ok(a) = <[u8; 18]>::try_from(c.as_str().as_bytes()) {
                self.cands.push(a);
            }
        }
        let pinyin_start = self.pinyin.len() as u32;
        let py = n.name.pinyin.as_bytes();
        let py = &py[..py.len().min(u16::MAX as usize)];
        self.pinyin.extend_from_slice(py);
        let key_hash = |seed: u64, s: &str| {
            if s.is_empty() {
                0
            } else {
                hash_bytes(seed, s.as_bytes())
            }
        };
        self.recs.push(Prep {
            id: n.id.digits().unwrap_or([0; 18]),
            id_status: n.id.status,
            source: r.source,
            sex: match n.sex {
                None => 0,
                Some(Sex::Male) => 1,
                Some(Sex::Female) => 2,
            },
            usable: n.usable,
            from_invalid_id: u8::from(n.birth_date_from_invalid_id)
                | (u8::from(n.sex_from_invalid_id) << 1),
            cand_len: (self.cands.len() as u32 - cand_start) as u8,
            cand_start,
            name_hash: key_hash(1, &n.name.key),
            pinyin_hash: key_hash(2, &n.name.pinyin),
            surname_hash: key_hash(3, &n.name.surname_pinyin),
            household: r.household.as_deref().map_or(0, |h| {
                hash_bytes(u64::from(r.source) + 16, h.trim().as_bytes())
            }),
            region: n.region.unwrap_or_default(),
            birth: n.birth_date.map_or(0, |d| {
                (d.year().max(0) as u32) * 10_000 + d.month() * 100 + d.day()
            }),
            pinyin_start,
            name_len: n.name.key.chars().count().min(usize::from(u16::MAX)) as u16,
            pinyin_len: py.len() as u16,
            name_count: 1,
            pinyin_count: 1,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(id: Option<&str>, name: &str, birth: Option<NaiveDate>, sex: Option<Sex>) -> LinkRecord {
        LinkRecord {
            id_raw: id.map(str::to_owned),
            birth_date: birth,
            sex,
            ..LinkRecord::new(0, 1, name)
        }
    }

    #[test]
    fn birth_and_sex_checked_against_the_id() {
        let d = NaiveDate::from_ymd_opt(1949, 12, 31);
        let ok = normalize_record(&rec(
            Some("11010519491231002X"),
            "张三",
            d,
            Some(Sex::Female),
        ));
        assert!(!ok.birth_date_conflict && !ok.sex_conflict && ok.usable);
        let bad = normalize_record(&rec(
            Some("11010519491231002X"),
            "张三",
            NaiveDate::from_ymd_opt(1950, 1, 1),
            Some(Sex::Male),
        ));
        assert!(bad.birth_date_conflict && bad.sex_conflict);
        assert_eq!(bad.birth_date, d, "the ID's date wins");
    }

    #[test]
    fn usable_identifiers() {
        assert!(!normalize_record(&rec(None, "张三", None, None)).usable);
        assert!(!normalize_record(&rec(Some("123"), "", None, None)).usable);
        assert!(
            normalize_record(&rec(
                None,
                "张三",
                NaiveDate::from_ymd_opt(1980, 1, 1),
                None
            ))
            .usable
        );
        // An invalid number's own digits give a birth date.
        let inv = normalize_record(&rec(Some("110105194912310021"), "张三", None, None));
        assert_eq!(inv.birth_date, NaiveDate::from_ymd_opt(1949, 12, 31));
        assert!(inv.usable && inv.birth_date_from_invalid_id && inv.sex_from_invalid_id);
    }

    #[test]
    fn pools_and_counts() {
        let recs = vec![
            rec(Some("11010519491231002X"), "王伟", None, None),
            rec(Some("110105194912310021"), "王 伟", None, None),
            rec(None, "李娜", None, None),
        ];
        let p = Prepared::build(&recs);
        assert_eq!(p.recs[0].name_count, 2);
        assert_eq!(p.recs[2].name_count, 1);
        assert_eq!(p.recs[1].name_len, 2);
        assert_eq!(p.pinyin(&p.recs[1]), b"wangwei");
        assert!(!p.candidates(&p.recs[1]).is_empty());
        assert_eq!(p.summary.id_invalid_repairable, 1);
        assert_eq!(p.summary.id_missing, 1);
    }
}
