//! A one-shot HTTP `CONNECT` proxy for tests of the client's proxy support,
//! written against the runtime-agnostic [`Listener`] and [`Transport`].

use std::future::{poll_fn, Future};
use std::net::SocketAddr;
use std::task::{ready, Context, Poll};

use ferrobahn_rt::{Listener, Transport};

/// One direction of a tunnel.
#[derive(Debug)]
struct Half {
    buf: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
    done: bool,
}

impl Half {
    fn new() -> Self {
        Self {
            buf: vec![0; 8192],
            start: 0,
            end: 0,
            eof: false,
            done: false,
        }
    }

    /// Copies `from` to `to` until `from` ends; then shuts `to` down.
    fn poll<A: Transport, B: Transport>(
        &mut self,
        from: &mut A,
        to: &mut B,
        cx: &mut Context<'_>,
    ) -> Poll<()> {
        loop {
            if self.done {
                return Poll::Ready(());
            }
            if self.start < self.end {
                match ready!(to.poll_write(cx, &self.buf[self.start..self.end])) {
                    Ok(n) if n > 0 => self.start += n,
                    _ => self.done = true,
                }
                continue;
            }
            if self.eof {
                let _ = ready!(to.poll_close(cx));
                self.done = true;
                continue;
            }
            match ready!(from.poll_read(cx, &mut self.buf)) {
                Ok(0) | Err(_) => self.eof = true,
                Ok(n) => (self.start, self.end) = (0, n),
            }
        }
    }
}

async fn write_all<T: Transport>(io: &mut T, mut data: &[u8]) -> bool {
    while !data.is_empty() {
        match poll_fn(|cx| io.poll_write(cx, data)).await {
            Ok(n) if n > 0 => data = &data[n..],
            _ => return false,
        }
    }
    true
}

/// Accepts one connection on `listener`, reads its `CONNECT` request and
/// answers `status`; on 200 it connects to the requested address with
/// `connect` and relays bytes both ways until both sides are done.
///
/// Returns the requested authority (`host:port`), or `None` when the client
/// went away or asked for something that is not an address.
pub async fn connect_proxy_once<L, T, F, Fut>(
    mut listener: L,
    status: u16,
    connect: F,
) -> Option<String>
where
    L: Listener,
    T: Transport,
    F: FnOnce(SocketAddr) -> Fut,
    Fut: Future<Output = T>,
{
    let (mut client, _) = poll_fn(|cx| listener.poll_accept(cx)).await.ok()?;
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match poll_fn(|cx| client.poll_read(cx, &mut buf)).await {
            Ok(n) if n > 0 => head.extend_from_slice(&buf[..n]),
            _ => return None,
        }
    }
    let authority = String::from_utf8_lossy(&head)
        .split_whitespace()
        .nth(1)?
        .to_owned();
    if status != 200 {
        let answer = format!("HTTP/1.1 {status} Refused\r\nContent-Length: 0\r\n\r\n");
        write_all(&mut client, answer.as_bytes()).await;
        return Some(authority);
    }
    let mut server = connect(authority.parse().ok()?).await;
    if !write_all(&mut client, b"HTTP/1.1 200 Connection established\r\n\r\n").await {
        return None;
    }
    let (mut up, mut down) = (Half::new(), Half::new());
    poll_fn(|cx| {
        let a = up.poll(&mut client, &mut server, cx);
        let b = down.poll(&mut server, &mut client, cx);
        if a.is_ready() && b.is_ready() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;
    Some(authority)
}
