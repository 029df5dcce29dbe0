//! A contract's invoices and attachments (issue 13 points 3 and 5, helper "contracts"):
//!
//! - `invoices`: number, type (`normal` 普票 / `special` 专票), issue date and its `yyyymm`
//!   (revenue's GROUP BY under the "on invoice" rule), tax-inclusive amount and its pro-rata
//!   tax-exclusive part. The number is unique for the company (`ux_invoices_number`; the
//!   number is stored upper-case without spaces, so the index is the rule). The sum of a
//!   contract's invoices is held by `contracts.invoiced_fen` (m0040).
//! - `contract_attachments`: scanned contracts and images; the bytes live in the attachments
//!   directory under their SHA-256 (`file_key`), never in the database; the name, checked
//!   content type and size are kept here. Rows go with their contract.

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
enum Invoices {
    Table,
    Id,
    ContractId,
    Number,
    Kind,
    IssueDate,
    IssueMonth,
    AmountFen,
    AmountExclFen,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ContractAttachments {
    Table,
    Id,
    ContractId,
    FileKey,
    FileName,
    ContentType,
    Size,
    UploadedBy,
    UploadedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Invoices::Table)
                .col(big_pk_auto(Invoices::Id))
                .col(big_integer(Invoices::ContractId))
                .col(string_len(Invoices::Number, 20))
                .col(string_len(Invoices::Kind, 8))
                .col(date(Invoices::IssueDate))
                .col(integer(Invoices::IssueMonth))
                .col(big_integer(Invoices::AmountFen))
                .col(big_integer(Invoices::AmountExclFen))
                .col(big_integer_null(Invoices::CreatedBy))
                .col(timestamp_with_time_zone(Invoices::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_invoices_contract")
                        .from(Invoices::Table, Invoices::ContractId)
                        .to(Contracts::Table, Contracts::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_invoices_created_by")
                        .from(Invoices::Table, Invoices::CreatedBy)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_invoices_number")
                .table(Invoices::Table)
                .col(Invoices::Number)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_invoices_contract")
                .table(Invoices::Table)
                .col(Invoices::ContractId)
                .col(Invoices::IssueDate)
                .col(Invoices::Id)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_invoices_month")
                .table(Invoices::Table)
                .col(Invoices::IssueMonth)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ContractAttachments::Table)
                .col(big_pk_auto(ContractAttachments::Id))
                .col(big_integer(ContractAttachments::ContractId))
                .col(string_len(ContractAttachments::FileKey, 64))
                .col(string_len(ContractAttachments::FileName, 200))
                .col(string_len(ContractAttachments::ContentType, 40))
                .col(big_integer(ContractAttachments::Size))
                .col(big_integer_null(ContractAttachments::UploadedBy))
                .col(timestamp_with_time_zone(ContractAttachments::UploadedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_contract_attachments_contract")
                        .from(ContractAttachments::Table, ContractAttachments::ContractId)
                        .to(Contracts::Table, Contracts::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_contract_attachments_by")
                        .from(ContractAttachments::Table, ContractAttachments::UploadedBy)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_contract_attachments_contract")
                .table(ContractAttachments::Table)
                .col(ContractAttachments::ContractId)
                .col(ContractAttachments::Id)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(ContractAttachments::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Invoices::Table).to_owned())
            .await
    }
}
