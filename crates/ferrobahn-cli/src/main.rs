//! The `ferrobahn` command.
//!
//! `ferrobahn echo --listen 127.0.0.1:9000 [--runtime tokio|async-std]` runs a
//! WebSocket echo server; `ferrobahn router [--config FILE] [--listen ADDR]`
//! runs a WAMP router (default: realm `realm1`, anonymous,
//! `ws://127.0.0.1:8080/ws`). Logs go to stderr, filtered by `RUST_LOG`
//! (default `info`).
#![forbid(unsafe_code)]

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

mod router;
use ferrobahn::{Bytes, Ctx, Handler, Listener, Message, MessageKind, ServerConfig};

/// ferrobahn: WebSocket tools.
#[derive(Debug, Parser)]
#[command(name = "ferrobahn", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a WebSocket echo server (text echoed as text, binary as binary).
    Echo(EchoArgs),
    /// Run a WAMP router (broker and dealer).
    Router(router::RouterArgs),
}

/// The runtime to run on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum RuntimeKind {
    /// tokio (multi-threaded).
    Tokio,
    /// async-std (on async-io).
    AsyncStd,
}

#[derive(Debug, Args)]
struct EchoArgs {
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:9000")]
    listen: SocketAddr,
    /// The runtime to serve on.
    #[arg(long, value_enum, default_value_t = RuntimeKind::Tokio)]
    runtime: RuntimeKind,
    /// Connections served at once; more get 503.
    #[arg(long, default_value_t = 10_000)]
    max_connections: usize,
    /// Seconds a client has to complete its opening handshake.
    #[arg(long, default_value_t = 10)]
    open_handshake_timeout: u64,
    /// Answer plain HTTP GET requests with a small status page.
    #[arg(long)]
    status_page: bool,
}

/// Echoes every message back.
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
            tracing::debug!(error = %e, "echo not sent");
        }
    }
}

fn echo(args: &EchoArgs) -> std::io::Result<()> {
    let config = ServerConfig::default()
        .with_max_connections(args.max_connections)
        .with_open_handshake_timeout(Duration::from_secs(args.open_handshake_timeout))
        .with_status_page(args.status_page);
    match args.runtime {
        RuntimeKind::Tokio => {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            rt.block_on(async {
                use ferrobahn::tokio as binding;
                let listener = binding::bind(args.listen).await?;
                tracing::info!(addr = %listener.local_addr()?, runtime = "tokio", "echo server listening");
                ferrobahn::serve(binding::runtime(), listener, config, || Echo).await;
                Ok(())
            })
        }
        RuntimeKind::AsyncStd => async_std::task::block_on(async {
            use ferrobahn::async_std as binding;
            let listener = binding::bind(args.listen).await?;
            tracing::info!(addr = %listener.local_addr()?, runtime = "async-std", "echo server listening");
            ferrobahn::serve(binding::runtime(), listener, config, || Echo).await;
            Ok(())
        }),
    }
}

fn main() -> ExitCode {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Echo(args) => echo(args),
        Command::Router(args) => {
            router::run(args).map_err(|e| std::io::Error::other(e.to_string()))
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "ferrobahn failed");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echo_arguments_parse() {
        let cli = Cli::try_parse_from([
            "ferrobahn",
            "echo",
            "--listen",
            "127.0.0.1:9100",
            "--runtime",
            "async-std",
        ])
        .unwrap();
        let Command::Echo(args) = cli.command else {
            panic!("not the echo command");
        };
        assert_eq!(args.listen, "127.0.0.1:9100".parse().unwrap());
        assert_eq!(args.runtime, RuntimeKind::AsyncStd);
        assert_eq!(args.max_connections, 10_000);
        assert!(!args.status_page);
    }

    #[test]
    fn router_arguments_parse() {
        let cli = Cli::try_parse_from(["ferrobahn", "router", "--listen", "127.0.0.1:0"]).unwrap();
        let Command::Router(args) = cli.command else {
            panic!("not the router command");
        };
        assert_eq!(args.listen.as_deref(), Some("127.0.0.1:0"));
        assert_eq!(args.runtime, RuntimeKind::Tokio);
        assert!(args.config.is_none());
    }

    #[test]
    fn unknown_runtime_is_refused() {
        assert!(Cli::try_parse_from(["ferrobahn", "echo", "--runtime", "glommio"]).is_err());
    }
}
