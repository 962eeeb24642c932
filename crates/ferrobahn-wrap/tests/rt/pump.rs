use std::future::poll_fn;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::Duration;

use ferrobahn_rt::{ClientConfig, ServerConfig, Transport};
use ferrobahn_test::mem::{pipe, MemIo};
use ferrobahn_websocket::{CloseCode, Message};
use ferrobahn_wrap::{forward_ws_connection, WrapConfig, WrapError};
use futures_channel::oneshot;

use super::rt;

/// Serves one WebSocket connection forwarded to an in-memory upstream;
/// returns the server address, the test's end of the upstream and the
/// forwarder's result.
async fn one_forward(
    wrap: WrapConfig,
) -> (SocketAddr, MemIo, oneshot::Receiver<Result<(), WrapError>>) {
    let mut listener = rt::bind().await;
    let addr = listener.local_addr().unwrap();
    let (ours, theirs) = pipe(64 * 1024);
    let (tx, rx) = oneshot::channel();
    rt::spawn(async move {
        let (io, peer) = poll_fn(|cx| ferrobahn_rt::Listener::poll_accept(&mut listener, cx))
            .await
            .unwrap();
        let upstream = Mutex::new(Some(theirs));
        let connect = || async { Ok(upstream.lock().unwrap().take().unwrap()) };
        let server = ServerConfig::default();
        let result =
            forward_ws_connection(rt::runtime(), io, Some(peer), &server, &wrap, connect).await;
        let _ = tx.send(result.map(drop));
    });
    (addr, ours, rx)
}

async fn read_some(io: &mut MemIo) -> Vec<u8> {
    let mut buf = [0u8; 256];
    let n = poll_fn(|cx| io.poll_read(cx, &mut buf)).await.unwrap();
    buf[..n].to_vec()
}

#[test]
fn base64_framing_both_ways_and_bad_base64_closes_with_1007() {
    rt::block_on(async {
        let (addr, mut upstream, result) = one_forward(WrapConfig::default()).await;
        let config = ClientConfig::default().with_protocols(["base64"]);
        let (mut ws, response) = rt::connect_with(&format!("ws://{addr}/"), config)
            .await
            .unwrap();
        assert_eq!(response.protocol.as_deref(), Some("base64"));
        ws.send(Message::text("aGVsbG8=")).await.unwrap();
        assert_eq!(read_some(&mut upstream).await, b"hello");
        poll_fn(|cx| upstream.poll_write(cx, b"world"))
            .await
            .unwrap();
        let back = ws.recv().await.unwrap().unwrap();
        assert_eq!(back.as_text(), Some("d29ybGQ="));
        ws.send(Message::text("not base64!")).await.unwrap();
        while ws.recv().await.is_some() {}
        assert_eq!(ws.closed().unwrap().code, CloseCode::INVALID_PAYLOAD);
        assert!(matches!(result.await.unwrap(), Err(WrapError::BadBase64)));
    });
}

#[test]
fn idle_pair_is_closed_with_1011() {
    rt::block_on(async {
        let wrap = WrapConfig::default().with_idle_timeout(Duration::from_millis(200));
        let (addr, _upstream, result) = one_forward(wrap).await;
        let (mut ws, _) = rt::connect_with(&format!("ws://{addr}/"), ClientConfig::default())
            .await
            .unwrap();
        while ws.recv().await.is_some() {}
        let closed = ws.closed().unwrap();
        assert_eq!(closed.code, CloseCode::INTERNAL_ERROR);
        assert_eq!(&*closed.reason, "idle for too long");
        assert!(matches!(result.await.unwrap(), Err(WrapError::Idle)));
    });
}
