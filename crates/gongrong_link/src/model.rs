//! Fellegi–Sunter parameters, estimated without labels.
//!
//! * u (P(level | different people)): from a seeded random sample of record pairs.
//! * m (P(level | same person)): by EM over the candidate pairs, aggregated by level pattern. The
//!   non-match distribution *within* the candidate pairs differs from the random one (blocking picks
//!   pairs that agree), so EM estimates it alongside as a nuisance parameter; it is not used for weights.
//! * prior: the expected number of matches (EM's match share of the candidate pairs) over all pairs,
//!   unless the configuration fixes it.
//!
//! A level's weight is log2(m/u); `null` weighs 0.

use crate::compare::{Comparer, Comparison, Levels, MAX_LEVELS, N_COMPARISONS};
use crate::config::ModelConfig;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

pub(crate) type Table = [[f64; MAX_LEVELS]; N_COMPARISONS];

/// One level's parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LevelParams {
    pub level: String,
    pub m: f64,
    pub u: f64,
    /// log2(m/u).
    pub weight: f64,
}

/// One comparison's parameters, levels in order (index 0 `null` omitted).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ComparisonParams {
    pub comparison: Comparison,
    pub levels: Vec<LevelParams>,
}

/// The estimated model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Model {
    pub comparisons: Vec<ComparisonParams>,
    /// Probability that two random records are the same person.
    pub prior: f64,
    /// log2(prior / (1 − prior)), the starting weight of every pair.
    pub prior_weight: f64,
    /// EM's share of matches among the candidate pairs.
    pub match_share_of_candidates: f64,
    pub em_iterations: u32,
    pub em_converged: bool,
    pub u_sample_pairs: usize,
    /// Records in the population (denominator of term frequencies).
    pub records: usize,
}

impl Model {
    /// `unseen[k][l]`: the level occurred neither among the random pairs nor (by EM) among the matches;
    /// its weight is 0 (no evidence), not the ratio of two smoothing constants.
    pub(crate) fn new(m: &Table, u: &U, prior: f64, records: usize, m_floor: f64) -> Model {
        let comparisons = Comparison::ALL
            .iter()
            .map(|&c| ComparisonParams {
                comparison: c,
                levels: c
                    .levels()
                    .iter()
                    .enumerate()
                    .skip(1)
                    .map(|(l, name)| {
                        let (mm, uu) = (m[c.index()][l], u.p[c.index()][l]);
                        let unseen = u.counts[c.index()][l] == 0 && mm <= 2.0 * m_floor;
                        LevelParams {
                            level: (*name).to_owned(),
                            m: mm,
                            u: uu,
                            weight: if unseen { 0.0 } else { (mm / uu).log2() },
                        }
                    })
                    .collect(),
            })
            .collect();
        Model {
            comparisons,
            prior,
            prior_weight: (prior / (1.0 - prior)).log2(),
            match_share_of_candidates: 0.0,
            em_iterations: 0,
            em_converged: false,
            u_sample_pairs: 0,
            records,
        }
    }

    fn param(&self, c: Comparison, level: u8) -> Option<&LevelParams> {
        self.comparisons
            .get(c.index())?
            .levels
            .get(usize::from(level).checked_sub(1)?)
    }

    /// Weight of a level (0 for `null`).
    pub fn weight(&self, c: Comparison, level: u8) -> f64 {
        self.param(c, level).map_or(0.0, |p| p.weight)
    }

    pub fn m(&self, c: Comparison, level: u8) -> f64 {
        self.param(c, level).map_or(1.0, |p| p.m)
    }

    /// The u probabilities as a dense table (`null` 0), for scoring with a stored model.
    pub(crate) fn u_table(&self) -> Table {
        let mut t = [[0.0; MAX_LEVELS]; N_COMPARISONS];
        for c in Comparison::ALL {
            for (l, row) in t[c.index()].iter_mut().enumerate().skip(1) {
                *row = self.param(c, l as u8).map_or(0.0, |p| p.u);
            }
        }
        t
    }

    /// The weights as a dense table.
    pub(crate) fn weight_table(&self) -> Table {
        let mut t = [[0.0; MAX_LEVELS]; N_COMPARISONS];
        for c in Comparison::ALL {
            for (l, row) in t[c.index()].iter_mut().enumerate().skip(1) {
                *row = self.weight(c, l as u8);
            }
        }
        t
    }
}

/// u-probabilities and the counts they come from.
pub(crate) struct U {
    pub p: Table,
    pub counts: [[u64; MAX_LEVELS]; N_COMPARISONS],
}

/// Level frequencies over random pairs, with add-one smoothing; `null` excluded.
pub(crate) fn estimate_u(cmp: &Comparer<'_>, cfg: &ModelConfig) -> U {
    let n = cmp.p.recs.len();
    let mut counts = [[0u64; MAX_LEVELS]; N_COMPARISONS];
    if n >= 2 {
        let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
        let pairs: Vec<(u32, u32)> = (0..cfg.u_sample_pairs)
            .map(|_| {
                let a = rng.random_range(0..n);
                let b = (a + rng.random_range(1..n)) % n;
                (a as u32, b as u32)
            })
            .collect();
        counts = pairs
            .par_chunks(1 << 14)
            .map(|chunk| {
                let mut c = [[0u64; MAX_LEVELS]; N_COMPARISONS];
                for &(a, b) in chunk {
                    let l = cmp.compare(&cmp.p.recs[a as usize], &cmp.p.recs[b as usize]);
                    for (k, &lv) in l.0.iter().enumerate() {
                        c[k][usize::from(lv)] += 1;
                    }
                }
                c
            })
            .reduce(|| [[0u64; MAX_LEVELS]; N_COMPARISONS], add_counts);
    }
    let mut u = [[0.0; MAX_LEVELS]; N_COMPARISONS];
    for c in Comparison::ALL {
        let k = c.index();
        let nl = c.levels().len();
        let total: u64 = counts[k][1..nl].iter().sum();
        for l in 1..nl {
            u[k][l] = (counts[k][l] as f64 + 1.0) / (total as f64 + (nl - 1) as f64);
        }
    }
    U { p: u, counts }
}

fn add_counts(
    mut a: [[u64; MAX_LEVELS]; N_COMPARISONS],
    b: [[u64; MAX_LEVELS]; N_COMPARISONS],
) -> [[u64; MAX_LEVELS]; N_COMPARISONS] {
    for (ra, rb) in a.iter_mut().zip(b) {
        for (x, y) in ra.iter_mut().zip(rb) {
            *x += y;
        }
    }
    a
}

/// Result of EM.
pub(crate) struct EmFit {
    pub m: Table,
    pub lambda: f64,
    /// Expected number of matches among the pairs (Σ posterior × count).
    pub matches: f64,
    pub iterations: u32,
    pub converged: bool,
}

/// Starting m: the best level of each comparison likely, worse levels geometrically less so.
fn initial_m() -> Table {
    let mut m = [[0.0; MAX_LEVELS]; N_COMPARISONS];
    for c in Comparison::ALL {
        let nl = c.levels().len();
        let row = &mut m[c.index()];
        for (l, v) in row.iter_mut().enumerate().take(nl).skip(1) {
            *v = 0.2f64.powi(l as i32 - 1);
        }
        let total: f64 = row[1..nl].iter().sum();
        for v in row.iter_mut().take(nl).skip(1) {
            *v /= total;
        }
    }
    m
}

/// Pattern key bit marking pairs known to be different people (the distinct-valid-ID rule): EM keeps
/// their match posterior at 0, which anchors the non-match class on the domain rule.
pub(crate) const ANCHORED: u32 = 1 << 16;

/// EM over level patterns with (weighted) counts; u within the candidates is estimated alongside
/// (starting from the random-pair u) and discarded. λ is the match share among the non-anchored pairs.
pub(crate) fn em(patterns: &FxHashMap<u32, f64>, u_random: &Table, cfg: &ModelConfig) -> EmFit {
    let mut pats: Vec<(Levels, f64, bool)> = patterns
        .iter()
        .map(|(&p, &c)| (Levels::unpack(p as u16), c, p & ANCHORED != 0))
        .collect();
    pats.sort_by_key(|(l, _, a)| (l.pack(), *a));
    let mut m = initial_m();
    let mut u = *u_random;
    let mut lambda = 0.3;
    let floor = 1e-12;
    for it in 1..=cfg.em_max_iterations {
        let mut m_acc = [[0.0; MAX_LEVELS]; N_COMPARISONS];
        let mut u_acc = [[0.0; MAX_LEVELS]; N_COMPARISONS];
        let (mut g_sum, mut n_sum) = (0.0, 0.0);
        for (levels, count, anchored) in &pats {
            let (mut pm, mut pu) = (if *anchored { 0.0 } else { lambda }, 1.0 - lambda);
            for (k, &l) in levels.0.iter().enumerate() {
                if l != 0 {
                    pm *= m[k][usize::from(l)];
                    pu *= u[k][usize::from(l)];
                }
            }
            let g = if pm + pu > 0.0 { pm / (pm + pu) } else { 0.0 };
            g_sum += g * count;
            // λ is the match share among the pairs whose class is unknown.
            if !*anchored {
                n_sum += count;
            }
            for (k, &l) in levels.0.iter().enumerate() {
                m_acc[k][usize::from(l)] += g * count;
                u_acc[k][usize::from(l)] += (1.0 - g) * count;
            }
        }
        let mut delta: f64 = 0.0;
        let new_lambda = (g_sum / n_sum.max(1.0)).clamp(1e-9, 1.0 - 1e-9);
        delta = delta.max((new_lambda - lambda).abs());
        lambda = new_lambda;
        for c in Comparison::ALL {
            let k = c.index();
            let nl = c.levels().len();
            let (mt, ut): (f64, f64) = (m_acc[k][1..nl].iter().sum(), u_acc[k][1..nl].iter().sum());
            for l in 1..nl {
                if mt > 0.0 {
                    let v = (m_acc[k][l] / mt).max(floor);
                    delta = delta.max((v - m[k][l]).abs());
                    m[k][l] = v;
                }
                if ut > 0.0 {
                    u[k][l] = (u_acc[k][l] / ut).max(floor);
                }
            }
        }
        if delta < cfg.em_tolerance || it == cfg.em_max_iterations {
            return EmFit {
                m,
                lambda,
                matches: g_sum,
                iterations: it,
                converged: delta < cfg.em_tolerance,
            };
        }
    }
    EmFit {
        m,
        lambda,
        matches: 0.0,
        iterations: 0,
        converged: false,
    }
}

/// Applies the m floor and renormalises each comparison.
pub(crate) fn floor_m(m: &mut Table, floor: f64) {
    for c in Comparison::ALL {
        let nl = c.levels().len();
        let row = &mut m[c.index()];
        for v in row.iter_mut().take(nl).skip(1) {
            *v = v.max(floor);
        }
        let total: f64 = row[1..nl].iter().sum();
        for v in row.iter_mut().take(nl).skip(1) {
            *v /= total;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    /// Two binary comparisons' worth of synthetic patterns with known m, u and λ.
    #[test]
    fn em_recovers_known_parameters() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let true_m = [[0.0, 0.95, 0.05], [0.0, 0.9, 0.1], [0.0, 0.85, 0.15]];
        let true_u = [[0.0, 0.02, 0.98], [0.0, 0.1, 0.9], [0.0, 0.3, 0.7]];
        let lambda = 0.25;
        let mut patterns: FxHashMap<u32, f64> = FxHashMap::default();
        for _ in 0..200_000 {
            let is_match = rng.random_bool(lambda);
            let mut l = [0u8; N_COMPARISONS];
            for k in 0..3 {
                let p_agree = if is_match { true_m[k][1] } else { true_u[k][1] };
                // Comparisons 0, 2, 3 (id, birth date, sex) have level 1 = agree; use level 2 as disagree
                // for id/birth/sex-like two-level behaviour.
                let idx = [0, 2, 3][k];
                l[idx] = if rng.random_bool(p_agree) { 1 } else { 2 };
            }
            *patterns.entry(u32::from(Levels(l).pack())).or_default() += 1.0;
        }
        let mut u0 = [[0.0; MAX_LEVELS]; N_COMPARISONS];
        for row in &mut u0 {
            row[1] = 0.2;
            row[2] = 0.8;
            row[3] = 0.0;
        }
        let fit = em(&patterns, &u0, &ModelConfig::default());
        assert!(fit.converged, "{} iterations", fit.iterations);
        assert!((fit.lambda - lambda).abs() < 0.01, "lambda {}", fit.lambda);
        for (k, idx) in [0usize, 2, 3].iter().enumerate() {
            let est = fit.m[*idx][1] / (fit.m[*idx][1] + fit.m[*idx][2]);
            assert!((est - true_m[k][1]).abs() < 0.01, "m[{k}] {est}");
        }
    }

    #[test]
    fn floor_keeps_probabilities() {
        let mut m = initial_m();
        m[0][4] = 0.0;
        let u = U {
            p: [[0.25; MAX_LEVELS]; N_COMPARISONS],
            counts: [[0; MAX_LEVELS]; N_COMPARISONS],
        };
        floor_m(&mut m, 1e-6);
        let s: f64 = m[0][1..5].iter().sum();
        assert!((s - 1.0).abs() < 1e-12);
        assert!(m[0][4] > 0.0);
        // A level seen nowhere weighs nothing.
        let model = Model::new(&m, &u, 1e-6, 10, 1e-6);
        assert_eq!(model.weight(Comparison::IdNumber, 4), 0.0);
        assert!(model.weight(Comparison::IdNumber, 1) > 0.0);
    }
}
