//! `gongrong synth`: a deterministic synthetic district as legacy register files.

use crate::progress;
use anyhow::Result;
use chrono::NaiveDate;
use gongrong_synth::{Encoding, OutputFormat, SynthConfig};
use std::path::PathBuf;
use std::time::Instant;

#[derive(clap::Args)]
pub struct Args {
    /// Output directory.
    #[arg(long, default_value = "synth")]
    pub out: PathBuf,
    /// People in the district's universe (default ≈ 3,300 in the poverty register).
    #[arg(long)]
    pub persons: Option<u64>,
    #[arg(long, default_value_t = 2021)]
    pub seed: u64,
    /// csv, xlsx or both.
    #[arg(long, default_value = "csv")]
    pub format: String,
    /// utf-8 or gbk (CSV only).
    #[arg(long, default_value = "utf-8")]
    pub encoding: String,
    /// The export date written into the files (default 2026-11-30).
    #[arg(long)]
    pub as_of: Option<NaiveDate>,
}

pub fn config(args: &Args) -> Result<SynthConfig> {
    let mut c = SynthConfig {
        seed: args.seed,
        ..SynthConfig::default()
    };
    if let Some(n) = args.persons {
        c.persons = n;
    }
    if let Some(d) = args.as_of {
        c.as_of = d;
    }
    c.format = match args.format.as_str() {
        "csv" => OutputFormat::Csv,
        "xlsx" => OutputFormat::Xlsx,
        "both" => OutputFormat::Both,
        other => anyhow::bail!("--format {other:?}: use csv, xlsx or both"),
    };
    c.encoding = match args.encoding.to_ascii_lowercase().as_str() {
        "utf-8" | "utf8" => Encoding::Utf8,
        "gbk" | "gb18030" => Encoding::Gbk,
        other => anyhow::bail!("--encoding {other:?}: use utf-8 or gbk"),
    };
    Ok(c)
}

pub fn run(args: Args) -> Result<()> {
    let c = config(&args)?;
    generate(&c, &args.out)?;
    Ok(())
}

pub fn generate(c: &SynthConfig, out: &std::path::Path) -> Result<gongrong_synth::SynthSummary> {
    std::fs::create_dir_all(out)?;
    let started = Instant::now();
    let pb = progress::bar(c.persons, "synth");
    let summary = gongrong_synth::generate(c, out, &|done, total| {
        pb.set_length(total);
        pb.set_position(done);
    })?;
    pb.finish_and_clear();
    println!(
        "synth: {} villages, {} households, {} persons → {} poverty-register rows, {} dibao-register rows in {:.1}s, into {}",
        summary.villages,
        summary.households,
        summary.persons,
        summary.poverty_rows,
        summary.dibao_rows,
        started.elapsed().as_secs_f64(),
        out.display()
    );
    Ok(summary)
}
