//! `gongrong user add`: create or update an account.

use super::{audit, open_store};
use crate::config::Settings;
use anyhow::{Context, Result, bail};
use gongrong_domain::{RegionCode, Role};
use gongrong_store::NewUser;
use rand::Rng;
use std::io::BufRead;

#[derive(clap::Subcommand)]
pub enum UserCommand {
    /// Create a user, or update an existing one's role, area, name and password.
    Add {
        username: String,
        /// village_clerk, town_caseworker, district_civil_affairs, district_rural_revitalisation,
        /// department_officer, auditor or admin.
        #[arg(long)]
        role: String,
        /// Region code of the user's area (village, town or district), e.g. 370305100.
        #[arg(long)]
        area: String,
        /// Name shown in the UI (default: the username).
        #[arg(long)]
        name: Option<String>,
        /// Department, for department officers (e.g. 教育).
        #[arg(long)]
        department: Option<String>,
        /// Read the password from the first line of standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
}

pub const MIN_PASSWORD_LEN: usize = 10;

pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..16)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

pub async fn run(settings: &Settings, cmd: UserCommand) -> Result<()> {
    match cmd {
        UserCommand::Add {
            username,
            role,
            area,
            name,
            department,
            password_stdin,
        } => {
            let role = Role::parse(&role).with_context(|| {
                let all: Vec<&str> = Role::ALL.iter().map(|r| r.code()).collect();
                format!(
                    "--role {role:?} is not a role; use one of {}",
                    all.join(", ")
                )
            })?;
            let area = RegionCode::parse(&area).with_context(|| format!("--area {area:?}"))?;
            let (password, generated) = if password_stdin {
                let mut line = String::new();
                std::io::stdin().lock().read_line(&mut line)?;
                (line.trim_end_matches(['\r', '\n']).to_owned(), false)
            } else {
                (generate_password(), true)
            };
            if password.chars().count() < MIN_PASSWORD_LEN {
                bail!("password must have at least {MIN_PASSWORD_LEN} characters");
            }
            let store = open_store(settings).await?;
            let regions = store.region_table().await?;
            regions
                .check(&area)
                .with_context(|| format!("--area {area}"))?;
            let hash =
                gongrong_web::hash_password(&password).map_err(|e| anyhow::anyhow!("{e}"))?;
            store
                .upsert_user(&NewUser {
                    username: username.clone(),
                    display_name: name.unwrap_or_else(|| username.clone()),
                    role,
                    area,
                    department,
                    password_hash: hash,
                })
                .await?;
            audit(
                &store,
                "user.upsert",
                &format!("user:{username}"),
                format!("role {}, area {area}", role.code()),
            )
            .await?;
            println!(
                "user {username}: {} of {}",
                role.en(),
                regions.full_name(&area)
            );
            if generated {
                println!("password (shown once): {password}");
            }
            Ok(())
        }
    }
}
