//! The jobs runner (issue 17, point 1; reused by trials, issue 12): durable background jobs and
//! recurring schedules in the database, so that several `serve` processes on one PostgreSQL act
//! as one system.
//!
//! - `jobs`: one row per run-to-be. A process claims a due `queued` job with a conditional
//!   UPDATE (it becomes `running` under the process's lease); `done` and `failed` rows stay, so
//!   a permanent failure is visible with its `last_error`. `once_key` is unique where present:
//!   a second enqueue of the same once-only job (an escalation, a schedule's occurrence) inserts
//!   nothing. `result` holds what a finished job reports (a backup's file, size and checksum).
//! - `job_schedules`: a recurring job per name; `next_run_at` is advanced by a conditional
//!   UPDATE (`WHERE next_run_at = old`), so one process wins each occurrence.

use super::{prelude::*, schema::*};

pub struct Migration;

#[derive(DeriveIden)]
enum Jobs {
    Table,
    Id,
    Kind,
    Payload,
    RunAt,
    State,
    Attempts,
    MaxAttempts,
    LeaseOwner,
    LeaseUntil,
    LastError,
    OnceKey,
    Result,
    CreatedAt,
    UpdatedAt,
    FinishedAt,
}

#[derive(DeriveIden)]
enum JobSchedules {
    Table,
    Name,
    Kind,
    Cadence,
    Enabled,
    NextRunAt,
    LastRunAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Jobs::Table)
                .col(big_pk_auto(Jobs::Id))
                .col(string_len(Jobs::Kind, 100))
                .col(text(Jobs::Payload))
                .col(timestamp_with_time_zone(Jobs::RunAt))
                .col(string_len(Jobs::State, 16))
                .col(integer(Jobs::Attempts))
                .col(integer(Jobs::MaxAttempts))
                .col(string_len_null(Jobs::LeaseOwner, 200))
                .col(timestamp_with_time_zone_null(Jobs::LeaseUntil))
                .col(text_null(Jobs::LastError))
                .col(string_len_null(Jobs::OnceKey, 200))
                .col(text_null(Jobs::Result))
                .col(timestamp_with_time_zone(Jobs::CreatedAt))
                .col(timestamp_with_time_zone(Jobs::UpdatedAt))
                .col(timestamp_with_time_zone_null(Jobs::FinishedAt))
                .to_owned(),
        )
        .await?;
        // NULLs are distinct on both engines: only jobs that carry a key are held to one.
        m.create_index(
            Index::create()
                .name("ux_jobs_once_key")
                .table(Jobs::Table)
                .col(Jobs::OnceKey)
                .unique()
                .to_owned(),
        )
        .await?;
        // The claim: the first due queued job; also the reaper's running jobs by lease.
        m.create_index(
            Index::create()
                .name("ix_jobs_state_run_at")
                .table(Jobs::Table)
                .col(Jobs::State)
                .col(Jobs::RunAt)
                .col(Jobs::Id)
                .to_owned(),
        )
        .await?;
        // A kind's latest runs (the backups page).
        m.create_index(
            Index::create()
                .name("ix_jobs_kind_id")
                .table(Jobs::Table)
                .col(Jobs::Kind)
                .col(Jobs::Id)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(JobSchedules::Table)
                .col(string_len(JobSchedules::Name, 100).primary_key())
                .col(string_len(JobSchedules::Kind, 100))
                .col(string_len(JobSchedules::Cadence, 100))
                .col(boolean(JobSchedules::Enabled))
                .col(timestamp_with_time_zone(JobSchedules::NextRunAt))
                .col(timestamp_with_time_zone_null(JobSchedules::LastRunAt))
                .col(timestamp_with_time_zone(JobSchedules::UpdatedAt))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(JobSchedules::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Jobs::Table).to_owned())
            .await
    }
}
