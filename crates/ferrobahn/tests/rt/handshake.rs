//! Opening handshake: subprotocols, denial, origins, timeouts, limits.

use std::future::poll_fn;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use ferrobahn::{
    ClientConfig, DeflateConfig, Deny, Error, HandshakeError, ServerConfig, ServerExtensions,
    Transport,
};
use ferrobahn_test::{Behaviour, Recorder, Seen};

use super::rt;

/// Reads from `io` until EOF; returns everything read.
async fn read_to_end(io: &mut rt::Transport) -> Vec<u8> {
    let mut all = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        match poll_fn(|cx| io.poll_read(cx, &mut buf)).await {
            Ok(0) | Err(_) => return all,
            Ok(n) => all.extend_from_slice(&buf[..n]),
        }
    }
}

async fn write(io: &mut rt::Transport, mut data: &[u8]) {
    while !data.is_empty() {
        let n = poll_fn(|cx| io.poll_write(cx, data)).await.unwrap();
        data = &data[n..];
    }
}

fn expect_status(res: Result<impl Sized, Error>, status: u16) {
    match res {
        Err(Error::Handshake(HandshakeError::UnexpectedStatus { status: s, .. })) => {
            assert_eq!(s, status);
        }
        Err(e) => panic!("expected HTTP {status}, got {e}"),
        Ok(_) => panic!("expected HTTP {status}, got a connection"),
    }
}

async fn server(config: ServerConfig, behaviour: Behaviour) -> (SocketAddr, ferrobahn_test::Seens) {
    let (factory, seen) = Recorder::factory(behaviour);
    (rt::start_server(config, factory).await, seen)
}

#[test]
fn subprotocol_is_negotiated() {
    rt::block_on(async {
        let behaviour = Behaviour {
            select_protocol: Some("wamp.2.json".into()),
            ..Behaviour::default()
        };
        let (addr, mut seen) = server(ServerConfig::default(), behaviour).await;
        let config = ClientConfig::default().with_protocols(["wamp.2.cbor", "wamp.2.json"]);
        let (ws, response) = rt::connect_with(&format!("ws://{addr}/ws"), config)
            .await
            .unwrap();
        assert_eq!(response.protocol.as_deref(), Some("wamp.2.json"));
        assert_eq!(ws.protocol(), Some("wamp.2.json"));
        assert_eq!(
            seen.next().await,
            Some(Seen::Connect {
                path: "/ws".into(),
                protocols: vec!["wamp.2.cbor".into(), "wamp.2.json".into()]
            })
        );
        assert_eq!(
            seen.next().await,
            Some(Seen::Open(Some("wamp.2.json".into())))
        );
    });
}

#[test]
fn handler_denies_with_status() {
    rt::block_on(async {
        let behaviour = Behaviour {
            deny: Some(Deny::new(401, "who are you")),
            ..Behaviour::default()
        };
        let (addr, _seen) = server(ServerConfig::default(), behaviour).await;
        expect_status(
            rt::connect_with(&format!("ws://{addr}/"), ClientConfig::default()).await,
            401,
        );
    });
}

#[test]
fn refused_origin_gets_403() {
    rt::block_on(async {
        let mut config = ServerConfig::default();
        config.handshake.allowed_origins = vec!["https://good.example".into()];
        let (addr, _seen) = server(config, Behaviour::default()).await;
        let url = format!("ws://{addr}/");
        let evil = ClientConfig::default().with_origin("https://evil.example");
        expect_status(rt::connect_with(&url, evil).await, 403);
        let good = ClientConfig::default().with_origin("https://good.example");
        assert!(rt::connect_with(&url, good).await.is_ok());
    });
}

#[test]
fn bad_request_gets_its_status_and_is_closed() {
    rt::block_on(async {
        let (addr, _seen) = server(ServerConfig::default(), Behaviour::default()).await;
        let mut io = rt::tcp_connect(addr).await;
        write(&mut io, b"POST / HTTP/1.1\r\nHost: x\r\n\r\n").await;
        let answer = String::from_utf8(read_to_end(&mut io).await).unwrap();
        assert!(answer.starts_with("HTTP/1.1 405 "), "{answer}");
    });
}

#[test]
fn plain_get_gets_426_or_the_status_page() {
    rt::block_on(async {
        let get = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n";
        let (addr, _seen) = server(ServerConfig::default(), Behaviour::default()).await;
        let mut io = rt::tcp_connect(addr).await;
        write(&mut io, get).await;
        let answer = String::from_utf8(read_to_end(&mut io).await).unwrap();
        assert!(answer.starts_with("HTTP/1.1 426 "), "{answer}");

        let config = ServerConfig::default().with_status_page(true);
        let (addr, _seen) = server(config, Behaviour::default()).await;
        let mut io = rt::tcp_connect(addr).await;
        write(&mut io, get).await;
        let answer = String::from_utf8(read_to_end(&mut io).await).unwrap();
        assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
        assert!(answer.contains("<h1>ferrobahn</h1>"), "{answer}");
    });
}

#[test]
fn unfinished_handshake_is_dropped_after_the_timeout() {
    rt::block_on(async {
        let config =
            ServerConfig::default().with_open_handshake_timeout(Duration::from_millis(200));
        let (addr, _seen) = server(config, Behaviour::default()).await;
        let mut io = rt::tcp_connect(addr).await;
        let start = Instant::now();
        write(&mut io, b"GET / HTTP/1.1\r\nHost: slow").await;
        let answer = read_to_end(&mut io).await;
        let waited = start.elapsed();
        assert!(answer.is_empty(), "no response for an unfinished request");
        assert!(
            waited >= Duration::from_millis(150),
            "dropped too early: {waited:?}"
        );
        assert!(waited < Duration::from_secs(5), "not dropped: {waited:?}");
    });
}

#[test]
fn connections_beyond_the_limit_get_503() {
    rt::block_on(async {
        let config = ServerConfig::default().with_max_connections(1);
        let (addr, _seen) = server(config, Behaviour::default()).await;
        let url = format!("ws://{addr}/");
        let (mut first, _) = rt::connect_with(&url, ClientConfig::default())
            .await
            .unwrap();
        expect_status(rt::connect_with(&url, ClientConfig::default()).await, 503);
        first.close(ferrobahn::CloseCode::NORMAL, "").await.unwrap();
        // The slot is given back once the server has finished the connection.
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            match rt::connect_with(&url, ClientConfig::default()).await {
                Ok(_) => break,
                Err(_) if Instant::now() < deadline => {}
                Err(e) => panic!("slot never freed: {e}"),
            }
        }
    });
}

#[test]
fn malformed_extension_offer_gets_400() {
    rt::block_on(async {
        let deflate = ServerExtensions::new().with_deflate(DeflateConfig::default());
        let config = ServerConfig::default().with_extensions(deflate);
        let (addr, _seen) = server(config, Behaviour::default()).await;
        let mut io = rt::tcp_connect(addr).await;
        let request = concat!(
            "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n",
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n",
            "Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=99\r\n\r\n"
        );
        write(&mut io, request.as_bytes()).await;
        let answer = String::from_utf8(read_to_end(&mut io).await).unwrap();
        assert!(answer.starts_with("HTTP/1.1 400 "), "{answer}");
    });
}
