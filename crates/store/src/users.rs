//! Queries on people.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use crate::entity::users::{ActiveModel, Column, Entity};
use crate::{Conn, Page, Paged, Result, now};

pub use crate::entity::users::Model as User;

/// Everything about a person that a use case sets (the password separately).
#[derive(Debug, Clone)]
pub struct UserFields {
    pub login: String,
    pub display_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub position: Option<String>,
    pub is_admin: bool,
    pub region_id: Option<i64>,
    pub manager_id: Option<i64>,
    pub active: bool,
    pub locale: String,
    /// The last day of the person's leave (`None`: not on leave).
    pub on_leave_until: Option<chrono::NaiveDate>,
}

/// Filter of the people list.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    /// Substring of the login or display name.
    pub q: Option<String>,
    pub region_ids: Option<Vec<i64>>,
    pub position: Option<String>,
    pub active: Option<bool>,
}

pub async fn get(c: &impl Conn, id: i64) -> Result<Option<User>> {
    Ok(Entity::find_by_id(id).one(c).await?)
}

/// Locks a person's row until the transaction ends (PostgreSQL `FOR UPDATE`; SQLite has one
/// writer at a time anyway): taken before counting what the person did today (pool claims,
/// saved filters), so that two requests of one person cannot both pass a limit.
pub async fn lock(c: &impl Conn, id: i64) -> Result<()> {
    crate::lock_row::<Entity>(c, id).await
}

pub async fn find_by_login(c: &impl Conn, login: &str) -> Result<Option<User>> {
    Ok(Entity::find()
        .filter(Column::Login.eq(login))
        .one(c)
        .await?)
}

pub async fn count(c: &impl Conn) -> Result<u64> {
    Ok(Entity::find().count(c).await?)
}

pub async fn list(c: &impl Conn, f: &UserFilter, page: Page) -> Result<Paged<User>> {
    let mut cond = Condition::all();
    if let Some(q) = f.q.as_deref().filter(|q| !q.is_empty()) {
        cond = cond.add(
            Condition::any()
                .add(contains(Column::Login, q))
                .add(contains(Column::DisplayName, q)),
        );
    }
    if let Some(ids) = &f.region_ids {
        cond = cond.add(Column::RegionId.is_in(ids.clone()));
    }
    if let Some(p) = &f.position {
        cond = cond.add(Column::Position.eq(p.clone()));
    }
    if let Some(a) = f.active {
        cond = cond.add(Column::Active.eq(a));
    }
    let q = Entity::find()
        .filter(cond)
        .order_by_desc(Column::Active)
        .order_by_asc(Column::RegionId)
        .order_by_asc(Column::DisplayName)
        .order_by_asc(Column::Id);
    crate::paginate(c, q, page).await
}

/// People by id, for showing names of managers and the like.
pub async fn by_ids(c: &impl Conn, ids: &[i64]) -> Result<Vec<User>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    Ok(Entity::find()
        .filter(Column::Id.is_in(ids.to_vec()))
        .order_by_asc(Column::Id)
        .all(c)
        .await?)
}

/// Every person's display name by id (a department has hundreds of people, not millions): the
/// names lists show beside their rows, read once into the read cache.
pub async fn names(c: &impl Conn) -> Result<Vec<(i64, String)>> {
    use sea_orm::QuerySelect;
    Ok(Entity::find()
        .select_only()
        .column(Column::Id)
        .column(Column::DisplayName)
        .into_tuple()
        .all(c)
        .await?)
}

/// Active people who may be chosen as someone's manager.
pub async fn active_with_positions(c: &impl Conn, positions: &[&str]) -> Result<Vec<User>> {
    Ok(Entity::find()
        .filter(Column::Active.eq(true))
        .filter(Column::Position.is_in(positions.iter().map(|s| s.to_string())))
        .order_by_asc(Column::DisplayName)
        .order_by_asc(Column::Id)
        .all(c)
        .await?)
}

/// Direct reports of a manager.
pub async fn reports_of(c: &impl Conn, manager_id: i64) -> Result<Vec<User>> {
    Ok(Entity::find()
        .filter(Column::ManagerId.eq(manager_id))
        .order_by_asc(Column::DisplayName)
        .order_by_asc(Column::Id)
        .all(c)
        .await?)
}

/// The ids of everyone who reports to `manager_id`, directly or through others (not the manager).
/// Walks the tree level by level; a cycle cannot loop forever because seen ids are skipped.
pub async fn team_ids(c: &impl Conn, manager_id: i64) -> Result<Vec<i64>> {
    let mut seen = vec![manager_id];
    let mut frontier = vec![manager_id];
    let mut out = vec![];
    while !frontier.is_empty() {
        let next: Vec<i64> = Entity::find()
            .select_only()
            .column(Column::Id)
            .filter(Column::ManagerId.is_in(frontier.clone()))
            .into_tuple()
            .all(c)
            .await?;
        frontier = next.into_iter().filter(|id| !seen.contains(id)).collect();
        seen.extend(&frontier);
        out.extend(&frontier);
    }
    Ok(out)
}

/// The columns a use case sets, as an active model with everything else left unset.
fn with_fields(f: UserFields) -> ActiveModel {
    ActiveModel {
        login: Set(f.login),
        display_name: Set(f.display_name),
        email: Set(f.email),
        phone: Set(f.phone),
        position: Set(f.position),
        is_admin: Set(f.is_admin),
        region_id: Set(f.region_id),
        manager_id: Set(f.manager_id),
        active: Set(f.active),
        locale: Set(f.locale),
        on_leave_until: Set(f.on_leave_until),
        updated_at: Set(now()),
        ..Default::default()
    }
}

pub async fn insert(
    c: &impl Conn,
    f: UserFields,
    password_hash: String,
    must_change: bool,
) -> Result<User> {
    let mut m = with_fields(f);
    m.password_hash = Set(password_hash);
    m.must_change_password = Set(must_change);
    m.created_at = Set(now());
    Ok(m.insert(c).await?)
}

pub async fn update(c: &impl Conn, id: i64, f: UserFields) -> Result<User> {
    let mut m = with_fields(f);
    m.id = Set(id);
    Ok(m.update(c).await?)
}

pub async fn set_locale(c: &impl Conn, id: i64, locale: &str) -> Result<()> {
    let m = ActiveModel {
        id: Set(id),
        locale: Set(locale.to_string()),
        updated_at: Set(now()),
        ..Default::default()
    };
    m.update(c).await?;
    Ok(())
}

pub async fn set_password(c: &impl Conn, id: i64, hash: String, must_change: bool) -> Result<()> {
    let m = ActiveModel {
        id: Set(id),
        password_hash: Set(hash),
        must_change_password: Set(must_change),
        updated_at: Set(now()),
        ..Default::default()
    };
    m.update(c).await?;
    Ok(())
}

/// Case-insensitive substring match that behaves the same on both engines: both sides are
/// lower-cased and the pattern's wildcards escaped (SQLite's LIKE has no default escape character).
pub fn contains(col: impl sea_orm::sea_query::IntoColumnRef, q: &str) -> sea_orm::sea_query::Expr {
    use sea_orm::sea_query::{ExprTrait, Func, LikeExpr};
    let pat = format!("%{}%", escape_like(&q.to_lowercase()));
    Expr::expr(Func::lower(Expr::col(col))).like(LikeExpr::new(pat).escape('\\'))
}

/// Escapes `%`, `_` and `\` for a LIKE pattern used with `ESCAPE '\'`.
pub fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

/// Active people per region or branch id (people without a region are left out).
pub async fn active_count_by_region(c: &impl Conn) -> Result<Vec<(i64, i64)>> {
    let rows: Vec<(Option<i64>, i64)> = Entity::find()
        .select_only()
        .column(Column::RegionId)
        .column_as(Column::Id.count(), "n")
        .filter(Column::Active.eq(true))
        .filter(Column::RegionId.is_not_null())
        .group_by(Column::RegionId)
        .order_by_asc(Column::RegionId)
        .into_tuple()
        .all(c)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(r, n)| r.map(|r| (r, n)))
        .collect())
}

/// Ids of everyone (active or not) who belongs to one of these regions or branches.
pub async fn ids_in_regions(c: &impl Conn, region_ids: &[i64]) -> Result<Vec<i64>> {
    if region_ids.is_empty() {
        return Ok(vec![]);
    }
    Ok(Entity::find()
        .select_only()
        .column(Column::Id)
        .filter(Column::RegionId.is_in(region_ids.to_vec()))
        .order_by_asc(Column::Id)
        .into_tuple()
        .all(c)
        .await?)
}
