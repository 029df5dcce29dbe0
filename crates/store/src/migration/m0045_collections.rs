//! Payment plans, payments (回款) and their allocations (issue 13 point 6, helper "collect"):
//!
//! - `instalments`: a contract's plan, each a due date and a tax-inclusive amount, and
//!   `paid_fen`, what the allocations put on it. A payment raises `paid_fen` by one conditional
//!   UPDATE (`… WHERE paid_fen + :amount <= amount_fen`), a refund lowers it by one that keeps
//!   it at or above zero, so no instalment is ever over-paid or under zero on either engine.
//!   The plan's sum equals the contract's total (checked in the domain when it is written; a
//!   plan is only replaced while nothing is paid on the contract).
//! - `payments`: one entry per payment received or refund given, the amount signed (a refund
//!   negative, with its reason), with its tax-exclusive part pro rata and the month of its
//!   date (`yyyymm`: revenue's GROUP BY under the "on payment" rule).
//! - `payment_allocations`: how a payment (or refund) was spread over instalments.
//! - Indexes: the contract page's `(contract_id, due_date, id)` and `(contract_id, id)`;
//!   receivables' `(due_date)` over instalments; revenue's `(received_month)`.

use super::{prelude::*, schema::*};

pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Contracts {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Instalments {
    Table,
    Id,
    ContractId,
    DueDate,
    AmountFen,
    PaidFen,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Payments {
    Table,
    Id,
    ContractId,
    Kind,
    ReceivedOn,
    ReceivedMonth,
    AmountFen,
    AmountExclFen,
    Reference,
    Reason,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PaymentAllocations {
    Table,
    Id,
    PaymentId,
    InstalmentId,
    AmountFen,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Instalments::Table)
                .col(big_pk_auto(Instalments::Id))
                .col(big_integer(Instalments::ContractId))
                .col(date(Instalments::DueDate))
                .col(big_integer(Instalments::AmountFen))
                .col(big_integer(Instalments::PaidFen))
                .col(timestamp_with_time_zone(Instalments::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_instalments_contract")
                        .from(Instalments::Table, Instalments::ContractId)
                        .to(Contracts::Table, Contracts::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .check(Expr::col(Instalments::PaidFen).gte(0))
                .check(Expr::col(Instalments::PaidFen).lte(Expr::col(Instalments::AmountFen)))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_instalments_contract")
                .table(Instalments::Table)
                .col(Instalments::ContractId)
                .col(Instalments::DueDate)
                .col(Instalments::Id)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_instalments_due")
                .table(Instalments::Table)
                .col(Instalments::DueDate)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Payments::Table)
                .col(big_pk_auto(Payments::Id))
                .col(big_integer(Payments::ContractId))
                .col(string_len(Payments::Kind, 8))
                .col(date(Payments::ReceivedOn))
                .col(integer(Payments::ReceivedMonth))
                .col(big_integer(Payments::AmountFen))
                .col(big_integer(Payments::AmountExclFen))
                .col(string_len(Payments::Reference, 100))
                .col(text(Payments::Reason))
                .col(big_integer_null(Payments::CreatedBy))
                .col(timestamp_with_time_zone(Payments::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_payments_contract")
                        .from(Payments::Table, Payments::ContractId)
                        .to(Contracts::Table, Contracts::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_payments_created_by")
                        .from(Payments::Table, Payments::CreatedBy)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_payments_contract")
                .table(Payments::Table)
                .col(Payments::ContractId)
                .col(Payments::Id)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_payments_month")
                .table(Payments::Table)
                .col(Payments::ReceivedMonth)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(PaymentAllocations::Table)
                .col(big_pk_auto(PaymentAllocations::Id))
                .col(big_integer(PaymentAllocations::PaymentId))
                .col(big_integer(PaymentAllocations::InstalmentId))
                .col(big_integer(PaymentAllocations::AmountFen))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_payment_allocations_payment")
                        .from(PaymentAllocations::Table, PaymentAllocations::PaymentId)
                        .to(Payments::Table, Payments::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_payment_allocations_instalment")
                        .from(PaymentAllocations::Table, PaymentAllocations::InstalmentId)
                        .to(Instalments::Table, Instalments::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_payment_allocations_payment")
                .table(PaymentAllocations::Table)
                .col(PaymentAllocations::PaymentId)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_payment_allocations_instalment")
                .table(PaymentAllocations::Table)
                .col(PaymentAllocations::InstalmentId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(PaymentAllocations::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Payments::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Instalments::Table).to_owned())
            .await
    }
}
