//! Archived customers and the recycle bin (issue 10, point 4).
//!
//! - `customers.archived_at`, `archived_by`, `archive_reason`: set when a customer is archived,
//!   cleared when it is restored. An archived customer keeps its row, its contacts and records,
//!   and its duplicate key and USCC (the unique indexes still count it), but every customer read
//!   of a data scope leaves it out (`store::customers::Visible::condition` adds
//!   `archived_at IS NULL`). Housekeeping deletes it after the retention setting.
//! - The list's covering indexes are made again as partial indexes `WHERE archived_at IS NULL`,
//!   so that the list, its count and the dashboard keep reading the index alone with the new
//!   condition (both engines use a partial index when the query's `WHERE` holds its term), and
//!   archived rows take no room in them. Same names and leading columns as before (m0005, m0008,
//!   m0011, m0013), plus `archived_at` last: SQLite (3.50, bundled) uses a partial index as a
//!   covering one only when the index holds the column of its `WHERE` too (checked by the test
//!   `store::customers::plans`; PostgreSQL needs no such help). `ix_customers_archived` serves
//!   the bin and the purge.
//!
//! No existing row breaks anything: every customer starts not archived.

use super::prelude::*;
use super::schema::{big_integer_null, string_len_null, timestamp_with_time_zone_null};
use sea_orm::DbBackend;

pub struct Migration;

#[derive(DeriveIden)]
enum Customers {
    Table,
    ArchivedAt,
    ArchivedBy,
    ArchiveReason,
}

/// The list's indexes: (name, columns). `ix_customers_last_contact` is made apart (PostgreSQL
/// keeps NULLs first in it, m0013).
const LIST: &[(&str, &str)] = &[
    ("ix_customers_owner_updated", "owner_id, updated_at, id"),
    ("ix_customers_region_updated", "region_id, updated_at, id"),
    (
        "ix_customers_owner_status_list",
        "owner_id, status, updated_at, id",
    ),
    (
        "ix_customers_status_list_cover",
        "status, updated_at, id, owner_id, region_id",
    ),
    (
        "ix_customers_updated_scope",
        "updated_at, id, owner_id, region_id",
    ),
    ("ix_customers_next_contact", "owner_id, next_contact_on"),
];

fn last_contact_columns(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => "last_contact_at ASC NULLS FIRST, id",
        _ => "last_contact_at, id",
    }
}

async fn make_list_indexes(m: &SchemaManager<'_>, partial: bool) -> Result<(), DbErr> {
    let db = m.get_connection();
    let cond = if partial {
        " WHERE archived_at IS NULL"
    } else {
        ""
    };
    let last = last_contact_columns(m.get_database_backend());
    for (name, cols) in LIST
        .iter()
        .copied()
        .chain([("ix_customers_last_contact", last)])
    {
        db.execute_unprepared(&format!("DROP INDEX IF EXISTS {name}"))
            .await?;
        // The partial index also holds `archived_at` (always NULL in it): SQLite reads a
        // partial index alone only when every column the query names is in it, the one of its
        // own `WHERE` included; without it each entry sent SQLite to the table row.
        let cols = if partial {
            format!("{cols}, archived_at")
        } else {
            cols.to_string()
        };
        db.execute_unprepared(&format!("CREATE INDEX {name} ON customers ({cols}){cond}"))
            .await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite alters one column per statement.
        for col in [
            timestamp_with_time_zone_null(Customers::ArchivedAt),
            big_integer_null(Customers::ArchivedBy),
            string_len_null(Customers::ArchiveReason, 200),
        ] {
            let mut col = col;
            m.alter_table(
                Table::alter()
                    .table(Customers::Table)
                    .add_column(&mut col)
                    .to_owned(),
            )
            .await?;
        }
        make_list_indexes(m, true).await?;
        m.get_connection()
            .execute_unprepared(
                "CREATE INDEX ix_customers_archived ON customers (archived_at, id) \
                 WHERE archived_at IS NOT NULL",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection()
            .execute_unprepared("DROP INDEX IF EXISTS ix_customers_archived")
            .await?;
        make_list_indexes(m, false).await?;
        for col in [
            Customers::ArchivedAt,
            Customers::ArchivedBy,
            Customers::ArchiveReason,
        ] {
            m.alter_table(
                Table::alter()
                    .table(Customers::Table)
                    .drop_column(col)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
