//! ID-number normalisation and repair.
//!
//! A valid number (GB 11643 checksum and a real birth date) is taken as it is; a legacy 15-digit number is
//! converted (`19` inserted, check character computed). An 18-character number that fails validation gets
//! *repair candidates*: every number one substituted character away (the check character itself may be the
//! typo) and every number one adjacent transposition away that passes the checksum and has a possible birth
//! date. Because the check character catches every single-character error and every adjacent swap, the
//! true number of a one-typo record is always among its candidates, and two different valid numbers are
//! never one typo apart.

use gongrong_domain::IdNumber;
use gongrong_domain::id_number::check_character;
use serde::{Deserialize, Serialize};

/// What the written ID number turned out to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdStatus {
    /// No ID number written.
    Missing,
    /// 18 characters that pass the checksum and carry a real birth date.
    Valid,
    /// A legacy 15-digit number, converted to 18 (no checksum to verify it).
    Legacy,
    /// 18 characters that fail validation; see the repair candidates.
    Invalid,
    /// Anything else (wrong length, letters): unusable as an identifier.
    Garbled,
}

/// A normalised ID number.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NormalizedId {
    pub status: IdStatus,
    /// The number of a `Valid` or (converted) `Legacy` ID.
    pub number: Option<IdNumber>,
    /// The cleaned 18 characters of an `Invalid` ID.
    pub invalid: Option<[u8; 18]>,
    /// Repair candidates of an `Invalid` number, in a stable order (substitutions by position, then swaps).
    pub candidates: Vec<IdNumber>,
}

impl NormalizedId {
    fn of(status: IdStatus) -> Self {
        Self {
            status,
            number: None,
            invalid: None,
            candidates: Vec::new(),
        }
    }

    /// The 18 characters compared: the number, or the invalid characters.
    pub fn digits(&self) -> Option<[u8; 18]> {
        self.number
            .and_then(|n| to_array(n.as_str()))
            .or(self.invalid)
    }
}

/// Cleans the written form: full-width characters to ASCII, spaces, hyphens and a spreadsheet's leading
/// apostrophe removed, `x` upper-cased.
pub fn clean_id(raw: &str) -> String {
    raw.chars()
        .filter_map(|c| {
            let c = match c {
                '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
                _ => c,
            };
            match c {
                ' ' | '\t' | '\u{3000}' | '-' | '\'' | '"' | '=' => None,
                'x' | '×' => Some('X'),
                c => Some(c),
            }
        })
        .collect()
}

/// Normalises a written ID number.
pub fn normalize_id(raw: Option<&str>) -> NormalizedId {
    let Some(raw) = raw else {
        return NormalizedId::of(IdStatus::Missing);
    };
    // Fast path: already 18 clean characters.
    let trimmed = raw.trim();
    let cleaned;
    let s = if trimmed.len() == 18 && trimmed.bytes().all(|b| b.is_ascii_digit() || b == b'X') {
        trimmed
    } else {
        cleaned = clean_id(raw);
        cleaned.as_str()
    };
    match s.len() {
        0 => NormalizedId::of(IdStatus::Missing),
        15 | 18 => match IdNumber::parse(s) {
            Ok(id) => NormalizedId {
                number: Some(id),
                ..NormalizedId::of(if s.len() == 15 {
                    IdStatus::Legacy
                } else {
                    IdStatus::Valid
                })
            },
            Err(_) => match to_array(s).filter(|_| s.len() == 18) {
                Some(digits) => NormalizedId {
                    invalid: Some(digits),
                    candidates: repair_candidates(&digits),
                    ..NormalizedId::of(IdStatus::Invalid)
                },
                None => NormalizedId::of(IdStatus::Garbled),
            },
        },
        _ => NormalizedId::of(IdStatus::Garbled),
    }
}

fn to_array(s: &str) -> Option<[u8; 18]> {
    <[u8; 18]>::try_from(s.as_bytes()).ok()
}

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

fn accept(buf: &[u8; 18], out: &mut Vec<IdNumber>) {
    if let Ok(s) = std::str::from_utf8(buf)
        && let Ok(id) = IdNumber::parse(s)
        && (1880..=2100).contains(&chrono::Datelike::year(&id.birth_date()))
        && !out.contains(&id)
    {
        out.push(id);
    }
}

/// Every valid number one substituted character or one adjacent transposition away from `raw`
/// (18 ASCII characters). A single non-digit among the first 17 is treated as the substituted character.
pub fn repair_candidates(raw: &[u8; 18]) -> Vec<IdNumber> {
    let mut out = Vec::new();
    let bad: Vec<usize> = (0..17).filter(|&i| !raw[i].is_ascii_digit()).collect();
    let check = raw[17].to_ascii_uppercase();
    match bad.as_slice() {
        [] => {}
        [pos] => {
            substitute_at(raw, *pos, check, &mut out);
            if *pos == 16 && raw[16] == b'X' && check.is_ascii_digit() {
                // The check character `X` swapped with the last digit.
                let mut buf = *raw;
                buf[16] = check;
                buf[17] = b'X';
                accept(&buf, &mut out);
            }
            return out;
        }
        _ => return out,
    }
    // The check character is the typo.
    let mut buf = *raw;
    buf[17] = check_character(&raw[..17]);
    accept(&buf, &mut out);
    // One of the first 17 digits is the typo.
    for pos in 0..17 {
        substitute_at(raw, pos, check, &mut out);
    }
    // Adjacent transpositions among the first 17 digits.
    for pos in 0..16 {
        if raw[pos] != raw[pos + 1] {
            let mut buf = *raw;
            buf.swap(pos, pos + 1);
            buf[17] = check;
            if check_character(&buf[..17]) == check {
                accept(&buf, &mut out);
            }
        }
    }
    // Transposition of the last digit and the check character.
    if check.is_ascii_digit() && raw[16] != check {
        let mut buf = *raw;
        buf[16] = check;
        buf[17] = raw[16];
        if check_character(&buf[..17]) == buf[17] {
            accept(&buf, &mut out);
        }
    }
    out
}

/// Substitutions at `pos` (one of the first 17) that make the checksum agree with `check`.
fn substitute_at(raw: &[u8; 18], pos: usize, check: u8, out: &mut Vec<IdNumber>) {
    let rest: u32 = (0..17)
        .filter(|&i| i != pos)
        .map(|i| u32::from(raw[i].wrapping_sub(b'0')) * WEIGHTS[i])
        .sum();
    for d in 0..10u8 {
        let digit = b'0' + d;
        if digit == raw[pos] {
            continue;
        }
        let sum = rest + u32::from(d) * WEIGHTS[pos];
        if b"10X98765432"[(sum % 11) as usize] == check {
            let mut buf = *raw;
            buf[pos] = digit;
            buf[17] = check;
            accept(&buf, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typo_sub(id: &str, pos: usize, digit: u8) -> String {
        let mut b = id.as_bytes().to_vec();
        b[pos] = digit;
        String::from_utf8(b).unwrap()
    }

    #[test]
    fn valid_legacy_invalid_garbled() {
        assert_eq!(
            normalize_id(Some("11010519491231002x")).status,
            IdStatus::Valid
        );
        assert_eq!(
            normalize_id(Some(" 1101 0519 4912 3100 2X ")).status,
            IdStatus::Valid
        );
        assert_eq!(
            normalize_id(Some("１１０１０５１９４９１２３１００２Ｘ")).status,
            IdStatus::Valid
        );
        let legacy = normalize_id(Some("370305491231002"));
        assert_eq!(legacy.status, IdStatus::Legacy);
        assert_eq!(legacy.number.unwrap().as_str(), "370305194912310029");
        assert_eq!(
            normalize_id(Some("340524198001010013")).status,
            IdStatus::Invalid
        );
        assert_eq!(normalize_id(Some("3405241980")).status, IdStatus::Garbled);
        assert_eq!(normalize_id(Some("")).status, IdStatus::Missing);
        assert_eq!(normalize_id(None).status, IdStatus::Missing);
    }

    #[test]
    fn repairs_a_substituted_digit_anywhere() {
        let truth = "11010519491231002X";
        for pos in 0..17 {
            for d in b'0'..=b'9' {
                if truth.as_bytes()[pos] == d {
                    continue;
                }
                let typo = typo_sub(truth, pos, d);
                let n = normalize_id(Some(&typo));
                assert_eq!(n.status, IdStatus::Invalid, "{typo}");
                assert!(
                    n.candidates.iter().any(|c| c.as_str() == truth),
                    "{typo} -> {:?}",
                    n.candidates
                );
            }
        }
    }

    #[test]
    fn repairs_a_wrong_check_character() {
        let n = normalize_id(Some("110105194912310021"));
        assert!(
            n.candidates
                .iter()
                .any(|c| c.as_str() == "11010519491231002X")
        );
    }

    #[test]
    fn repairs_adjacent_swaps_including_the_check_character() {
        let truth = "440524188001010014";
        let b = truth.as_bytes();
        for pos in 0..17 {
            if b[pos] == b[pos + 1] {
                continue;
            }
            let mut t = b.to_vec();
            t.swap(pos, pos + 1);
            let typo = String::from_utf8(t).unwrap();
            let n = normalize_id(Some(&typo));
            assert_eq!(n.status, IdStatus::Invalid);
            assert!(n.candidates.iter().any(|c| c.as_str() == truth), "{typo}");
        }
    }

    #[test]
    fn candidates_have_possible_dates_and_are_few() {
        let n = normalize_id(Some("340524198001010013"));
        assert!(!n.candidates.is_empty());
        assert!(n.candidates.len() <= 30, "{}", n.candidates.len());
        for c in &n.candidates {
            assert!(IdNumber::parse(c.as_str()).is_ok());
        }
    }

    #[test]
    fn one_letter_among_digits_is_the_typo() {
        let n = normalize_id(Some("11010519491231OO2X"));
        assert_eq!(n.status, IdStatus::Invalid);
        assert!(n.candidates.is_empty());
        let n = normalize_id(Some("110105194912310O2X"));
        assert_eq!(n.candidates.len(), 1);
        assert_eq!(n.candidates[0].as_str(), "11010519491231002X");
    }

    proptest::proptest! {
        #[test]
        fn repair_finds_the_truth(
            body in "[1-6][0-9]{5}(19[3-9][0-9]|20[01][0-9])(0[1-9]|1[0-2])(0[1-9]|1[0-9]|2[0-8])[0-9]{3}",
            pos in 0usize..18, delta in 1u8..10, swap in proptest::bool::ANY,
        ) {
            let id = IdNumber::from_first17(&body).unwrap();
            let mut b = id.as_str().as_bytes().to_vec();
            if swap {
                let p = pos.min(16);
                proptest::prop_assume!(b[p] != b[p + 1]);
                b.swap(p, p + 1);
            } else if pos == 17 {
                let cur = if b[17] == b'X' { 10 } else { b[17] - b'0' };
                let new = (cur + delta) % 11;
                b[17] = if new == 10 { b'X' } else { b'0' + new };
            } else {
                b[pos] = b'0' + (b[pos] - b'0' + delta) % 10;
            }
            let typo = String::from_utf8(b).unwrap();
            let n = normalize_id(Some(&typo));
            proptest::prop_assert_eq!(n.status, IdStatus::Invalid);
            proptest::prop_assert!(n.candidates.contains(&id));
            for c in &n.candidates {
                proptest::prop_assert!(IdNumber::parse(c.as_str()).is_ok());
            }
        }
    }
}
