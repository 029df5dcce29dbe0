//! Customers (issue 3, seed S4.1): the record, with the keys that find duplicates and substrings.

use super::{prelude::*, schema::*};

pub struct Migration;

#[derive(DeriveIden)]
enum Customers {
    Table,
    Id,
    Name,
    NameKey,
    SearchKey,
    ShortName,
    Uscc,
    Website,
    Email,
    Phone,
    Province,
    City,
    Address,
    Industry,
    Background,
    RegionId,
    OwnerId,
    Status,
    StatusChangedAt,
    LastContactAt,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
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
                .table(Customers::Table)
                .col(big_pk_auto(Customers::Id))
                .col(string_len(Customers::Name, 200))
                .col(string_len(Customers::NameKey, 200))
                .col(string_len(Customers::SearchKey, 400))
                .col(string_len_null(Customers::ShortName, 60))
                .col(string_len_null(Customers::Uscc, 18))
                .col(string_len_null(Customers::Website, 255))
                .col(string_len_null(Customers::Email, 254))
                .col(string_len_null(Customers::Phone, 32))
                .col(string_len_null(Customers::Province, 32))
                .col(string_len_null(Customers::City, 32))
                .col(string_len_null(Customers::Address, 200))
                .col(string_len_null(Customers::Industry, 60))
                .col(text_null(Customers::Background))
                .col(big_integer_null(Customers::RegionId))
                .col(big_integer_null(Customers::OwnerId))
                .col(string_len(Customers::Status, 16))
                .col(timestamp_with_time_zone(Customers::StatusChangedAt))
                .col(timestamp_with_time_zone_null(Customers::LastContactAt))
                .col(big_integer_null(Customers::CreatedBy))
                .col(timestamp_with_time_zone(Customers::CreatedAt))
                .col(timestamp_with_time_zone(Customers::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_customers_region")
                        .from(Customers::Table, Customers::RegionId)
                        .to(Regions::Table, Regions::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_customers_owner")
                        .from(Customers::Table, Customers::OwnerId)
                        .to(Users::Table, Users::Id),
                )
                .to_owned(),
        )
        .await?;
        // A USCC identifies one company: unique where present (NULLs do not collide).
        m.create_index(
            Index::create()
                .name("ux_customers_uscc")
                .table(Customers::Table)
                .col(Customers::Uscc)
                .unique()
                .to_owned(),
        )
        .await?;
        for (name, cols) in [
            ("ix_customers_name_key", vec![Customers::NameKey]),
            ("ix_customers_search_key", vec![Customers::SearchKey]),
            (
                "ix_customers_owner",
                vec![Customers::OwnerId, Customers::Id],
            ),
            (
                "ix_customers_region",
                vec![Customers::RegionId, Customers::Id],
            ),
            (
                "ix_customers_status",
                vec![Customers::Status, Customers::Id],
            ),
        ] {
            let mut idx = Index::create()
                .name(name)
                .table(Customers::Table)
                .to_owned();
            for c in cols {
                idx.col(c);
            }
            m.create_index(idx).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Customers::Table).to_owned())
            .await
    }
}
