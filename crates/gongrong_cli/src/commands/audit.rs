//! `gongrong audit verify` walks the audit chain and names the first edited, removed or
//! reordered record (exit status 1 when the chain is broken); `gongrong audit list` prints
//! recent events, filtered.

use super::{job, open_store};
use crate::config::Settings;
use anyhow::{Result, bail};
use gongrong_store::AuditFilter;

#[derive(clap::Subcommand)]
pub enum AuditCommand {
    /// Check every record's hash and link; report the first problem with its record number.
    Verify,
    /// Recent events, newest first.
    List {
        /// Only this actor (a username, or cli:<command>).
        #[arg(long)]
        actor: Option<String>,
        /// Only this action, or an action prefix ending in "." (e.g. household.).
        #[arg(long)]
        action: Option<String>,
        /// Only this target (e.g. household:42).
        #[arg(long)]
        target: Option<String>,
        /// Only records before this record number (the next page).
        #[arg(long)]
        before: Option<i64>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// One JSON object per line instead of a table.
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(settings: &Settings, cmd: AuditCommand) -> Result<()> {
    let store = open_store(settings).await?;
    let access = job("audit");
    match cmd {
        AuditCommand::Verify => {
            let report = store.verify_audit_chain(&access).await?;
            match &report.problem {
                None => {
                    println!(
                        "audit chain intact: {} records, head {} {}",
                        report.records, report.head_seq, report.head_hash
                    );
                    Ok(())
                }
                Some(p) => {
                    println!(
                        "audit chain BROKEN at record {} ({:?}): {}",
                        p.seq, p.kind, p.message
                    );
                    println!("{} records verified before it", report.records);
                    bail!("the audit chain does not verify")
                }
            }
        }
        AuditCommand::List {
            actor,
            action,
            target,
            before,
            limit,
            json,
        } => {
            let records = store
                .audit_log(
                    &access,
                    &AuditFilter {
                        actor,
                        action,
                        target,
                        before,
                        limit,
                    },
                )
                .await?;
            for r in records {
                if json {
                    println!("{}", serde_json::to_string(&r)?);
                } else {
                    println!(
                        "{:>8}  {}  {:<24} {:<5} {:<22} {:<26} {}{}",
                        r.seq,
                        r.at.format("%Y-%m-%d %H:%M:%S"),
                        r.actor,
                        r.channel,
                        r.action,
                        r.target,
                        r.detail,
                        r.origin.map(|o| format!("  ({o})")).unwrap_or_default()
                    );
                }
            }
            Ok(())
        }
    }
}
