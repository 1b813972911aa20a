//! Blocking: candidate pairs are the record pairs that agree on all fields of at least one rule.
//!
//! Each rule maps a record to zero or more 64-bit keys; `(key, record)` entries are sorted (in parallel)
//! and every run of equal keys yields its pairs. Runs longer than `max_block_size` are skipped and
//! reported. Pairs of all rules are packed into `u64`s, sorted and de-duplicated.

use crate::normalize::IdStatus;
use crate::prepare::{Prep, Prepared, hash_bytes, mix};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A field a blocking rule can require to agree.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockField {
    /// The ID number: the valid or converted number, or an invalid number and each of its repair candidates.
    Id,
    /// The normalised name key.
    Name,
    NamePinyin,
    SurnamePinyin,
    BirthDate,
    BirthYear,
    Sex,
    /// The 12-digit village code.
    Village,
    /// The 9-digit town code.
    Town,
}

impl BlockField {
    pub const ALL: [BlockField; 9] = [
        BlockField::Id,
        BlockField::Name,
        BlockField::NamePinyin,
        BlockField::SurnamePinyin,
        BlockField::BirthDate,
        BlockField::BirthYear,
        BlockField::Sex,
        BlockField::Village,
        BlockField::Town,
    ];

    pub fn code(self) -> &'static str {
        match self {
            BlockField::Id => "id",
            BlockField::Name => "name",
            BlockField::NamePinyin => "name_pinyin",
            BlockField::SurnamePinyin => "surname_pinyin",
            BlockField::BirthDate => "birth_date",
            BlockField::BirthYear => "birth_year",
            BlockField::Sex => "sex",
            BlockField::Village => "village",
            BlockField::Town => "town",
        }
    }

    /// The single-valued fields' key value; 0 = missing (the record gets no key for the rule).
    fn value(self, r: &Prep) -> u64 {
        match self {
            BlockField::Id => 0,
            BlockField::Name => r.name_hash,
            BlockField::NamePinyin => r.pinyin_hash,
            BlockField::SurnamePinyin => r.surname_hash,
            BlockField::BirthDate => u64::from(r.birth),
            BlockField::BirthYear => u64::from(r.birth / 10_000),
            BlockField::Sex => u64::from(r.sex),
            BlockField::Village => r.region.prefix(12).unwrap_or(0),
            BlockField::Town => r.region.prefix(9).unwrap_or(0),
        }
    }
}

/// A blocking rule, written `field+field…` (e.g. `surname_pinyin+birth_date`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BlockingRule {
    pub fields: Vec<BlockField>,
}

impl FromStr for BlockingRule {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let mut fields = Vec::new();
        for part in s.split('+').map(str::trim) {
            let f = BlockField::ALL
                .into_iter()
                .find(|f| f.code() == part)
                .ok_or_else(|| {
                    let known: Vec<_> = BlockField::ALL.iter().map(|f| f.code()).collect();
                    format!(
                        "unknown blocking field {part:?} in rule {s:?} (known: {})",
                        known.join(", ")
                    )
                })?;
            if fields.contains(&f) {
                return Err(format!("field {part:?} repeated in rule {s:?}"));
            }
            fields.push(f);
        }
        Ok(BlockingRule { fields })
    }
}

impl TryFrom<String> for BlockingRule {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

impl From<BlockingRule> for String {
    fn from(r: BlockingRule) -> String {
        r.to_string()
    }
}

impl fmt::Display for BlockingRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let codes: Vec<_> = self.fields.iter().map(|f| f.code()).collect();
        f.write_str(&codes.join("+"))
    }
}

/// A block skipped because it was larger than `max_block_size`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OversizeBlock {
    pub rule: String,
    pub size: usize,
    /// Index of one record of the block, to show what it holds.
    pub example_record: u32,
}

/// Candidate pairs and what blocking did.
pub(crate) struct Blocked {
    /// Pairs to score: `(a << 32) | b` with `a < b`, sorted and unique.
    pub pairs: Vec<u64>,
    /// A deterministic 1-in-[`VETO_SAMPLE`] sample (sorted, unique) of the candidate pairs that the
    /// distinct-valid-ID rule already decides; they are not scored, only used by EM as known non-matches.
    pub vetoed_sample: Vec<u64>,
    /// Pairs each rule produced (before de-duplication across rules, vetoed pairs included).
    pub per_rule: Vec<(String, usize)>,
    pub oversize: Vec<OversizeBlock>,
}

/// One in this many vetoed pairs is kept for EM.
pub(crate) const VETO_SAMPLE: u64 = 8;

/// Both numbers pass the checksum and differ: two people, whatever else agrees.
pub(crate) fn distinct_valid_ids(a: &Prep, b: &Prep) -> bool {
    a.id_status == IdStatus::Valid && b.id_status == IdStatus::Valid && a.id != b.id
}

#[derive(Default)]
struct Emitted {
    pairs: Vec<u64>,
    sample: Vec<u64>,
    oversize: Vec<OversizeBlock>,
    count: usize,
}

impl Emitted {
    fn merge(mut self, mut other: Emitted) -> Emitted {
        self.pairs.append(&mut other.pairs);
        self.sample.append(&mut other.sample);
        self.oversize.append(&mut other.oversize);
        self.count += other.count;
        self
    }
}

fn emit_run(run: &[(u64, u32)], p: &Prepared, max: usize, rule: &BlockingRule, out: &mut Emitted) {
    if run.len() > max {
        out.oversize.push(OversizeBlock {
            rule: rule.to_string(),
            size: run.len(),
            example_record: run[0].1,
        });
        return;
    }
    for (x, &(_, a)) in run.iter().enumerate() {
        let ra = &p.recs[a as usize];
        for &(_, b) in &run[x + 1..] {
            if a == b {
                continue;
            }
            let (lo, hi) = if a < b { (a, b) } else { (b, a) };
            let pair = (u64::from(lo) << 32) | u64::from(hi);
            out.count += 1;
            if distinct_valid_ids(ra, &p.recs[b as usize]) {
                if mix(pair ^ 0x5eed).is_multiple_of(VETO_SAMPLE) {
                    out.sample.push(pair);
                }
            } else {
                out.pairs.push(pair);
            }
        }
    }
}

fn keys_of(
    rule_index: usize,
    rule: &BlockingRule,
    p: &Prepared,
    i: u32,
    r: &Prep,
    out: &mut Vec<(u64, u32)>,
) {
    let mut base = mix(rule_index as u64 + 1);
    for f in &rule.fields {
        if *f == BlockField::Id {
            continue;
        }
        let v = f.value(r);
        if v == 0 {
            return;
        }
        base = mix(base ^ v.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    }
    if !rule.fields.contains(&BlockField::Id) {
        out.push((base, i));
        return;
    }
    let push =
        |id: &[u8; 18], out: &mut Vec<(u64, u32)>| out.push((mix(base ^ hash_bytes(7, id)), i));
    match r.id_status {
        IdStatus::Valid | IdStatus::Legacy | IdStatus::Invalid => push(&r.id, out),
        IdStatus::Missing | IdStatus::Garbled => {}
    }
    for c in p.candidates(r) {
        push(c, out);
    }
}

fn sort_unique(v: &mut Vec<u64>) {
    v.par_sort_unstable();
    v.dedup();
}

/// Runs every rule and returns the de-duplicated candidate pairs.
pub(crate) fn block(p: &Prepared, rules: &[BlockingRule], max_block_size: usize) -> Blocked {
    let mut all = Emitted::default();
    let mut per_rule = Vec::with_capacity(rules.len());
    for (ri, rule) in rules.iter().enumerate() {
        let mut keys: Vec<(u64, u32)> = p
            .recs
            .par_iter()
            .enumerate()
            .fold(Vec::new, |mut acc, (i, r)| {
                keys_of(ri, rule, p, i as u32, r, &mut acc);
                acc
            })
            .reduce(Vec::new, |mut a, mut b| {
                a.append(&mut b);
                a
            });
        keys.par_sort_unstable();
        // Runs of equal keys of two or more entries, emitted in parallel.
        let mut runs: Vec<(u32, u32)> = Vec::new();
        let mut start = 0usize;
        for i in 1..=keys.len() {
            if i == keys.len() || keys[i].0 != keys[start].0 {
                if i - start >= 2 {
                    runs.push((start as u32, i as u32));
                }
                start = i;
            }
        }
        let emitted = runs
            .par_chunks(1024)
            .map(|chunk| {
                let mut out = Emitted::default();
                for &(s, e) in chunk {
                    emit_run(
                        &keys[s as usize..e as usize],
                        p,
                        max_block_size,
                        rule,
                        &mut out,
                    );
                }
                out
            })
            .reduce(Emitted::default, Emitted::merge);
        per_rule.push((rule.to_string(), emitted.count));
        all = all.merge(emitted);
        if all.pairs.len() > 1 << 24 {
            sort_unique(&mut all.pairs);
        }
    }
    sort_unique(&mut all.pairs);
    sort_unique(&mut all.sample);
    Blocked {
        pairs: all.pairs,
        vetoed_sample: all.sample,
        per_rule,
        oversize: all.oversize,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::LinkRecord;
    use chrono::NaiveDate;

    #[test]
    fn rules_parse_and_print() {
        let r: BlockingRule = "surname_pinyin+birth_date".parse().unwrap();
        assert_eq!(r.fields, [BlockField::SurnamePinyin, BlockField::BirthDate]);
        assert_eq!(r.to_string(), "surname_pinyin+birth_date");
        assert!(
            "name+birthyear"
                .parse::<BlockingRule>()
                .unwrap_err()
                .contains("birthyear")
        );
        assert!("name+name".parse::<BlockingRule>().is_err());
    }

    fn rec(id: &str, name: &str, birth: (i32, u32, u32)) -> LinkRecord {
        LinkRecord {
            id_raw: Some(id.to_owned()),
            birth_date: NaiveDate::from_ymd_opt(birth.0, birth.1, birth.2),
            ..LinkRecord::new(0, 1, name)
        }
    }

    #[test]
    fn id_rule_joins_repair_candidates_and_legacy() {
        let recs = vec![
            rec("11010519491231002X", "甲", (1949, 12, 31)),
            rec("110105194912310021", "乙", (1949, 12, 31)), // check-character typo
            rec("370305491231002", "丙", (1949, 12, 31)),    // legacy
            rec("370305194912310029", "丁", (1949, 12, 31)),
            rec("440524188001010014", "戊", (1880, 1, 1)),
        ];
        let p = Prepared::build(&recs);
        let b = block(&p, &["id".parse().unwrap()], 100);
        assert_eq!(b.pairs, vec![1, (2 << 32) | 3]);
        // 2 and 3 are one number; 0 and 3 (both valid, different) never pair on `id`.
        let b = block(&p, &["birth_date".parse().unwrap()], 100);
        assert!(
            !b.pairs.contains(&3),
            "distinct valid numbers are not scored"
        );
        assert!(b.pairs.contains(&1));
    }

    #[test]
    fn oversize_blocks_are_skipped_and_reported() {
        let recs: Vec<_> = (0..10).map(|_| rec("", "王伟", (1980, 1, 1))).collect();
        let p = Prepared::build(&recs);
        let rules = ["name+birth_year".parse().unwrap()];
        let b = block(&p, &rules, 5);
        assert!(b.pairs.is_empty());
        assert_eq!(b.oversize.len(), 1);
        assert_eq!(b.oversize[0].size, 10);
        let b = block(&p, &rules, 10);
        assert_eq!(b.pairs.len(), 45);
    }
}
