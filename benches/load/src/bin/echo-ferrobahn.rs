//! ferrobahn echo server: the obvious [`Handler`] (send back what arrives),
//! on tokio (current_thread runtime) or async-std (one executor thread,
//! `ASYNC_STD_THREAD_COUNT=1`), with limits for 1 MiB messages and
//! permessage-deflate (default knobs) accepted when a client offers it.
//!
//! `echo-ferrobahn --runtime tokio|async-std [--listen ADDR] [--lifetime S]
//! [--read-buffer BYTES] [--read-pause BYTES]` (override
//! `Config::read_buffer_size` and `Config::read_pause_outgoing`).

use std::io;

use bytes::Bytes;
use ferrobahn_extensions::{DeflateConfig, ServerExtensions};
use ferrobahn_load::{server, MAX_MESSAGE};
use ferrobahn_rt::{Ctx, Handler, ServerConfig};
use ferrobahn_websocket::{Message, MessageKind};

/// Echoes every message back with its own kind, handing the received
/// payload back as it is (a large one goes out without a copy).
struct Echo;

impl Handler for Echo {
    fn on_message(&mut self, ctx: &mut Ctx<'_>, payload: Bytes, is_binary: bool) {
        let kind = if is_binary {
            MessageKind::Binary
        } else {
            MessageKind::Text
        };
        if let Err(e) = ctx.send_message(Message {
            kind,
            data: payload,
        }) {
            eprintln!("echo failed: {e}");
        }
    }
}

fn config(args: &server::ServerArgs) -> ServerConfig {
    let mut ws = ferrobahn_websocket::Config::default()
        .with_max_frame_payload(MAX_MESSAGE)
        .with_max_message_payload(MAX_MESSAGE);
    let knob = |name: &str, default: usize| match args.args.get_or(name, default) {
        Ok(n) => n,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    ws.read_buffer_size = knob("read-buffer", ws.read_buffer_size);
    ws.read_pause_outgoing = knob("read-pause", ws.read_pause_outgoing);
    ServerConfig::default()
        .with_websocket(ws)
        .with_extensions(ServerExtensions::new().with_deflate(DeflateConfig::default()))
        .with_max_connections(100_000)
}

fn run_tokio(args: &server::ServerArgs) -> io::Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let listener = ferrobahn_tokio::bind(args.listen).await?;
        server::announce(listener.local_addr()?);
        ferrobahn_rt::serve(ferrobahn_tokio::runtime(), listener, config(args), || Echo).await;
        Ok(())
    })
}

fn run_async_std(args: &server::ServerArgs) -> io::Result<()> {
    async_io::block_on(async move {
        let listener = ferrobahn_async_std::bind(args.listen).await?;
        server::announce(listener.local_addr()?);
        ferrobahn_rt::serve(
            ferrobahn_async_std::runtime(),
            listener,
            config(args),
            || Echo,
        )
        .await;
        Ok(())
    })
}

fn main() -> io::Result<()> {
    if std::env::var_os("ASYNC_STD_THREAD_COUNT").is_none() {
        // Before any thread exists: one executor thread, like current_thread.
        std::env::set_var("ASYNC_STD_THREAD_COUNT", "1");
    }
    let args = server::init(&["runtime", "read-buffer", "read-pause"]);
    match args.args.raw("runtime").unwrap_or("tokio") {
        "tokio" => run_tokio(&args),
        "async-std" => run_async_std(&args),
        other => {
            eprintln!("error: unknown runtime `{other}` (tokio | async-std)");
            std::process::exit(2);
        }
    }
}
