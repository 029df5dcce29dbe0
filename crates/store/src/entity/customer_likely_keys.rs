//! The keys under which a customer is a likely duplicate of another (m0026): its moved-place
//! name key, phones, web domain and e-mail domains (`domain::customer::likely`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "customer_likely_keys")]
pub struct Model {
    /// The normalised key (`02162345678`, `example.com`).
    #[sea_orm(primary_key, auto_increment = false)]
    pub value: String,
    /// `name`, `phone`, `web`, `mail`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub kind: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub customer_id: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
