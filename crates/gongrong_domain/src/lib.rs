//! Gongrong (共融) domain core: the value types and rules every other crate shares.
//!
//! No I/O, no async, and no clock reads: the current date is always a parameter (see [`Clock`]),
//! so that any decision can be replayed.

pub mod calendar;
pub mod codes;
pub mod id_number;
pub mod model;
pub mod money;
pub mod region;
pub mod register;
pub mod role;
pub mod unify;

pub use calendar::WorkingCalendar;
pub use id_number::{IdNumber, IdNumberError};
pub use model::{Disability, Household, Identity, Membership, Person, Source, Validity};
pub use money::Money;
pub use region::{Level, Region, RegionCode, RegionError, RegionTable, Scope};
pub use register::{Register, RegisterRecord};
pub use role::Role;

use chrono::{DateTime, NaiveDate, Utc};

/// User-interface language. Simplified Chinese is the default.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }
}

/// The source of "now". Logic takes a clock (or a date) as a parameter and never reads the
/// system time itself; the binary passes a system clock, tests a fixed one.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
    /// Today in China Standard Time (UTC+8), the date every legal deadline counts in.
    fn today(&self) -> NaiveDate {
        (self.now() + chrono::Duration::hours(8)).date_naive()
    }
}

/// A clock that always says the same instant.
#[derive(Clone, Copy, Debug)]
pub struct FixedClock(pub DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}
