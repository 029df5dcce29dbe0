//! The customer list sorted by last contact puts customers never contacted where SQLite does:
//! first when the oldest contact comes first, last when the newest does
//! (`store::customers::CustomerFilter::nulls`). PostgreSQL's b-tree puts NULL last in ascending
//! order, so its index on `(last_contact_at, id)` is made again with `NULLS FIRST`, which
//! serves both directions; without it the page sorted the whole scope. SQLite's index already
//! keeps NULL first.

use super::prelude::*;
use sea_orm::DbBackend;

pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() == DbBackend::Postgres {
            let db = m.get_connection();
            db.execute_unprepared("DROP INDEX IF EXISTS ix_customers_last_contact")
                .await?;
            db.execute_unprepared(
                "CREATE INDEX ix_customers_last_contact ON customers \
                 (last_contact_at ASC NULLS FIRST, id)",
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() == DbBackend::Postgres {
            let db = m.get_connection();
            db.execute_unprepared("DROP INDEX IF EXISTS ix_customers_last_contact")
                .await?;
            db.execute_unprepared(
                "CREATE INDEX ix_customers_last_contact ON customers (last_contact_at, id)",
            )
            .await?;
        }
        Ok(())
    }
}
