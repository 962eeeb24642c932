//! AutobahnPython's `echo_endpoints`: the same echo server and client over
//! different stream endpoints: TCP, a Unix domain socket, and any byte
//! stream you bring (here an in-memory duplex).
//!
//! ```text
//! cargo run -p ferrobahn-examples --example echo_endpoints                       # all three, then exit
//! cargo run -p ferrobahn-examples --example echo_endpoints -- server tcp:9000
//! cargo run -p ferrobahn-examples --example echo_endpoints -- client tcp:localhost:9000
//! cargo run -p ferrobahn-examples --example echo_endpoints -- server unix:/tmp/mywebsocket
//! cargo run -p ferrobahn-examples --example echo_endpoints -- client unix:/tmp/mywebsocket
//! ```

use ferrobahn::{
    Bytes, ClientConfig, CloseCode, Ctx, Handler, Message, ServerConfig, Transport, WebSocket,
};

/// Echoes every message, and says where its peer is on open.
struct Echo;

impl Handler for Echo {
    fn on_open(&mut self, ctx: &mut Ctx<'_>) {
        println!("server: connection from {:?}", ctx.peer());
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_>, payload: Bytes, is_binary: bool) {
        let msg = if is_binary {
            Message::binary(payload)
        } else {
            Message::text(String::from_utf8_lossy(&payload).into_owned())
        };
        let _ = ctx.send_message(msg);
    }
}

/// Sends one greeting and prints the echo.
async fn talk<T: Transport>(mut ws: WebSocket<T>, via: &str) -> Result<(), ferrobahn::Error> {
    ws.send(Message::text(format!("Hello over {via}!"))).await?;
    if let Some(msg) = ws.recv().await {
        println!("client: got echo {:?}", msg?.as_text().unwrap_or_default());
    }
    ws.close(CloseCode::NORMAL, "bye").await?;
    Ok(())
}

/// `tcp:PORT` / `tcp:HOST:PORT` for a server, `unix:PATH` either side.
async fn server(endpoint: &str) -> std::io::Result<()> {
    if let Some(path) = endpoint.strip_prefix("unix:") {
        println!("listening on unix:{path}");
        return ferrobahn::tokio::serve_unix(path, || Echo).await;
    }
    let addr = endpoint.strip_prefix("tcp:").unwrap_or(endpoint);
    let addr = if addr.contains(':') {
        addr.to_owned()
    } else {
        format!("127.0.0.1:{addr}")
    };
    println!("listening on tcp:{addr}");
    ferrobahn::tokio::serve(addr, || Echo).await
}

async fn client(endpoint: &str) -> Result<(), ferrobahn::Error> {
    if let Some(path) = endpoint.strip_prefix("unix:") {
        let path = path.strip_prefix("path=").unwrap_or(path);
        let config = ClientConfig::default();
        let (ws, _) = ferrobahn::tokio::connect_unix(path, "ws://localhost/", config).await?;
        return talk(ws, "a Unix socket").await;
    }
    let addr = endpoint.strip_prefix("tcp:").unwrap_or(endpoint);
    let (ws, _) = ferrobahn::tokio::connect(&format!("ws://{addr}/")).await?;
    talk(ws, "TCP").await
}

/// Runs all three endpoints once.
async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    // TCP.
    let listener = ferrobahn::tokio::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let runtime = ferrobahn::tokio::runtime();
    let config = ServerConfig::default();
    tokio::spawn(ferrobahn::serve(
        runtime.clone(),
        listener,
        config.clone(),
        || Echo,
    ));
    client(&format!("tcp:{addr}")).await?;

    // A Unix domain socket.
    let path = std::env::temp_dir().join(format!("ferrobahn-echo-{}.sock", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let listener = ferrobahn::tokio::bind_unix(&path).await?;
    tokio::spawn(ferrobahn::serve(
        runtime.clone(),
        listener,
        config.clone(),
        || Echo,
    ));
    client(&format!("unix:{}", path.display())).await?;
    std::fs::remove_file(&path)?;

    // Any byte stream: both ends of an in-memory duplex.
    let (server_end, client_end) = tokio::io::duplex(64 * 1024);
    let rt = runtime.clone();
    tokio::spawn(async move {
        let io = ferrobahn::tokio::TokioIo(server_end);
        let _ = ferrobahn::serve_connection(rt, io, None, &config, Echo).await;
    });
    let url = "ws://in-memory/".parse()?;
    let io = ferrobahn::tokio::TokioIo(client_end);
    let (ws, _) = ferrobahn::connect_transport(runtime, io, &url, ClientConfig::default()).await?;
    talk(ws, "an in-memory duplex").await?;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match (args.first().map(String::as_str), args.get(1)) {
        (Some("server"), Some(endpoint)) => server(endpoint).await?,
        (Some("client"), Some(endpoint)) => client(endpoint).await?,
        _ => demo().await?,
    }
    Ok(())
}
