//! Covering indexes for the customer list with a status filter inside a scope (measured in
//! BENCHMARKS.md): the count up to the cap and the page then read the index alone instead of a
//! table row per candidate. And the b-tree on `search_key` goes: substring search never uses it
//! (it has the trigram index of m0007), while every insert and import paid for it.

use super::prelude::*;

pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Customers {
    Table,
    Id,
    UpdatedAt,
    Status,
    OwnerId,
    RegionId,
    SearchKey,
}

/// (name, columns).
const COVER: &[(&str, &[Customers])] = &[
    (
        "ix_customers_owner_status_list",
        &[
            Customers::OwnerId,
            Customers::Status,
            Customers::UpdatedAt,
            Customers::Id,
        ],
    ),
    (
        "ix_customers_status_list_cover",
        &[
            Customers::Status,
            Customers::UpdatedAt,
            Customers::Id,
            Customers::OwnerId,
            Customers::RegionId,
        ],
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("ix_customers_search_key")
                .table(Customers::Table)
                .to_owned(),
        )
        .await?;
        for (name, cols) in COVER {
            let mut idx = Index::create()
                .name(*name)
                .table(Customers::Table)
                .to_owned();
            for c in *cols {
                idx.col(*c);
            }
            m.create_index(idx).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (name, _) in COVER {
            m.drop_index(Index::drop().name(*name).table(Customers::Table).to_owned())
                .await?;
        }
        m.create_index(
            Index::create()
                .name("ix_customers_search_key")
                .table(Customers::Table)
                .col(Customers::SearchKey)
                .to_owned(),
        )
        .await
    }
}
