//! What TLS costs an echo: one client, messages kept in flight, over `ws://`
//! and then `wss://` to an echo server in the same process (tokio, loopback,
//! TLS 1.3 with rustls/ring and a throwaway certificate). Prints messages per
//! second for each; run it in release:
//!
//! `cargo run --release -p ferrobahn-examples --example wss_bench -- [MESSAGES] [SIZE]`

use std::time::Instant;

use ferrobahn::tls::{TlsClientConfig, TlsServerConfig};
use ferrobahn::{Bytes, ClientConfig, CloseCode, Ctx, Handler, Message, MessageKind, ServerConfig};
use futures_util::{SinkExt, StreamExt};

/// How many messages the client keeps in flight.
const WINDOW: usize = 64;

struct Echo;

impl Handler for Echo {
    fn on_message(&mut self, ctx: &mut Ctx<'_>, payload: Bytes, is_binary: bool) {
        let kind = if is_binary {
            MessageKind::Binary
        } else {
            MessageKind::Text
        };
        if let Err(err) = ctx.send_message(Message {
            kind,
            data: payload,
        }) {
            eprintln!("echo not sent: {err}");
        }
    }
}

/// Sends `count` binary messages of `size` bytes, `WINDOW` in flight; msg/s.
async fn run<T: ferrobahn::Transport>(
    mut ws: ferrobahn::WebSocket<T>,
    count: usize,
    size: usize,
) -> Result<f64, ferrobahn::Error> {
    let payload = Bytes::from(vec![7u8; size]);
    let start = Instant::now();
    let (mut sent, mut received) = (0, 0);
    while received < count {
        while sent < count && sent - received < WINDOW {
            ws.feed(Message {
                kind: MessageKind::Binary,
                data: payload.clone(),
            })
            .await?;
            sent += 1;
        }
        SinkExt::flush(&mut ws).await?;
        match ws.next().await {
            Some(reply) => {
                reply?;
                received += 1;
            }
            None => break,
        }
    }
    let rate = received as f64 / start.elapsed().as_secs_f64();
    ws.close(CloseCode::NORMAL, "").await?;
    Ok(rate)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let count: usize = args.next().map_or(Ok(200_000), |a| a.parse())?;
    let size: usize = args.next().map_or(Ok(20), |a| a.parse())?;

    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()])?;
    let pem = made.cert.pem();
    let tls =
        TlsServerConfig::from_pem(pem.as_bytes(), made.signing_key.serialize_pem().as_bytes())?;
    let plain = ferrobahn::tokio::bind("127.0.0.1:0").await?;
    let plain_port = ferrobahn::Listener::local_addr(&plain)?
        .socket_addr()
        .ok_or("not TCP")?
        .port();
    let secure = ferrobahn::tokio::bind("127.0.0.1:0").await?;
    let secure_port = ferrobahn::Listener::local_addr(&secure)?
        .socket_addr()
        .ok_or("not TCP")?
        .port();
    let secure = ferrobahn::tokio::TlsListener::new(secure, &tls);
    let rt = ferrobahn::tokio::runtime;
    tokio::spawn(ferrobahn::serve(
        rt(),
        plain,
        ServerConfig::default(),
        || Echo,
    ));
    tokio::spawn(ferrobahn::serve(
        rt(),
        secure,
        ServerConfig::default(),
        || Echo,
    ));

    let url = format!("ws://127.0.0.1:{plain_port}/");
    let (ws, _) = ferrobahn::tokio::connect(&url).await?;
    let ws_rate = run(ws, count, size).await?;
    println!("ws:  {count} x {size} B, {WINDOW} in flight: {ws_rate:.0} msg/s");

    let config = ClientConfig::default().with_tls(TlsClientConfig::from_pem_roots(pem.as_bytes())?);
    let (wss, _) =
        ferrobahn::tokio::connect_with(&format!("wss://localhost:{secure_port}/"), config).await?;
    let wss_rate = run(wss, count, size).await?;
    println!(
        "wss: {count} x {size} B, {WINDOW} in flight: {wss_rate:.0} msg/s ({:.2}x of ws)",
        wss_rate / ws_rate
    );
    Ok(())
}
