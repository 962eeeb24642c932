//! Testee binaries for the Autobahn WebSocket Testsuite.
//!
//! - `testee-server --runtime tokio|async-std --listen 127.0.0.1:9002`: an
//!   echo server for `wstest -m fuzzingclient`; prints `listening on ADDR`
//!   once bound and runs until killed.
//! - `testee-client --runtime tokio|async-std --url ws://127.0.0.1:9001 --agent NAME`:
//!   runs every case of `wstest -m fuzzingserver`, echoing, then asks for the
//!   reports; exits 0 when done.
//!
//! Both use the one [`Echo`] handler on both runtimes. Options are the
//! defaults except the size limits, raised for the 16 MiB messages of
//! cases 9.x, and `permessage-deflate` enabled (default knobs) for cases
//! 12.x and 13.x.
#![forbid(unsafe_code)]

use std::future::Future;

use ferrobahn::{
    Bytes, ClientExtensions, ClientOffer, Ctx, DeflateConfig, Handler, Message, MessageKind,
    ServerExtensions, WebSocketConfig,
};

/// Frame and message size limit of the testees (cases 9.x send 16 MiB).
pub const MAX_PAYLOAD: usize = 32 * 1024 * 1024;

/// The runtime a testee runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum RuntimeKind {
    /// tokio (multi-threaded).
    Tokio,
    /// async-std (async-io).
    AsyncStd,
}

impl RuntimeKind {
    /// Runs `fut` to completion on this runtime.
    pub fn block_on<F: Future>(self, fut: F) -> F::Output {
        match self {
            RuntimeKind::Tokio => tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .expect("cannot start the tokio runtime")
                .block_on(fut),
            RuntimeKind::AsyncStd => async_std::task::block_on(fut),
        }
    }
}

/// WebSocket options of the testees: defaults with [`MAX_PAYLOAD`].
pub fn websocket_config() -> WebSocketConfig {
    WebSocketConfig::default()
        .with_max_frame_payload(MAX_PAYLOAD)
        .with_max_message_payload(MAX_PAYLOAD)
}

/// The server's extensions: `permessage-deflate` with default knobs.
pub fn server_extensions() -> ServerExtensions {
    ServerExtensions::new().with_deflate(DeflateConfig::default())
}

/// The client's offer: `permessage-deflate` with default knobs.
pub fn client_extensions() -> ClientExtensions {
    ClientExtensions::new().with_offer(ClientOffer::Deflate(DeflateConfig::default()))
}

/// Echoes text as text and binary as binary.
#[derive(Debug, Default)]
pub struct Echo;

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

/// Logs to stderr, filtered by `RUST_LOG` (default `warn`).
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}
