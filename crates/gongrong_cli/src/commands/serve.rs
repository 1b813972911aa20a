//! `gongrong serve`: the web UI and JSON API.

use super::{SystemClock, open_store};
use crate::config::Settings;
use anyhow::{Context, Result};
use gongrong_store::Store;
use std::sync::Arc;

#[derive(clap::Args)]
pub struct Args {
    /// Address to listen on (default 127.0.0.1:8080, or GONGRONG_LISTEN).
    #[arg(long)]
    pub listen: Option<String>,
}

pub async fn run(settings: &Settings, args: Args) -> Result<()> {
    let store = open_store(settings).await?;
    let listen = args.listen.unwrap_or_else(|| settings.listen.clone());
    serve(store, &listen, || {}).await
}

/// Serves until Ctrl-C. `on_ready` runs once the socket is bound.
pub async fn serve(store: Store, listen: &str, on_ready: impl FnOnce()) -> Result<()> {
    let regions = Arc::new(store.region_table().await?);
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("binding {listen}"))?;
    let addr = listener.local_addr()?;
    let state = gongrong_web::AppState::new(
        store,
        Arc::new(SystemClock),
        gongrong_web::AppConfig::default(),
        regions,
    );
    println!("serving on http://{addr}/  (Ctrl-C to stop)");
    on_ready();
    gongrong_web::serve(listener, state, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}
