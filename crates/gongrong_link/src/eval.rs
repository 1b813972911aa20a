//! Pairwise evaluation against known truth (`truth.csv` of the synthetic district:
//! `register,row,person_uid,household_uid,defect`).

use crate::mapping::{LoadError, decode, line_chunks, plain_records};
use crate::record::LinkRecord;
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Defects whose ID number was corrupted (the recall that matters most).
pub const CORRUPTED_ID_DEFECTS: [&str; 2] = ["id_typo_substitution", "id_typo_swap"];

/// Marks an empty slot of [`Truth`]'s dense rows.
const NO_PERSON: u32 = u32::MAX;

/// Which person each source row describes, and its planted defect.
#[derive(Clone, Debug, Default)]
pub struct Truth {
    /// Per source, the entry of each row up to a bound (rows are usually numbered 1..=n):
    /// `(person, defect)`, person [`NO_PERSON`] for a row not in the truth.
    dense: Vec<Vec<(u32, u16)>>,
    /// Rows beyond the dense bound.
    sparse: FxHashMap<(u8, u64), (u32, u16)>,
    persons: FxHashMap<String, u32>,
    defects: Vec<String>,
}

impl Truth {
    /// Adds one row: `defect` empty or `None` for none.
    pub fn insert(&mut self, source: u8, row: u64, person: &str, defect: Option<&str>) {
        let pid = match self.persons.get(person) {
            Some(&p) => p,
            None => {
                let next = self.persons.len() as u32;
                self.persons.insert(person.to_owned(), next);
                next
            }
        };
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
        self.set(source, row, (pid, did));
    }

    fn set(&mut self, source: u8, row: u64, entry: (u32, u16)) {
        let s = usize::from(source);
        if self.dense.len() <= s {
            self.dense.resize_with(s + 1, Vec::new);
        }
        let Some(dense) = self.dense.get_mut(s) else {
            return;
        };
        // Grow the dense table only while it stays at most half empty.
        let bound = 2 * dense.len() as u64 + 1024;
        match usize::try_from(row) {
            Ok(i) if row < bound => {
                if dense.len() <= i {
                    dense.resize(i + 1, (NO_PERSON, 0));
                }
                if let Some(slot) = dense.get_mut(i) {
                    *slot = entry;
                }
            }
            _ => {
                self.sparse.insert((source, row), entry);
            }
        }
    }

    /// Reads `truth.csv`; `sources` are the configured source names (the `register` column's values).
    ///
    /// Parsed in parallel chunks (see [`crate::mapping::line_chunks`]); rows are added in file order.
    pub fn read(path: &Path, sources: &[&str]) -> Result<Truth, LoadError> {
        let bytes = std::fs::read(path).map_err(|e| LoadError::Io {
            path: path.to_owned(),
            source: e,
        })?;
        let text = decode(&bytes).ok_or_else(|| LoadError::Encoding {
            path: path.to_owned(),
        })?;
        let Some(chunks) = line_chunks(&text) else {
            return Self::read_quoted(path, &text, sources);
        };
        let parsed: Vec<Result<Vec<TruthRow<'_>>, (u64, String)>> = chunks
            .par_iter()
            .enumerate()
            .map(|(k, chunk)| parse_truth_chunk(chunk, k == 0, sources))
            .collect();
        let rows: usize = parsed.iter().map(|p| p.as_ref().map_or(0, Vec::len)).sum();
        let mut truth = Truth::default();
        truth.persons.reserve(rows);
        let mut line = 0u64;
        for part in parsed {
            match part {
                Ok(part) => {
                    line += part.len() as u64;
                    for r in part {
                        truth.insert(r.source, r.row, r.person, r.defect);
                    }
                }
                Err((local, message)) => {
                    return Err(LoadError::Csv {
                        path: path.to_owned(),
                        row: line + local,
                        message,
                    });
                }
            }
        }
        Ok(truth)
    }

    /// [`Truth::read`] of a file with quoted fields: one `csv` reader over the whole text.
    fn read_quoted(path: &Path, text: &str, sources: &[&str]) -> Result<Truth, LoadError> {
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
        let dense = self
            .dense
            .get(usize::from(r.source))
            .and_then(|d| d.get(usize::try_from(r.row).ok()?))
            .filter(|e| e.0 != NO_PERSON)
            .copied();
        dense.or_else(|| self.sparse.get(&(r.source, r.row)).copied())
    }

    fn defect_name(&self, d: u16) -> Option<&str> {
        usize::from(d)
            .checked_sub(1)
            .and_then(|i| self.defects.get(i))
            .map(String::as_str)
    }
}

/// One parsed row of `truth.csv`, borrowing the text.
struct TruthRow<'a> {
    source: u8,
    row: u64,
    person: &'a str,
    defect: Option<&'a str>,
}

/// Parses one chunk of whole quote-free lines (`header`: the chunk starts with the header line). An error
/// carries the 1-based record number inside the chunk.
fn parse_truth_chunk<'a>(
    chunk: &'a str,
    header: bool,
    sources: &[&str],
) -> Result<Vec<TruthRow<'a>>, (u64, String)> {
    let mut out = Vec::with_capacity(chunk.len() / 40);
    for (k, line) in plain_records(chunk).skip(usize::from(header)).enumerate() {
        let line_no = k as u64 + 1;
        let mut fields = line.split(',');
        let register = fields.next().unwrap_or_default().trim();
        let Some(source) = sources.iter().position(|s| *s == register) else {
            return Err((line_no, format!("unknown register {register:?}")));
        };
        let row = fields
            .next()
            .unwrap_or_default()
            .trim()
            .parse()
            .map_err(|_| (line_no, "row is not an integer".to_owned()))?;
        let person = fields.next().unwrap_or_default().trim();
        out.push(TruthRow {
            source: source as u8,
            row,
            person,
            defect: fields.nth(1),
        });
    }
    Ok(out)
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

/// `(person, defect)` of each record in the truth.
fn known(records: &[LinkRecord], truth: &Truth) -> Vec<Option<(u32, u16)>> {
    records.par_iter().map(|r| truth.get(r)).collect()
}

/// Evaluates predicted pairs (`same(i, j)` says whether records i and j were linked) against the truth
/// (`known`, per record). The true pairs are found by sorting the records by person.
fn evaluate_with(
    known: &[Option<(u32, u16)>],
    truth: &Truth,
    predicted_pairs: u64,
    same: impl Fn(u32, u32) -> bool,
) -> Evaluation {
    let mut members: Vec<(u32, u32, u16)> = known
        .iter()
        .enumerate()
        .filter_map(|(i, k)| k.map(|(pid, d)| (pid, i as u32, d)))
        .collect();
    members.par_sort_unstable();
    let corrupted: Vec<bool> = (0..=truth.defects.len())
        .map(|d| {
            truth
                .defect_name(d as u16)
                .is_some_and(|n| CORRUPTED_ID_DEFECTS.contains(&n))
        })
        .collect();
    let is_corrupted = |d: u16| corrupted.get(usize::from(d)).copied().unwrap_or(false);
    let mut per_defect = vec![(0u64, 0u64); truth.defects.len() + 1];
    let (mut true_pairs, mut tp) = (0u64, 0u64);
    // A pair with both ID typos counts once.
    let (mut cp, mut cf) = (0u64, 0u64);
    for person in members.chunk_by(|x, y| x.0 == y.0) {
        for (x, &(_, i, di)) in person.iter().enumerate() {
            for &(_, j, dj) in person.get(x + 1..).unwrap_or_default() {
                let hit = u64::from(same(i, j));
                true_pairs += 1;
                tp += hit;
                // Each defect of the pair once.
                let second = if dj == di { 0 } else { dj };
                for d in [di, second] {
                    if d != 0
                        && let Some(e) = per_defect.get_mut(usize::from(d))
                    {
                        e.0 += 1;
                        e.1 += hit;
                    }
                }
                if is_corrupted(di) || is_corrupted(dj) {
                    cp += 1;
                    cf += hit;
                }
            }
        }
    }
    let mut by_defect: Vec<DefectRecall> = per_defect
        .into_iter()
        .enumerate()
        .filter(|(_, (pairs, _))| *pairs > 0)
        .map(|(d, (pairs, found))| DefectRecall {
            defect: truth.defect_name(d as u16).unwrap_or("?").to_owned(),
            pairs,
            found,
            recall: ratio(found, pairs),
        })
        .collect();
    by_defect.sort_by(|a, b| a.defect.cmp(&b.defect));
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
    let known = known(records, truth);
    let mut clusters: Vec<u32> = known
        .iter()
        .zip(cluster_of)
        .filter(|(k, _)| k.is_some())
        .map(|(_, &c)| c)
        .collect();
    clusters.par_sort_unstable();
    let predicted: u64 = clusters
        .chunk_by(|a, b| a == b)
        .map(|run| {
            let k = run.len() as u64;
            k * k.saturating_sub(1) / 2
        })
        .sum();
    evaluate_with(&known, truth, predicted, |i, j| {
        cluster_of.get(i as usize) == cluster_of.get(j as usize)
    })
}

/// Pairwise evaluation of a list of linked pairs (not closed transitively).
pub fn evaluate_pairs(
    records: &[LinkRecord],
    pairs: impl IntoIterator<Item = (u32, u32)>,
    truth: &Truth,
) -> Evaluation {
    let known = known(records, truth);
    let in_truth = |i: u32| known.get(i as usize).is_some_and(Option::is_some);
    let set: FxHashSet<(u32, u32)> = pairs
        .into_iter()
        .filter(|&(a, b)| a != b && in_truth(a) && in_truth(b))
        .map(|(a, b)| (a.min(b), a.max(b)))
        .collect();
    evaluate_with(&known, truth, set.len() as u64, |i, j| {
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
