//! WebSocket next to other routes on one port: hyper 1 and axum.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use ferrobahn::{ClientConfig, CloseCode, Ctx, Handler, Message, PeerAddr, ServerConfig};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const TIMEOUT: Duration = Duration::from_secs(10);

/// Echoes, prefixed with the peer it was told about.
struct Echo;

impl Handler for Echo {
    fn on_message(&mut self, ctx: &mut Ctx<'_>, payload: Bytes, _is_binary: bool) {
        let peer = ctx.peer().map(ToString::to_string).unwrap_or_default();
        let text = format!("{peer} {}", String::from_utf8_lossy(&payload));
        let _ = ctx.send_text(&text);
    }
}

async fn site(
    req: Request<Incoming>,
    peer: SocketAddr,
    config: Arc<ServerConfig>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(match req.uri().path() {
        "/ws" => ferrobahn_hyper::upgrade(req, config, Some(PeerAddr::Tcp(peer)), Echo),
        _ => Response::new(Full::new(Bytes::from_static(b"<h1>static page</h1>"))),
    })
}

/// A hyper 1 server: `/ws` is WebSocket, everything else a page.
async fn hyper_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let config = Arc::new(ServerConfig::default());
    tokio::spawn(async move {
        loop {
            let Ok((stream, peer)) = listener.accept().await else {
                return;
            };
            let config = config.clone();
            let service = hyper::service::service_fn(move |req| site(req, peer, config.clone()));
            tokio::spawn(async move {
                let io = hyper_util::rt::TokioIo::new(stream);
                let conn = hyper::server::conn::http1::Builder::new()
                    .serve_connection(io, service)
                    .with_upgrades();
                let _ = conn.await;
            });
        }
    });
    addr
}

async fn get(addr: SocketAddr, path: &str) -> String {
    let mut s = TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    s.write_all(request.as_bytes()).await.unwrap();
    let mut out = String::new();
    tokio::time::timeout(TIMEOUT, s.read_to_string(&mut out))
        .await
        .unwrap()
        .unwrap();
    out
}

async fn echo_once(addr: SocketAddr) -> String {
    let (mut ws, response) =
        ferrobahn::tokio::connect_with(&format!("ws://{addr}/ws"), ClientConfig::default())
            .await
            .unwrap();
    assert_eq!(response.status, 101);
    ws.send(Message::text("hello")).await.unwrap();
    let back = tokio::time::timeout(TIMEOUT, ws.recv())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    ws.close(CloseCode::NORMAL, "").await.unwrap();
    back.as_text().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hyper_serves_pages_and_websocket_on_one_port() {
    let addr = hyper_server().await;
    let page = get(addr, "/").await;
    assert!(page.starts_with("HTTP/1.1 200 OK"), "{page}");
    assert!(page.ends_with("<h1>static page</h1>"), "{page}");
    let echoed = echo_once(addr).await;
    assert!(echoed.starts_with("tcp:127.0.0.1:"), "{echoed}");
    assert!(echoed.ends_with(" hello"), "{echoed}");
    // A plain GET to the WebSocket resource gets the handshake's refusal.
    let refused = get(addr, "/ws").await;
    assert!(refused.starts_with("HTTP/1.1 426"), "{refused}");
}

#[cfg(feature = "axum")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axum_serves_routes_and_websocket_on_one_port() {
    use axum::extract::Request;
    use axum::routing::get as route_get;

    let config = Arc::new(ServerConfig::default());
    let app = axum::Router::new()
        .route("/", route_get(|| async { "axum page" }))
        .route(
            "/ws",
            route_get(move |req: Request| {
                let config = config.clone();
                async move { ferrobahn_hyper::axum::upgrade(req, config, None, Echo) }
            }),
        );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let page = get(addr, "/").await;
    assert!(page.ends_with("axum page"), "{page}");
    assert_eq!(echo_once(addr).await, " hello");
}
