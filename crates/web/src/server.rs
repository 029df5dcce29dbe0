//! The accept loop: HTTP/1.1 connections served by hyper under limits that no single client can
//! exhaust (issue 9, point 2).
//!
//! `axum::serve` waits forever for a request's headers and keeps every connection it accepts, so
//! a client that opens connections and sends nothing (or one byte a minute) uses up the file
//! handles and the server stops answering everyone. Here every connection has a clock:
//!
//! - **waiting for headers** (from the accept, or from the first byte after an idle pause): the
//!   connection is closed when the headers are not complete within `header_read_timeout`;
//! - **idle** between requests of a keep-alive connection: closed after `idle_timeout`;
//! - **busy** while a request is served (until its response body is sent or dropped): no clock
//!   here — the request timeout of the middleware stack bounds the handler.
//!
//! hyper's own `header_read_timeout` restarts whenever a connection goes idle, so it cannot tell
//! an idle keep-alive connection from a slow client; the loop keeps its own per-connection clock
//! instead (one `Instant` behind a lock only its connection touches).
//!
//! Beyond the clocks, connections are capped in total (`max_connections`, kept below the
//! open-file limit) and per client address (`max_connections_per_peer`, IPv6 counted per /64).
//! A connection over a cap is answered at once with a bare 503 (total) or 429 (per address) and
//! closed, so the loop never stalls and file handles stay bounded.
//!
//! Shutdown: when the `shutdown` future completes the listener is closed, connections without a
//! request in flight are dropped at once, and those with one finish it (hyper then closes them).

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::pin::{Pin, pin};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::http::Request;
use http_body::{Body as HttpBody, Frame, SizeHint};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, watch};
use tokio::time::Instant;
use tower::ServiceExt;

use crate::WebConfig;

/// File handles kept free for the database pools, logs and uploads when the connection cap is
/// derived from the open-file limit.
const RESERVED_FILES: u64 = 128;

/// The connection limits of one server, taken from [`WebConfig`].
#[derive(Debug, Clone)]
struct Limits {
    header_read_timeout: Duration,
    idle_timeout: Duration,
    max_connections: usize,
    /// 0: no cap per address.
    max_connections_per_peer: usize,
}

impl Limits {
    fn new(web: &WebConfig) -> Limits {
        let mut max = web.max_connections.max(1);
        if let Some(files) = open_file_limit() {
            let room =
                usize::try_from(files.saturating_sub(RESERVED_FILES).max(1)).unwrap_or(usize::MAX);
            if max > room {
                tracing::warn!(
                    max_connections = max,
                    open_file_limit = files,
                    "max_connections is above what the open-file limit allows; capped at {room}"
                );
                max = room;
            }
        }
        Limits {
            header_read_timeout: web.header_read_timeout,
            idle_timeout: web.idle_timeout,
            max_connections: max,
            max_connections_per_peer: web.max_connections_per_peer,
        }
    }
}

/// Serves `router` on `listener` until `shutdown` completes, then finishes requests in flight.
pub(crate) async fn run(
    listener: TcpListener,
    router: Router,
    web: &WebConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let limits = Arc::new(Limits::new(web));
    tracing::info!(
        max_connections = limits.max_connections,
        max_connections_per_peer = limits.max_connections_per_peer,
        header_read_timeout_ms = limits.header_read_timeout.as_millis() as u64,
        idle_timeout_ms = limits.idle_timeout.as_millis() as u64,
        "connection limits"
    );
    if web.trust_proxy
        && limits.max_connections_per_peer != 0
        && limits.max_connections_per_peer < limits.max_connections
    {
        tracing::warn!(
            "trust_proxy is on: every client reaches us from the proxy's address, so \
             max_connections_per_peer caps all of them together"
        );
    }
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let peers = Arc::new(Peers::default());
    let mut refused = RefusalLog::default();
    // Each connection holds a receiver; a send tells them to stop, and `closed()` completes
    // once the last of them has finished.
    let (stop_tx, stop_rx) = watch::channel(());
    let mut shutdown = pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            r = listener.accept() => r,
            () = &mut shutdown => break,
        };
        let (stream, peer) = match accepted {
            Ok(c) => c,
            Err(e) => {
                // A connection reset before it was accepted concerns that client only; anything
                // else (out of file handles) is waited out briefly instead of spinning.
                if !matches!(
                    e.kind(),
                    io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset
                ) {
                    tracing::error!(error = %e, "accepting a connection failed");
                    tokio::select! {
                        () = tokio::time::sleep(Duration::from_millis(100)) => {}
                        () = &mut shutdown => break,
                    }
                }
                continue;
            }
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            refuse(stream, REFUSED_FULL);
            refused.note("max_connections", peer);
            continue;
        };
        let Some(peer_slot) = Peers::admit(&peers, peer.ip(), limits.max_connections_per_peer)
        else {
            refuse(stream, REFUSED_PEER);
            refused.note("max_connections_per_peer", peer);
            continue;
        };
        // Responses are written whole; small ones should not wait for a delayed ACK.
        let _ = stream.set_nodelay(true);
        tokio::spawn(connection(
            stream,
            peer,
            router.clone(),
            limits.clone(),
            stop_rx.clone(),
            (slot, peer_slot),
        ));
    }
    drop(listener);
    drop(stop_rx);
    let _ = stop_tx.send(());
    stop_tx.closed().await;
    Ok(())
}

const REFUSED_FULL: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\
Retry-After: 1\r\nContent-Length: 0\r\n\r\n";
const REFUSED_PEER: &[u8] = b"HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\n\
Retry-After: 1\r\nContent-Length: 0\r\n\r\n";

/// Answers a connection over a cap without reading it (best effort, never waits) and closes it.
fn refuse(stream: TcpStream, answer: &[u8]) {
    let _ = stream.try_write(answer);
}

/// Serves one connection until the client closes it, a clock runs out, or the server stops.
async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    limits: Arc<Limits>,
    mut stop: watch::Receiver<()>,
    _held: (OwnedSemaphorePermit, PeerSlot),
) {
    let clock = Arc::new(Clock::new());
    let io = TokioIo::new(Watched {
        inner: stream,
        clock: clock.clone(),
    });
    let service_clock = clock.clone();
    let service = hyper::service::service_fn(move |mut req: Request<Incoming>| {
        let busy = Clock::begin(&service_clock);
        // Handlers (login throttling, audit) read the peer address as with axum::serve.
        req.extensions_mut().insert(ConnectInfo(peer));
        let router = router.clone();
        async move {
            let response = router.oneshot(req.map(Body::new)).await?;
            Ok::<_, std::convert::Infallible>(response.map(|inner| Tracked { inner, busy }))
        }
    });
    let mut conn = pin!(
        hyper::server::conn::http1::Builder::new()
            // Our clock replaces hyper's (see the module comment); saying so also keeps hyper
            // from warning, per connection, that its default timeout has no timer.
            .header_read_timeout(None)
            .serve_connection(io, service)
    );
    let mut stopping = false;
    loop {
        tokio::select! {
            r = conn.as_mut() => {
                if let Err(e) = r {
                    tracing::debug!(%peer, error = %e, "connection ended with an error");
                }
                return;
            }
            () = clock.expired(&limits) => {
                // No request in flight, so no answer is owed: dropping the connection closes it.
                tracing::debug!(%peer, "connection closed: headers too slow or idle too long");
                return;
            }
            _ = stop.changed(), if !stopping => {
                stopping = true;
                if !clock.is_busy() {
                    return;
                }
                // Finish the request in flight, then close instead of waiting for another.
                conn.as_mut().graceful_shutdown();
            }
        }
    }
}

/// Where a connection is in its life, and since when.
#[derive(Debug, Clone, Copy)]
enum Phase {
    /// Waiting for a request's headers since this instant.
    Head(Instant),
    /// This many requests are being served (HTTP/1.1 serves one at a time; a count is cheap
    /// insurance against a response body outliving the start of the next request).
    Busy(usize),
    /// Nothing read since the last response ended at this instant.
    Idle(Instant),
}

/// The clock of one connection: updated by its reads, its service and its response bodies.
#[derive(Debug)]
struct Clock {
    phase: Mutex<Phase>,
    changed: Notify,
}

impl Clock {
    fn new() -> Clock {
        Clock {
            phase: Mutex::new(Phase::Head(Instant::now())),
            changed: Notify::new(),
        }
    }

    fn phase(&self) -> MutexGuard<'_, Phase> {
        self.phase.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn set(&self, p: Phase) {
        *self.phase() = p;
        self.changed.notify_waiters();
    }

    /// Bytes arrived: after an idle pause they start the next request's header clock.
    fn bytes_read(&self) {
        let idle = matches!(*self.phase(), Phase::Idle(_));
        if idle {
            self.set(Phase::Head(Instant::now()));
        }
    }

    fn begin(clock: &Arc<Clock>) -> Busy {
        let now = *clock.phase();
        clock.set(match now {
            Phase::Busy(n) => Phase::Busy(n + 1),
            Phase::Head(_) | Phase::Idle(_) => Phase::Busy(1),
        });
        Busy(clock.clone())
    }

    fn end(&self) {
        let now = *self.phase();
        self.set(match now {
            Phase::Busy(n) if n > 1 => Phase::Busy(n - 1),
            _ => Phase::Idle(Instant::now()),
        });
    }

    fn is_busy(&self) -> bool {
        matches!(*self.phase(), Phase::Busy(_))
    }

    /// Completes when the connection has waited too long for headers or been idle too long.
    async fn expired(&self, limits: &Limits) {
        loop {
            let mut changed = pin!(self.changed.notified());
            changed.as_mut().enable();
            let deadline = match *self.phase() {
                Phase::Busy(_) => None,
                Phase::Head(t) => Some(t + limits.header_read_timeout),
                Phase::Idle(t) => Some(t + limits.idle_timeout),
            };
            match deadline {
                None => changed.await,
                Some(d) if Instant::now() >= d => return,
                Some(d) => {
                    tokio::select! {
                        () = tokio::time::sleep_until(d) => {}
                        () = changed => {}
                    }
                }
            }
        }
    }
}

/// Held while a request is served; dropped with its response body (sent or abandoned).
#[derive(Debug)]
struct Busy(Arc<Clock>);

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.end();
    }
}

/// A response body that keeps its connection marked busy until it is dropped.
struct Tracked {
    inner: Body,
    busy: Busy,
}

impl HttpBody for Tracked {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl std::fmt::Debug for Tracked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tracked").field("busy", &self.busy).finish()
    }
}

/// The client's socket, telling the clock when bytes arrive.
struct Watched {
    inner: TcpStream,
    clock: Arc<Clock>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(r, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.clock.bytes_read();
        }
        r
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Open connections per client address.
#[derive(Debug, Default)]
struct Peers {
    open: Mutex<HashMap<IpAddr, usize>>,
}

impl Peers {
    /// The address a cap counts: IPv4 as is (IPv4-mapped IPv6 as IPv4), IPv6 by its /64 — one
    /// subscriber usually holds a whole /64 and could otherwise rotate addresses within it.
    fn key(ip: IpAddr) -> IpAddr {
        match ip.to_canonical() {
            IpAddr::V6(v6) => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
            v4 => v4,
        }
    }

    /// A place for one more connection from `ip`, or `None` when it already holds `cap`.
    fn admit(peers: &Arc<Peers>, ip: IpAddr, cap: usize) -> Option<PeerSlot> {
        if cap == 0 {
            return Some(PeerSlot(None));
        }
        let key = Peers::key(ip);
        let mut open = peers.open.lock().unwrap_or_else(|e| e.into_inner());
        let n = open.entry(key).or_insert(0);
        if *n >= cap {
            return None;
        }
        *n += 1;
        Some(PeerSlot(Some((peers.clone(), key))))
    }
}

/// One connection counted against its address; uncounted when dropped.
#[derive(Debug)]
struct PeerSlot(Option<(Arc<Peers>, IpAddr)>);

impl Drop for PeerSlot {
    fn drop(&mut self) {
        if let Some((peers, key)) = self.0.take() {
            let mut open = peers.open.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(n) = open.get_mut(&key) {
                *n -= 1;
                if *n == 0 {
                    open.remove(&key);
                }
            }
        }
    }
}

/// Refused connections are logged at most once a minute, with a count, so that a flood does
/// not become a flood of log lines.
#[derive(Debug, Default)]
struct RefusalLog {
    last: Option<Instant>,
    since_last: u64,
}

impl RefusalLog {
    fn note(&mut self, cap: &'static str, peer: SocketAddr) {
        self.since_last += 1;
        let now = Instant::now();
        if self
            .last
            .is_none_or(|t| now.duration_since(t) >= Duration::from_secs(60))
        {
            tracing::warn!(
                cap,
                %peer,
                refused = self.since_last,
                "connections refused: a connection cap was reached"
            );
            self.last = Some(now);
            self.since_last = 0;
        }
    }
}

/// The soft limit on open files of this process, where the platform has one.
fn open_file_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        rustix::process::getrlimit(rustix::process::Resource::Nofile).current
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// Raises the soft limit on open files to the hard limit, as a server holding thousands of
/// connections needs (many systems start services with a soft limit of 1024 and a far higher
/// hard limit). Returns the soft limit afterwards; errors are logged, never fatal.
pub fn raise_open_file_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
        let now = getrlimit(Resource::Nofile);
        if let (Some(soft), Some(hard)) = (now.current, now.maximum)
            && soft < hard
        {
            let raised = Rlimit {
                current: Some(hard),
                maximum: Some(hard),
            };
            match setrlimit(Resource::Nofile, raised) {
                Ok(()) => tracing::info!(from = soft, to = hard, "open-file limit raised"),
                Err(e) => tracing::warn!(error = %e, soft, hard, "open-file limit not raised"),
            }
        }
        open_file_limit()
    }
    #[cfg(not(unix))]
    {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_peers_are_counted_per_64_and_mapped_ipv4_as_ipv4() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(Peers::key(a), Peers::key(b));
        assert_ne!(Peers::key(a), Peers::key(c));
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(Peers::key(mapped), "192.0.2.7".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn a_peer_over_its_cap_is_refused_until_one_of_its_connections_closes() {
        let peers = Arc::new(Peers::default());
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let first = Peers::admit(&peers, ip, 2).unwrap();
        let _second = Peers::admit(&peers, ip, 2).unwrap();
        assert!(Peers::admit(&peers, ip, 2).is_none());
        assert!(Peers::admit(&peers, "192.0.2.2".parse().unwrap(), 2).is_some());
        drop(first);
        assert!(Peers::admit(&peers, ip, 2).is_some());
        assert!(Peers::admit(&peers, ip, 0).is_some(), "0 means no cap");
    }
}
