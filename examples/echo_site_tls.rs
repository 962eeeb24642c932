//! AutobahnPython's `echo_site_tls`: a secure web site whose pages and
//! WebSocket echo service (`wss://`) share one HTTPS port. axum routes the
//! requests (`/` is a page, `/ws` is upgraded by [`ferrobahn_hyper`]),
//! hyper 1 serves each connection over rustls (tokio-rustls, ring provider,
//! no OpenSSL).
//!
//! With no arguments it makes a throwaway certificate for `localhost`
//! (rcgen), serves on a free loopback port, fetches the page over HTTPS,
//! echoes over `wss://`, and exits:
//!
//! ```text
//! cargo run -p ferrobahn-examples --example echo_site_tls
//! cargo run -p ferrobahn-examples --example echo_site_tls -- CERT.pem KEY.pem 127.0.0.1:8443
//! ```
//! With your own certificate it serves until stopped: open
//! <https://localhost:8443/>, the page talks to `wss://localhost:8443/ws`.
//!
//! Every wait of a connection is bounded: the TLS handshake and the request
//! head by [`HANDSHAKE_TIMEOUT`], the WebSocket by its [`ServerConfig`].

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, Request};
use axum::response::Html;
use axum::routing::get;
use ferrobahn::tls::{TlsClientConfig, TlsServerConfig};
use ferrobahn::{Bytes, ClientConfig, CloseCode, Ctx, Handler, Message, PeerAddr, ServerConfig};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::{TlsAcceptor, TlsConnector};
use tower_service::Service;

/// Bound on a connection's TLS handshake and on reading a request head.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

const PAGE: &str = r#"<!DOCTYPE html>
<html><head><title>ferrobahn secure echo site</title></head><body>
<h1>Secure WebSocket echo, served next to this page over HTTPS</h1>
<input id="msg" value="Hello, world!"><button onclick="ws.send(msg.value)">Send</button>
<pre id="log"></pre>
<script>
  const ws = new WebSocket(`wss://${location.host}/ws`);
  ws.onmessage = (e) => { log.textContent += `echo: ${e.data}\n`; };
  ws.onopen = () => { log.textContent += "connected\n"; };
</script>
</body></html>
"#;

/// Echoes every message, as text or binary as it came.
struct Echo;

impl Handler for Echo {
    fn on_message(&mut self, ctx: &mut Ctx<'_>, payload: Bytes, is_binary: bool) {
        let msg = if is_binary {
            Message::binary(payload)
        } else {
            Message::text(String::from_utf8_lossy(&payload).into_owned())
        };
        if let Err(err) = ctx.send_message(msg) {
            eprintln!("echo not sent: {err}");
        }
    }
}

/// The site: the page at `/`, the echo service at `/ws`.
fn app() -> axum::Router {
    let config = Arc::new(ServerConfig::default());
    axum::Router::new()
        .route("/", get(|| async { Html(PAGE) }))
        .route(
            "/ws",
            get(
                move |ConnectInfo(peer): ConnectInfo<SocketAddr>, req: Request| {
                    let config = config.clone();
                    let peer = Some(PeerAddr::Tcp(peer));
                    async move { ferrobahn_hyper::axum::upgrade(req, config, peer, Echo) }
                },
            ),
        )
}

/// Accepts TCP connections and serves each in its own task: TLS handshake,
/// then HTTP/1.1 with upgrades (the WebSocket continues on the TLS stream).
async fn serve(listener: TcpListener, tls: TlsServerConfig) {
    let acceptor = TlsAcceptor::from(tls.rustls().clone());
    let app = app();
    loop {
        let (tcp, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(err) => {
                eprintln!("accept failed: {err}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let acceptor = acceptor.clone();
        let app = app.clone();
        tokio::spawn(async move {
            let tls = match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                Ok(Ok(tls)) => tls,
                Ok(Err(err)) => return eprintln!("{peer}: TLS handshake failed: {err}"),
                Err(_) => return eprintln!("{peer}: TLS handshake timed out"),
            };
            // axum reads the peer from ConnectInfo, as axum::serve would set it.
            let service = hyper::service::service_fn(move |mut req: Request<_>| {
                req.extensions_mut().insert(ConnectInfo(peer));
                app.clone().call(req)
            });
            let served = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HANDSHAKE_TIMEOUT)
                .serve_connection(TokioIo::new(tls), service)
                .with_upgrades()
                .await;
            if let Err(err) = served {
                eprintln!("{peer}: {err}");
            }
        });
    }
}

/// Fetches `/` over HTTPS and echoes over `wss://.../ws`, trusting `roots`,
/// as a browser would; fails unless both work.
async fn visit(port: u16, roots: TlsClientConfig) -> Result<(), Box<dyn std::error::Error>> {
    let connector = TlsConnector::from(roots.rustls().clone());
    let name = roots.server_name_for("localhost")?;
    let connecting = async {
        let tcp = TcpStream::connect(("127.0.0.1", port)).await?;
        connector.connect(name, tcp).await
    };
    let mut https = tokio::time::timeout(HANDSHAKE_TIMEOUT, connecting).await??;
    https
        .write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await?;
    let mut page = String::new();
    tokio::time::timeout(HANDSHAKE_TIMEOUT, https.read_to_string(&mut page)).await??;
    let status = page.lines().next().unwrap_or_default();
    println!("page: {status}");
    if !status.starts_with("HTTP/1.1 200") || !page.contains("wss://") {
        return Err(format!("unexpected page: {page}").into());
    }

    let url = format!("wss://localhost:{port}/ws");
    let config = ClientConfig::default().with_tls(roots);
    let (mut ws, response) = ferrobahn::tokio::connect_with(&url, config).await?;
    println!("connected to {url}: HTTP {}", response.status);
    ws.send(Message::text("Hello, world!")).await?;
    let echo = tokio::time::timeout(HANDSHAKE_TIMEOUT, ws.recv())
        .await?
        .ok_or("closed before the echo")??;
    println!("echo: {}", echo.as_text().unwrap_or_default());
    if echo.as_text() != Some("Hello, world!") {
        return Err("wrong echo".into());
    }
    ws.close(CloseCode::NORMAL, "").await?;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [cert, key, rest @ ..] = args.as_slice() {
        let tls = TlsServerConfig::from_pem_files(cert, key)?;
        let listener =
            TcpListener::bind(rest.first().map_or("127.0.0.1:8443", String::as_str)).await?;
        let addr = listener.local_addr()?;
        println!("site on https://{addr}/ (WebSocket on wss://{addr}/ws)");
        serve(listener, tls).await;
        return Ok(());
    }

    // A self-signed certificate for localhost; the client trusts exactly it.
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()])?;
    let tls = TlsServerConfig::from_pem(
        made.cert.pem().as_bytes(),
        made.signing_key.serialize_pem().as_bytes(),
    )?;
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    println!("site on https://localhost:{port}/ (WebSocket on wss://localhost:{port}/ws)");
    tokio::spawn(serve(listener, tls));
    let roots = TlsClientConfig::from_pem_roots(made.cert.pem().as_bytes())?;
    visit(port, roots).await
}
