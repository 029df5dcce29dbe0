//! Imports written in short transactions, hidden until they finish, and held by a lease (issue 9,
//! points 4 and 5).
//!
//! - `customers.import_id`: the import that wrote the row. While that import is not finished
//!   (`running`, or `removing` its rows after a failure) the row is hidden from every customer
//!   read (`store::customers::Visible::Hiding`); once it is `done` the column is only history.
//!   The partial index holds only imported rows, so the million typed-in or generated customers
//!   cost it nothing, and a failed run's rows are found for removal without a scan.
//! - `imports.lease_holder` / `lease_until`: who runs (or removes) an import — process id, host,
//!   process start and run — and until when that claim holds unless renewed. A run whose lease
//!   has expired belongs to a stopped process; any process may take it over with a conditional
//!   update, remove its rows and mark it interrupted.
//! - `ix_imports_status`: the few unfinished imports are read on every customer request; the
//!   table holds the uploaded files, so that read must not touch the rows.

use super::prelude::*;
use super::schema::{big_integer_null, text_null, timestamp_with_time_zone_null};

pub struct Migration;

#[derive(DeriveIden)]
enum Customers {
    Table,
    ImportId,
}

#[derive(DeriveIden)]
enum Imports {
    Table,
    Id,
    Status,
    LeaseHolder,
    LeaseUntil,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Customers::Table)
                .add_column(big_integer_null(Customers::ImportId))
                .to_owned(),
        )
        .await?;
        // A partial index (valid SQL on both engines; sea-query's builder has no WHERE for it).
        m.get_connection()
            .execute_unprepared(
                "CREATE INDEX ix_customers_import ON customers (import_id) \
                 WHERE import_id IS NOT NULL",
            )
            .await?;
        for col in [
            text_null(Imports::LeaseHolder),
            timestamp_with_time_zone_null(Imports::LeaseUntil),
        ] {
            let mut col = col;
            m.alter_table(
                Table::alter()
                    .table(Imports::Table)
                    .add_column(&mut col)
                    .to_owned(),
            )
            .await?;
        }
        m.create_index(
            Index::create()
                .name("ix_imports_status")
                .table(Imports::Table)
                .col(Imports::Status)
                .col(Imports::LeaseUntil)
                .col(Imports::Id)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("ix_imports_status")
                .table(Imports::Table)
                .to_owned(),
        )
        .await?;
        for col in [Imports::LeaseUntil, Imports::LeaseHolder] {
            m.alter_table(
                Table::alter()
                    .table(Imports::Table)
                    .drop_column(col)
                    .to_owned(),
            )
            .await?;
        }
        m.get_connection()
            .execute_unprepared("DROP INDEX ix_customers_import")
            .await?;
        m.alter_table(
            Table::alter()
                .table(Customers::Table)
                .drop_column(Customers::ImportId)
                .to_owned(),
        )
        .await
    }
}
