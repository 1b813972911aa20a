//! `gongrong build`: the first unified registry, by exact ID-number match across both registers.

use super::{SystemClock, job, open_store};
use crate::config::Settings;
use anyhow::Result;
use chrono::NaiveDate;
use gongrong_domain::Clock;
use gongrong_store::{RegistryStats, Store};
use std::time::Instant;

#[derive(clap::Args)]
pub struct Args {
    /// The date identities without a start date are taken to start from (default: today).
    #[arg(long)]
    as_of: Option<NaiveDate>,
}

pub async fn run(settings: &Settings, args: Args) -> Result<()> {
    let store = open_store(settings).await?;
    let as_of = args.as_of.unwrap_or_else(|| SystemClock.today());
    let stats = build(&store, as_of).await?;
    println!(
        "registry built: {} persons in {} households ({} duplicate register rows folded)",
        stats.persons, stats.households, stats.duplicate_rows
    );
    Ok(())
}

pub async fn build(store: &Store, as_of: NaiveDate) -> Result<RegistryStats> {
    let started = Instant::now();
    let access = job("build");
    let staged = store.staged_records_without_raw(&access).await?;
    anyhow::ensure!(
        !staged.is_empty(),
        "staging is empty: import the registers first (gongrong import …)"
    );
    let unified = gongrong_domain::unify::exact_id(&staged, as_of);
    let stats = store
        .replace_registry(&access, &unified, SystemClock.now())
        .await?;
    tracing::info!(
        staged = staged.len(),
        seconds = started.elapsed().as_secs_f64(),
        "registry built by exact ID"
    );
    Ok(stats)
}
