//! `gongrong link A.csv B.csv [--config link.toml]`: probabilistic linkage of any two files (e.g.
//! a department's feed against a register export), with an explanation per scored pair.
//!
//! Writes `--out` (scored pairs), and beside it `<stem>_clusters.csv` (the person of every row)
//! and `<stem>_unusable.csv` (rows without a usable identifier, never matched automatically).
//! Everything is read and linked before the first byte is written: a malformed configuration
//! or a file that does not match its mapping stops the command with nothing written.

use crate::config::Settings;
use anyhow::{Context, Result};
use gongrong_link::{LinkConfig, LinkRecord, Linkage, Truth, evaluate_clusters};
use std::collections::HashMap;
use std::io::Write as _;
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
    let names: Vec<&str> = config.sources.iter().map(|s| s.name.as_str()).collect();
    // The truth file is read while the sources are loaded and linked.
    let (loaded, linkage, truth) = std::thread::scope(|s| {
        let truth = s.spawn(|| {
            args.truth
                .as_deref()
                .map(|p| Truth::read(p, &names))
                .transpose()
                .map_err(anyhow::Error::from)
        });
        let linked = load_and_link(&paths, &config);
        let truth = truth
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("reading the truth failed")));
        let (loaded, linkage) = linked?;
        anyhow::Ok((loaded, linkage, truth?))
    })?;
    let started = std::time::Instant::now();

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
    // The pairs, the clusters and the evaluation are produced concurrently.
    let evaluation = std::thread::scope(|s| {
        let (records, cluster_of) = (&loaded.records, &linkage.cluster_of);
        let evaluation = s.spawn(move || {
            // The truth is dropped here, while the pairs are still being written.
            truth.map(|t| evaluate_clusters(records, cluster_of, &t))
        });
        let others = s.spawn(|| {
            write_clusters(
                &sibling("clusters"),
                &loaded.records,
                &linkage,
                &source_name,
            )?;
            write_unusable(
                &sibling("unusable"),
                &loaded.records,
                &linkage,
                &source_name,
            )
        });
        let pairs = write_pairs(&out, &loaded.records, &linkage, &source_name);
        let others = others
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("writing the clusters failed")));
        let evaluation = evaluation.join();
        pairs?;
        others?;
        evaluation.map_err(|_| anyhow::anyhow!("evaluating against the truth failed"))
    })?;
    eprintln!(
        "timings: write + evaluate {:.1}s",
        started.elapsed().as_secs_f64()
    );

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
    if let Some(e) = evaluation {
        println!(
            "against the truth: precision {:.4}, recall {:.4}, F1 {:.4} ({} true pairs, {} predicted; corrupted-ID recall {:.4})",
            e.precision, e.recall, e.f1, e.true_pairs, e.predicted_pairs, e.corrupted_id_recall
        );
    }
    // Freeing millions of small strings takes a noticeable moment; the process need not wait for it.
    std::thread::spawn(move || drop((loaded, linkage)));
    Ok(())
}

/// Loads the sources and links them, printing the stage timings.
fn load_and_link(paths: &[&Path], config: &LinkConfig) -> Result<(gongrong_link::Loaded, Linkage)> {
    let started = std::time::Instant::now();
    let loaded = gongrong_link::load_sources(paths, config)?;
    let load_s = started.elapsed().as_secs_f64();
    let linkage = gongrong_link::link(&loaded.records, config)?;
    let stages: Vec<String> = linkage
        .stats
        .timings_ms
        .iter()
        .map(|(stage, ms)| format!("{stage} {:.1}s", ms / 1000.0))
        .collect();
    eprintln!("timings: load {load_s:.1}s, {}", stages.join(", "));
    Ok((loaded, linkage))
}

/// The person (cluster) of every row.
fn write_clusters<'a>(
    path: &Path,
    records: &[LinkRecord],
    linkage: &Linkage,
    source_name: &dyn Fn(&LinkRecord) -> &'a str,
) -> Result<()> {
    use std::fmt::Write as _;
    let file =
        std::fs::File::create(path).with_context(|| format!("writing {}", path.display()))?;
    let mut w = csv::Writer::from_writer(std::io::BufWriter::with_capacity(1 << 20, file));
    w.write_record(["source", "row", "cluster"])?;
    let mut buf = String::with_capacity(32);
    for (r, c) in records.iter().zip(&linkage.cluster_of) {
        w.write_field(source_name(r))?;
        buf.clear();
        write!(buf, "{}", r.row)?;
        w.write_field(&buf)?;
        buf.clear();
        write!(buf, "{c}")?;
        w.write_field(&buf)?;
        w.write_record(None::<&[u8]>)?;
    }
    w.flush()
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// The rows without a usable identifier.
fn write_unusable<'a>(
    path: &Path,
    records: &[LinkRecord],
    linkage: &Linkage,
    source_name: &dyn Fn(&LinkRecord) -> &'a str,
) -> Result<()> {
    let mut w = csv::Writer::from_path(path)?;
    w.write_record(["source", "row", "name", "id_number", "reason"])?;
    for &i in &linkage.unusable {
        if let Some(r) = records.get(i as usize) {
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
    Ok(())
}

/// One line per scored pair: both rows, weight, probability, band, the rule that decided it, the
/// duplicate reason if any, the prior, and one column per comparison with the level that fired and
/// its weight (`level (weight)`, plus the term-frequency adjustment for names): the whole explanation.
///
/// The pairs are formatted in parallel chunks (one per core) and written in their order.
fn write_pairs<'a>(
    path: &Path,
    records: &[LinkRecord],
    linkage: &Linkage,
    source_name: &(dyn Fn(&LinkRecord) -> &'a str + Sync),
) -> Result<()> {
    let file =
        std::fs::File::create(path).with_context(|| format!("writing {}", path.display()))?;
    let mut file = std::io::BufWriter::with_capacity(1 << 20, file);
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<&str> = vec![
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
    ];
    header.extend(gongrong_link::Comparison::ALL.iter().map(|c| c.code()));
    w.write_record(&header)?;
    file.write_all(&w.into_inner()?)?;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = linkage.pairs.len().div_ceil(threads).max(1);
    let parts: Vec<Result<Vec<u8>>> = std::thread::scope(|s| {
        let handles: Vec<_> = linkage
            .pairs
            .chunks(chunk)
            .map(|pairs| s.spawn(move || format_pairs(pairs, records, linkage, source_name)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("formatting pairs failed")))
            })
            .collect()
    });
    for part in parts {
        file.write_all(&part?)?;
    }
    file.flush()
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// The text of one comparison's level, without and with a term-frequency adjustment.
struct TermText {
    plain: String,
    /// `level (weight, tf ` — the adjustment and `)` follow.
    tf_prefix: String,
    /// Whether the term carries the pair's term-frequency adjustment (names only).
    tf: bool,
}

/// The snake-case (serde) name of a value, memoised per value.
struct Names<T>(Vec<(T, String)>);

impl<T: Copy + PartialEq + serde::Serialize> Names<T> {
    fn get(&mut self, v: T) -> Result<&str> {
        let i = match self.0.iter().position(|(x, _)| *x == v) {
            Some(i) => i,
            None => {
                let name = serde_json::to_value(v)?
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                self.0.push((v, name));
                self.0.len() - 1
            }
        };
        Ok(self.0.get(i).map_or("", |(_, n)| n.as_str()))
    }
}

/// CSV lines (no header) of `pairs`, exactly as [`Linkage::explain`] describes each pair.
fn format_pairs<'a>(
    pairs: &[gongrong_link::ScoredPair],
    records: &[LinkRecord],
    linkage: &Linkage,
    source_name: &(dyn Fn(&LinkRecord) -> &'a str + Sync),
) -> Result<Vec<u8>> {
    use std::fmt::Write as _;
    let mut w = csv::Writer::from_writer(Vec::with_capacity(pairs.len() * 180));
    let mut terms: HashMap<u16, Vec<TermText>> = HashMap::new();
    let (mut bands, mut rules, mut dups) =
        (Names(Vec::new()), Names(Vec::new()), Names(Vec::new()));
    let mut buf = String::with_capacity(64);
    for pair in pairs {
        let (Some(a), Some(b)) = (records.get(pair.a as usize), records.get(pair.b as usize))
        else {
            continue;
        };
        let weight = f64::from(pair.weight);
        let mut num = |w: &mut csv::Writer<Vec<u8>>, v: std::fmt::Arguments| -> Result<()> {
            buf.clear();
            buf.write_fmt(v)?;
            w.write_field(&buf)?;
            Ok(())
        };
        w.write_field(source_name(a))?;
        num(&mut w, format_args!("{}", a.row))?;
        w.write_field(&a.name)?;
        w.write_field(source_name(b))?;
        num(&mut w, format_args!("{}", b.row))?;
        w.write_field(&b.name)?;
        num(&mut w, format_args!("{weight:.3}"))?;
        num(&mut w, format_args!("{:.6}", pair.probability()))?;
        w.write_field(bands.get(pair.band)?)?;
        w.write_field(
            pair.rule
                .map(|r| rules.get(r))
                .transpose()?
                .unwrap_or_default(),
        )?;
        w.write_field(
            pair.duplicate
                .map(|d| dups.get(d))
                .transpose()?
                .unwrap_or_default(),
        )?;
        num(&mut w, format_args!("{:.3}", linkage.model.prior_weight))?;
        let texts = terms.entry(pair.levels.pack()).or_insert_with(|| {
            linkage
                .explain(pair)
                .terms
                .iter()
                .map(|t| TermText {
                    plain: format!("{} ({:+.2})", t.level, t.weight),
                    tf_prefix: format!("{} ({:+.2}, tf ", t.level, t.weight),
                    tf: t.comparison == gongrong_link::Comparison::Name,
                })
                .collect()
        });
        let tf = f64::from(pair.tf_adjustment);
        for t in texts.iter() {
            if t.tf && tf != 0.0 {
                buf.clear();
                write!(buf, "{}{tf:+.2})", t.tf_prefix)?;
                w.write_field(&buf)?;
            } else {
                w.write_field(&t.plain)?;
            }
        }
        w.write_record(None::<&[u8]>)?;
    }
    Ok(w.into_inner()?)
}
