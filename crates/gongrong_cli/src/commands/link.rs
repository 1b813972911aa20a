//! `gongrong link A.csv B.csv [--config link.toml]`: probabilistic linkage of any two files (e.g.
//! a department's feed against a register export), with an explanation per scored pair.
//!
//! Writes `--out` (scored pairs), and beside it `<stem>_clusters.csv` (the person of every row)
//! and `<stem>_unusable.csv` (rows without a usable identifier, never matched automatically).
//! Everything is read and linked before the first byte is written: a malformed configuration
//! or a file that does not match its mapping stops the command with nothing written.

use crate::config::Settings;
use anyhow::{Context, Result};
use gongrong_link::{Explanation, LinkConfig, LinkRecord, Linkage, Truth, evaluate_clusters};
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    /// The two files (CSV, UTF-8 or GBK), in the order of the configuration's `[[source]]`s.
    #[arg(required = true, num_args = 2)]
    files: Vec<PathBuf>,
    /// Linkage configuration (TOML; default: the poverty and dibao register layouts).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Scored pairs (CSV). Default: <data_dir>/reports/link/pairs.csv
    #[arg(long)]
    out: Option<PathBuf>,
    /// Known truth (`register,row,person_uid,…`, e.g. synth's truth.csv): prints precision,
    /// recall and F1 of the clustering.
    #[arg(long)]
    truth: Option<PathBuf>,
}

/// The configuration from `path`, or the registers' default; errors name the offending key.
pub fn load_config(path: Option<&Path>) -> Result<(LinkConfig, String)> {
    let text = match path {
        Some(p) => std::fs::read_to_string(p)
            .with_context(|| format!("reading link config {}", p.display()))?,
        None => include_str!("../../../gongrong_link/link.default.toml").to_owned(),
    };
    let where_ = path.map_or("built-in link config".to_owned(), |p| {
        p.display().to_string()
    });
    let config = LinkConfig::from_toml(&text).with_context(|| where_)?;
    Ok((config, text))
}

pub fn run(settings: &Settings, args: Args) -> Result<()> {
    let (config, _) = load_config(args.config.as_deref())?;
    let paths: Vec<&Path> = args.files.iter().map(PathBuf::as_path).collect();
    let started = std::time::Instant::now();
    let loaded = gongrong_link::load_sources(&paths, &config)?;
    let load_s = started.elapsed().as_secs_f64();
    let linkage = gongrong_link::link(&loaded.records, &config)?;
    let stages: Vec<String> = linkage
        .stats
        .timings_ms
        .iter()
        .map(|(stage, ms)| format!("{stage} {:.1}s", ms / 1000.0))
        .collect();
    eprintln!("timings: load {load_s:.1}s, {}", stages.join(", "));
    let names: Vec<&str> = config.sources.iter().map(|s| s.name.as_str()).collect();
    let truth = args
        .truth
        .as_deref()
        .map(|p| Truth::read(p, &names))
        .transpose()?;

    let out = args
        .out
        .unwrap_or_else(|| settings.data_dir.join("reports/link/pairs.csv"));
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let stem = out
        .file_stem()
        .map_or("pairs".into(), |s| s.to_string_lossy().into_owned());
    let sibling = |suffix: &str| out.with_file_name(format!("{stem}_{suffix}.csv"));
    let source_name = |r: &LinkRecord| names.get(usize::from(r.source)).copied().unwrap_or("?");
    write_pairs(&out, &loaded.records, &linkage, &source_name)?;
    let mut w = csv::Writer::from_path(sibling("clusters"))?;
    w.write_record(["source", "row", "cluster"])?;
    for (r, c) in loaded.records.iter().zip(&linkage.cluster_of) {
        w.write_record([source_name(r), &r.row.to_string(), &c.to_string()])?;
    }
    w.flush()?;
    let mut w = csv::Writer::from_path(sibling("unusable"))?;
    w.write_record(["source", "row", "name", "id_number", "reason"])?;
    for &i in &linkage.unusable {
        if let Some(r) = loaded.records.get(i as usize) {
            w.write_record([
                source_name(r),
                &r.row.to_string(),
                &r.name,
                r.id_raw.as_deref().unwrap_or(""),
                "no usable identifier (no valid or repairable ID number, nor a name and a birth date): never matched automatically",
            ])?;
        }
    }
    w.flush()?;

    println!(
        "{} records linked: {} persons, {} matched pairs, {} for review, {} duplicate groups, {} without a usable identifier, {} values dropped",
        loaded.records.len(),
        linkage.clusters,
        linkage.stats.matched_pairs,
        linkage.stats.review_pairs,
        linkage.duplicates.len(),
        linkage.unusable.len(),
        loaded.issues.len(),
    );
    println!("pairs: {}", out.display());
    if let Some(truth) = truth {
        let e = evaluate_clusters(&loaded.records, &linkage.cluster_of, &truth);
        println!(
            "against the truth: precision {:.4}, recall {:.4}, F1 {:.4} ({} true pairs, {} predicted; corrupted-ID recall {:.4})",
            e.precision, e.recall, e.f1, e.true_pairs, e.predicted_pairs, e.corrupted_id_recall
        );
    }
    Ok(())
}

/// One line per scored pair: both rows, weight, probability, band, the rule that decided it, the
/// duplicate reason if any, the prior, and one column per comparison with the level that fired and
/// its weight (`level (weight)`, plus the term-frequency adjustment for names): the whole explanation.
fn write_pairs<'a>(
    path: &Path,
    records: &[LinkRecord],
    linkage: &Linkage,
    source_name: &dyn Fn(&LinkRecord) -> &'a str,
) -> Result<()> {
    let mut w =
        csv::Writer::from_path(path).with_context(|| format!("writing {}", path.display()))?;
    let comparisons = gongrong_link::Comparison::ALL;
    let mut header: Vec<String> = [
        "a_source",
        "a_row",
        "a_name",
        "b_source",
        "b_row",
        "b_name",
        "weight",
        "probability",
        "band",
        "rule",
        "duplicate",
        "prior",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    header.extend(comparisons.iter().map(|c| c.code().to_owned()));
    w.write_record(&header)?;
    for pair in &linkage.pairs {
        let (Some(a), Some(b)) = (records.get(pair.a as usize), records.get(pair.b as usize))
        else {
            continue;
        };
        let e: Explanation = linkage.explain(pair);
        let mut line = vec![
            source_name(a).to_owned(),
            a.row.to_string(),
            a.name.clone(),
            source_name(b).to_owned(),
            b.row.to_string(),
            b.name.clone(),
            format!("{:.3}", e.weight),
            format!("{:.6}", e.probability),
            serde_json::to_value(e.band)?
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            e.rule
                .map(|r| serde_json::to_value(r).map(|v| v.as_str().unwrap_or_default().to_owned()))
                .transpose()?
                .unwrap_or_default(),
            e.duplicate
                .map(|d| serde_json::to_value(d).map(|v| v.as_str().unwrap_or_default().to_owned()))
                .transpose()?
                .unwrap_or_default(),
            format!("{:.3}", e.prior_weight),
        ];
        line.extend(e.terms.iter().map(|t| {
            if t.tf_adjustment == 0.0 {
                format!("{} ({:+.2})", t.level, t.weight)
            } else {
                format!("{} ({:+.2}, tf {:+.2})", t.level, t.weight, t.tf_adjustment)
            }
        }));
        w.write_record(&line)?;
    }
    w.flush()?;
    Ok(())
}
