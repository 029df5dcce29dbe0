//! Contracts (合同, issue 13 point 3, helper "contracts"):
//!
//! - `contracts`: a customer's contract, optionally from a deal. Money in integer fen: the
//!   tax-inclusive `total_fen` and tax-exclusive `total_excl_fen` (sums of the lines'), and
//!   `invoiced_fen`, the sum of its invoices, kept by the same conditional UPDATE that adds an
//!   invoice (`… WHERE invoiced_fen + :amount <= total_fen`), so the invoices never exceed the
//!   total on either engine. `status` moves draft → pending_approval → signed → in_delivery →
//!   completed, or cancelled; every move is a conditional UPDATE on the status read (of two
//!   people approving and cancelling at once, one wins). `signing_month` (`yyyymm`) is the
//!   list's month filter and revenue's GROUP BY. `partner_id` waits for the partners register
//!   (next issue; no foreign key yet). Payment plans and payments (next session) hang off
//!   `contracts.id` and read the totals.
//! - `contract_lines`: product, quantity, tax-inclusive unit price, discount and VAT rate in
//!   basis points, and the line's amounts, in order; one line per product.
//! - Indexes: the customer page's `(customer_id, id)`; the list's `(updated_at, id)` alone and
//!   behind owner, region and status; revenue's `(status, signing_month)`.

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
enum Deals {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Contracts {
    Table,
    Id,
    CustomerId,
    DealId,
    Title,
    OwnerId,
    RegionId,
    PartnerId,
    SigningDate,
    SigningMonth,
    Status,
    TotalFen,
    TotalExclFen,
    InvoicedFen,
    SignedAt,
    SignedBy,
    ApprovedAt,
    ApprovedBy,
    Reason,
    CancelledAt,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden)]
enum ContractLines {
    Table,
    Id,
    ContractId,
    ProductCode,
    Quantity,
    UnitPriceFen,
    DiscountBp,
    TaxRateBp,
    AmountFen,
    AmountExclFen,
    Position,
}

fn index(name: &str, cols: &[&str]) -> IndexCreateStatement {
    let mut i = Index::create()
        .name(name)
        .table(Contracts::Table)
        .to_owned();
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
                .table(Contracts::Table)
                .col(big_pk_auto(Contracts::Id))
                .col(big_integer(Contracts::CustomerId))
                .col(big_integer_null(Contracts::DealId))
                .col(string_len(Contracts::Title, 100))
                .col(big_integer_null(Contracts::OwnerId))
                .col(big_integer_null(Contracts::RegionId))
                .col(big_integer_null(Contracts::PartnerId))
                .col(date(Contracts::SigningDate))
                .col(integer(Contracts::SigningMonth))
                .col(string_len(Contracts::Status, 20))
                .col(big_integer(Contracts::TotalFen))
                .col(big_integer(Contracts::TotalExclFen))
                .col(big_integer(Contracts::InvoicedFen))
                .col(timestamp_with_time_zone_null(Contracts::SignedAt))
                .col(big_integer_null(Contracts::SignedBy))
                .col(timestamp_with_time_zone_null(Contracts::ApprovedAt))
                .col(big_integer_null(Contracts::ApprovedBy))
                .col(text_null(Contracts::Reason))
                .col(timestamp_with_time_zone_null(Contracts::CancelledAt))
                .col(big_integer_null(Contracts::CreatedBy))
                .col(timestamp_with_time_zone(Contracts::CreatedAt))
                .col(timestamp_with_time_zone(Contracts::UpdatedAt))
                .col(integer(Contracts::Version))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_contracts_customer")
                        .from(Contracts::Table, Contracts::CustomerId)
                        .to(Customers::Table, Customers::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_contracts_deal")
                        .from(Contracts::Table, Contracts::DealId)
                        .to(Deals::Table, Deals::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_contracts_owner")
                        .from(Contracts::Table, Contracts::OwnerId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_contracts_region")
                        .from(Contracts::Table, Contracts::RegionId)
                        .to(Regions::Table, Regions::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_contracts_signed_by")
                        .from(Contracts::Table, Contracts::SignedBy)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_contracts_approved_by")
                        .from(Contracts::Table, Contracts::ApprovedBy)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_contracts_created_by")
                        .from(Contracts::Table, Contracts::CreatedBy)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await?;
        let indexes: [(&str, &[&str]); 7] = [
            ("ix_contracts_customer", &["customer_id", "id"]),
            ("ix_contracts_deal", &["deal_id"]),
            ("ix_contracts_updated", &["updated_at", "id"]),
            (
                "ix_contracts_owner_updated",
                &["owner_id", "updated_at", "id"],
            ),
            (
                "ix_contracts_region_updated",
                &["region_id", "updated_at", "id"],
            ),
            (
                "ix_contracts_status_updated",
                &["status", "updated_at", "id"],
            ),
            ("ix_contracts_status_month", &["status", "signing_month"]),
        ];
        for (name, cols) in indexes {
            m.create_index(index(name, cols)).await?;
        }

        m.create_table(
            Table::create()
                .table(ContractLines::Table)
                .col(big_pk_auto(ContractLines::Id))
                .col(big_integer(ContractLines::ContractId))
                .col(string_len(ContractLines::ProductCode, 32))
                .col(big_integer(ContractLines::Quantity))
                .col(big_integer(ContractLines::UnitPriceFen))
                .col(integer(ContractLines::DiscountBp))
                .col(integer(ContractLines::TaxRateBp))
                .col(big_integer(ContractLines::AmountFen))
                .col(big_integer(ContractLines::AmountExclFen))
                .col(integer(ContractLines::Position))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_contract_lines_contract")
                        .from(ContractLines::Table, ContractLines::ContractId)
                        .to(Contracts::Table, Contracts::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_contract_lines_contract_product")
                .table(ContractLines::Table)
                .col(ContractLines::ContractId)
                .col(ContractLines::ProductCode)
                .unique()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(ContractLines::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Contracts::Table).to_owned())
            .await
    }
}
