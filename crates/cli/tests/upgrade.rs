//! Upgrades through the binary: `migrate --dry-run` lists and changes nothing; `serve` and
//! `migrate` refuse a database a newer salesdesk has migrated and name what they lack.

use std::process::Command;

use salesdesk_store::{Conn, Db};

fn salesdesk(url: &str, args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_salesdesk"))
        .arg("--database-url")
        .arg(url)
        .args(args)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn migrate_dry_run_lists_the_pending_migrations_and_applies_none() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("fresh.db").display());
    let all = salesdesk_store::maintenance::known_migrations();
    for _ in 0..2 {
        let (ok, out) = salesdesk(&url, &["migrate", "--dry-run"]);
        assert!(ok, "{out}");
        assert!(
            out.contains(&format!("would apply {} migration(s)", all.len())),
            "{out}"
        );
        assert!(out.contains("m0001_foundation"), "{out}");
    }
    let (ok, out) = salesdesk(&url, &["migrate"]);
    assert!(ok, "{out}");
    let (ok, out) = salesdesk(&url, &["migrate", "--dry-run"]);
    assert!(ok && out.contains("nothing to apply"), "{out}");
}

#[tokio::test]
async fn serve_and_migrate_refuse_a_database_newer_than_the_binary_naming_the_migration() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("newer.db").display());
    let db = Db::connect(&url).await.unwrap();
    db.migrate().await.unwrap();
    db.read()
        .execute_unprepared(
            "INSERT INTO seaql_migrations (version, applied_at) VALUES ('m9001_from_a_newer_release', 0)",
        )
        .await
        .unwrap();
    db.close().await.unwrap();
    for args in [&["serve", "--addr", "127.0.0.1:0"][..], &["migrate"][..]] {
        let (ok, out) = salesdesk(&url, args);
        assert!(!ok, "{args:?} must refuse: {out}");
        assert!(out.contains("newer"), "{out}");
        assert!(out.contains("m9001_from_a_newer_release"), "{out}");
    }
}
