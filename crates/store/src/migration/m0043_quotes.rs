//! Quotations (报价单, issue 13 point 2, helper "quotes"):
//!
//! - `quotes`: a deal's quotation, version `version` (1, 2, …): `(deal_id, version)` is unique,
//!   so two people making "a new version" of one deal at once cannot both get the same number.
//!   `state` is `draft`, `pending`, `approved`, `rejected` or `sent`; every move is a
//!   conditional UPDATE on it (`WHERE state = …`), so of N people approving or sending the same
//!   quotation at once exactly one does it. The totals (`list_fen`, `net_fen` tax excluded,
//!   `tax_fen`, `gross_fen` tax included) are the sums of the lines' rounded amounts, kept with
//!   the lines in the same transaction; `max_discount_bp` is the largest line discount (basis
//!   points) and `needs_approval` whether it was above the director's limit when last saved.
//!   `approver_id` is who was asked (the owner's manager); `submitted_*`, `decided_*`,
//!   `sent_*` say who did what and when. A quotation goes with its deal (cascade).
//! - `quote_lines`: product code (of the products list), quantity, list price in fen,
//!   discount and tax rate in basis points, and the line's rounded amounts.
//! - Indexes: the deal's versions `(deal_id, version)`; an approver's queue
//!   `(state, approver_id, submitted_at, id)`.

use super::{prelude::*, schema::*};

pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Deals {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Quotes {
    Table,
    Id,
    DealId,
    Version,
    State,
    ValidUntil,
    Note,
    ListFen,
    NetFen,
    TaxFen,
    GrossFen,
    MaxDiscountBp,
    NeedsApproval,
    ApproverId,
    SubmittedBy,
    SubmittedAt,
    DecidedBy,
    DecidedAt,
    DecisionComment,
    SentBy,
    SentAt,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    RowVersion,
}

#[derive(DeriveIden)]
enum QuoteLines {
    Table,
    Id,
    QuoteId,
    Position,
    ProductCode,
    Quantity,
    ListPriceFen,
    DiscountBp,
    TaxBp,
    ListFen,
    NetFen,
    TaxFen,
    GrossFen,
}

fn user_fk(name: &str, col: Quotes) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(Quotes::Table, col)
        .to(Users::Table, Users::Id)
        .on_delete(ForeignKeyAction::SetNull)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Quotes::Table)
                .col(big_pk_auto(Quotes::Id))
                .col(big_integer(Quotes::DealId))
                .col(integer(Quotes::Version))
                .col(string_len(Quotes::State, 16))
                .col(date(Quotes::ValidUntil))
                .col(text_null(Quotes::Note))
                .col(big_integer(Quotes::ListFen))
                .col(big_integer(Quotes::NetFen))
                .col(big_integer(Quotes::TaxFen))
                .col(big_integer(Quotes::GrossFen))
                .col(integer(Quotes::MaxDiscountBp))
                .col(boolean(Quotes::NeedsApproval))
                .col(big_integer_null(Quotes::ApproverId))
                .col(big_integer_null(Quotes::SubmittedBy))
                .col(timestamp_with_time_zone_null(Quotes::SubmittedAt))
                .col(big_integer_null(Quotes::DecidedBy))
                .col(timestamp_with_time_zone_null(Quotes::DecidedAt))
                .col(text_null(Quotes::DecisionComment))
                .col(big_integer_null(Quotes::SentBy))
                .col(timestamp_with_time_zone_null(Quotes::SentAt))
                .col(big_integer_null(Quotes::CreatedBy))
                .col(timestamp_with_time_zone(Quotes::CreatedAt))
                .col(timestamp_with_time_zone(Quotes::UpdatedAt))
                .col(integer(Quotes::RowVersion))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_quotes_deal")
                        .from(Quotes::Table, Quotes::DealId)
                        .to(Deals::Table, Deals::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(&mut user_fk("fk_quotes_approver", Quotes::ApproverId))
                .foreign_key(&mut user_fk("fk_quotes_submitted_by", Quotes::SubmittedBy))
                .foreign_key(&mut user_fk("fk_quotes_decided_by", Quotes::DecidedBy))
                .foreign_key(&mut user_fk("fk_quotes_sent_by", Quotes::SentBy))
                .foreign_key(&mut user_fk("fk_quotes_created_by", Quotes::CreatedBy))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_quotes_deal_version")
                .table(Quotes::Table)
                .col(Quotes::DealId)
                .col(Quotes::Version)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_quotes_queue")
                .table(Quotes::Table)
                .col(Quotes::State)
                .col(Quotes::ApproverId)
                .col(Quotes::SubmittedAt)
                .col(Quotes::Id)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(QuoteLines::Table)
                .col(big_pk_auto(QuoteLines::Id))
                .col(big_integer(QuoteLines::QuoteId))
                .col(integer(QuoteLines::Position))
                .col(string_len(QuoteLines::ProductCode, 32))
                .col(big_integer(QuoteLines::Quantity))
                .col(big_integer(QuoteLines::ListPriceFen))
                .col(integer(QuoteLines::DiscountBp))
                .col(integer(QuoteLines::TaxBp))
                .col(big_integer(QuoteLines::ListFen))
                .col(big_integer(QuoteLines::NetFen))
                .col(big_integer(QuoteLines::TaxFen))
                .col(big_integer(QuoteLines::GrossFen))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_quote_lines_quote")
                        .from(QuoteLines::Table, QuoteLines::QuoteId)
                        .to(Quotes::Table, Quotes::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_quote_lines_quote")
                .table(QuoteLines::Table)
                .col(QuoteLines::QuoteId)
                .col(QuoteLines::Position)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(QuoteLines::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Quotes::Table).to_owned())
            .await
    }
}
