//! Normalisation of the compared fields: ID numbers (with repair candidates), names (keys and pinyin),
//! region codes, and the check of a record's birth date and sex against its ID number.

pub mod id;
pub mod name;
pub mod tables;

pub use id::{IdStatus, NormalizedId, normalize_id, repair_candidates};
pub use name::{NormalizedName, name_key, normalize_name};

use serde::{Deserialize, Serialize};

/// A region code reduced to its digits: the 12-digit value (right-padded with zeros) and how many digits
/// were written (2 province, 4 city, 6 county, 9 town, 12 village).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Region {
    pub code: u64,
    pub digits: u8,
}

impl Region {
    /// Parses a written region code; `None` when it is not 2, 4, 6, 9 or 12 digits.
    pub fn parse(raw: &str) -> Option<Region> {
        let digits: Vec<u8> = raw
            .trim()
            .bytes()
            .filter(|b| !b.is_ascii_whitespace())
            .collect();
        if !matches!(digits.len(), 2 | 4 | 6 | 9 | 12) || !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let mut code = 0u64;
        for i in 0..12 {
            let d = digits.get(i).map_or(0, |b| u64::from(b - b'0'));
            code = code * 10 + d;
        }
        Some(Region {
            code,
            digits: digits.len() as u8,
        })
    }

    /// The code cut to its first `digits` digits (zeros after), if it has that many.
    pub fn prefix(self, digits: u8) -> Option<u64> {
        if self.digits < digits {
            return None;
        }
        let div = 10u64.pow(u32::from(12 - digits));
        Some(self.code / div)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_prefixes() {
        let v = Region::parse("370305100201").unwrap();
        assert_eq!(v.digits, 12);
        assert_eq!(v.prefix(9), Some(370305100));
        assert_eq!(v.prefix(6), Some(370305));
        let t = Region::parse("370305100").unwrap();
        assert_eq!(t.prefix(12), None);
        assert_eq!(t.prefix(9), Some(370305100));
        assert_eq!(Region::parse("37030510020"), None);
        assert_eq!(Region::parse("abc"), None);
    }
}
