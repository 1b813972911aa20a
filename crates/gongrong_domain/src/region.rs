//! Statistical region codes (统计用区划代码): 12 digits = province 2 + city 2 + county 2 +
//! town 3 + village 3. Names for province to town come from the national tables shipped in
//! `data/regions/` (NBS 2022); villages come from the district's own list.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Province,
    City,
    County,
    Town,
    Village,
}

impl Level {
    /// Number of significant leading digits at this level.
    pub fn digits(self) -> usize {
        match self {
            Level::Province => 2,
            Level::City => 4,
            Level::County => 6,
            Level::Town => 9,
            Level::Village => 12,
        }
    }
    pub fn parent(self) -> Option<Level> {
        match self {
            Level::Province => None,
            Level::City => Some(Level::Province),
            Level::County => Some(Level::City),
            Level::Town => Some(Level::County),
            Level::Village => Some(Level::Town),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegionError {
    #[error("region code {0:?} must be 2, 4, 6, 9 or 12 digits")]
    Length(String),
    #[error("region code {0:?} contains a non-digit")]
    Character(String),
    #[error("region code {0:?} has non-zero digits below its level")]
    Shape(String),
    #[error("region code {0} is not in the region table")]
    Unknown(String),
}

/// A 12-digit region code. Shorter codes (2/4/6/9 digits) are padded with zeros.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RegionCode([u8; 12]);

impl RegionCode {
    pub fn parse(input: &str) -> Result<Self, RegionError> {
        let s = input.trim();
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(RegionError::Character(input.to_owned()));
        }
        if ![2, 4, 6, 9, 12].contains(&s.len()) {
            return Err(RegionError::Length(input.to_owned()));
        }
        let mut out = [b'0'; 12];
        out[..s.len()].copy_from_slice(s.as_bytes());
        let code = RegionCode(out);
        // The level is decided by the trailing zero groups; a code must be well-formed top-down.
        let lvl = code.level();
        if out[..lvl.digits()].iter().all(|b| *b == b'0') {
            return Err(RegionError::Shape(input.to_owned()));
        }
        Ok(code)
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The most specific level whose digits are not all zero.
    pub fn level(&self) -> Level {
        let nz = |a: usize, b: usize| self.0[a..b].iter().any(|d| *d != b'0');
        if nz(9, 12) {
            Level::Village
        } else if nz(6, 9) {
            Level::Town
        } else if nz(4, 6) {
            Level::County
        } else if nz(2, 4) {
            Level::City
        } else {
            Level::Province
        }
    }

    /// The significant digits only (`370305100` for a town): the prefix every code inside it shares.
    pub fn prefix(&self) -> &str {
        &self.as_str()[..self.level().digits()]
    }

    pub fn at_level(&self, level: Level) -> RegionCode {
        let mut out = [b'0'; 12];
        let n = level.digits().min(self.level().digits());
        out[..n].copy_from_slice(&self.0[..n]);
        RegionCode(out)
    }

    pub fn parent(&self) -> Option<RegionCode> {
        self.level().parent().map(|l| self.at_level(l))
    }

    /// The town (9-digit level) this code lies in, if it is at town level or below.
    pub fn town(&self) -> Option<RegionCode> {
        (self.level() >= Level::Town).then(|| self.at_level(Level::Town))
    }

    pub fn contains(&self, other: &RegionCode) -> bool {
        other.as_str().starts_with(self.prefix()) && other.level() >= self.level()
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
impl fmt::Debug for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RegionCode({})", self.as_str())
    }
}
impl std::str::FromStr for RegionCode {
    type Err = RegionError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}
impl Serialize for RegionCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}
impl<'de> Deserialize<'de> for RegionCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// The area a user may see: everything, or everything inside one region.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Scope {
    All,
    Within(RegionCode),
}

impl Scope {
    /// The code prefix a region column must start with (empty for `All`).
    pub fn prefix(&self) -> &str {
        match self {
            Scope::All => "",
            Scope::Within(r) => r.prefix(),
        }
    }
    /// A SQL `LIKE` pattern matching every code inside the scope.
    pub fn like_pattern(&self) -> String {
        format!("{}%", self.prefix())
    }
    pub fn contains(&self, code: &RegionCode) -> bool {
        match self {
            Scope::All => true,
            Scope::Within(r) => r.contains(code),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Region {
    pub code: RegionCode,
    pub name: String,
}

/// Region names from province down to village.
#[derive(Clone, Debug, Default)]
pub struct RegionTable {
    names: HashMap<RegionCode, String>,
}

const PROVINCES: &str = include_str!("../../../data/regions/provinces.csv");
const CITIES: &str = include_str!("../../../data/regions/cities.csv");
const COUNTIES: &str = include_str!("../../../data/regions/areas.csv");
const TOWNS: &str = include_str!("../../../data/regions/streets.csv");

impl RegionTable {
    /// The national table (NBS 2022) down to towns, shipped with the program.
    pub fn national() -> Self {
        let mut t = RegionTable::default();
        for text in [PROVINCES, CITIES, COUNTIES, TOWNS] {
            for line in text.lines().skip(1) {
                let mut cols = line.splitn(3, ',');
                let (Some(code), Some(name)) = (cols.next(), cols.next()) else {
                    continue;
                };
                if let Ok(code) = RegionCode::parse(code) {
                    t.names.insert(code, name.trim_matches('"').to_owned());
                }
            }
        }
        t
    }

    /// Adds or renames a region (villages come from the district's own list).
    pub fn insert(&mut self, code: RegionCode, name: impl Into<String>) {
        self.names.insert(code, name.into());
    }

    pub fn name(&self, code: &RegionCode) -> Option<&str> {
        self.names.get(code).map(String::as_str)
    }

    pub fn contains(&self, code: &RegionCode) -> bool {
        self.names.contains_key(code)
    }

    /// `Err(Unknown)` unless the code and every ancestor is in the table.
    pub fn check(&self, code: &RegionCode) -> Result<(), RegionError> {
        let mut cur = Some(*code);
        while let Some(c) = cur {
            if !self.contains(&c) {
                return Err(RegionError::Unknown(c.to_string()));
            }
            cur = c.parent();
        }
        Ok(())
    }

    /// Direct children of a region, sorted by code.
    pub fn children(&self, parent: &RegionCode) -> Vec<Region> {
        let Some(child_level) = (match parent.level() {
            Level::Province => Some(Level::City),
            Level::City => Some(Level::County),
            Level::County => Some(Level::Town),
            Level::Town => Some(Level::Village),
            Level::Village => None,
        }) else {
            return Vec::new();
        };
        let mut out: Vec<Region> = self
            .names
            .iter()
            .filter(|(c, _)| c.level() == child_level && parent.contains(c))
            .map(|(c, n)| Region {
                code: *c,
                name: n.clone(),
            })
            .collect();
        out.sort_by_key(|r| r.code);
        out
    }

    /// "山东省 淄博市 临淄区 齐都镇 …" from the province down.
    pub fn full_name(&self, code: &RegionCode) -> String {
        let mut parts = Vec::new();
        let mut cur = Some(*code);
        while let Some(c) = cur {
            parts.push(self.name(&c).unwrap_or(c.as_str()).to_owned());
            cur = c.parent();
        }
        parts.reverse();
        parts.join(" ")
    }
}

/// Linzi District, Zibo, Shandong — the district of the seed report.
pub const LINZI: &str = "370305";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_and_parents() {
        let v = RegionCode::parse("370305100201").unwrap();
        assert_eq!(v.level(), Level::Village);
        assert_eq!(v.town().unwrap().as_str(), "370305100000");
        assert_eq!(v.parent().unwrap().prefix(), "370305100");
        assert_eq!(RegionCode::parse("370305").unwrap().level(), Level::County);
        assert_eq!(RegionCode::parse("37").unwrap().parent(), None);
        assert!(RegionCode::parse("370305").unwrap().contains(&v));
        assert!(!RegionCode::parse("370305101").unwrap().contains(&v));
        assert!(matches!(
            RegionCode::parse("37030"),
            Err(RegionError::Length(_))
        ));
        assert!(matches!(
            RegionCode::parse("3703O5"),
            Err(RegionError::Character(_))
        ));
        assert!(matches!(
            RegionCode::parse("000000"),
            Err(RegionError::Shape(_))
        ));
    }

    #[test]
    fn national_table_has_linzis_twelve_towns() {
        let t = RegionTable::national();
        let linzi = RegionCode::parse(LINZI).unwrap();
        assert_eq!(t.name(&linzi), Some("临淄区"));
        let towns = t.children(&linzi);
        assert_eq!(towns.len(), 12);
        assert_eq!(towns[0].name, "闻韶街道");
        assert_eq!(t.full_name(&towns[5].code), "山东省 淄博市 临淄区 齐都镇");
        let v = RegionCode::parse("370305100201").unwrap();
        assert_eq!(
            t.check(&v),
            Err(RegionError::Unknown("370305100201".into()))
        );
        let mut t = t;
        t.insert(v, "东关村");
        assert_eq!(t.check(&v), Ok(()));
    }

    #[test]
    fn scope_prefixes() {
        let town = RegionCode::parse("370305100").unwrap();
        assert_eq!(Scope::Within(town).like_pattern(), "370305100%");
        assert_eq!(Scope::All.like_pattern(), "%");
        assert!(Scope::Within(town).contains(&RegionCode::parse("370305100201").unwrap()));
    }
}
