pub mod audit;
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
use gongrong_store::{Access, Store};

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

/// The access a command runs as: the system actor `cli:<command>`, stamped now, with the OS
/// user as its origin (the audit log's "from where").
pub fn job(command: &str) -> Access {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".into());
    Access::system(format!("cli:{command}"), SystemClock.now())
        .via("cli")
        .from_origin(Some(format!("os-user {user}")))
}
