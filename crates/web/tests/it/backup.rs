//! Backup and restore (`salesdesk backup` / `restore`, `salesdesk_app::backup`): a backup taken
//! while customers are being created through HTTP holds every write acknowledged before it
//! started; the attachments come back byte for byte; a damaged or tampered file and a database
//! in use are refused.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use salesdesk_app::Db;
use salesdesk_app::attachments::Attachments;
use salesdesk_app::backup::{self, BackupError};
use salesdesk_test_support::{TestApp, TestDb};
use serde_json::json;

/// True when a refused restore left `fresh` as it was: no SQLite file, no PostgreSQL schema.
async fn untouched(fresh: &TestDb) -> bool {
    if fresh.is_postgres() {
        let db = Db::connect(&fresh.url).await.unwrap();
        let none = db.schema_version().await.map_or(true, |v| v.is_none());
        db.close().await.unwrap();
        none
    } else {
        !salesdesk_store::maintenance::sqlite_path(&fresh.url)
            .unwrap()
            .exists()
    }
}

/// An attachments directory that does not exist: a backup of it holds no files.
fn no_files() -> PathBuf {
    PathBuf::from("/nonexistent/salesdesk-test-attachments")
}

/// Creates customers through the API until told to stop; the ids of acknowledged (201) ones.
fn writer(
    t: &TestApp,
    token: String,
) -> (
    Arc<Mutex<Vec<i64>>>,
    Arc<AtomicBool>,
    tokio::task::JoinHandle<()>,
) {
    let acked = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let (url, c) = (t.url("/api/v1/customers"), t.client());
    let (a, s) = (acked.clone(), stop.clone());
    let task = tokio::spawn(async move {
        let mut i = 0u32;
        while !s.load(Ordering::Relaxed) {
            i += 1;
            let r = c
                .post(&url)
                .bearer_auth(&token)
                .json(&json!({"name": format!("备份测试{i}号科技有限公司")}))
                .send()
                .await
                .expect("request");
            assert_eq!(r.status(), 201, "customer {i}");
            let v: serde_json::Value = r.json().await.expect("json");
            a.lock().unwrap().push(v["id"].as_i64().expect("id"));
        }
    });
    (acked, stop, task)
}

async fn wait_for(acked: &Mutex<Vec<i64>>, n: usize) {
    for _ in 0..2000 {
        if acked.lock().unwrap().len() >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("the writer did not get {n} customers acknowledged");
}

#[tokio::test]
async fn a_backup_taken_under_writes_restores_every_write_acknowledged_before_it_started() {
    let t = TestApp::with_demo().await;
    let (acked, stop, task) = writer(&t, t.token("north.am1").await);
    wait_for(&acked, 5).await;
    let before: Vec<i64> = acked.lock().unwrap().clone();
    let dir = tempfile::tempdir().unwrap();
    let w = backup::backup(&t.app.db, &t.db.url, &no_files(), Some(dir.path()))
        .await
        .expect("backup");
    // The writes go on during and after the backup.
    wait_for(&acked, before.len() + 3).await;
    stop.store(true, Ordering::Relaxed);
    task.await.unwrap();
    let name = w.path.file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.starts_with("salesdesk-"), "{name}");
    assert!(
        name.contains("-m00"),
        "the schema version is in the name: {name}"
    );
    assert!(w.checksum_path.exists());

    let fresh = TestDb::new().await;
    let r = backup::restore(&fresh.url, &w.path, &no_files(), false)
        .await
        .expect("restore into a fresh database");
    assert!(r.checksum_file);
    let db = Db::connect(&fresh.url).await.unwrap();
    let found = salesdesk_store::customers::names(db.read(), &before)
        .await
        .unwrap();
    assert_eq!(
        found.len(),
        before.len(),
        "every customer acknowledged before the backup is in it"
    );
    assert!(db.pending_migration_names().await.unwrap().is_empty());
    db.close().await.unwrap();
}

#[tokio::test]
async fn a_damaged_backup_is_refused_by_its_checksum_and_nothing_is_overwritten() {
    let t = TestApp::with_demo().await;
    let dir = tempfile::tempdir().unwrap();
    let w = backup::backup(&t.app.db, &t.db.url, &no_files(), Some(dir.path()))
        .await
        .unwrap();
    let mut bytes = std::fs::read(&w.path).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x5a;
    std::fs::write(&w.path, &bytes).unwrap();
    let fresh = TestDb::new().await;
    let err = backup::restore(&fresh.url, &w.path, &no_files(), false)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, BackupError::Refused(m) if m.contains("checksum")),
        "{err}"
    );
    // Without the .sha256 the archive's own checks still refuse it (both engines).
    std::fs::remove_file(&w.checksum_path).unwrap();
    let err = backup::restore(&fresh.url, &w.path, &no_files(), false)
        .await
        .unwrap_err();
    assert!(matches!(err, BackupError::Refused(_)), "{err}");
    assert!(untouched(&fresh).await, "a refused restore writes nothing");
}

#[tokio::test]
async fn a_restore_refuses_a_database_in_use_unless_forced() {
    let t = TestApp::with_demo().await;
    let dir = tempfile::tempdir().unwrap();
    let w = backup::backup(&t.app.db, &t.db.url, &no_files(), Some(dir.path()))
        .await
        .unwrap();
    let err = backup::restore(&t.db.url, &w.path, &no_files(), false)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, BackupError::Refused(m) if m.contains("in use")),
        "{err}"
    );
    // The running server still answers from its database.
    let r = t.client().get(t.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
}

/// Attachments of several kinds, as contracts and receipts will store them.
fn some_attachments(a: &Attachments) -> Vec<(String, Vec<u8>)> {
    let pdf: Vec<u8> = (0..200_000u32).map(|i| (i * 7919 % 251) as u8).collect();
    let bodies = [
        pdf,
        "报销单：差旅费 1,234.50 元".as_bytes().to_vec(),
        Vec::new(),
    ];
    bodies
        .into_iter()
        .map(|b| (a.store(&b).unwrap(), b))
        .collect()
}

#[tokio::test]
async fn attachments_written_before_a_backup_are_back_byte_identical_after_restore() {
    let t = TestApp::with_demo().await;
    let live = tempfile::tempdir().unwrap();
    let files = Attachments::new(live.path().join("attachments"));
    let stored = some_attachments(&files);
    let dir = tempfile::tempdir().unwrap();
    let w = backup::backup(&t.app.db, &t.db.url, files.root(), Some(dir.path()))
        .await
        .unwrap();
    assert_eq!(w.attachments.files, 3);

    let fresh = TestDb::new().await;
    let elsewhere = tempfile::tempdir().unwrap();
    let restored = Attachments::new(elsewhere.path().join("restored"));
    let r = backup::restore(&fresh.url, &w.path, restored.root(), false)
        .await
        .expect("restore");
    assert_eq!(r.attachments, 3);
    for (key, body) in &stored {
        assert_eq!(&restored.read(key).unwrap(), body, "attachment {key}");
    }
    assert_eq!(restored.usage().unwrap(), files.usage().unwrap());
}

/// Rewrites the archive with one byte of `member` changed, as someone editing it by hand would
/// (the gzip and tar checks pass; only the manifest's checksum can tell).
fn tamper(archive: &Path, member: &str) {
    let mut tar = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(archive).unwrap())
        .read_to_end(&mut tar)
        .unwrap();
    let mut at = 0;
    loop {
        let name = String::from_utf8_lossy(&tar[at..at + 100])
            .trim_end_matches('\0')
            .to_string();
        assert!(!name.is_empty(), "{member} not in the archive");
        let size_field = String::from_utf8_lossy(&tar[at + 124..at + 135]).to_string();
        let size = usize::from_str_radix(size_field.trim_end_matches('\0'), 8).unwrap();
        if name == member {
            tar[at + 512] ^= 0x01;
            break;
        }
        at += 512 + size.div_ceil(512) * 512;
    }
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(archive).unwrap(),
        flate2::Compression::fast(),
    );
    gz.write_all(&tar).unwrap();
    gz.finish().unwrap();
}

#[tokio::test]
async fn a_tampered_attachment_refuses_the_whole_restore_and_writes_nothing() {
    let t = TestApp::with_demo().await;
    let live = tempfile::tempdir().unwrap();
    let files = Attachments::new(live.path().join("attachments"));
    let stored = some_attachments(&files);
    let dir = tempfile::tempdir().unwrap();
    let w = backup::backup(&t.app.db, &t.db.url, files.root(), Some(dir.path()))
        .await
        .unwrap();
    let key = &stored[1].0;
    tamper(&w.path, &format!("files/{}/{key}", &key[..2]));
    // A tamperer would rewrite the .sha256 too; the manifest still knows.
    std::fs::remove_file(&w.checksum_path).unwrap();

    let fresh = TestDb::new().await;
    let target = tempfile::tempdir().unwrap();
    let err = backup::restore(&fresh.url, &w.path, target.path(), false)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, BackupError::Refused(m) if m.contains("checksum") && m.contains(key.as_str())),
        "{err}"
    );
    assert!(untouched(&fresh).await, "the database was not replaced");
    assert_eq!(
        Attachments::new(target.path()).usage().unwrap().files,
        0,
        "no attachment was put back"
    );
    let leftovers: Vec<_> = walk(target.path());
    assert!(
        leftovers.is_empty(),
        "no temporary file left: {leftovers:?}"
    );
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![];
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// PostgreSQL backups of earlier versions were bare `pg_dump -Fc` files: they still restore.
#[tokio::test]
async fn a_bare_pgdump_of_an_earlier_version_still_restores() {
    let t = TestApp::with_demo().await;
    if !t.db.is_postgres() {
        return; // a PostgreSQL-only format
    }
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("salesdesk-20261129T183005Z-m0030.pgdump");
    let out = std::process::Command::new("pg_dump")
        .args(["--format=custom", "--file"])
        .arg(&dump)
        .arg("--dbname")
        .arg(&t.db.url)
        .output()
        .expect("pg_dump is installed beside PostgreSQL");
    assert!(out.status.success(), "{out:?}");
    let fresh = TestDb::new().await;
    let r = backup::restore(&fresh.url, &dump, &no_files(), false)
        .await
        .expect("restore");
    assert_eq!(r.attachments, 0);
    assert!(!r.checksum_file);
    let db = Db::connect(&fresh.url).await.unwrap();
    assert_eq!(
        db.schema_version().await.unwrap(),
        t.app.db.schema_version().await.unwrap()
    );
    db.close().await.unwrap();
}
