//! The `ferrobahn` command.
//!
//! `ferrobahn echo --listen 127.0.0.1:9000 [--runtime tokio|async-std]
//! [--deflate [--deflate-window-bits N] [--no-context-takeover] ...] [--bzip2]
//! [--snappy] [--brotli]` runs a WebSocket echo server; `ferrobahn router [--config FILE] [--listen ADDR]`
//! runs a WAMP router (default: realm `realm1`, anonymous,
//! `ws://127.0.0.1:8080/ws`). Logs go to stderr, filtered by `RUST_LOG`
//! (default `info`). `ferrobahn forward --listen ws://127.0.0.1:9000 --to
//! tcp:127.0.0.1:23` (or `--listen tcp:|unix:... --to ws://...`, on
//! `--runtime tokio|async-std`) carries byte streams over WebSocket,
//! websockify-compatible. `ferrobahn wamp [--url URL] call|publish|subscribe|register URI
//! ...` is a WAMP command-line client (see `ferrobahn wamp --help`).
#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

mod components;
mod compression;
mod echo;
mod forward;
mod router;
mod wamp;

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
    Echo(echo::EchoArgs),
    /// Forward byte streams over WebSocket (websockify-compatible), either way.
    Forward(forward::ForwardArgs),
    /// Run a WAMP router (broker and dealer).
    Router(router::RouterArgs),
    /// WAMP client: call, publish, subscribe, register.
    Wamp(wamp::WampArgs),
}

/// The runtime to run on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum RuntimeKind {
    /// tokio (multi-threaded).
    Tokio,
    /// async-std (on async-io).
    AsyncStd,
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
        Command::Wamp(args) => return wamp::run(args),
        Command::Echo(args) => echo::run(args),
        Command::Forward(args) => forward::run(args),
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
