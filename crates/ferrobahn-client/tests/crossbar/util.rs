//! Shared helpers of the Crossbar tests (compiled once per runtime).

use std::future::Future;

use ferrobahn_client::transport::connect_websocket;
use ferrobahn_client::{Client, ClientConfig, JoinOptions};
use ferrobahn_serializers::Serializer;

use super::rt;
use crate::harness::Node;

/// Runs `test` against the Crossbar node on this runtime, within the test timeout;
/// returns at once (the notice is printed) when Crossbar is not configured.
pub(crate) fn run<F, Fut>(test: F)
where
    F: FnOnce(&'static Node) -> Fut,
    Fut: Future<Output = ()>,
{
    let Some(node) = crate::harness::node() else {
        return;
    };
    rt::block_on(async move {
        let runtime = rt::runtime();
        let deadline = runtime.now() + ferrobahn_test::TEST_TIMEOUT * 3;
        ferrobahn_rt::timeout_at(&*runtime, deadline, test(node))
            .await
            .expect("test timed out");
    });
}

/// A URI unique to this runtime and test.
pub(crate) fn uri(name: &str) -> String {
    format!("com.test.{}.{name}", rt::NAME.replace('-', "_"))
}

/// A connected (not joined) client over WebSocket with `subprotocol`.
pub(crate) async fn ws_client(node: &Node, subprotocol: &str) -> Client {
    let io = rt::tcp_connect(node.ws_addr).await;
    let ser = Serializer::from_subprotocol(subprotocol).expect("serializer");
    let transport = connect_websocket(
        rt::runtime(),
        io,
        &node.ws_url(),
        &[ser],
        ferrobahn_rt::ClientConfig::default(),
    )
    .await
    .expect("WebSocket connect");
    Client::new(rt::runtime(), transport, ClientConfig::default())
}

/// A client joined to `realm1` anonymously over WebSocket JSON.
pub(crate) async fn joined(node: &Node) -> Client {
    joined_with(node, "wamp.2.json").await
}

/// A client joined to `realm1` anonymously over WebSocket with `subprotocol`.
pub(crate) async fn joined_with(node: &Node, subprotocol: &str) -> Client {
    let c = ws_client(node, subprotocol).await;
    c.join(JoinOptions::new("realm1")).await.expect("join");
    c
}

/// Sleeps on this runtime's clock.
pub(crate) async fn sleep(d: std::time::Duration) {
    let runtime = rt::runtime();
    ferrobahn_rt::sleep_until(&*runtime, runtime.now() + d).await;
}
