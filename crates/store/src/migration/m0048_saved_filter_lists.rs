//! Saved filters belong to a list (issue 13 point 7): `saved_filters.list` is `customers`,
//! `deals`, `contracts` or `receivables`; the rows saved before are the customer list's. A name
//! is a person's once per list: `ux_saved_filters_name` becomes `(user_id, list, name)` (same
//! name, so the violation it maps to stays the one field error "name taken").

use super::{prelude::*, schema::*};

pub struct Migration;

#[derive(DeriveIden)]
enum SavedFilters {
    Table,
    List,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(SavedFilters::Table)
                .add_column(string_len(SavedFilters::List, 20).default("customers"))
                .to_owned(),
        )
        .await?;
        let db = m.get_connection();
        db.execute_unprepared("DROP INDEX IF EXISTS ux_saved_filters_name")
            .await?;
        db.execute_unprepared(
            "CREATE UNIQUE INDEX ux_saved_filters_name ON saved_filters (user_id, list, name)",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        db.execute_unprepared("DELETE FROM saved_filters WHERE list <> 'customers'")
            .await?;
        db.execute_unprepared("DROP INDEX IF EXISTS ux_saved_filters_name")
            .await?;
        db.execute_unprepared(
            "CREATE UNIQUE INDEX ux_saved_filters_name ON saved_filters (user_id, name)",
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(SavedFilters::Table)
                .drop_column(SavedFilters::List)
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
