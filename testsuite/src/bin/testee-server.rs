//! Echo server for `wstest -m fuzzingclient`.
#![forbid(unsafe_code)]

use std::io::Write;
use std::net::SocketAddr;

use clap::Parser;
use ferrobahn::ServerConfig;
use ferrobahn_testsuite::{init_logging, server_extensions, websocket_config, Echo, RuntimeKind};

/// Autobahn testee server: echoes every message; prints "listening on ADDR"
/// once bound and runs until killed.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// The runtime to serve on.
    #[arg(long, value_enum, default_value_t = RuntimeKind::Tokio)]
    runtime: RuntimeKind,
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:9002")]
    listen: SocketAddr,
}

fn announce(addr: std::io::Result<SocketAddr>) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "listening on {}", addr?)?;
    out.flush()
}

fn main() -> std::io::Result<()> {
    init_logging();
    let args = Args::parse();
    let config = ServerConfig::default()
        .with_websocket(websocket_config())
        .with_extensions(server_extensions());
    args.runtime.block_on(async move {
        match args.runtime {
            RuntimeKind::Tokio => {
                use ferrobahn::tokio as binding;
                let listener = binding::bind(args.listen).await?;
                announce(listener.local_addr())?;
                ferrobahn::serve(binding::runtime(), listener, config, || Echo).await;
            }
            RuntimeKind::AsyncStd => {
                use ferrobahn::async_std as binding;
                let listener = binding::bind(args.listen).await?;
                announce(listener.local_addr())?;
                ferrobahn::serve(binding::runtime(), listener, config, || Echo).await;
            }
        }
        Ok(())
    })
}
