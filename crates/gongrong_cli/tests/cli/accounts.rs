//! `gongrong user` and `gongrong audit`: accounts with the password and role rules, every change
//! in the audit chain, and `audit verify` failing (exit 1, record named) on a tampered chain.

use crate::{district, gongrong, ok};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

fn with_stdin(data: &Path, args: &[&str], input: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_gongrong"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env_remove("GONGRONG_DATABASE_URL")
        .env_remove("GONGRONG_SETTINGS")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn accounts_follow_the_rules_and_every_change_is_audited() {
    let (_dir, data) = district();
    let out = ok(
        &data,
        &[
            "user",
            "add",
            "wang",
            "--role",
            "town_caseworker",
            "--area",
            "370305100",
        ],
    );
    assert!(out.contains("password (shown once): "), "{out}");
    let generated = out.lines().last().unwrap().rsplit(' ').next().unwrap();
    assert_eq!(generated.len(), 16);

    // Password rules: too short, the username inside, a common one.
    for bad in ["short", "wang-is-my-password", "1qaz2wsx3edc"] {
        let r = with_stdin(
            &data,
            &["user", "passwd", "wang", "--password-stdin"],
            &format!("{bad}\n"),
        );
        assert!(!r.status.success(), "{bad} accepted");
        assert!(stderr(&r).contains("password"), "{}", stderr(&r));
    }
    let r = with_stdin(
        &data,
        &["user", "passwd", "wang", "--password-stdin"],
        "a long enough 口令 2026\n",
    );
    assert!(r.status.success(), "{}", stderr(&r));

    // Role rules: a village clerk works in a village, a department officer needs a department.
    let r = gongrong(&data, &["user", "set", "wang", "--role", "village_clerk"]);
    assert!(!r.status.success());
    assert!(stderr(&r).contains("level"), "{}", stderr(&r));
    let r = gongrong(
        &data,
        &[
            "user",
            "add",
            "edu",
            "--role",
            "department_officer",
            "--area",
            "370305",
        ],
    );
    assert!(stderr(&r).contains("department"), "{}", stderr(&r));
    ok(
        &data,
        &[
            "user",
            "add",
            "edu",
            "--role",
            "department_officer",
            "--area",
            "370305",
            "--department",
            "教育",
        ],
    );

    ok(&data, &["user", "disable", "wang"]);
    let list = ok(&data, &["user", "list"]);
    let wang = list.lines().find(|l| l.starts_with("wang ")).unwrap();
    assert!(wang.contains("disabled"), "{wang}");
    assert!(list.contains("教育"));
    ok(&data, &["user", "enable", "wang"]);
    assert!(ok(&data, &["user", "unlock", "wang"]).contains("was not locked"));

    let log = ok(
        &data,
        &["audit", "list", "--actor", "cli:user", "--limit", "100"],
    );
    for action in [
        "user.create",
        "user.password_reset",
        "user.disable",
        "user.enable",
        "user.unlock",
    ] {
        assert!(log.contains(action), "{action} missing from\n{log}");
    }
    assert!(!log.contains(generated), "no password in the audit log");
    let json = ok(&data, &["audit", "list", "--action", "import.", "--json"]);
    let first: serde_json::Value = serde_json::from_str(json.lines().next().unwrap()).unwrap();
    assert_eq!(first["action"], "import.commit");
    assert_eq!(first["actor"], "cli:import");
    assert!(ok(&data, &["audit", "verify"]).starts_with("audit chain intact"));
}

#[tokio::test(flavor = "multi_thread")]
async fn audit_verify_names_the_tampered_record() {
    let (_dir, data) = district();
    ok(&data, &["audit", "verify"]);
    let url = format!("sqlite://{}", data.join("gongrong.db").display());
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    for sql in [
        "DROP TRIGGER audit_log_no_update",
        "UPDATE audit_log SET detail = 'nothing happened' WHERE seq = 2",
    ] {
        sqlx::query(sql).execute(&pool).await.unwrap();
    }
    pool.close().await;
    let r = gongrong(&data, &["audit", "verify"]);
    assert!(!r.status.success(), "a broken chain must fail the command");
    let out = String::from_utf8_lossy(&r.stdout);
    assert!(out.contains("BROKEN at record 2"), "{out}");
    assert!(out.contains("edited"), "{out}");
}
