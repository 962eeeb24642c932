//! tokio-websockets echo server, as its `examples/echo_server.rs` (an
//! `unconstrained` task per connection, `next` then `send`) on a
//! current_thread runtime, with a 64 MiB payload limit.

use std::io;

use ferrobahn_load::{server, MAX_MESSAGE};
use futures_util::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_websockets::{Limits, ServerBuilder};

async fn echo(s: TcpStream) {
    let Ok((_request, mut ws)) = ServerBuilder::new()
        .limits(Limits::default().max_payload_len(Some(MAX_MESSAGE)))
        .accept(s)
        .await
    else {
        return;
    };
    while let Some(Ok(item)) = ws.next().await {
        if (item.is_text() || item.is_binary()) && ws.send(item).await.is_err() {
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
            tokio::spawn(tokio::task::unconstrained(echo(s)));
        }
    })
}
