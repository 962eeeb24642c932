//! A WebSocket client: sends a few messages to an echo server and prints the
//! answers, using the `WebSocket` methods and then its `Stream`/`Sink` side.
//!
//! Start `echo_server` first, then
//! `cargo run -p ferrobahn-examples --example echo_client -- ws://127.0.0.1:9000/`

use ferrobahn::{CloseCode, Message};
use futures_util::{SinkExt, StreamExt};

#[tokio::main]
async fn main() -> Result<(), ferrobahn::Error> {
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "ws://127.0.0.1:9000/".into());
    let (mut ws, response) = ferrobahn::tokio::connect(&url).await?;
    println!("connected: HTTP {}", response.status);

    ws.send(Message::text("hello")).await?;
    if let Some(reply) = ws.recv().await {
        println!("echo: {:?}", reply?.as_text());
    }

    // The same connection as a Sink and a Stream.
    for i in 0..3 {
        ws.feed(Message::binary(vec![i; 4])).await?;
    }
    SinkExt::flush(&mut ws).await?;
    for _ in 0..3 {
        if let Some(reply) = ws.next().await {
            println!("echo: {:?}", reply?.data);
        }
    }

    let closed = ws.close(CloseCode::NORMAL, "bye").await?;
    println!("closed: {closed:?}");
    Ok(())
}
