//! Search and lists that stay fast on a million customers (issue 3, performance).
//!
//! * A trigram index on the folded search key, so that a substring query of three characters or
//!   more reads only the rows that contain it: an FTS5 table with the `trigram` tokenizer on
//!   SQLite (external content, kept in step by triggers), `pg_trgm` with a GIN index on
//!   PostgreSQL. Shorter queries cannot use a trigram index; `store::customers::list` walks the
//!   list's order instead (see docs/ARCHITECTURE.md).
//! * Indexes in the list's order (`updated_at DESC, id DESC`), alone and behind each filter the
//!   list offers (status, owner, region), so that the first page is read from the front of an
//!   index instead of sorting every visible row.
//!
//! This is the one migration with engine-specific statements; everything else stays portable.

use super::prelude::*;
use sea_orm::DbBackend;

pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Customers {
    Table,
    Id,
    UpdatedAt,
    Status,
    OwnerId,
    RegionId,
}

const SQLITE_UP: &[&str] = &[
    "CREATE VIRTUAL TABLE customers_fts USING fts5(search_key, content='customers', \
     content_rowid='id', tokenize='trigram', detail='none')",
    "INSERT INTO customers_fts(customers_fts) VALUES ('rebuild')",
    "CREATE TRIGGER customers_fts_insert AFTER INSERT ON customers BEGIN \
     INSERT INTO customers_fts(rowid, search_key) VALUES (new.id, new.search_key); END",
    "CREATE TRIGGER customers_fts_delete AFTER DELETE ON customers BEGIN \
     INSERT INTO customers_fts(customers_fts, rowid, search_key) \
     VALUES ('delete', old.id, old.search_key); END",
    "CREATE TRIGGER customers_fts_update AFTER UPDATE OF search_key ON customers BEGIN \
     INSERT INTO customers_fts(customers_fts, rowid, search_key) \
     VALUES ('delete', old.id, old.search_key); \
     INSERT INTO customers_fts(rowid, search_key) VALUES (new.id, new.search_key); END",
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS customers_fts_update",
    "DROP TRIGGER IF EXISTS customers_fts_delete",
    "DROP TRIGGER IF EXISTS customers_fts_insert",
    "DROP TABLE IF EXISTS customers_fts",
];

const POSTGRES_UP: &[&str] = &[
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_customers_search_trgm ON customers USING gin (search_key gin_trgm_ops)",
];

const POSTGRES_DOWN: &[&str] = &["DROP INDEX IF EXISTS ix_customers_search_trgm"];

/// (name, columns before `updated_at, id`).
const LIST_INDEXES: &[(&str, Option<Customers>)] = &[
    ("ix_customers_updated", None),
    ("ix_customers_status_updated", Some(Customers::Status)),
    ("ix_customers_owner_updated", Some(Customers::OwnerId)),
    ("ix_customers_region_updated", Some(Customers::RegionId)),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        let stmts = match m.get_database_backend() {
            DbBackend::Sqlite => SQLITE_UP,
            DbBackend::Postgres => POSTGRES_UP,
            _ => &[],
        };
        for s in stmts {
            db.execute_unprepared(s).await?;
        }
        for (name, first) in LIST_INDEXES {
            let mut idx = Index::create()
                .name(*name)
                .table(Customers::Table)
                .to_owned();
            if let Some(c) = first {
                idx.col(*c);
            }
            idx.col(Customers::UpdatedAt).col(Customers::Id);
            m.create_index(idx).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (name, _) in LIST_INDEXES {
            m.drop_index(Index::drop().name(*name).table(Customers::Table).to_owned())
                .await?;
        }
        let db = m.get_connection();
        let stmts = match m.get_database_backend() {
            DbBackend::Sqlite => SQLITE_DOWN,
            DbBackend::Postgres => POSTGRES_DOWN,
            _ => &[],
        };
        for s in stmts {
            db.execute_unprepared(s).await?;
        }
        Ok(())
    }
}
