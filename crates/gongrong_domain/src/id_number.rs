//! Resident identity numbers (公民身份号码) per GB 11643-1999.
//!
//! 18 characters: a 6-digit address code, an 8-digit birth date, a 3-digit sequence (odd = male)
//! and a check character (`0`-`9` or `X`). Legacy 15-digit numbers (2-digit year, no check
//! character) are converted by inserting `19` before the year and computing the check character.

use crate::codes::Sex;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: [u8; 11] = *b"10X98765432";

/// Why a string is not a valid identity number. Each kind is distinct so that a reject report
/// can tell a clerk what to look for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdNumberError {
    #[error("ID number is empty")]
    Empty,
    #[error("ID number has {0} characters; expected 18 (or a legacy 15)")]
    Length(usize),
    #[error("ID number has an invalid character {ch:?} at position {position}")]
    Character { position: usize, ch: char },
    #[error("ID number contains an impossible birth date {0}")]
    Date(String),
    #[error("ID number check character is {found}, but the first 17 digits require {expected}")]
    Checksum { expected: char, found: char },
}

/// A validated 18-character identity number.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IdNumber([u8; 18]);

/// The check character (`0`-`9`, `X`) for 17 leading digits given as ASCII.
pub fn check_character(first17: &[u8]) -> u8 {
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d.wrapping_sub(b'0')) * w)
        .sum();
    CHECK[(sum % 11) as usize]
}

fn birth_date_of(digits: &[u8]) -> Option<NaiveDate> {
    // digits: YYYYMMDD as ASCII
    let s = std::str::from_utf8(digits).ok()?;
    let y: i32 = s.get(0..4)?.parse().ok()?;
    let m: u32 = s.get(4..6)?.parse().ok()?;
    let d: u32 = s.get(6..8)?.parse().ok()?;
    NaiveDate::from_ymd_opt(y, m, d)
}

impl IdNumber {
    /// Parses an 18-character number (trailing `x` accepted as `X`) or converts a legacy
    /// 15-digit one. Surrounding whitespace is ignored.
    pub fn parse(input: &str) -> Result<Self, IdNumberError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(IdNumberError::Empty);
        }
        let chars: Vec<char> = s.chars().collect();
        match chars.len() {
            18 => Self::parse18(&chars),
            15 => Self::from_legacy15(&chars),
            n => Err(IdNumberError::Length(n)),
        }
    }

    fn parse18(chars: &[char]) -> Result<Self, IdNumberError> {
        let mut out = [0u8; 18];
        for (i, &c) in chars.iter().enumerate() {
            let ok = c.is_ascii_digit() || (i == 17 && (c == 'X' || c == 'x'));
            if !ok {
                return Err(IdNumberError::Character {
                    position: i + 1,
                    ch: c,
                });
            }
            out[i] = c.to_ascii_uppercase() as u8;
        }
        if birth_date_of(&out[6..14]).is_none() {
            return Err(IdNumberError::Date(
                String::from_utf8_lossy(&out[6..14]).into_owned(),
            ));
        }
        let expected = check_character(&out[..17]);
        if expected != out[17] {
            return Err(IdNumberError::Checksum {
                expected: char::from(expected),
                found: char::from(out[17]),
            });
        }
        Ok(Self(out))
    }

    fn from_legacy15(chars: &[char]) -> Result<Self, IdNumberError> {
        let mut out = [0u8; 18];
        let mut j = 0;
        for (i, &c) in chars.iter().enumerate() {
            if !c.is_ascii_digit() {
                return Err(IdNumberError::Character {
                    position: i + 1,
                    ch: c,
                });
            }
            if i == 6 {
                out[j] = b'1';
                out[j + 1] = b'9';
                j += 2;
            }
            out[j] = c as u8;
            j += 1;
        }
        if birth_date_of(&out[6..14]).is_none() {
            return Err(IdNumberError::Date(
                String::from_utf8_lossy(&out[6..14]).into_owned(),
            ));
        }
        out[17] = check_character(&out[..17]);
        Ok(Self(out))
    }

    /// Builds a number from 17 leading digits, computing the check character.
    pub fn from_first17(first17: &str) -> Result<Self, IdNumberError> {
        let mut with_check: String = first17.to_owned();
        if first17.len() == 17 {
            with_check.push(char::from(check_character(first17.as_bytes())));
        }
        Self::parse(&with_check)
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII digits and `X` are ever stored.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The 6-digit address code of the place of first registration.
    pub fn address_code(&self) -> &str {
        &self.as_str()[..6]
    }

    pub fn birth_date(&self) -> NaiveDate {
        birth_date_of(&self.0[6..14]).unwrap_or_default()
    }

    pub fn sex(&self) -> Sex {
        if (self.0[16] - b'0') % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    /// The number with its middle hidden, for roles that need not see it: `370305********123X`.
    pub fn masked(&self) -> String {
        let s = self.as_str();
        format!("{}********{}", &s[..6], &s[14..])
    }
}

impl fmt::Display for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdNumber({})", self.masked())
    }
}

impl std::str::FromStr for IdNumber {
    type Err = IdNumberError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for IdNumber {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for IdNumber {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_standard_examples() {
        let a = IdNumber::parse("11010519491231002X").unwrap();
        assert_eq!(
            a.birth_date(),
            NaiveDate::from_ymd_opt(1949, 12, 31).unwrap()
        );
        assert_eq!(a.sex(), Sex::Female);
        assert_eq!(a.address_code(), "110105");
        let b = IdNumber::parse("440524188001010014").unwrap();
        assert_eq!(b.sex(), Sex::Male);
        assert_eq!(IdNumber::parse("11010519491231002x").unwrap(), a);
    }

    #[test]
    fn distinct_errors() {
        assert_eq!(
            IdNumber::parse("340524198001010013"),
            Err(IdNumberError::Checksum {
                expected: 'X',
                found: '3'
            })
        );
        assert_eq!(
            IdNumber::parse("3405241980"),
            Err(IdNumberError::Length(10))
        );
        assert_eq!(IdNumber::parse(""), Err(IdNumberError::Empty));
        assert!(matches!(
            IdNumber::parse("34052419800101001A"),
            Err(IdNumberError::Character {
                position: 18,
                ch: 'A'
            })
        ));
        assert!(matches!(
            IdNumber::parse("3405241980a101001X"),
            Err(IdNumberError::Character { position: 11, .. })
        ));
        assert!(matches!(
            IdNumber::parse("340524198002300013"),
            Err(IdNumberError::Date(_))
        ));
        assert!(matches!(
            IdNumber::parse("34052480023001"),
            Err(IdNumberError::Length(14))
        ));
        assert!(matches!(
            IdNumber::parse("340524800230001"),
            Err(IdNumberError::Date(_))
        ));
    }

    #[test]
    fn converts_legacy_15() {
        let id = IdNumber::parse("370305491231002").unwrap();
        assert_eq!(&id.as_str()[..17], "37030519491231002");
        assert_eq!(
            id.birth_date(),
            NaiveDate::from_ymd_opt(1949, 12, 31).unwrap()
        );
        assert!(IdNumber::parse(id.as_str()).is_ok());
    }

    #[test]
    fn masks_the_middle() {
        let a = IdNumber::parse("11010519491231002X").unwrap();
        assert_eq!(a.masked(), "110105********002X");
        assert!(!format!("{a:?}").contains("19491231"));
    }

    proptest::proptest! {
        #[test]
        fn every_single_digit_error_is_caught(body in "[1-6][0-9]{5}19[5-9][0-9]0[1-9]1[0-9][0-9]{3}", pos in 0usize..17, delta in 1u8..10) {
            let id = IdNumber::from_first17(&body).unwrap();
            let mut bytes = id.as_str().as_bytes().to_vec();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
            let typo = String::from_utf8(bytes).unwrap();
            proptest::prop_assert!(IdNumber::parse(&typo).is_err());
        }

        #[test]
        fn adjacent_swaps_are_caught(body in "[1-6][0-9]{5}19[5-9][0-9]0[1-9]1[0-9][0-9]{3}", pos in 0usize..16) {
            let id = IdNumber::from_first17(&body).unwrap();
            let mut bytes = id.as_str().as_bytes().to_vec();
            proptest::prop_assume!(bytes[pos] != bytes[pos + 1]);
            bytes.swap(pos, pos + 1);
            let typo = String::from_utf8(bytes).unwrap();
            proptest::prop_assert!(IdNumber::parse(&typo).is_err());
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,30}") {
            let _ = IdNumber::parse(&s);
        }
    }
}
