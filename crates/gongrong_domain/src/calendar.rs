//! Working-day calendar. Legal limits (survey within 3 working days, decision within 10, …) count
//! working days: Monday–Friday, minus public holidays, plus the weekend make-up days (调休上班)
//! the State Council announces each year. Both lists come from a TOML file a district maintains.

use chrono::{Datelike, NaiveDate, Weekday};
use serde::Deserialize;
use std::collections::BTreeSet;

#[derive(Debug, thiserror::Error)]
pub enum CalendarError {
    #[error("calendar file: {0}")]
    Toml(#[from] toml::de::Error),
    #[error("calendar file: {key} holds {value}, which is not a plain date (YYYY-MM-DD)")]
    NotADate { key: String, value: String },
    #[error("calendar file: {day} is listed both as a holiday and as a make-up working day")]
    Conflict { day: NaiveDate },
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WorkingCalendar {
    holidays: BTreeSet<NaiveDate>,
    makeup_days: BTreeSet<NaiveDate>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CalendarFile {
    #[serde(default)]
    holidays: Vec<toml::value::Datetime>,
    #[serde(default)]
    makeup_workdays: Vec<toml::value::Datetime>,
}

fn civil_dates(
    list: Vec<toml::value::Datetime>,
    key: &str,
) -> Result<BTreeSet<NaiveDate>, CalendarError> {
    list.into_iter()
        .map(|dt| {
            dt.date
                .filter(|_| dt.time.is_none())
                .and_then(|d| {
                    NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
                })
                .ok_or_else(|| CalendarError::NotADate {
                    key: key.to_owned(),
                    value: dt.to_string(),
                })
        })
        .collect()
}

/// The calendar shipped with Gongrong (2025–2027 national holidays; illustrative for later years).
pub const DEFAULT_CALENDAR: &str = include_str!("../calendar.toml");

impl WorkingCalendar {
    /// Parses a file of the form
    /// ```toml
    /// holidays = [2026-10-01, 2026-10-02]
    /// makeup_workdays = [2026-09-27]
    /// ```
    pub fn from_toml(text: &str) -> Result<Self, CalendarError> {
        let f: CalendarFile = toml::from_str(text)?;
        let cal = WorkingCalendar {
            holidays: civil_dates(f.holidays, "holidays")?,
            makeup_days: civil_dates(f.makeup_workdays, "makeup_workdays")?,
        };
        if let Some(day) = cal.holidays.intersection(&cal.makeup_days).next() {
            return Err(CalendarError::Conflict { day: *day });
        }
        Ok(cal)
    }

    pub fn shipped() -> Self {
        Self::from_toml(DEFAULT_CALENDAR).unwrap_or_default()
    }

    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        if self.makeup_days.contains(&d) {
            return true;
        }
        if self.holidays.contains(&d) {
            return false;
        }
        !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
    }

    /// The day `n` working days after `start` (`start` itself is day 0 and need not be a working day).
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> NaiveDate {
        let mut d = start;
        let mut left = n;
        while left > 0 {
            d = d.succ_opt().unwrap_or(d);
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// Working days in `(from, to]`; 0 when `to <= from`.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        from.iter_days()
            .skip(1)
            .take_while(|d| *d <= to)
            .filter(|d| self.is_working_day(*d))
            .count() as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn weekends_holidays_and_makeup_days() {
        let cal = WorkingCalendar::from_toml(
            "holidays = [2026-10-01, 2026-10-02, 2026-10-05]\nmakeup_workdays = [2026-09-27]\n",
        )
        .unwrap();
        assert!(cal.is_working_day(d("2026-09-27"))); // a Sunday made a working day
        assert!(!cal.is_working_day(d("2026-10-01")));
        assert!(!cal.is_working_day(d("2026-10-03"))); // Saturday
        // Thursday 2026-09-24 + 3 working days: Fri 25, Sun 27 (make-up), Mon 28
        assert_eq!(cal.add_working_days(d("2026-09-24"), 3), d("2026-09-28"));
        // Wednesday 30 Sep + 1: Thu 1 Oct holiday, Fri 2 holiday, Mon 5 holiday → Tue 6
        assert_eq!(cal.add_working_days(d("2026-09-30"), 1), d("2026-10-06"));
        assert_eq!(
            cal.working_days_between(d("2026-09-30"), d("2026-10-06")),
            1
        );
        assert_eq!(
            cal.working_days_between(d("2026-10-06"), d("2026-09-30")),
            0
        );
    }

    #[test]
    fn bad_files_are_refused() {
        assert!(WorkingCalendar::from_toml("holidays = [2026-13-01]").is_err());
        assert!(WorkingCalendar::from_toml("holiday = [2026-10-01]").is_err());
        assert!(matches!(
            WorkingCalendar::from_toml("holidays = [2026-10-01T08:00:00]"),
            Err(CalendarError::NotADate { .. })
        ));
        assert!(matches!(
            WorkingCalendar::from_toml("holidays = [2026-10-01]\nmakeup_workdays = [2026-10-01]"),
            Err(CalendarError::Conflict { .. })
        ));
    }

    #[test]
    fn shipped_calendar_loads() {
        let cal = WorkingCalendar::from_toml(DEFAULT_CALENDAR).unwrap();
        assert!(!cal.is_working_day(d("2026-10-01")));
        assert!(!cal.is_working_day(d("2026-01-01")));
    }
}
