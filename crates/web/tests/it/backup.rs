//! Backup and restore (`salesdesk backup` / `restore`, `salesdesk_app::backup`): a backup taken
//! while customers are being created through HTTP holds every write acknowledged before it
//! started; a damaged file and a database in use are refused.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use salesdesk_app::Db;
use salesdesk_app::backup::{self, BackupError};
use salesdesk_test_support::{TestApp, TestDb};
use serde_json::json;

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
    let w = backup::backup(&t.app.db, &t.db.url, Some(dir.path()))
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
    let r = backup::restore(&fresh.url, &w.path, false)
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
    let w = backup::backup(&t.app.db, &t.db.url, Some(dir.path()))
        .await
        .unwrap();
    let mut bytes = std::fs::read(&w.path).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x5a;
    std::fs::write(&w.path, &bytes).unwrap();
    let fresh = TestDb::new().await;
    let err = backup::restore(&fresh.url, &w.path, false)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, BackupError::Refused(m) if m.contains("checksum")),
        "{err}"
    );
    if !fresh.is_postgres() {
        // Without the .sha256 the archive's own checks still refuse it.
        std::fs::remove_file(&w.checksum_path).unwrap();
        let err = backup::restore(&fresh.url, &w.path, false)
            .await
            .unwrap_err();
        assert!(matches!(err, BackupError::Refused(_)), "{err}");
        let file = salesdesk_store::maintenance::sqlite_path(&fresh.url).unwrap();
        assert!(!file.exists(), "a refused restore writes nothing");
    }
}

#[tokio::test]
async fn a_restore_refuses_a_database_in_use_unless_forced() {
    let t = TestApp::with_demo().await;
    let dir = tempfile::tempdir().unwrap();
    let w = backup::backup(&t.app.db, &t.db.url, Some(dir.path()))
        .await
        .unwrap();
    let err = backup::restore(&t.db.url, &w.path, false)
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
