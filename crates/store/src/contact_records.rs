//! Queries on contact records (联系记录) and the customer follow-up dates they drive.
//! Visibility follows the customer's: callers check the customer first.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, Set,
};

use crate::entity::contact_record_contacts as links;
use crate::entity::contact_records::{ActiveModel, Column, Entity};
use crate::entity::customers;
use crate::{Conn, Page, Paged, Result, now};

pub use crate::entity::contact_records::Model as ContactRecord;

/// A new record as a use case has checked it.
#[derive(Debug, Clone)]
pub struct NewRecord {
    pub customer_id: i64,
    pub author_id: Option<i64>,
    pub kind: String,
    pub happened_at: chrono::DateTime<chrono::Utc>,
    pub summary: String,
    pub outcome: Option<String>,
    pub next_step: Option<String>,
    pub next_contact_on: Option<chrono::NaiveDate>,
    /// When it was written down (the app's clock); `None`: now by the database's clock.
    pub created_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Stores a record with the contacts who took part.
pub async fn insert(c: &impl Conn, r: NewRecord, contact_ids: &[i64]) -> Result<ContactRecord> {
    let rec = ActiveModel {
        customer_id: Set(r.customer_id),
        author_id: Set(r.author_id),
        kind: Set(r.kind),
        happened_at: Set(r.happened_at),
        summary: Set(r.summary),
        outcome: Set(r.outcome),
        next_step: Set(r.next_step),
        next_contact_on: Set(r.next_contact_on),
        created_at: Set(r.created_at.unwrap_or_else(now)),
        ..Default::default()
    }
    .insert(c)
    .await?;
    if !contact_ids.is_empty() {
        links::Entity::insert_many(contact_ids.iter().map(|id| links::ActiveModel {
            record_id: Set(rec.id),
            contact_id: Set(*id),
        }))
        .exec(c)
        .await?;
    }
    Ok(rec)
}

/// One record.
pub async fn get(c: &impl Conn, id: i64) -> Result<Option<ContactRecord>> {
    Ok(Entity::find_by_id(id).one(c).await?)
}

/// Replaces what a record says (not its customer or author) and the contacts who took part, as
/// its author corrects it — if `author_id` wrote it and it was created after `created_after`
/// (the edit window, held here as well as in the use case). `None` when no such record is left.
pub async fn correct(
    c: &impl Conn,
    id: i64,
    author_id: i64,
    created_after: chrono::DateTime<chrono::Utc>,
    r: NewRecord,
    contact_ids: &[i64],
    at: chrono::DateTime<chrono::Utc>,
) -> Result<Option<ContactRecord>> {
    use sea_orm::sea_query::Expr;
    let done = Entity::update_many()
        .col_expr(Column::Kind, Expr::value(r.kind))
        .col_expr(Column::HappenedAt, Expr::value(r.happened_at))
        .col_expr(Column::Summary, Expr::value(r.summary))
        .col_expr(Column::Outcome, Expr::value(r.outcome))
        .col_expr(Column::NextStep, Expr::value(r.next_step))
        .col_expr(Column::NextContactOn, Expr::value(r.next_contact_on))
        .col_expr(Column::EditedAt, Expr::value(Some(at)))
        .filter(Column::Id.eq(id))
        .filter(Column::AuthorId.eq(author_id))
        .filter(Column::CreatedAt.gt(created_after))
        .exec(c)
        .await?;
    if done.rows_affected == 0 {
        return Ok(None);
    }
    links::Entity::delete_many()
        .filter(links::Column::RecordId.eq(id))
        .exec(c)
        .await?;
    if !contact_ids.is_empty() {
        links::Entity::insert_many(contact_ids.iter().map(|cid| links::ActiveModel {
            record_id: Set(id),
            contact_id: Set(*cid),
        }))
        .exec(c)
        .await?;
    }
    get(c, id).await
}

/// Deletes a record, its links to contacts first (`contact_record_contacts`). False when it was
/// already gone.
pub async fn delete(c: &impl Conn, id: i64) -> Result<bool> {
    use crate::entity::contact_record_contacts;
    contact_record_contacts::Entity::delete_many()
        .filter(contact_record_contacts::Column::RecordId.eq(id))
        .exec(c)
        .await?;
    Ok(Entity::delete_by_id(id).exec(c).await?.rows_affected > 0)
}

/// A customer's records, latest first.
pub async fn for_customer(
    c: &impl Conn,
    customer_id: i64,
    page: Page,
) -> Result<Paged<ContactRecord>> {
    let q = Entity::find()
        .filter(Column::CustomerId.eq(customer_id))
        .order_by_desc(Column::HappenedAt)
        .order_by_desc(Column::Id);
    crate::paginate(c, q, page).await
}

/// (record id, contact id) pairs of these records.
pub async fn links_of(c: &impl Conn, record_ids: &[i64]) -> Result<Vec<(i64, i64)>> {
    if record_ids.is_empty() {
        return Ok(vec![]);
    }
    Ok(links::Entity::find()
        .filter(links::Column::RecordId.is_in(record_ids.to_vec()))
        .order_by_asc(links::Column::RecordId)
        .order_by_asc(links::Column::ContactId)
        .all(c)
        .await?
        .into_iter()
        .map(|l| (l.record_id, l.contact_id))
        .collect())
}

/// Makes the customer's last contact time and next contact date those of its latest record
/// (by when it happened), so a back-dated record never hides a newer follow-up date.
pub async fn refresh_customer(c: &impl Conn, customer_id: i64) -> Result<()> {
    let latest = Entity::find()
        .filter(Column::CustomerId.eq(customer_id))
        .order_by_desc(Column::HappenedAt)
        .order_by_desc(Column::Id)
        .one(c)
        .await?;
    customers::ActiveModel {
        id: Set(customer_id),
        last_contact_at: Set(latest.as_ref().map(|r| r.happened_at)),
        next_contact_on: Set(latest.and_then(|r| r.next_contact_on)),
        ..Default::default()
    }
    .update(c)
    .await?;
    Ok(())
}

/// Customers with a next contact date up to `until`, soonest first: the follow-up list.
/// `owners` narrows it to these owners (a person's own list); `None` is every visible customer.
pub async fn due(
    c: &impl Conn,
    visible: &crate::customers::Visible,
    owners: Option<&[i64]>,
    until: chrono::NaiveDate,
    page: Page,
) -> Result<Paged<customers::Model>> {
    use customers::Column as C;
    let mut cond = Condition::all()
        .add(visible.condition())
        .add(C::NextContactOn.lte(until));
    if let Some(o) = owners {
        cond = cond.add(C::OwnerId.is_in(o.to_vec()));
    }
    let q = customers::Entity::find()
        .filter(cond)
        .order_by_asc(C::NextContactOn)
        .order_by_asc(C::Id);
    crate::paginate(c, q, page).await
}
