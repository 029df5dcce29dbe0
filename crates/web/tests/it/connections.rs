//! Slow and greedy clients (issue 9, point 2): connections that never finish their headers, idle
//! keep-alive connections, connection caps in total and per address, graceful shutdown. Raw TCP
//! sockets, because an HTTP client would not misbehave on purpose. Timeouts are configured short;
//! the generous deadlines below only bound how long a broken server makes a test hang.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use salesdesk_app::{App, AppConfig, Db};
use salesdesk_test_support::{TestApp, TestDb};
use salesdesk_web::WebConfig;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::time::{Instant, timeout};

use crate::api_get;

/// Bounds every wait for something the server must do; never reached when it works.
const DEADLINE: Duration = Duration::from_secs(10);
const SHORT: Duration = Duration::from_millis(300);
const LONG: Duration = Duration::from_secs(60);
const OTHER_PEER: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));

fn web(header: Duration, idle: Duration) -> WebConfig {
    WebConfig {
        header_read_timeout: header,
        idle_timeout: idle,
        ..WebConfig::default()
    }
}

fn addr_of(t: &TestApp) -> SocketAddr {
    t.base.trim_start_matches("http://").parse().unwrap()
}

/// A TCP connection to the server, from `from` when given (another loopback address).
async fn connect(to: SocketAddr, from: Option<IpAddr>) -> TcpStream {
    let s = TcpSocket::new_v4().unwrap();
    if let Some(ip) = from {
        s.bind(SocketAddr::new(ip, 0))
            .expect("bind a second loopback address (Linux routes all of 127/8 to lo)");
    }
    s.connect(to).await.expect("connect")
}

/// A connection that has sent the start of a request line and then nothing more.
async fn slow_client(to: SocketAddr) -> TcpStream {
    let mut s = connect(to, None).await;
    s.write_all(b"GET /healthz HTTP/1.1\r\nHo").await.unwrap();
    s
}

/// `n` slow connections, filling a cap.
async fn fill(to: SocketAddr, n: usize) -> Vec<TcpStream> {
    let mut slow = Vec::with_capacity(n);
    for _ in 0..n {
        slow.push(slow_client(to).await);
    }
    slow
}

/// What the server says to one more connection (from the same address) before closing it.
async fn answer_over_the_cap(to: SocketAddr) -> String {
    let mut over = connect(to, None).await;
    let mut answer = String::new();
    let _ = timeout(DEADLINE, over.read_to_string(&mut answer)).await;
    answer
}

/// Waits for the server to close the connection (whatever it answered first); false when it is
/// still open at the deadline.
async fn closed_by_server(s: &mut TcpStream) -> bool {
    let end = Instant::now() + DEADLINE;
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout_at(end, s.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0) | Err(_)) => return true,
            Ok(Ok(_)) => {}
        }
    }
}

/// Sends one request on `s` and reads its whole answer (the bodies here are short); returns the
/// status line.
async fn request(s: &mut TcpStream, raw: &[u8]) -> String {
    s.write_all(raw).await.unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    timeout(DEADLINE, async {
        loop {
            let n = s.read(&mut buf).await.unwrap();
            assert!(n > 0, "closed before answering");
            got.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&got);
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                let len: usize = head
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse().unwrap())
                    })
                    .unwrap_or(0);
                if body.len() >= len {
                    return head.lines().next().unwrap_or_default().to_string();
                }
            }
        }
    })
    .await
    .expect("an answer before the deadline")
}

const HEALTHZ: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: salesdesk\r\n\r\n";

#[tokio::test]
async fn hundreds_of_clients_that_never_finish_their_headers_neither_stop_health_checks_nor_stay() {
    let t = TestApp::spawn_with_web(WebConfig {
        max_connections_per_peer: 0,
        ..web(SHORT, LONG)
    })
    .await;
    let addr = addr_of(&t);
    let mut slow = fill(addr, 300).await;
    let r = timeout(DEADLINE, t.client().get(t.url("/healthz")).send())
        .await
        .expect("/healthz answers while 300 clients hang")
        .unwrap();
    assert_eq!(r.status(), 200);
    for (i, s) in slow.iter_mut().enumerate() {
        assert!(
            closed_by_server(s).await,
            "slow connection {i} is still open after the header timeout"
        );
    }
}

#[tokio::test]
async fn a_connection_that_drips_its_headers_is_closed_after_the_header_timeout() {
    let t = TestApp::spawn_with_web(web(SHORT, LONG)).await;
    let mut s = connect(addr_of(&t), None).await;
    // One byte every 50 ms: each byte is activity, but the headers never end in time.
    let drip = b"GET /healthz HTTP/1.1\r\nX-Slow: "
        .iter()
        .chain([b'a'; 400].iter());
    let end = Instant::now() + DEADLINE;
    let mut closed = false;
    for b in drip {
        if s.write_all(&[*b]).await.is_err() {
            closed = true;
            break;
        }
        let mut buf = [0u8; 64];
        if let Ok(r) = timeout(Duration::from_millis(50), s.read(&mut buf)).await {
            assert!(matches!(r, Ok(0) | Err(_)), "no answer expected: {r:?}");
            closed = true;
            break;
        }
        assert!(Instant::now() < end, "still open at the deadline");
    }
    assert!(closed, "a dripping client was served for its whole header");
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_the_idle_timeout() {
    // The header timeout is long: what closes the connection is the idle clock.
    let t = TestApp::spawn_with_web(web(LONG, SHORT)).await;
    let mut s = connect(addr_of(&t), None).await;
    assert_eq!(request(&mut s, HEALTHZ).await, "HTTP/1.1 200 OK");
    // Kept alive for a second request at once …
    assert_eq!(request(&mut s, HEALTHZ).await, "HTTP/1.1 200 OK");
    // … and closed once idle.
    assert!(closed_by_server(&mut s).await, "idle connection kept open");
}

#[tokio::test]
async fn a_request_in_flight_is_not_cut_by_the_connection_clocks() {
    let t = TestApp::spawn_with_web(web(SHORT, SHORT)).await;
    let mut s = connect(addr_of(&t), None).await;
    let body = json!({"login": "nobody", "password": "whatever1"}).to_string();
    let head = format!(
        "POST /api/v1/sessions HTTP/1.1\r\nHost: salesdesk\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    );
    let (first, rest) = body.as_bytes().split_at(5);
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(first).await.unwrap();
    // Longer than both timeouts: the request is being served, so neither clock runs.
    tokio::time::sleep(SHORT * 3).await;
    let status = request(&mut s, rest).await;
    assert!(status.starts_with("HTTP/1.1 4"), "{status}");
}

#[tokio::test]
async fn connections_over_the_total_cap_are_refused_at_once_and_served_again_later() {
    let t = TestApp::spawn_with_web(WebConfig {
        max_connections: 20,
        max_connections_per_peer: 0,
        ..web(SHORT, LONG)
    })
    .await;
    let addr = addr_of(&t);
    let mut slow = fill(addr, 20).await;
    let answer = answer_over_the_cap(addr).await;
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer:?}");
    for s in &mut slow {
        assert!(closed_by_server(s).await);
    }
    let mut s = connect(addr, None).await;
    assert_eq!(request(&mut s, HEALTHZ).await, "HTTP/1.1 200 OK");
}

#[tokio::test]
async fn one_address_over_its_cap_is_refused_while_other_addresses_are_served() {
    let t = TestApp::spawn_with_web(WebConfig {
        max_connections_per_peer: 5,
        ..web(LONG, LONG)
    })
    .await;
    let addr = addr_of(&t);
    let mut slow = fill(addr, 5).await;
    let answer = answer_over_the_cap(addr).await;
    assert!(answer.starts_with("HTTP/1.1 429"), "{answer:?}");
    let mut other = connect(addr, Some(OTHER_PEER)).await;
    assert_eq!(request(&mut other, HEALTHZ).await, "HTTP/1.1 200 OK");
    // A slot of the first address frees when one of its connections ends.
    drop(slow.pop());
    let mut again = None;
    for _ in 0..50 {
        let mut s = connect(addr, None).await;
        s.write_all(HEALTHZ).await.unwrap();
        let mut buf = [0u8; 16];
        let n = timeout(DEADLINE, s.read(&mut buf))
            .await
            .unwrap()
            .unwrap_or(0);
        if buf[..n].starts_with(b"HTTP/1.1 200") {
            again = Some(());
            break;
        }
        // The server may not have seen the close yet.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(again.is_some(), "the address was not served again");
}

#[tokio::test]
async fn handlers_still_see_the_peer_address() {
    let t = TestApp::with_demo().await;
    let from_other = reqwest::Client::builder()
        .local_address(OTHER_PEER)
        .build()
        .unwrap();
    let r = from_other
        .post(t.url("/api/v1/sessions"))
        .json(&json!({"login": "vp", "password": salesdesk_app::demo::DEMO_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let vp = t.token("vp").await;
    let (status, audit) = api_get(
        &t.client(),
        &t.url("/api/v1/audit?action=session.create"),
        &vp,
    )
    .await;
    assert_eq!(status, 200);
    let ips: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["ip"].as_str())
        .collect();
    assert!(ips.contains(&"127.0.0.2"), "{ips:?}");
}

#[tokio::test]
async fn shutdown_drops_waiting_connections_and_finishes_the_request_in_flight() {
    let db = TestDb::new().await;
    let conn = Db::connect(&db.url).await.unwrap();
    conn.migrate().await.unwrap();
    let app = App::new(conn, AppConfig::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(salesdesk_web::serve(
        listener,
        app,
        web(LONG, LONG),
        async {
            let _ = stopped.await;
        },
    ));

    let mut idle = connect(addr, None).await;
    assert_eq!(request(&mut idle, HEALTHZ).await, "HTTP/1.1 200 OK");
    let mut slow = slow_client(addr).await;
    let mut busy = connect(addr, None).await;
    let body = json!({"login": "nobody", "password": "whatever1"}).to_string();
    let head = format!(
        "POST /api/v1/sessions HTTP/1.1\r\nHost: salesdesk\r\nContent-Type: application/json\r\n\
         Expect: 100-continue\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    // "100 Continue" comes when the handler starts reading the body: the request is in flight.
    assert_eq!(
        request(&mut busy, head.as_bytes()).await,
        "HTTP/1.1 100 Continue"
    );
    let (first, rest) = body.as_bytes().split_at(5);
    busy.write_all(first).await.unwrap();

    stop.send(()).unwrap();
    assert!(closed_by_server(&mut idle).await, "idle connection kept");
    assert!(closed_by_server(&mut slow).await, "slow connection kept");
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "new connections are refused once stopping"
    );
    assert!(!server.is_finished(), "a request is still in flight");
    let status = request(&mut busy, rest).await;
    assert!(status.starts_with("HTTP/1.1 4"), "{status}");
    assert!(closed_by_server(&mut busy).await);
    timeout(DEADLINE, server)
        .await
        .expect("serve returns after the last request")
        .unwrap()
        .unwrap();
}
