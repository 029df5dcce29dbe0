//! Customer imports (issue 3, item 10): the uploaded file is kept in the database, so whichever
//! server process runs the import can read it, and the run's progress and outcome are rows that
//! every process (and the result page's refresh) sees.

use super::{prelude::*, schema::*};

pub struct Migration;

#[derive(DeriveIden)]
enum Imports {
    Table,
    Id,
    UserId,
    FileName,
    Content,
    Status,
    Mapping,
    ValidOnly,
    Total,
    Done,
    Valid,
    Rejected,
    Imported,
    Errors,
    Message,
    CreatedAt,
    FinishedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Imports::Table)
                .col(big_pk_auto(Imports::Id))
                .col(big_integer_null(Imports::UserId))
                .col(string_len(Imports::FileName, 200))
                .col(blob(Imports::Content))
                .col(string_len(Imports::Status, 16))
                .col(text_null(Imports::Mapping))
                .col(boolean(Imports::ValidOnly).default(false))
                .col(big_integer(Imports::Total).default(0))
                .col(big_integer(Imports::Done).default(0))
                .col(big_integer(Imports::Valid).default(0))
                .col(big_integer(Imports::Rejected).default(0))
                .col(big_integer(Imports::Imported).default(0))
                .col(text_null(Imports::Errors))
                .col(string_len_null(Imports::Message, 64))
                .col(timestamp_with_time_zone(Imports::CreatedAt))
                .col(timestamp_with_time_zone_null(Imports::FinishedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_imports_user")
                        .from(Imports::Table, Imports::UserId)
                        .to(Users::Table, Users::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_imports_user")
                .table(Imports::Table)
                .col(Imports::UserId)
                .col(Imports::Id)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Imports::Table).to_owned())
            .await
    }
}
