//! WebSocket over Unix domain sockets and over a byte stream brought by the
//! user; the peer address and `X-Forwarded-For` as handlers see them.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use ferrobahn::{
    Bytes, ClientConfig, Ctx, Handler, Listener, Message, PeerAddr, ServerConfig, WebSocket,
};
use ferrobahn_test::mem::pipe;

use super::rt;

/// Says on open what it knows about its peer: `peer|client_ip`, then echoes.
struct PeerEcho;

impl Handler for PeerEcho {
    fn on_open(&mut self, ctx: &mut Ctx<'_>) {
        let peer = ctx.peer().map(ToString::to_string).unwrap_or_default();
        let ip = ctx.client_ip().map(|ip| ip.to_string()).unwrap_or_default();
        let _ = ctx.send_text(&format!("{peer}|{ip}"));
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_>, payload: Bytes, is_binary: bool) {
        let msg = if is_binary {
            Message::binary(payload)
        } else {
            Message::text(String::from_utf8_lossy(&payload).into_owned())
        };
        let _ = ctx.send_message(msg);
    }
}

/// A socket path no other test uses.
fn socket_path() -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!(
        "ferrobahn-{}-{}-{n}.sock",
        rt::NAME,
        std::process::id()
    ))
}

async fn text<T: ferrobahn::Transport>(ws: &mut WebSocket<T>) -> String {
    let msg = ws.recv().await.expect("a message").expect("no error");
    msg.as_text().expect("text").to_owned()
}

#[test]
fn websocket_over_a_unix_socket() {
    rt::block_on(async {
        let path = socket_path();
        let _ = std::fs::remove_file(&path);
        let listener = rt::bind_unix(&path).await;
        assert_eq!(
            listener.local_addr().unwrap(),
            PeerAddr::Unix(Some(path.clone()))
        );
        rt::spawn(ferrobahn::serve(
            rt::runtime(),
            listener,
            ServerConfig::default(),
            || PeerEcho,
        ));
        let (mut ws, response) =
            rt::connect_unix(&path, "ws://localhost/unix", ClientConfig::default())
                .await
                .unwrap();
        assert_eq!(response.status, 101);
        // An unnamed client socket, and no IP to report.
        assert_eq!(text(&mut ws).await, "unix|");
        ws.send(Message::text("over a unix socket")).await.unwrap();
        assert_eq!(text(&mut ws).await, "over a unix socket");
        ws.close(ferrobahn::CloseCode::NORMAL, "").await.unwrap();
        std::fs::remove_file(&path).unwrap();
    });
}

#[test]
fn websocket_over_any_transport() {
    rt::block_on(async {
        let (server_end, client_end) = pipe(4096);
        let runtime = rt::runtime();
        let peer = PeerAddr::Unix(Some("/the/users/stream".into()));
        let rt2 = runtime.clone();
        rt::spawn(async move {
            let config = ServerConfig::default();
            ferrobahn::serve_connection(rt2, server_end, Some(peer), &config, PeerEcho)
                .await
                .expect("served");
        });
        let url = "ws://example.invalid/pipe".parse().unwrap();
        let (mut ws, _) =
            ferrobahn::connect_transport(runtime, client_end, &url, ClientConfig::default())
                .await
                .unwrap();
        assert_eq!(text(&mut ws).await, "unix:/the/users/stream|");
        ws.send(Message::text("through a pipe")).await.unwrap();
        assert_eq!(text(&mut ws).await, "through a pipe");
        ws.close(ferrobahn::CloseCode::NORMAL, "").await.unwrap();
    });
}

/// Opens a connection sending `X-Forwarded-For: 203.0.113.9, 10.1.1.1` to
/// a server trusting `trusted` proxies; returns what the handler saw.
async fn seen_through_proxies(trusted: usize) -> String {
    let config = ServerConfig::default().with_trust_x_forwarded_for(trusted);
    let addr = rt::start_server(config, || PeerEcho).await;
    let mut client = ClientConfig::default();
    client
        .handshake
        .headers
        .push(("X-Forwarded-For".into(), "203.0.113.9, 10.1.1.1".into()));
    let (mut ws, _) = rt::connect_with(&format!("ws://{addr}/"), client)
        .await
        .unwrap();
    let seen = text(&mut ws).await;
    ws.close(ferrobahn::CloseCode::NORMAL, "").await.unwrap();
    seen
}

#[test]
fn x_forwarded_for_is_used_only_with_trusted_proxies() {
    rt::block_on(async {
        let direct = seen_through_proxies(0).await;
        let (peer, ip) = direct.split_once('|').unwrap();
        assert!(peer.starts_with("tcp:127.0.0.1:"), "{direct}");
        assert_eq!(ip, "127.0.0.1");
        let one = seen_through_proxies(1).await;
        assert!(one.ends_with("|10.1.1.1"), "{one}");
        let two = seen_through_proxies(2).await;
        assert!(two.ends_with("|203.0.113.9"), "{two}");
        // More trusted proxies than entries: the header is not believed.
        let three = seen_through_proxies(3).await;
        assert!(three.ends_with("|127.0.0.1"), "{three}");
    });
}
