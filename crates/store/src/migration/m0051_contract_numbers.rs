//! Contracts imported from a spreadsheet keep the company's own contract number (合同编号,
//! issue 13 point 7, helper "cimport"): `contracts.number`, empty for contracts made here (they
//! are known as `HT-000042`). A number is the company's once (`ux_contracts_number`, partial:
//! only rows that have one), so two imports of the same file, or two files naming the same
//! number, can never both write it.

use super::{prelude::*, schema::*};

pub struct Migration;

#[derive(DeriveIden)]
enum Contracts {
    Table,
    Number,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Contracts::Table)
                .add_column(string_len_null(Contracts::Number, 50))
                .to_owned(),
        )
        .await?;
        m.get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX ux_contracts_number ON contracts (number) \
                 WHERE number IS NOT NULL",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection()
            .execute_unprepared("DROP INDEX IF EXISTS ux_contracts_number")
            .await?;
        m.alter_table(
            Table::alter()
                .table(Contracts::Table)
                .drop_column(Contracts::Number)
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
