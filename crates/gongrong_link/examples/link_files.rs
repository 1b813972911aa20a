//! Links register files the way `gongrong link A.csv B.csv --config link.toml` will, and prints the run
//! report (and the pairwise evaluation when a truth file is given).
//!
//! ```text
//! cargo run --release -p gongrong_link --example link_files -- \
//!     poverty_register.csv dibao_register.csv [--config link.toml] [--truth truth.csv]
//! ```

use gongrong_link::{LinkConfig, Truth, evaluate_clusters, link, load_sources};
use std::path::PathBuf;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut files: Vec<PathBuf> = Vec::new();
    let mut config = LinkConfig::registers()?;
    let mut truth_path = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--config" => {
                let path = args.next().ok_or("--config needs a file")?;
                config = LinkConfig::from_toml(&std::fs::read_to_string(path)?)?;
            }
            "--truth" => {
                truth_path = Some(PathBuf::from(args.next().ok_or("--truth needs a file")?))
            }
            _ => files.push(PathBuf::from(a)),
        }
    }
    let start = Instant::now();
    let paths: Vec<&std::path::Path> = files.iter().map(PathBuf::as_path).collect();
    let loaded = load_sources(&paths, &config)?;
    let load_time = start.elapsed();
    let start = Instant::now();
    let linkage = link(&loaded.records, &config)?;
    let link_time = start.elapsed();
    eprintln!(
        "{} records loaded in {load_time:.2?} ({} values dropped), linked in {link_time:.2?}: {} persons, {} matched pairs, {} for review, {} duplicate groups, {} without a usable identifier",
        loaded.records.len(),
        loaded.issues.len(),
        linkage.clusters,
        linkage.stats.matched_pairs,
        linkage.stats.review_pairs,
        linkage.duplicates.len(),
        linkage.unusable.len(),
    );
    println!("{}", serde_json::to_string_pretty(&linkage.stats)?);
    if let Some(path) = truth_path {
        let names: Vec<&str> = config.sources.iter().map(|s| s.name.as_str()).collect();
        let truth = Truth::read(&path, &names)?;
        let e = evaluate_clusters(&loaded.records, &linkage.cluster_of, &truth);
        println!("{}", serde_json::to_string_pretty(&e)?);
    }
    Ok(())
}
