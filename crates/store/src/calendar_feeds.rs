//! Queries of the private calendar feeds (m0033): issue (replacing any earlier secret), revoke,
//! and find the person by the hash of a feed URL's secret.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};

use crate::entity::calendar_feeds::{ActiveModel, Column, Entity};
use crate::{Conn, Result};

pub use crate::entity::calendar_feeds::Model as Feed;

/// Gives `user_id` the feed secret whose hash is `token_hash`; an earlier one stops working.
pub async fn issue(
    c: &impl Conn,
    user_id: i64,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    Entity::insert(ActiveModel {
        user_id: Set(user_id),
        token_hash: Set(token_hash.to_string()),
        created_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(Column::UserId)
            .update_columns([Column::TokenHash, Column::CreatedAt])
            .to_owned(),
    )
    .exec(c)
    .await?;
    Ok(())
}

/// Removes the person's feed. True when there was one.
pub async fn revoke(c: &impl Conn, user_id: i64) -> Result<bool> {
    let r = Entity::delete_many()
        .filter(Column::UserId.eq(user_id))
        .exec(c)
        .await?;
    Ok(r.rows_affected > 0)
}

pub async fn of_user(c: &impl Conn, user_id: i64) -> Result<Option<Feed>> {
    Ok(Entity::find_by_id(user_id).one(c).await?)
}

pub async fn by_hash(c: &impl Conn, token_hash: &str) -> Result<Option<Feed>> {
    Ok(Entity::find()
        .filter(Column::TokenHash.eq(token_hash))
        .one(c)
        .await?)
}

/// One customer's planned follow-up, as the feed shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUpRow {
    pub customer_id: i64,
    pub name: String,
    pub on: chrono::NaiveDate,
}

/// The customers of `owner` among `visible` whose next contact falls in `[from, until]`,
/// soonest first, at most `limit` (the follow-up list's `(owner_id, next_contact_on)` index).
pub async fn followups(
    c: &impl Conn,
    visible: &crate::customers::Visible,
    owner: i64,
    from: chrono::NaiveDate,
    until: chrono::NaiveDate,
    limit: u64,
) -> Result<Vec<FollowUpRow>> {
    use crate::entity::customers::{Column as C, Entity as Customers};
    use sea_orm::{QueryOrder, QuerySelect};
    let rows = Customers::find()
        .select_only()
        .column(C::Id)
        .column(C::Name)
        .column(C::NextContactOn)
        .filter(visible.condition())
        .filter(C::OwnerId.eq(owner))
        .filter(C::NextContactOn.gte(from))
        .filter(C::NextContactOn.lte(until))
        .order_by_asc(C::NextContactOn)
        .order_by_asc(C::Id)
        .limit(limit)
        .into_tuple::<(i64, String, chrono::NaiveDate)>()
        .all(c)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(customer_id, name, on)| FollowUpRow {
            customer_id,
            name,
            on,
        })
        .collect())
}

/// A trial application's first-contact deadline, as the feed shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadlineRow {
    pub trial_id: i64,
    pub reference: Option<String>,
    pub company: String,
    pub due_at: chrono::DateTime<chrono::Utc>,
}

/// The open, not yet contacted applications `owner` holds whose first-contact deadline falls
/// in `[from, until]`, soonest first, at most `limit`.
pub async fn trial_deadlines(
    c: &impl Conn,
    owner: i64,
    from: chrono::DateTime<chrono::Utc>,
    until: chrono::DateTime<chrono::Utc>,
    limit: u64,
) -> Result<Vec<DeadlineRow>> {
    use crate::entity::trial_applications::{Column as T, Entity as Trials};
    use sea_orm::{QueryOrder, QuerySelect};
    let rows = Trials::find()
        .select_only()
        .column(T::Id)
        .column(T::Reference)
        .column(T::Company)
        .column(T::FirstContactDueAt)
        .filter(T::OwnerId.eq(owner))
        .filter(T::FirstContactAt.is_null())
        .filter(T::State.is_in(["new", "contacted", "running", "ended"]))
        .filter(T::FirstContactDueAt.gte(from))
        .filter(T::FirstContactDueAt.lte(until))
        .order_by_asc(T::FirstContactDueAt)
        .order_by_asc(T::Id)
        .limit(limit)
        .into_tuple::<(i64, Option<String>, String, chrono::DateTime<chrono::Utc>)>()
        .all(c)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(trial_id, reference, company, due_at)| DeadlineRow {
            trial_id,
            reference,
            company,
            due_at,
        })
        .collect())
}

/// A scheduled pre-sales call, as the feed shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallRow {
    pub call_id: i64,
    pub step: i32,
    pub on: chrono::NaiveDate,
    pub trial_id: i64,
    pub reference: Option<String>,
    pub company: String,
}

/// The scheduled pre-sales calls of the trials `owner` holds (not lost), due in
/// `[from, until]`, soonest first, at most `limit`.
pub async fn presales_calls(
    c: &impl Conn,
    owner: i64,
    from: chrono::NaiveDate,
    until: chrono::NaiveDate,
    limit: u64,
) -> Result<Vec<CallRow>> {
    use crate::entity::presales_calls::{Column as P, Entity as Calls};
    use crate::entity::trial_applications::{Column as T, Entity as Trials};
    use sea_orm::{QueryOrder, QuerySelect};
    let calls = Calls::find()
        .filter(P::State.eq(crate::presales::SCHEDULED))
        .filter(P::DueOn.gte(from))
        .filter(P::DueOn.lte(until))
        .filter(
            P::TrialId.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(T::Id)
                    .from(Trials)
                    .and_where(T::OwnerId.eq(owner))
                    .and_where(T::State.ne("lost"))
                    .to_owned(),
            ),
        )
        .order_by_asc(P::DueOn)
        .order_by_asc(P::Id)
        .limit(limit)
        .all(c)
        .await?;
    let ids: Vec<i64> = calls.iter().map(|p| p.trial_id).collect();
    let trials: std::collections::HashMap<i64, (Option<String>, String)> = Trials::find()
        .select_only()
        .column(T::Id)
        .column(T::Reference)
        .column(T::Company)
        .filter(T::Id.is_in(ids))
        .into_tuple::<(i64, Option<String>, String)>()
        .all(c)
        .await?
        .into_iter()
        .map(|(id, r, co)| (id, (r, co)))
        .collect();
    Ok(calls
        .into_iter()
        .filter_map(|p| {
            let (reference, company) = trials.get(&p.trial_id)?.clone();
            Some(CallRow {
                call_id: p.id,
                step: p.step,
                on: p.due_on,
                trial_id: p.trial_id,
                reference,
                company,
            })
        })
        .collect())
}
