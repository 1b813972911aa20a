//! Comparison levels. Every candidate pair gets one level per comparison; level 0 is always `null`
//! (a side has no value: no evidence either way, weight 0).

use crate::config::ComparisonConfig;
use crate::normalize::IdStatus;
use crate::prepare::{Prep, Prepared};
use serde::{Deserialize, Serialize};

/// Number of comparisons.
pub const N_COMPARISONS: usize = 5;
/// Most levels any comparison has (including `null`).
pub const MAX_LEVELS: usize = 6;

/// One compared field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Comparison {
    IdNumber,
    Name,
    BirthDate,
    Sex,
    Region,
}

impl Comparison {
    pub const ALL: [Comparison; N_COMPARISONS] = [
        Comparison::IdNumber,
        Comparison::Name,
        Comparison::BirthDate,
        Comparison::Sex,
        Comparison::Region,
    ];

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn code(self) -> &'static str {
        match self {
            Comparison::IdNumber => "id_number",
            Comparison::Name => "name",
            Comparison::BirthDate => "birth_date",
            Comparison::Sex => "sex",
            Comparison::Region => "region",
        }
    }

    /// Level labels; index 0 is `null`.
    pub fn levels(self) -> &'static [&'static str] {
        match self {
            Comparison::IdNumber => &["null", "exact", "repaired", "near", "different"],
            Comparison::Name => &[
                "null",
                "exact",
                "same_pinyin",
                "similar_high",
                "similar_low",
                "different",
            ],
            Comparison::BirthDate => &["null", "exact", "one_field_differs", "different"],
            Comparison::Sex => &["null", "same", "different"],
            Comparison::Region => &[
                "null",
                "same_village",
                "same_town",
                "same_county",
                "different",
            ],
        }
    }
}

/// Level per comparison, indexed by [`Comparison::index`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Levels(pub [u8; N_COMPARISONS]);

impl Levels {
    pub fn get(self, c: Comparison) -> u8 {
        self.0[c.index()]
    }
    /// 3 bits per comparison.
    pub fn pack(self) -> u16 {
        self.0
            .iter()
            .enumerate()
            .fold(0u16, |acc, (i, &l)| acc | (u16::from(l & 7) << (3 * i)))
    }
    pub fn unpack(code: u16) -> Levels {
        let mut l = [0u8; N_COMPARISONS];
        for (i, v) in l.iter_mut().enumerate() {
            *v = ((code >> (3 * i)) & 7) as u8;
        }
        Levels(l)
    }
}

/// Jaro–Winkler similarity of two byte strings (only the first 64 bytes count).
pub fn jaro_winkler(a: &[u8], b: &[u8]) -> f64 {
    let a = &a[..a.len().min(64)];
    let b = &b[..b.len().min(64)];
    if a.is_empty() || b.is_empty() {
        return if a == b { 1.0 } else { 0.0 };
    }
    if a == b {
        return 1.0;
    }
    let window = (a.len().max(b.len()) / 2).saturating_sub(1);
    let (mut used_a, mut used_b) = (0u64, 0u64);
    let mut matches = 0usize;
    for (i, &ca) in a.iter().enumerate() {
        let lo = i.saturating_sub(window);
        let hi = (i + window + 1).min(b.len());
        for (j, &cb) in b.iter().enumerate().take(hi).skip(lo) {
            if used_b & (1 << j) == 0 && cb == ca {
                used_a |= 1 << i;
                used_b |= 1 << j;
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    let mut transpositions = 0usize;
    let mut j = 0usize;
    for (i, &ca) in a.iter().enumerate() {
        if used_a & (1 << i) != 0 {
            while used_b & (1 << j) == 0 {
                j += 1;
            }
            if b[j] != ca {
                transpositions += 1;
            }
            j += 1;
        }
    }
    let m = matches as f64;
    let jaro =
        (m / a.len() as f64 + m / b.len() as f64 + (m - transpositions as f64 / 2.0) / m) / 3.0;
    let prefix = a.iter().zip(b).take(4).take_while(|(x, y)| x == y).count();
    jaro + prefix as f64 * 0.1 * (1.0 - jaro)
}

fn has_number(s: IdStatus) -> bool {
    matches!(s, IdStatus::Valid | IdStatus::Legacy | IdStatus::Invalid)
}

/// Computes the levels of record pairs.
pub(crate) struct Comparer<'a> {
    pub p: &'a Prepared,
    pub cfg: &'a ComparisonConfig,
    enabled: [bool; N_COMPARISONS],
}

impl<'a> Comparer<'a> {
    pub fn new(p: &'a Prepared, cfg: &'a ComparisonConfig) -> Self {
        let mut enabled = [false; N_COMPARISONS];
        for c in &cfg.enabled {
            enabled[c.index()] = true;
        }
        Self { p, cfg, enabled }
    }

    pub fn compare(&self, a: &Prep, b: &Prep) -> Levels {
        let mut l = [0u8; N_COMPARISONS];
        let e = &self.enabled;
        let (id_level, repaired) = self.id_level(a, b);
        if e[0] {
            l[0] = id_level;
        }
        if e[1] {
            l[1] = self.name_level(a, b);
        }
        // Birth date and sex read from an invalid number carry its typo: once the number is repaired,
        // the repaired number's values stand in for them.
        let (birth_a, sex_a) = stand_in(a, repaired);
        let (birth_b, sex_b) = stand_in(b, repaired);
        if e[2] {
            l[2] = birth_level(birth_a, birth_b);
        }
        if e[3] {
            l[3] = match (sex_a, sex_b) {
                (0, _) | (_, 0) => 0,
                (x, y) if x == y => 1,
                _ => 2,
            };
        }
        if e[4] {
            l[4] = region_level(a, b);
        }
        Levels(l)
    }

    /// The ID level, and the repaired number whose birth date and sex stand in for those read from an
    /// invalid number: the shared number of a `repaired` pair, or, when the other side has no number,
    /// the candidate whose birth date agrees with the other side's.
    fn id_level(&self, a: &Prep, b: &Prep) -> (u8, Option<[u8; 18]>) {
        let ca = self.p.candidates(a);
        let cb = self.p.candidates(b);
        if !has_number(a.id_status) || !has_number(b.id_status) {
            return (0, pick(ca, b.birth).or_else(|| pick(cb, a.birth)));
        }
        if a.id == b.id {
            return (1, None);
        }
        if ca.contains(&b.id) {
            return (2, Some(b.id));
        }
        if cb.contains(&a.id) {
            return (2, Some(a.id));
        }
        // Both invalid: the shared candidates; prefer one agreeing with a birth date not read from a number.
        let reference = if a.from_invalid_id & 1 == 0 {
            a.birth
        } else if b.from_invalid_id & 1 == 0 {
            b.birth
        } else {
            0
        };
        let mut shared = ca.iter().filter(|c| cb.contains(c));
        if let Some(first) = shared.next() {
            let better = std::iter::once(first)
                .chain(shared)
                .find(|c| reference != 0 && date_of(c) == reference);
            return (2, Some(*better.unwrap_or(first)));
        }
        let diff = a.id.iter().zip(&b.id).filter(|(x, y)| x != y).count();
        if diff <= usize::from(self.cfg.id_near_max_differences) {
            (3, None)
        } else {
            (4, None)
        }
    }

    fn name_level(&self, a: &Prep, b: &Prep) -> u8 {
        if a.name_len == 0 || b.name_len == 0 {
            return 0;
        }
        if a.name_hash == b.name_hash {
            return 1;
        }
        if a.pinyin_hash == b.pinyin_hash {
            return 2;
        }
        let jw = jaro_winkler(self.p.pinyin(a), self.p.pinyin(b));
        if jw >= self.cfg.name_similar_high {
            3
        } else if jw >= self.cfg.name_similar_low {
            4
        } else {
            5
        }
    }
}

/// The birth date (YYYYMMDD) in a number.
fn date_of(id: &[u8; 18]) -> u32 {
    id[6..14]
        .iter()
        .fold(0u32, |acc, d| acc * 10 + u32::from(d.wrapping_sub(b'0')))
}

/// The candidate whose birth date is `birth` (none when `birth` is unknown).
fn pick(cands: &[[u8; 18]], birth: u32) -> Option<[u8; 18]> {
    if birth == 0 {
        return None;
    }
    cands.iter().find(|c| date_of(c) == birth).copied()
}

/// A record's birth date (YYYYMMDD) and sex code, with values read from an invalid number replaced by
/// those of the repaired number.
fn stand_in(r: &Prep, repaired: Option<[u8; 18]>) -> (u32, u8) {
    let Some(id) = repaired else {
        return (r.birth, r.sex);
    };
    let birth = if r.from_invalid_id & 1 != 0 {
        date_of(&id)
    } else {
        r.birth
    };
    let sex = if r.from_invalid_id & 2 != 0 {
        if id[16].wrapping_sub(b'0') % 2 == 1 {
            1
        } else {
            2
        }
    } else {
        r.sex
    };
    (birth, sex)
}

/// `exact`, `one_field_differs` (year, month or day; or month and day swapped), `different`.
pub(crate) fn birth_level(a: u32, b: u32) -> u8 {
    if a == 0 || b == 0 {
        return 0;
    }
    if a == b {
        return 1;
    }
    let (ya, ma, da) = (a / 10_000, a / 100 % 100, a % 100);
    let (yb, mb, db) = (b / 10_000, b / 100 % 100, b % 100);
    let differing = u8::from(ya != yb) + u8::from(ma != mb) + u8::from(da != db);
    if differing == 1 || (ya == yb && ma == db && da == mb) {
        2
    } else {
        3
    }
}

fn region_level(a: &Prep, b: &Prep) -> u8 {
    let (ra, rb) = (a.region, b.region);
    if ra.digits == 0 || rb.digits == 0 {
        return 0;
    }
    let same = |d: u8| matches!((ra.prefix(d), rb.prefix(d)), (Some(x), Some(y)) if x == y);
    if same(12) {
        1
    } else if same(9) {
        2
    } else if same(6) {
        3
    } else {
        4
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::LinkRecord;
    use chrono::NaiveDate;

    #[test]
    fn jaro_winkler_known_values() {
        assert!((jaro_winkler(b"martha", b"marhta") - 0.9611).abs() < 1e-3);
        assert!((jaro_winkler(b"dixon", b"dicksonx") - 0.8133).abs() < 1e-3);
        assert_eq!(jaro_winkler(b"abc", b"abc"), 1.0);
        assert_eq!(jaro_winkler(b"abc", b"xyz"), 0.0);
    }

    #[test]
    fn levels_pack_roundtrip() {
        let l = Levels([4, 5, 3, 2, 4]);
        assert_eq!(Levels::unpack(l.pack()), l);
    }

    #[test]
    fn birth_levels() {
        assert_eq!(birth_level(19800102, 19800102), 1);
        assert_eq!(birth_level(19800102, 19810102), 2);
        assert_eq!(birth_level(19800102, 19800201), 2);
        assert_eq!(birth_level(19800102, 19810103), 3);
        assert_eq!(birth_level(0, 19810103), 0);
    }

    fn rec(id: &str, name: &str, region: &str) -> LinkRecord {
        LinkRecord {
            id_raw: Some(id.to_owned()).filter(|s| !s.is_empty()),
            region: Some(region.to_owned()),
            birth_date: NaiveDate::from_ymd_opt(1949, 12, 31),
            ..LinkRecord::new(0, 1, name)
        }
    }

    #[test]
    fn comparison_levels() {
        let recs = vec![
            rec("11010519491231002X", "陈建国", "370305100201"),
            rec("110105194912310021", "陳建國", "370305100201"), // typo, traditional
            rec("11010519491231002X", "陈健国", "370305100202"), // homophone, other village
            rec("", "陈建军", "370305101001"),
            rec("110105194912310013", "陈建", "370306100201"), // valid, other person
        ];
        let p = Prepared::build(&recs);
        let cfg = ComparisonConfig::default();
        let c = Comparer::new(&p, &cfg);
        let l = |i: usize, j: usize| c.compare(&p.recs[i], &p.recs[j]).0;
        assert_eq!(l(0, 1), [2, 1, 1, 1, 1]);
        assert_eq!(l(0, 2), [1, 2, 1, 1, 2]);
        assert_eq!(l(0, 3)[0], 0);
        assert_eq!(l(0, 3)[4], 3);
        assert!(matches!(l(0, 3)[1], 3 | 4));
        assert_eq!(l(0, 4)[0], 3, "two characters differ");
        assert_eq!(l(0, 4)[4], 4);
    }

    #[test]
    fn repaired_number_stands_in_for_its_birth_date_and_sex() {
        // The typo is in the birth month (12 → 11) and so would make the dates disagree.
        let id = gongrong_domain::IdNumber::from_first17("11010519491221002").unwrap();
        let truth = id.as_str();
        let typo = format!("{}1{}", &truth[..11], &truth[12..]);
        let recs = vec![
            LinkRecord {
                id_raw: Some(truth.to_owned()),
                ..LinkRecord::new(1, 1, "张三")
            },
            LinkRecord {
                id_raw: Some(typo),
                ..LinkRecord::new(0, 1, "张三")
            },
        ];
        let p = Prepared::build(&recs);
        assert!(
            p.candidates(&p.recs[1])
                .iter()
                .any(|c| c == truth.as_bytes())
        );
        let cfg = ComparisonConfig::default();
        let c = Comparer::new(&p, &cfg);
        assert_eq!(c.compare(&p.recs[0], &p.recs[1]).0[..4], [2, 1, 1, 1]);
    }

    #[test]
    fn shared_candidate_agreeing_with_the_birth_date_is_preferred() {
        // Two typos of 370305195904031227; the numbers share two candidates (…023227 and …031227).
        let recs = vec![
            LinkRecord {
                id_raw: Some("370305195904033227".into()),
                ..LinkRecord::new(0, 1, "王峰")
            },
            LinkRecord {
                id_raw: Some("370305195904032227".into()),
                birth_date: NaiveDate::from_ymd_opt(1959, 4, 3),
                ..LinkRecord::new(1, 1, "王峰")
            },
        ];
        let p = Prepared::build(&recs);
        let cfg = ComparisonConfig::default();
        let c = Comparer::new(&p, &cfg);
        assert_eq!(c.compare(&p.recs[0], &p.recs[1]).0[..3], [2, 1, 1]);
    }

    #[test]
    fn candidate_explains_the_birth_date_when_the_other_side_has_no_number() {
        // Swap typo in the year: 2004 → 0204; the other record has no number but the true date.
        let truth = gongrong_domain::IdNumber::from_first17("37030320040927327").unwrap();
        let t = truth.as_str();
        let typo = format!("{}{}{}{}", &t[..6], &t[7..8], &t[6..7], &t[8..]);
        let recs = vec![
            LinkRecord {
                id_raw: Some(typo),
                ..LinkRecord::new(0, 1, "梁伟")
            },
            LinkRecord {
                birth_date: NaiveDate::from_ymd_opt(2004, 9, 27),
                ..LinkRecord::new(1, 1, "梁伟")
            },
        ];
        let p = Prepared::build(&recs);
        let cfg = ComparisonConfig::default();
        let c = Comparer::new(&p, &cfg);
        assert_eq!(c.compare(&p.recs[0], &p.recs[1]).0[..3], [0, 1, 1]);
    }
}
