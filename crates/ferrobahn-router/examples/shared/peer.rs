//! The WAMP peer of the loopback examples (`bench_loopback`, `bench_fanout`): a
//! WebSocket client speaking MessagePack, with helpers to send, receive and join.

use std::net::SocketAddr;

use ferrobahn_rt::{ClientConfig, WebSocket};
use ferrobahn_serializers::Serializer;
use ferrobahn_tokio::ClientStream;
use ferrobahn_wamp::message::Hello;
use ferrobahn_wamp::{Message, Role};
use ferrobahn_websocket::MessageKind;

/// A peer's connection.
pub(crate) type Ws = WebSocket<ClientStream>;

/// Connects to the router at `addr` with subprotocol `wamp.2.msgpack`.
pub(crate) async fn connect(addr: SocketAddr) -> (Ws, Serializer) {
    let cfg = ClientConfig::default().with_protocols(["wamp.2.msgpack"]);
    let (ws, _) = ferrobahn_tokio::connect_with(&format!("ws://{addr}/ws"), cfg)
        .await
        .unwrap();
    (ws, Serializer::from_subprotocol("wamp.2.msgpack").unwrap())
}

/// Sends `m` as one binary message.
pub(crate) async fn send(ws: &mut Ws, ser: &Serializer, m: Message) {
    let mut out = Vec::new();
    ser.encode(&m, &mut out).unwrap();
    let msg = ferrobahn_websocket::Message {
        kind: MessageKind::Binary,
        data: out.into(),
    };
    ws.send(msg).await.unwrap();
}

/// The next WAMP message.
pub(crate) async fn recv(ws: &mut Ws, ser: &Serializer) -> Message {
    let m = ws.recv().await.unwrap().unwrap();
    ser.decode_one(&m.data).unwrap()
}

/// Joins `realm1` announcing `roles`; panics unless welcomed.
pub(crate) async fn join(ws: &mut Ws, ser: &Serializer, roles: &[Role]) {
    let hello = Hello::with_roles("realm1", roles.iter().copied().collect());
    send(ws, ser, Message::Hello(hello)).await;
    assert!(matches!(recv(ws, ser).await, Message::Welcome(_)));
}
