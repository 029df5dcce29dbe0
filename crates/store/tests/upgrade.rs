//! Upgrades: a database made by an earlier release's schema, with rows in it, migrates to the
//! latest schema of this binary and keeps its rows. One fixture per release lives in
//! `tests/fixtures/` (see docs/ARCHITECTURE.md, "Upgrades"); each is tested here.

use std::collections::BTreeMap;

use salesdesk_store::Db;
use sea_orm::{ConnectionTrait, DbBackend, Statement};

/// Tables whose rows every later schema must keep, and their counts.
const KEPT: [&str; 9] = [
    "regions",
    "users",
    "customers",
    "contacts",
    "contact_records",
    "owner_history",
    "audit_log",
    "settings",
    "choices",
];

async fn counts(db: &Db) -> BTreeMap<&'static str, i64> {
    let mut out = BTreeMap::new();
    for t in KEPT {
        let row = db
            .read()
            .query_one_raw(Statement::from_string(
                DbBackend::Sqlite,
                format!("SELECT count(*) AS n FROM {t}"),
            ))
            .await
            .unwrap()
            .unwrap();
        out.insert(t, row.try_get::<i64>("", "n").unwrap());
    }
    out
}

async fn upgrade(fixture: &str, schema: &str) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("old.db");
    std::fs::copy(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(fixture),
        &file,
    )
    .unwrap();
    let db = Db::connect(&format!("sqlite://{}", file.display()))
        .await
        .unwrap();
    assert_eq!(db.schema_version().await.unwrap().as_deref(), Some(schema));
    let before = counts(&db).await;
    assert!(before["customers"] > 0 && before["users"] > 0, "{before:?}");
    let pending = db.pending_migration_names().await.unwrap();

    db.migrate().await.expect("the old database migrates");

    assert!(db.pending_migration_names().await.unwrap().is_empty());
    assert_eq!(
        db.schema_version().await.unwrap(),
        salesdesk_store::maintenance::known_migrations()
            .last()
            .cloned(),
        "migrated through {pending:?}"
    );
    let mut after = counts(&db).await;
    // m0024 adds the seven default reasons for releasing a customer to the pool, m0057 the six
    // default expense categories.
    let added = after["choices"] - before["choices"];
    assert_eq!(
        added,
        7 + 6,
        "the release reasons and expense categories are added to the lists"
    );
    after.insert("choices", before["choices"]);
    assert_eq!(after, before, "every row survives the upgrade");
    let vp = salesdesk_store::users::find_by_login(db.read(), "vp")
        .await
        .unwrap()
        .expect("the demo VP is still there");
    assert_eq!(vp.display_name, "陈建国");
    let ids: Vec<i64> = (1..=5).collect();
    let names = salesdesk_store::customers::names(db.read(), &ids)
        .await
        .unwrap();
    assert_eq!(names.len(), 5, "the first customers read back: {names:?}");
    db.close().await.unwrap();
}

#[tokio::test]
async fn a_database_at_schema_m0013_with_demo_rows_migrates_to_the_latest_and_keeps_them() {
    upgrade("m0013-demo.db", "m0013_nulls_first").await;
}
