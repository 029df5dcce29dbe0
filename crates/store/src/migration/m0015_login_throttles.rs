//! Login throttling without lock-outs (issue 9, point 3). Replaces the per-address failure log
//! (`login_failures`) and the account lock (`users.failed_logins`, `users.locked_until`) with:
//!
//! * `login_throttles` — one counter per login string, client address or known device
//!   (`kind`, `key` unique): failures in a row, the last attempt, and until when the next
//!   attempt must wait. Updated by conditional statements, so concurrent attempts count right.
//! * `login_devices` — browsers a person has logged in from: the SHA-256 of a random cookie
//!   token, per person, with its last use. A login from a known device skips the account's and
//!   the address's back-off (it has its own counter).

use super::{prelude::*, schema::*};

pub struct Migration;

#[derive(DeriveIden)]
enum LoginThrottles {
    Table,
    Id,
    Kind,
    Key,
    UserId,
    Failures,
    LastAttemptAt,
    BlockedUntil,
}

#[derive(DeriveIden)]
enum LoginDevices {
    Table,
    Id,
    UserId,
    TokenHash,
    CreatedAt,
    LastUsedAt,
    UserAgent,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    FailedLogins,
    LockedUntil,
}

#[derive(DeriveIden)]
enum LoginFailures {
    Table,
    Id,
    Ip,
    Login,
    At,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(LoginThrottles::Table)
                .col(big_pk_auto(LoginThrottles::Id))
                .col(string_len(LoginThrottles::Kind, 8))
                .col(string_len(LoginThrottles::Key, 64))
                .col(big_integer_null(LoginThrottles::UserId))
                .col(integer(LoginThrottles::Failures))
                .col(timestamp_with_time_zone(LoginThrottles::LastAttemptAt))
                .col(timestamp_with_time_zone_null(LoginThrottles::BlockedUntil))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_login_throttles_kind_key")
                .table(LoginThrottles::Table)
                .col(LoginThrottles::Kind)
                .col(LoginThrottles::Key)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_login_throttles_last_attempt")
                .table(LoginThrottles::Table)
                .col(LoginThrottles::LastAttemptAt)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(LoginDevices::Table)
                .col(big_pk_auto(LoginDevices::Id))
                .col(big_integer(LoginDevices::UserId))
                .col(string_len(LoginDevices::TokenHash, 64))
                .col(timestamp_with_time_zone(LoginDevices::CreatedAt))
                .col(timestamp_with_time_zone(LoginDevices::LastUsedAt))
                .col(string_len_null(LoginDevices::UserAgent, 255))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_login_devices_user")
                        .from(LoginDevices::Table, LoginDevices::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_login_devices_token_hash")
                .table(LoginDevices::Table)
                .col(LoginDevices::TokenHash)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_login_devices_user")
                .table(LoginDevices::Table)
                .col(LoginDevices::UserId)
                .to_owned(),
        )
        .await?;

        m.drop_table(Table::drop().table(LoginFailures::Table).to_owned())
            .await?;
        // One column per statement: SQLite alters one thing at a time.
        for col in [Users::FailedLogins, Users::LockedUntil] {
            m.alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(col)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .add_column(integer(Users::FailedLogins).default(0))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .add_column(timestamp_with_time_zone_null(Users::LockedUntil))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(LoginFailures::Table)
                .col(big_pk_auto(LoginFailures::Id))
                .col(string_len(LoginFailures::Ip, 64))
                .col(string_len(LoginFailures::Login, 64))
                .col(timestamp_with_time_zone(LoginFailures::At))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_login_failures_ip_at")
                .table(LoginFailures::Table)
                .col(LoginFailures::Ip)
                .col(LoginFailures::At)
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table(LoginDevices::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(LoginThrottles::Table).to_owned())
            .await
    }
}
