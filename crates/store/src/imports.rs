//! Queries of customer imports: the `imports` rows, and the batched writes and look-ups an import
//! of 100,000 rows needs (one statement per few hundred rows, not per row).

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};

use crate::customers::CustomerFields;
use crate::entity::imports::{ActiveModel, Column, Entity};
use crate::entity::{audit_log, customers, owner_history};
use crate::{Conn, Result, now};

pub use crate::entity::imports::Model as Import;

/// Rows per multi-row INSERT: well under SQLite's and PostgreSQL's bound-parameter limits.
const BATCH: usize = 500;

/// How many imports there are in each status, by status (for `/metrics`).
pub async fn count_by_status(c: &impl Conn) -> Result<Vec<(String, i64)>> {
    Ok(Entity::find()
        .select_only()
        .column(Column::Status)
        .column_as(Column::Id.count(), "n")
        .group_by(Column::Status)
        .order_by_asc(Column::Status)
        .into_tuple::<(String, i64)>()
        .all(c)
        .await?)
}

/// Keeps an uploaded file: the import's row and, beside it, the file (m0023).
pub async fn insert(
    c: &impl Conn,
    user_id: Option<i64>,
    file_name: &str,
    content: Vec<u8>,
    total: i64,
) -> Result<Import> {
    let created_at = now();
    let id = Entity::insert(ActiveModel {
        user_id: Set(user_id),
        file_name: Set(file_name.to_string()),
        status: Set("uploaded".into()),
        mapping: Set(None),
        valid_only: Set(false),
        total: Set(total),
        done: Set(0),
        valid: Set(0),
        rejected: Set(0),
        imported: Set(0),
        errors: Set(None),
        message: Set(None),
        created_at: Set(created_at),
        started_at: Set(None),
        finished_at: Set(None),
        ..Default::default()
    })
    .exec(c)
    .await?
    .last_insert_id;
    crate::entity::import_files::Entity::insert(crate::entity::import_files::ActiveModel {
        import_id: Set(id),
        content: Set(content),
    })
    .exec_without_returning(c)
    .await?;
    Ok(Import {
        id,
        user_id,
        file_name: file_name.to_string(),
        status: "uploaded".into(),
        mapping: None,
        valid_only: false,
        total,
        done: 0,
        valid: 0,
        rejected: 0,
        imported: 0,
        errors: None,
        message: None,
        created_at,
        started_at: None,
        finished_at: None,
        lease_holder: None,
        lease_until: None,
        kind: "customers".into(),
    })
}

/// One import's state (without its file, which is in `import_files`).
pub async fn get(c: &impl Conn, id: i64) -> Result<Option<Import>> {
    Ok(Entity::find_by_id(id).one(c).await?)
}

/// The uploaded file of an import.
pub async fn content(c: &impl Conn, id: i64) -> Result<Option<Vec<u8>>> {
    use crate::entity::import_files;
    Ok(import_files::Entity::find_by_id(id)
        .select_only()
        .column(import_files::Column::Content)
        .into_tuple::<Vec<u8>>()
        .one(c)
        .await?)
}

/// Statuses of an import whose rows exist but are hidden: `running` (being written) and
/// `removing` (a failed or interrupted run's rows being deleted). Any other status has no
/// hidden rows: `done` rows are shown, the others have none.
pub const HIDING: [&str; 2] = ["running", "removing"];

/// A claim on an import held until `until` unless renewed (m0016).
#[derive(Debug, Clone, Copy)]
pub struct Lease<'a> {
    pub holder: &'a str,
    pub until: chrono::DateTime<chrono::Utc>,
}

/// Claims an import for a run: only one that is not running, removing or done (a refused or
/// failed run imported nothing and may run again), so that two clicks (or two processes) never
/// run it twice. True when this caller got it; it then holds the lease.
pub async fn claim(
    c: &impl Conn,
    id: i64,
    mapping: &str,
    valid_only: bool,
    lease: Lease<'_>,
) -> Result<bool> {
    let r = Entity::update_many()
        .col_expr(Column::Status, Expr::value("running"))
        .col_expr(Column::Mapping, Expr::value(mapping.to_string()))
        .col_expr(Column::ValidOnly, Expr::value(valid_only))
        .col_expr(Column::Done, Expr::value(0i64))
        .col_expr(Column::Imported, Expr::value(0i64))
        .col_expr(Column::Message, Expr::value(Option::<String>::None))
        .col_expr(Column::StartedAt, Expr::value(now()))
        .col_expr(Column::LeaseHolder, Expr::value(lease.holder.to_string()))
        .col_expr(Column::LeaseUntil, Expr::value(lease.until))
        .filter(Column::Id.eq(id))
        .filter(Column::Status.is_in(["uploaded", "rejected", "failed"]))
        .exec(c)
        .await?;
    Ok(r.rows_affected == 1)
}

/// Extends the holder's lease. False when the holder no longer has the import (another process
/// found the lease expired and took it over): the holder must then stop writing.
pub async fn renew(c: &impl Conn, id: i64, lease: Lease<'_>) -> Result<bool> {
    let r = Entity::update_many()
        .col_expr(Column::LeaseUntil, Expr::value(lease.until))
        .filter(Column::Id.eq(id))
        .filter(Column::LeaseHolder.eq(lease.holder))
        .filter(Column::Status.is_in(HIDING))
        .exec(c)
        .await?;
    Ok(r.rows_affected == 1)
}

/// The unfinished imports whose lease ran out before `at` (or who never had one, from before
/// m0016): their process stopped. `id` narrows it to one import.
pub async fn expired(
    c: &impl Conn,
    at: chrono::DateTime<chrono::Utc>,
    id: Option<i64>,
) -> Result<Vec<i64>> {
    let mut q = Entity::find()
        .select_only()
        .column(Column::Id)
        .filter(Column::Status.is_in(HIDING))
        .filter(expired_at(at));
    if let Some(id) = id {
        q = q.filter(Column::Id.eq(id));
    }
    Ok(q.into_tuple().all(c).await?)
}

fn expired_at(at: chrono::DateTime<chrono::Utc>) -> Condition {
    Condition::any()
        .add(Column::LeaseUntil.lt(at))
        .add(Column::LeaseUntil.is_null())
}

/// Takes over an unfinished import whose lease ran out before `at`, to remove its rows: it
/// becomes `removing` under the new lease, with `message`. A conditional update, so of several
/// processes that see the same expired lease exactly one gets it; and a holder that is still
/// renewing is never taken over.
pub async fn take_over(
    c: &impl Conn,
    id: i64,
    at: chrono::DateTime<chrono::Utc>,
    lease: Lease<'_>,
    message: &str,
) -> Result<bool> {
    let r = Entity::update_many()
        .col_expr(Column::Status, Expr::value("removing"))
        .col_expr(Column::Message, Expr::value(message.to_string()))
        .col_expr(Column::LeaseHolder, Expr::value(lease.holder.to_string()))
        .col_expr(Column::LeaseUntil, Expr::value(lease.until))
        .filter(Column::Id.eq(id))
        .filter(Column::Status.is_in(HIDING))
        .filter(expired_at(at))
        .exec(c)
        .await?;
    Ok(r.rows_affected == 1)
}

/// The holder's own run failed: its rows are to be removed (`removing`, with `message`). False
/// when the run is no longer the holder's.
pub async fn fail(c: &impl Conn, id: i64, lease: Lease<'_>, message: &str) -> Result<bool> {
    let r = Entity::update_many()
        .col_expr(Column::Status, Expr::value("removing"))
        .col_expr(Column::Message, Expr::value(message.to_string()))
        .col_expr(Column::LeaseUntil, Expr::value(lease.until))
        .filter(Column::Id.eq(id))
        .filter(Column::LeaseHolder.eq(lease.holder))
        .filter(Column::Status.eq("running"))
        .exec(c)
        .await?;
    Ok(r.rows_affected == 1)
}

/// Deletes up to `limit` of the customers an import wrote, with what the import wrote beside
/// them (their `customer.import` audit rows and owner history) and anything else hung on them
/// meanwhile. Returns how many customers went: 0 when none is left. One short transaction each.
pub async fn remove_rows(c: &impl Conn, import_id: i64, limit: u64) -> Result<u64> {
    let ids: Vec<i64> = customers::Entity::find()
        .select_only()
        .column(customers::Column::Id)
        .filter(customers::Column::ImportId.eq(import_id))
        .limit(limit)
        .into_tuple()
        .all(c)
        .await?;
    if ids.is_empty() {
        return Ok(0);
    }
    audit_log::Entity::delete_many()
        .filter(audit_log::Column::EntityType.eq("customer"))
        .filter(audit_log::Column::EntityId.is_in(ids.clone()))
        .filter(audit_log::Column::Action.eq("customer.import"))
        .exec(c)
        .await?;
    // Nobody can see a hidden customer to add anything to it, but a foreign key must never
    // fail here: every child row goes first.
    crate::customers::delete_with_children(c, ids).await
}

/// Ends a removal: the import is `failed` (it may run again), with nothing imported, keeping the
/// reason set when the removal began. False when the removal was no longer the holder's.
pub async fn removed(c: &impl Conn, id: i64, holder: &str) -> Result<bool> {
    let nothing = Outcome {
        status: "failed",
        done: 0,
        valid: 0,
        rejected: 0,
        imported: 0,
        errors: None,
        message: None,
    };
    end(c, id, holder, "removing", nothing, false).await
}

/// The imports whose rows are hidden now (see [`HIDING`]): few or none, read through
/// `ix_imports_status` without touching the stored files.
pub async fn unfinished_ids(c: &impl Conn) -> Result<Vec<i64>> {
    // Asked before every customer list (issue 11's profile): the statuses are written into the
    // SQL rather than bound, and the ids sorted here. Bound, SQLite (built with STAT4) planned
    // the statement again at every run, because the planner had looked at the bound values;
    // `ORDER BY id` over the two ranges of the status index made it open a sorter each time.
    // Together ~14 % of the list's CPU under 8 clients.
    let mut ids: Vec<i64> = Entity::find()
        .select_only()
        .column(Column::Id)
        .filter(Expr::col((Entity, Column::Status)).is_in(HIDING.map(crate::code_literal)))
        .into_tuple()
        .all(c)
        .await?;
    ids.sort_unstable();
    Ok(ids)
}

/// Progress of the check: rows looked at so far.
pub async fn set_done(c: &impl Conn, id: i64, done: i64) -> Result<()> {
    Entity::update_many()
        .col_expr(Column::Done, Expr::value(done))
        .filter(Column::Id.eq(id))
        .exec(c)
        .await?;
    Ok(())
}

/// The outcome of a run.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub status: &'static str,
    pub done: i64,
    pub valid: i64,
    pub rejected: i64,
    pub imported: i64,
    pub errors: Option<String>,
    pub message: Option<String>,
}

/// Records the outcome of the holder's run and gives up the lease; for `done`, this one-row
/// update is what shows the imported customers. False when the run is no longer the holder's
/// (another process took it over): nothing is changed. An UPDATE without RETURNING: the updated
/// row holds the file, which is not needed back.
pub async fn finish(c: &impl Conn, id: i64, holder: &str, o: Outcome) -> Result<bool> {
    end(c, id, holder, "running", o, true).await
}

/// Records an outcome and gives up the lease, if the holder still holds the import in status
/// `from`; the message is replaced only when `with_message`.
async fn end(
    c: &impl Conn,
    id: i64,
    holder: &str,
    from: &str,
    o: Outcome,
    with_message: bool,
) -> Result<bool> {
    let mut q = Entity::update_many()
        .col_expr(Column::Status, Expr::value(o.status))
        .col_expr(Column::Done, Expr::value(o.done))
        .col_expr(Column::Valid, Expr::value(o.valid))
        .col_expr(Column::Rejected, Expr::value(o.rejected))
        .col_expr(Column::Imported, Expr::value(o.imported))
        .col_expr(Column::Errors, Expr::value(o.errors))
        .col_expr(Column::FinishedAt, Expr::value(now()))
        .col_expr(Column::LeaseHolder, Expr::value(Option::<String>::None))
        .col_expr(
            Column::LeaseUntil,
            Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
        );
    if with_message {
        q = q.col_expr(Column::Message, Expr::value(o.message));
    }
    let r = q
        .filter(Column::Id.eq(id))
        .filter(Column::LeaseHolder.eq(holder))
        .filter(Column::Status.eq(from))
        .exec(c)
        .await?;
    Ok(r.rows_affected == 1)
}

/// Which of these duplicate keys and USCCs exist already: `(name_key, uscc, owner_id)` of every
/// customer that has one of them, whatever the scope. Asked in chunks.
pub async fn existing_keys(
    c: &impl Conn,
    name_keys: &[String],
    usccs: &[String],
) -> Result<Vec<(String, Option<String>, Option<i64>)>> {
    use customers::Column as C;
    let mut out = Vec::new();
    for (col, values) in [(C::NameKey, name_keys), (C::Uscc, usccs)] {
        for chunk in values.chunks(BATCH) {
            let rows: Vec<(String, Option<String>, Option<i64>)> = customers::Entity::find()
                .select_only()
                .column(C::NameKey)
                .column(C::Uscc)
                .column(C::OwnerId)
                .filter(Condition::all().add(col.is_in(chunk.to_vec())))
                .into_tuple()
                .all(c)
                .await?;
            out.extend(rows);
        }
    }
    Ok(out)
}

/// Inserts new customers with one status, written by import `import_id` (hidden until it is
/// done), in multi-row statements; returns them.
pub async fn insert_customers(
    c: &impl Conn,
    rows: Vec<CustomerFields>,
    status: &str,
    created_by: Option<i64>,
    import_id: i64,
) -> Result<Vec<customers::Model>> {
    crate::customers::insert_many(c, rows, status, created_by, Some(import_id)).await
}

/// Owner-history rows `(customer, owner)` with one reason, in multi-row statements.
pub async fn insert_owner_history(
    c: &impl Conn,
    rows: &[(i64, i64)],
    reason: &str,
    changed_by: Option<i64>,
) -> Result<()> {
    let t = now();
    for chunk in rows.chunks(BATCH) {
        let batch = chunk
            .iter()
            .map(|&(customer, owner)| owner_history::ActiveModel {
                customer_id: Set(customer),
                from_owner_id: Set(None),
                to_owner_id: Set(Some(owner)),
                reason: Set(reason.to_string()),
                changed_by: Set(changed_by),
                changed_at: Set(t),
                ..Default::default()
            });
        owner_history::Entity::insert_many(batch).exec(c).await?;
    }
    Ok(())
}

/// Audit rows in multi-row statements (an import writes one per customer).
pub async fn insert_audits(c: &impl Conn, rows: Vec<crate::audit::NewAudit>) -> Result<()> {
    let t = now();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let batch: Vec<audit_log::ActiveModel> = rows
            .by_ref()
            .take(BATCH)
            .map(|a| audit_log::ActiveModel {
                at: Set(t),
                actor_id: Set(a.actor_id),
                action: Set(a.action),
                entity_type: Set(a.entity_type),
                entity_id: Set(a.entity_id),
                before: Set(a.before.map(|v| v.to_string())),
                after: Set(a.after.map(|v| v.to_string())),
                ip: Set(a.ip),
                request_id: Set(a.request_id),
                ..Default::default()
            })
            .collect();
        audit_log::Entity::insert_many(batch).exec(c).await?;
    }
    Ok(())
}
