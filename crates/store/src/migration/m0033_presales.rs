//! Pre-sales work of issue 12 (helper "presales"):
//!
//! - `ix_jobs_state_id`: the administrator's jobs page lists one state newest first; the
//!   claim's `(state, run_at, id)` index cannot give that order, so a page of `done` jobs
//!   would sort every done job.
//! - `calendar_feeds`: one private iCalendar URL per person. Only the SHA-256 of its secret is
//!   stored (like a session token); re-issuing replaces the row, revoking deletes it, so an old
//!   URL stops working at once. The unique hash is the feed's look-up.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Jobs {
    Table,
    State,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum CalendarFeeds {
    Table,
    UserId,
    TokenHash,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(
            Index::create()
                .name("ix_jobs_state_id")
                .table(Jobs::Table)
                .col(Jobs::State)
                .col(Jobs::Id)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(CalendarFeeds::Table)
                .col(big_integer(CalendarFeeds::UserId).primary_key())
                .col(string_len(CalendarFeeds::TokenHash, 64))
                .col(timestamp_with_time_zone(CalendarFeeds::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_calendar_feeds_user")
                        .from(CalendarFeeds::Table, CalendarFeeds::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_calendar_feeds_token_hash")
                .table(CalendarFeeds::Table)
                .col(CalendarFeeds::TokenHash)
                .unique()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(CalendarFeeds::Table).to_owned())
            .await?;
        m.drop_index(
            Index::drop()
                .name("ix_jobs_state_id")
                .table(Jobs::Table)
                .to_owned(),
        )
        .await
    }
}
