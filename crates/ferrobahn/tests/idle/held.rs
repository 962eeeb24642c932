//! N idle connections held against `rt`'s server; the heap it keeps per
//! connection stays under a bound.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use bytes::Bytes;
use ferrobahn::rt::{Ctx, Handler, ServerConfig};

use super::rt;

/// Connections measured (after [`WARM_UP`] that are not).
const CONNECTIONS: usize = 400;
/// Connections opened first, so one-time allocations (runtime tables, the
/// first pages of its I/O slab) are not counted against the measured ones.
const WARM_UP: usize = 40;
/// Heap bytes the server may keep per idle connection (the live heap, without
/// the allocator's overhead). Measured in a debug build: tokio 1808,
/// async-std 1675 (release builds have smaller futures). A connection that
/// kept its 512-byte read buffer or an inline handshake future
/// would exceed it.
const BOUND: i128 = 2048;

/// Does nothing with messages: what stays is the connection's own cost.
struct Idle;

impl Handler for Idle {
    fn on_message(&mut self, _ctx: &mut Ctx<'_>, _payload: Bytes, _is_binary: bool) {}
}

const REQUEST: &[u8] = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n\
Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
Sec-WebSocket-Version: 13\r\n\r\n";
/// A masked ping with an empty payload.
const PING: &[u8] = &[0x89, 0x80, 1, 2, 3, 4];
/// The server's pong to it.
const PONG: &[u8] = &[0x8A, 0x00];

/// Opens a connection, completes the handshake and a ping round trip (so
/// the server has read from the connection since it was opened), all with
/// the stack's buffers only.
fn open(addr: SocketAddr) -> TcpStream {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(ferrobahn_test::TEST_TIMEOUT))
        .expect("read timeout");
    s.write_all(REQUEST).expect("request");
    let mut head = [0u8; 512];
    let mut len = 0;
    while !head[..len].ends_with(b"\r\n\r\n") {
        let n = s.read(&mut head[len..len + 1]).expect("response");
        assert!(n == 1 && len + 1 < head.len(), "short or long response");
        len += 1;
    }
    assert!(head.starts_with(b"HTTP/1.1 101"), "not upgraded");
    s.write_all(PING).expect("ping");
    let mut pong = [0u8; 2];
    s.read_exact(&mut pong).expect("pong");
    assert_eq!(pong, PONG);
    s
}

/// Waits until the live heap stops changing (idle buffers and timers are
/// released within `idle_buffer_release`, 1 s by default), at most
/// `TEST_TIMEOUT`; returns it.
fn settled() -> i128 {
    let start = Instant::now();
    let mut last = crate::live_bytes();
    let mut same = 0;
    while start.elapsed() < ferrobahn_test::TEST_TIMEOUT {
        std::thread::sleep(Duration::from_millis(100));
        let now = crate::live_bytes();
        same = if now == last { same + 1 } else { 0 };
        last = now;
        if same >= 5 && start.elapsed() > Duration::from_millis(1500) {
            break;
        }
    }
    last
}

#[test]
fn idle_connection_heap_is_bounded() {
    let _one = crate::MEASURING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = futures_channel::oneshot::channel::<()>();
    let server = std::thread::spawn(move || {
        rt::block_on(async move {
            let addr = rt::start_server(ServerConfig::default(), || Idle).await;
            addr_tx.send(addr).expect("address");
            let _ = stop_rx.await;
        });
    });
    let addr = addr_rx
        .recv_timeout(ferrobahn_test::TEST_TIMEOUT)
        .expect("server address");
    let mut held = Vec::with_capacity(WARM_UP + CONNECTIONS);
    for _ in 0..WARM_UP {
        held.push(open(addr));
    }
    let before = settled();
    for _ in 0..CONNECTIONS {
        held.push(open(addr));
    }
    let after = settled();
    let per_connection = (after - before) / CONNECTIONS as i128;
    eprintln!(
        "{}: {per_connection} heap bytes per idle connection",
        rt::NAME
    );
    drop(held);
    let _ = stop_tx.send(());
    server.join().expect("server thread");
    assert!(
        per_connection <= BOUND,
        "{}: {per_connection} heap bytes per idle connection (bound {BOUND})",
        rt::NAME
    );
}
