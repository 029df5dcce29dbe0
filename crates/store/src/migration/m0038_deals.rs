//! Deals (商机, issue 13 point 1, helper "deals"):
//!
//! - `deal_stages`: the pipeline's stages the administrator keeps — open stages in `position`
//!   order with a default win probability, and one `won` (100) and one `lost` (0) stage. The
//!   shipped list is inserted here (需求确认 10 → 方案/演示 30 → 报价 50 → 谈判 70 → 赢单 / 输单).
//!   `code` is unique and never changes; a stage is deactivated, never deleted, while deals
//!   refer to it (the foreign key refuses the delete).
//! - `deals`: a potential customer's deal. `amount_fen` is money in integer fen (never a float).
//!   `state` mirrors the stage's kind (`open`, `won`, `lost`) so that the board, the list and
//!   the forecast filter without a join; `expected_month` (`yyyymm` of `expected_sign_date`)
//!   and `won_month` (`yyyymm` of `won_at` in the company's zone) are the forecast's GROUP BY
//!   columns, plain integers on both engines. `version` makes every move a conditional UPDATE:
//!   of two people moving the same deal, one wins and the other is told it changed.
//! - Indexes: the customer page's `(customer_id, id)`; the board per stage, alone and behind
//!   an owner or a region, in the board's order `(…, stage_id, expected_sign_date, id)`; the
//!   forecast's `(state, expected_month)` and `(state, won_month)`, each also behind owner and
//!   region.

use super::{prelude::*, schema::*};

pub struct Migration;

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

#[derive(DeriveIden)]
enum Customers {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum DealStages {
    Table,
    Id,
    Code,
    NameZh,
    NameEn,
    Kind,
    Probability,
    Position,
    Active,
}

#[derive(DeriveIden)]
enum Deals {
    Table,
    Id,
    CustomerId,
    Name,
    OwnerId,
    RegionId,
    AmountFen,
    ExpectedSignDate,
    ExpectedMonth,
    StageId,
    State,
    Probability,
    Competitors,
    LostReason,
    LostTo,
    LostNote,
    WonAt,
    WonMonth,
    ClosedAt,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    Version,
}

/// The shipped stages (a copy: a migration never changes once shipped, the domain's list may).
const STAGES: [(&str, &str, &str, &str, i32); 6] = [
    (
        "requirement",
        "需求确认",
        "Requirement confirmed",
        "open",
        10,
    ),
    ("solution", "方案/演示", "Solution / demo", "open", 30),
    ("quotation", "报价", "Quotation", "open", 50),
    ("negotiation", "谈判", "Negotiation", "open", 70),
    ("won", "赢单", "Won", "won", 100),
    ("lost", "输单", "Lost", "lost", 0),
];

/// An index on `deals` over the named columns, in order.
fn index(name: &str, cols: &[&str]) -> IndexCreateStatement {
    let mut i = Index::create().name(name).table(Deals::Table).to_owned();
    for c in cols {
        i.col(Alias::new(*c));
    }
    i
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(DealStages::Table)
                .col(big_pk_auto(DealStages::Id))
                .col(string_len(DealStages::Code, 32))
                .col(string_len(DealStages::NameZh, 30))
                .col(string_len(DealStages::NameEn, 60))
                .col(string_len(DealStages::Kind, 8))
                .col(integer(DealStages::Probability))
                .col(integer(DealStages::Position))
                .col(boolean(DealStages::Active))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_deal_stages_code")
                .table(DealStages::Table)
                .col(DealStages::Code)
                .unique()
                .to_owned(),
        )
        .await?;
        let mut ins = Query::insert()
            .into_table(DealStages::Table)
            .columns([
                DealStages::Code,
                DealStages::NameZh,
                DealStages::NameEn,
                DealStages::Kind,
                DealStages::Probability,
                DealStages::Position,
                DealStages::Active,
            ])
            .to_owned();
        for (i, (code, zh, en, kind, p)) in STAGES.iter().enumerate() {
            ins.values_panic([
                (*code).into(),
                (*zh).into(),
                (*en).into(),
                (*kind).into(),
                (*p).into(),
                ((i as i32 + 1) * 10).into(),
                true.into(),
            ]);
        }
        m.exec_stmt(ins).await?;

        m.create_table(
            Table::create()
                .table(Deals::Table)
                .col(big_pk_auto(Deals::Id))
                .col(big_integer(Deals::CustomerId))
                .col(string_len(Deals::Name, 100))
                .col(big_integer_null(Deals::OwnerId))
                .col(big_integer_null(Deals::RegionId))
                .col(big_integer(Deals::AmountFen))
                .col(date(Deals::ExpectedSignDate))
                .col(integer(Deals::ExpectedMonth))
                .col(big_integer(Deals::StageId))
                .col(string_len(Deals::State, 8))
                .col(integer(Deals::Probability))
                .col(string_len_null(Deals::Competitors, 200))
                .col(string_len_null(Deals::LostReason, 32))
                .col(string_len_null(Deals::LostTo, 100))
                .col(text_null(Deals::LostNote))
                .col(timestamp_with_time_zone_null(Deals::WonAt))
                .col(integer_null(Deals::WonMonth))
                .col(timestamp_with_time_zone_null(Deals::ClosedAt))
                .col(big_integer_null(Deals::CreatedBy))
                .col(timestamp_with_time_zone(Deals::CreatedAt))
                .col(timestamp_with_time_zone(Deals::UpdatedAt))
                .col(integer(Deals::Version))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_deals_customer")
                        .from(Deals::Table, Deals::CustomerId)
                        .to(Customers::Table, Customers::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_deals_owner")
                        .from(Deals::Table, Deals::OwnerId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_deals_region")
                        .from(Deals::Table, Deals::RegionId)
                        .to(Regions::Table, Regions::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_deals_stage")
                        .from(Deals::Table, Deals::StageId)
                        .to(DealStages::Table, DealStages::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_deals_created_by")
                        .from(Deals::Table, Deals::CreatedBy)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await?;
        let indexes: [(&str, &[&str]); 9] = [
            ("ix_deals_customer", &["customer_id", "id"]),
            ("ix_deals_stage", &["stage_id", "expected_sign_date", "id"]),
            (
                "ix_deals_owner_stage",
                &["owner_id", "stage_id", "expected_sign_date", "id"],
            ),
            (
                "ix_deals_region_stage",
                &["region_id", "stage_id", "expected_sign_date", "id"],
            ),
            ("ix_deals_state_month", &["state", "expected_month"]),
            (
                "ix_deals_owner_state_month",
                &["owner_id", "state", "expected_month"],
            ),
            (
                "ix_deals_region_state_month",
                &["region_id", "state", "expected_month"],
            ),
            ("ix_deals_state_won_month", &["state", "won_month"]),
            ("ix_deals_updated", &["updated_at", "id"]),
        ];
        for (name, cols) in indexes {
            m.create_index(index(name, cols)).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Deals::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(DealStages::Table).to_owned())
            .await
    }
}
