//! The accept loop: one task per connection; the first byte tells RawSocket (`0x7F`)
//! from WebSocket (an HTTP request), so both share one port.

use std::future::poll_fn;
use std::sync::Arc;

use ferrobahn_rt::{timeout_at, Listener, PeerAddr, Runtime, ServerConfig, Transport};
use ferrobahn_serializers::rawsocket::MAGIC;

use super::rawsocket::{self, Prefixed};
use super::web;
use super::websocket::WsSession;
use super::HostShared;

/// Accepts connections forever ([`ferrobahn_rt::accept_loop`]: over
/// [`ServerConfig::max_connections`] a connection is dropped).
pub(crate) async fn accept_loop<L: Listener>(
    runtime: Arc<dyn Runtime>,
    listener: L,
    host: Arc<HostShared>,
    server: Arc<ServerConfig>,
) {
    let max = server.max_connections;
    let rt = runtime.clone();
    let per_connection = |io, peer, slot| {
        let (rt, host, server) = (rt.clone(), host.clone(), server.clone());
        async move {
            let _slot = slot;
            connection(rt, io, peer, host, &server).await;
        }
    };
    let refuse = |io, _| drop(io);
    ferrobahn_rt::accept_loop(runtime, listener, max, per_connection, refuse).await;
}

/// Serves one accepted connection: sniff, then RawSocket or WebSocket.
async fn connection<T: Transport>(
    runtime: Arc<dyn Runtime>,
    mut io: T,
    peer: PeerAddr,
    host: Arc<HostShared>,
    server: &ServerConfig,
) {
    let deadline = runtime.now() + server.open_handshake_timeout;
    let mut first = [0u8; 1];
    let read = timeout_at(
        &*runtime,
        deadline,
        poll_fn(|cx| io.poll_read(cx, &mut first)),
    )
    .await;
    match read {
        Some(Ok(1)) if first[0] == MAGIC && host.rawsocket => {
            // Boxed, like the WebSocket branch: this future lives as long as the
            // connection, and an inline branch would make every connection pay for
            // the largest one.
            Box::pin(rawsocket::serve(
                runtime,
                host,
                io,
                &first,
                peer.socket_addr(),
                deadline,
            ))
            .await;
        }
        Some(Ok(1)) if first[0] != MAGIC => {
            let mut head = first.to_vec();
            if let Some((dir, max_size)) = &host.static_dir {
                // Boxed: its read buffer is only needed until the head is in.
                let read =
                    timeout_at(&*runtime, deadline, Box::pin(read_head(&mut io, &mut head))).await;
                let route = match read {
                    Some(Ok(true)) => web::route(&head, &host.path),
                    Some(Ok(false)) => web::Route::Refuse(431, "Request Header Fields Too Large"),
                    Some(Err(e)) => {
                        return tracing::debug!(%peer, error = %e, "read failed");
                    }
                    None => return tracing::debug!(%peer, "no request head in time"),
                };
                if route != web::Route::WebSocket {
                    tracing::debug!(%peer, ?route, "static web request");
                    let response = web::respond(&route, dir, *max_size);
                    return web::send_and_close(&mut io, &response).await;
                }
            }
            let io = Prefixed::new(head, io);
            let handler = WsSession::new(host);
            if let Err(e) = Box::pin(ferrobahn_rt::serve_connection(
                runtime,
                io,
                Some(peer.clone()),
                server,
                handler,
            ))
            .await
            {
                tracing::debug!(%peer, error = %e, "WebSocket connection ended with an error");
            }
        }
        Some(Ok(_)) => tracing::debug!(%peer, "RawSocket is not enabled on this endpoint"),
        Some(Err(e)) => tracing::debug!(%peer, error = %e, "read failed"),
        None => tracing::debug!(%peer, "no opening handshake in time"),
    }
}

/// Reads until `head` holds a complete HTTP request head: true, or false when it grew
/// past [`web::MAX_HEAD`] first. End of stream is an error.
async fn read_head<T: Transport>(io: &mut T, head: &mut Vec<u8>) -> std::io::Result<bool> {
    let mut buf = [0u8; 2048];
    loop {
        if web::head_end(head).is_some() {
            return Ok(true);
        }
        if head.len() > web::MAX_HEAD {
            return Ok(false);
        }
        let n = poll_fn(|cx| io.poll_read(cx, &mut buf)).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        head.extend_from_slice(&buf[..n]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferrobahn_test::mem::MemIo;

    /// The size of the future `F` that `make` returns (without making one).
    fn future_size<F>(
        _make: impl Fn(Arc<dyn Runtime>, MemIo, PeerAddr, Arc<HostShared>) -> F,
    ) -> usize {
        std::mem::size_of::<F>()
    }

    /// Each connection's task holds this future for its whole life: the RawSocket
    /// driver, the request-head buffer and the WebSocket handshake are boxed, so an
    /// idle session does not pay for the largest of them (it was 4.7 KB).
    #[test]
    fn connection_future_is_small() {
        static SERVER: std::sync::OnceLock<ServerConfig> = std::sync::OnceLock::new();
        let server = SERVER.get_or_init(ServerConfig::default);
        let size = future_size(|rt, io, peer, host| connection(rt, io, peer, host, server));
        assert!(size <= 512, "connection future is {size} bytes");
    }

    /// The sniffed bytes are read again first, then freed; the stream follows.
    #[test]
    fn prefixed_gives_back_the_prefix_then_frees_it() {
        let (near, mut far) = ferrobahn_test::mem::pipe(64);
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        assert!(far.poll_write(&mut cx, b"rest").is_ready());
        let mut io = Prefixed::new(b"GE".to_vec(), near);
        let mut buf = [0u8; 1];
        let mut got = Vec::new();
        for _ in 0..2 {
            match io.poll_read(&mut cx, &mut buf) {
                std::task::Poll::Ready(Ok(1)) => got.push(buf[0]),
                other => panic!("prefix byte expected, got {other:?}"),
            }
        }
        assert_eq!(got, b"GE");
        assert_eq!(io.prefix_capacity(), 0, "the prefix is freed once read");
        let mut rest = [0u8; 8];
        match io.poll_read(&mut cx, &mut rest) {
            std::task::Poll::Ready(Ok(n)) => assert_eq!(&rest[..n], b"rest"),
            other => panic!("stream bytes expected, got {other:?}"),
        }
    }

    /// Reads into uninitialised memory go to the stream once the prefix is given back
    /// (none before: the prefix is copied by `poll_read`).
    #[tokio::test]
    async fn prefixed_reads_uninit_after_the_prefix() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut client = tokio::net::TcpStream::connect(addr).await.unwrap();
        let (server, _) = listener.accept().await.unwrap();
        tokio::io::AsyncWriteExt::write_all(&mut client, b"rest")
            .await
            .unwrap();
        let mut io = Prefixed::new(b"G".to_vec(), ferrobahn_tokio::TokioIo(server));
        assert!(io.read_uninit().is_none(), "the prefix first");
        let mut one = [0u8; 1];
        let n = poll_fn(|cx| io.poll_read(cx, &mut one)).await.unwrap();
        assert_eq!(&one[..n], b"G");
        let got = ferrobahn_test::uninit::read_uninit_once(&mut io, 16)
            .await
            .unwrap();
        assert_eq!(got, b"rest");
    }
}
