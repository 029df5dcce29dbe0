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
            c.execute_unprepared("VACUUM (ANALYZE) customers, contacts, contact_records, users")
                .await?;
        }
        _ => {
            c.execute_unprepared("ANALYZE").await?;
            c.execute_unprepared("INSERT INTO customers_fts(customers_fts) VALUES ('optimize')")
                .await?;
        }
    }
    Ok(())
}
