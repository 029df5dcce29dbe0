//! What trial applications are routed by (issue 12, points 1 and 3), maintained by the
//! administrator:
//!
//! - `products`: the products the company sells, in both languages (reused later by deals and
//!   contracts). The code and each name are unique (`ux_products_code`, `ux_products_name_zh`,
//!   `ux_products_name_en`); a product in use is deactivated, never deleted.
//! - `region_routes`: province (GB/T 2260 code) → region, with optional per-city overrides. The
//!   province-wide row has `city_code = ''` (not NULL, so that one unique index holds both
//!   kinds on both engines: `ux_region_routes_place`).
//! - `users.on_leave_until`: the last day a person is away; automatic assignment skips them
//!   until the day after.
//! - `intake_keys`: the company website's keys to the intake API. Only a SHA-256 of the secret
//!   is stored (`ux_intake_keys_hash`), like sessions; a revoked key stays listed.

use super::{prelude::*, schema::*};

pub struct Migration;

#[derive(DeriveIden)]
enum Products {
    Table,
    Id,
    Code,
    NameZh,
    NameEn,
    Position,
    Active,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RegionRoutes {
    Table,
    Id,
    ProvinceCode,
    CityCode,
    RegionId,
    UpdatedBy,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum IntakeKeys {
    Table,
    Id,
    Name,
    Prefix,
    KeyHash,
    CreatedBy,
    CreatedAt,
    RevokedBy,
    RevokedAt,
    LastUsedAt,
    UseCount,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    OnLeaveUntil,
}

#[derive(DeriveIden)]
enum Regions {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Products::Table)
                .col(big_pk_auto(Products::Id))
                .col(string_len(Products::Code, 32))
                .col(string_len(Products::NameZh, 60))
                .col(string_len(Products::NameEn, 120))
                .col(integer(Products::Position))
                .col(boolean(Products::Active))
                .col(timestamp_with_time_zone(Products::CreatedAt))
                .col(timestamp_with_time_zone(Products::UpdatedAt))
                .to_owned(),
        )
        .await?;
        for (name, col) in [
            ("ux_products_code", Products::Code),
            ("ux_products_name_zh", Products::NameZh),
            ("ux_products_name_en", Products::NameEn),
        ] {
            m.create_index(
                Index::create()
                    .name(name)
                    .table(Products::Table)
                    .col(col)
                    .unique()
                    .to_owned(),
            )
            .await?;
        }

        m.create_table(
            Table::create()
                .table(RegionRoutes::Table)
                .col(big_pk_auto(RegionRoutes::Id))
                .col(string_len(RegionRoutes::ProvinceCode, 6))
                .col(string_len(RegionRoutes::CityCode, 6).default(""))
                .col(big_integer(RegionRoutes::RegionId))
                .col(big_integer_null(RegionRoutes::UpdatedBy))
                .col(timestamp_with_time_zone(RegionRoutes::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_region_routes_region")
                        .from(RegionRoutes::Table, RegionRoutes::RegionId)
                        .to(Regions::Table, Regions::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_region_routes_place")
                .table(RegionRoutes::Table)
                .col(RegionRoutes::ProvinceCode)
                .col(RegionRoutes::CityCode)
                .unique()
                .to_owned(),
        )
        .await?;

        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .add_column(date_null(Users::OnLeaveUntil))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(IntakeKeys::Table)
                .col(big_pk_auto(IntakeKeys::Id))
                .col(string_len(IntakeKeys::Name, 60))
                .col(string_len(IntakeKeys::Prefix, 16))
                .col(string_len(IntakeKeys::KeyHash, 64))
                .col(big_integer_null(IntakeKeys::CreatedBy))
                .col(timestamp_with_time_zone(IntakeKeys::CreatedAt))
                .col(big_integer_null(IntakeKeys::RevokedBy))
                .col(timestamp_with_time_zone_null(IntakeKeys::RevokedAt))
                .col(timestamp_with_time_zone_null(IntakeKeys::LastUsedAt))
                .col(big_integer(IntakeKeys::UseCount).default(0))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_intake_keys_created_by")
                        .from(IntakeKeys::Table, IntakeKeys::CreatedBy)
                        .to(Users::Table, Users::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_intake_keys_hash")
                .table(IntakeKeys::Table)
                .col(IntakeKeys::KeyHash)
                .unique()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(IntakeKeys::Table).to_owned())
            .await?;
        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .drop_column(Users::OnLeaveUntil)
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table(RegionRoutes::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Products::Table).to_owned())
            .await
    }
}
