//! `gongrong reconcile`: the unified registry from staging by record linkage.
//!
//! Staged rows (accepted ones, and rows staged flagged because their ID number fails its check)
//! become `gongrong_link::LinkRecord`s (source 0 = poverty, 1 = dibao; household = the register's
//! household number; region = village; row = staging id) → `gongrong_link::link` → the review
//! band goes to the clerical-review queue (decided pairs kept) → reviewer decisions constrain the
//! clustering (`unify::from_clusters`) → the registry is replaced → reports. Every step is
//! deterministic, so a re-run on the same data and decisions writes the same registry (same ids),
//! queue and reports.
//!
//! **Full or incremental.** A full run (the first, `--full`, a changed linkage configuration, a
//! changed review decision, a registry written since by another command, staged rows that the
//! last run linked gone, or rows of a register the stored model has not seen) links all rows and
//! estimates the model. Otherwise the run is incremental:
//! rows staged after the last run are linked against the registry's rows with the model the last
//! full run estimated (`gongrong_link::link_incremental`, pairs involving a new row only); existing
//! persons keep their rows and ids, a new row joins the person it matches or becomes a new person
//! (ids after the largest existing one); new review-band pairs are added to the queue (no pair is
//! removed). Each run stores its model, the decisions' digest and the rows it covered
//! (`reconcile_runs`) for the next.

use super::{SystemClock, job, open_store};
use crate::commands::link::load_config;
use crate::config::Settings;
use anyhow::{Context, Result};
use chrono::NaiveDate;
use gongrong_domain::unify::{StagedRecord, from_clusters, id_checksum_failed};
use gongrong_domain::{Clock, Register};
use gongrong_link::LinkRecord;
use gongrong_store::{
    NewReconcileRun, NewReviewPair, ReconcileState, ReviewFilter, ReviewVerdict, Store,
};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::time::Instant;

#[derive(clap::Args)]
pub struct Args {
    /// Linkage configuration (TOML; its `[[source]]` tables are ignored: staging is source 0 =
    /// poverty, 1 = dibao). Default: gongrong_link's link.default.toml.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Report directory. Default: <data_dir>/reports/reconcile
    #[arg(long)]
    out: Option<PathBuf>,
    /// The date identities without a start date are taken to start from (default: today).
    #[arg(long)]
    as_of: Option<NaiveDate>,
    /// Re-link every staged row and re-estimate the model, even when an incremental run would do.
    #[arg(long)]
    full: bool,
}

/// What a run did.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Summary {
    /// `full` or `incremental`.
    pub mode: String,
    /// Why the run was full (empty for an incremental run).
    pub full_reason: String,
    /// Rows staged since the last run (incremental runs; all rows in a full run).
    pub new_rows: usize,
    pub staged_rows: usize,
    pub flagged_rows: usize,
    pub flagged_linked: usize,
    pub persons: u64,
    pub households: u64,
    /// Pairs this run scored (in an incremental run: pairs involving a new row).
    pub matched_pairs: usize,
    pub review_pairs: usize,
    pub review_pending: u64,
    pub decisions: usize,
    pub unresolved_decisions: usize,
    pub unusable: usize,
    pub unlinked: usize,
    pub conflicts: usize,
    pub duplicate_rows: usize,
    pub household_differences: usize,
    pub persons_both: u64,
    pub persons_poverty_only: u64,
    pub persons_dibao_only: u64,
    pub households_both: u64,
    pub households_poverty_only: u64,
    pub households_dibao_only: u64,
}

pub async fn run(settings: &Settings, args: Args) -> Result<()> {
    let store = open_store(settings).await?;
    let as_of = args.as_of.unwrap_or_else(|| SystemClock.today());
    let out = args
        .out
        .unwrap_or_else(|| settings.data_dir.join("reports/reconcile"));
    let s = reconcile_with(&store, args.config.as_deref(), &out, as_of, args.full).await?;
    if s.mode == "incremental" {
        println!(
            "incremental run: {} new rows linked against the registry with the stored model",
            s.new_rows
        );
    } else {
        println!("full run: {}", s.full_reason);
    }
    println!(
        "registry reconciled: {} persons in {} households ({} staged rows, {} with a failing ID check of which {} linked)",
        s.persons, s.households, s.staged_rows, s.flagged_rows, s.flagged_linked
    );
    println!(
        "persons: {} in both registers, {} poverty only, {} dibao only; households: {} both, {} poverty only, {} dibao only",
        s.persons_both,
        s.persons_poverty_only,
        s.persons_dibao_only,
        s.households_both,
        s.households_poverty_only,
        s.households_dibao_only
    );
    println!(
        "linkage: {} matched pairs, {} for review ({} pending, {} decisions applied, {} unresolved); {} rows unusable, {} unlinked",
        s.matched_pairs,
        s.review_pairs,
        s.review_pending,
        s.decisions,
        s.unresolved_decisions,
        s.unusable,
        s.unlinked
    );
    println!(
        "reports in {}: {} field conflicts, {} duplicate rows, {} household composition differences",
        out.display(),
        s.conflicts,
        s.duplicate_rows,
        s.household_differences
    );
    Ok(())
}

fn link_record(r: &StagedRecord) -> LinkRecord {
    let rec = &r.record;
    let flagged = id_checksum_failed(rec);
    LinkRecord {
        source: match rec.register {
            Register::Poverty => 0,
            Register::Dibao => 1,
        },
        row: u64::try_from(r.staging_id).unwrap_or_default(),
        household: Some(rec.household_key.clone()),
        id_raw: Some(rec.id_number_raw.clone()).filter(|s| !s.trim().is_empty()),
        name: rec.name.clone(),
        // A flagged row's sex and birth date come from its doubtful number: no evidence.
        birth_date: (!flagged).then_some(rec.birth_date),
        sex: (!flagged).then_some(rec.sex),
        region: Some(rec.village.as_str().to_owned()),
    }
}

/// The whole reconciliation, incremental when possible; reports go to `out`.
pub async fn reconcile(
    store: &Store,
    config: Option<&std::path::Path>,
    out: &std::path::Path,
    as_of: NaiveDate,
) -> Result<Summary> {
    reconcile_with(store, config, out, as_of, false).await
}

/// How a run links.
enum Plan {
    Full(&'static str),
    Incremental {
        model: gongrong_link::Model,
        covered_through: i64,
    },
}

/// Full or incremental (see the module documentation).
async fn plan(
    store: &Store,
    full: bool,
    config_sha256: &str,
    decisions_sha256: &str,
    records: &[StagedRecord],
) -> Result<Plan> {
    if full {
        return Ok(Plan::Full("--full"));
    }
    let Some((run, state)) = store.last_reconcile_state().await? else {
        return Ok(Plan::Full("first run"));
    };
    let Some(state) = state else {
        return Ok(Plan::Full("the last run stored no linkage model"));
    };
    if run.config_sha256 != config_sha256 {
        return Ok(Plan::Full("the linkage configuration changed"));
    }
    if state.decisions_sha256 != decisions_sha256 {
        return Ok(Plan::Full("review decisions changed since the last run"));
    }
    if store.registry_built_at().await? != Some(run.run_at) {
        return Ok(Plan::Full(
            "the registry was written by another command since the last run",
        ));
    }
    let covered = records
        .iter()
        .filter(|r| r.staging_id <= state.covered_through)
        .count();
    if i64::try_from(covered).ok() != Some(state.covered_rows) {
        return Ok(Plan::Full("staged rows the last run linked have changed"));
    }
    // A model estimated without one of the registers undervalues the evidence across them: the
    // first run that sees a new register re-estimates.
    let seen = |register| {
        records
            .iter()
            .any(|r| r.staging_id <= state.covered_through && r.record.register == register)
    };
    let arriving = |register| {
        records
            .iter()
            .any(|r| r.staging_id > state.covered_through && r.record.register == register)
    };
    if gongrong_domain::Register::ALL
        .into_iter()
        .any(|g| arriving(g) && !seen(g))
    {
        return Ok(Plan::Full(
            "a register the stored linkage model has not seen arrived",
        ));
    }
    let Ok(model) = serde_json::from_value::<gongrong_link::Model>(state.model) else {
        return Ok(Plan::Full("the stored linkage model is unreadable"));
    };
    Ok(Plan::Incremental {
        model,
        covered_through: state.covered_through,
    })
}

/// [`reconcile`]; `full` forces a full run.
pub async fn reconcile_with(
    store: &Store,
    config: Option<&std::path::Path>,
    out: &std::path::Path,
    as_of: NaiveDate,
    full: bool,
) -> Result<Summary> {
    let started = Instant::now();
    let (mut link_config, config_text) = load_config(config)?;
    // Staging defines the sources; a feed's column mappings do not apply.
    if link_config.sources.len() != 2 {
        link_config.sources = gongrong_link::LinkConfig::registers()?.sources;
    }
    let config_sha256 = hex::encode(Sha256::digest(config_text.as_bytes()));
    let access = job("reconcile");
    let mut records = store.staged_records_without_raw(&access).await?;
    anyhow::ensure!(
        !records.is_empty(),
        "staging is empty: import the registers first (gongrong import …)"
    );
    let staged_rows = records.len();
    let flagged = store.flagged_records(&access).await?;
    let flagged_rows = flagged.len();
    records.extend(flagged);
    records.sort_by_key(|r| r.staging_id);
    let decisions: Vec<(i64, i64, bool)> = store
        .review_decisions()
        .await?
        .into_iter()
        .map(|(l, r, v)| (l, r, v == ReviewVerdict::Match))
        .collect();
    let decisions_sha256 = decisions_digest(&decisions);
    let plan = plan(store, full, &config_sha256, &decisions_sha256, &records).await?;

    let link_records: Vec<LinkRecord> = records.iter().map(link_record).collect();
    // Incremental: the registry's person of each row (staging id → person id).
    let mut person_of: HashMap<i64, i64> = HashMap::new();
    let (linkage, new_rows) = match &plan {
        Plan::Full(_) => (
            gongrong_link::link(&link_records, &link_config).context("linking staging")?,
            records.len(),
        ),
        Plan::Incremental {
            model,
            covered_through,
        } => {
            person_of = store.person_sources().await?.into_iter().collect();
            // Groups: a row's person id; a covered row outside the registry (linked to nobody)
            // is a group of its own; a new row has none.
            let mut fresh = person_of.values().copied().max().unwrap_or(0) + 1;
            let mut existing: Vec<Option<u32>> = Vec::with_capacity(records.len());
            for r in &records {
                existing.push(if r.staging_id > *covered_through {
                    None
                } else {
                    let group = person_of.get(&r.staging_id).copied().unwrap_or_else(|| {
                        fresh += 1;
                        fresh - 1
                    });
                    Some(u32::try_from(group).context("person id beyond linkage range")?)
                });
            }
            let new_rows = existing.iter().filter(|g| g.is_none()).count();
            let linkage =
                gongrong_link::link_incremental(&link_records, &existing, model, &link_config)
                    .context("linking new staged rows")?;
            (linkage, new_rows)
        }
    };

    let now = SystemClock.now();
    let access = access.at(now);
    let queue: Vec<NewReviewPair> = linkage
        .review()
        .filter_map(|p| {
            let (a, b) = (records.get(p.a as usize)?, records.get(p.b as usize)?);
            // Two rows with the same valid ID number are one person by rule (the registry keys
            // persons by ID): nothing for a reviewer to decide.
            let same_valid_id = a.record.id_number == b.record.id_number
                && !id_checksum_failed(&a.record)
                && !id_checksum_failed(&b.record);
            if same_valid_id {
                return None;
            }
            Some(NewReviewPair {
                left_staging_id: a.staging_id.min(b.staging_id),
                right_staging_id: a.staging_id.max(b.staging_id),
                weight: f64::from(p.weight),
                probability: p.probability(),
                explanation: serde_json::to_value(linkage.explain(p)).ok()?,
            })
        })
        .collect();
    let build = from_clusters(&records, &linkage.cluster_of, &decisions, as_of);
    let stats = match &plan {
        Plan::Full(_) => {
            store.replace_review_queue(&access, &queue, now).await?;
            store.replace_registry(&access, &build.unified, now).await?
        }
        Plan::Incremental { .. } => {
            store.extend_review_queue(&access, &queue, now).await?;
            let ids = stable_person_ids(&build.unified, &person_of);
            store
                .replace_registry_with_person_ids(&access, &build.unified, &ids, now)
                .await?
        }
    };
    let (_, review_pending) = store
        .review_queue(&access, ReviewFilter::Pending, 0, 1)
        .await?;

    let regions = store.region_table().await?;
    let report = super::reports::write_all(out, &records, &linkage, &build, &regions)?;
    let flagged_unlinked = build
        .unlinked
        .iter()
        .filter(|s| {
            records
                .binary_search_by_key(*s, |r| r.staging_id)
                .ok()
                .and_then(|i| records.get(i))
                .is_some_and(|r| id_checksum_failed(&r.record))
        })
        .count();
    let (mode, full_reason) = match &plan {
        Plan::Full(reason) => ("full", *reason),
        Plan::Incremental { .. } => ("incremental", ""),
    };
    let summary = Summary {
        mode: mode.to_owned(),
        full_reason: full_reason.to_owned(),
        new_rows,
        staged_rows,
        flagged_rows,
        flagged_linked: flagged_rows - flagged_unlinked,
        persons: stats.persons,
        households: stats.households,
        matched_pairs: linkage.stats.matched_pairs,
        review_pairs: linkage.stats.review_pairs,
        review_pending,
        decisions: decisions.len(),
        unresolved_decisions: build.unresolved.len(),
        unusable: linkage.unusable.len(),
        unlinked: report.unlinked,
        conflicts: report.conflicts,
        duplicate_rows: report.duplicates,
        household_differences: report.household_differences,
        persons_both: report.total.persons_both,
        persons_poverty_only: report.total.persons_poverty_only,
        persons_dibao_only: report.total.persons_dibao_only,
        households_both: report.total.households_both,
        households_poverty_only: report.total.households_poverty_only,
        households_dibao_only: report.total.households_dibao_only,
    };
    let digest = input_digest(&config_text, &records, &decisions);
    let state = ReconcileState {
        model: serde_json::to_value(&linkage.model)?,
        decisions_sha256,
        covered_through: records.iter().map(|r| r.staging_id).max().unwrap_or(0),
        covered_rows: i64::try_from(records.len())?,
    };
    store
        .record_reconcile_run_with_state(
            &access,
            &NewReconcileRun {
                run_at: now,
                config_sha256,
                input_sha256: digest.clone(),
                stats: serde_json::to_value(&summary)?,
            },
            &state,
        )
        .await?;
    let detail = format!(
        "{mode} run: {} rows ({new_rows} new) → {} persons, {} households, {} review pairs, {} decisions applied in {:.1}s (input {}); unmasked reports written to {}",
        records.len(),
        stats.persons,
        stats.households,
        linkage.stats.review_pairs,
        decisions.len(),
        started.elapsed().as_secs_f64(),
        &digest[..12],
        out.display()
    );
    store
        .record_event(&access, "registry.reconcile", "registry", &detail)
        .await?;
    Ok(summary)
}

/// Person ids for an incremental run: a person keeps the smallest id among the registry persons
/// its rows belonged to (the first claimant in `Unified` order, should two claim one); others get
/// ids after the largest existing one, in order.
fn stable_person_ids(
    unified: &gongrong_domain::unify::Unified,
    person_of: &HashMap<i64, i64>,
) -> Vec<i64> {
    let mut next = person_of.values().copied().max().unwrap_or(0) + 1;
    let mut taken: HashSet<i64> = HashSet::new();
    unified
        .persons
        .iter()
        .map(|p| {
            let old = p.sources.iter().filter_map(|s| person_of.get(s)).min();
            match old {
                Some(&id) if taken.insert(id) => id,
                _ => {
                    next += 1;
                    next - 1
                }
            }
        })
        .collect()
}

/// SHA-256 over the review decisions.
fn decisions_digest(decisions: &[(i64, i64, bool)]) -> String {
    let mut h = Sha256::new();
    for (l, r, same) in decisions {
        h.update(l.to_le_bytes());
        h.update(r.to_le_bytes());
        h.update([u8::from(*same)]);
    }
    hex::encode(h.finalize())
}

/// SHA-256 over the configuration, the staged rows (ids and flags) and the decisions.
fn input_digest(config: &str, records: &[StagedRecord], decisions: &[(i64, i64, bool)]) -> String {
    let mut h = Sha256::new();
    h.update(config.as_bytes());
    for r in records {
        h.update(r.staging_id.to_le_bytes());
        h.update([u8::from(id_checksum_failed(&r.record))]);
    }
    for (l, r, same) in decisions {
        h.update(l.to_le_bytes());
        h.update(r.to_le_bytes());
        h.update([u8::from(*same)]);
    }
    hex::encode(h.finalize())
}
