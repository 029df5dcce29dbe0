//! Contacts in imports (issue 10, point 10).
//!
//! - `imports.kind`: `customers` (a file of customers, with optional contact columns) or
//!   `contacts` (a file of contacts alone, for customers already on file). Every import made
//!   before is a customer import.
//! - `contacts.import_id`: the import that wrote the contact. A contact of a contacts-only
//!   import is hidden from every contact read while that import is unfinished, and removed with
//!   the rest of a failed run, as imported customers are (m0016). The partial index holds only
//!   imported contacts, so typed-in ones cost it nothing.

use super::prelude::*;
use super::schema::{big_integer_null, string_len};

pub struct Migration;

#[derive(DeriveIden)]
enum Imports {
    Table,
    Kind,
}

#[derive(DeriveIden)]
enum Contacts {
    Table,
    ImportId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Imports::Table)
                .add_column(string_len(Imports::Kind, 20).default("customers"))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Contacts::Table)
                .add_column(big_integer_null(Contacts::ImportId))
                .to_owned(),
        )
        .await?;
        m.get_connection()
            .execute_unprepared(
                "CREATE INDEX ix_contacts_import ON contacts (import_id) \
                 WHERE import_id IS NOT NULL",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection()
            .execute_unprepared("DROP INDEX ix_contacts_import")
            .await?;
        m.alter_table(
            Table::alter()
                .table(Contacts::Table)
                .drop_column(Contacts::ImportId)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Imports::Table)
                .drop_column(Imports::Kind)
                .to_owned(),
        )
        .await
    }
}
