//! Upgrades through the binary: every release's fixture (a database that release made, kept as
//! a SQL dump in tests/fixtures/upgrade/, written by deploy/upgrade-fixture.sh) migrates to the
//! newest schema with all its rows; `migrate --dry-run` lists and changes nothing; `serve` and
//! `migrate` refuse a database a newer salesdesk has migrated and name what they lack.

use std::path::{Path, PathBuf};
use std::process::Command;

use salesdesk_store::{Conn, Db};
use salesdesk_test_support::TestDb;
use sea_orm::{Database, Statement};

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

/// The fixtures of this engine, oldest release first.
fn fixtures(engine: &str) -> Vec<(String, PathBuf)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/upgrade");
    let suffix = format!(".{engine}.sql");
    let mut out: Vec<(Vec<u64>, String, PathBuf)> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| {
            let path = e.unwrap().path();
            let name = path.file_name()?.to_str()?.to_string();
            let version = name.strip_suffix(&suffix)?.to_string();
            let key = version.split('.').map(|p| p.parse().unwrap_or(0)).collect();
            Some((key, version, path))
        })
        .collect();
    out.sort();
    out.into_iter().map(|(_, v, p)| (v, p)).collect()
}

/// Every table and its row count, and the customers and logins themselves.
async fn contents(db: &impl Conn, postgres: bool) -> (Vec<(String, i64)>, Vec<String>) {
    let b = db.get_database_backend();
    // The dump empties the loading session's search_path.
    let schema = if postgres { "public." } else { "" };
    let tables_sql = if postgres {
        "SELECT table_name AS name FROM information_schema.tables \
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1"
    } else {
        // Not the full-text indexes' own tables: they are rebuilt from customers.
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         AND name NOT LIKE 'customers_fts%' AND name NOT LIKE 'customers_grams%' ORDER BY 1"
    };
    let mut counts = vec![];
    for row in db
        .query_all_raw(Statement::from_string(b, tables_sql))
        .await
        .unwrap()
    {
        let name: String = row.try_get("", "name").unwrap();
        if name == "seaql_migrations" {
            continue;
        }
        let n: i64 = db
            .query_one_raw(Statement::from_string(
                b,
                format!("SELECT COUNT(*) AS n FROM {schema}{name}"),
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get("", "n")
            .unwrap();
        counts.push((name, n));
    }
    let mut rows = vec![];
    for sql in [
        format!("SELECT id || ':' || name AS v FROM {schema}customers ORDER BY id"),
        format!("SELECT id || ':' || login AS v FROM {schema}users ORDER BY id"),
    ] {
        for r in db
            .query_all_raw(Statement::from_string(b, sql))
            .await
            .unwrap()
        {
            rows.push(r.try_get::<String>("", "v").unwrap());
        }
    }
    (counts, rows)
}

#[tokio::test]
async fn every_release_fixture_migrates_to_the_newest_schema_keeping_its_rows() {
    let probe = TestDb::new().await;
    let postgres = probe.is_postgres();
    drop(probe);
    let all = fixtures(if postgres { "postgres" } else { "sqlite" });
    assert!(
        !all.is_empty(),
        "no upgrade fixture: deploy/upgrade-fixture.sh"
    );
    for (version, file) in all {
        let t = TestDb::new().await;
        let sql = std::fs::read_to_string(&file).unwrap();
        // Loaded on a connection of its own: the dump sets session state (search_path).
        let url = if postgres {
            t.url.clone()
        } else {
            format!("{}?mode=rwc", t.url)
        };
        let raw = Database::connect(&url).await.unwrap();
        raw.execute_unprepared(&sql)
            .await
            .unwrap_or_else(|e| panic!("loading {}: {e}", file.display()));
        let before = contents(&raw, postgres).await;
        raw.close().await.unwrap();
        assert!(
            before.1.len() > 10,
            "{version}: the fixture holds customers and people"
        );

        let (ok, out) = salesdesk(&t.url, &["migrate"]);
        assert!(ok, "{version}: {out}");
        let db = Db::connect(&t.url).await.unwrap();
        assert!(
            db.pending_migration_names().await.unwrap().is_empty(),
            "{version}"
        );
        let after = contents(db.read(), postgres).await;
        for (table, n) in &before.0 {
            let now = after.0.iter().find(|(t, _)| t == table).map(|x| x.1);
            // A later migration may add rows (default choices, say); none may go.
            assert!(now >= Some(*n), "{version}: rows of {table}: {n} → {now:?}");
        }
        assert_eq!(after.1, before.1, "{version}: customers and logins");
        // The migrated database is usable: a search through the full-text index finds a
        // customer the release stored.
        let first = before.1[0].split_once(':').unwrap().1.to_string();
        db.close().await.unwrap();
        let (ok, out) = salesdesk(
            &t.url,
            &["customers", "export", "--as", "vp", "--q", &first],
        );
        assert!(ok && out.contains(&first), "{version}: {out}");
    }
}
