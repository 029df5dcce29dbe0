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

/// Two `salesdesk migrate` processes on one new PostgreSQL database at once (two servers of an
/// upgrade started together): both succeed and each migration is applied and recorded once. The
/// runner takes an advisory lock per migration and checks again under it. On SQLite one process
/// holds the database at a time, so the test is PostgreSQL's.
#[tokio::test]
async fn two_processes_migrating_one_new_postgresql_database_apply_each_migration_once() {
    let db = salesdesk_test_support::TestDb::new().await;
    if !db.is_postgres() {
        return;
    }
    let run = |url: String| std::thread::spawn(move || salesdesk(&url, &["migrate"]));
    let (a, b) = (run(db.url.clone()), run(db.url.clone()));
    for (ok, out) in [a.join().unwrap(), b.join().unwrap()] {
        assert!(ok, "{out}");
    }
    let conn = Db::connect(&db.url).await.unwrap();
    let applied = conn.applied_migrations().await.unwrap();
    assert_eq!(applied, salesdesk_store::maintenance::known_migrations());
    conn.close().await.unwrap();
}
