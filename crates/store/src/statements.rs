//! Counting the SQL statements this process runs, through sea-orm's metric callback on every
//! pool: in total (`/metrics`, and `salesdesk bench http` for statements per request) and per
//! request (the web layer wraps each request in [`counted`] and logs the figures at debug
//! level), so that "how many round trips does this page cost" is a number, not a guess.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

static TOTAL: AtomicU64 = AtomicU64::new(0);

/// Statements and the time spent in them, within one [`counted`] future.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub statements: u32,
    pub db_time: Duration,
}

tokio::task_local! {
    static IN_TASK: Cell<Tally>;
}

/// The metric callback set on every pool of [`crate::Db`]. Runs in the task that awaited the
/// query, so a request's statements land in that request's tally.
pub(crate) fn observe(info: &sea_orm::metric::Info<'_>) {
    TOTAL.fetch_add(1, Ordering::Relaxed);
    // Each statement's text at trace level: `RUST_LOG=salesdesk_store::statements=trace`.
    tracing::trace!(
        elapsed_us = info.elapsed.as_micros() as u64,
        sql = %info.statement.sql,
        "statement"
    );
    let _ = IN_TASK.try_with(|t| {
        let mut v = t.get();
        v.statements += 1;
        v.db_time += info.elapsed;
        t.set(v);
    });
}

/// Statements run by this process since it started (every pool, every task).
pub fn total() -> u64 {
    TOTAL.load(Ordering::Relaxed)
}

/// Runs `f` and returns its output with the statements it ran (in this task; a task it spawns
/// counts only in [`total`]).
pub async fn counted<F: Future>(f: F) -> (F::Output, Tally) {
    IN_TASK
        .scope(Cell::new(Tally::default()), async {
            let out = f.await;
            (out, IN_TASK.with(Cell::get))
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_tally_counts_the_statements_of_its_own_task_only() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let db = crate::Db::connect(&url).await.unwrap();
        let before = total();
        // On a new database this asks one question: is there a migrations table? (No.)
        let (applied, tally) = counted(db.applied_migrations()).await;
        assert!(applied.unwrap().is_empty());
        assert_eq!(tally.statements, 1);
        // A statement of another task is in the process's total, not in this tally.
        let other = db.clone();
        let (_, outside) = counted(async move {
            tokio::spawn(async move { other.applied_migrations().await.map(|_| ()) })
                .await
                .unwrap()
        })
        .await;
        assert_eq!(outside.statements, 0);
        assert!(total() >= before + 2);
    }
}
