//! Date spellings of register exports: `2019-03-05`, `2019/3/5`, `20190305`, `2019-03`, `2019`,
//! `2019年3月5日`, … described by small patterns (see [`DateFormat::parse`]). A value holding only
//! a month or a year means its first day. A trailing time of day (`2019-03-05 00:00:00`) is
//! ignored.

use chrono::NaiveDate;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tok {
    Year,
    Month { min: usize, max: usize },
    Day { min: usize, max: usize },
    Lit(char),
}

/// One accepted date spelling.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DateFormat {
    text: String,
    toks: Vec<Tok>,
}

impl fmt::Display for DateFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Why a value is not a date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DateError {
    /// No format matches the spelling.
    Syntax,
    /// A format matches, but there is no such day (e.g. 2019-02-30).
    Impossible,
}

impl DateFormat {
    /// Tokens: `YYYY` (4-digit year), `MM`/`DD` (exactly 2 digits), `M`/`D` (1 or 2 digits).
    /// Every other character must appear literally. A year is required; a day needs a month.
    pub fn parse(pattern: &str) -> Result<DateFormat, String> {
        let chars: Vec<char> = pattern.chars().collect();
        let mut toks = Vec::new();
        let mut i = 0;
        let (mut years, mut months, mut days) = (0, 0, 0);
        while i < chars.len() {
            let run = chars[i..].iter().take_while(|c| **c == chars[i]).count();
            match chars[i] {
                'Y' => {
                    if run != 4 {
                        return Err("the year must be written YYYY".to_owned());
                    }
                    years += 1;
                    toks.push(Tok::Year);
                }
                'M' | 'D' if run <= 2 => {
                    let (min, max) = if run == 2 { (2, 2) } else { (1, 2) };
                    if chars[i] == 'M' {
                        months += 1;
                        toks.push(Tok::Month { min, max });
                    } else {
                        days += 1;
                        toks.push(Tok::Day { min, max });
                    }
                }
                'M' | 'D' => return Err("months and days are written M, MM, D or DD".to_owned()),
                c => {
                    for _ in 0..run {
                        toks.push(Tok::Lit(c));
                    }
                }
            }
            i += run;
        }
        if years != 1 || months > 1 || days > 1 || (days == 1 && months == 0) {
            return Err(
                "a format needs exactly one YYYY, at most one month and a day only with a month"
                    .to_owned(),
            );
        }
        Ok(DateFormat {
            text: pattern.to_owned(),
            toks,
        })
    }

    /// `Ok(date)` when the whole value matches this format.
    pub fn apply(&self, input: &str) -> Result<NaiveDate, DateError> {
        let s: Vec<char> = input.chars().collect();
        let mut pos = 0;
        let (mut y, mut m, mut d) = (None, None, None);
        let digits = |pos: usize, min: usize, max: usize| -> Option<(u32, usize)> {
            let n = s[pos..]
                .iter()
                .take(max)
                .take_while(|c| c.is_ascii_digit())
                .count();
            if n < min {
                return None;
            }
            let v = s[pos..pos + n]
                .iter()
                .fold(0u32, |acc, c| acc * 10 + c.to_digit(10).unwrap_or(0));
            Some((v, n))
        };
        for tok in &self.toks {
            match *tok {
                Tok::Year => {
                    let (v, n) = digits(pos, 4, 4).ok_or(DateError::Syntax)?;
                    y = Some(v);
                    pos += n;
                }
                Tok::Month { min, max } => {
                    let (v, n) = digits(pos, min, max).ok_or(DateError::Syntax)?;
                    m = Some(v);
                    pos += n;
                }
                Tok::Day { min, max } => {
                    let (v, n) = digits(pos, min, max).ok_or(DateError::Syntax)?;
                    d = Some(v);
                    pos += n;
                }
                Tok::Lit(c) => {
                    if s.get(pos) != Some(&c) {
                        return Err(DateError::Syntax);
                    }
                    pos += 1;
                }
            }
        }
        if pos != s.len() {
            return Err(DateError::Syntax);
        }
        let year = i32::try_from(y.ok_or(DateError::Syntax)?).map_err(|_| DateError::Syntax)?;
        NaiveDate::from_ymd_opt(year, m.unwrap_or(1), d.unwrap_or(1)).ok_or(DateError::Impossible)
    }
}

/// Drops a trailing time of day: `2019-03-05 08:00:00` / `2019-03-05T00:00` → `2019-03-05`.
fn strip_time(input: &str) -> &str {
    for (i, c) in input.char_indices() {
        if (c == ' ' || c == 'T') && i >= 4 {
            let rest = &input[i + c.len_utf8()..];
            if rest.contains(':')
                && rest
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == ':' || c == '.')
            {
                return input[..i].trim_end();
            }
        }
    }
    input
}

/// Parses a trimmed value with the first matching format.
pub fn parse_date(input: &str, formats: &[DateFormat]) -> Result<NaiveDate, DateError> {
    let s = strip_time(input.trim());
    let mut impossible = false;
    for f in formats {
        match f.apply(s) {
            Ok(d) => return Ok(d),
            Err(DateError::Impossible) => impossible = true,
            Err(DateError::Syntax) => {}
        }
    }
    Err(if impossible {
        DateError::Impossible
    } else {
        DateError::Syntax
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::DEFAULT_DATE_FORMATS;

    fn defaults() -> Vec<DateFormat> {
        DEFAULT_DATE_FORMATS
            .iter()
            .map(|f| DateFormat::parse(f).unwrap())
            .collect()
    }

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn accepts_the_documented_spellings() {
        let f = defaults();
        for (s, want) in [
            ("2019-03-05", ymd(2019, 3, 5)),
            ("2019/3/5", ymd(2019, 3, 5)),
            ("20190305", ymd(2019, 3, 5)),
            ("2019-03", ymd(2019, 3, 1)),
            ("2019", ymd(2019, 1, 1)),
            ("2019年3月5日", ymd(2019, 3, 5)),
            (" 2019-03-05 00:00:00 ", ymd(2019, 3, 5)),
            ("2019-03-05T08:30", ymd(2019, 3, 5)),
            ("2019.12.31", ymd(2019, 12, 31)),
        ] {
            assert_eq!(parse_date(s, &f), Ok(want), "{s}");
        }
    }

    #[test]
    fn refuses_nonsense_and_impossible_days() {
        let f = defaults();
        assert_eq!(parse_date("2019-02-30", &f), Err(DateError::Impossible));
        assert_eq!(parse_date("20191301", &f), Err(DateError::Impossible));
        assert_eq!(parse_date("去年", &f), Err(DateError::Syntax));
        assert_eq!(parse_date("19-3-5", &f), Err(DateError::Syntax));
        assert_eq!(parse_date("2019-03-05x", &f), Err(DateError::Syntax));
        assert_eq!(parse_date("", &f), Err(DateError::Syntax));
    }

    #[test]
    fn pattern_rules() {
        assert!(DateFormat::parse("DD/MM/YYYY").is_ok());
        assert!(DateFormat::parse("YY-MM-DD").is_err());
        assert!(DateFormat::parse("YYYY-DD").is_err());
        assert!(DateFormat::parse("MMM YYYY").is_err());
        let f = DateFormat::parse("DD/MM/YYYY").unwrap();
        assert_eq!(f.apply("05/03/2019"), Ok(ymd(2019, 3, 5)));
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,20}") {
            let _ = parse_date(&s, &defaults());
        }
    }
}
