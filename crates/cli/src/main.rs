//! `salesdesk`: the one binary. `serve` runs the web server; the other subcommands administer
//! the database without it (migrations, first administrator, demo data, the OpenAPI document).

mod bench;
mod bench_bare;
mod bench_calendar;
mod bench_deals;
mod bench_expenses;
mod bench_http;
mod bench_import;
mod bench_intake;
mod bench_jobs;
mod config;
mod generate;
mod io;

use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use salesdesk_app::{App, Db, demo, people};
use tokio::net::TcpListener;

use config::{Config, Overrides};

/// mimalloc instead of glibc's malloc: page rendering allocates many small strings, and the
/// people page served 16.7k req/s with glibc against more with mimalloc (BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "salesdesk",
    version,
    about = "Sales-department management: CRM plus the department's own rules"
)]
struct Cli {
    /// Configuration file (default: ./salesdesk.toml when present).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Database: sqlite://PATH or postgres://… (default sqlite://salesdesk.db).
    #[arg(long, global = true)]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (applies pending migrations first).
    Serve {
        /// Address to listen on (default 127.0.0.1:8080).
        #[arg(long)]
        addr: Option<String>,
        /// Fill an empty database with the demo company first.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations and exit. Refuses a database that a newer salesdesk
    /// has migrated.
    Migrate {
        /// Print the migrations that would run, and change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Take a consistent backup while the server runs: SQLite → a `.tar.gz` (database copy and
    /// manifest) with a `.sha256` beside it; PostgreSQL → `pg_dump -Fc`. The name carries the
    /// time and the schema version, e.g. salesdesk-20261129T183005Z-m0013.tar.gz.
    Backup {
        /// File to write, or a directory for the default name (default: current directory).
        #[arg(long)]
        to: Option<PathBuf>,
    },
    /// Restore a backup over the database after checking its checksum. Refuses a database that
    /// is in use (a running server) unless --force.
    Restore {
        file: PathBuf,
        /// Restore even though another process has the database open.
        #[arg(long)]
        force: bool,
    },
    /// Manage people from the command line.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Fill an empty database with the demo company.
    Demo,
    /// Print the OpenAPI document of the JSON API.
    Openapi,
    /// Import or export customers.
    Customers {
        #[command(subcommand)]
        command: CustomersCommand,
    },
    /// Fill a database without customers with a large generated dataset (the demo company first
    /// when it is empty), the same for the same seed. For benchmarks; no audit row per record.
    /// With --trials or --deals on a database that has customers: only those over them.
    Gen {
        #[arg(long, default_value_t = 1_000_000)]
        customers: u64,
        #[arg(long, default_value_t = 2_000_000)]
        contacts: u64,
        /// Contact records (联系记录), spread over the two years before --as-of.
        #[arg(long, default_value_t = 5_000_000)]
        records: u64,
        /// Salespeople to add in the demo regions (logins gen<seed>.0001 …, demo password).
        #[arg(long, default_value_t = 200)]
        salespeople: u64,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Last day of the generated history, YYYY-MM-DD (default: today, UTC).
        #[arg(long)]
        as_of: Option<String>,
        /// Trial applications (issue 12) in every state, one per customer, dated back from now;
        /// after the customers, or alone on a database that has customers already.
        #[arg(long, default_value_t = 0)]
        trials: u64,
        /// Deals (issue 13) on the owned potential customers, in every stage; after the
        /// customers (and trials), or alone on a database that has customers already.
        #[arg(long, default_value_t = 0)]
        deals: u64,
        /// Quotations (issue 13) on the deals: versions in every state; after the deals, or
        /// alone on a database that has deals already.
        #[arg(long, default_value_t = 0)]
        quotes: u64,
        /// Contracts (issue 13) on the owned signed customers, with lines, invoices, payment
        /// plans and payments (about three per contract); after the customers (and deals), or
        /// alone on a database that has customers already.
        #[arg(long, default_value_t = 0)]
        contracts: u64,
        /// Business expense claims (issue 14) by the salespeople over the year before
        /// `--as-of`, with their approval steps, and budgets for every region and period; after
        /// the organisation, or alone on a database that has it already.
        #[arg(long, default_value_t = 0)]
        expenses: u64,
    },
    /// Benchmarks: server time of pages in-process (`customers`), latency during an import
    /// (`import`), the operations of issue 11 over HTTP (`http`), the business calendar's
    /// arithmetic (`calendar`), trial intake over HTTP (`intake`), the jobs runner (`jobs`).
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
}

#[derive(Subcommand)]
enum CustomersCommand {
    /// Import customers from a CSV (UTF-8 or GBK) or XLSX file, as a person (their scope and
    /// rights apply). Nothing is imported when a row is refused, unless --valid-only.
    Import {
        file: PathBuf,
        /// Login of the person importing (owner of what they import, if staff).
        #[arg(long = "as")]
        as_login: String,
        /// Import the valid rows even though some are refused.
        #[arg(long)]
        valid_only: bool,
        /// Field of each column, comma-separated (`name,,city,owner`; empty skips a column).
        /// Default: guessed from the headers.
        #[arg(long)]
        mapping: Option<String>,
        /// Write the refused rows and their reasons to this CSV file.
        #[arg(long)]
        report: Option<PathBuf>,
    },
    /// Export the customers a person sees (with the list's filters) as CSV or XLSX.
    Export {
        /// Login of the person exporting (their scope applies).
        #[arg(long = "as")]
        as_login: String,
        /// `csv` (UTF-8 with BOM) or `xlsx`.
        #[arg(long, default_value = "csv")]
        format: String,
        /// Status code (lead, basic, potential, signed, invalid).
        #[arg(long)]
        status: Option<String>,
        /// Substring of the name.
        #[arg(long)]
        q: Option<String>,
        #[arg(long)]
        region_id: Option<i64>,
        #[arg(long)]
        owner_id: Option<i64>,
        /// Output file (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum BenchCommand {
    /// A bare HTTP handler answering every GET with a file's bytes as JSON (no middleware, no
    /// database): the floor of an endpoint that returns that answer, under the same load
    /// generator (issue 11). Runs until Ctrl-C.
    Bare {
        /// The answer's bytes (e.g. a saved `GET /api/v1/customers?status=potential`).
        #[arg(long)]
        file: PathBuf,
        #[arg(long, default_value = "127.0.0.1:8090")]
        addr: String,
    },
    /// The business calendar's deadline arithmetic across a year of holidays, in process
    /// (ns/µs per call; no database).
    Calendar {
        /// Calls per timed round.
        #[arg(long, default_value_t = 100_000)]
        calls: usize,
    },
    /// Customer list, search and 360 page as VP, regional manager and account manager.
    Customers {
        /// Requests per measured page (a tenth more run first, uncounted, to warm up).
        #[arg(long, default_value_t = 500)]
        requests: usize,
    },
    /// Issue 13's reports on a database made by `gen --deals N --contracts N`: receivables
    /// ageing company-wide (VP) and for one region (its manager), the pipeline board of a
    /// regional manager and the department's forecast (VP).
    Deals {
        /// Requests per measured page (a tenth more run first, uncounted, to warm up).
        #[arg(long, default_value_t = 500)]
        requests: usize,
    },
    /// Issue 14's expense pages on a database made by `gen --expenses N`: the director's
    /// budget-vs-spend page for every region and a year, a regional manager's, the claim lists.
    Expenses {
        /// Requests per measured page (a tenth more run first, uncounted, to warm up).
        #[arg(long, default_value_t = 500)]
        requests: usize,
        /// The year measured (the one `gen --as-of` ends in).
        #[arg(long, default_value_t = 2026)]
        year: i32,
    },
    /// Logins and customer creates over HTTP while an import of --rows runs, against the same
    /// load without an import; on a database without customers (the demo company is loaded).
    Import {
        /// Rows of the generated file.
        #[arg(long, default_value_t = 200_000)]
        rows: usize,
        /// Login loops, and as many create loops.
        #[arg(long, default_value_t = 2)]
        clients: usize,
        /// Milliseconds between two requests of one loop.
        #[arg(long, default_value_t = 100)]
        interval_ms: u64,
        /// Seconds of load without an import, first.
        #[arg(long, default_value_t = 10)]
        baseline_secs: u64,
    },
    /// Imports --rows customers, then a signed contract on each and a payment on each, as the
    /// VP, and times the contracts and payments imports; on a database without customers.
    SalesImport {
        /// Customers, contracts and payments of the generated files.
        #[arg(long, default_value_t = 10_000)]
        rows: usize,
    },
    /// The operations of issue 11 over loopback HTTP against a `serve` process: single-client
    /// p50/p95/p99, the filtered list's throughput with concurrent clients, statements per
    /// operation, and memory (PSS) of the server and its PostgreSQL backends. Generates the
    /// dataset first when the database has no customers.
    Http {
        /// Customers to generate (only when the database has none).
        #[arg(long, default_value_t = 50_000)]
        customers: u64,
        #[arg(long, default_value_t = 100_000)]
        contacts: u64,
        #[arg(long, default_value_t = 100_000)]
        records: u64,
        #[arg(long, default_value_t = 10)]
        salespeople: u64,
        /// Measured requests per operation (a tenth more run first, uncounted).
        #[arg(long, default_value_t = 1000)]
        requests: usize,
        /// Seconds of the throughput run.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Concurrent clients of the throughput run.
        #[arg(long, default_value_t = 8)]
        clients: usize,
        /// Measure a server already running on this database (http://HOST:PORT) instead of
        /// starting one; statements per operation need its metrics token
        /// (`SALESDESK_METRICS_TOKEN`), memory its --server-pid.
        #[arg(long)]
        url: Option<String>,
        #[arg(long, requires = "url")]
        server_pid: Option<u32>,
    },
    /// Trial applications to `POST /api/v1/intake/trials` from concurrent clients against a
    /// `serve` process (matching, routing, deadline, jobs, audit): applications/s and
    /// p50/p95/p99. Issues its own intake key and raises the per-key limit setting for the run
    /// (restored afterwards). Generates the dataset first when the database has no customers.
    Intake {
        /// Customers to generate (only when the database has none).
        #[arg(long, default_value_t = 50_000)]
        customers: u64,
        #[arg(long, default_value_t = 100_000)]
        contacts: u64,
        #[arg(long, default_value_t = 100_000)]
        records: u64,
        #[arg(long, default_value_t = 10)]
        salespeople: u64,
        /// Concurrent clients.
        #[arg(long, default_value_t = 16)]
        clients: usize,
        /// Seconds measured (a tenth more first, uncounted).
        #[arg(long, default_value_t = 10)]
        seconds: u64,
    },
    /// Enqueues --jobs due jobs of the `bench` kind while --processes `serve` processes run,
    /// and measures the time until all ran; checks that each ran exactly once.
    Jobs {
        #[arg(long, default_value_t = 10_000)]
        jobs: u64,
        #[arg(long, default_value_t = 2)]
        processes: usize,
        /// Give up after this many seconds.
        #[arg(long, default_value_t = 300)]
        timeout_secs: u64,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a person; without --position, an administrator.
    Add {
        #[arg(long)]
        login: String,
        /// Display name (e.g. 王磊).
        #[arg(long)]
        name: String,
        /// Position code (sales_vp, sales_director, regional_manager, account_manager, …).
        #[arg(long)]
        position: Option<String>,
        /// Make the person an administrator (default when no position is given).
        #[arg(long)]
        admin: bool,
        /// Region id (required for regional positions).
        #[arg(long)]
        region_id: Option<i64>,
        /// The first password (prefer --password-stdin; this shows in the shell history).
        #[arg(long, conflicts_with = "password_stdin")]
        password: Option<String>,
        /// Read the first password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
}

/// Logs go to standard error, filtered by `RUST_LOG` (`info,salesdesk_web::metrics=debug`:
/// a default level and levels per module; span and field filters are not supported).
fn init_logging(format: &str) {
    use tracing_subscriber::filter::Targets;
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    const DEFAULT: &str = "info,sqlx=warn,sea_orm=warn";
    let (filter, bad) = match std::env::var("RUST_LOG") {
        Ok(v) if !v.trim().is_empty() => match v.parse::<Targets>() {
            Ok(t) => (t, None),
            Err(e) => (
                DEFAULT.parse().expect("the default filter parses"),
                Some((v, e)),
            ),
        },
        _ => (DEFAULT.parse().expect("the default filter parses"), None),
    };
    let b = tracing_subscriber::fmt();
    if format == "json" {
        b.json().finish().with(filter).init();
    } else {
        b.finish().with(filter).init();
    }
    if let Some((v, e)) = bad {
        tracing::warn!(rust_log = %v, error = %e, "RUST_LOG is not understood; logging at info");
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let addr = match &cli.command {
        Command::Serve { addr, .. } => addr.clone(),
        _ => None,
    };
    let overrides = Overrides {
        addr,
        database_url: cli.database_url.clone(),
    };
    let cfg = match Config::load(cli.config.as_deref(), &overrides) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    init_logging(&cfg.log_format);
    for (old, new) in cfg.old_names_in_use() {
        tracing::warn!(
            setting = old,
            now = new,
            "an old login setting name is read as its new one"
        );
    }
    match run(cli.command, cfg).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn connect(cfg: &Config) -> Result<App, String> {
    let db = Db::connect(&cfg.database_url).await.map_err(|e| {
        format!(
            "cannot open the database {}: {e}",
            salesdesk_store::redact_url(&cfg.database_url)
        )
    })?;
    Ok(App::new(db, cfg.app()))
}

async fn run(command: Command, cfg: Config) -> Result<(), String> {
    if matches!(command, Command::Bench { .. }) {
        // Figures of a quick `--release` build are not those of BENCHMARKS.md: say which it is.
        eprintln!("salesdesk bench: {}", bench::build_kind());
    }
    match command {
        Command::Openapi => {
            println!("{}", salesdesk_web::openapi_json());
            Ok(())
        }
        Command::Migrate { dry_run: true } => {
            let app = connect(&cfg).await?;
            app.db.check_not_newer().await.map_err(|e| e.to_string())?;
            let pending = app
                .db
                .pending_migration_names()
                .await
                .map_err(|e| e.to_string())?;
            let current = app.db.schema_version().await.map_err(|e| e.to_string())?;
            println!(
                "schema version: {}",
                current.as_deref().unwrap_or("none (new database)")
            );
            if pending.is_empty() {
                println!("nothing to apply; the database is up to date");
            } else {
                println!("would apply {} migration(s):", pending.len());
                for m in &pending {
                    println!("  {m}");
                }
            }
            Ok(())
        }
        Command::Backup { to } => {
            let app = connect(&cfg).await?;
            let files = cfg.attachments_dir();
            let w =
                salesdesk_app::backup::backup(&app.db, &cfg.database_url, &files, to.as_deref())
                    .await
                    .map_err(|e| e.to_string())?;
            let attachments = format!(
                "{} attachment(s) of {}",
                w.attachments.files,
                files.display()
            );
            println!(
                "backup written: {} ({} bytes, schema {}, {attachments}, sha256 {}; checksum in {})",
                w.path.display(),
                w.bytes,
                w.schema,
                w.sha256,
                w.checksum_path.display()
            );
            Ok(())
        }
        Command::Restore { file, force } => {
            let files = cfg.attachments_dir();
            let r = salesdesk_app::backup::restore(&cfg.database_url, &file, &files, force)
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "restored {} (schema {}, {} attachment(s) into {}{}); `salesdesk serve` applies any newer migrations",
                file.display(),
                r.schema,
                r.attachments,
                files.display(),
                if r.checksum_file {
                    ", checksum verified"
                } else {
                    "; no .sha256 beside it, the manifest checksum was verified"
                }
            );
            Ok(())
        }
        Command::Migrate { dry_run: false } => {
            let app = connect(&cfg).await?;
            let pending = app
                .db
                .pending_migrations()
                .await
                .map_err(|e| e.to_string())?;
            app.db.migrate().await.map_err(|e| e.to_string())?;
            println!("applied {pending} migration(s); the database is up to date");
            Ok(())
        }
        Command::Demo => {
            let app = connect(&cfg).await?;
            app.db.migrate().await.map_err(|e| e.to_string())?;
            if demo::seed(&app).await.map_err(|e| e.to_string())? {
                println!(
                    "demo company created; every demo login's password is {}",
                    demo::DEMO_PASSWORD
                );
                Ok(())
            } else {
                Err("the database already has people; the demo company is only loaded into an empty database".into())
            }
        }
        Command::User {
            command:
                UserCommand::Add {
                    login,
                    name,
                    position,
                    admin,
                    region_id,
                    password,
                    password_stdin,
                },
        } => {
            let password = match (password, password_stdin) {
                (Some(p), _) => p,
                (None, true) => {
                    let mut line = String::new();
                    std::io::stdin()
                        .lock()
                        .read_line(&mut line)
                        .map_err(|e| e.to_string())?;
                    line.trim_end_matches(['\r', '\n']).to_string()
                }
                (None, false) => {
                    return Err(
                        "give the first password with --password-stdin (or --password)".into(),
                    );
                }
            };
            let app = connect(&cfg).await?;
            app.db.migrate().await.map_err(|e| e.to_string())?;
            let input = people::PersonInput {
                is_admin: admin || position.is_none(),
                login,
                display_name: name,
                position: position.unwrap_or_default(),
                region_id,
                active: true,
                locale: "zh-CN".into(),
                password,
                ..Default::default()
            };
            match people::add_from_cli(&app, &input).await {
                Ok(p) => {
                    println!(
                        "created {} ({}), id {}; they must change the password at first login",
                        p.login, p.display_name, p.id
                    );
                    Ok(())
                }
                Err(
                    salesdesk_app::AppError::Validation(errs)
                    | salesdesk_app::AppError::Conflict(errs),
                ) => Err(errs
                    .0
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.code))
                    .collect::<Vec<_>>()
                    .join("; ")),
                Err(e) => Err(e.to_string()),
            }
        }
        Command::Serve {
            demo: with_demo, ..
        } => serve(cfg, with_demo).await,
        Command::Customers { command } => {
            let app = connect(&cfg).await?;
            app.db.migrate().await.map_err(|e| e.to_string())?;
            io::run(&app, command).await
        }
        Command::Gen {
            customers,
            contacts,
            records,
            salespeople,
            seed,
            as_of,
            trials,
            deals,
            quotes,
            contracts,
            expenses,
        } => {
            let as_of = match as_of {
                Some(d) => chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d")
                    .map_err(|_| format!("--as-of {d:?}: expected YYYY-MM-DD"))?,
                None => chrono::Utc::now().date_naive(),
            };
            let app = connect(&cfg).await?;
            app.db.migrate().await.map_err(|e| e.to_string())?;
            let has_customers = salesdesk_store::bulk::max_id(app.db.read(), "customers")
                .await
                .map_err(|e| e.to_string())?
                > 0;
            let extras = generate::Extras {
                trials,
                deals,
                quotes,
                contracts,
                expenses,
                seed,
                as_of,
            };
            if extras.any() && has_customers {
                return generate::run_extras(&app, extras).await;
            }
            let o = salesdesk_app::datagen::GenOptions {
                customers,
                contacts,
                records,
                salespeople,
                seed,
                as_of,
            };
            let (r, secs) = generate::run(&app, &o).await?;
            println!(
                "generated {} customers, {} contacts, {} contact records and {} salespeople in {secs:.1} s (seed {seed}, as of {as_of})",
                r.customers, r.contacts, r.records, r.salespeople
            );
            generate::run_extras(&app, extras).await
        }
        Command::Bench {
            command: BenchCommand::Calendar { calls },
        } => bench_calendar::run(calls.max(1)),
        Command::Bench {
            command: BenchCommand::Bare { file, addr },
        } => bench_bare::run(&addr, &file).await,
        Command::Bench {
            command: BenchCommand::Customers { requests },
        } => {
            let (app, engine) = bench_app(&cfg).await?;
            bench::customers(app, cfg.web(), requests.max(1), engine).await
        }
        Command::Bench {
            command: BenchCommand::Deals { requests },
        } => {
            let (app, engine) = bench_app(&cfg).await?;
            bench_deals::run(app, cfg.web(), requests.max(1), engine).await
        }
        Command::Bench {
            command: BenchCommand::Expenses { requests, year },
        } => {
            let (app, engine) = bench_app(&cfg).await?;
            bench_expenses::run(app, cfg.web(), requests.max(1), engine, year).await
        }
        Command::Bench {
            command:
                BenchCommand::Import {
                    rows,
                    clients,
                    interval_ms,
                    baseline_secs,
                },
        } => {
            let (app, engine) = bench_app(&cfg).await?;
            let opts = bench_import::Options {
                rows: rows.max(1),
                clients: clients.max(1),
                interval: std::time::Duration::from_millis(interval_ms.max(1)),
                baseline: std::time::Duration::from_secs(baseline_secs),
            };
            bench_import::run(app, cfg.web(), engine, opts).await
        }
        Command::Bench {
            command: BenchCommand::SalesImport { rows },
        } => {
            let (app, engine) = bench_app(&cfg).await?;
            bench_import::run_sales(app, engine, rows.max(1)).await
        }
        Command::Bench {
            command:
                BenchCommand::Http {
                    customers,
                    contacts,
                    records,
                    salespeople,
                    requests,
                    seconds,
                    clients,
                    url,
                    server_pid,
                },
        } => {
            let (app, engine) = bench_app(&cfg).await?;
            let opts = bench_http::Options {
                dataset: salesdesk_app::datagen::GenOptions {
                    customers,
                    contacts,
                    records,
                    salespeople,
                    seed: 42,
                    as_of: chrono::Utc::now().date_naive(),
                },
                requests: requests.max(1),
                seconds: seconds.max(1),
                clients: clients.max(1),
                url,
                server_pid,
                metrics_token: Some(cfg.metrics_token.clone()).filter(|t| !t.is_empty()),
            };
            bench_http::run(app, &cfg.database_url, engine, opts).await
        }
        Command::Bench {
            command:
                BenchCommand::Intake {
                    customers,
                    contacts,
                    records,
                    salespeople,
                    clients,
                    seconds,
                },
        } => {
            let (app, engine) = bench_app(&cfg).await?;
            let opts = bench_intake::Options {
                dataset: salesdesk_app::datagen::GenOptions {
                    customers,
                    contacts,
                    records,
                    salespeople,
                    seed: 42,
                    as_of: chrono::Utc::now().date_naive(),
                },
                clients: clients.max(1),
                seconds: seconds.max(1),
            };
            bench_intake::run(app, &cfg.database_url, engine, opts).await
        }
        Command::Bench {
            command:
                BenchCommand::Jobs {
                    jobs,
                    processes,
                    timeout_secs,
                },
        } => {
            let (app, engine) = bench_app(&cfg).await?;
            let opts = bench_jobs::Options {
                jobs: jobs.max(1),
                processes: processes.max(1),
                timeout: std::time::Duration::from_secs(timeout_secs.max(1)),
            };
            bench_jobs::run(app, &cfg.database_url, engine, opts).await
        }
    }
}

/// The migrated database a benchmark runs on, and its engine's name.
async fn bench_app(cfg: &Config) -> Result<(salesdesk_app::App, &'static str), String> {
    let app = connect(cfg).await?;
    app.db.migrate().await.map_err(|e| e.to_string())?;
    let engine = match app.db.engine() {
        salesdesk_app::Engine::Sqlite => "SQLite",
        salesdesk_app::Engine::Postgres => "PostgreSQL",
    };
    Ok((app, engine))
}

async fn serve(cfg: Config, with_demo: bool) -> Result<(), String> {
    let started = std::time::Instant::now();
    let app = connect(&cfg).await?;
    app.db
        .migrate()
        .await
        .map_err(|e| format!("migrations failed: {e}"))?;
    salesdesk_app::import::reap_interrupted(&app)
        .await
        .map_err(|e| e.to_string())?;
    let attachments = salesdesk_app::attachments::Attachments::new(cfg.attachments_dir());
    attachments.ensure().map_err(|e| {
        format!(
            "cannot create the attachments directory {} (setting attachments_dir): {e}",
            attachments.root().display()
        )
    })?;
    let seeded = if with_demo {
        demo::seed(&app).await.map_err(|e| e.to_string())?
    } else {
        false
    };
    // Each connection is a file handle: a soft limit of 1024 would refuse clients long before
    // max_connections. The hard limit is what the administrator allows; take it.
    salesdesk_web::raise_open_file_limit();
    let listener = TcpListener::bind(&cfg.addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", cfg.addr))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    tracing::info!(config = ?cfg, elapsed_ms = started.elapsed().as_millis() as u64, "salesdesk listening on http://{local}");
    println!();
    println!("  salesdesk is running: open http://{local}/");
    if with_demo {
        if seeded {
            println!("  demo company loaded.");
        }
        println!(
            "  log in as admin, vp, director, north.manager, north.am1 … with password {}",
            demo::DEMO_PASSWORD
        );
        println!("  (README.md lists every demo login)");
    } else if people::count(&app).await.unwrap_or(0) == 0 {
        println!("  the database is empty: create the first administrator with");
        println!("    salesdesk user add --login admin --name 管理员 --password-stdin");
        println!("  or start with --demo for a demo company");
    }
    println!("  stop with Ctrl-C");
    println!();

    // Housekeeping: expired sessions, old login failures, (with the public pool on) idle
    // customers back to their region's pool, and archived customers past the retention deleted
    // for good. Idempotent, so several processes on one PostgreSQL may all run it.
    let hk = app.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
        loop {
            tick.tick().await;
            // One log line per background run (docs/ARCHITECTURE.md, "Metrics and logs").
            let started = std::time::Instant::now();
            let purged = salesdesk_app::auth::housekeeping(&hk).await;
            let swept = salesdesk_app::pool::sweep(&hk).await;
            let deleted = salesdesk_app::archive::purge(&hk).await;
            let elapsed_ms = started.elapsed().as_millis() as u64;
            match (purged, swept, deleted) {
                (Ok((sessions, failures)), Ok(moved), Ok(archived_deleted)) => tracing::info!(
                    job = "housekeeping",
                    outcome = "ok",
                    elapsed_ms,
                    sessions,
                    failures,
                    moved,
                    archived_deleted,
                    "background run"
                ),
                (purged, swept, deleted) => tracing::warn!(
                    job = "housekeeping",
                    outcome = "failed",
                    elapsed_ms,
                    purge_error = purged.err().map(|e| e.to_string()),
                    sweep_error = swept.err().map(|e| e.to_string()),
                    archive_error = deleted.err().map(|e| e.to_string()),
                    "background run"
                ),
            }
        }
    });

    // Import runs of stopped processes (their lease ran out) are taken over, their rows removed
    // and shown as interrupted within seconds, here or in any other process on the database.
    let reaper = app.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(reaper.config.import_lease / 3);
        loop {
            tick.tick().await;
            if let Err(e) = salesdesk_app::import::reap_interrupted(&reaper).await {
                tracing::warn!(error = %e, "taking over interrupted imports failed");
            }
        }
    });

    // The jobs runner (scheduled backups; later trials' escalations, reminders, mail): every
    // process runs one; jobs are claimed in the database, so each runs once. On shutdown it
    // stops claiming and finishes the job in hand before the process exits.
    let (stop_jobs, stop_rx) = tokio::sync::watch::channel(false);
    let runner =
        salesdesk_app::jobs::Runner::new(app.clone(), salesdesk_app::jobs::Registry::standard());
    let jobs = tokio::spawn(runner.run_until(stop_rx));

    let web = cfg.web();
    let counted = app.clone();
    let served = salesdesk_web::serve(listener, app, web, shutdown_signal()).await;
    // The intake's rate counts and key uses this process has not written yet.
    if let Err(e) = salesdesk_app::meter::flush(&counted).await {
        tracing::warn!(error = %e, "writing the intake's counts at shutdown failed");
    }
    let _ = stop_jobs.send(true);
    // A job longer than this is left to its lease: another process (or the next start) retries it.
    if tokio::time::timeout(std::time::Duration::from_secs(20), jobs)
        .await
        .is_err()
    {
        tracing::warn!("a job was still running at shutdown; it will be retried after its lease");
    }
    served.map_err(|e| e.to_string())?;
    tracing::info!("stopped");
    Ok(())
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM; the server then finishes requests in flight.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
