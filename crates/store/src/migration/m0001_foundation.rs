//! Organisation, people, sessions, login throttling, audit log and notifications (issue 2).

use super::{prelude::*, schema::*};

pub struct Migration;

#[derive(DeriveIden)]
enum Regions {
    Table,
    Id,
    Name,
    NameEn,
    Kind,
    ParentId,
    Active,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Login,
    DisplayName,
    Email,
    Phone,
    Position,
    IsAdmin,
    RegionId,
    ManagerId,
    Active,
    Locale,
    PasswordHash,
    MustChangePassword,
    FailedLogins,
    LockedUntil,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    TokenHash,
    UserId,
    Kind,
    CreatedAt,
    ExpiresAt,
    LastSeenAt,
    Ip,
    UserAgent,
}

#[derive(DeriveIden)]
enum LoginFailures {
    Table,
    Id,
    Ip,
    Login,
    At,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    At,
    ActorId,
    Action,
    EntityType,
    EntityId,
    Before,
    After,
    Ip,
    RequestId,
}

#[derive(DeriveIden)]
enum Notifications {
    Table,
    Id,
    UserId,
    Kind,
    Params,
    Link,
    CreatedAt,
    ReadAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Regions::Table)
                .col(big_pk_auto(Regions::Id))
                .col(string_len(Regions::Name, 80))
                .col(string_len(Regions::NameEn, 80))
                .col(string_len(Regions::Kind, 16))
                .col(big_integer_null(Regions::ParentId))
                .col(boolean(Regions::Active))
                .col(timestamp_with_time_zone(Regions::CreatedAt))
                .col(timestamp_with_time_zone(Regions::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_regions_parent")
                        .from(Regions::Table, Regions::ParentId)
                        .to(Regions::Table, Regions::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_regions_name")
                .table(Regions::Table)
                .col(Regions::Name)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Users::Table)
                .col(big_pk_auto(Users::Id))
                .col(string_len(Users::Login, 32))
                .col(string_len(Users::DisplayName, 80))
                .col(string_len_null(Users::Email, 254))
                .col(string_len_null(Users::Phone, 32))
                .col(string_len_null(Users::Position, 32))
                .col(boolean(Users::IsAdmin))
                .col(big_integer_null(Users::RegionId))
                .col(big_integer_null(Users::ManagerId))
                .col(boolean(Users::Active))
                .col(string_len(Users::Locale, 8))
                .col(string_len(Users::PasswordHash, 255))
                .col(boolean(Users::MustChangePassword))
                .col(integer(Users::FailedLogins))
                .col(timestamp_with_time_zone_null(Users::LockedUntil))
                .col(timestamp_with_time_zone(Users::CreatedAt))
                .col(timestamp_with_time_zone(Users::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_users_region")
                        .from(Users::Table, Users::RegionId)
                        .to(Regions::Table, Regions::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_users_manager")
                        .from(Users::Table, Users::ManagerId)
                        .to(Users::Table, Users::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_users_login")
                .table(Users::Table)
                .col(Users::Login)
                .unique()
                .to_owned(),
        )
        .await?;
        for (name, col) in [
            ("ix_users_region", Users::RegionId),
            ("ix_users_manager", Users::ManagerId),
        ] {
            m.create_index(
                Index::create()
                    .name(name)
                    .table(Users::Table)
                    .col(col)
                    .to_owned(),
            )
            .await?;
        }

        m.create_table(
            Table::create()
                .table(Sessions::Table)
                .col(big_pk_auto(Sessions::Id))
                .col(string_len(Sessions::TokenHash, 64))
                .col(big_integer(Sessions::UserId))
                .col(string_len(Sessions::Kind, 8))
                .col(timestamp_with_time_zone(Sessions::CreatedAt))
                .col(timestamp_with_time_zone(Sessions::ExpiresAt))
                .col(timestamp_with_time_zone(Sessions::LastSeenAt))
                .col(string_len_null(Sessions::Ip, 64))
                .col(string_len_null(Sessions::UserAgent, 255))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_sessions_user")
                        .from(Sessions::Table, Sessions::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_sessions_token_hash")
                .table(Sessions::Table)
                .col(Sessions::TokenHash)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_sessions_user")
                .table(Sessions::Table)
                .col(Sessions::UserId)
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

        m.create_table(
            Table::create()
                .table(AuditLog::Table)
                .col(big_pk_auto(AuditLog::Id))
                .col(timestamp_with_time_zone(AuditLog::At))
                .col(big_integer_null(AuditLog::ActorId))
                .col(string_len(AuditLog::Action, 64))
                .col(string_len(AuditLog::EntityType, 32))
                .col(big_integer_null(AuditLog::EntityId))
                .col(text_null(AuditLog::Before))
                .col(text_null(AuditLog::After))
                .col(string_len_null(AuditLog::Ip, 64))
                .col(string_len_null(AuditLog::RequestId, 64))
                .to_owned(),
        )
        .await?;
        for (name, cols) in [
            ("ix_audit_at", vec![AuditLog::At]),
            ("ix_audit_actor", vec![AuditLog::ActorId, AuditLog::At]),
            (
                "ix_audit_entity",
                vec![AuditLog::EntityType, AuditLog::EntityId],
            ),
        ] {
            let mut idx = Index::create().name(name).table(AuditLog::Table).to_owned();
            for c in cols {
                idx.col(c);
            }
            m.create_index(idx).await?;
        }

        m.create_table(
            Table::create()
                .table(Notifications::Table)
                .col(big_pk_auto(Notifications::Id))
                .col(big_integer(Notifications::UserId))
                .col(string_len(Notifications::Kind, 64))
                .col(text(Notifications::Params))
                .col(string_len_null(Notifications::Link, 255))
                .col(timestamp_with_time_zone(Notifications::CreatedAt))
                .col(timestamp_with_time_zone_null(Notifications::ReadAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_notifications_user")
                        .from(Notifications::Table, Notifications::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_notifications_user")
                .table(Notifications::Table)
                .col(Notifications::UserId)
                .col(Notifications::CreatedAt)
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            Notifications::Table.into_iden(),
            AuditLog::Table.into_iden(),
            LoginFailures::Table.into_iden(),
            Sessions::Table.into_iden(),
            Users::Table.into_iden(),
            Regions::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
