//! A WebSocket client for interop runs: connects (optionally offering
//! permessage-deflate with the given knobs), sends text and binary messages
//! of the given sizes, checks that each comes back unchanged, closes.
//!
//! Prints `extensions: <the server's Sec-WebSocket-Extensions>` after the
//! handshake and `ok <n> messages` at the end; exits 1 on any mismatch.
#![forbid(unsafe_code)]

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use ferrobahn::{
    ClientConfig, ClientExtensions, ClientOffer, CloseCode, DeflateConfig, Error, Message,
};
use ferrobahn_testsuite::{init_logging, sample_payload, RuntimeKind, MAX_PAYLOAD};

/// Round-trips messages through an echo server.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// The runtime to run on.
    #[arg(long, value_enum, default_value_t = RuntimeKind::Tokio)]
    runtime: RuntimeKind,
    /// The echo server's URL.
    #[arg(long)]
    url: String,
    /// Message sizes in bytes, comma separated (each sent as text and as binary).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "1024,65536,1048576,4194304"
    )]
    sizes: Vec<usize>,
    /// Offer no compression at all.
    #[arg(long)]
    no_deflate: bool,
    /// Largest window this client compresses with (8..=15).
    #[arg(long, default_value_t = 15)]
    window_bits: u8,
    /// Reset the compressor after each message (client_no_context_takeover).
    #[arg(long)]
    no_context_takeover: bool,
    /// Ask the server to compress with at most this window (server_max_window_bits).
    #[arg(long)]
    server_window_bits: Option<u8>,
    /// Ask the server to reset its compressor after each message.
    #[arg(long)]
    server_no_context_takeover: bool,
    /// Seconds allowed for the whole run.
    #[arg(long, default_value_t = 120)]
    timeout: u64,
}

impl Args {
    fn config(&self) -> ClientConfig {
        let config =
            ClientConfig::default().with_websocket(ferrobahn_testsuite::websocket_config());
        if self.no_deflate {
            return config;
        }
        let deflate = DeflateConfig {
            max_window_bits: self.window_bits,
            no_context_takeover: self.no_context_takeover,
            request_peer_max_window_bits: self.server_window_bits,
            request_peer_no_context_takeover: self.server_no_context_takeover,
            ..DeflateConfig::default()
        };
        config.with_extensions(ClientExtensions::new().with_offer(ClientOffer::Deflate(deflate)))
    }
}

macro_rules! round_trips {
    ($binding:path, $args:expr) => {{
        use $binding as binding;
        let args = $args;
        let (mut ws, response) = binding::connect_with(&args.url, args.config()).await?;
        println!(
            "extensions: {}",
            response.header("Sec-WebSocket-Extensions").unwrap_or("")
        );
        let mut count = 0usize;
        for (i, &size) in args.sizes.iter().enumerate() {
            for binary in [false, true] {
                let data = sample_payload(i * 2 + usize::from(binary), size, binary);
                let msg = if binary {
                    Message::binary(data)
                } else {
                    Message::text(String::from_utf8(data).map_err(std::io::Error::other)?)
                };
                ws.send(msg.clone()).await?;
                match ws.recv().await {
                    Some(Ok(echo)) if echo == msg => count += 1,
                    Some(Ok(echo)) => {
                        return Err(Error::Io(std::io::Error::other(format!(
                            "echo of {size} bytes (binary {binary}) differs: got {} bytes",
                            echo.data.len()
                        ))))
                    }
                    Some(Err(e)) => return Err(e),
                    None => {
                        return Err(Error::Io(std::io::Error::other(
                            "connection ended before the echo",
                        )))
                    }
                }
            }
        }
        ws.close(CloseCode::NORMAL, "done").await?;
        Ok::<usize, Error>(count)
    }};
}

fn main() -> ExitCode {
    init_logging();
    let args = Args::parse();
    if args.sizes.iter().any(|&s| s > MAX_PAYLOAD) {
        eprintln!("ws-roundtrip: sizes above {MAX_PAYLOAD} are not allowed");
        return ExitCode::FAILURE;
    }
    let limit = Duration::from_secs(args.timeout);
    let result = args.runtime.block_on(async {
        match args.runtime {
            RuntimeKind::Tokio => {
                tokio::time::timeout(limit, async { round_trips!(ferrobahn::tokio, &args) })
                    .await
                    .unwrap_or_else(|_| Err(Error::Io(std::io::ErrorKind::TimedOut.into())))
            }
            RuntimeKind::AsyncStd => async_std::future::timeout(limit, async {
                round_trips!(ferrobahn::async_std, &args)
            })
            .await
            .unwrap_or_else(|_| Err(Error::Io(std::io::ErrorKind::TimedOut.into()))),
        }
    });
    match result {
        Ok(n) => {
            println!("ok {n} messages");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("ws-roundtrip: {e}");
            ExitCode::FAILURE
        }
    }
}
