//! The audit log: written in the same transaction as the change it records.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, Set,
};

use crate::entity::audit_log::{ActiveModel, Column, Entity};
use crate::{Conn, Page, Paged, Result};

pub use crate::entity::audit_log::Model as AuditEntry;

#[derive(Debug, Clone, Default)]
pub struct NewAudit {
    pub actor_id: Option<i64>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<i64>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
}

pub async fn insert(c: &impl Conn, a: NewAudit) -> Result<()> {
    ActiveModel {
        at: Set(crate::now()),
        actor_id: Set(a.actor_id),
        action: Set(a.action),
        entity_type: Set(a.entity_type),
        entity_id: Set(a.entity_id),
        before: Set(a.before.map(|v| v.to_string())),
        after: Set(a.after.map(|v| v.to_string())),
        ip: Set(a.ip),
        request_id: Set(a.request_id),
        ..Default::default()
    }
    .insert(c)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor_id: Option<i64>,
    pub entity_type: Option<String>,
    pub entity_id: Option<i64>,
    /// Prefix of the action (`person.` finds every change to people).
    pub action: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

/// Leaves out the `customer.import` rows of customers an unfinished import wrote (m0016): they
/// appear with the customers when the import is done, and go with them if it fails.
fn not_hidden_import() -> Condition {
    use crate::entity::{customers, imports};
    use sea_orm::sea_query::Query;
    let hidden = Query::select()
        .column(customers::Column::Id)
        .from(customers::Entity)
        .and_where(
            customers::Column::ImportId.in_subquery(
                Query::select()
                    .column(imports::Column::Id)
                    .from(imports::Entity)
                    .and_where(imports::Column::Status.is_in(crate::imports::HIDING))
                    .to_owned(),
            ),
        )
        .to_owned();
    Condition::all()
        .add(
            Condition::all()
                .add(Column::Action.eq("customer.import"))
                .add(Column::EntityId.in_subquery(hidden)),
        )
        .not()
}

/// Newest first.
pub async fn list(c: &impl Conn, f: &AuditFilter, page: Page) -> Result<Paged<AuditEntry>> {
    let mut cond = Condition::all();
    if let Some(a) = f.actor_id {
        cond = cond.add(Column::ActorId.eq(a));
    }
    if let Some(t) = &f.entity_type {
        cond = cond.add(Column::EntityType.eq(t.clone()));
    }
    if let Some(id) = f.entity_id {
        cond = cond.add(Column::EntityId.eq(id));
    }
    if let Some(a) = &f.action {
        cond = cond.add(Column::Action.starts_with(a.clone()));
    }
    if let Some(t) = f.from {
        cond = cond.add(Column::At.gte(t));
    }
    if let Some(t) = f.until {
        cond = cond.add(Column::At.lt(t));
    }
    cond = cond.add(not_hidden_import());
    let q = Entity::find()
        .filter(cond)
        .order_by_desc(Column::At)
        .order_by_desc(Column::Id);
    crate::paginate(c, q, page).await
}
