//! A deal's products and its stage history (issue 13 point 1, helper "deals"):
//!
//! - `deal_lines`: the products of a deal with their quantities, by product code from the
//!   administrator's products list (m0031); one line per product (`(deal_id, product_code)`
//!   unique). Prices come with quotations (next slice); a deal carries only its estimated
//!   amount.
//! - `deal_stage_history`: every stage change of a deal — create, move, won, lost, reopen — with
//!   the probability and amount at the time, the lost reason and competitor, who and when. The
//!   deal page reads it by `(deal_id, at, id)`. Rows go with their deal (cascade).

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
enum DealStages {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum DealLines {
    Table,
    Id,
    DealId,
    ProductCode,
    Quantity,
    Position,
}

#[derive(DeriveIden)]
enum DealStageHistory {
    Table,
    Id,
    DealId,
    Action,
    FromStageId,
    ToStageId,
    Probability,
    AmountFen,
    LostReason,
    LostTo,
    Note,
    ActorId,
    At,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(DealLines::Table)
                .col(big_pk_auto(DealLines::Id))
                .col(big_integer(DealLines::DealId))
                .col(string_len(DealLines::ProductCode, 32))
                .col(big_integer(DealLines::Quantity))
                .col(integer(DealLines::Position))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_deal_lines_deal")
                        .from(DealLines::Table, DealLines::DealId)
                        .to(Deals::Table, Deals::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_deal_lines_deal_product")
                .table(DealLines::Table)
                .col(DealLines::DealId)
                .col(DealLines::ProductCode)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(DealStageHistory::Table)
                .col(big_pk_auto(DealStageHistory::Id))
                .col(big_integer(DealStageHistory::DealId))
                .col(string_len(DealStageHistory::Action, 16))
                .col(big_integer_null(DealStageHistory::FromStageId))
                .col(big_integer(DealStageHistory::ToStageId))
                .col(integer(DealStageHistory::Probability))
                .col(big_integer(DealStageHistory::AmountFen))
                .col(string_len_null(DealStageHistory::LostReason, 32))
                .col(string_len_null(DealStageHistory::LostTo, 100))
                .col(text_null(DealStageHistory::Note))
                .col(big_integer_null(DealStageHistory::ActorId))
                .col(timestamp_with_time_zone(DealStageHistory::At))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_deal_stage_history_deal")
                        .from(DealStageHistory::Table, DealStageHistory::DealId)
                        .to(Deals::Table, Deals::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_deal_stage_history_from")
                        .from(DealStageHistory::Table, DealStageHistory::FromStageId)
                        .to(DealStages::Table, DealStages::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_deal_stage_history_to")
                        .from(DealStageHistory::Table, DealStageHistory::ToStageId)
                        .to(DealStages::Table, DealStages::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_deal_stage_history_actor")
                        .from(DealStageHistory::Table, DealStageHistory::ActorId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_deal_stage_history_deal_at")
                .table(DealStageHistory::Table)
                .col(DealStageHistory::DealId)
                .col(DealStageHistory::At)
                .col(DealStageHistory::Id)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(DealStageHistory::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(DealLines::Table).to_owned())
            .await
    }
}
