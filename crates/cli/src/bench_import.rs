//! `salesdesk bench import`: latency of logins and customer creates over HTTP while a large
//! import runs (issue 9, point 4), against the same load without an import, and the import's
//! throughput. The server runs in this process on 127.0.0.1:0 (the real `serve` stack); the
//! clients open one connection per request (`Connection: close`) so no client-side pooling
//! hides a stall. Prints Markdown for BENCHMARKS.md.

use std::time::{Duration, Instant};

use salesdesk_app::{App, import};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Options of the benchmark.
#[derive(Clone)]
pub struct Options {
    pub rows: usize,
    pub clients: usize,
    pub interval: Duration,
    pub baseline: Duration,
}

/// One request over a fresh connection; returns the status code.
async fn request(
    addr: std::net::SocketAddr,
    path: &str,
    token: Option<&str>,
    body: &str,
) -> Result<u16, String> {
    let mut s = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    s.set_nodelay(true).map_err(|e| e.to_string())?;
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n{auth}\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    s.write_all(body.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&out);
    text.split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| {
            format!(
                "no HTTP status in {:?}",
                text.chars().take(80).collect::<String>()
            )
        })
}

/// The value of `"token"` in a login response (no JSON parser needed for one field).
async fn login_token(addr: std::net::SocketAddr, login: &str) -> Result<String, String> {
    let body = format!(
        "{{\"login\":\"{login}\",\"password\":\"{}\"}}",
        salesdesk_app::demo::DEMO_PASSWORD
    );
    let mut s = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    let head = format!(
        "POST /api/v1/sessions HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(head.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    let mut out = String::new();
    s.read_to_string(&mut out)
        .await
        .map_err(|e| e.to_string())?;
    let at = out
        .find("\"token\":\"")
        .ok_or_else(|| format!("login of {login} failed: {out}"))?;
    Ok(out[at + 9..].chars().take_while(|c| *c != '"').collect())
}

/// A number written with Chinese digits (company names without ASCII digits, unique per n).
pub(crate) fn cn(mut n: usize) -> String {
    const D: [char; 10] = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
    let mut v = Vec::new();
    loop {
        v.push(D[n % 10]);
        n /= 10;
        if n == 0 {
            break;
        }
    }
    v.iter().rev().collect()
}

const CITIES: [(&str, &str); 6] = [
    ("浙江", "杭州"),
    ("江苏", "南京"),
    ("广东", "广州"),
    ("四川", "成都"),
    ("湖北", "武汉"),
    ("北京", "北京"),
];

/// The name of the file's company `i`.
fn company(i: usize) -> String {
    const TRADES: [&str; 5] = ["信息技术", "软件", "电子", "物流", "医药"];
    let (_, city) = CITIES[i % CITIES.len()];
    let trade = TRADES[(i / 7) % TRADES.len()];
    format!("{city}基准{}{trade}有限公司", cn(i))
}

/// A CSV of `rows` distinct companies, every other one owned by `north.am1`.
fn file(rows: usize) -> Vec<u8> {
    let mut out = String::from("客户名称,电话,省份,城市,客户经理\n");
    for i in 0..rows {
        let (province, city) = CITIES[i % CITIES.len()];
        let owner = if i % 2 == 0 { "north.am1" } else { "" };
        out.push_str(&format!(
            "{},0571-{:08},{province},{city},{owner}\n",
            company(i),
            i
        ));
    }
    out.into_bytes()
}

#[derive(Default)]
struct Latencies {
    login: Vec<f64>,
    create: Vec<f64>,
    failed: Vec<u16>,
}

fn pct(v: &[f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    v[((v.len() as f64 * p).ceil() as usize).clamp(1, v.len()) - 1]
}

/// `clients` login loops and `clients` create loops, each one request per `interval`, until
/// `stop` says so.
async fn load(
    addr: std::net::SocketAddr,
    token: &str,
    opts: &Options,
    tag: &str,
    stop: tokio::sync::watch::Receiver<bool>,
) -> Latencies {
    let mut tasks = Vec::new();
    for c in 0..opts.clients * 2 {
        let (token, tag, mut stop) = (token.to_string(), tag.to_string(), stop.clone());
        let interval = opts.interval;
        tasks.push(tokio::spawn(async move {
            let creates = c % 2 == 1;
            let mut out: Vec<(bool, f64, u16)> = Vec::new();
            let mut tick = tokio::time::interval(interval);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut n = 0usize;
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    _ = stop.changed() => break,
                }
                if *stop.borrow() {
                    break;
                }
                n += 1;
                let t = Instant::now();
                let status = if creates {
                    let body = format!("{{\"name\":\"压测{tag}{}客户{}有限公司\"}}", cn(c), cn(n));
                    request(addr, "/api/v1/customers", Some(&token), &body).await
                } else {
                    let body = format!(
                        "{{\"login\":\"north.am2\",\"password\":\"{}\"}}",
                        salesdesk_app::demo::DEMO_PASSWORD
                    );
                    request(addr, "/api/v1/sessions", None, &body).await
                };
                out.push((
                    creates,
                    t.elapsed().as_secs_f64() * 1000.0,
                    status.unwrap_or(0),
                ));
            }
            out
        }));
    }
    let mut l = Latencies::default();
    for t in tasks {
        for (creates, ms, status) in t.await.unwrap_or_default() {
            if !(200..300).contains(&status) {
                l.failed.push(status);
            }
            if creates {
                l.create.push(ms);
            } else {
                l.login.push(ms);
            }
        }
    }
    l
}

fn report(engine: &str, phase: &str, l: &Latencies) {
    for (what, v) in [("login", &l.login), ("create customer", &l.create)] {
        println!(
            "| {engine} | {phase} | {what} | {} | {:.1} | {:.1} | {:.1} | {:.1} |",
            v.len(),
            pct(v, 0.5),
            pct(v, 0.95),
            pct(v, 0.99),
            pct(v, 1.0)
        );
    }
    if !l.failed.is_empty() {
        println!(
            "| {engine} | {phase} | failed requests (status) | {:?} | | | | |",
            l.failed
        );
    }
}

pub async fn run(
    app: App,
    web: salesdesk_web::WebConfig,
    engine: &str,
    opts: Options,
) -> Result<(), String> {
    if salesdesk_store::bulk::max_id(app.db.read(), "customers")
        .await
        .map_err(|e| e.to_string())?
        > 0
    {
        return Err("bench import needs a database without customers (a fresh file)".into());
    }
    salesdesk_app::demo::seed_org(&app)
        .await
        .map_err(|e| e.to_string())?;
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let (stop_server, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(salesdesk_web::serve(listener, app.clone(), web, async {
        let _ = stopped.await;
    }));
    let token = login_token(addr, "north.am1").await?;
    let ctx = salesdesk_app::auth::cli_ctx(&app, "vp")
        .await
        .map_err(|e| e.to_string())?;

    let bytes = file(opts.rows);
    let mb = bytes.len() as f64 / 1e6;
    let up = import::upload(&app, &ctx, "bench.csv", bytes)
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "{engine}: {} rows ({mb:.1} MB CSV); {} login and {} create loops, one request each per {} ms",
        opts.rows,
        opts.clients,
        opts.clients,
        opts.interval.as_millis()
    );
    println!();
    println!("| database | phase | request | n | p50 ms | p95 ms | p99 ms | max ms |");
    println!("|---|---|---|---|---|---|---|---|");

    // The same load without an import first.
    let (tx, rx) = tokio::sync::watch::channel(false);
    let base = tokio::spawn({
        let (token, opts2) = (token.clone(), opts.clone());
        async move { load(addr, &token, &opts2, "甲", rx).await }
    });
    tokio::time::sleep(opts.baseline).await;
    let _ = tx.send(true);
    let base = base.await.map_err(|e| e.to_string())?;
    report(engine, "no import", &base);

    let (tx, rx) = tokio::sync::watch::channel(false);
    let during = tokio::spawn({
        let (token, opts2) = (token.clone(), opts.clone());
        async move { load(addr, &token, &opts2, "乙", rx).await }
    });
    let started = Instant::now();
    let view = import::run_now(&app, &ctx, up.id, None, true, &|_, _| {})
        .await
        .map_err(|e| e.to_string())?;
    let took = started.elapsed();
    let _ = tx.send(true);
    let during = during.await.map_err(|e| e.to_string())?;
    report(engine, "during the import", &during);
    println!();
    println!(
        "{engine}: import {} of {} rows ({}) in {:.1} s: {:.0} rows/s",
        view.imported,
        view.total,
        view.status,
        took.as_secs_f64(),
        view.imported as f64 / took.as_secs_f64()
    );
    let _ = stop_server.send(());
    let _ = server.await;
    Ok(())
}

/// `salesdesk bench sales-import`: imports `rows` customers, then a contract on each (signed:
/// each moves its customer to signed and gets a one-instalment plan) and a payment on each, as
/// the VP, timing the contracts and the payments imports (issue 13 point 7). On a database
/// without customers (the demo company is loaded). Prints Markdown for BENCHMARKS.md.
pub async fn run_sales(app: App, engine: &str, rows: usize) -> Result<(), String> {
    if salesdesk_store::bulk::max_id(app.db.read(), "customers")
        .await
        .map_err(|e| e.to_string())?
        > 0
    {
        return Err("bench sales-import needs a database without customers (a fresh file)".into());
    }
    salesdesk_app::demo::seed_org(&app)
        .await
        .map_err(|e| e.to_string())?;
    let ctx = salesdesk_app::auth::cli_ctx(&app, "vp")
        .await
        .map_err(|e| e.to_string())?;
    let timed = async |kind: &str, bytes: Vec<u8>| -> Result<(import::ImportView, f64), String> {
        let up = import::upload_kind(&app, &ctx, &format!("{kind}.csv"), bytes, kind)
            .await
            .map_err(|e| e.to_string())?;
        let started = Instant::now();
        let view = import::run_now(&app, &ctx, up.id, None, false, &|_, _| {})
            .await
            .map_err(|e| e.to_string())?;
        if view.status != "done" || view.imported as usize != rows {
            return Err(format!(
                "{kind} import: {} of {rows} imported ({}): {:?}",
                view.imported,
                view.status,
                view.errors.first()
            ));
        }
        Ok((view, started.elapsed().as_secs_f64()))
    };
    timed("customers", file(rows)).await?;
    let mut contracts = String::from("客户名称,合同编号,合同名称,签约日期,合同金额,税率\n");
    let mut payments = String::from("合同编号,回款日期,回款金额,付款方式\n");
    for i in 0..rows {
        contracts.push_str(&format!(
            "{},BM-{i:06},基准合同{},2026-01-05,{}.00,13%\n",
            company(i),
            cn(i),
            10_000 + i
        ));
        payments.push_str(&format!("BM-{i:06},2026-02-01,5000,银行转账\n"));
    }
    let (_, k_secs) = timed("contracts", contracts.into_bytes()).await?;
    let (_, p_secs) = timed("payments", payments.into_bytes()).await?;
    println!("| database | import | rows | seconds | rows/s |");
    println!("|---|---|---|---|---|");
    for (what, secs) in [("contracts", k_secs), ("payments", p_secs)] {
        println!(
            "| {engine} | {what} | {rows} | {secs:.1} | {:.0} |",
            rows as f64 / secs
        );
    }
    Ok(())
}
