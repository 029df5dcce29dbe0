//! A key the company website sends with trial applications (only its hash is stored).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "intake_keys")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// What the administrator calls it ("官网", "Partner portal").
    pub name: String,
    /// The secret's first characters, shown so that a key can be told apart in lists.
    pub prefix: String,
    /// Hex SHA-256 of the secret.
    pub key_hash: String,
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
    pub revoked_by: Option<i64>,
    pub revoked_at: Option<DateTimeUtc>,
    pub last_used_at: Option<DateTimeUtc>,
    pub use_count: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
