//! `gongrong import`: a village list or a legacy register into staging.

use super::{job, open_store};
use crate::config::Settings;
use crate::progress;
use anyhow::{Context, Result};
use gongrong_domain::Register;
use gongrong_import::{ImportOptions, ImportOutcome, Mapping};
use gongrong_store::Store;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    /// villages, poverty (扶贫登记) or dibao (低保登记).
    pub kind: String,
    /// CSV (UTF-8 or GBK) or XLSX file.
    pub file: PathBuf,
    /// Column mapping (TOML). Default: the layout shipped in layouts/ for this kind.
    #[arg(long)]
    pub mapping: Option<PathBuf>,
    /// auto (UTF-8, else GBK), utf-8 or gbk.
    #[arg(long, default_value = "auto")]
    pub encoding: String,
    /// Where to write the reject report (default: next to the data directory's reports).
    #[arg(long)]
    pub rejects: Option<PathBuf>,
}

pub async fn run(settings: &Settings, args: Args) -> Result<()> {
    let store = open_store(settings).await?;
    let reject_path = args
        .rejects
        .clone()
        .unwrap_or_else(|| default_reject_path(settings, &args.file));
    import(
        &store,
        &args.kind,
        &args.file,
        args.mapping.as_deref(),
        &args.encoding,
        &reject_path,
    )
    .await
}

fn default_reject_path(settings: &Settings, file: &Path) -> PathBuf {
    let stem = file
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("import");
    settings
        .data_dir
        .join("reports")
        .join(format!("{stem}.rejects.csv"))
}

pub async fn import(
    store: &Store,
    kind: &str,
    file: &Path,
    mapping: Option<&Path>,
    encoding: &str,
    reject_path: &Path,
) -> Result<()> {
    let opts = ImportOptions {
        encoding: encoding
            .parse()
            .map_err(|e| anyhow::anyhow!("--encoding: {e}"))?,
    };
    if kind == "villages" {
        let mapping = match mapping {
            Some(p) => Mapping::load(p)?,
            None => Mapping::builtin_villages(),
        };
        let n =
            gongrong_import::import_villages(store, &job("import"), file, &mapping, &opts).await?;
        println!("villages: {n} imported from {}", file.display());
        return Ok(());
    }
    let register = Register::parse(kind)
        .with_context(|| format!("unknown kind {kind:?}: use villages, poverty or dibao"))?;
    let mapping = match mapping {
        Some(p) => Mapping::load(p)?,
        None => Mapping::builtin(register),
    };
    let size = std::fs::metadata(file)
        .with_context(|| format!("reading {}", file.display()))?
        .len();
    let pb = progress::bytes_bar(size, register.code());
    let outcome =
        gongrong_import::import_register(store, &job("import"), file, &mapping, &opts, &|p| {
            pb.set_position(p.bytes_read);
        })
        .await;
    pb.finish_and_clear();
    match outcome? {
        ImportOutcome::AlreadyImported(b) => {
            println!(
                "{}: already imported as batch {} on {} ({} accepted, {} rejected) — nothing changed",
                file.display(),
                b.id,
                b.imported_at.format("%Y-%m-%d %H:%M"),
                b.accepted,
                b.rejected
            );
        }
        ImportOutcome::Imported {
            summary,
            rejects,
            elapsed,
        } => {
            if let Some(dir) = reject_path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            gongrong_import::write_reject_report(reject_path, &rejects)?;
            let secs = elapsed.as_secs_f64().max(1e-9);
            println!(
                "{}: batch {} — {} accepted, {} rejected ({} problems) in {:.1}s ({:.0} rows/s); reject report: {}",
                file.display(),
                summary.id,
                summary.accepted,
                summary.rejected,
                rejects.len(),
                secs,
                (summary.accepted + summary.rejected) as f64 / secs,
                reject_path.display()
            );
        }
    }
    Ok(())
}
