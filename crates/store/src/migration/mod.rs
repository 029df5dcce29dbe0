//! The one set of migrations, written with sea-query's schema builder so that the same code
//! produces the DDL of SQLite and of PostgreSQL. Never edit a migration that has shipped; add one.

use sea_orm_migration::prelude::*;

mod m0001_foundation;
mod m0002_customers;
mod m0003_status_requests;
mod m0004_contacts;
mod m0005_customer_work;
mod m0006_imports;
mod m0007_search;
mod m0008_list_cover;
mod m0009_short_search;
pub(crate) mod m0010_scoped_grams;
mod m0011_scope_walk;
mod m0012_import_started;
mod m0013_nulls_first;
pub mod m0014_row_rules;
mod m0015_login_throttles;
mod m0016_import_leases;
mod m0017_idempotency_keys;
mod m0019_contact_removed;
mod m0021_notification_done;
mod m0022_place_codes;
mod m0023_import_files;
mod m0024_owner_notes;
mod m0025_archive;
pub(crate) mod m0026_likely_keys;
mod m0028_jobs;
mod m0029_import_contacts;
mod m0030_calendar;
mod m0031_trial_setup;
mod m0032_trials;
mod m0033_presales;
mod m0037_presales_cancel;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m0001_foundation::Migration),
            Box::new(m0002_customers::Migration),
            Box::new(m0003_status_requests::Migration),
            Box::new(m0004_contacts::Migration),
            Box::new(m0005_customer_work::Migration),
            Box::new(m0006_imports::Migration),
            Box::new(m0007_search::Migration),
            Box::new(m0008_list_cover::Migration),
            Box::new(m0009_short_search::Migration),
            Box::new(m0010_scoped_grams::Migration),
            Box::new(m0011_scope_walk::Migration),
            Box::new(m0012_import_started::Migration),
            Box::new(m0013_nulls_first::Migration),
            Box::new(m0014_row_rules::Migration),
            Box::new(m0015_login_throttles::Migration),
            Box::new(m0016_import_leases::Migration),
            Box::new(m0017_idempotency_keys::Migration),
            Box::new(m0019_contact_removed::Migration),
            Box::new(m0021_notification_done::Migration),
            Box::new(m0022_place_codes::Migration),
            Box::new(m0023_import_files::Migration),
            Box::new(m0024_owner_notes::Migration),
            Box::new(m0025_archive::Migration),
            Box::new(m0026_likely_keys::Migration),
            Box::new(m0028_jobs::Migration),
            Box::new(m0029_import_contacts::Migration),
            Box::new(m0030_calendar::Migration),
            Box::new(m0031_trial_setup::Migration),
            Box::new(m0032_trials::Migration),
            Box::new(m0033_presales::Migration),
            Box::new(m0037_presales_cancel::Migration),
        ]
    }
}

/// What the data-migration tests share: a SQLite file migrated to a version, and the rows the
/// gram index finds for an FTS5 query.
#[cfg(test)]
pub(crate) mod test_db {
    use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};
    use sea_orm_migration::MigratorTrait;

    /// A fresh SQLite database migrated up to migration number `version` (1-based).
    pub async fn at(version: u32) -> (tempfile::TempDir, DatabaseConnection) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("old.db").display());
        let db = Database::connect(&url).await.unwrap();
        super::Migrator::up(&db, Some(version)).await.unwrap();
        (dir, db)
    }

    /// Ids of the customers `customers_grams MATCH fts` finds, ascending.
    pub async fn gram_rowids(db: &DatabaseConnection, fts: String) -> Vec<i64> {
        db.query_all_raw(Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "SELECT rowid FROM customers_grams WHERE customers_grams MATCH ? ORDER BY rowid",
            [fts.into()],
        ))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<i64>("", "rowid").unwrap())
        .collect()
    }
}
