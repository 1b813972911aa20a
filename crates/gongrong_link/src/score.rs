//! Scoring: match weight = prior + Σ level weights + term-frequency adjustment of the name; domain rules
//! as hard constraints; the three bands; explanations.

use crate::compare::{Comparison, Levels, N_COMPARISONS};
use crate::config::Bands;
use crate::model::{Model, Table};
use crate::normalize::IdStatus;
use crate::prepare::Prep;
use serde::{Deserialize, Serialize};

/// Decision band of a pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    Match,
    Review,
    NonMatch,
}

/// A domain rule that overrode or capped the weight's verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// Both ID numbers pass the GB 11643 checksum and differ: different people (a typo never yields
    /// another valid number). Such pairs are decided during blocking and not scored.
    DistinctValidIds,
    /// Two members of one household of one source are different people (unless duplicates).
    SameHousehold,
    /// A side has no usable identifier (no valid or repairable ID number, nor a name and a birth date):
    /// never matched automatically.
    NoUsableIdentifier,
    /// Two records of one source that are not duplicates by the rules (same ID number; or same household,
    /// name and birth date with numbers that do not disagree): at most review.
    WithinSourceNotDuplicate,
    /// Matching would put two records of one source into one person; the stronger link won.
    ClusterConflict,
}

/// Why two records of one source are the same person.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DuplicateReason {
    SameIdNumber,
    SameHouseholdNameBirthDate,
}

/// A scored candidate pair (only match and review pairs, and pairs a domain rule vetoed although their
/// weight alone matched, are kept).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScoredPair {
    /// Record indices, `a < b`.
    pub a: u32,
    pub b: u32,
    /// Match weight (log2 posterior odds), term-frequency adjustment included.
    pub weight: f32,
    /// The name term's term-frequency adjustment (already in `weight`).
    pub tf_adjustment: f32,
    pub levels: Levels,
    pub band: Band,
    pub rule: Option<Rule>,
    /// Set on within-source matches that are duplicates.
    pub duplicate: Option<DuplicateReason>,
}

impl ScoredPair {
    /// Probability that the two records are one person, from the weight.
    pub fn probability(&self) -> f64 {
        let w = f64::from(self.weight);
        1.0 / (1.0 + (-w).exp2())
    }
}

/// Everything that went into a pair's weight, for a clerk or the `link` output.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    pub a: u32,
    pub b: u32,
    pub prior_weight: f64,
    pub terms: Vec<Term>,
    pub weight: f64,
    pub probability: f64,
    pub band: Band,
    pub rule: Option<Rule>,
    pub duplicate: Option<DuplicateReason>,
}

/// One comparison's contribution.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Term {
    pub comparison: Comparison,
    pub level: String,
    /// log2(m/u) of the level.
    pub weight: f64,
    /// Term-frequency adjustment (name only): positive for rare names, negative for common ones.
    pub tf_adjustment: f64,
}

/// Builds the explanation of a scored pair.
pub fn explain(model: &Model, pair: &ScoredPair) -> Explanation {
    let terms = Comparison::ALL
        .iter()
        .map(|&c| {
            let l = pair.levels.get(c);
            Term {
                comparison: c,
                level: c
                    .levels()
                    .get(usize::from(l))
                    .copied()
                    .unwrap_or("?")
                    .to_owned(),
                weight: model.weight(c, l),
                tf_adjustment: if c == Comparison::Name {
                    f64::from(pair.tf_adjustment)
                } else {
                    0.0
                },
            }
        })
        .collect();
    Explanation {
        a: pair.a,
        b: pair.b,
        prior_weight: model.prior_weight,
        terms,
        weight: f64::from(pair.weight),
        probability: pair.probability(),
        band: pair.band,
        rule: pair.rule,
        duplicate: pair.duplicate,
    }
}

/// Scores pairs against a fixed model.
pub(crate) struct Scorer<'a> {
    pub weights: Table,
    pub u: Table,
    pub prior_weight: f64,
    pub records: f64,
    pub tf: bool,
    pub bands: &'a Bands,
}

impl Scorer<'_> {
    fn tf_adjustment(&self, a: &Prep, b: &Prep, name_level: u8) -> f64 {
        if !self.tf {
            return 0.0;
        }
        let k = Comparison::Name.index();
        let n = self.records.max(1.0);
        match name_level {
            1 => {
                let tf = f64::from(a.name_count.max(b.name_count)) / n;
                (self.u[k][1] / tf).log2()
            }
            2 => {
                let other = a
                    .pinyin_count
                    .saturating_sub(a.name_count.min(b.name_count));
                let tf = f64::from(other.max(1)) / n;
                (self.u[k][2] / tf).log2()
            }
            _ => 0.0,
        }
    }

    pub fn score(&self, ia: u32, ib: u32, a: &Prep, b: &Prep, levels: Levels) -> ScoredPair {
        let mut w = self.prior_weight;
        for k in 0..N_COMPARISONS {
            w += self.weights[k][usize::from(levels.0[k])];
        }
        let tf = self.tf_adjustment(a, b, levels.get(Comparison::Name));
        w += tf;
        let by_weight = if w >= self.bands.match_weight {
            Band::Match
        } else if w >= self.bands.review_weight {
            Band::Review
        } else {
            Band::NonMatch
        };
        let cap_review = |band: Band| {
            if band == Band::Match {
                Band::Review
            } else {
                band
            }
        };
        let mut duplicate = None;
        let (band, rule) =
            if a.id_status == IdStatus::Valid && b.id_status == IdStatus::Valid && a.id != b.id {
                (Band::NonMatch, Some(Rule::DistinctValidIds))
            } else if a.source == b.source {
                let same_id = levels.get(Comparison::IdNumber) == 1;
                let same_hh = a.household != 0 && a.household == b.household;
                let same_nb =
                    levels.get(Comparison::Name) == 1 && levels.get(Comparison::BirthDate) == 1;
                // Same household, name and birth date is a duplicate only if the numbers do not disagree
                // (namesake twins exist).
                let ids_agree = matches!(levels.get(Comparison::IdNumber), 0 | 2);
                if same_id {
                    duplicate = Some(DuplicateReason::SameIdNumber);
                    (by_weight, None)
                } else if same_hh && same_nb && ids_agree {
                    duplicate = Some(DuplicateReason::SameHouseholdNameBirthDate);
                    (by_weight, None)
                } else if same_hh {
                    (Band::NonMatch, Some(Rule::SameHousehold))
                } else if by_weight == Band::Match {
                    (Band::Review, Some(Rule::WithinSourceNotDuplicate))
                } else {
                    (by_weight, None)
                }
            } else {
                (by_weight, None)
            };
        let (band, rule) = if (!a.usable || !b.usable) && band == Band::Match {
            (cap_review(band), Some(Rule::NoUsableIdentifier))
        } else {
            (band, rule)
        };
        ScoredPair {
            a: ia,
            b: ib,
            weight: w as f32,
            tf_adjustment: tf as f32,
            levels,
            band,
            rule,
            duplicate: duplicate.filter(|_| band == Band::Match),
        }
    }

    /// Whether a scored pair is worth keeping in the output.
    pub fn keep(&self, p: &ScoredPair) -> bool {
        p.band != Band::NonMatch
            || (p.rule.is_some() && f64::from(p.weight) >= self.bands.match_weight)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::{Comparer, MAX_LEVELS};
    use crate::config::ComparisonConfig;
    use crate::prepare::Prepared;
    use crate::record::LinkRecord;
    use chrono::NaiveDate;

    fn rec(
        source: u8,
        hh: &str,
        id: Option<String>,
        name: &str,
        birth: Option<NaiveDate>,
    ) -> LinkRecord {
        LinkRecord {
            household: Some(hh.to_owned()),
            id_raw: id,
            birth_date: birth,
            ..LinkRecord::new(source, 1, name)
        }
    }

    fn id(body: &str) -> Option<String> {
        Some(
            gongrong_domain::IdNumber::from_first17(body)
                .unwrap()
                .to_string(),
        )
    }

    /// Every agreeing level +10, every other level −10, no prior, no term frequencies.
    fn verdicts(records: &[LinkRecord]) -> Vec<ScoredPair> {
        let p = Prepared::build(records);
        let cfg = ComparisonConfig::default();
        let cmp = Comparer::new(&p, &cfg);
        let mut weights = [[-10.0; MAX_LEVELS]; N_COMPARISONS];
        for row in &mut weights {
            row[0] = 0.0;
            row[1] = 10.0;
        }
        weights[0][2] = 10.0;
        let bands = Bands::default();
        let scorer = Scorer {
            weights,
            u: [[0.5; MAX_LEVELS]; N_COMPARISONS],
            prior_weight: 0.0,
            records: records.len() as f64,
            tf: false,
            bands: &bands,
        };
        (1..records.len())
            .map(|j| {
                let (a, b) = (&p.recs[0], &p.recs[j]);
                scorer.score(0, j as u32, a, b, cmp.compare(a, b))
            })
            .collect()
    }

    #[test]
    fn domain_rules() {
        let d = NaiveDate::from_ymd_opt(1980, 1, 1);
        let base = id("37030519800101101");
        let typo = base.as_ref().map(|s| format!("{}9{}", &s[..16], &s[17..]));
        let v = verdicts(&[
            rec(0, "H1", base.clone(), "王伟", d),
            // 1: another valid number, everything else equal.
            rec(1, "D1", id("37030519800101103"), "王伟", d),
            // 2: same household of the same source, no number, different name.
            rec(0, "H1", None, "王芳", d),
            // 3: same household, same name and birth date, the number a typo of the first.
            rec(0, "H1", typo, "王伟", d),
            // 4: same number in the same source, another household.
            rec(0, "H2", base.clone(), "王伟", d),
            // 5: same source, other household, no number: strong but not a duplicate.
            rec(0, "H3", None, "王伟", d),
            // 6: other source, no number and no birth date: no usable identifier.
            rec(1, "D2", None, "王伟", None),
            // 7: other source, same number: a plain match.
            rec(1, "D3", base, "王伟", d),
        ]);
        let got: Vec<_> = v.iter().map(|p| (p.band, p.rule, p.duplicate)).collect();
        use DuplicateReason::*;
        assert_eq!(
            got,
            [
                (Band::NonMatch, Some(Rule::DistinctValidIds), None),
                (Band::NonMatch, Some(Rule::SameHousehold), None),
                (Band::Match, None, Some(SameHouseholdNameBirthDate)),
                (Band::Match, None, Some(SameIdNumber)),
                (Band::Review, Some(Rule::WithinSourceNotDuplicate), None),
                (Band::Review, Some(Rule::NoUsableIdentifier), None),
                (Band::Match, None, None),
            ]
        );
    }
}
