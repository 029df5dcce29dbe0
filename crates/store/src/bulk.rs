//! Bulk loading for `salesdesk gen`: multi-row INSERTs with explicit ids, and the statistics and
//! sequence upkeep a large load needs afterwards. Not for use cases: these rows carry no audit.

use sea_orm::sea_query::{Alias, Query};
use sea_orm::{DbBackend, Statement};

pub use sea_orm::Value;

use crate::{Conn, Result};

/// One row's values, in the order of the columns given to [`insert`].
pub type Row = Vec<Value>;

/// Bound parameters per statement: under SQLite's limit (32766) and PostgreSQL's (65535).
const MAX_PARAMS: usize = 30_000;

/// Inserts the rows, as few multi-row statements as the parameter limits allow.
pub async fn insert(c: &impl Conn, table: &str, columns: &[&str], rows: Vec<Row>) -> Result<()> {
    let per = (MAX_PARAMS / columns.len().max(1)).max(1);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let mut q = Query::insert();
        q.into_table(Alias::new(table))
            .columns(columns.iter().map(|c| Alias::new(*c)));
        for r in rows.by_ref().take(per) {
            q.values_panic(r.into_iter().map(Into::into));
        }
        c.execute(&q).await?;
    }
    Ok(())
}

/// The largest id of a table (0 when empty): generated rows take the ids after it.
pub async fn max_id(c: &impl Conn, table: &str) -> Result<i64> {
    let sql = format!("SELECT COALESCE(MAX(id), 0) AS m FROM {table}");
    let row = c
        .query_one_raw(Statement::from_string(c.get_database_backend(), sql))
        .await?;
    Ok(match row {
        Some(r) => r.try_get::<i64>("", "m")?,
        None => 0,
    })
}

/// After rows were inserted with explicit ids: PostgreSQL's sequence must continue after them
/// (SQLite's rowid allocation already does).
pub async fn sync_id_sequence(c: &impl Conn, table: &str) -> Result<()> {
    if c.get_database_backend() == DbBackend::Postgres {
        let sql = format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
             (SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
        );
        c.execute_unprepared(&sql).await?;
    }
    Ok(())
}

/// Refreshes the planner's statistics after a large load (and, on PostgreSQL, the visibility
/// map that index-only scans need). Run outside a transaction.
pub async fn analyze(c: &impl Conn) -> Result<()> {
    match c.get_database_backend() {
        DbBackend::Postgres => {
            analyze_tables(c, &["customers", "contacts", "contact_records", "users"]).await?;
        }
        _ => {
            c.execute_unprepared("ANALYZE").await?;
            c.execute_unprepared("INSERT INTO customers_fts(customers_fts) VALUES ('optimize')")
                .await?;
        }
    }
    Ok(())
}

/// [`analyze`] for the tables a generator filled (`gen --deals`, `--contracts` …): without it
/// the planners know nothing of 200,000 new deals — SQLite has no statistics at all for a table
/// until ANALYZE, PostgreSQL waits for autovacuum — and the first requests after a load walk
/// the wrong index. Run outside a transaction; `tables` are the generator's own constants.
pub async fn analyze_tables(c: &impl Conn, tables: &[&str]) -> Result<()> {
    match c.get_database_backend() {
        DbBackend::Postgres => {
            c.execute_unprepared(&format!("VACUUM (ANALYZE) {}", tables.join(", ")))
                .await?;
        }
        _ => {
            for t in tables {
                c.execute_unprepared(&format!("ANALYZE {t}")).await?;
            }
        }
    }
    Ok(())
}

/// A customer a generated trial application is hung on, with its primary contact.
#[derive(Debug, Clone)]
pub struct TrialSource {
    pub id: i64,
    pub name: String,
    pub uscc: Option<String>,
    pub owner_id: Option<i64>,
    pub region_id: Option<i64>,
    pub province_code: Option<String>,
    pub city_code: Option<String>,
    pub contact_id: Option<i64>,
    pub contact_name: Option<String>,
    pub mobile: Option<String>,
    pub email: Option<String>,
}

/// Of the customers `ids`, those that are not archived and have no trial application yet, with
/// their primary contact, by id. `gen --trials` hangs one application on each, so that the
/// open application per customer and product (`open_key`) is never taken twice.
pub async fn trial_sources(c: &impl Conn, ids: &[i64]) -> Result<Vec<TrialSource>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    // Ids are integers formatted here, not text from outside: nothing to bind.
    let sql = format!(
        "SELECT c.id, c.name, c.uscc, c.owner_id, c.region_id, c.province_code, c.city_code, \
                p.id AS contact_id, p.name AS contact_name, p.mobile, p.email \
         FROM customers c \
         LEFT JOIN contacts p ON p.customer_id = c.id AND p.is_primary = {t} \
              AND p.removed_at IS NULL \
         WHERE c.id IN ({list}) AND c.archived_at IS NULL \
           AND NOT EXISTS (SELECT 1 FROM trial_applications t WHERE t.customer_id = c.id) \
         ORDER BY c.id, p.id",
        t = match c.get_database_backend() {
            DbBackend::Postgres => "TRUE",
            _ => "1",
        }
    );
    let rows = c
        .query_all_raw(Statement::from_string(c.get_database_backend(), sql))
        .await?;
    let mut out: Vec<TrialSource> = Vec::with_capacity(rows.len());
    for r in rows {
        let id: i64 = r.try_get("", "id")?;
        // Two primary contacts (never meant to be) give one source, the first contact.
        if out.last().is_some_and(|s| s.id == id) {
            continue;
        }
        out.push(TrialSource {
            id,
            name: r.try_get("", "name")?,
            uscc: r.try_get("", "uscc")?,
            owner_id: r.try_get("", "owner_id")?,
            region_id: r.try_get("", "region_id")?,
            province_code: r.try_get("", "province_code")?,
            city_code: r.try_get("", "city_code")?,
            contact_id: r.try_get("", "contact_id")?,
            contact_name: r.try_get("", "contact_name")?,
            mobile: r.try_get("", "mobile")?,
            email: r.try_get("", "email")?,
        });
    }
    Ok(out)
}
