//! Settings, layered: built-in defaults, then a TOML file (`--settings FILE` or `GONGRONG_SETTINGS`),
//! then `GONGRONG_*` environment variables, then command-line flags. Secrets are never printed.

use anyhow::{Context, Result};
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    listen: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Settings {
    /// Where the SQLite database, synthetic files and reports live.
    pub data_dir: PathBuf,
    /// `postgres://…` or `sqlite://PATH`; default: SQLite in `data_dir`.
    pub database_url: String,
    pub listen: String,
}

impl Settings {
    pub fn load(config_file: Option<&Path>, data_dir_flag: Option<&Path>) -> Result<Settings> {
        let file: FileSettings = match config_file {
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .with_context(|| format!("reading config {}", p.display()))?;
                toml::from_str(&text).with_context(|| format!("config {}", p.display()))?
            }
            None => FileSettings::default(),
        };
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let data_dir = data_dir_flag
            .map(Path::to_path_buf)
            .or_else(|| env("GONGRONG_DATA_DIR").map(PathBuf::from))
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from("gongrong-data"));
        let database_url = env("GONGRONG_DATABASE_URL")
            .or(file.database_url)
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("gongrong.db").display()));
        let listen = env("GONGRONG_LISTEN")
            .or(file.listen)
            .unwrap_or_else(|| "127.0.0.1:8080".to_owned());
        Ok(Settings {
            data_dir,
            database_url,
            listen,
        })
    }

    /// The database URL with any password replaced, for messages.
    pub fn database_display(&self) -> String {
        redact(&self.database_url)
    }
}

fn redact(url: &str) -> String {
    // postgres://user:secret@host/db → postgres://user:***@host/db
    if let Some((scheme, rest)) = url.split_once("://")
        && let Some((cred, host)) = rest.split_once('@')
        && let Some((user, _)) = cred.split_once(':')
    {
        return format!("{scheme}://{user}:***@{host}");
    }
    url.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact("postgres://gr:s3cret@127.0.0.1:5432/gr"),
            "postgres://gr:***@127.0.0.1:5432/gr"
        );
        assert_eq!(redact("sqlite://x/y.db"), "sqlite://x/y.db");
    }

    #[test]
    fn file_layer_and_unknown_keys() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("g.toml");
        std::fs::write(&p, "listen = \"127.0.0.1:9999\"\n").unwrap();
        let s = Settings::load(Some(&p), Some(Path::new("/tmp/x"))).unwrap();
        assert_eq!(s.data_dir, PathBuf::from("/tmp/x"));
        std::fs::write(&p, "lisen = \"x\"\n").unwrap();
        let err = format!("{:#}", Settings::load(Some(&p), None).unwrap_err());
        assert!(err.contains("lisen"), "{err}");
    }
}
