//! Incremental linkage: new records against an existing clustering, with a stored model.
//!
//! [`link_incremental`] blocks all records exactly as [`crate::link`] does (so block sizes and
//! oversize blocks are those of the whole population), but compares and scores only the candidate
//! pairs that involve at least one new record, with the given [`Model`] (no estimation). Existing
//! records keep their groups: records of one existing group are one person before any new pair is
//! taken, and a new record joins a group when it matches (under the one-record-per-source
//! constraint, as in a full run), else forms a person of its own.

use crate::blocking::block;
use crate::cluster::cluster_seeded;
use crate::compare::{Comparer, Levels};
use crate::config::LinkConfig;
use crate::model::Model;
use crate::prepare::Prepared;
use crate::record::LinkRecord;
use crate::run::{LinkError, LinkStats, Linkage, RULES, check_input, unusable};
use crate::score::{Band, Rule, Scorer};
use rayon::prelude::*;

/// Links new records against existing ones with a stored model.
///
/// `existing[i]` is `Some(group)` for a record already linked (records of one group are one
/// person and stay together; pairs of two existing records are not scored) and `None` for a new
/// record; records past the end of `existing` are new. The result's pairs are only those involving
/// a new record; `cluster_of`, `clusters`, `unusable` and `oversize_blocks` cover all records;
/// `duplicates` only groups joined by a new pair; `model` is a copy of `model`.
pub fn link_incremental(
    records: &[LinkRecord],
    existing: &[Option<u32>],
    model: &Model,
    config: &LinkConfig,
) -> Result<Linkage, LinkError> {
    check_input(records, config)?;
    let is_new = |i: u32| existing.get(i as usize).is_none_or(Option::is_none);
    let prep = Prepared::build(records);
    let mut blocked = block(
        &prep,
        &config.blocking.rules,
        config.blocking.max_block_size,
    );
    blocked
        .pairs
        .retain(|&p| is_new((p >> 32) as u32) || is_new(p as u32));

    let cmp = Comparer::new(&prep, &config.comparisons);
    let recs = &prep.recs;
    let scorer = Scorer {
        weights: model.weight_table(),
        u: model.u_table(),
        prior_weight: model.prior_weight,
        records: records.len() as f64,
        tf: config.model.tf_adjust_names,
        bands: &config.bands,
    };
    let scored: Vec<_> = blocked
        .pairs
        .par_iter()
        .filter_map(|&p| {
            let (a, b) = ((p >> 32) as u32, p as u32);
            let (ra, rb) = (recs.get(a as usize)?, recs.get(b as usize)?);
            let levels: Levels = cmp.compare(ra, rb);
            Some(scorer.score(a, b, ra, rb, levels))
        })
        .collect();
    let mut counts = [0usize; 5];
    for s in &scored {
        if let Some(r) = s.rule
            && let Some(i) = RULES.iter().position(|x| *x == r)
            && let Some(c) = counts.get_mut(i)
        {
            *c += 1;
        }
    }
    let mut pairs: Vec<_> = scored.into_iter().filter(|s| scorer.keep(s)).collect();

    let sources: Vec<u8> = recs.iter().map(|r| r.source).collect();
    let clustering = cluster_seeded(&sources, existing, &mut pairs);
    let rule_counts: Vec<(Rule, usize)> = RULES
        .iter()
        .copied()
        .zip(counts)
        .map(|(rule, count)| match rule {
            Rule::ClusterConflict => (rule, clustering.conflicts),
            _ => (rule, count),
        })
        .collect();
    let stats = LinkStats {
        normalization: prep.summary.clone(),
        candidate_pairs: blocked.pairs.len(),
        pairs_per_rule: blocked.per_rule,
        matched_pairs: pairs.iter().filter(|p| p.band == Band::Match).count(),
        review_pairs: pairs.iter().filter(|p| p.band == Band::Review).count(),
        rule_counts,
        clusters: clustering.clusters,
        cluster_conflicts: clustering.conflicts,
        timings_ms: Vec::new(),
    };
    Ok(Linkage {
        model: model.clone(),
        pairs,
        cluster_of: clustering.cluster_of,
        clusters: clustering.clusters,
        duplicates: clustering.duplicates,
        unusable: unusable(&prep),
        oversize_blocks: blocked.oversize,
        stats,
    })
}
