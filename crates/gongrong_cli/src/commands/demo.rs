//! `gongrong demo`: a realistic synthetic district, from an empty data directory to a served UI.

use super::{SystemClock, job, open_store};
use crate::config::Settings;
use anyhow::{Context, Result};
use gongrong_domain::{Clock, RegionCode, Role};
use gongrong_store::{NewUser, Store};
use std::time::Instant;

#[derive(clap::Args)]
pub struct Args {
    /// People in the synthetic district (default ≈ 3,300 in the poverty register).
    #[arg(long)]
    persons: Option<u64>,
    #[arg(long, default_value_t = 2021)]
    seed: u64,
    /// Address to listen on (default 127.0.0.1:8080).
    #[arg(long)]
    listen: Option<String>,
    /// Prepare everything, print the accounts, and exit without serving.
    #[arg(long)]
    no_serve: bool,
}

/// The demo password of every demo account. Demo data only: the server listens on loopback.
pub const DEMO_PASSWORD: &str = "gongrong-demo";

pub async fn run(settings: &Settings, args: Args) -> Result<()> {
    let started = Instant::now();
    let store = open_store(settings).await?;
    let synth_dir = settings.data_dir.join("synth");
    let synth_args = super::synth::Args {
        out: synth_dir.clone(),
        persons: args.persons,
        seed: args.seed,
        format: "both".into(),
        encoding: "utf-8".into(),
        as_of: None,
    };
    let config = super::synth::config(&synth_args)?;
    super::synth::generate(&config, &synth_dir)?;
    let reports = settings.data_dir.join("reports");
    let import = |kind: &'static str, file: &'static str| {
        let store = store.clone();
        let path = synth_dir.join(file);
        let rejects = reports.join(format!("{kind}.rejects.csv"));
        async move { super::import::import(&store, kind, &path, None, "auto", &rejects).await }
    };
    import("villages", "villages.csv").await?;
    import("poverty", "poverty_register.xlsx").await?;
    import("dibao", "dibao_register.csv").await?;
    let reconciled = super::reconcile::reconcile(
        &store,
        None,
        &settings.data_dir.join("reports/reconcile"),
        SystemClock.today(),
    )
    .await?;
    println!(
        "registry (reconciled): {} persons in {} households; {} pairs await clerical review; reports in {}",
        reconciled.persons,
        reconciled.households,
        reconciled.review_pending,
        settings.data_dir.join("reports/reconcile").display()
    );
    let accounts = demo_accounts(&store).await?;
    println!("\nDemo accounts (password for all: {DEMO_PASSWORD}):");
    for (username, role, area) in &accounts {
        println!("  {username:<12} {:<30} {area}", role.en());
    }
    println!("\nready in {:.1}s", started.elapsed().as_secs_f64());
    if args.no_serve {
        return Ok(());
    }
    let listen = args.listen.unwrap_or_else(|| settings.listen.clone());
    super::serve::serve(store, &listen, || {}).await
}

/// One account per role: the clerk in the first village of the first township (镇) that has
/// villages (streets 街道 hold urban communities), the caseworker in that township.
async fn demo_accounts(store: &Store) -> Result<Vec<(String, Role, String)>> {
    let regions = store.region_table().await?;
    let district = RegionCode::parse(gongrong_domain::region::LINZI)?;
    let mut towns = regions.children(&district);
    towns.sort_by_key(|t| (!t.name.ends_with('镇'), t.code));
    let (town, village) = towns
        .into_iter()
        .find_map(|t| regions.children(&t.code).into_iter().next().map(|v| (t, v)))
        .context("no villages loaded: the village list import failed")?;
    let plan: [(&str, &str, Role, RegionCode, Option<&str>); 7] = [
        (
            "clerk",
            "村级经办人（演示）",
            Role::VillageClerk,
            village.code,
            None,
        ),
        (
            "caseworker",
            "镇街经办人（演示）",
            Role::TownCaseworker,
            town.code,
            None,
        ),
        (
            "minzheng",
            "区民政局（演示）",
            Role::DistrictCivilAffairs,
            district,
            None,
        ),
        (
            "xiangcun",
            "区乡村振兴局（演示）",
            Role::DistrictRuralRevitalisation,
            district,
            None,
        ),
        (
            "jiaoyu",
            "区教育局（演示）",
            Role::DepartmentOfficer,
            district,
            Some("教育"),
        ),
        ("auditor", "审计（演示）", Role::Auditor, district, None),
        ("admin", "系统管理员（演示）", Role::Admin, district, None),
    ];
    let hash = gongrong_web::hash_password(DEMO_PASSWORD).map_err(|e| anyhow::anyhow!("{e}"))?;
    let access = job("demo");
    let mut out = Vec::new();
    for (username, name, role, area, dept) in plan {
        gongrong_web::check_password(username, DEMO_PASSWORD)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        store
            .upsert_user(
                &access,
                &NewUser {
                    username: username.to_owned(),
                    display_name: name.to_owned(),
                    role,
                    area,
                    department: dept.map(str::to_owned),
                    password_hash: hash.clone(),
                },
            )
            .await?;
        out.push((username.to_owned(), role, regions.full_name(&area)));
    }
    Ok(out)
}
