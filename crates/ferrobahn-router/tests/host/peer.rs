//! A minimal WAMP peer for the host tests: a WebSocket client, a serializer, and
//! helpers to send and await messages.

use std::net::SocketAddr;

use ferrobahn_router::{RouterConfig, RouterHandle};
use ferrobahn_rt::{ClientConfig, Error, WebSocket};
use ferrobahn_serializers::Serializer;
use ferrobahn_wamp::message::{
    Call, Hello, Publish, Register, Registered, ResultMessage, Subscribe, Yield,
};
use ferrobahn_wamp::{Id, Message, Payload, Role};
use ferrobahn_websocket::MessageKind;

use super::rt;

/// A request or session ID from a literal.
pub(crate) fn id(n: u64) -> Id {
    Id::new(n).unwrap()
}

/// A HELLO for `realm1` announcing `roles`, each with default features.
pub(crate) fn hello(roles: &[Role]) -> Hello {
    Hello::with_roles("realm1", roles.iter().copied().collect())
}

/// Starts a router with `config` on a free loopback port.
pub(crate) async fn start_router(config: RouterConfig) -> (RouterHandle, SocketAddr) {
    let listener = rt::bind().await;
    let addr = listener.local_addr().unwrap();
    let router = ferrobahn_router::start(rt::runtime(), config).unwrap();
    let r = router.clone();
    rt::spawn(async move { r.serve(listener).await });
    (router, addr)
}

/// A WAMP peer over WebSocket.
pub(crate) struct Peer {
    pub(crate) ws: WebSocket<rt::Client>,
    ser: Serializer,
}

impl Peer {
    /// Connects offering `protocol` only.
    pub(crate) async fn connect(addr: SocketAddr, protocol: &str) -> Result<Peer, Error> {
        Self::connect_with(addr, protocol, ClientConfig::default()).await
    }

    /// Connects offering `protocol` only, with `cfg` (e.g. extension offers).
    pub(crate) async fn connect_with(
        addr: SocketAddr,
        protocol: &str,
        cfg: ClientConfig,
    ) -> Result<Peer, Error> {
        let cfg = cfg.with_protocols([protocol]);
        let (ws, resp) = rt::connect_with(&format!("ws://{addr}/ws"), cfg).await?;
        assert_eq!(resp.protocol.as_deref(), Some(protocol));
        Ok(Peer {
            ws,
            ser: Serializer::from_subprotocol(protocol).unwrap(),
        })
    }

    pub(crate) async fn send(&mut self, m: impl Into<Message>) {
        let mut out = Vec::new();
        self.ser.encode(&m.into(), &mut out).unwrap();
        let msg = ferrobahn_websocket::Message {
            kind: if self.ser.is_binary() {
                MessageKind::Binary
            } else {
                MessageKind::Text
            },
            data: out.into(),
        };
        self.ws.send(msg).await.unwrap();
    }

    /// The next WAMP message, or `None` when the connection closed.
    pub(crate) async fn recv(&mut self) -> Option<Message> {
        let fut = self.ws.recv();
        let deadline = std::time::Instant::now() + ferrobahn_test::TEST_TIMEOUT;
        let got = ferrobahn_rt::timeout_at(&*rt::runtime(), deadline, fut)
            .await
            .expect("timed out waiting for a message");
        let m = got?.ok()?;
        Some(self.ser.decode_one(&m.data).unwrap())
    }

    pub(crate) async fn expect(&mut self) -> Message {
        self.recv().await.expect("connection closed")
    }

    /// Joins `realm1` with every client role; returns the session ID.
    pub(crate) async fn join(&mut self) -> Id {
        self.send(hello(&[
            Role::Caller,
            Role::Callee,
            Role::Publisher,
            Role::Subscriber,
        ]))
        .await;
        match self.expect().await {
            Message::Welcome(w) => w.session,
            other => panic!("expected WELCOME, got {other:?}"),
        }
    }

    /// Registers `procedure` (request 1); the REGISTERED reply.
    pub(crate) async fn register(&mut self, procedure: &str) -> Registered {
        self.send(Register {
            request: id(1),
            procedure: procedure.into(),
            ..Default::default()
        })
        .await;
        match self.expect().await {
            Message::Registered(r) => r,
            other => panic!("expected REGISTERED, got {other:?}"),
        }
    }

    /// Subscribes to `topic` (request 1) and asserts the SUBSCRIBED reply.
    pub(crate) async fn subscribe(&mut self, topic: &str) {
        self.send(Subscribe {
            request: id(1),
            topic: topic.into(),
            ..Default::default()
        })
        .await;
        assert!(matches!(self.expect().await, Message::Subscribed(_)));
    }
}

/// A MessagePack callee that registered `procedure` and a JSON caller, both joined.
pub(crate) async fn callee_and_caller(addr: SocketAddr, procedure: &str) -> (Peer, Peer, Registered) {
    let mut callee = Peer::connect(addr, "wamp.2.msgpack").await.unwrap();
    let mut caller = Peer::connect(addr, "wamp.2.json").await.unwrap();
    callee.join().await;
    caller.join().await;
    let reg = callee.register(procedure).await;
    (callee, caller, reg)
}

/// `caller` calls `procedure` (request `request`) with `payload`, `callee` answers
/// its INVOCATION with the same payload; the RESULT.
pub(crate) async fn echo_call(
    caller: &mut Peer,
    callee: &mut Peer,
    procedure: &str,
    request: u64,
    payload: Payload,
) -> ResultMessage {
    caller
        .send(Call {
            request: id(request),
            procedure: procedure.into(),
            payload,
            ..Default::default()
        })
        .await;
    let Message::Invocation(inv) = callee.expect().await else {
        panic!("expected INVOCATION")
    };
    callee
        .send(Yield {
            request: inv.request,
            payload: inv.payload,
            ..Default::default()
        })
        .await;
    let Message::Result(r) = caller.expect().await else {
        panic!("expected RESULT")
    };
    assert_eq!(r.request, id(request));
    r
}

/// Floods `topic` with 16 KiB events from `publisher` (up to 400 rounds of 50), asking
/// `wamp.session.get` for `session` after each round; true once the router answers
/// `wamp.error.no_such_session` (it dropped the session that does not read).
pub(crate) async fn flood_until_dropped(publisher: &mut Peer, topic: &str, session: Id) -> bool {
    let big = "x".repeat(16 * 1024);
    for round in 0..400u64 {
        for _ in 0..50 {
            let payload = Payload::from_args(&(&big,)).unwrap();
            publisher
                .send(Publish {
                    request: id(10 + round),
                    topic: topic.into(),
                    payload,
                    ..Default::default()
                })
                .await;
        }
        let payload = Payload::from_args(&(session.get(),)).unwrap();
        publisher
            .send(Call {
                request: id(1 + round),
                procedure: "wamp.session.get".into(),
                payload,
                ..Default::default()
            })
            .await;
        match publisher.expect().await {
            Message::Error(e) => {
                assert_eq!(e.error, "wamp.error.no_such_session");
                return true;
            }
            Message::Result(_) => {}
            other => panic!("{other:?}"),
        }
    }
    false
}
