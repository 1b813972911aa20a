//! Test support: a throwaway PostgreSQL cluster started from the machine's PostgreSQL binaries.
//!
//! ```no_run
//! let pg = gongrong_testkit::PgCluster::start()?;
//! let url = pg.create_database("story")?;
//! // … connect to `url` …
//! # Ok::<(), String>(())
//! ```
//!
//! The cluster lives in a temporary directory, listens on a free 127.0.0.1 port with trust
//! authentication for the superuser `postgres`, runs with `fsync=off`, and is stopped and deleted
//! when the [`PgCluster`] is dropped. When the tests run as root (initdb refuses root), the server
//! runs as the `postgres` OS user through `runuser`.

mod binaries;

use std::fs;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::Duration;

pub use binaries::PgBinaries;

/// A running PostgreSQL cluster in a temporary directory.
#[derive(Debug)]
pub struct PgCluster {
    bin: PgBinaries,
    /// The OS user the server runs as, when it is not the current user.
    run_as: Option<String>,
    data: PathBuf,
    port: u16,
    dir: tempfile::TempDir,
}

const SUPERUSER: &str = "postgres";

impl PgCluster {
    /// Creates, configures and starts a cluster; returns once it accepts connections.
    pub fn start() -> Result<PgCluster, String> {
        let bin = PgBinaries::find()?;
        let dir = tempfile::Builder::new()
            .prefix("gongrong-pg-")
            .tempdir()
            .map_err(|e| format!("cannot create a temporary directory: {e}"))?;
        let run_as = if running_as_root()? {
            let (uid, gid) = os_user_ids(SUPERUSER)?;
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid)).map_err(|e| {
                format!("cannot chown {} to {SUPERUSER}: {e}", dir.path().display())
            })?;
            Some(SUPERUSER.to_owned())
        } else {
            None
        };
        let data = dir.path().join("data");
        let mut cluster = PgCluster {
            bin,
            run_as,
            data,
            port: 0,
            dir,
        };
        cluster.initdb()?;
        // A free port can be taken by someone else between picking and binding: retry a little.
        let mut last_error = String::new();
        for _ in 0..3 {
            cluster.port = free_port()?;
            cluster.write_port()?;
            match cluster.pg_ctl_start() {
                Ok(()) => return Ok(cluster),
                Err(e) => last_error = e,
            }
        }
        Err(last_error)
    }

    /// The port the server listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Connection URL of database `db` as the superuser.
    pub fn url(&self, db: &str) -> String {
        format!("postgres://{SUPERUSER}@127.0.0.1:{}/{db}", self.port)
    }

    /// Creates database `name` (letters, digits and `_` only) and returns its URL.
    pub fn create_database(&self, name: &str) -> Result<String, String> {
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(format!(
                "database name {name:?} must be letters, digits and _"
            ));
        }
        let port = self.port.to_string();
        let sql = format!("CREATE DATABASE \"{name}\"");
        let mut cmd = Command::new(self.bin.tool("psql"));
        cmd.args(["-X", "-q", "-h", "127.0.0.1", "-p", &port, "-U", SUPERUSER])
            .args(["-d", "postgres", "-v", "ON_ERROR_STOP=1", "-c", &sql])
            .current_dir(self.dir.path());
        check(&cmd_output(cmd, "psql")?, "psql CREATE DATABASE")?;
        Ok(self.url(name))
    }

    fn initdb(&self) -> Result<(), String> {
        let data = self.data.to_string_lossy().into_owned();
        let mut cmd = self.command("initdb");
        cmd.args(["-D", &data, "-U", SUPERUSER, "-A", "trust", "-E", "UTF8"])
            .args(["--locale=C", "--no-sync", "--no-instructions"]);
        check(&cmd_output(cmd, "initdb")?, "initdb")
    }

    fn write_port(&self) -> Result<(), String> {
        let socket_dir = self.dir.path().to_string_lossy().replace('\'', "''");
        let conf = format!(
            "\n# gongrong_testkit\nlisten_addresses = '127.0.0.1'\nport = {}\n\
             unix_socket_directories = '{socket_dir}'\nfsync = off\nsynchronous_commit = off\n\
             full_page_writes = off\nmax_connections = 100\n",
            self.port
        );
        // Written after initdb; the last setting of a name wins, so rewriting the port works.
        let path = self.data.join("postgresql.auto.conf");
        fs::write(&path, conf).map_err(|e| format!("cannot write {}: {e}", path.display()))
    }

    fn pg_ctl_start(&self) -> Result<(), String> {
        let data = self.data.to_string_lossy().into_owned();
        let log = self.dir.path().join("server.log");
        let log_arg = log.to_string_lossy().into_owned();
        let mut cmd = self.command("pg_ctl");
        cmd.args(["-D", &data, "-l", &log_arg, "-w", "-t", "60", "start"]);
        let out = cmd_output(cmd, "pg_ctl")?;
        if !out.status.success() {
            let server_log = fs::read_to_string(&log).unwrap_or_default();
            return Err(format!(
                "pg_ctl start failed: {}{}\nserver log:\n{server_log}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        self.wait_ready()
    }

    /// `pg_ctl -w` already waits; this also confirms the TCP listener.
    fn wait_ready(&self) -> Result<(), String> {
        let port = self.port.to_string();
        for _ in 0..100 {
            let mut cmd = Command::new(self.bin.tool("pg_isready"));
            cmd.args(["-q", "-h", "127.0.0.1", "-p", &port, "-U", SUPERUSER])
                .current_dir(self.dir.path());
            if cmd_output(cmd, "pg_isready")?.status.success() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Err(format!("PostgreSQL on port {port} did not become ready"))
    }

    /// A server tool, run as the cluster's OS user.
    fn command(&self, tool: &str) -> Command {
        let path = self.bin.tool(tool);
        let mut cmd = match &self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(path);
                c
            }
            None => Command::new(path),
        };
        // The server user may not be able to read the test's working directory.
        cmd.current_dir(self.dir.path());
        cmd
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let data = self.data.to_string_lossy().into_owned();
        let mut cmd = self.command("pg_ctl");
        cmd.args(["-D", &data, "-m", "immediate", "-w", "stop"]);
        // Nothing useful can be done about a failure here; the directory is removed regardless.
        let _ = cmd.output();
    }
}

fn cmd_output(mut cmd: Command, what: &str) -> Result<Output, String> {
    cmd.output().map_err(|e| format!("cannot run {what}: {e}"))
}

fn check(out: &Output, what: &str) -> Result<(), String> {
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{what} failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn free_port() -> Result<u16, String> {
    let listener =
        TcpListener::bind("127.0.0.1:0").map_err(|e| format!("cannot bind a free port: {e}"))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| format!("cannot read the bound port: {e}"))
}

/// Whether this process runs with effective uid 0 (`/proc/self` is owned by the euid).
fn running_as_root() -> Result<bool, String> {
    use std::os::unix::fs::MetadataExt;
    match fs::metadata("/proc/self") {
        Ok(m) => Ok(m.uid() == 0),
        Err(_) => id_of("-u", None).map(|uid| uid == 0),
    }
}

/// uid and gid of an OS user.
fn os_user_ids(user: &str) -> Result<(u32, u32), String> {
    let uid = id_of("-u", Some(user))
        .map_err(|e| format!("OS user {user:?} is needed to run PostgreSQL as root: {e}"))?;
    let gid = id_of("-g", Some(user))?;
    Ok((uid, gid))
}

/// `id <flag> [user]` as a number.
fn id_of(flag: &str, user: Option<&str>) -> Result<u32, String> {
    let mut cmd = Command::new("id");
    cmd.arg(flag).args(user);
    let out = cmd_output(cmd, "id")?;
    check(&out, "id")?;
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .map_err(|e| format!("unexpected output of id: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_creates_a_database_and_cleans_up() {
        let pg = PgCluster::start().unwrap();
        let url = pg.create_database("kit_test").unwrap();
        assert!(url.ends_with("/kit_test"));
        assert!(pg.create_database("bad-name").is_err());
        let port = pg.port().to_string();
        let out = Command::new(pg.bin.tool("psql"))
            .args(["-X", "-At", "-h", "127.0.0.1", "-p", &port, "-U", SUPERUSER])
            .args(["-d", "kit_test", "-c", "SHOW fsync"])
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "off");
        let dir = pg.dir.path().to_path_buf();
        drop(pg);
        assert!(!dir.exists());
        assert!(TcpListener::bind(("127.0.0.1", port.parse::<u16>().unwrap())).is_ok());
    }
}
