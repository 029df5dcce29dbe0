//! Totals that PostgreSQL's statement triggers keep as appended deltas (m0053's board totals,
//! m0055's customer receivables): a trigger appends each statement's changes per key to a
//! deltas table, locking no existing row, and a fold moves them into the totals. SQLite's row
//! triggers write the totals directly (one writer at a time), so there is nothing to fold.

use sea_orm::{DbBackend, Statement};

use crate::{Conn, Result};

/// One kept total: its tables, key columns, summed columns and the fold's advisory lock.
pub(crate) struct Kept {
    pub totals: &'static str,
    pub deltas: &'static str,
    pub key: &'static str,
    pub sums: &'static [&'static str],
    /// An arbitrary number of this application's, one per kept total.
    pub lock: i64,
}

fn pg(q: String) -> Statement {
    Statement::from_string(DbBackend::Postgres, q)
}

/// How many deltas wait (PostgreSQL), counted up to `cap` + 1; 0 on SQLite.
pub(crate) async fn waiting(c: &impl Conn, k: &Kept, cap: u64) -> Result<u64> {
    if c.get_database_backend() != DbBackend::Postgres {
        return Ok(0);
    }
    let q = format!(
        "SELECT count(*) AS n FROM (SELECT 1 FROM {} LIMIT {}) AS x",
        k.deltas,
        cap + 1
    );
    let n: i64 = match c.query_one_raw(pg(q)).await? {
        Some(r) => r.try_get("", "n")?,
        None => 0,
    };
    Ok(u64::try_from(n).unwrap_or(0))
}

/// Moves the waiting deltas into the totals (PostgreSQL; nothing to do on SQLite): one
/// statement deletes them and adds their sums per key in key order. Under a transaction
/// advisory lock taken without waiting: a fold already running elsewhere makes this one a no-op
/// (two folds never lock the same totals against each other). Run it in a transaction of its
/// own; the number of keys folded.
pub(crate) async fn fold(c: &impl Conn, k: &Kept) -> Result<u64> {
    if c.get_database_backend() != DbBackend::Postgres {
        return Ok(0);
    }
    let got = c
        .query_one_raw(pg(format!(
            "SELECT pg_try_advisory_xact_lock({}) AS got",
            k.lock
        )))
        .await?;
    let got: bool = match got {
        Some(r) => r.try_get("", "got")?,
        None => false,
    };
    if !got {
        return Ok(0);
    }
    let key = k.key;
    let summed: Vec<String> = k
        .sums
        .iter()
        .map(|s| format!("CAST(SUM({s}) AS BIGINT)"))
        .collect();
    let added: Vec<String> = k
        .sums
        .iter()
        .map(|s| format!("{s} = t.{s} + EXCLUDED.{s}"))
        .collect();
    let n = c
        .execute_raw(pg(format!(
            "WITH moved AS (DELETE FROM {deltas} RETURNING *) \
             INSERT INTO {totals} AS t ({key}, {sums}) \
             SELECT {key}, {summed} FROM moved GROUP BY {key} ORDER BY {key} \
             ON CONFLICT ({key}) DO UPDATE SET {added}",
            deltas = k.deltas,
            totals = k.totals,
            sums = k.sums.join(", "),
            summed = summed.join(", "),
            added = added.join(", "),
        )))
        .await?
        .rows_affected();
    Ok(n)
}
