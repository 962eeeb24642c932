//! Bad certificates, wrong peers and silent peers end with a clear error
//! and within the timeouts; the server keeps serving others.

use std::future::poll_fn;
use std::time::{Duration, Instant};

use ferrobahn_rt::{sleep_until, ClientConfig, Error, Listener, ServerConfig, Timeout, Transport};
use ferrobahn_test::{Behaviour, Recorder};
use ferrobahn_tls::TlsError;
use ferrobahn_websocket::Message;

use super::rt;
use super::wss::{tls_server, within};
use crate::common::Ca;

fn short(timeout_ms: u64) -> ClientConfig {
    ClientConfig::default().with_open_handshake_timeout(Duration::from_millis(timeout_ms))
}

/// A good client still gets its echo.
async fn still_serving(ca: &Ca, port: u16) {
    let config = ClientConfig::default().with_tls(ca.client());
    let (mut ws, _) = rt::connect_with(&format!("wss://localhost:{port}/"), config)
        .await
        .unwrap();
    ws.send(Message::text("still here")).await.unwrap();
    let back = ws.recv().await.unwrap().unwrap();
    assert_eq!(back.as_text(), Some("still here"));
}

#[test]
fn host_name_mismatch_is_a_typed_error_and_the_server_keeps_serving() {
    rt::block_on(within(async {
        let ca = Ca::new("mismatch CA");
        let addr = tls_server(&ca.server(&["localhost"]), ServerConfig::default()).await;
        // The certificate names `localhost`, not the address we dial.
        let config = short(5000).with_tls(ca.client());
        match rt::connect_with(&format!("wss://{addr}/"), config).await {
            Err(Error::Tls(TlsError::NameMismatch(_))) => {}
            other => panic!("expected a name mismatch, got {:?}", other.map(|_| ())),
        }
        still_serving(&ca, addr.port()).await;
    }));
}

#[test]
fn untrusted_certificates_are_refused() {
    rt::block_on(within(async {
        let ca = Ca::new("real CA");
        let addr = tls_server(&ca.server(&["localhost"]), ServerConfig::default()).await;
        let url = format!("wss://localhost:{}/", addr.port());
        let stranger = Ca::new("another CA");
        let config = short(5000).with_tls(stranger.client());
        match rt::connect_with(&url, config).await {
            Err(Error::Tls(TlsError::Untrusted(_))) => {}
            other => panic!("expected untrusted, got {:?}", other.map(|_| ())),
        }
        // Without a TLS config the client trusts Mozilla's roots only.
        match rt::connect_with(&url, short(5000)).await {
            Err(Error::Tls(TlsError::Untrusted(_))) => {}
            other => panic!("expected untrusted, got {:?}", other.map(|_| ())),
        }
        still_serving(&ca, addr.port()).await;
    }));
}

#[test]
fn a_plain_client_against_a_tls_server_fails_fast() {
    rt::block_on(within(async {
        let ca = Ca::new("plain CA");
        let addr = tls_server(&ca.server(&["localhost"]), ServerConfig::default()).await;
        let start = Instant::now();
        let result = rt::connect_with(&format!("ws://{addr}/"), short(5000)).await;
        assert!(
            result.is_err(),
            "a plain handshake must not succeed over TLS"
        );
        assert!(
            start.elapsed() < Duration::from_secs(4),
            "ended by the server, not by the timeout"
        );
        still_serving(&ca, addr.port()).await;
    }));
}

#[test]
fn a_tls_client_against_a_plain_server_ends_within_its_timeout() {
    rt::block_on(within(async {
        let ca = Ca::new("plain server CA");
        let (factory, _seen) = Recorder::factory(Behaviour::default());
        let addr = rt::start_server(ServerConfig::default(), factory).await;
        let config = short(500).with_tls(ca.client());
        let start = Instant::now();
        // The plain server waits for an HTTP head that a ClientHello never
        // completes, so the client's timeout ends it (or a TLS error first).
        match rt::connect_with(&format!("wss://{addr}/"), config).await {
            Err(Error::Timeout(Timeout::OpenHandshake) | Error::Tls(_) | Error::Io(_)) => {}
            other => panic!("expected a TLS failure, got {:?}", other.map(|_| ())),
        }
        assert!(start.elapsed() < Duration::from_secs(3));
    }));
}

#[test]
fn a_silent_peer_is_dropped_by_the_server_after_the_open_handshake_timeout() {
    rt::block_on(within(async {
        let ca = Ca::new("silent CA");
        let config =
            ServerConfig::default().with_open_handshake_timeout(Duration::from_millis(300));
        let addr = tls_server(&ca.server(&["localhost"]), config).await;
        let start = Instant::now();
        let mut io = rt::tcp_connect(addr).await;
        let mut buf = [0u8; 64];
        // Nothing is sent: the server's TLS handshake waits, then gives up.
        let read = poll_fn(|cx| io.poll_read(cx, &mut buf)).await;
        assert!(
            matches!(read, Ok(0) | Err(_)),
            "expected the end, got {read:?}"
        );
        let waited = start.elapsed();
        assert!(
            waited >= Duration::from_millis(250),
            "closed too early: {waited:?}"
        );
        still_serving(&ca, addr.port()).await;
    }));
}

#[test]
fn a_silent_server_times_the_client_out() {
    rt::block_on(within(async {
        let ca = Ca::new("silent server CA");
        let mut listener = rt::bind().await;
        let addr = listener.local_addr().unwrap();
        rt::spawn(async move {
            // Accepts, then says nothing for longer than the client waits.
            if let Ok((io, _)) = poll_fn(|cx| listener.poll_accept(cx)).await {
                let runtime = rt::runtime();
                sleep_until(&*runtime, runtime.now() + Duration::from_secs(5)).await;
                drop(io);
            }
        });
        let config = short(300).with_tls(ca.client());
        let start = Instant::now();
        match rt::connect_with(&format!("wss://{addr}/"), config).await {
            Err(Error::Timeout(Timeout::OpenHandshake)) => {}
            other => panic!("expected a timeout, got {:?}", other.map(|_| ())),
        }
        assert!(start.elapsed() < Duration::from_secs(3));
    }));
}
