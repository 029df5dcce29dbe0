//! Pre-sales work of issue 12 (helper "presales"):
//!
//! - `ix_jobs_state_id`: the administrator's jobs page lists one state newest first; the
//!   claim's `(state, run_at, id)` index cannot give that order, so a page of `done` jobs
//!   would sort every done job.
//! - `calendar_feeds`: one private iCalendar URL per person. Only the SHA-256 of its secret is
//!   stored (like a session token); re-issuing replaces the row, revoking deletes it, so an old
//!   URL stops working at once. The unique hash is the feed's look-up.
//! - `presales_calls`: the pre-sales follow-up calls (S5.2) of a trial, one per step of the
//!   administrator's plan, made when the trial starts. `(trial_id, step)` is unique, so
//!   scheduling twice (a retried request, two processes) makes the calls once. The customer and
//!   the owner are the trial's (read through it: a reassigned trial takes its calls along, a
//!   merged customer's trials carry them). A trial's calls go with it (cascade); a call keeps
//!   its outcome if the contact record it wrote is deleted (`record_id` set null).

use super::{prelude::*, schema::*};

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
enum TrialApplications {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ContactRecords {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum PresalesCalls {
    Table,
    Id,
    TrialId,
    Step,
    DueOn,
    State,
    Outcome,
    Satisfaction,
    Note,
    RecordId,
    DoneAt,
    DoneBy,
    CreatedAt,
    UpdatedAt,
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
        .await?;
        m.create_table(
            Table::create()
                .table(PresalesCalls::Table)
                .col(big_pk_auto(PresalesCalls::Id))
                .col(big_integer(PresalesCalls::TrialId))
                .col(integer(PresalesCalls::Step))
                .col(date(PresalesCalls::DueOn))
                .col(string_len(PresalesCalls::State, 16))
                .col(string_len_null(PresalesCalls::Outcome, 32))
                .col(integer_null(PresalesCalls::Satisfaction))
                .col(text_null(PresalesCalls::Note))
                .col(big_integer_null(PresalesCalls::RecordId))
                .col(timestamp_with_time_zone_null(PresalesCalls::DoneAt))
                .col(big_integer_null(PresalesCalls::DoneBy))
                .col(timestamp_with_time_zone(PresalesCalls::CreatedAt))
                .col(timestamp_with_time_zone(PresalesCalls::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_presales_calls_trial")
                        .from(PresalesCalls::Table, PresalesCalls::TrialId)
                        .to(TrialApplications::Table, TrialApplications::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_presales_calls_record")
                        .from(PresalesCalls::Table, PresalesCalls::RecordId)
                        .to(ContactRecords::Table, ContactRecords::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_presales_calls_done_by")
                        .from(PresalesCalls::Table, PresalesCalls::DoneBy)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_presales_calls_trial_step")
                .table(PresalesCalls::Table)
                .col(PresalesCalls::TrialId)
                .col(PresalesCalls::Step)
                .unique()
                .to_owned(),
        )
        .await?;
        // Due and missed calls: scheduled ones by date.
        m.create_index(
            Index::create()
                .name("ix_presales_calls_state_due")
                .table(PresalesCalls::Table)
                .col(PresalesCalls::State)
                .col(PresalesCalls::DueOn)
                .col(PresalesCalls::Id)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(PresalesCalls::Table).to_owned())
            .await?;
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
