//! When an import run started, so that a run cut short by a stopped process is recognised and
//! marked failed instead of showing "running" forever (`app::import::reap_interrupted`). A run
//! is one transaction, so an interrupted one imported nothing and can be run again.

use super::prelude::*;
use super::schema::timestamp_with_time_zone_null;

pub struct Migration;

#[derive(DeriveIden)]
enum Imports {
    Table,
    StartedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Imports::Table)
                .add_column(timestamp_with_time_zone_null(Imports::StartedAt))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Imports::Table)
                .drop_column(Imports::StartedAt)
                .to_owned(),
        )
        .await
    }
}
