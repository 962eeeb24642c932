//! AutobahnPython's `ping` example: a server that pings every connected
//! client once a second (automatic pings), drops clients that stop
//! answering, and prints the round trip measured from each pong; and a
//! client that prints the pings it receives.
//!
//! ```text
//! cargo run -p ferrobahn-examples --example ping                       # server + client for 3 s, then exit
//! cargo run -p ferrobahn-examples --example ping -- server 127.0.0.1:9000
//! cargo run -p ferrobahn-examples --example ping -- client ws://127.0.0.1:9000/
//! ```

use std::time::Duration;

use ferrobahn::{Bytes, CloseCode, Ctx, Event, Handler, ServerConfig, WebSocketConfig};

/// Prints the round trip of every answered ping.
struct Pinged;

impl Handler for Pinged {
    fn on_open(&mut self, ctx: &mut Ctx<'_>) {
        println!("server: client {:?} connected", ctx.peer_addr());
    }

    fn on_message(&mut self, _ctx: &mut Ctx<'_>, _payload: Bytes, _is_binary: bool) {}

    fn on_pong(&mut self, ctx: &mut Ctx<'_>, payload: Bytes) {
        println!(
            "server: pong {} from {:?}, round trip {:?}",
            ferrobahn_examples::hex(&payload),
            ctx.peer_addr(),
            ctx.ping_rtt()
        );
    }

    fn on_close(&mut self, was_clean: bool, code: Option<CloseCode>, _reason: &str) {
        println!("server: closed (clean={was_clean}, code={code:?})");
    }
}

fn server_config(interval: Duration) -> ServerConfig {
    ServerConfig::default().with_websocket(
        WebSocketConfig::default()
            .with_auto_ping_interval(Some(interval))
            .with_auto_ping_timeout(Some(interval * 3))
            .with_auto_ping_size(8)
            .with_auto_ping_restart_on_traffic(false),
    )
}

async fn client(url: &str, run_for: Option<Duration>) -> Result<(), ferrobahn::Error> {
    let (mut ws, _) = ferrobahn::tokio::connect(url).await?;
    let read = async {
        while let Some(ev) = ws.next_event().await {
            if let Event::Ping(p) = ev? {
                println!("client: ping {}", ferrobahn_examples::hex(&p));
            }
        }
        Ok::<(), ferrobahn::Error>(())
    };
    match run_for {
        None => read.await?,
        Some(d) => {
            if let Ok(res) = tokio::time::timeout(d, read).await {
                res?;
            }
            ws.close(CloseCode::NORMAL, "done").await?;
        }
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
            let config = server_config(Duration::from_secs(1));
            ferrobahn::tokio::serve_with(addr, config, || Pinged).await?;
        }
        Some("client") => {
            let url = args.get(1).map_or("ws://127.0.0.1:9000/", String::as_str);
            client(url, None).await?;
        }
        _ => {
            let listener = ferrobahn::tokio::bind("127.0.0.1:0").await?;
            let addr = listener.local_addr()?;
            let config = server_config(Duration::from_millis(500));
            tokio::spawn(ferrobahn::serve(
                ferrobahn::tokio::runtime(),
                listener,
                config,
                || Pinged,
            ));
            client(&format!("ws://{addr}/"), Some(Duration::from_secs(3))).await?;
        }
    }
    Ok(())
}
