//! Contacts are removed, not deleted: a contact record that names a contact keeps naming it.
//!
//! Deleting a contact row that `contact_record_contacts` pointed at was a foreign-key failure
//! (a 500 on both engines). A removed contact keeps its row with `removed_at` set; every read of
//! a customer's contacts, the search key and the vCard skip it, and the records that name it show
//! it as removed. See `store::contacts` and `docs/ARCHITECTURE.md` ("What a user may delete").

use super::prelude::*;
use super::schema::timestamp_with_time_zone_null;

pub struct Migration;

#[derive(DeriveIden)]
enum Contacts {
    Table,
    RemovedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Contacts::Table)
                .add_column(timestamp_with_time_zone_null(Contacts::RemovedAt))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Contacts::Table)
                .drop_column(Contacts::RemovedAt)
                .to_owned(),
        )
        .await
    }
}
