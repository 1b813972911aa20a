//! Pairwise evaluation against known truth (`truth.csv` of the synthetic district:
//! `register,row,person_uid,household_uid,defect`).

use crate::mapping::{LoadError, decode};
use crate::record::LinkRecord;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Defects whose ID number was corrupted (the recall that matters most).
pub const CORRUPTED_ID_DEFECTS: [&str; 2] = ["id_typo_substitution", "id_typo_swap"];

/// Which person each source row describes, and its planted defect.
#[derive(Clone, Debug, Default)]
pub struct Truth {
    rows: FxHashMap<(u8, u64), (u32, u16)>,
    persons: FxHashMap<String, u32>,
    defects: Vec<String>,
}

impl Truth {
    /// Adds one row: `defect` empty or `None` for none.
    pub fn insert(&mut self, source: u8, row: u64, person: &str, defect: Option<&str>) {
        let next = self.persons.len() as u32;
        let pid = *self.persons.entry(person.to_owned()).or_insert(next);
        let did = match defect.map(str::trim).filter(|d| !d.is_empty()) {
            None => 0,
            Some(d) => match self.defects.iter().position(|x| x == d) {
                Some(i) => i as u16 + 1,
                None => {
                    self.defects.push(d.to_owned());
                    self.defects.len() as u16
                }
            },
        };
        self.rows.insert((source, row), (pid, did));
    }

    /// Reads `truth.csv`; `sources` are the configured source names (the `register` column's values).
    pub fn read(path: &Path, sources: &[&str]) -> Result<Truth, LoadError> {
        let bytes = std::fs::read(path).map_err(|e| LoadError::Io {
            path: path.to_owned(),
            source: e,
        })?;
        let text = decode(&bytes).ok_or_else(|| LoadError::Encoding {
            path: path.to_owned(),
        })?;
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(text.as_bytes());
        let mut truth = Truth::default();
        let mut rec = csv::StringRecord::new();
        let mut line = 0u64;
        let bad = |line: u64, message: String| LoadError::Csv {
            path: path.to_owned(),
            row: line,
            message,
        };
        while reader
            .read_record(&mut rec)
            .map_err(|e| bad(line + 1, e.to_string()))?
        {
            line += 1;
            let register = rec.get(0).unwrap_or_default().trim();
            let Some(source) = sources.iter().position(|s| *s == register) else {
                return Err(bad(line, format!("unknown register {register:?}")));
            };
            let row = rec
                .get(1)
                .unwrap_or_default()
                .trim()
                .parse()
                .map_err(|_| bad(line, "row is not an integer".into()))?;
            let person = rec.get(2).unwrap_or_default().trim();
            truth.insert(source as u8, row, person, rec.get(4));
        }
        Ok(truth)
    }

    fn get(&self, r: &LinkRecord) -> Option<(u32, u16)> {
        self.rows.get(&(r.source, r.row)).copied()
    }

    fn defect_name(&self, d: u16) -> Option<&str> {
        usize::from(d)
            .checked_sub(1)
            .and_then(|i| self.defects.get(i))
            .map(String::as_str)
    }
}

/// Recall on the true pairs that involve a record with one kind of defect.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DefectRecall {
    pub defect: String,
    pub pairs: u64,
    pub found: u64,
    pub recall: f64,
}

/// Pairwise precision, recall and F1.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    pub true_pairs: u64,
    pub predicted_pairs: u64,
    pub true_positives: u64,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// True pairs where a record's ID number was corrupted (substitution or swap typo).
    pub corrupted_id_pairs: u64,
    pub corrupted_id_recall: f64,
    pub by_defect: Vec<DefectRecall>,
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}

/// Evaluates predicted pairs (`same(i, j)` says whether records i and j were linked) against the truth.
fn evaluate_with(
    records: &[LinkRecord],
    truth: &Truth,
    predicted_pairs: u64,
    same: impl Fn(u32, u32) -> bool,
) -> Evaluation {
    let mut by_person: FxHashMap<u32, Vec<(u32, u16)>> = FxHashMap::default();
    for (i, r) in records.iter().enumerate() {
        if let Some((pid, defect)) = truth.get(r) {
            by_person.entry(pid).or_default().push((i as u32, defect));
        }
    }
    let mut per_defect: FxHashMap<u16, (u64, u64)> = FxHashMap::default();
    let (mut true_pairs, mut tp) = (0u64, 0u64);
    for members in by_person.values() {
        for (x, &(i, di)) in members.iter().enumerate() {
            for &(j, dj) in &members[x + 1..] {
                let hit = same(i, j);
                true_pairs += 1;
                tp += u64::from(hit);
                let mut ds = vec![di, dj];
                ds.dedup();
                for d in ds.into_iter().filter(|&d| d != 0) {
                    let e = per_defect.entry(d).or_default();
                    e.0 += 1;
                    e.1 += u64::from(hit);
                }
            }
        }
    }
    let mut by_defect: Vec<DefectRecall> = per_defect
        .into_iter()
        .map(|(d, (pairs, found))| DefectRecall {
            defect: truth.defect_name(d).unwrap_or("?").to_owned(),
            pairs,
            found,
            recall: ratio(found, pairs),
        })
        .collect();
    by_defect.sort_by(|a, b| a.defect.cmp(&b.defect));
    // A pair with both ID typos would count twice here; such pairs are counted once below.
    let (mut cp, mut cf) = (0u64, 0u64);
    for members in by_person.values() {
        for (x, &(i, di)) in members.iter().enumerate() {
            for &(j, dj) in &members[x + 1..] {
                let corrupted = [di, dj].iter().any(|&d| {
                    truth
                        .defect_name(d)
                        .is_some_and(|n| CORRUPTED_ID_DEFECTS.contains(&n))
                });
                if corrupted {
                    cp += 1;
                    cf += u64::from(same(i, j));
                }
            }
        }
    }
    let precision = ratio(tp, predicted_pairs);
    let recall = ratio(tp, true_pairs);
    Evaluation {
        true_pairs,
        predicted_pairs,
        true_positives: tp,
        precision,
        recall,
        f1: if precision + recall > 0.0 {
            2.0 * precision * recall / (precision + recall)
        } else {
            0.0
        },
        corrupted_id_pairs: cp,
        corrupted_id_recall: ratio(cf, cp),
        by_defect,
    }
}

/// Pairwise evaluation of a clustering (`cluster_of[i]` = person of record i). Records missing from the
/// truth are ignored.
pub fn evaluate_clusters(records: &[LinkRecord], cluster_of: &[u32], truth: &Truth) -> Evaluation {
    let mut sizes: FxHashMap<u32, u64> = FxHashMap::default();
    for (r, &c) in records.iter().zip(cluster_of) {
        if truth.get(r).is_some() {
            *sizes.entry(c).or_default() += 1;
        }
    }
    let predicted: u64 = sizes.values().map(|&k| k * k.saturating_sub(1) / 2).sum();
    evaluate_with(records, truth, predicted, |i, j| {
        cluster_of.get(i as usize) == cluster_of.get(j as usize)
    })
}

/// Pairwise evaluation of a list of linked pairs (not closed transitively).
pub fn evaluate_pairs(
    records: &[LinkRecord],
    pairs: impl IntoIterator<Item = (u32, u32)>,
    truth: &Truth,
) -> Evaluation {
    let set: FxHashSet<(u32, u32)> = pairs
        .into_iter()
        .filter(|&(a, b)| {
            a != b
                && records
                    .get(a as usize)
                    .is_some_and(|r| truth.get(r).is_some())
                && records
                    .get(b as usize)
                    .is_some_and(|r| truth.get(r).is_some())
        })
        .map(|(a, b)| (a.min(b), a.max(b)))
        .collect();
    evaluate_with(records, truth, set.len() as u64, |i, j| {
        set.contains(&(i.min(j), i.max(j)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairwise_metrics() {
        let records: Vec<LinkRecord> = (0..5)
            .map(|i| LinkRecord::new((i % 2) as u8, i, "x"))
            .collect();
        let mut truth = Truth::default();
        // Persons: A = {0, 1, 2}, B = {3, 4}; record 1 has an ID typo.
        truth.insert(0, 0, "A", None);
        truth.insert(1, 1, "A", Some("id_typo_swap"));
        truth.insert(0, 2, "A", Some(""));
        truth.insert(1, 3, "B", None);
        truth.insert(0, 4, "B", None);
        // Predicted: {0, 2}, {1}, {3, 4}.
        let e = evaluate_clusters(&records, &[0, 1, 0, 2, 2], &truth);
        assert_eq!(
            (e.true_pairs, e.predicted_pairs, e.true_positives),
            (4, 2, 2)
        );
        assert_eq!(e.precision, 1.0);
        assert_eq!(e.recall, 0.5);
        assert_eq!(e.corrupted_id_pairs, 2);
        assert_eq!(e.corrupted_id_recall, 0.0);
        let p = evaluate_pairs(&records, [(0, 2), (3, 4), (0, 3)], &truth);
        assert_eq!((p.predicted_pairs, p.true_positives), (3, 2));
        assert_eq!(p.by_defect[0].defect, "id_typo_swap");
    }

    #[test]
    fn reads_truth_csv() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("truth.csv");
        std::fs::write(
            &path,
            "register,row,person_uid,household_uid,defect\npoverty,1,P1,H1,\ndibao,1,P1,H1,id_legacy15\n",
        )
        .unwrap();
        let t = Truth::read(&path, &["poverty", "dibao"]).unwrap();
        let records = vec![LinkRecord::new(0, 1, "a"), LinkRecord::new(1, 1, "a")];
        let e = evaluate_clusters(&records, &[0, 0], &t);
        assert_eq!(e.f1, 1.0);
        assert!(Truth::read(&path, &["x"]).is_err());
    }
}
