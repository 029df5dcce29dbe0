//! The first answer to a POST sent with an `Idempotency-Key`, per person and key.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "idempotency_keys")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Whose key it is (keys of different people never meet).
    pub user_id: i64,
    pub key: String,
    /// SHA-256 (hex) of method, path and body: the same key with another request is refused.
    pub fingerprint: String,
    /// The answer's status; `None` while the first request is still running.
    pub status: Option<i32>,
    pub content_type: Option<String>,
    pub body: Option<Vec<u8>>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
