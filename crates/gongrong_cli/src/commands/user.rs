//! `gongrong user`: manage accounts from the command line, with the same rules and the same
//! audit trail as the administrators' pages (every change is audited by the store, as
//! `cli:user`).

use super::{job, open_store};
use crate::config::Settings;
use anyhow::{Context, Result, bail};
use gongrong_domain::{RegionCode, Role};
use gongrong_store::{NewUser, Store, UserChange};
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
        /// Region code of the user's area: a village for a village clerk, a town for a town
        /// caseworker, the district for district roles and auditors (e.g. 370305100).
        #[arg(long)]
        area: String,
        /// Name shown in the UI (default: the username).
        #[arg(long)]
        name: Option<String>,
        /// Department, for department officers (e.g. 教育, 残联, 卫健).
        #[arg(long)]
        department: Option<String>,
        /// Read the password from the first line of standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List every account with its role, area and status.
    List,
    /// Change an account's role, area, department or display name (ends its sessions when
    /// the privileges change).
    Set {
        username: String,
        #[arg(long)]
        role: Option<String>,
        #[arg(long)]
        area: Option<String>,
        #[arg(long)]
        name: Option<String>,
        /// A department, or "" to clear it.
        #[arg(long)]
        department: Option<String>,
    },
    /// Set a new password (generated and shown once, or read from standard input); ends the
    /// account's sessions.
    Passwd {
        username: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Disable an account: no sign-in, sessions ended.
    Disable { username: String },
    /// Enable a disabled account.
    Enable { username: String },
    /// Clear the sign-in lock after repeated failed attempts.
    Unlock { username: String },
}

fn parse_role(role: &str) -> Result<Role> {
    Role::parse(role).with_context(|| {
        let all: Vec<&str> = Role::ALL.iter().map(|r| r.code()).collect();
        format!(
            "--role {role:?} is not a role; use one of {}",
            all.join(", ")
        )
    })
}

async fn parse_area(store: &Store, area: &str) -> Result<RegionCode> {
    let code = RegionCode::parse(area).with_context(|| format!("--area {area:?}"))?;
    store
        .region_table()
        .await?
        .check(&code)
        .with_context(|| format!("--area {code}"))?;
    Ok(code)
}

/// The new password and whether it was generated (to be shown once), checked against the rules.
fn new_password(username: &str, from_stdin: bool) -> Result<(String, bool)> {
    let (password, generated) = if from_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        (line.trim_end_matches(['\r', '\n']).to_owned(), false)
    } else {
        (gongrong_web::generate_password(), true)
    };
    gongrong_web::check_password(username, &password).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok((password, generated))
}

fn hash(password: &str) -> Result<String> {
    gongrong_web::hash_password(password).map_err(|e| anyhow::anyhow!("{e}"))
}

pub async fn run(settings: &Settings, cmd: UserCommand) -> Result<()> {
    let store = open_store(settings).await?;
    let access = job("user");
    match cmd {
        UserCommand::Add {
            username,
            role,
            area,
            name,
            department,
            password_stdin,
        } => {
            let role = parse_role(&role)?;
            let area = parse_area(&store, &area).await?;
            let (password, generated) = new_password(&username, password_stdin)?;
            store
                .upsert_user(
                    &access,
                    &NewUser {
                        username: username.clone(),
                        display_name: name.unwrap_or_else(|| username.clone()),
                        role,
                        area,
                        department,
                        password_hash: hash(&password)?,
                    },
                )
                .await?;
            let regions = store.region_table().await?;
            println!(
                "user {username}: {} of {}",
                role.en(),
                regions.full_name(&area)
            );
            if generated {
                println!("password (shown once): {password}");
            }
        }
        UserCommand::List => {
            let regions = store.region_table().await?;
            for a in store.users(&access).await? {
                let u = &a.user;
                let mut status = Vec::new();
                if a.disabled {
                    status.push("disabled".to_owned());
                }
                if let Some(until) = a.locked_until {
                    status.push(format!(
                        "locked until {}",
                        until.format("%Y-%m-%d %H:%M UTC")
                    ));
                }
                println!(
                    "{:<16} {:<30} {:<28} {}{}",
                    u.username,
                    u.role.en(),
                    regions.full_name(&u.area),
                    u.department.as_deref().unwrap_or(""),
                    if status.is_empty() {
                        String::new()
                    } else {
                        format!("  [{}]", status.join(", "))
                    }
                );
            }
        }
        UserCommand::Set {
            username,
            role,
            area,
            name,
            department,
        } => {
            let change = UserChange {
                display_name: name,
                role: role.as_deref().map(parse_role).transpose()?,
                area: match area {
                    Some(a) => Some(parse_area(&store, &a).await?),
                    None => None,
                },
                department: department.map(|d| Some(d).filter(|d| !d.trim().is_empty())),
            };
            if change == UserChange::default() {
                bail!("nothing to change: give --role, --area, --name or --department");
            }
            let u = store.update_user(&access, &username, &change).await?;
            println!(
                "user {}: {} of {}{}",
                u.username,
                u.role.en(),
                u.area,
                u.department.map(|d| format!(" ({d})")).unwrap_or_default()
            );
        }
        UserCommand::Passwd {
            username,
            password_stdin,
        } => {
            let (password, generated) = new_password(&username, password_stdin)?;
            store
                .set_password(&access, &username, &hash(&password)?)
                .await?;
            println!("user {username}: password changed, sessions ended");
            if generated {
                println!("password (shown once): {password}");
            }
        }
        UserCommand::Disable { username } => {
            store.set_disabled(&access, &username, true).await?;
            println!("user {username}: disabled, sessions ended");
        }
        UserCommand::Enable { username } => {
            store.set_disabled(&access, &username, false).await?;
            println!("user {username}: enabled");
        }
        UserCommand::Unlock { username } => {
            let was = store.unlock_user(&access, &username).await?;
            println!(
                "user {username}: {}",
                if was { "unlocked" } else { "was not locked" }
            );
        }
    }
    Ok(())
}
