//! `link_incremental`: new records against an existing clustering with a stored model.

use crate::district;
use gongrong_link::{LinkConfig, LinkRecord, evaluate_clusters, link, link_incremental};
use std::collections::BTreeSet;

fn pair_set(l: &gongrong_link::Linkage) -> BTreeSet<(u32, u32, String)> {
    l.pairs
        .iter()
        .map(|p| (p.a, p.b, format!("{:?}/{:?}/{}", p.band, p.rule, p.weight)))
        .collect()
}

#[test]
fn with_nothing_existing_it_is_the_full_run_under_the_same_model() {
    let d = district::generate(800, 31);
    let records = d.records();
    let config = LinkConfig::default();
    let full = link(&records, &config).unwrap();
    let incr = link_incremental(&records, &[], &full.model, &config).unwrap();
    assert_eq!(pair_set(&incr), pair_set(&full));
    assert_eq!(incr.cluster_of, full.cluster_of);
    assert_eq!(incr.unusable, full.unusable);
    assert_eq!(incr.model, full.model);
}

#[test]
fn new_records_join_existing_persons_which_keep_their_records() {
    let d = district::generate(1500, 32);
    let all = d.records();
    let config = LinkConfig::default();
    // First batch: the poverty register; then the dibao register arrives.
    let (old, new): (Vec<LinkRecord>, Vec<LinkRecord>) =
        all.iter().cloned().partition(|r| r.source == 0);
    let first = link(&old, &config).unwrap();
    let mut records = old.clone();
    records.extend(new.iter().cloned());
    let existing: Vec<Option<u32>> = first.cluster_of.iter().map(|&c| Some(c)).collect();
    let full = link(&records, &config).unwrap();
    let incr = link_incremental(&records, &existing, &full.model, &config).unwrap();

    // Only pairs touching a new record are scored.
    assert!(!incr.pairs.is_empty());
    assert!(
        incr.pairs
            .iter()
            .all(|p| p.b as usize >= old.len() || p.a as usize >= old.len())
    );
    // Existing persons are kept whole and apart.
    for i in 0..old.len() {
        for j in i + 1..old.len().min(i + 40) {
            assert_eq!(
                first.cluster_of[i] == first.cluster_of[j],
                incr.cluster_of[i] == incr.cluster_of[j],
                "records {i} and {j}"
            );
        }
    }
    // New records join their persons about as well as a full run links them.
    let truth = d.truth();
    let e_full = evaluate_clusters(&records, &full.cluster_of, &truth);
    let e_incr = evaluate_clusters(&records, &incr.cluster_of, &truth);
    assert!(e_incr.f1 >= e_full.f1 - 0.01, "{e_incr:?} vs {e_full:?}");
    assert!(e_incr.f1 >= 0.98, "{e_incr:?}");

    // A re-run with the result as the existing clustering and nothing new changes nothing.
    let again: Vec<Option<u32>> = incr.cluster_of.iter().map(|&c| Some(c)).collect();
    let none_new = link_incremental(&records, &again, &full.model, &config).unwrap();
    assert!(none_new.pairs.is_empty());
    assert_eq!(none_new.cluster_of, incr.cluster_of);
}

#[test]
fn an_unmatched_new_record_is_a_person_of_its_own() {
    let d = district::generate(300, 33);
    let mut records = d.records();
    let config = LinkConfig::default();
    let full = link(&records, &config).unwrap();
    let existing: Vec<Option<u32>> = full.cluster_of.iter().map(|&c| Some(c)).collect();
    records.push(LinkRecord::new(0, 999_999, "欧阳无名"));
    let incr = link_incremental(&records, &existing, &full.model, &config).unwrap();
    assert_eq!(incr.clusters, full.clusters + 1);
    let last = incr.cluster_of.last().copied().unwrap();
    assert_eq!(incr.cluster_of.iter().filter(|&&c| c == last).count(), 1);
    // Unknown sources are refused as by `link`.
    records.push(LinkRecord::new(9, 1, "甲"));
    let mut two = config.clone();
    two.sources = LinkConfig::registers().unwrap().sources;
    assert!(link_incremental(&records, &existing, &full.model, &two).is_err());
}
