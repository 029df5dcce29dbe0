//! `salesdesk bench http` on a small generated database: it runs to the end and reports every
//! operation of issue 11's table with its statements, and the memory rows. No latency is
//! asserted (this machine's timings mean nothing in a test).

use std::process::Command;

#[tokio::test]
async fn bench_http_reports_every_operation_with_its_statements_and_the_memory() {
    let db = salesdesk_test_support::TestDb::new().await;
    let url = db.url.clone();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_salesdesk"))
            .arg("--database-url")
            .arg(&url)
            .args(["bench", "http", "--customers", "2000", "--contacts", "2000"])
            .args([
                "--records",
                "2000",
                "--salespeople",
                "2",
                "--requests",
                "10",
            ])
            .args(["--seconds", "1", "--clients", "2"])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for op in [
        "filtered list, 50 rows",
        "list as the UI loads it",
        "name search, 2 characters",
        "name search, 4 characters",
        "one company + its contacts (2 calls)",
        "create one company",
        "throughput of the filtered list, 2 clients",
        "server process: PSS",
    ] {
        assert!(text.contains(op), "{op} missing in:\n{text}");
    }
    // Statements per operation come from the server's own counter: a list runs at least one.
    let row = text
        .lines()
        .find(|l| l.starts_with("| filtered list, 50 rows"))
        .unwrap();
    let statements: f64 = row
        .trim_end_matches(" |")
        .rsplit("| ")
        .next()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no statement count in {row:?}"));
    assert!(statements >= 1.0, "{row}");
    if db.is_postgres() {
        let backends = text
            .lines()
            .find(|l| l.contains("its PostgreSQL backends ("))
            .unwrap_or_else(|| panic!("no PostgreSQL backends row in:\n{text}"));
        assert!(!backends.contains("backends (0)"), "{backends}");
    }
}
