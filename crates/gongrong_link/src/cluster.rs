//! Clustering of matched pairs into persons.
//!
//! Within-source duplicate links are joined first. Cross-source matches are then taken strongest first
//! and joined unless the two clusters both hold records of one source (a person is in each register at
//! most once, apart from reported duplicates); a refused link goes to review as a cluster conflict.
//! This is connected components with the one-record-per-source constraint resolved by best weight.

use crate::score::{Band, DuplicateReason, Rule, ScoredPair};
use serde::{Deserialize, Serialize};

/// Records of one source that the linkage holds to be one person.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuplicateGroup {
    pub source: u8,
    /// Record indices, ascending.
    pub records: Vec<u32>,
    pub reason: DuplicateReason,
    /// The person (cluster) they belong to.
    pub cluster: u32,
}

struct UnionFind {
    parent: Vec<u32>,
    mask: Vec<u64>,
}

impl UnionFind {
    fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let p = self.parent[x as usize];
            self.parent[x as usize] = self.parent[p as usize];
            x = p;
        }
        x
    }
    fn union(&mut self, a: u32, b: u32) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            let (keep, gone) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.parent[gone as usize] = keep;
            self.mask[keep as usize] |= self.mask[gone as usize];
        }
    }
}

/// The persons found.
pub(crate) struct Clustering {
    /// Dense person id per record, numbered by first record.
    pub cluster_of: Vec<u32>,
    pub clusters: usize,
    pub duplicates: Vec<DuplicateGroup>,
    pub conflicts: usize,
}

/// Clusters `n` records of the given sources; match pairs refused by the constraint are moved to review.
pub(crate) fn cluster(sources: &[u8], pairs: &mut [ScoredPair]) -> Clustering {
    cluster_seeded(sources, &[], pairs)
}

/// [`cluster`], starting from fixed groups: records with the same `Some(group)` in `seed` are one
/// person before any pair is taken (a missing or `None` entry starts alone).
pub(crate) fn cluster_seeded(
    sources: &[u8],
    seed: &[Option<u32>],
    pairs: &mut [ScoredPair],
) -> Clustering {
    let n = sources.len();
    let mut uf = UnionFind {
        parent: (0..n as u32).collect(),
        mask: sources.iter().map(|&s| 1u64 << (s & 63)).collect(),
    };
    let mut first_of: rustc_hash::FxHashMap<u32, u32> = rustc_hash::FxHashMap::default();
    for (i, g) in seed.iter().enumerate().take(n) {
        if let Some(g) = g {
            let first = *first_of.entry(*g).or_insert(i as u32);
            uf.union(first, i as u32);
        }
    }
    let mut reasons: Vec<(u32, DuplicateReason)> = Vec::new();
    for p in pairs.iter().filter(|p| p.band == Band::Match) {
        if let Some(reason) = p.duplicate {
            uf.union(p.a, p.b);
            reasons.push((p.a, reason));
        }
    }
    let mut order: Vec<usize> = (0..pairs.len())
        .filter(|&i| pairs[i].band == Band::Match && pairs[i].duplicate.is_none())
        .collect();
    order.sort_by(|&x, &y| {
        pairs[y]
            .weight
            .total_cmp(&pairs[x].weight)
            .then((pairs[x].a, pairs[x].b).cmp(&(pairs[y].a, pairs[y].b)))
    });
    let mut conflicts = 0;
    for i in order {
        let (ra, rb) = (uf.find(pairs[i].a), uf.find(pairs[i].b));
        if ra == rb {
            continue;
        }
        if uf.mask[ra as usize] & uf.mask[rb as usize] == 0 {
            uf.union(ra, rb);
        } else {
            pairs[i].band = Band::Review;
            pairs[i].rule = Some(Rule::ClusterConflict);
            conflicts += 1;
        }
    }
    let mut cluster_of = vec![u32::MAX; n];
    let mut dense = vec![u32::MAX; n];
    let mut clusters = 0u32;
    for (i, c) in cluster_of.iter_mut().enumerate() {
        let r = uf.find(i as u32) as usize;
        if dense[r] == u32::MAX {
            dense[r] = clusters;
            clusters += 1;
        }
        *c = dense[r];
    }
    // Duplicate groups: per cluster and source, when it holds two or more records.
    let mut by_root: rustc_hash::FxHashMap<(u32, u8), Vec<u32>> = rustc_hash::FxHashMap::default();
    let mut reason_of: rustc_hash::FxHashMap<u32, DuplicateReason> =
        rustc_hash::FxHashMap::default();
    for (rec, reason) in reasons {
        let c = cluster_of[rec as usize];
        reason_of.entry(c).or_insert(reason);
        by_root.entry((c, sources[rec as usize])).or_default();
    }
    for (i, (&s, &c)) in sources.iter().zip(&cluster_of).enumerate() {
        if let Some(v) = by_root.get_mut(&(c, s)) {
            v.push(i as u32);
        }
    }
    let mut duplicates: Vec<DuplicateGroup> = by_root
        .into_iter()
        .filter(|(_, v)| v.len() >= 2)
        .map(|((cluster, source), records)| DuplicateGroup {
            source,
            records,
            reason: reason_of
                .get(&cluster)
                .copied()
                .unwrap_or(DuplicateReason::SameIdNumber),
            cluster,
        })
        .collect();
    duplicates.sort_by_key(|d| d.records.first().copied());
    Clustering {
        cluster_of,
        clusters: clusters as usize,
        duplicates,
        conflicts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::Levels;

    fn pair(a: u32, b: u32, weight: f32, duplicate: Option<DuplicateReason>) -> ScoredPair {
        ScoredPair {
            a,
            b,
            weight,
            tf_adjustment: 0.0,
            levels: Levels::default(),
            band: Band::Match,
            rule: None,
            duplicate,
        }
    }

    #[test]
    fn one_record_per_source_unless_duplicates() {
        // Records: 0,1 source 0 (duplicates); 2,3 source 1; 4 source 0.
        let sources = [0, 0, 1, 1, 0];
        let mut pairs = vec![
            pair(0, 1, 30.0, Some(DuplicateReason::SameIdNumber)),
            pair(0, 2, 25.0, None),
            pair(1, 3, 10.0, None), // would put 2 and 3 (source 1) together: conflict
            pair(3, 4, 20.0, None),
        ];
        let c = cluster(&sources, &mut pairs);
        assert_eq!(c.cluster_of[0], c.cluster_of[1]);
        assert_eq!(c.cluster_of[0], c.cluster_of[2]);
        assert_ne!(c.cluster_of[2], c.cluster_of[3]);
        assert_eq!(c.cluster_of[3], c.cluster_of[4]);
        assert_eq!(c.clusters, 2);
        assert_eq!(c.conflicts, 1);
        assert_eq!(pairs[2].band, Band::Review);
        assert_eq!(pairs[2].rule, Some(Rule::ClusterConflict));
        assert_eq!(c.duplicates.len(), 1);
        assert_eq!(c.duplicates[0].records, vec![0, 1]);
        assert_eq!(c.duplicates[0].source, 0);
    }

    #[test]
    fn strongest_link_wins() {
        // Record 0 (source 0) matches 1 and 2 (both source 1): the heavier link is kept.
        let sources = [0, 1, 1];
        let mut pairs = vec![pair(0, 1, 12.0, None), pair(0, 2, 18.0, None)];
        let c = cluster(&sources, &mut pairs);
        assert_eq!(c.cluster_of[0], c.cluster_of[2]);
        assert_ne!(c.cluster_of[0], c.cluster_of[1]);
        assert_eq!(pairs[0].band, Band::Review);
    }
}
