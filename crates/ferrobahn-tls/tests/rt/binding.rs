//! Cryptosign channel binding between our client and our router (see `binding.rs`).

use std::future::Future;
use std::time::Duration;

use ferrobahn_client::transport::{connect_endpoint, Endpoint, WampTransport};
use ferrobahn_client::wamp::Value;
use ferrobahn_client::{
    Backoff, ChannelBinding, ChannelBindingType, Client, ClientConfig, Component, ComponentError,
    Credentials, JoinOptions, SessionError, UsageError,
};
use ferrobahn_router::config::TransportConfig;
use ferrobahn_router::RouterConfig;
use ferrobahn_rt::Listener;
use ferrobahn_serializers::{Format, Serializer};
use ferrobahn_test::TEST_TIMEOUT;
use ferrobahn_tls::TlsClientConfig;

use super::rt;
use crate::common::Ca;

const HANDSHAKE: Duration = Duration::from_secs(5);

/// alice's Ed25519 key (seed 32 x 0x4d).
fn alice() -> Credentials {
    Credentials::cryptosign_from_hex(&"4d".repeat(32)).unwrap()
}

/// realm1: cryptosign user alice (may do everything, the meta API included).
fn config() -> RouterConfig {
    let pubkey = alice().public_key_hex().unwrap();
    RouterConfig::from_toml_str(&format!(
        r#"
        [[realms]]
        name = "realm1"
        [realms.auth.cryptosign.alice]
        authorized_keys = ["{pubkey}"]
        role = "user"
        [[realms.roles]]
        name = "user"
        [[realms.roles.permissions]]
        uri = ""
        match = "prefix"
        allow = {{ call = true, register = true, publish = true, subscribe = true }}
        "#
    ))
    .unwrap()
}

/// The router's ports: TLS (WebSocket and RawSocket) and plain TCP (the same).
struct Ports {
    tls: u16,
    plain: u16,
}

async fn router(ca: &Ca) -> Ports {
    let router = ferrobahn_router::start(rt::runtime(), config()).unwrap();
    let tls = rt::binding::TlsListener::new(rt::bind().await, &ca.server(&["localhost"]));
    let plain = rt::bind().await;
    let port = |addr: ferrobahn_rt::PeerAddr| addr.socket_addr().unwrap().port();
    let ports = Ports {
        tls: port(Listener::local_addr(&tls).unwrap()),
        plain: port(Listener::local_addr(&plain).unwrap()),
    };
    let r = router.clone();
    rt::spawn(async move { r.serve_transport(tls, &TransportConfig::default()).await });
    rt::spawn(async move {
        router
            .serve_transport(plain, &TransportConfig::default())
            .await
    });
    ports
}

/// Opens `url`: TLS trusting `roots` for `wss://` and `rss://`, else plain TCP.
async fn open(url: &str, roots: Option<&TlsClientConfig>) -> Box<dyn WampTransport> {
    let endpoint = Endpoint::parse(url).unwrap();
    let (Endpoint::WebSocket { host, port, .. } | Endpoint::RawSocketTcp { host, port, .. }) =
        &endpoint
    else {
        panic!("not a TCP endpoint: {endpoint:?}");
    };
    let serializer = Serializer::new(Format::Json);
    let result = if endpoint.is_tls() {
        let stream = rt::binding::connect_tls(host, *port, roots).await.unwrap();
        connect_endpoint(rt::runtime(), stream, &endpoint, serializer, HANDSHAKE).await
    } else {
        let addr = format!("127.0.0.1:{port}").parse().unwrap();
        let tcp = rt::tcp_connect(addr).await;
        connect_endpoint(rt::runtime(), tcp, &endpoint, serializer, HANDSHAKE).await
    };
    result.unwrap()
}

fn bound_join() -> JoinOptions {
    JoinOptions::new("realm1")
        .with_authid("alice")
        .with_credentials(alice())
        .with_channel_binding_type(ChannelBindingType::TlsExporter)
}

/// The router's view of `client`'s session (`wamp.session.get`): its
/// `transport.channel_binding`, if any.
async fn binding_seen_by_router(client: &Client, session: u64) -> Option<String> {
    let info = client.call("wamp.session.get", (session,)).await.unwrap();
    let Some(Value::Dict(d)) = info.args.first() else {
        panic!("session details: {info:?}");
    };
    assert_eq!(d["authmethod"], Value::from("cryptosign"));
    let Value::Dict(t) = &d["transport"] else {
        panic!("transport: {d:?}");
    };
    t.get("channel_binding")
        .and_then(Value::as_str)
        .map(str::to_owned)
}

fn run<F: Future<Output = ()>>(body: impl FnOnce(Ca, Ports) -> F) {
    rt::block_on(async {
        let runtime = rt::runtime();
        let deadline = runtime.now() + TEST_TIMEOUT;
        ferrobahn_rt::timeout_at(&*runtime, deadline, async {
            let ca = Ca::new("binding CA");
            let ports = router(&ca).await;
            body(ca, ports).await;
        })
        .await
        .expect("the test took too long");
    });
}

#[test]
fn tls_exporter_binding_over_wss_and_tls_rawsocket() {
    run(|ca, ports| async move {
        let roots = ca.client();
        for url in [
            format!("wss://localhost:{}/ws", ports.tls),
            format!("rss://localhost:{}", ports.tls),
        ] {
            let client = Client::new(
                rt::runtime(),
                open(&url, Some(&roots)).await,
                ClientConfig::default(),
            );
            let d = client.join(bound_join()).await.unwrap();
            assert_eq!(d.authid.as_deref(), Some("alice"), "{url}");
            assert_eq!(
                binding_seen_by_router(&client, d.session.get())
                    .await
                    .as_deref(),
                Some("tls-exporter"),
                "{url}"
            );
            client.leave().await.unwrap();
            // The same connection without binding: joins unbound.
            let plain = JoinOptions::new("realm1").with_credentials(alice());
            let d = client.join(plain).await.unwrap();
            assert_eq!(
                binding_seen_by_router(&client, d.session.get()).await,
                None,
                "{url}"
            );
            client.disconnect().await;
        }
    });
}

#[test]
fn forged_binding_is_refused() {
    run(|ca, ports| async move {
        let roots = ca.client();
        for url in [
            format!("wss://localhost:{}/ws", ports.tls),
            format!("rss://localhost:{}", ports.tls),
        ] {
            let transport = open(&url, Some(&roots)).await;
            // The binding of this connection with one bit flipped: what a relay
            // between two TLS connections would sign with.
            let mut id = transport.tls_exporter().expect("a TLS transport");
            id[0] ^= 1;
            let client = Client::new(rt::runtime(), transport, ClientConfig::default());
            let forged = JoinOptions::new("realm1")
                .with_credentials(alice())
                .with_channel_binding(ChannelBinding::tls_exporter(id));
            let err = client.join(forged).await.unwrap_err();
            assert!(
                matches!(&err, SessionError::Aborted { reason, .. }
                    if reason == "wamp.error.authentication_failed"),
                "{url}: {err:?}"
            );
            client.disconnect().await;
        }
    });
}

#[test]
fn binding_over_plain_websocket_fails_before_hello() {
    run(|_ca, ports| async move {
        let url = format!("ws://127.0.0.1:{}/ws", ports.plain);
        let client = Client::new(
            rt::runtime(),
            open(&url, None).await,
            ClientConfig::default(),
        );
        let err = client.join(bound_join()).await.unwrap_err();
        assert_eq!(
            err,
            SessionError::Usage(UsageError::ChannelBindingUnavailable(
                ChannelBindingType::TlsExporter
            ))
        );
        // Nothing went out: the connection is fresh for a join without binding.
        let plain = JoinOptions::new("realm1").with_credentials(alice());
        client.join(plain).await.unwrap();
        client.disconnect().await;

        // A component is not retried forever: it stops with the usage error.
        let component = Component::new(rt::runtime(), bound_join())
            .with_backoff(Backoff::new(
                Duration::from_millis(10),
                Duration::from_millis(10),
                None,
            ))
            .transport(move || {
                let url = url.clone();
                async move { Ok(open(&url, None).await) }
            });
        match component.run().await {
            Err(ComponentError::Usage(UsageError::ChannelBindingUnavailable(_))) => {}
            other => panic!("expected a usage error, got {other:?}"),
        }
    });
}

#[test]
fn component_binds_over_wss() {
    run(|ca, ports| async move {
        let url = format!("wss://localhost:{}/ws", ports.tls);
        let (tx, rx) = futures_channel::oneshot::channel();
        let tx = std::sync::Mutex::new(Some(tx));
        let component = Component::new(rt::runtime(), bound_join())
            .transport(move || {
                let (url, roots) = (url.clone(), ca.client());
                async move { Ok(open(&url, Some(&roots)).await) }
            })
            .on_join(move |client, details| {
                let tx = tx.lock().unwrap().take();
                async move {
                    let seen = binding_seen_by_router(&client, details.session.get()).await;
                    if let Some(tx) = tx {
                        let _ = tx.send(seen);
                    }
                    client.leave().await.unwrap();
                }
            });
        component.run().await.unwrap();
        assert_eq!(rx.await.unwrap().as_deref(), Some("tls-exporter"));
    });
}
