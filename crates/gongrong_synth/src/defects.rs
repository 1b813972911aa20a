//! Defects that real register exports carry, planted at small rates so that import and
//! record linkage can be tested against the truth: ID typos, legacy 15-digit IDs, name
//! spelling variants, deaths recorded in one register only, and duplicated rows.

use crate::ids::IdDigits;
use crate::names::traditional_of;
use crate::people::Person;
use chrono::{Datelike, Duration, NaiveDate};
use gongrong_domain::Register;
use rand::Rng;

/// A planted defect, as named in `truth.csv`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Defect {
    /// One digit of the ID number replaced by another.
    IdTypoSubstitution,
    /// Two adjacent digits of the ID number swapped.
    IdTypoSwap,
    /// The ID number written in the legacy 15-digit form (people born before 2000 only).
    IdLegacy15,
    /// The name in traditional characters, with stray or full-width spaces, or with another
    /// separator in a minority-style name.
    NameVariant,
    /// A person who died, still listed as living in this register while the other register
    /// records the death.
    DeceasedListed,
    /// The same person listed twice in one register household (this row is the repeat).
    DuplicateRow,
}

impl Defect {
    pub const ALL: [Defect; 6] = [
        Defect::IdTypoSubstitution,
        Defect::IdTypoSwap,
        Defect::IdLegacy15,
        Defect::NameVariant,
        Defect::DeceasedListed,
        Defect::DuplicateRow,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Defect::IdTypoSubstitution => "id_typo_substitution",
            Defect::IdTypoSwap => "id_typo_swap",
            Defect::IdLegacy15 => "id_legacy15",
            Defect::NameVariant => "name_variant",
            Defect::DeceasedListed => "deceased_listed",
            Defect::DuplicateRow => "duplicate_row",
        }
    }
}

/// Probability per eligible person of each defect (at most one defect per person).
/// Eligible: everyone, except `id_legacy15` (born before 2000) and `deceased_listed` (listed
/// in both registers).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DefectRates {
    pub id_typo_substitution: f64,
    pub id_typo_swap: f64,
    pub id_legacy15: f64,
    pub name_variant: f64,
    pub deceased_listed: f64,
    pub duplicate_row: f64,
}

impl Default for DefectRates {
    fn default() -> Self {
        Self {
            id_typo_substitution: 0.005,
            id_typo_swap: 0.004,
            id_legacy15: 0.010,
            name_variant: 0.015,
            deceased_listed: 0.008,
            duplicate_row: 0.003,
        }
    }
}

impl DefectRates {
    /// No defects at all: clean registers.
    pub fn none() -> Self {
        Self {
            id_typo_substitution: 0.0,
            id_typo_swap: 0.0,
            id_legacy15: 0.0,
            name_variant: 0.0,
            deceased_listed: 0.0,
            duplicate_row: 0.0,
        }
    }

    fn rate(&self, d: Defect) -> f64 {
        match d {
            Defect::IdTypoSubstitution => self.id_typo_substitution,
            Defect::IdTypoSwap => self.id_typo_swap,
            Defect::IdLegacy15 => self.id_legacy15,
            Defect::NameVariant => self.name_variant,
            Defect::DeceasedListed => self.deceased_listed,
            Defect::DuplicateRow => self.duplicate_row,
        }
    }

    /// Rates must be probabilities and sum to at most 1.
    pub(crate) fn is_valid(&self) -> bool {
        let all: Vec<f64> = Defect::ALL.iter().map(|d| self.rate(*d)).collect();
        all.iter().all(|r| (0.0..=1.0).contains(r)) && all.iter().sum::<f64>() <= 1.0
    }
}

/// Rows carrying each defect in the generated registers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DefectCounts {
    pub id_typo_substitution: u64,
    pub id_typo_swap: u64,
    pub id_legacy15: u64,
    pub name_variant: u64,
    pub deceased_listed: u64,
    pub duplicate_row: u64,
}

impl DefectCounts {
    pub(crate) fn add(&mut self, d: Defect) {
        let slot = match d {
            Defect::IdTypoSubstitution => &mut self.id_typo_substitution,
            Defect::IdTypoSwap => &mut self.id_typo_swap,
            Defect::IdLegacy15 => &mut self.id_legacy15,
            Defect::NameVariant => &mut self.name_variant,
            Defect::DeceasedListed => &mut self.deceased_listed,
            Defect::DuplicateRow => &mut self.duplicate_row,
        };
        *slot += 1;
    }

    pub fn get(&self, d: Defect) -> u64 {
        match d {
            Defect::IdTypoSubstitution => self.id_typo_substitution,
            Defect::IdTypoSwap => self.id_typo_swap,
            Defect::IdLegacy15 => self.id_legacy15,
            Defect::NameVariant => self.name_variant,
            Defect::DeceasedListed => self.deceased_listed,
            Defect::DuplicateRow => self.duplicate_row,
        }
    }

    pub fn total(&self) -> u64 {
        Defect::ALL.iter().map(|d| self.get(*d)).sum()
    }
}

/// The defect planted in one register's copy of a person, with the altered values.
pub(crate) struct Planted {
    pub defect: Defect,
    pub register: Register,
    pub alt_id: Option<IdDigits>,
    pub alt_name: Option<String>,
}

/// Chooses at most one defect for a person, and which register copy carries it.
/// `gbk`: the output cannot hold `•`, so a full-width stop is used in its place.
pub(crate) fn plan<R: Rng>(
    rng: &mut R,
    rates: &DefectRates,
    person: &mut Person,
    as_of: NaiveDate,
    gbk: bool,
) {
    let both = person.in_poverty && person.in_dibao;
    let u: f64 = rng.random();
    let mut acc = 0.0;
    let mut chosen = None;
    for d in Defect::ALL {
        let eligible = match d {
            Defect::IdLegacy15 => person.birth.year() < 2000,
            Defect::DeceasedListed => both,
            _ => true,
        };
        if !eligible {
            continue;
        }
        acc += rates.rate(d);
        if u < acc {
            chosen = Some(d);
            break;
        }
    }
    let Some(defect) = chosen else {
        return;
    };
    let register = match (person.in_poverty, person.in_dibao) {
        (true, true) if rng.random_bool(0.5) => Register::Dibao,
        (true, _) => Register::Poverty,
        _ => Register::Dibao,
    };
    let mut planted = Planted {
        defect,
        register,
        alt_id: None,
        alt_name: None,
    };
    match defect {
        Defect::IdTypoSubstitution => planted.alt_id = Some(person.id.with_substitution(rng)),
        Defect::IdTypoSwap => match person.id.with_swap(rng) {
            Some(id) => planted.alt_id = Some(id),
            None => return,
        },
        Defect::NameVariant => planted.alt_name = Some(name_variant(rng, &person.name, gbk)),
        Defect::DeceasedListed => {
            // Died within the last 18 months; the other register recorded it.
            let days = rng.random_range(10..540);
            person.death = Some(as_of - Duration::days(days));
        }
        Defect::IdLegacy15 | Defect::DuplicateRow => {}
    }
    person.defect = Some(planted);
}

const COMPOUND_SURNAMES: [&str; 3] = ["司马", "欧阳", "诸葛"];

/// A spelling of `name` that a legacy system might hold.
pub(crate) fn name_variant<R: Rng>(rng: &mut R, name: &str, gbk: bool) -> String {
    if name.contains('·') {
        let sep = match rng.random_range(0..3) {
            0 => ".",
            1 if gbk => "．",
            1 => "•",
            _ => "",
        };
        return name.replace('·', sep);
    }
    let surname_len = COMPOUND_SURNAMES
        .iter()
        .find(|s| name.starts_with(*s))
        .map_or_else(
            || name.chars().next().map_or(0, char::len_utf8),
            |s| s.len(),
        );
    let (surname, given) = name.split_at(surname_len.min(name.len()));
    let has_traditional = name.chars().any(|c| traditional_of(c).is_some());
    let kinds = if has_traditional { 3 } else { 2 };
    match rng.random_range(0..kinds) {
        // Full-width space between surname and given name (aligning two-character names).
        0 => format!("{surname}\u{3000}{given}"),
        // A stray ASCII space: trailing, leading or in the middle.
        1 => match rng.random_range(0..3) {
            0 => format!("{name} "),
            1 => format!(" {name}"),
            _ => format!("{surname} {given}"),
        },
        // The first character that has a traditional form, written traditionally.
        _ => {
            let mut done = false;
            name.chars()
                .map(|c| match traditional_of(c) {
                    Some(t) if !done => {
                        done = true;
                        t
                    }
                    _ => c,
                })
                .collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn variants_differ_and_stay_recognisable() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let mut kinds = std::collections::HashSet::new();
        for _ in 0..200 {
            let v = name_variant(&mut rng, "陈秀英", false);
            assert_ne!(v, "陈秀英");
            let normalised: String = v
                .chars()
                .filter(|c| !c.is_whitespace())
                .map(|c| if c == '陳' { '陈' } else { c })
                .collect();
            assert_eq!(normalised, "陈秀英");
            kinds.insert(v);
        }
        assert!(kinds.contains("陳秀英"));
        assert!(kinds.contains("陈\u{3000}秀英"));
        let v = name_variant(&mut rng, "欧阳峰", false);
        assert!(v.contains("欧阳"), "{v}");
        for _ in 0..20 {
            let v = name_variant(&mut rng, "阿依古丽·买买提", true);
            assert!(!v.contains('·') && v.starts_with("阿依古丽"));
            let (_, _, bad) = encoding_rs::GBK.encode(&v);
            assert!(!bad);
        }
        assert!(DefectRates::default().is_valid());
    }
}
