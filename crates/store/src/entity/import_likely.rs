//! Rows of an import that are likely duplicates (m0026): of a customer already there
//! (`other_row` empty) or of an earlier row of the same file.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "import_likely")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub import_id: i64,
    /// The row's number as a spreadsheet shows it.
    pub row_no: i32,
    /// The customer the row became.
    pub customer_id: i64,
    /// The customer it probably duplicates.
    pub other_id: Option<i64>,
    /// That customer's row in the same file, when it came from there.
    pub other_row: Option<i32>,
    /// `name`, `phone`, `web`, `mail`.
    pub kind: String,
    /// The row's value as written (`021-6234 5678`).
    pub shown: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
