//! The linkage run: normalise → block → compare → estimate → score → cluster.

use crate::blocking::{OversizeBlock, VETO_SAMPLE, block};
use crate::cluster::{DuplicateGroup, cluster};
use crate::compare::Comparer;
use crate::config::{ConfigError, LinkConfig};
use crate::model::{ANCHORED, Model, em, estimate_u, floor_m};
use crate::prepare::{NormalizationSummary, Prepared};
use crate::record::LinkRecord;
use crate::score::{Band, Explanation, Rule, ScoredPair, Scorer, explain};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::time::Instant;

#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(
        "record {index} (row {row}) names source {source_index}, but {sources} sources are configured"
    )]
    UnknownSource {
        index: usize,
        row: u64,
        source_index: u8,
        sources: usize,
    },
    #[error("{0} records is more than one linkage run takes (at most 4,294,967,295)")]
    TooManyRecords(usize),
}

/// Counts and timings of a run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LinkStats {
    pub normalization: NormalizationSummary,
    /// Unique candidate pairs scored (pairs of two different valid ID numbers are decided by blocking).
    pub candidate_pairs: usize,
    /// Pairs each rule produced (before de-duplication across rules).
    pub pairs_per_rule: Vec<(String, usize)>,
    pub matched_pairs: usize,
    pub review_pairs: usize,
    /// How many candidate pairs each domain rule decided or capped (distinct valid IDs: estimated from
    /// the 1-in-8 sample kept for EM).
    pub rule_counts: Vec<(Rule, usize)>,
    pub clusters: usize,
    pub cluster_conflicts: usize,
    /// Milliseconds per stage.
    pub timings_ms: Vec<(String, f64)>,
}

/// The result of a linkage run. Record indices refer to the input slice.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Linkage {
    pub model: Model,
    /// Match and review pairs (plus pairs a domain rule vetoed although their weight alone matched),
    /// ordered by `(a, b)`.
    pub pairs: Vec<ScoredPair>,
    /// Person (cluster) of each record.
    pub cluster_of: Vec<u32>,
    pub clusters: usize,
    pub duplicates: Vec<DuplicateGroup>,
    /// Records without any usable identifier (never matched automatically).
    pub unusable: Vec<u32>,
    pub oversize_blocks: Vec<OversizeBlock>,
    pub stats: LinkStats,
}

impl Linkage {
    /// The records of each person, persons in order of their first record.
    pub fn clusters(&self) -> Vec<Vec<u32>> {
        let mut out = vec![Vec::new(); self.clusters];
        for (i, &c) in self.cluster_of.iter().enumerate() {
            if let Some(v) = out.get_mut(c as usize) {
                v.push(i as u32);
            }
        }
        out
    }

    pub fn matches(&self) -> impl Iterator<Item = &ScoredPair> {
        self.pairs.iter().filter(|p| p.band == Band::Match)
    }

    pub fn review(&self) -> impl Iterator<Item = &ScoredPair> {
        self.pairs.iter().filter(|p| p.band == Band::Review)
    }

    /// Every term of a pair's weight.
    pub fn explain(&self, pair: &ScoredPair) -> Explanation {
        explain(&self.model, pair)
    }
}

pub(crate) const RULES: [Rule; 5] = [
    Rule::DistinctValidIds,
    Rule::SameHousehold,
    Rule::NoUsableIdentifier,
    Rule::WithinSourceNotDuplicate,
    Rule::ClusterConflict,
];

/// The configuration is valid, the records fit in one run and name configured sources.
pub(crate) fn check_input(records: &[LinkRecord], config: &LinkConfig) -> Result<(), LinkError> {
    config.validate()?;
    if records.len() >= u32::MAX as usize {
        return Err(LinkError::TooManyRecords(records.len()));
    }
    let limit = if config.sources.is_empty() {
        64
    } else {
        config.sources.len()
    };
    if let Some((index, r)) = records
        .iter()
        .enumerate()
        .find(|(_, r)| usize::from(r.source) >= limit)
    {
        return Err(LinkError::UnknownSource {
            index,
            row: r.row,
            source_index: r.source,
            sources: limit,
        });
    }
    Ok(())
}

/// Indices of the records without any usable identifier.
pub(crate) fn unusable(prep: &Prepared) -> Vec<u32> {
    prep.recs
        .iter()
        .enumerate()
        .filter(|(_, r)| !r.usable)
        .map(|(i, _)| i as u32)
        .collect()
}

/// Links the records into persons.
pub fn link(records: &[LinkRecord], config: &LinkConfig) -> Result<Linkage, LinkError> {
    check_input(records, config)?;
    let mut timings = Vec::new();
    let mut clock = Instant::now();
    let mut lap = |name: &str, timings: &mut Vec<(String, f64)>| {
        timings.push((name.to_owned(), clock.elapsed().as_secs_f64() * 1000.0));
        clock = Instant::now();
    };

    let prep = Prepared::build(records);
    lap("normalise", &mut timings);

    let blocked = block(
        &prep,
        &config.blocking.rules,
        config.blocking.max_block_size,
    );
    lap("block", &mut timings);

    let cmp = Comparer::new(&prep, &config.comparisons);
    let recs = &prep.recs;
    let pair_ids = |p: u64| ((p >> 32) as u32, p as u32);
    let levels_of = |pairs: &[u64]| -> Vec<u16> {
        pairs
            .par_iter()
            .map(|&p| {
                let (a, b) = pair_ids(p);
                cmp.compare(&recs[a as usize], &recs[b as usize]).pack()
            })
            .collect()
    };
    let levels = levels_of(&blocked.pairs);
    // Pattern counts, counted as integers in parallel (exact: the same sums as adding 1.0 / 8.0 per pair).
    let count_patterns = |codes: &mut dyn Iterator<Item = u16>, counts: &mut Vec<u64>| {
        for l in codes {
            if let Some(c) = counts.get_mut(usize::from(l)) {
                *c += 1;
            }
        }
    };
    let new_counts = || vec![0u64; 1 << 16];
    let add = |mut a: Vec<u64>, b: Vec<u64>| {
        for (x, y) in a.iter_mut().zip(b) {
            *x += y;
        }
        a
    };
    let (counts, vetoed_counts) = rayon::join(
        || {
            levels
                .par_chunks(1 << 16)
                .fold(new_counts, |mut acc, chunk| {
                    count_patterns(&mut chunk.iter().copied(), &mut acc);
                    acc
                })
                .reduce(new_counts, add)
        },
        || {
            blocked
                .vetoed_sample
                .par_chunks(1 << 14)
                .fold(new_counts, |mut acc, chunk| {
                    count_patterns(
                        &mut chunk.iter().map(|&p| {
                            let (a, b) = pair_ids(p);
                            cmp.compare(&recs[a as usize], &recs[b as usize]).pack()
                        }),
                        &mut acc,
                    );
                    acc
                })
                .reduce(new_counts, add)
        },
    );
    let mut patterns: FxHashMap<u32, f64> = FxHashMap::default();
    for (code, (&n, &v)) in counts.iter().zip(&vetoed_counts).enumerate() {
        if n > 0 {
            patterns.insert(code as u32, n as f64);
        }
        if v > 0 {
            patterns.insert(code as u32 | ANCHORED, (v * VETO_SAMPLE) as f64);
        }
    }
    lap("compare", &mut timings);

    let u = estimate_u(&cmp, &config.model);
    let fit = em(&patterns, &u.p, &config.model);
    let mut m = fit.m;
    floor_m(&mut m, config.model.m_floor);
    let n = records.len() as f64;
    let all_pairs = n * (n - 1.0) / 2.0;
    let prior = config.model.prior.unwrap_or_else(|| {
        if all_pairs > 0.0 {
            (fit.matches / all_pairs).clamp(1e-15, 0.5)
        } else {
            1e-6
        }
    });
    let mut model = Model::new(&m, &u, prior, records.len(), config.model.m_floor);
    model.match_share_of_candidates = fit.lambda;
    model.em_iterations = fit.iterations;
    model.em_converged = fit.converged;
    model.u_sample_pairs = config.model.u_sample_pairs;
    lap("estimate", &mut timings);

    let scorer = Scorer {
        weights: model.weight_table(),
        u: u.p,
        prior_weight: model.prior_weight,
        records: n,
        tf: config.model.tf_adjust_names,
        bands: &config.bands,
    };
    let (mut pairs, counts) = blocked
        .pairs
        .par_iter()
        .zip(levels.par_iter())
        .fold(
            || (Vec::new(), [0usize; 5]),
            |(mut kept, mut counts), (&p, &l)| {
                let (a, b) = pair_ids(p);
                let s = scorer.score(
                    a,
                    b,
                    &recs[a as usize],
                    &recs[b as usize],
                    crate::compare::Levels::unpack(l),
                );
                if let Some(r) = s.rule
                    && let Some(i) = RULES.iter().position(|x| *x == r)
                {
                    counts[i] += 1;
                }
                if scorer.keep(&s) {
                    kept.push(s);
                }
                (kept, counts)
            },
        )
        .reduce(
            || (Vec::new(), [0usize; 5]),
            |(mut a, mut ca), (mut b, cb)| {
                a.append(&mut b);
                for (x, y) in ca.iter_mut().zip(cb) {
                    *x += y;
                }
                (a, ca)
            },
        );
    drop(levels);
    lap("score", &mut timings);

    let sources: Vec<u8> = recs.iter().map(|r| r.source).collect();
    let clustering = cluster(&sources, &mut pairs);
    lap("cluster", &mut timings);

    let mut rule_counts: Vec<(Rule, usize)> = RULES.iter().copied().zip(counts).collect();
    for (rule, count) in &mut rule_counts {
        match rule {
            Rule::ClusterConflict => *count = clustering.conflicts,
            // Decided during blocking; estimated from the sample.
            Rule::DistinctValidIds => *count += blocked.vetoed_sample.len() * VETO_SAMPLE as usize,
            _ => {}
        }
    }
    let stats = LinkStats {
        normalization: prep.summary.clone(),
        candidate_pairs: blocked.pairs.len(),
        pairs_per_rule: blocked.per_rule,
        matched_pairs: pairs.iter().filter(|p| p.band == Band::Match).count(),
        review_pairs: pairs.iter().filter(|p| p.band == Band::Review).count(),
        rule_counts,
        clusters: clustering.clusters,
        cluster_conflicts: clustering.conflicts,
        timings_ms: timings,
    };
    Ok(Linkage {
        model,
        pairs,
        cluster_of: clustering.cluster_of,
        clusters: clustering.clusters,
        duplicates: clustering.duplicates,
        unusable: unusable(&prep),
        oversize_blocks: blocked.oversize,
        stats,
    })
}
