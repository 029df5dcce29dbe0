//! One login back-off counter: for a login string, a client address or a known device.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "login_throttles")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `account`, `address` or `device`.
    pub kind: String,
    /// The login as typed (normalised), the address, or the device's id.
    pub key: String,
    /// For a device: whose it is.
    pub user_id: Option<i64>,
    /// Attempts in a row not yet proved right (an attempt counts when it starts; a success
    /// takes it back).
    pub failures: i32,
    pub last_attempt_at: DateTimeUtc,
    /// The next attempt waits until then.
    pub blocked_until: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
