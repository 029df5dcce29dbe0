//! `salesdesk bench http`: the operations of issue 11's table measured over loopback HTTP, as a
//! client sees them, against a real `salesdesk serve` process (started by the benchmark on
//! `127.0.0.1:0`, or one given with `--url`): single-client p50/p95/p99 of each operation, the
//! filtered list's throughput with concurrent clients, statements per operation (from the
//! server's `/metrics`), and the memory (PSS) of the server and of its PostgreSQL backends.
//! Prints Markdown for BENCHMARKS.md, with Odoo 17's figures of issue 11 beside ours.
//!
//! The client is a few lines of HTTP/1.1 over a kept-alive `TcpStream` (`Content-Length` and
//! chunked bodies): no HTTP client library is compiled into the binary for it.

use std::collections::HashSet;
use std::io::BufRead as _;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use salesdesk_app::App;

use crate::bench::{LONG, SHORT, url_encode};
use crate::bench_import::cn;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// Options of the benchmark.
#[derive(Debug, Clone)]
pub struct Options {
    /// The dataset `gen` makes when the database has no customers yet.
    pub dataset: salesdesk_app::datagen::GenOptions,
    /// Measured requests per operation (a tenth more run first, uncounted).
    pub requests: usize,
    /// Seconds of the throughput run.
    pub seconds: u64,
    /// Concurrent clients of the throughput run.
    pub clients: usize,
    /// A server already running (its database must be the one given), instead of starting one.
    pub url: Option<String>,
    /// That server's process id, for its memory.
    pub server_pid: Option<u32>,
    /// The metrics token of that server (statements per operation); one is made up for a
    /// server the benchmark starts.
    pub metrics_token: Option<String>,
}

/// One HTTP/1.1 connection, kept alive between requests (reopened if the server closes it).
pub(crate) struct Client {
    addr: SocketAddr,
    conn: Option<BufReader<TcpStream>>,
}

/// A response: status and body.
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) body: Vec<u8>,
}

fn io(e: std::io::Error) -> String {
    e.to_string()
}

impl Client {
    pub(crate) fn new(addr: SocketAddr) -> Client {
        Client { addr, conn: None }
    }

    pub(crate) async fn send(
        &mut self,
        method: &str,
        path: &str,
        headers: &str,
        body: &[u8],
    ) -> Result<Answer, String> {
        let conn = match &mut self.conn {
            Some(c) => c,
            None => {
                let s = TcpStream::connect(self.addr).await.map_err(io)?;
                s.set_nodelay(true).map_err(io)?;
                self.conn.insert(BufReader::new(s))
            }
        };
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\n{headers}Content-Length: {}\r\n\r\n",
            self.addr,
            body.len()
        );
        let mut out = head.into_bytes();
        out.extend_from_slice(body);
        conn.get_mut().write_all(&out).await.map_err(io)?;

        let mut line = String::new();
        conn.read_line(&mut line).await.map_err(io)?;
        let status = line
            .split(' ')
            .nth(1)
            .and_then(|c| c.parse().ok())
            .ok_or_else(|| format!("{method} {path}: no HTTP status in {line:?}"))?;
        let (mut length, mut chunked, mut close) = (None, false, false);
        loop {
            line.clear();
            conn.read_line(&mut line).await.map_err(io)?;
            let h = line.trim_end();
            if h.is_empty() {
                break;
            }
            let Some((name, value)) = h.split_once(':') else {
                continue;
            };
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                length = value.parse::<usize>().ok();
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                chunked = value.eq_ignore_ascii_case("chunked");
            } else if name.eq_ignore_ascii_case("connection") {
                close = value.eq_ignore_ascii_case("close");
            }
        }
        let mut body = Vec::new();
        if chunked {
            loop {
                line.clear();
                conn.read_line(&mut line).await.map_err(io)?;
                let size = usize::from_str_radix(line.trim().split(';').next().unwrap_or(""), 16)
                    .map_err(|_| format!("{method} {path}: bad chunk size {line:?}"))?;
                let at = body.len();
                body.resize(at + size + 2, 0);
                conn.read_exact(&mut body[at..]).await.map_err(io)?;
                body.truncate(at + size);
                if size == 0 {
                    break;
                }
            }
        } else if let Some(n) = length {
            body.resize(n, 0);
            conn.read_exact(&mut body).await.map_err(io)?;
        } else {
            conn.read_to_end(&mut body).await.map_err(io)?;
            close = true;
        }
        if close {
            self.conn = None;
        }
        Ok(Answer { status, body })
    }

    async fn get(&mut self, path: &str, token: &str) -> Result<Answer, String> {
        let auth = format!("Authorization: Bearer {token}\r\n");
        self.send("GET", path, &auth, b"").await
    }
}

/// An API session token for `login` (demo password).
async fn login(addr: SocketAddr, login: &str) -> Result<String, String> {
    let body = format!(
        "{{\"login\":\"{login}\",\"password\":\"{}\"}}",
        salesdesk_app::demo::DEMO_PASSWORD
    );
    let a = Client::new(addr)
        .send(
            "POST",
            "/api/v1/sessions",
            "Content-Type: application/json\r\n",
            body.as_bytes(),
        )
        .await?;
    let text = String::from_utf8_lossy(&a.body);
    let at = text
        .find("\"token\":\"")
        .filter(|_| a.status == 201)
        .ok_or_else(|| format!("login of {login} failed ({}): {text}", a.status))?;
    Ok(text[at + 9..].chars().take_while(|c| *c != '"').collect())
}

/// The server's `salesdesk_db_statements_total`, when its metrics are readable.
async fn statements(addr: SocketAddr, token: Option<&str>) -> Option<u64> {
    metric(addr, token?, "salesdesk_db_statements_total").await
}

/// One unlabelled counter of the server's `/metrics`.
pub(crate) async fn metric(addr: SocketAddr, token: &str, name: &str) -> Option<u64> {
    let a = Client::new(addr).get("/metrics", token).await.ok()?;
    let text = String::from_utf8_lossy(&a.body);
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
        .and_then(|v| v.trim().parse().ok())
}

pub(crate) fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

/// A request of an operation.
enum Req {
    Get(String),
    Post(String, String),
}

/// One operation of the table: its label, Odoo 17's p50 in ms (issue 11: the lowest and the
/// highest of its runs) and the requests of its `i`-th run.
struct Operation<'a> {
    label: &'a str,
    odoo_ms: (f64, f64),
    token: &'a str,
    requests: Box<dyn Fn(usize) -> Vec<Req> + 'a>,
}

/// Runs `requests` operations one after another on one connection (after a tenth as warm-up)
/// and prints their row; statements per operation from the server's counter.
async fn measure(
    addr: SocketAddr,
    metrics: Option<&str>,
    op: &Operation<'_>,
    n: usize,
) -> Result<f64, String> {
    let mut client = Client::new(addr);
    let warm = n / 10;
    // What one read of /metrics itself costs in statements, to take it out of the count.
    let metrics_cost = match (
        statements(addr, metrics).await,
        statements(addr, metrics).await,
    ) {
        (Some(a), Some(b)) => b.saturating_sub(a),
        _ => 0,
    };
    let mut ms = Vec::with_capacity(n);
    let mut before = None;
    for i in 0..warm + n {
        if i == warm {
            before = statements(addr, metrics).await;
        }
        let t = Instant::now();
        for r in (op.requests)(i) {
            let (path, a) = match &r {
                Req::Get(p) => (p, client.get(p, op.token).await?),
                Req::Post(p, body) => {
                    let headers = format!(
                        "Authorization: Bearer {}\r\nContent-Type: application/json\r\n",
                        op.token
                    );
                    (p, client.send("POST", p, &headers, body.as_bytes()).await?)
                }
            };
            if !(200..300).contains(&a.status) {
                return Err(format!(
                    "{path}: {}: {}",
                    a.status,
                    String::from_utf8_lossy(&a.body[..a.body.len().min(300)])
                ));
            }
        }
        if i >= warm {
            ms.push(t.elapsed().as_secs_f64() * 1000.0);
        }
    }
    let after = statements(addr, metrics).await;
    let per_op = match (before, after) {
        (Some(b), Some(a)) => format!(
            "{:.1}",
            a.saturating_sub(b).saturating_sub(metrics_cost) as f64 / n as f64
        ),
        _ => "—".into(),
    };
    ms.sort_by(f64::total_cmp);
    let p50 = pct(&ms, 0.5);
    println!(
        "| {} | {} | {:.2} | {:.2} | {:.2} | {} | {per_op} |",
        op.label,
        range(op.odoo_ms, 1),
        p50,
        pct(&ms, 0.95),
        pct(&ms, 0.99),
        ratio(op.odoo_ms, p50),
    );
    use std::io::Write;
    let _ = std::io::stdout().flush();
    Ok(p50)
}

fn range((lo, hi): (f64, f64), decimals: usize) -> String {
    if lo == hi {
        format!("{lo:.decimals$}")
    } else {
        format!("{lo:.decimals$}–{hi:.decimals$}")
    }
}

/// Odoo's time over ours (both ends of Odoo's range).
fn ratio((lo, hi): (f64, f64), ours: f64) -> String {
    format!("{}×", range((lo / ours, hi / ours), 1))
}

/// `clients` connections sending `path` back to back for `seconds`: requests per second and
/// the p50/p99 latency under that load.
async fn throughput(
    addr: SocketAddr,
    token: &str,
    path: &str,
    clients: usize,
    seconds: u64,
) -> Result<(f64, f64, f64, u64), String> {
    let until = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (token, path) = (token.to_string(), path.to_string());
        tasks.push(tokio::spawn(async move {
            let mut c = Client::new(addr);
            let mut ms = Vec::new();
            while Instant::now() < until {
                let t = Instant::now();
                let a = c.get(&path, &token).await?;
                if a.status != 200 {
                    return Err(format!("{path}: {} under load", a.status));
                }
                ms.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            Ok::<_, String>(ms)
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.map_err(|e| e.to_string())??);
    }
    let secs = started.elapsed().as_secs_f64();
    all.sort_by(f64::total_cmp);
    Ok((
        all.len() as f64 / secs,
        pct(&all, 0.5),
        pct(&all, 0.99),
        all.len() as u64,
    ))
}

/// A `kB` line of a `/proc/PID/…` file, in KiB.
fn proc_kib(pid: u32, file: &str, key: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/{file}")).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

/// The local TCP ports of the sockets process `pid` holds (its connections to PostgreSQL among
/// them): socket inodes from `/proc/PID/fd`, their ports from `/proc/PID/net/tcp{,6}`.
fn local_ports(pid: u32) -> HashSet<i32> {
    let inodes: HashSet<String> = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| std::fs::read_link(e.path()).ok())
        .filter_map(|l| {
            l.to_str()?
                .strip_prefix("socket:[")?
                .strip_suffix(']')
                .map(str::to_string)
        })
        .collect();
    let mut ports = HashSet::new();
    for table in ["tcp", "tcp6"] {
        let Ok(f) = std::fs::File::open(format!("/proc/{pid}/net/{table}")) else {
            continue;
        };
        for line in std::io::BufReader::new(f)
            .lines()
            .skip(1)
            .map_while(Result::ok)
        {
            let cols: Vec<&str> = line.split_whitespace().collect();
            if cols.len() > 9 && inodes.contains(cols[9]) {
                let port = cols[1].rsplit(':').next().unwrap_or("");
                if let Ok(p) = i32::from_str_radix(port, 16) {
                    ports.insert(p);
                }
            }
        }
    }
    ports
}

/// The `serve` process the benchmark started; stopped when dropped.
pub(crate) struct Server(pub(crate) Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `salesdesk serve` on 127.0.0.1:0 over `database_url` and waits for the address it
/// prints.
pub(crate) fn start_server(
    database_url: &str,
    metrics_token: &str,
) -> Result<(Server, SocketAddr), String> {
    let exe = std::env::current_exe().map_err(io)?;
    let mut cmd = Command::new(exe);
    cmd.arg("--database-url")
        .arg(database_url)
        .args(["serve", "--addr", "127.0.0.1:0"])
        .env("SALESDESK_METRICS_TOKEN", metrics_token)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    if std::env::var_os("RUST_LOG").is_none() {
        cmd.env("RUST_LOG", "warn");
    }
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start serve: {e}"))?;
    let stdout = child.stdout.take().ok_or("no standard output of serve")?;
    let server = Server(child);
    let (tx, rx) = std::sync::mpsc::channel();
    // Reads what serve prints (and keeps reading, so that it never blocks on a full pipe).
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if let Some(rest) = line.split("open http://").nth(1) {
                let _ = tx.send(rest.trim_end_matches('/').to_string());
            }
        }
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(300))
        .map_err(|_| "serve did not start (its errors are above)".to_string())?;
    let addr = addr
        .parse()
        .map_err(|_| format!("serve printed {addr:?}"))?;
    Ok((server, addr))
}

pub async fn run(app: App, database_url: &str, engine: &str, o: Options) -> Result<(), String> {
    let customers = salesdesk_store::bulk::max_id(app.db.read(), "customers")
        .await
        .map_err(|e| e.to_string())?;
    if customers == 0 {
        eprintln!(
            "no customers yet: generating {} customers, {} contacts, {} contact records, {} salespeople",
            o.dataset.customers, o.dataset.contacts, o.dataset.records, o.dataset.salespeople
        );
        crate::generate::run(&app, &o.dataset).await?;
    }
    let max_id = salesdesk_store::bulk::max_id(app.db.read(), "customers")
        .await
        .map_err(|e| e.to_string())?;

    let made_up_token;
    let (_server, addr, pid, metrics) = match &o.url {
        Some(url) => {
            let hostport = url
                .trim_start_matches("http://")
                .trim_end_matches('/')
                .to_string();
            let addr = tokio::net::lookup_host(&hostport)
                .await
                .map_err(|e| format!("--url {url}: {e}"))?
                .next()
                .ok_or_else(|| format!("--url {url}: no address"))?;
            (None, addr, o.server_pid, o.metrics_token.as_deref())
        }
        None => {
            made_up_token = format!(
                "bench-{}-{}",
                std::process::id(),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos())
                    .unwrap_or(0)
            );
            let (server, addr) = start_server(database_url, &made_up_token)?;
            let pid = server.0.id();
            (Some(server), addr, Some(pid), Some(made_up_token.as_str()))
        }
    };

    let vp = login(addr, "vp").await?;
    let am = login(addr, "north.am1").await?;
    // Spread over the whole id range, deterministically.
    let id = move |i: usize| 1 + (i as i64).wrapping_mul(7_919).rem_euclid(max_id);
    let nonce = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    const FILTERED: &str = "/api/v1/customers?status=potential";

    let build = crate::bench::build_kind();
    println!(
        "{engine}, {max_id} customers (highest id), {build}; {} requests per operation, one client",
        o.requests
    );
    println!();
    println!(
        "| operation | Odoo 17 p50 ms | p50 ms | p95 ms | p99 ms | Odoo / salesdesk (p50) | statements per operation |"
    );
    println!("|---|---|---|---|---|---|---|");
    let ops = [
        Operation {
            label: "filtered list, 50 rows (`GET /api/v1/customers?status=potential`)",
            odoo_ms: (43.8, 97.2),
            token: &vp,
            requests: Box::new(|_| vec![Req::Get(FILTERED.into())]),
        },
        Operation {
            label: "list as the UI loads it (`GET /customers`, HTML)",
            odoo_ms: (118.8, 118.8),
            token: &vp,
            requests: Box::new(|_| vec![Req::Get("/customers".into())]),
        },
        Operation {
            label: "name search, 2 characters (`?q=华为`, …)",
            odoo_ms: (187.7, 187.7),
            token: &vp,
            requests: Box::new(|i| {
                vec![Req::Get(format!(
                    "/api/v1/customers?q={}",
                    url_encode(SHORT[i % SHORT.len()])
                ))]
            }),
        },
        Operation {
            label: "name search, 4 characters (`?q=华为信息`, …)",
            odoo_ms: (194.0, 194.0),
            token: &vp,
            requests: Box::new(|i| {
                vec![Req::Get(format!(
                    "/api/v1/customers?q={}",
                    url_encode(LONG[i % LONG.len()])
                ))]
            }),
        },
        Operation {
            label: "one company + its contacts (2 calls)",
            odoo_ms: (50.2, 50.2),
            token: &vp,
            requests: Box::new(move |i| {
                vec![
                    Req::Get(format!("/api/v1/customers/{}", id(i))),
                    Req::Get(format!("/api/v1/customers/{}/contacts", id(i))),
                ]
            }),
        },
        Operation {
            label: "create one company (`POST /api/v1/customers`)",
            odoo_ms: (53.6, 53.6),
            token: &am,
            requests: Box::new(move |i| {
                vec![Req::Post(
                    "/api/v1/customers".into(),
                    format!(
                        "{{\"name\":\"压测{}号{}客户有限公司\"}}",
                        cn(nonce as usize),
                        cn(i)
                    ),
                )]
            }),
        },
    ];
    for op in &ops {
        measure(addr, metrics, op, o.requests).await?;
    }
    // Bulk create (issue 11's row): 2,000 companies as two batches of 1,000, a tenth of the
    // requests' count of times (at least 10; 20,000 customers written per 10).
    let bulk_runs = (o.requests / 100).max(10);
    let bulk = Operation {
        label: "bulk create, 2,000 companies (`POST /api/v1/customers/batch`, 2 × 1,000)",
        odoo_ms: (9_960.0, 9_960.0),
        token: &am,
        requests: Box::new(move |i| {
            (0..2)
                .map(|b| {
                    let items: Vec<String> = (0..1000)
                        .map(|k| {
                            format!(
                                "{{\"name\":\"批量{}号{}批{}客户有限公司\"}}",
                                cn(nonce as usize),
                                cn(i * 2 + b),
                                cn(k)
                            )
                        })
                        .collect();
                    Req::Post(
                        "/api/v1/customers/batch".into(),
                        format!("{{\"items\":[{}]}}", items.join(",")),
                    )
                })
                .collect()
        }),
    };
    let p50 = measure(addr, metrics, &bulk, bulk_runs).await?;
    println!(
        "| bulk create rate at p50 | | {:.0} customers/s | | | | |",
        2000.0 / (p50 / 1000.0)
    );
    let (rps, p50, p99, n) = throughput(addr, &vp, FILTERED, o.clients, o.seconds).await?;
    println!(
        "| throughput of the filtered list, {} clients ({n} requests in {} s) | 15.6–34.4 req/s | {rps:.0} req/s (p50 {p50:.2} ms, p99 {p99:.2} ms) | | | {} | |",
        o.clients,
        o.seconds,
        format_args!("{:.0}–{:.0}×", rps / 34.4, rps / 15.6),
    );

    // Memory after the runs.
    println!();
    println!("| memory after the runs | value |");
    println!("|---|---|");
    let Some(pid) = pid else {
        println!("| server | not measured (give --server-pid) |");
        return Ok(());
    };
    let pss = proc_kib(pid, "smaps_rollup", "Pss:").unwrap_or(0);
    println!(
        "| server process: PSS / RSS / peak RSS | {} / {} / {} |",
        mib(pss),
        mib(proc_kib(pid, "status", "VmRSS:").unwrap_or(0)),
        mib(proc_kib(pid, "status", "VmHWM:").unwrap_or(0)),
    );
    if app.db.engine() == salesdesk_app::Engine::Postgres {
        let ports = local_ports(pid);
        let backends: Vec<i32> = app
            .db
            .backends()
            .await
            .map_err(|e| e.to_string())?
            .into_iter()
            .filter(|(_, port)| port.is_some_and(|p| ports.contains(&p)))
            .map(|(pid, _)| pid)
            .collect();
        let pg: u64 = backends
            .iter()
            .filter_map(|b| proc_kib(*b as u32, "smaps_rollup", "Pss:"))
            .sum();
        println!(
            "| its PostgreSQL backends ({}): PSS | {} |",
            backends.len(),
            mib(pg)
        );
        println!(
            "| server + its backends: PSS (Odoo 17: 470 MiB) | {} |",
            mib(pss + pg)
        );
    }
    Ok(())
}
