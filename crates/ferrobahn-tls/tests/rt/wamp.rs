//! Our WAMP client joins our router over `wss://` and `rss://` and calls a
//! procedure another session registered.

use std::time::Duration;

use ferrobahn_client::transport::{connect_endpoint, Endpoint, WampTransport};
use ferrobahn_client::wamp::{Payload, Value};
use ferrobahn_client::{Client, ClientConfig, Invocation, JoinOptions, ProcedureResult};
use ferrobahn_router::config::TransportConfig;
use ferrobahn_router::RouterConfig;
use ferrobahn_rt::{Error, Listener};
use ferrobahn_serializers::{Format, Serializer};
use ferrobahn_test::TEST_TIMEOUT;
use ferrobahn_tls::{TlsClientConfig, TlsError};

use super::rt;
use crate::common::Ca;

const HANDSHAKE: Duration = Duration::from_secs(5);

/// Starts a router (realm1, anonymous) serving TLS on a free port.
async fn tls_router(ca: &Ca) -> u16 {
    let router = ferrobahn_router::start(rt::runtime(), RouterConfig::default()).unwrap();
    let tls = ca.server(&["localhost"]);
    let listener = rt::binding::TlsListener::new(rt::bind().await, &tls);
    let port = listener.local_addr().unwrap().socket_addr().unwrap().port();
    rt::spawn(async move {
        router
            .serve_transport(listener, &TransportConfig::default())
            .await;
    });
    port
}

/// Opens `url` over TLS trusting `roots`.
async fn open(url: &str, roots: &TlsClientConfig, format: Format) -> Box<dyn WampTransport> {
    let endpoint = Endpoint::parse(url).unwrap();
    assert!(endpoint.is_tls());
    let (Endpoint::WebSocket { host, port, .. } | Endpoint::RawSocketTcp { host, port, .. }) =
        &endpoint
    else {
        panic!("not a TCP endpoint: {endpoint:?}");
    };
    let stream = rt::binding::connect_tls(host, *port, Some(roots))
        .await
        .unwrap();
    connect_endpoint(
        rt::runtime(),
        stream,
        &endpoint,
        Serializer::new(format),
        HANDSHAKE,
    )
    .await
    .unwrap()
}

async fn joined(url: &str, roots: &TlsClientConfig, format: Format) -> Client {
    let client = Client::new(
        rt::runtime(),
        open(url, roots, format).await,
        ClientConfig::default(),
    );
    client.join(JoinOptions::new("realm1")).await.unwrap();
    client
}

async fn add2(inv: Invocation) -> ProcedureResult {
    let (a, b): (i64, i64) = inv.parse_args()?;
    Ok(Payload::from_args(&(a + b,))?)
}

#[test]
fn wamp_rpc_over_wss_and_tls_rawsocket() {
    rt::block_on(async {
        let runtime = rt::runtime();
        let deadline = runtime.now() + TEST_TIMEOUT;
        ferrobahn_rt::timeout_at(&*runtime, deadline, async {
            let ca = Ca::new("router CA");
            let port = tls_router(&ca).await;
            let roots = ca.client();
            let wss = format!("wss://localhost:{port}/ws");
            let rss = format!("rss://localhost:{port}");
            let callee = joined(&wss, &roots, Format::Json).await;
            let caller = joined(&rss, &roots, Format::MsgPack).await;
            callee
                .register("com.example.add2", Default::default(), add2)
                .await
                .unwrap();
            let result = caller.call("com.example.add2", (20, 22)).await.unwrap();
            assert_eq!(result.args, [Value::Int(42)]);
            callee.disconnect().await;
            caller.disconnect().await;

            // A client that does not trust the router's CA is refused by TLS.
            let stranger = Ca::new("stranger CA").client();
            match rt::binding::connect_tls("localhost", port, Some(&stranger)).await {
                Err(Error::Tls(TlsError::Untrusted(_))) => {}
                other => panic!("expected untrusted, got {:?}", other.map(|_| ())),
            }
        })
        .await
        .expect("the test took too long");
    });
}
