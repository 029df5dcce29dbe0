//! The audit log: written in the same transaction as the change it records.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
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
    row(a, crate::now()).insert(c).await?;
    Ok(())
}

/// Writes several audit rows of one use case in one statement, in the order given.
pub async fn insert_all(c: &impl Conn, all: Vec<NewAudit>) -> Result<()> {
    if all.is_empty() {
        return Ok(());
    }
    let at = crate::now();
    Entity::insert_many(all.into_iter().map(|a| row(a, at)))
        .exec_without_returning(c)
        .await?;
    Ok(())
}

fn row(a: NewAudit, at: chrono::DateTime<chrono::Utc>) -> ActiveModel {
    ActiveModel {
        at: Set(at),
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
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor_id: Option<i64>,
    pub entity_type: Option<String>,
    pub entity_id: Option<i64>,
    /// Prefix of the action (`person.` finds every change to people), or the whole action
    /// with `exact_action`.
    pub action: Option<String>,
    pub exact_action: bool,
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Logins and logouts (`session.*`): with the rest, left out, or alone.
    pub sessions: Sessions,
    /// Only entries up to this id (an export reads the log as it was when it started).
    pub upto_id: Option<i64>,
}

/// Whether logins and logouts (actions `session.*`) are listed. They are most of a busy log, so
/// the page leaves them out unless asked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Sessions {
    #[default]
    Include,
    Exclude,
    Only,
}

/// The action prefix of logins and logouts.
pub const SESSION_PREFIX: &str = "session.";

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

fn condition(f: &AuditFilter) -> Condition {
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
        cond = cond.add(if f.exact_action {
            Column::Action.eq(a.clone())
        } else {
            Column::Action.starts_with(a.clone())
        });
    }
    match f.sessions {
        Sessions::Include => {}
        Sessions::Exclude => {
            cond = cond.add(
                Condition::all()
                    .add(Column::Action.starts_with(SESSION_PREFIX))
                    .not(),
            )
        }
        Sessions::Only => cond = cond.add(Column::Action.starts_with(SESSION_PREFIX)),
    }
    if let Some(t) = f.from {
        cond = cond.add(Column::At.gte(t));
    }
    if let Some(t) = f.until {
        cond = cond.add(Column::At.lt(t));
    }
    if let Some(id) = f.upto_id {
        cond = cond.add(Column::Id.lte(id));
    }
    cond.add(not_hidden_import())
}

/// Newest first.
pub async fn list(c: &impl Conn, f: &AuditFilter, page: Page) -> Result<Paged<AuditEntry>> {
    let q = Entity::find()
        .filter(condition(f))
        .order_by_desc(Column::At)
        .order_by_desc(Column::Id);
    crate::paginate(c, q, page).await
}

/// The id of the newest entry (0 for an empty log).
pub async fn last_id(c: &impl Conn) -> Result<i64> {
    let id: Option<i64> = Entity::find()
        .select_only()
        .column(Column::Id)
        .order_by_desc(Column::Id)
        .limit(1)
        .into_tuple()
        .one(c)
        .await?;
    Ok(id.unwrap_or(0))
}

/// How many entries the filter holds (exactly: an export says how many rows it wrote).
pub async fn count(c: &impl Conn, f: &AuditFilter) -> Result<u64> {
    Ok(Entity::find().filter(condition(f)).count(c).await?)
}

/// The next `limit` entries of the filter after `after` (an entry's time and id) in the list's
/// order, newest first: a keyset page, so reading a long log costs the same per page.
pub async fn page_after(
    c: &impl Conn,
    f: &AuditFilter,
    after: Option<(DateTime<Utc>, i64)>,
    limit: u64,
) -> Result<Vec<AuditEntry>> {
    let mut cond = condition(f);
    if let Some((at, id)) = after {
        cond = cond.add(
            Condition::any().add(Column::At.lt(at)).add(
                Condition::all()
                    .add(Column::At.eq(at))
                    .add(Column::Id.lt(id)),
            ),
        );
    }
    Ok(Entity::find()
        .filter(cond)
        .order_by_desc(Column::At)
        .order_by_desc(Column::Id)
        .limit(limit)
        .all(c)
        .await?)
}

/// The newest `limit` entries about one entity whose action is one of `actions`, newest first,
/// and how many there are in all: a customer's own history on its page.
pub async fn for_entity(
    c: &impl Conn,
    entity_type: &str,
    entity_id: i64,
    actions: &[&str],
    limit: u64,
) -> Result<(Vec<AuditEntry>, u64)> {
    let cond = Condition::all()
        .add(Column::EntityType.eq(entity_type))
        .add(Column::EntityId.eq(entity_id))
        .add(Column::Action.is_in(actions.iter().copied()))
        .add(not_hidden_import());
    let q = Entity::find().filter(cond);
    let total = q.clone().count(c).await?;
    let rows = q
        .order_by_desc(Column::At)
        .order_by_desc(Column::Id)
        .limit(limit)
        .all(c)
        .await?;
    Ok((rows, total))
}

/// Rows of `action` about entities with ids in `from_id..=to_id`: how many, and about how many
/// distinct entities (the jobs benchmark's once-only check: equal when each ran once).
pub async fn count_per_entity(
    c: &impl Conn,
    action: &str,
    from_id: i64,
    to_id: i64,
) -> Result<(u64, u64)> {
    let q = Entity::find()
        .select_only()
        .column_as(Column::Id.count(), "n")
        .column_as(
            sea_orm::sea_query::SimpleExpr::from(sea_orm::sea_query::Func::count_distinct(
                sea_orm::sea_query::Expr::col(Column::EntityId),
            )),
            "d",
        )
        .filter(Column::Action.eq(action))
        .filter(Column::EntityId.between(from_id, to_id));
    let (n, d) = q.into_tuple::<(i64, i64)>().one(c).await?.unwrap_or((0, 0));
    Ok((n.max(0) as u64, d.max(0) as u64))
}
