//! Clients tunnel through a real HTTP `CONNECT` proxy: Debian's tinyproxy,
//! started by the test on loopback with a temporary configuration.

use ferrobahn::{ClientConfig, CloseCode, Error, Message, Proxy, ServerConfig};
use ferrobahn_test::tinyproxy::{Tinyproxy, TinyproxyConfig};
use ferrobahn_test::{Behaviour, Recorder};

use super::rt;

async fn echo_server() -> std::net::SocketAddr {
    let behaviour = Behaviour {
        echo: true,
        ..Behaviour::default()
    };
    let (factory, _seen) = Recorder::factory(behaviour);
    rt::start_server(ServerConfig::default(), factory).await
}

fn tinyproxy(config: &TinyproxyConfig) -> Tinyproxy {
    Tinyproxy::start(config).expect("tinyproxy")
}

#[test]
fn ws_through_tinyproxy() {
    let proxy = tinyproxy(&TinyproxyConfig::default());
    rt::block_on(async {
        let addr = echo_server().await;
        let config = ClientConfig::default().with_proxy(Proxy::new("127.0.0.1", proxy.port));
        let (mut ws, _) = rt::connect_with(&format!("ws://{addr}/tiny"), config)
            .await
            .unwrap();
        ws.send(Message::text("through tinyproxy")).await.unwrap();
        let back = ws.recv().await.unwrap().unwrap();
        assert_eq!(back.as_text(), Some("through tinyproxy"));
        ws.close(CloseCode::NORMAL, "").await.unwrap();
    });
}

#[test]
fn basic_auth_is_needed_and_accepted() {
    let proxy = tinyproxy(&TinyproxyConfig {
        basic_auth: Some(("alice".into(), "s3cret".into())),
        ..TinyproxyConfig::default()
    });
    rt::block_on(async {
        let addr = echo_server().await;
        let url = format!("ws://{addr}/");
        let without = ClientConfig::default().with_proxy(Proxy::new("127.0.0.1", proxy.port));
        match rt::connect_with(&url, without).await {
            Err(Error::ProxyRefused { status, .. }) => assert_eq!(status, 407),
            Err(e) => panic!("unexpected error {e}"),
            Ok(_) => panic!("tunnel without credentials"),
        }
        let wrong = ClientConfig::default()
            .with_proxy(Proxy::new("127.0.0.1", proxy.port).with_basic_auth("alice", "nope"));
        match rt::connect_with(&url, wrong).await {
            // tinyproxy 1.11 answers wrong credentials with 401, missing ones with 407.
            Err(Error::ProxyRefused { status, .. }) => assert!(matches!(status, 401 | 407)),
            Err(e) => panic!("unexpected error {e}"),
            Ok(_) => panic!("tunnel with wrong credentials"),
        }
        let right = ClientConfig::default()
            .with_proxy(Proxy::new("127.0.0.1", proxy.port).with_basic_auth("alice", "s3cret"));
        let (mut ws, _) = rt::connect_with(&url, right).await.unwrap();
        ws.send(Message::text("authorized")).await.unwrap();
        assert_eq!(
            ws.recv().await.unwrap().unwrap().as_text(),
            Some("authorized")
        );
        ws.close(CloseCode::NORMAL, "").await.unwrap();
    });
}

#[test]
fn proxy_refusing_the_port_is_a_clear_error() {
    // CONNECT only to port 443: our server's port is refused.
    let proxy = tinyproxy(&TinyproxyConfig {
        connect_ports: vec![443],
        ..TinyproxyConfig::default()
    });
    rt::block_on(async {
        let addr = echo_server().await;
        let config = ClientConfig::default().with_proxy(Proxy::new("127.0.0.1", proxy.port));
        match rt::connect_with(&format!("ws://{addr}/"), config).await {
            Err(e @ Error::ProxyRefused { status, .. }) => {
                assert_eq!(status, 403);
                assert!(
                    e.to_string().starts_with("proxy refused the tunnel: 403"),
                    "{e}"
                );
            }
            Err(e) => panic!("unexpected error {e}"),
            Ok(_) => panic!("tunnel to a refused port"),
        }
    });
}
