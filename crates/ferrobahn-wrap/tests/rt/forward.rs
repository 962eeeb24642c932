//! The forwarders and their accept loop on every runtime: `stream → ws`
//! through `serve_forward` (with its connection limit), and every wait of a
//! forwarder bounded by `connect_timeout`.

use std::future::poll_fn;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use ferrobahn_rt::{ClientConfig, Listener, ServerConfig, Transport};
use ferrobahn_test::mem::pipe;
use ferrobahn_test::{Behaviour, Recorder};
use ferrobahn_websocket::CloseCode;
use ferrobahn_wrap::{
    forward_stream_connection, forward_ws_connection, serve_forward, WrapConfig, WrapError,
};
use futures_channel::oneshot;

use super::rt;

async fn write_all<T: Transport>(io: &mut T, mut data: &[u8]) {
    while !data.is_empty() {
        let n = poll_fn(|cx| io.poll_write(cx, data)).await.unwrap();
        data = &data[n..];
    }
}

/// Reads exactly `n` bytes, or fewer if the stream ends first.
async fn read_n<T: Transport>(io: &mut T, n: usize) -> Vec<u8> {
    let mut out = vec![0u8; n];
    let mut filled = 0;
    while filled < n {
        match poll_fn(|cx| io.poll_read(cx, &mut out[filled..])).await {
            Ok(0) | Err(_) => break,
            Ok(k) => filled += k,
        }
    }
    out.truncate(filled);
    out
}

/// A WebSocket echo server (binary subprotocol not chosen: binary framing).
async fn ws_echo() -> SocketAddr {
    let behaviour = Behaviour {
        echo: true,
        ..Behaviour::default()
    };
    let (factory, _seen) = Recorder::factory(behaviour);
    rt::start_server(ServerConfig::default(), factory).await
}

#[test]
fn serve_forward_wraps_streams_into_websocket_up_to_its_limit() {
    rt::block_on(async {
        let url = format!("ws://{}/", ws_echo().await);
        let listener = rt::bind().await;
        let addr = listener.local_addr().unwrap();
        let wrap = WrapConfig::default();
        let per = move |io, _peer| {
            let (wrap, url) = (wrap.clone(), url.clone());
            async move {
                let config = wrap.client_config(ClientConfig::default());
                let connect = || rt::connect_with(&url, config);
                let _ = forward_stream_connection(rt::runtime(), io, &wrap, connect).await;
            }
        };
        rt::spawn(serve_forward(rt::runtime(), listener, 1, per));

        let mut first = rt::tcp_connect(addr).await;
        let payload: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        write_all(&mut first, &payload).await;
        assert_eq!(read_n(&mut first, payload.len()).await, payload);
        // The limit is one connection: a second one is closed at once.
        let mut second = rt::tcp_connect(addr).await;
        assert!(read_n(&mut second, 1).await.is_empty());
        // The first still works.
        write_all(&mut first, b"still here").await;
        assert_eq!(read_n(&mut first, 10).await, b"still here");
    });
}

#[test]
fn upstream_that_never_connects_closes_the_websocket_with_1011() {
    rt::block_on(async {
        let mut listener = rt::bind().await;
        let addr = listener.local_addr().unwrap();
        let (tx, result) = oneshot::channel();
        rt::spawn(async move {
            let (io, peer) = poll_fn(|cx| listener.poll_accept(cx)).await.unwrap();
            let wrap = WrapConfig::default().with_connect_timeout(Duration::from_millis(200));
            // A connect that never completes (a black-holed address).
            let connect = std::future::pending::<std::io::Result<rt::Transport>>;
            let server = ServerConfig::default();
            let done =
                forward_ws_connection(rt::runtime(), io, Some(peer), &server, &wrap, connect).await;
            let _ = tx.send(done.map(drop));
        });
        let (mut ws, _) = rt::connect_with(&format!("ws://{addr}/"), ClientConfig::default())
            .await
            .unwrap();
        let started = Instant::now();
        while ws.recv().await.is_some() {}
        assert!(started.elapsed() < ferrobahn_test::TEST_TIMEOUT);
        let closed = ws.closed().unwrap();
        assert_eq!(closed.code, CloseCode::INTERNAL_ERROR);
        assert_eq!(&*closed.reason, "connecting upstream timed out");
        assert!(matches!(
            result.await.unwrap(),
            Err(WrapError::ConnectTimeout)
        ));
    });
}

#[test]
fn silent_websocket_server_ends_the_wrapped_stream_in_time() {
    rt::block_on(async {
        // Connections complete in the kernel's backlog; no handshake answer.
        let silent = rt::bind().await;
        let url = format!("ws://{}/", silent.local_addr().unwrap());
        let (mut ours, theirs) = pipe(64 * 1024);
        let wrap = WrapConfig::default().with_connect_timeout(Duration::from_millis(300));
        let started = Instant::now();
        let connect = || rt::connect_with(&url, ClientConfig::default());
        let done = forward_stream_connection(rt::runtime(), theirs, &wrap, connect).await;
        assert!(matches!(done, Err(WrapError::ConnectTimeout)), "{done:?}");
        assert!(started.elapsed() < ferrobahn_test::TEST_TIMEOUT);
        // The wrapped stream was shut down: its peer reads the end.
        assert!(read_n(&mut ours, 1).await.is_empty());
        drop(silent);
    });
}
