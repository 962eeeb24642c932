//! AutobahnPython's `wrapping`: an existing stream protocol carried over
//! WebSocket without changing it, websockify-style (`binary` / `base64`
//! subprotocols), with [`ferrobahn_wrap`].
//!
//! The demo runs a plain TCP "hello" service, a WebSocket server that
//! forwards to it (`ws → tcp`, what websockify does), and a local TCP port
//! that wraps each connection into a WebSocket client (`tcp → ws`); a plain
//! TCP client then talks to the service through both. The same forwarders
//! are `ferrobahn forward --listen ws://... --to tcp:...` and back.
//!
//! ```text
//! cargo run -p ferrobahn-examples --example wrapping
//! ```

use std::sync::Arc;

use ferrobahn::{ClientConfig, ServerConfig};
use ferrobahn_wrap::{forward_stream_connection, forward_ws_connection, serve_forward, WrapConfig};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// The wrapped protocol: greets, then answers every line with `hello, LINE`.
async fn hello_service(listener: TcpListener) {
    while let Ok((stream, _)) = listener.accept().await {
        tokio::spawn(async move {
            let (read, mut write) = stream.into_split();
            let mut lines = BufReader::new(read).lines();
            let _ = write.write_all(b"welcome to the hello service\n").await;
            while let Ok(Some(line)) = lines.next_line().await {
                if write
                    .write_all(format!("hello, {line}\n").as_bytes())
                    .await
                    .is_err()
                {
                    break;
                }
            }
        });
    }
}

async fn tcp(addr: std::net::SocketAddr) -> std::io::Result<ferrobahn::tokio::TokioIo<TcpStream>> {
    Ok(ferrobahn::tokio::TokioIo(TcpStream::connect(addr).await?))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runtime = ferrobahn::tokio::runtime();
    let wrap = Arc::new(WrapConfig::default());

    // The unmodified TCP service.
    let service = TcpListener::bind("127.0.0.1:0").await?;
    let service_addr = service.local_addr()?;
    tokio::spawn(hello_service(service));

    // ws -> tcp: a WebSocket server wrapping the service.
    let ws_listener = ferrobahn::tokio::bind("127.0.0.1:0").await?;
    let ws_addr = ws_listener.local_addr()?;
    let (rt, w) = (runtime.clone(), wrap.clone());
    tokio::spawn(serve_forward(
        runtime.clone(),
        ws_listener,
        100,
        move |io, peer| {
            let (rt, w) = (rt.clone(), w.clone());
            async move {
                let server = ServerConfig::default();
                let connect = || tcp(service_addr);
                let done = forward_ws_connection(rt, io, Some(peer), &server, &w, connect).await;
                println!("ws -> tcp pair ended: {done:?}");
            }
        },
    ));

    // tcp -> ws: a local port whose connections travel as WebSocket.
    let local = ferrobahn::tokio::bind("127.0.0.1:0").await?;
    let local_addr = local.local_addr()?;
    let url = format!("ws://{ws_addr}/");
    tokio::spawn(serve_forward(runtime.clone(), local, 100, move |io, _| {
        let (rt, w, url) = (runtime.clone(), wrap.clone(), url.clone());
        async move {
            let config = w.client_config(ClientConfig::default());
            let connect = || ferrobahn::tokio::connect_with(&url, config);
            let done = forward_stream_connection(rt, io, &w, connect).await;
            println!("tcp -> ws pair ended: {done:?}");
        }
    }));

    // A plain TCP client, unaware of WebSocket in between.
    let stream = TcpStream::connect(local_addr).await?;
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    println!("client: {}", lines.next_line().await?.unwrap_or_default());
    for name in ["Alice", "Bob"] {
        write.write_all(format!("{name}\n").as_bytes()).await?;
        println!("client: {}", lines.next_line().await?.unwrap_or_default());
    }
    write.shutdown().await?;
    // Give the forwarders a moment to report their ends.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    Ok(())
}
