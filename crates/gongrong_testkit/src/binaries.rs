//! Locating the PostgreSQL server binaries.

use std::path::{Path, PathBuf};

/// The directory holding `initdb`, `pg_ctl`, `psql` and `pg_isready`.
#[derive(Clone, Debug)]
pub struct PgBinaries {
    dir: PathBuf,
}

const REQUIRED: [&str; 4] = ["initdb", "pg_ctl", "psql", "pg_isready"];

impl PgBinaries {
    /// Searches `PATH`, then `/usr/lib/postgresql/<version>/bin` (highest version first).
    pub fn find() -> Result<PgBinaries, String> {
        let from_path = std::env::var_os("PATH")
            .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
            .unwrap_or_default();
        from_path
            .into_iter()
            .chain(debian_dirs(Path::new("/usr/lib/postgresql")))
            .find(|dir| REQUIRED.iter().all(|tool| dir.join(tool).is_file()))
            .map(|dir| PgBinaries { dir })
            .ok_or_else(|| {
                "PostgreSQL server binaries (initdb, pg_ctl, psql, pg_isready) were not found on \
                 PATH or in /usr/lib/postgresql/*/bin; install postgresql: run the README's test \
                 command"
                    .to_owned()
            })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn tool(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

/// `<root>/<version>/bin` for each numeric version directory, highest version first.
fn debian_dirs(root: &Path) -> Vec<PathBuf> {
    let mut versions: Vec<(Vec<u32>, PathBuf)> = std::fs::read_dir(root)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            let version: Option<Vec<u32>> = name.split('.').map(|p| p.parse().ok()).collect();
            version.map(|v| (v, entry.path().join("bin")))
        })
        .collect();
    versions.sort_by(|a, b| b.0.cmp(&a.0));
    versions.into_iter().map(|(_, dir)| dir).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_sort_numerically() {
        let root = tempfile::tempdir().unwrap();
        for v in ["9.6", "15", "10", "notes"] {
            std::fs::create_dir_all(root.path().join(v).join("bin")).unwrap();
        }
        let dirs = debian_dirs(root.path());
        let names: Vec<_> = dirs
            .iter()
            .map(|d| {
                d.parent()
                    .unwrap()
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        assert_eq!(names, ["15", "10", "9.6"]);
    }
}
