//! WebSocket echo over secure WebSocket (AutobahnPython's `echo_tls`): a
//! `wss://` echo server and a client that trusts its certificate.
//!
//! With no arguments it makes a throwaway certificate for `localhost`
//! (rcgen), serves on a free loopback port, runs the client against it and
//! exits:
//!
//! `cargo run -p ferrobahn-examples --example echo_tls`
//!
//! With your own certificate, serve until stopped (the client side is then
//! any wss client, e.g. `echo_client wss://...` with your CA trusted):
//!
//! `cargo run -p ferrobahn-examples --example echo_tls -- CERT.pem KEY.pem 127.0.0.1:9443`

use ferrobahn::tls::{TlsClientConfig, TlsServerConfig};
use ferrobahn::{Bytes, ClientConfig, CloseCode, Ctx, Handler, Message, MessageKind, ServerConfig};

/// Echoes every message back.
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

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [cert, key, rest @ ..] = args.as_slice() {
        let tls = TlsServerConfig::from_pem_files(cert, key)?;
        let addr = rest.first().map_or("127.0.0.1:9443", String::as_str);
        println!("serving wss://{addr}/");
        ferrobahn::tokio::serve_tls(addr, ServerConfig::default(), &tls, || Echo).await?;
        return Ok(());
    }

    // A self-signed certificate for localhost; the client trusts exactly it.
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()])?;
    let tls = TlsServerConfig::from_pem(
        made.cert.pem().as_bytes(),
        made.signing_key.serialize_pem().as_bytes(),
    )?;
    let listener = ferrobahn::tokio::bind("127.0.0.1:0").await?;
    let addr = ferrobahn::Listener::local_addr(&listener)?.socket_addr();
    let port = addr.ok_or("not a TCP listener")?.port();
    let listener = ferrobahn::tokio::TlsListener::new(listener, &tls);
    tokio::spawn(ferrobahn::serve(
        ferrobahn::tokio::runtime(),
        listener,
        ServerConfig::default(),
        || Echo,
    ));

    let roots = TlsClientConfig::from_pem_roots(made.cert.pem().as_bytes())?;
    let url = format!("wss://localhost:{port}/");
    let (mut ws, response) =
        ferrobahn::tokio::connect_with(&url, ClientConfig::default().with_tls(roots)).await?;
    println!("connected to {url}: HTTP {}", response.status);
    if let Some(binding) = ws.get_ref().tls_exporter() {
        println!("tls-exporter channel binding: {} bytes", binding.len());
    }
    for text in ["hello", "over", "TLS"] {
        ws.send(Message::text(text)).await?;
        if let Some(reply) = ws.recv().await {
            println!("echo: {:?}", reply?.as_text());
        }
    }
    let closed = ws.close(CloseCode::NORMAL, "bye").await?;
    println!("closed: {closed:?}");
    Ok(())
}
