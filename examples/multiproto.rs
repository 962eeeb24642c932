//! AutobahnPython's `multiproto`: several WebSocket services on one port,
//! chosen when the connection opens, by request path (`/echo1`, `/echo2`)
//! or by subprotocol (`reverse.v1`), with [`ferrobahn::Routes`]. (Serving
//! them next to web pages under hyper or axum is `echo_site`.)
//!
//! ```text
//! cargo run -p ferrobahn-examples --example multiproto                        # server + clients, then exit
//! cargo run -p ferrobahn-examples --example multiproto -- server 127.0.0.1:9000
//! cargo run -p ferrobahn-examples --example multiproto -- client ws://127.0.0.1:9000/echo1
//! ```

use ferrobahn::{Bytes, ClientConfig, CloseCode, Ctx, Handler, Message, Routes, ServerConfig};

/// Echoes, prefixed with the service's name.
struct Echo(&'static str);

impl Handler for Echo {
    fn on_message(&mut self, ctx: &mut Ctx<'_>, payload: Bytes, _is_binary: bool) {
        let text = String::from_utf8_lossy(&payload);
        let _ = ctx.send_text(&format!("{}: {text}", self.0));
    }
}

/// Sends the text back reversed.
struct Reverse;

impl Handler for Reverse {
    fn on_message(&mut self, ctx: &mut Ctx<'_>, payload: Bytes, _is_binary: bool) {
        let text: String = String::from_utf8_lossy(&payload).chars().rev().collect();
        let _ = ctx.send_text(&text);
    }
}

fn routes() -> Routes {
    Routes::new()
        .path("/echo1", || Echo("echo service 1"))
        .path("/echo2", || Echo("echo service 2"))
        .protocol("reverse.v1", || Reverse)
}

async fn client(url: &str, protocols: &[&str]) -> Result<(), ferrobahn::Error> {
    let config = ClientConfig::default().with_protocols(protocols.iter().copied());
    match ferrobahn::tokio::connect_with(url, config).await {
        Ok((mut ws, response)) => {
            ws.send(Message::text("Hello, world!")).await?;
            if let Some(msg) = ws.recv().await {
                let msg = msg?;
                let text = msg.as_text().unwrap_or_default();
                println!("{url} {:?}: {text}", response.protocol);
            }
            ws.close(CloseCode::NORMAL, "").await?;
        }
        Err(e) => println!("{url} {protocols:?}: refused ({e})"),
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("server") => {
            let addr = args.get(1).map_or("127.0.0.1:9000", String::as_str);
            println!("listening on {addr}");
            ferrobahn::tokio::serve(addr, routes().factory()).await?;
        }
        Some("client") => {
            let url = args
                .get(1)
                .map_or("ws://127.0.0.1:9000/echo1", String::as_str);
            client(url, &[]).await?;
        }
        _ => {
            let listener = ferrobahn::tokio::bind("127.0.0.1:0").await?;
            let addr = listener.local_addr()?;
            let runtime = ferrobahn::tokio::runtime();
            let serve = ferrobahn::serve(
                runtime,
                listener,
                ServerConfig::default(),
                routes().factory(),
            );
            tokio::spawn(serve);
            client(&format!("ws://{addr}/echo1"), &[]).await?;
            client(&format!("ws://{addr}/echo2"), &[]).await?;
            client(&format!("ws://{addr}/anything"), &["reverse.v1"]).await?;
            client(&format!("ws://{addr}/nothing-here"), &[]).await?;
        }
    }
    Ok(())
}
