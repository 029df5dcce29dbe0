//! `TCP_NODELAY` on the connections to PostgreSQL.
//!
//! sqlx 0.9.0 no longer sets it (sqlx issue #4335; the fix is merged but not released). Without
//! it, a statement larger than one TCP segment ends with a short segment that Nagle's algorithm
//! holds back until the server acknowledges the rest, and the server delays that acknowledgement
//! by up to 40 ms. A 100,000-row import sends 600 such statements: measured on loopback, it took
//! 23.8 s over TCP against 9.5 s over a Unix socket, the difference being these waits
//! (BENCHMARKS.md). On a real network the segment is 1,448 bytes, so ordinary statements hit it
//! too.
//!
//! sqlx keeps the socket to itself, so after each new connection this module looks through the
//! process's open sockets and sets the option on every TCP socket whose peer is the database's
//! port. Setting it on a socket that already has it, or on an unrelated socket to that port,
//! does no harm. Remove this module when sqlx sets the option again.

use std::os::fd::BorrowedFd;

/// Sets `TCP_NODELAY` on this process's TCP sockets connected to `port`. Best effort: a socket
/// that cannot be inspected is skipped.
pub(crate) fn set_on_sockets_to(port: u16) {
    let Ok(dir) = std::fs::read_dir("/proc/self/fd") else {
        return;
    };
    for entry in dir.flatten() {
        let is_socket = std::fs::read_link(entry.path())
            .is_ok_and(|l| l.to_string_lossy().starts_with("socket:"));
        let Some(fd) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<i32>().ok())
        else {
            continue;
        };
        if is_socket {
            set_if_peer_port(fd, port);
        }
    }
}

#[allow(unsafe_code)]
fn set_if_peer_port(fd: i32, port: u16) {
    // SAFETY: `fd` was listed in /proc/self/fd as a socket of this process a moment ago and the
    // borrow lasts for two system calls. Were it closed meanwhile by another thread, the calls
    // would fail (EBADF, ENOTSOCK) or, if the number were reused at once, act on that new
    // descriptor only when it too is a TCP socket to the database's port, which is harmless.
    let fd = unsafe { BorrowedFd::borrow_raw(fd) };
    let socket = socket2::SockRef::from(&fd);
    let to_db = socket
        .peer_addr()
        .ok()
        .and_then(|a| a.as_socket())
        .is_some_and(|a| a.port() == port);
    if to_db {
        let _ = socket.set_tcp_nodelay(true);
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};

    /// A connection this process made gets the option; one to another port is left alone.
    #[test]
    fn sockets_to_the_port_get_nodelay() {
        let db = TcpListener::bind("127.0.0.1:0").unwrap();
        let other = TcpListener::bind("127.0.0.1:0").unwrap();
        let to_db = TcpStream::connect(db.local_addr().unwrap()).unwrap();
        let to_other = TcpStream::connect(other.local_addr().unwrap()).unwrap();
        assert!(!to_db.nodelay().unwrap());
        super::set_on_sockets_to(db.local_addr().unwrap().port());
        assert!(to_db.nodelay().unwrap());
        assert!(!to_other.nodelay().unwrap());
        // Still a working connection.
        let (mut server, _) = db.accept().unwrap();
        (&to_db).write_all(b"ping").unwrap();
        let mut buf = [0u8; 4];
        server.read_exact(&mut buf).unwrap();
        assert_eq!(&buf, b"ping");
    }
}
