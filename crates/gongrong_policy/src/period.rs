//! Periods: what a variable is defined per (a month, a year, or no period), and the period an
//! evaluation is asked for.
//!
//! An evaluation is asked for a **month** (`2024-06`) or a **year** (`2024`). In a month, monthly
//! variables take that month and yearly variables the year containing it; in a year, only yearly
//! and fixed variables exist. A formula may look back a whole number of years with `x@last_year`;
//! the instance of every variable is therefore "the evaluation period shifted by k years", with
//! `k = 0, -1, …` (the *year offset*), and the set of instances an evaluation needs is static.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use std::fmt;
use std::str::FromStr;

/// How far back a chain of `@last_year` references may reach.
pub const MAX_YEARS_BACK: i8 = 3;

/// What a variable is defined per.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodKind {
    Month,
    Year,
    /// A fact with no period in this model (a birth date, a disability certificate).
    Fixed,
}

impl PeriodKind {
    pub fn parse(s: &str) -> Option<PeriodKind> {
        match s {
            "month" => Some(PeriodKind::Month),
            "year" => Some(PeriodKind::Year),
            "fixed" => Some(PeriodKind::Fixed),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            PeriodKind::Month => "month",
            PeriodKind::Year => "year",
            PeriodKind::Fixed => "fixed",
        }
    }

    /// May a formula of period `self` read a variable of period `other` (at the same offset)?
    /// Month reads month, year and fixed; year reads year and fixed; fixed reads fixed.
    pub fn can_read(self, other: PeriodKind) -> bool {
        match self {
            PeriodKind::Month => true,
            PeriodKind::Year => other != PeriodKind::Month,
            PeriodKind::Fixed => other == PeriodKind::Fixed,
        }
    }
}

/// A concrete period: one month or one calendar year.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Period {
    Month { year: i32, month: u32 },
    Year(i32),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a period (expected a year such as 2024 or a month such as 2024-06)")]
pub struct PeriodError(pub String);

impl Period {
    pub fn month(year: i32, month: u32) -> Option<Period> {
        (1..=12)
            .contains(&month)
            .then_some(Period::Month { year, month })
    }

    pub fn year(&self) -> i32 {
        match *self {
            Period::Month { year, .. } | Period::Year(year) => year,
        }
    }

    pub fn is_month(&self) -> bool {
        matches!(self, Period::Month { .. })
    }

    /// The first day of the period: the date at which parameters are read.
    pub fn start(&self) -> NaiveDate {
        let d = match *self {
            Period::Month { year, month } => NaiveDate::from_ymd_opt(year, month, 1),
            Period::Year(year) => NaiveDate::from_ymd_opt(year, 1, 1),
        };
        d.unwrap_or(NaiveDate::MIN)
    }

    /// The last day of the period.
    pub fn end(&self) -> NaiveDate {
        let next = match *self {
            Period::Month { year, month: 12 } => NaiveDate::from_ymd_opt(year + 1, 1, 1),
            Period::Month { year, month } => NaiveDate::from_ymd_opt(year, month + 1, 1),
            Period::Year(year) => NaiveDate::from_ymd_opt(year + 1, 1, 1),
        };
        next.and_then(|d| d.pred_opt()).unwrap_or(NaiveDate::MAX)
    }

    /// The same period `years` years later (negative: earlier).
    pub fn shift_years(&self, years: i32) -> Period {
        match *self {
            Period::Month { year, month } => Period::Month {
                year: year + years,
                month,
            },
            Period::Year(year) => Period::Year(year + years),
        }
    }

    /// The period of kind `kind` that a variable takes in an evaluation of `self`, shifted by
    /// `offset` years; `None` for fixed variables and for monthly variables in a yearly
    /// evaluation.
    pub fn instance(&self, kind: PeriodKind, offset: i8) -> Option<Period> {
        let shifted = self.shift_years(i32::from(offset));
        match (kind, shifted) {
            (PeriodKind::Fixed, _) => None,
            (PeriodKind::Year, p) => Some(Period::Year(p.year())),
            (PeriodKind::Month, p @ Period::Month { .. }) => Some(p),
            (PeriodKind::Month, Period::Year(_)) => None,
        }
    }

    /// The months of the period (12 for a year).
    pub fn months(&self) -> Vec<Period> {
        match *self {
            Period::Month { .. } => vec![*self],
            Period::Year(year) => (1..=12)
                .map(|month| Period::Month { year, month })
                .collect(),
        }
    }

    /// The period a given date falls in, as a month.
    pub fn month_of(date: NaiveDate) -> Period {
        Period::Month {
            year: date.year(),
            month: date.month(),
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Period::Month { year, month } => write!(f, "{year:04}-{month:02}"),
            Period::Year(year) => write!(f, "{year:04}"),
        }
    }
}

impl FromStr for Period {
    type Err = PeriodError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || PeriodError(s.to_owned());
        let t = s.trim();
        match t.split_once('-') {
            None => {
                if t.len() != 4 {
                    return Err(err());
                }
                t.parse::<i32>().map(Period::Year).map_err(|_| err())
            }
            Some((y, m)) => {
                if y.len() != 4 || m.is_empty() || m.len() > 2 {
                    return Err(err());
                }
                let year = y.parse::<i32>().map_err(|_| err())?;
                let month = m.parse::<u32>().map_err(|_| err())?;
                Period::month(year, month).ok_or_else(err)
            }
        }
    }
}

impl Serialize for Period {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_bounds() {
        let p: Period = "2024-02".parse().unwrap();
        assert_eq!(p.start(), NaiveDate::from_ymd_opt(2024, 2, 1).unwrap());
        assert_eq!(p.end(), NaiveDate::from_ymd_opt(2024, 2, 29).unwrap());
        assert_eq!(p.to_string(), "2024-02");
        let y: Period = "2023".parse().unwrap();
        assert_eq!(y.end(), NaiveDate::from_ymd_opt(2023, 12, 31).unwrap());
        let dec: Period = "2023-12".parse().unwrap();
        assert_eq!(dec.end(), NaiveDate::from_ymd_opt(2023, 12, 31).unwrap());
        assert!("2024-13".parse::<Period>().is_err());
        assert!("24".parse::<Period>().is_err());
        assert_eq!(p.instance(PeriodKind::Year, -1), Some(Period::Year(2023)));
        assert_eq!(
            p.instance(PeriodKind::Month, -1),
            Some(Period::Month {
                year: 2023,
                month: 2
            })
        );
        assert_eq!(y.instance(PeriodKind::Month, 0), None);
        assert_eq!(y.months().len(), 12);
    }
}
