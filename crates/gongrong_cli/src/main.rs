//! `gongrong`: the command-line door into Gongrong (共融). The web server and these commands call
//! the same library code.

mod commands;
mod config;
mod progress;

use anyhow::Result;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "gongrong",
    version,
    about = "Gongrong (共融): integrated social assistance — one registry, one procedure, one policy catalogue"
)]
struct Cli {
    /// Settings file (TOML: data_dir, database_url, listen).
    #[arg(long, global = true, env = "GONGRONG_SETTINGS")]
    settings: Option<PathBuf>,
    /// Data directory (SQLite database, generated files, reports). Default: ./gongrong-data
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate a synthetic district, import it, build the registry, create demo accounts and serve.
    Demo(commands::demo::Args),
    /// Serve the web UI and API.
    Serve(commands::serve::Args),
    /// Create or upgrade the database schema (also done by every other command).
    Migrate,
    /// Generate a deterministic synthetic district as legacy register files.
    Synth(commands::synth::Args),
    /// Import a village list or a legacy register into staging (validated, with a reject report).
    Import(commands::import::Args),
    /// Build the unified registry from staging by linkage: persons across both registers (typo'd
    /// IDs and name variants included), clerical-review queue, conflict and overlap reports.
    Reconcile(commands::reconcile::Args),
    /// Link any two files (e.g. a department feed against a register export): scored pairs with
    /// an explanation per pair, persons, unusable rows.
    Link(commands::link::Args),
    /// Build the unified registry from staging by exact ID-number match only (no linkage).
    Build(commands::build::Args),
    /// Manage user accounts.
    #[command(subcommand)]
    User(commands::user::UserCommand),
    /// The audit chain: verify it, list recent events.
    #[command(subcommand)]
    Audit(commands::audit::AuditCommand),
}

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("GONGRONG_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,sqlx=error")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    let settings = config::Settings::load(cli.settings.as_deref(), cli.data_dir.as_deref())?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        match cli.command {
            Command::Demo(a) => commands::demo::run(&settings, a).await,
            Command::Serve(a) => commands::serve::run(&settings, a).await,
            Command::Migrate => {
                let store = commands::open_store(&settings).await?;
                println!(
                    "database {} ({}) is up to date",
                    settings.database_display(),
                    store.backend()
                );
                Ok(())
            }
            Command::Synth(a) => commands::synth::run(a),
            Command::Import(a) => commands::import::run(&settings, a).await,
            Command::Reconcile(a) => commands::reconcile::run(&settings, a).await,
            Command::Link(a) => commands::link::run(&settings, a),
            Command::Build(a) => commands::build::run(&settings, a).await,
            Command::User(c) => commands::user::run(&settings, c).await,
            Command::Audit(c) => commands::audit::run(&settings, c).await,
        }
    })
}
