//! Money in integer fen (分, 1/100 yuan). No floats ever hold an amount.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Mul, Neg, Sub, SubAssign};

#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Money(i64);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("amount is empty")]
    Empty,
    #[error("amount {0:?} is not a number of yuan (e.g. 1500 or 1,500.50)")]
    Syntax(String),
    #[error("amount {0:?} has more than two decimal places")]
    TooPrecise(String),
    #[error("amount {0:?} is out of range")]
    Overflow(String),
}

impl Money {
    pub const ZERO: Money = Money(0);

    pub const fn from_fen(fen: i64) -> Self {
        Money(fen)
    }

    pub const fn from_yuan(yuan: i64) -> Self {
        Money(yuan * 100)
    }

    pub const fn fen(self) -> i64 {
        self.0
    }

    /// Parses a yuan amount as written in registers: `1500`, `1,500.5`, `1500.00元`, `¥12.30`, `-3`.
    pub fn parse_yuan(input: &str) -> Result<Self, MoneyError> {
        let cleaned: String = input
            .trim()
            .trim_start_matches(['¥', '￥'])
            .trim_end_matches('元')
            .chars()
            .filter(|c| *c != ',' && *c != '，' && !c.is_whitespace())
            .collect();
        if cleaned.is_empty() {
            return Err(MoneyError::Empty);
        }
        let (neg, digits) = match cleaned.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, cleaned.as_str()),
        };
        let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
        if int.is_empty() && frac.is_empty()
            || !int.chars().all(|c| c.is_ascii_digit())
            || !frac.chars().all(|c| c.is_ascii_digit())
        {
            return Err(MoneyError::Syntax(input.to_owned()));
        }
        let frac_trimmed = frac.trim_end_matches('0');
        if frac_trimmed.len() > 2 {
            return Err(MoneyError::TooPrecise(input.to_owned()));
        }
        let overflow = || MoneyError::Overflow(input.to_owned());
        let yuan: i64 = if int.is_empty() {
            0
        } else {
            int.parse().map_err(|_| overflow())?
        };
        let mut fen_part = 0i64;
        for (i, c) in frac_trimmed.chars().enumerate() {
            let d = i64::from(c as u8 - b'0');
            fen_part += if i == 0 { d * 10 } else { d };
        }
        let fen = yuan
            .checked_mul(100)
            .and_then(|v| v.checked_add(fen_part))
            .ok_or_else(overflow)?;
        Ok(Money(if neg { -fen } else { fen }))
    }

    /// Multiplies by a rational `num/den`, rounding half away from zero to the fen.
    pub fn mul_ratio(self, num: i64, den: i64) -> Money {
        if den == 0 {
            return Money::ZERO;
        }
        let p = i128::from(self.0) * i128::from(num);
        let d = i128::from(den);
        let q = p / d;
        let r = p % d;
        let adj = if 2 * r.abs() >= d.abs() {
            p.signum() * d.signum()
        } else {
            0
        };
        Money((q + adj) as i64)
    }

    pub fn max(self, other: Money) -> Money {
        if self >= other { self } else { other }
    }

    pub fn min(self, other: Money) -> Money {
        if self <= other { self } else { other }
    }

    pub fn is_negative(self) -> bool {
        self.0 < 0
    }
}

impl fmt::Display for Money {
    /// `1500.00` — yuan with two decimals.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", a / 100, a % 100)
    }
}

impl Add for Money {
    type Output = Money;
    fn add(self, o: Money) -> Money {
        Money(self.0 + o.0)
    }
}
impl AddAssign for Money {
    fn add_assign(&mut self, o: Money) {
        self.0 += o.0;
    }
}
impl Sub for Money {
    type Output = Money;
    fn sub(self, o: Money) -> Money {
        Money(self.0 - o.0)
    }
}
impl SubAssign for Money {
    fn sub_assign(&mut self, o: Money) {
        self.0 -= o.0;
    }
}
impl Neg for Money {
    type Output = Money;
    fn neg(self) -> Money {
        Money(-self.0)
    }
}
impl Mul<i64> for Money {
    type Output = Money;
    fn mul(self, k: i64) -> Money {
        Money(self.0 * k)
    }
}
impl Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        Money(iter.map(|m| m.0).sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_register_amounts() {
        assert_eq!(Money::parse_yuan("1500").unwrap().fen(), 150_000);
        assert_eq!(Money::parse_yuan("1,500.5").unwrap().fen(), 150_050);
        assert_eq!(Money::parse_yuan(" ¥12.30元 ").unwrap().fen(), 1_230);
        assert_eq!(Money::parse_yuan("-3").unwrap().fen(), -300);
        assert_eq!(Money::parse_yuan(".5").unwrap().fen(), 50);
        assert_eq!(Money::parse_yuan("2.100").unwrap().fen(), 210);
        assert!(matches!(
            Money::parse_yuan("1.234"),
            Err(MoneyError::TooPrecise(_))
        ));
        assert!(matches!(
            Money::parse_yuan("abc"),
            Err(MoneyError::Syntax(_))
        ));
        assert!(matches!(Money::parse_yuan("."), Err(MoneyError::Syntax(_))));
        assert!(matches!(Money::parse_yuan(""), Err(MoneyError::Empty)));
        assert!(matches!(
            Money::parse_yuan("99999999999999999999"),
            Err(MoneyError::Overflow(_))
        ));
    }

    #[test]
    fn national_example() {
        // standard 800/month, 3 people, household income 900/month → 1,500/month
        let standard = Money::from_yuan(800);
        let per_capita = Money::from_yuan(900).mul_ratio(1, 3);
        assert_eq!((standard - per_capita) * 3, Money::from_yuan(1500));
    }

    #[test]
    fn display_and_rounding() {
        assert_eq!(Money::from_fen(-5).to_string(), "-0.05");
        assert_eq!(Money::from_fen(100).mul_ratio(1, 3).fen(), 33);
        assert_eq!(Money::from_fen(5).mul_ratio(1, 2).fen(), 3);
        assert_eq!(Money::from_fen(-5).mul_ratio(1, 2).fen(), -3);
    }

    proptest::proptest! {
        #[test]
        fn display_round_trips(fen in -10_000_000_000i64..10_000_000_000) {
            let m = Money::from_fen(fen);
            proptest::prop_assert_eq!(Money::parse_yuan(&m.to_string()).unwrap(), m);
        }
    }
}
