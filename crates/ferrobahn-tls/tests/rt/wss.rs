//! `wss://` round trips: custom roots, SNI from the URL host, ALPN, the
//! `tls-exporter` channel binding, through an HTTP `CONNECT` proxy (a
//! one-shot one, and Debian's tinyproxy).

use std::future::{poll_fn, Future};
use std::net::SocketAddr;

use ferrobahn_rt::{ClientConfig, Listener, Proxy, ServerConfig, Transport};
use ferrobahn_test::proxy::connect_proxy_once;
use ferrobahn_test::tinyproxy::{Tinyproxy, TinyproxyConfig};
use ferrobahn_test::{Behaviour, Recorder, TEST_TIMEOUT};
use ferrobahn_tls::TlsServerConfig;
use ferrobahn_websocket::{CloseCode, Message};

use super::rt;
use crate::common::Ca;

/// Serves echoing recorders over TLS on a free loopback port.
pub(crate) async fn tls_server(tls: &TlsServerConfig, config: ServerConfig) -> SocketAddr {
    let (factory, _seen) = Recorder::factory(Behaviour {
        echo: true,
        ..Behaviour::default()
    });
    let listener = rt::binding::TlsListener::new(rt::bind().await, tls);
    let addr = listener.local_addr().unwrap().socket_addr().unwrap();
    rt::spawn(ferrobahn_rt::serve(
        rt::runtime(),
        listener,
        config,
        factory,
    ));
    addr
}

/// Runs `fut`, failing the test if it takes longer than [`TEST_TIMEOUT`].
pub(crate) async fn within<F: Future>(fut: F) -> F::Output {
    let runtime = rt::runtime();
    let deadline = runtime.now() + TEST_TIMEOUT;
    ferrobahn_rt::timeout_at(&*runtime, deadline, fut)
        .await
        .expect("the test took too long")
}

/// Sends `text` and expects it back.
async fn echo(ws: &mut ferrobahn_rt::WebSocket<rt::Client>, text: &str) {
    ws.send(Message::text(text)).await.unwrap();
    let back = ws.recv().await.unwrap().unwrap();
    assert_eq!(back.as_text(), Some(text));
}

#[test]
fn wss_echo_with_a_custom_root_sni_and_alpn() {
    rt::block_on(within(async {
        let ca = Ca::new("echo CA");
        let server_tls = ca.server(&["localhost"]).with_alpn(["x-ferrobahn"]);
        let addr = tls_server(&server_tls, ServerConfig::default()).await;
        let client_tls = ca.client().with_alpn(["x-ferrobahn"]);
        let url = format!("wss://localhost:{}/echo", addr.port());
        let config = ClientConfig::default().with_tls(client_tls);
        let (mut ws, response) = rt::connect_with(&url, config).await.unwrap();
        assert_eq!(response.status, 101);
        assert!(ws.get_ref().is_tls());
        let session = ws.get_ref().tls_connection().unwrap();
        assert_eq!(session.alpn_protocol(), Some(&b"x-ferrobahn"[..]));
        let exporter = ws.get_ref().tls_exporter().unwrap();
        assert_ne!(exporter, [0u8; 32]);
        echo(&mut ws, "over TLS").await;
        let big = "x".repeat(100_000);
        echo(&mut ws, &big).await;
        ws.close(CloseCode::NORMAL, "done").await.unwrap();
    }));
}

#[test]
fn wss_through_a_connect_proxy_starts_tls_inside_the_tunnel() {
    rt::block_on(within(async {
        let ca = Ca::new("proxy CA");
        let addr = tls_server(&ca.server(&["127.0.0.1"]), ServerConfig::default()).await;
        let proxy = rt::bind().await;
        let proxy_port = proxy.local_addr().unwrap().port();
        let (tx, asked) = futures_channel::oneshot::channel();
        rt::spawn(async move {
            let _ = tx.send(connect_proxy_once(proxy, 200, rt::tcp_connect).await);
        });
        let config = ClientConfig::default()
            .with_tls(ca.client())
            .with_proxy(Proxy::new("127.0.0.1", proxy_port));
        let (mut ws, _) = rt::connect_with(&format!("wss://{addr}/tunnel"), config)
            .await
            .unwrap();
        assert!(ws.get_ref().is_tls());
        echo(&mut ws, "TLS inside CONNECT").await;
        ws.close(CloseCode::NORMAL, "").await.unwrap();
        assert_eq!(asked.await.unwrap(), Some(addr.to_string()));
    }));
}

#[test]
fn wss_through_tinyproxy_with_basic_auth() {
    let proxy = Tinyproxy::start(&TinyproxyConfig {
        basic_auth: Some(("bob".into(), "pw".into())),
        ..TinyproxyConfig::default()
    })
    .expect("tinyproxy");
    rt::block_on(within(async {
        let ca = Ca::new("tinyproxy CA");
        let addr = tls_server(&ca.server(&["127.0.0.1"]), ServerConfig::default()).await;
        let config = ClientConfig::default()
            .with_tls(ca.client())
            .with_proxy(Proxy::new("127.0.0.1", proxy.port).with_basic_auth("bob", "pw"));
        let (mut ws, _) = rt::connect_with(&format!("wss://{addr}/tiny"), config)
            .await
            .unwrap();
        assert!(ws.get_ref().is_tls());
        echo(&mut ws, "TLS through tinyproxy").await;
        ws.close(CloseCode::NORMAL, "").await.unwrap();
    }));
}

#[test]
fn a_server_name_override_checks_that_name_instead_of_the_host() {
    rt::block_on(within(async {
        let ca = Ca::new("override CA");
        let addr = tls_server(&ca.server(&["ws.example"]), ServerConfig::default()).await;
        let tls = ca.client().with_server_name("ws.example").unwrap();
        let config = ClientConfig::default().with_tls(tls);
        let (mut ws, _) = rt::connect_with(&format!("wss://{addr}/"), config)
            .await
            .unwrap();
        echo(&mut ws, "named").await;
    }));
}

#[test]
fn both_ends_export_the_same_tls_exporter_channel_binding() {
    rt::block_on(within(async {
        let ca = Ca::new("binding CA");
        let tls = ca.server(&["localhost"]);
        let mut listener = rt::binding::TlsListener::new(rt::bind().await, &tls);
        let port = listener.local_addr().unwrap().socket_addr().unwrap().port();
        let (tx, server_side) = futures_channel::oneshot::channel();
        rt::spawn(async move {
            let (mut io, _) = poll_fn(|cx| listener.poll_accept(cx)).await.unwrap();
            assert_eq!(io.tls_exporter(), None, "no binding before the handshake");
            let mut byte = [0u8; 1];
            // The first read runs the TLS handshake.
            let n = poll_fn(|cx| io.poll_read(cx, &mut byte)).await.unwrap();
            assert_eq!(n, 1);
            let _ = tx.send(Transport::tls_exporter(&io));
        });
        let mut client = rt::binding::connect_tls("localhost", port, Some(&ca.client()))
            .await
            .unwrap();
        let n = poll_fn(|cx| client.poll_write(cx, b"!")).await.unwrap();
        assert_eq!(n, 1);
        poll_fn(|cx| client.poll_flush(cx)).await.unwrap();
        let ours = Transport::tls_exporter(&client).expect("a TLS client has a binding");
        let theirs = server_side.await.unwrap().expect("so has the server");
        assert_eq!(ours, theirs);
        assert_ne!(ours, [0u8; 32]);
    }));
}
