pub mod build;
pub mod demo;
pub mod import;
pub mod link;
pub mod reconcile;
mod reports;
pub mod serve;
pub mod synth;
pub mod user;

use crate::config::Settings;
use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use gongrong_domain::Clock;
use gongrong_store::Store;

/// The real clock. Only the binary reads the system time; libraries receive it.
#[derive(Clone, Copy, Debug)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

pub async fn open_store(settings: &Settings) -> Result<Store> {
    if settings.database_url.starts_with("sqlite://") {
        std::fs::create_dir_all(&settings.data_dir)
            .with_context(|| format!("creating data directory {}", settings.data_dir.display()))?;
    }
    Store::open(&settings.database_url)
        .await
        .with_context(|| format!("opening database {}", settings.database_display()))
}

/// Who runs a command, for the audit trail.
pub fn cli_actor() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".into());
    format!("cli:{user}")
}

pub async fn audit(store: &Store, action: &str, target: &str, detail: String) -> Result<()> {
    store
        .audit(&gongrong_store::AuditEvent {
            at: SystemClock.now(),
            actor: cli_actor(),
            action: action.to_owned(),
            target: target.to_owned(),
            detail,
            remote_addr: None,
        })
        .await?;
    Ok(())
}
