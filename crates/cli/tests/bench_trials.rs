//! `salesdesk bench intake` and `salesdesk bench jobs` at tiny sizes: they run to the end
//! against real `serve` processes and report their rows; the jobs benchmark finds every job run
//! exactly once. No speed is asserted (this machine's timings mean nothing in a test).

use std::process::Command;

async fn salesdesk(url: &str, args: &[&str]) -> (bool, String, String) {
    let (url, args): (String, Vec<String>) =
        (url.into(), args.iter().map(|a| a.to_string()).collect());
    let out = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_salesdesk"))
            .arg("--database-url")
            .arg(&url)
            .args(&args)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn bench_jobs_runs_every_job_once_with_two_processes_on_postgresql_one_on_sqlite() {
    let db = salesdesk_test_support::TestDb::new().await;
    let processes = if db.is_postgres() { "2" } else { "1" };
    let (ok, out, err) = salesdesk(
        &db.url,
        &["bench", "jobs", "--jobs", "300", "--processes", processes],
    )
    .await;
    assert!(ok, "{out}\n{err}");
    let row = out
        .lines()
        .find(|l| l.starts_with("| SQLite |") || l.starts_with("| PostgreSQL |"))
        .unwrap_or_else(|| panic!("no result row in:\n{out}"));
    assert!(row.contains("| 300 / 300 | yes |"), "{row}");
}

#[tokio::test]
async fn bench_intake_reports_applications_per_second_and_restores_the_key_limit() {
    let db = salesdesk_test_support::TestDb::new().await;
    let (ok, out, err) = salesdesk(
        &db.url,
        &[
            "bench",
            "intake",
            "--customers",
            "300",
            "--contacts",
            "300",
            "--records",
            "300",
            "--salespeople",
            "2",
            "--clients",
            "2",
            "--seconds",
            "1",
        ],
    )
    .await;
    assert!(ok, "{out}\n{err}");
    let row = out
        .lines()
        .find(|l| l.contains(", 2 clients |"))
        .unwrap_or_else(|| panic!("no result row in:\n{out}"));
    let applications: u64 = row
        .split('|')
        .nth(2)
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no count in {row:?}"));
    assert!(applications > 0, "{row}");
    // The run's limit was put back: the administrator's setting is as before.
    let app = salesdesk_app::App::new(
        salesdesk_app::Db::connect(&db.url).await.unwrap(),
        salesdesk_app::AppConfig::default(),
    );
    let s = salesdesk_app::trials::settings(&app).await.unwrap();
    assert_eq!(s, salesdesk_app::trials::TrialSettings::default());
}
