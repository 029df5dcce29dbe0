//! Receivables (issue 13 performance, helper "remind"): a partial covering index of the open
//! instalments — `(contract_id, due_date, amount_fen, paid_fen) WHERE paid_fen < amount_fen` —
//! so that the ageing report reads only what is still owed, from the index alone, instead of
//! every instalment row. Measured on a generated database (10k contracts, 36k instalments, 11k
//! open; SQLite): the company-wide ageing query 35 → 10 ms. The same statement on both engines
//! (both have partial indexes).

use super::prelude::*;

pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection()
            .execute_unprepared(
                "CREATE INDEX ix_instalments_open ON instalments \
                 (contract_id, due_date, amount_fen, paid_fen) WHERE paid_fen < amount_fen",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection()
            .execute_unprepared("DROP INDEX ix_instalments_open")
            .await?;
        Ok(())
    }
}
