//! Status change requests (seed S4.4): asked for with evidence, approved or rejected by a manager.
//! The approved requests are the customer's status history.

use super::{prelude::*, schema::*};

pub struct Migration;

#[derive(DeriveIden)]
enum StatusRequests {
    Table,
    Id,
    CustomerId,
    FromStatus,
    ToStatus,
    Need,
    Budget,
    Timeline,
    Negotiation,
    InvalidReason,
    Note,
    RequestedBy,
    State,
    DecidedBy,
    DecisionComment,
    CreatedAt,
    DecidedAt,
}

#[derive(DeriveIden)]
enum Customers {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(StatusRequests::Table)
                .col(big_pk_auto(StatusRequests::Id))
                .col(big_integer(StatusRequests::CustomerId))
                .col(string_len(StatusRequests::FromStatus, 16))
                .col(string_len(StatusRequests::ToStatus, 16))
                .col(text_null(StatusRequests::Need))
                .col(text_null(StatusRequests::Budget))
                .col(text_null(StatusRequests::Timeline))
                .col(text_null(StatusRequests::Negotiation))
                .col(string_len_null(StatusRequests::InvalidReason, 32))
                .col(text_null(StatusRequests::Note))
                .col(big_integer(StatusRequests::RequestedBy))
                .col(string_len(StatusRequests::State, 16))
                .col(big_integer_null(StatusRequests::DecidedBy))
                .col(text_null(StatusRequests::DecisionComment))
                .col(timestamp_with_time_zone(StatusRequests::CreatedAt))
                .col(timestamp_with_time_zone_null(StatusRequests::DecidedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_status_requests_customer")
                        .from(StatusRequests::Table, StatusRequests::CustomerId)
                        .to(Customers::Table, Customers::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_status_requests_requested_by")
                        .from(StatusRequests::Table, StatusRequests::RequestedBy)
                        .to(Users::Table, Users::Id),
                )
                .to_owned(),
        )
        .await?;
        for (name, cols) in [
            (
                "ix_status_requests_customer",
                vec![StatusRequests::CustomerId, StatusRequests::Id],
            ),
            (
                "ix_status_requests_state",
                vec![StatusRequests::State, StatusRequests::Id],
            ),
        ] {
            let mut idx = Index::create()
                .name(name)
                .table(StatusRequests::Table)
                .to_owned();
            for c in cols {
                idx.col(c);
            }
            m.create_index(idx).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(StatusRequests::Table).to_owned())
            .await
    }
}
