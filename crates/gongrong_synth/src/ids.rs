//! Identity numbers (GB 11643), their typical typing errors, legacy 15-digit forms, and the
//! other numbers a register carries (phone, bank card).

use crate::SynthError;
use chrono::{Datelike, NaiveDate};
use gongrong_domain::id_number::check_character;
use gongrong_domain::{RegionCode, RegionTable};
use rand::Rng;
use std::collections::HashSet;

/// Address code of Linzi District.
pub(crate) const LINZI_CODE: u32 = 370305;

/// An 18-character identity number as ASCII bytes (a typo'd copy may fail validation).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct IdDigits(pub [u8; 18]);

impl IdDigits {
    pub(crate) fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The legacy 15-digit form: the century `19` and the check character removed.
    pub(crate) fn legacy15(&self) -> [u8; 15] {
        let mut out = [b'0'; 15];
        out[..6].copy_from_slice(&self.0[..6]);
        out[6..15].copy_from_slice(&self.0[8..17]);
        out
    }

    /// One digit among the first 17 replaced by another digit (a keying error). The check
    /// character then no longer matches, as GB 11643 guarantees for any single substitution.
    pub(crate) fn with_substitution<R: Rng>(&self, rng: &mut R) -> IdDigits {
        let mut b = self.0;
        // Clerks mostly mistype the birth date and the sequence, sometimes the address code.
        let pos = if rng.random_bool(0.8) {
            rng.random_range(6..17)
        } else {
            rng.random_range(0..6)
        };
        let d = b[pos] - b'0';
        b[pos] = b'0' + (d + rng.random_range(1..10)) % 10;
        IdDigits(b)
    }

    /// Two adjacent, different digits among the first 17 swapped; `None` if there are none.
    pub(crate) fn with_swap<R: Rng>(&self, rng: &mut R) -> Option<IdDigits> {
        let b = self.0;
        let candidates = (0..16).filter(|&i| b[i] != b[i + 1]).count();
        if candidates == 0 {
            return None;
        }
        let k = rng.random_range(0..candidates);
        let pos = (0..16).filter(|&i| b[i] != b[i + 1]).nth(k)?;
        let mut out = b;
        out.swap(pos, pos + 1);
        Some(IdDigits(out))
    }
}

/// Issues unique identity numbers.
pub(crate) struct IdIssuer {
    used: HashSet<u64>,
    zibo: Vec<u32>,
    shandong: Vec<u32>,
}

impl IdIssuer {
    pub(crate) fn new(table: &RegionTable) -> Self {
        let mut zibo = Vec::new();
        let mut shandong = Vec::new();
        if let Ok(province) = RegionCode::parse("37") {
            for city in table.children(&province) {
                for county in table.children(&city.code) {
                    if county.name.contains("市辖区") {
                        continue;
                    }
                    let Ok(code) = county.code.prefix().parse::<u32>() else {
                        continue;
                    };
                    if code == LINZI_CODE {
                        continue;
                    }
                    if code / 100 == LINZI_CODE / 100 {
                        zibo.push(code);
                    } else {
                        shandong.push(code);
                    }
                }
            }
        }
        Self {
            used: HashSet::new(),
            zibo,
            shandong,
        }
    }

    /// The address code of first registration: Linzi for most, another Shandong county for
    /// some older people (married in or moved from elsewhere).
    pub(crate) fn address_code<R: Rng>(&self, rng: &mut R, birth_year: i32) -> u32 {
        let p = if birth_year < 1975 { 0.12 } else { 0.04 };
        if !rng.random_bool(p) {
            return LINZI_CODE;
        }
        let list = if rng.random_bool(0.7) || self.shandong.is_empty() {
            &self.zibo
        } else {
            &self.shandong
        };
        if list.is_empty() {
            LINZI_CODE
        } else {
            list[rng.random_range(0..list.len())]
        }
    }

    /// A new number, unique in this run, for the given place, birth date and sex.
    pub(crate) fn issue<R: Rng>(
        &mut self,
        rng: &mut R,
        address: u32,
        birth: NaiveDate,
        male: bool,
    ) -> Result<IdDigits, SynthError> {
        let date = u64::from(birth.year().unsigned_abs()) * 10_000
            + u64::from(birth.month()) * 100
            + u64::from(birth.day());
        for _ in 0..200 {
            let k: u64 = rng.random_range(0..499);
            let seq = if male { 2 * k + 1 } else { 2 * k + 2 };
            let key = (u64::from(address) * 100_000_000 + date) * 1000 + seq;
            if self.used.insert(key) {
                let mut b = [b'0'; 18];
                let mut v = key;
                for i in (0..17).rev() {
                    b[i] = b'0' + (v % 10) as u8;
                    v /= 10;
                }
                b[17] = check_character(&b[..17]);
                return Ok(IdDigits(b));
            }
        }
        Err(SynthError::IdSpaceExhausted {
            address,
            birth,
            male,
        })
    }
}

/// A contact number: a mobile for most, a Zibo landline (0533-7xxxxxx) for some older people.
pub(crate) fn phone<R: Rng>(rng: &mut R, elderly: bool, out: &mut String) {
    use std::fmt::Write;
    out.clear();
    if elderly && rng.random_bool(0.3) {
        let _ = write!(out, "0533-7{:06}", rng.random_range(0..1_000_000u32));
    } else {
        const PREFIX: [&str; 8] = ["13", "15", "18", "17", "19", "13", "15", "18"];
        out.push_str(PREFIX[rng.random_range(0..PREFIX.len())]);
        let _ = write!(out, "{:09}", rng.random_range(0..1_000_000_000u32));
    }
}

/// A 19-digit bank card number with a valid Luhn check digit.
pub(crate) fn bank_account<R: Rng>(rng: &mut R, out: &mut String) {
    // Illustrative card prefixes of banks that pay benefits in rural Shandong.
    const BIN: [&str; 4] = ["622848", "621700", "622188", "623037"];
    out.clear();
    out.push_str(BIN[rng.random_range(0..BIN.len())]);
    while out.len() < 18 {
        out.push(char::from(b'0' + rng.random_range(0..10u8)));
    }
    let sum: u32 = out
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, c)| {
            let d = u32::from(c - b'0');
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    out.push(char::from(b'0' + ((10 - sum % 10) % 10) as u8));
}

#[cfg(test)]
mod tests {
    use super::*;
    use gongrong_domain::IdNumber;
    use rand::SeedableRng;

    #[test]
    fn issued_numbers_are_valid_unique_and_typos_are_not() {
        let table = RegionTable::national();
        let mut issuer = IdIssuer::new(&table);
        assert!(issuer.zibo.contains(&370303));
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let birth = NaiveDate::from_ymd_opt(1950, 3, 1).unwrap();
        let mut seen = HashSet::new();
        for i in 0..400 {
            let male = i % 2 == 0;
            let id = issuer.issue(&mut rng, LINZI_CODE, birth, male).unwrap();
            let parsed = IdNumber::parse(id.as_str()).unwrap();
            assert_eq!(parsed.birth_date(), birth);
            assert_eq!(parsed.sex() == gongrong_domain::codes::Sex::Male, male);
            assert!(seen.insert(id));
            let legacy = id.legacy15();
            let legacy = std::str::from_utf8(&legacy).unwrap();
            assert_eq!(IdNumber::parse(legacy).unwrap(), parsed);
            assert!(IdNumber::parse(id.with_substitution(&mut rng).as_str()).is_err());
            assert!(IdNumber::parse(id.with_swap(&mut rng).unwrap().as_str()).is_err());
        }
    }

    #[test]
    fn bank_cards_pass_luhn() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let mut s = String::new();
        for _ in 0..100 {
            bank_account(&mut rng, &mut s);
            assert_eq!(s.len(), 19);
            let sum: u32 = s
                .bytes()
                .rev()
                .enumerate()
                .map(|(i, c)| {
                    let d = u32::from(c - b'0');
                    if i % 2 == 1 {
                        let x = d * 2;
                        if x > 9 { x - 9 } else { x }
                    } else {
                        d
                    }
                })
                .sum();
            assert_eq!(sum % 10, 0, "{s}");
            phone(&mut rng, true, &mut s);
            assert!(s.len() == 11 || s.starts_with("0533-7"), "{s}");
        }
    }
}
