//! Trial applications (issue 12, seed S5): `trial_applications`, one row per application, and
//! `trial_intake_counters`, the intake's rate limits per client address and per intake key.
//!
//! - `reference` (`TA-20261130-0042`) is unique where set; it is written right after the insert,
//!   from the row's id, in the same transaction.
//! - `open_key` (`<customer id>:<product code>`) is set while the application is open and within
//!   the fold window; unique where present (NULLs are distinct on both engines), so of N parallel
//!   applications of one applicant exactly one row is inserted and the others fold into it
//!   (counter and latest message), whatever process they reach.
//! - `state` moves by conditional UPDATE (`WHERE state = expected`).
//! - `first_contact_due_at`, `first_contact_at`, `overdue_at`: the time limit (S5.1).
//! - Contacts get indexes on `mobile` and `email`: an application is matched by them against
//!   millions of contacts.

use super::{prelude::*, schema::*};

pub struct Migration;

#[derive(DeriveIden)]
enum TrialApplications {
    Table,
    Id,
    Reference,
    CustomerId,
    ContactId,
    ProductCode,
    State,
    OpenKey,
    Company,
    Uscc,
    ContactName,
    Mobile,
    Email,
    ProvinceCode,
    CityCode,
    Users,
    Message,
    Applications,
    Channel,
    IntakeKeyId,
    ClientIp,
    MatchedBy,
    Suspicion,
    OwnerId,
    RegionId,
    RouteReason,
    ArrivedAt,
    LastAppliedAt,
    FirstContactDueAt,
    FirstContactAt,
    RemindedAt,
    OverdueAt,
    TrialStart,
    TrialEnd,
    Edition,
    LicenceNote,
    LostReason,
    Competitor,
    OutcomeNote,
    StatusRequestId,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden)]
enum TrialIntakeCounters {
    Table,
    Bucket,
    WindowStart,
    Hits,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use TrialApplications as T;
        m.create_table(
            Table::create()
                .table(T::Table)
                .col(big_pk_auto(T::Id))
                .col(string_len_null(T::Reference, 40))
                .col(big_integer(T::CustomerId))
                .col(big_integer_null(T::ContactId))
                .col(string_len(T::ProductCode, 50))
                .col(string_len(T::State, 16))
                .col(string_len_null(T::OpenKey, 80))
                .col(string_len(T::Company, 100))
                .col(string_len_null(T::Uscc, 18))
                .col(string_len(T::ContactName, 50))
                .col(string_len(T::Mobile, 20))
                .col(string_len_null(T::Email, 254))
                .col(string_len(T::ProvinceCode, 6))
                .col(string_len_null(T::CityCode, 6))
                .col(big_integer_null(T::Users))
                .col(text_null(T::Message))
                .col(integer(T::Applications))
                .col(string_len(T::Channel, 8))
                .col(big_integer_null(T::IntakeKeyId))
                .col(string_len_null(T::ClientIp, 64))
                .col(string_len(T::MatchedBy, 16))
                .col(text_null(T::Suspicion))
                .col(big_integer_null(T::OwnerId))
                .col(big_integer_null(T::RegionId))
                .col(string_len(T::RouteReason, 40))
                .col(timestamp_with_time_zone(T::ArrivedAt))
                .col(timestamp_with_time_zone(T::LastAppliedAt))
                .col(timestamp_with_time_zone(T::FirstContactDueAt))
                .col(timestamp_with_time_zone_null(T::FirstContactAt))
                .col(timestamp_with_time_zone_null(T::RemindedAt))
                .col(timestamp_with_time_zone_null(T::OverdueAt))
                .col(date_null(T::TrialStart))
                .col(date_null(T::TrialEnd))
                .col(string_len_null(T::Edition, 100))
                .col(text_null(T::LicenceNote))
                .col(string_len_null(T::LostReason, 32))
                .col(string_len_null(T::Competitor, 100))
                .col(text_null(T::OutcomeNote))
                .col(big_integer_null(T::StatusRequestId))
                .col(timestamp_with_time_zone(T::CreatedAt))
                .col(timestamp_with_time_zone(T::UpdatedAt))
                .col(integer(T::Version))
                .to_owned(),
        )
        .await?;
        for (name, col, unique) in [
            ("ux_trial_applications_reference", T::Reference, true),
            ("ux_trial_applications_open_key", T::OpenKey, true),
        ] {
            let mut ix = Index::create();
            ix.name(name).table(T::Table).col(col);
            if unique {
                ix.unique();
            }
            m.create_index(ix.to_owned()).await?;
        }
        // The lists: newest first per owner / per state; a customer's applications; the overdue.
        for (name, cols) in [
            (
                "ix_trial_applications_owner",
                vec![T::OwnerId, T::ArrivedAt, T::Id],
            ),
            (
                "ix_trial_applications_state",
                vec![T::State, T::ArrivedAt, T::Id],
            ),
            ("ix_trial_applications_customer", vec![T::CustomerId, T::Id]),
            ("ix_trial_applications_arrived", vec![T::ArrivedAt, T::Id]),
        ] {
            let mut ix = Index::create();
            ix.name(name).table(T::Table);
            for c in cols {
                ix.col(c);
            }
            m.create_index(ix.to_owned()).await?;
        }
        m.create_table(
            Table::create()
                .table(TrialIntakeCounters::Table)
                .col(string_len(TrialIntakeCounters::Bucket, 100))
                .col(timestamp_with_time_zone(TrialIntakeCounters::WindowStart))
                .col(integer(TrialIntakeCounters::Hits))
                .primary_key(
                    Index::create()
                        .col(TrialIntakeCounters::Bucket)
                        .col(TrialIntakeCounters::WindowStart),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_trial_intake_counters_window")
                .table(TrialIntakeCounters::Table)
                .col(TrialIntakeCounters::WindowStart)
                .to_owned(),
        )
        .await?;
        for (name, col) in [
            ("ix_contacts_mobile", "mobile"),
            ("ix_contacts_email", "email"),
        ] {
            m.get_connection()
                .execute_unprepared(&format!(
                    "CREATE INDEX {name} ON contacts ({col}) WHERE {col} IS NOT NULL"
                ))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for name in ["ix_contacts_mobile", "ix_contacts_email"] {
            m.get_connection()
                .execute_unprepared(&format!("DROP INDEX IF EXISTS {name}"))
                .await?;
        }
        m.drop_table(Table::drop().table(TrialIntakeCounters::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(TrialApplications::Table).to_owned())
            .await
    }
}
