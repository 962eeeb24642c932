//! RawSocket on the WebSocket port: the first byte tells them apart.

use std::future::poll_fn;

use ferrobahn_router::RouterConfig;
use ferrobahn_rt::Transport;
use ferrobahn_serializers::rawsocket::{Config, Event, RawSocket};
use ferrobahn_serializers::{Format, Serializer};
use ferrobahn_wamp::message::*;
use ferrobahn_wamp::{Message, Payload, Role, Value};

use super::peer::{flood_until_dropped, hello, id, start_router, Peer};
use super::rt;

/// A WAMP peer over RawSocket (sans-IO client core over a TCP transport).
struct RawPeer {
    io: rt::Transport,
    raw: RawSocket,
    ser: Serializer,
}

impl RawPeer {
    async fn connect(addr: std::net::SocketAddr, format: Format) -> RawPeer {
        let io = rt::tcp_connect(addr).await;
        let raw = RawSocket::client(Config::default().with_serializers([format.rawsocket_id()]));
        let mut p = RawPeer {
            io,
            raw,
            ser: Serializer::new(format),
        };
        p.flush().await;
        match p.event().await {
            Event::Open { serializer, .. } => assert_eq!(serializer, format.rawsocket_id()),
            other => panic!("expected the handshake reply, got {other:?}"),
        }
        p
    }

    async fn flush(&mut self) {
        let mut out = Vec::new();
        let _ = self.raw.poll_transmit(&mut out);
        let mut pos = 0;
        while pos < out.len() {
            let io = &mut self.io;
            pos += poll_fn(|cx| io.poll_write(cx, &out[pos..])).await.unwrap();
        }
    }

    async fn event(&mut self) -> Event {
        loop {
            if let Some(ev) = self.raw.poll_event() {
                return ev;
            }
            let mut buf = [0u8; 4096];
            let io = &mut self.io;
            let n = poll_fn(|cx| io.poll_read(cx, &mut buf)).await.unwrap();
            assert!(n > 0, "connection closed");
            self.raw.feed(&buf[..n]);
            self.flush().await;
        }
    }

    async fn send(&mut self, m: impl Into<Message>) {
        let mut out = Vec::new();
        self.ser.encode(&m.into(), &mut out).unwrap();
        self.raw.send_message(&out).unwrap();
        self.flush().await;
    }

    async fn expect(&mut self) -> Message {
        loop {
            if let Event::Message(m) = self.event().await {
                return self.ser.decode_one(&m).unwrap();
            }
        }
    }
}

#[test]
fn rawsocket_and_websocket_share_a_port() {
    rt::block_on(async {
        let (router, addr) = start_router(RouterConfig::default()).await;
        let mut callee = RawPeer::connect(addr, Format::MsgPack).await;
        callee.send(hello(&[Role::Callee])).await;
        assert!(matches!(callee.expect().await, Message::Welcome(_)));
        callee
            .send(Register {
                request: id(1),
                procedure: "com.echo".into(),
                ..Default::default()
            })
            .await;
        assert!(matches!(callee.expect().await, Message::Registered(_)));

        let mut caller = Peer::connect(addr, "wamp.2.json").await.unwrap();
        caller.join().await;
        let payload = Payload::from_args(&("over", "rawsocket")).unwrap();
        caller
            .send(Call {
                request: id(5),
                procedure: "com.echo".into(),
                payload,
                ..Default::default()
            })
            .await;
        let Message::Invocation(inv) = callee.expect().await else {
            panic!()
        };
        callee
            .send(Yield {
                request: inv.request,
                payload: inv.payload,
                ..Default::default()
            })
            .await;
        let Message::Result(r) = caller.expect().await else {
            panic!()
        };
        assert_eq!(
            r.payload.args(),
            &[Value::from("over"), Value::from("rawsocket")]
        );
        router.shutdown();
        assert!(matches!(callee.expect().await, Message::Goodbye(_)));
    });
}

#[test]
fn rawsocket_json_session() {
    rt::block_on(async {
        let (router, addr) = start_router(RouterConfig::default()).await;
        let mut p = RawPeer::connect(addr, Format::Json).await;
        p.send(hello(&[Role::Caller])).await;
        assert!(matches!(p.expect().await, Message::Welcome(_)));
        p.send(Call {
            request: id(2),
            procedure: "wamp.session.count".into(),
            ..Default::default()
        })
        .await;
        let Message::Result(r) = p.expect().await else {
            panic!()
        };
        assert_eq!(r.payload.args(), &[Value::from(1)]);
        router.shutdown();
    });
}

/// Reads until the router closes the connection; panics after the test timeout.
async fn read_to_eof(io: &mut rt::Transport) {
    let deadline = std::time::Instant::now() + ferrobahn_test::TEST_TIMEOUT;
    let drain = async {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match poll_fn(|cx| io.poll_read(cx, &mut buf)).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    };
    ferrobahn_rt::timeout_at(&*rt::runtime(), deadline, drain)
        .await
        .expect("the router never closed the connection");
}

#[test]
fn a_rawsocket_handshake_that_stops_after_the_magic_byte_times_out() {
    rt::block_on(async {
        let mut config = RouterConfig::default();
        config.limits.open_handshake_timeout_secs = 1;
        let (router, addr) = start_router(config).await;
        let mut io = rt::tcp_connect(addr).await;
        let started = std::time::Instant::now();
        poll_fn(|cx| io.poll_write(cx, &[0x7F])).await.unwrap();
        read_to_eof(&mut io).await;
        let waited = started.elapsed();
        assert!(
            waited >= std::time::Duration::from_millis(900),
            "closed too early: {waited:?}"
        );
        router.shutdown();
    });
}

#[test]
fn a_rawsocket_peer_that_does_not_read_is_dropped() {
    rt::block_on(async {
        let mut config = RouterConfig::default();
        config.limits.write_timeout_secs = 1;
        let (router, addr) = start_router(config).await;
        let mut slow = RawPeer::connect(addr, Format::Json).await;
        slow.send(hello(&[Role::Subscriber])).await;
        let Message::Welcome(w) = slow.expect().await else {
            panic!("no WELCOME")
        };
        slow.send(Subscribe {
            request: id(1),
            topic: "com.flood".into(),
            ..Default::default()
        })
        .await;
        assert!(matches!(slow.expect().await, Message::Subscribed(_)));
        let mut publisher = Peer::connect(addr, "wamp.2.json").await.unwrap();
        publisher.join().await;
        let gone = flood_until_dropped(&mut publisher, "com.flood", w.session).await;
        assert!(
            gone,
            "the RawSocket peer that does not read was never dropped"
        );
        read_to_eof(&mut slow.io).await;
        router.shutdown();
    });
}
