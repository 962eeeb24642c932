//! AutobahnPython's `echo_site`: a WebSocket echo service as one resource
//! of a web site, next to a static page, on one port, with axum (hyper 1
//! underneath) and [`ferrobahn_hyper`].
//!
//! ```text
//! cargo run -p ferrobahn-examples --example echo_site                 # serve, fetch the page, echo once, exit
//! cargo run -p ferrobahn-examples --example echo_site -- serve 127.0.0.1:8080
//! ```
//! then open <http://127.0.0.1:8080/>: the page talks to `ws://127.0.0.1:8080/ws`.

use std::sync::Arc;

use axum::extract::Request;
use axum::response::Html;
use axum::routing::get;
use ferrobahn::{Bytes, CloseCode, Ctx, Handler, Message, ServerConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const PAGE: &str = r#"<!DOCTYPE html>
<html><head><title>ferrobahn echo site</title></head><body>
<h1>WebSocket echo, served next to this page</h1>
<input id="msg" value="Hello, world!"><button onclick="ws.send(msg.value)">Send</button>
<pre id="log"></pre>
<script>
  const ws = new WebSocket(`ws://${location.host}/ws`);
  ws.onmessage = (e) => { log.textContent += `echo: ${e.data}\n`; };
  ws.onopen = () => { log.textContent += "connected\n"; };
</script>
</body></html>
"#;

/// Echoes every message.
struct Echo;

impl Handler for Echo {
    fn on_message(&mut self, ctx: &mut Ctx<'_>, payload: Bytes, is_binary: bool) {
        let msg = if is_binary {
            Message::binary(payload)
        } else {
            Message::text(String::from_utf8_lossy(&payload).into_owned())
        };
        let _ = ctx.send_message(msg);
    }
}

fn app() -> axum::Router {
    let config = Arc::new(ServerConfig::default());
    axum::Router::new()
        .route("/", get(|| async { Html(PAGE) }))
        .route(
            "/ws",
            get(move |req: Request| {
                let config = config.clone();
                async move { ferrobahn_hyper::axum::upgrade(req, config, None, Echo) }
            }),
        )
}

/// Fetches `/` with a bare HTTP/1.1 request and echoes one message over
/// `/ws`, as a browser would.
async fn visit(addr: std::net::SocketAddr) -> Result<(), Box<dyn std::error::Error>> {
    let mut s = tokio::net::TcpStream::connect(addr).await?;
    s.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await?;
    let mut page = String::new();
    s.read_to_string(&mut page).await?;
    println!("page: {}", page.lines().next().unwrap_or_default());
    let (mut ws, _) = ferrobahn::tokio::connect(&format!("ws://{addr}/ws")).await?;
    ws.send(Message::text("Hello, world!")).await?;
    if let Some(msg) = ws.recv().await {
        println!("echo: {}", msg?.as_text().unwrap_or_default());
    }
    ws.close(CloseCode::NORMAL, "").await?;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let serve_forever = args.first().map(String::as_str) == Some("serve");
    let addr = match args.get(1) {
        Some(a) => a.as_str(),
        None if serve_forever => "127.0.0.1:8080",
        None => "127.0.0.1:0",
    };
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    println!("site on http://{addr}/ (WebSocket on ws://{addr}/ws)");
    if serve_forever {
        axum::serve(listener, app()).await?;
        return Ok(());
    }
    tokio::spawn(async move { axum::serve(listener, app()).await });
    visit(addr).await
}
