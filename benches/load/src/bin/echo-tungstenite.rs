//! tokio-tungstenite echo server: the idiomatic loop (`next`, then `send`,
//! which is write + flush per message) on a current_thread runtime.

use std::io;

use ferrobahn_load::{server, MAX_MESSAGE};
use futures_util::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

async fn echo(s: TcpStream) {
    let config = WebSocketConfig::default()
        .max_message_size(Some(MAX_MESSAGE))
        .max_frame_size(Some(MAX_MESSAGE));
    let Ok(mut ws) = tokio_tungstenite::accept_async_with_config(s, Some(config)).await else {
        return;
    };
    while let Some(Ok(msg)) = ws.next().await {
        if (msg.is_text() || msg.is_binary()) && ws.send(msg).await.is_err() {
            return;
        }
    }
}

fn main() -> io::Result<()> {
    let args = server::init(&[]);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()?;
    rt.block_on(async move {
        let listener = TcpListener::bind(args.listen).await?;
        server::announce(listener.local_addr()?);
        loop {
            let (s, _) = listener.accept().await?;
            s.set_nodelay(true)?;
            tokio::spawn(echo(s));
        }
    })
}
