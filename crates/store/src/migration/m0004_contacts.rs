//! Contacts of a customer (seed S4.1: full details of contacts).

use super::{prelude::*, schema::*};

pub struct Migration;

#[derive(DeriveIden)]
enum Contacts {
    Table,
    Id,
    CustomerId,
    Name,
    Title,
    Role,
    Mobile,
    Phone,
    Email,
    Wechat,
    Notes,
    IsPrimary,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Customers {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Contacts::Table)
                .col(big_pk_auto(Contacts::Id))
                .col(big_integer(Contacts::CustomerId))
                .col(string_len(Contacts::Name, 80))
                .col(string_len_null(Contacts::Title, 80))
                .col(string_len_null(Contacts::Role, 32))
                .col(string_len_null(Contacts::Mobile, 32))
                .col(string_len_null(Contacts::Phone, 32))
                .col(string_len_null(Contacts::Email, 254))
                .col(string_len_null(Contacts::Wechat, 80))
                .col(text_null(Contacts::Notes))
                .col(boolean(Contacts::IsPrimary))
                .col(timestamp_with_time_zone(Contacts::CreatedAt))
                .col(timestamp_with_time_zone(Contacts::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_contacts_customer")
                        .from(Contacts::Table, Contacts::CustomerId)
                        .to(Customers::Table, Customers::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_contacts_customer")
                .table(Contacts::Table)
                .col(Contacts::CustomerId)
                .col(Contacts::Id)
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Contacts::Table).to_owned())
            .await
    }
}
