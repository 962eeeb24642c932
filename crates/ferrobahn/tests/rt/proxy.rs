//! Clients tunnel through an HTTP `CONNECT` proxy.

use ferrobahn::{ClientConfig, Error, Message, Proxy, ServerConfig};
use ferrobahn_test::proxy::connect_proxy_once;
use ferrobahn_test::{Behaviour, Recorder};
use futures_channel::oneshot;

use super::rt;

async fn echo_server() -> std::net::SocketAddr {
    let behaviour = Behaviour {
        echo: true,
        ..Behaviour::default()
    };
    let (factory, _seen) = Recorder::factory(behaviour);
    rt::start_server(ServerConfig::default(), factory).await
}

/// Starts a one-shot proxy answering `status`; returns its port and the
/// authority it will have been asked for.
async fn proxy(status: u16) -> (u16, oneshot::Receiver<Option<String>>) {
    let listener = rt::bind().await;
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = oneshot::channel();
    rt::spawn(async move {
        let _ = tx.send(connect_proxy_once(listener, status, rt::tcp_connect).await);
    });
    (port, rx)
}

#[test]
fn client_tunnels_through_a_connect_proxy() {
    rt::block_on(async {
        let addr = echo_server().await;
        let (port, asked) = proxy(200).await;
        let config = ClientConfig::default().with_proxy(Proxy::new("127.0.0.1", port));
        let (mut ws, _) = rt::connect_with(&format!("ws://{addr}/via-proxy"), config)
            .await
            .unwrap();
        ws.send(Message::text("through the tunnel")).await.unwrap();
        let back = ws.recv().await.unwrap().unwrap();
        assert_eq!(back.as_text(), Some("through the tunnel"));
        ws.close(ferrobahn::CloseCode::NORMAL, "").await.unwrap();
        assert_eq!(asked.await.unwrap(), Some(addr.to_string()));
    });
}

#[test]
fn refused_tunnel_is_reported() {
    rt::block_on(async {
        let addr = echo_server().await;
        let (port, _asked) = proxy(407).await;
        let config = ClientConfig::default()
            .with_proxy(Proxy::new("127.0.0.1", port).with_basic_auth("user", "wrong"));
        match rt::connect_with(&format!("ws://{addr}/"), config).await {
            Err(Error::ProxyRefused { status, .. }) => assert_eq!(status, 407),
            Err(e) => panic!("unexpected error {e}"),
            Ok(_) => panic!("connected through a refusing proxy"),
        }
    });
}

#[test]
fn silent_proxy_times_out() {
    rt::block_on(async {
        // Connections complete in the kernel's backlog; nobody answers CONNECT.
        let silent = rt::bind().await;
        let port = silent.local_addr().unwrap().port();
        let config = ClientConfig::default()
            .with_open_handshake_timeout(std::time::Duration::from_millis(300))
            .with_proxy(Proxy::new("127.0.0.1", port));
        let started = std::time::Instant::now();
        match rt::connect_with("ws://127.0.0.1:1/", config).await {
            Err(Error::Timeout(ferrobahn::Timeout::OpenHandshake)) => {}
            Err(e) => panic!("unexpected error {e}"),
            Ok(_) => panic!("connected through a silent proxy"),
        }
        assert!(started.elapsed() < ferrobahn_test::TEST_TIMEOUT);
        drop(silent);
    });
}
