//! A `Sender` pushes messages into a connection from another task: the
//! server greets each client with a tick every 100 ms until it disconnects.
//! The handler names no runtime: it spawns and sleeps through `Ctx::runtime`.
//!
//! `cargo run -p ferrobahn-examples --example broadcast`

use std::time::Duration;

use ferrobahn::{Bytes, Ctx, Handler};

struct Ticker;

impl Handler for Ticker {
    fn on_open(&mut self, ctx: &mut Ctx<'_>) {
        let mut sender = ctx.sender();
        let runtime = ctx.runtime().clone();
        ctx.spawn(async move {
            for i in 0.. {
                if sender.send_text(format!("tick {i}")).await.is_err() {
                    break; // the connection is gone
                }
                let next = runtime.now() + Duration::from_millis(100);
                ferrobahn::rt::sleep_until(&*runtime, next).await;
            }
        });
    }

    fn on_message(&mut self, _ctx: &mut Ctx<'_>, _payload: Bytes, _is_binary: bool) {}
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let listener = ferrobahn::tokio::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let config = ferrobahn::ServerConfig::default();
    tokio::spawn(ferrobahn::serve(
        ferrobahn::tokio::runtime(),
        listener,
        config,
        || Ticker,
    ));

    let (mut ws, _) = ferrobahn::tokio::connect(&format!("ws://{addr}/")).await?;
    for _ in 0..5 {
        if let Some(msg) = ws.recv().await {
            println!("{:?}", msg?.as_text());
        }
    }
    ws.close(ferrobahn::CloseCode::NORMAL, "enough").await?;
    Ok(())
}
