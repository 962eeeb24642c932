//! AutobahnPython's `echo_httpheaders`: custom HTTP headers in the opening
//! handshake. The client sends `MyCustomClientHeader`; the server answers
//! with a header it sends to everyone (`MyCustomServerHeader`) and two
//! chosen per client in `on_connect`.
//!
//! ```text
//! cargo run -p ferrobahn-examples --example echo_httpheaders                    # server + client, then exit
//! cargo run -p ferrobahn-examples --example echo_httpheaders -- server 127.0.0.1:9000
//! cargo run -p ferrobahn-examples --example echo_httpheaders -- client ws://127.0.0.1:9000
//! ```

use ferrobahn::{Accept, Bytes, ClientConfig, CloseCode, Ctx, Deny, Handler, Message, Request};

/// Echoes; adds the custom response headers.
struct Echo {
    /// Sent to every client (the factory-wide header of AutobahnPython).
    server_header: (String, String),
}

impl Handler for Echo {
    fn on_connect(&mut self, request: &Request) -> Result<Accept, Deny> {
        let from_client = request.header("MyCustomClientHeader").unwrap_or("(none)");
        println!("server: MyCustomClientHeader = {from_client}");
        Ok(Accept {
            headers: vec![
                self.server_header.clone(),
                ("MyCustomDynamicServerHeader1".into(), "Hello".into()),
                (
                    "MyCustomDynamicServerHeader2".into(),
                    from_client.to_owned(),
                ),
            ],
            ..Accept::default()
        })
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_>, payload: Bytes, _is_binary: bool) {
        let _ = ctx.send_message(Message::binary(payload));
    }
}

fn factory() -> Echo {
    Echo {
        server_header: ("MyCustomServerHeader".into(), "Foobar".into()),
    }
}

async fn client(url: &str) -> Result<(), ferrobahn::Error> {
    let mut config = ClientConfig::default();
    config
        .handshake
        .headers
        .push(("MyCustomClientHeader".into(), "Bazbar".into()));
    let (mut ws, response) = ferrobahn::tokio::connect_with(url, config).await?;
    for (name, value) in &response.headers {
        if name.starts_with("MyCustom") {
            println!("client: {name}: {value}");
        }
    }
    ws.send(Message::text("Hello, world!")).await?;
    if let Some(msg) = ws.recv().await {
        println!("client: echo of {} bytes", msg?.data.len());
    }
    ws.close(CloseCode::NORMAL, "").await?;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("server") => {
            let addr = args.get(1).map_or("127.0.0.1:9000", String::as_str);
            println!("listening on {addr}");
            ferrobahn::tokio::serve(addr, factory).await?;
        }
        Some("client") => {
            client(args.get(1).map_or("ws://127.0.0.1:9000", String::as_str)).await?;
        }
        _ => {
            let listener = ferrobahn::tokio::bind("127.0.0.1:0").await?;
            let addr = listener.local_addr()?;
            let config = ferrobahn::ServerConfig::default();
            let runtime = ferrobahn::tokio::runtime();
            tokio::spawn(ferrobahn::serve(runtime, listener, config, factory));
            client(&format!("ws://{addr}")).await?;
        }
    }
    Ok(())
}
