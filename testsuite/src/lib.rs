//! Testee binaries for the Autobahn WebSocket Testsuite.
//!
//! - `testee-server --runtime tokio|async-std --listen 127.0.0.1:9002`: an
//!   echo server for `wstest -m fuzzingclient`; prints `listening on ADDR`
//!   once bound and runs until killed.
//! - `testee-client --runtime tokio|async-std --url ws://127.0.0.1:9001 --agent NAME`:
//!   runs every case of `wstest -m fuzzingserver`, echoing, then asks for the
//!   reports; exits 0 when done.
//!
//! - `ws-roundtrip --url ws://HOST:PORT/ [--window-bits N ...]`: a client for
//!   interop runs (testsuite/compression): offers permessage-deflate with the
//!   given knobs, round-trips text and binary messages, checks the echoes.
//!
//! Both testees use the one [`Echo`] handler on both runtimes. Options are the
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

/// A deterministic message body of `len` bytes for round-trip checks:
/// words from a small vocabulary (ASCII, so valid text) or, for binary,
/// random runs mixed with repeats; compressible, but not trivially.
pub fn sample_payload(seed: usize, len: usize, binary: bool) -> Vec<u8> {
    const WORDS: &[&str] = &[
        "websocket ",
        "deflate ",
        "window ",
        "context ",
        "takeover ",
        "frame ",
        "message ",
        "ferrobahn ",
        "zlib ",
        "inflate ",
        "0123456789 ",
    ];
    let mut state = (seed as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut out = Vec::with_capacity(len + 16);
    while out.len() < len {
        let r = next();
        if !binary {
            out.extend_from_slice(WORDS[(r % WORDS.len() as u64) as usize].as_bytes());
        } else if r & 1 == 0 {
            out.extend(r.to_le_bytes());
        } else {
            let run = (r >> 8) as usize % 200 + 1;
            out.extend(std::iter::repeat_n((r >> 32) as u8, run));
        }
    }
    out.truncate(len);
    out
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

#[cfg(test)]
mod tests {
    use super::sample_payload;

    #[test]
    fn sample_payloads_are_exact_deterministic_and_text_is_utf8() {
        for len in [0, 1, 1023, 65_536] {
            let text = sample_payload(3, len, false);
            assert_eq!(text.len(), len);
            assert!(std::str::from_utf8(&text).is_ok());
            assert_eq!(text, sample_payload(3, len, false));
            assert_eq!(sample_payload(4, len, true).len(), len);
        }
        assert_ne!(sample_payload(1, 4096, true), sample_payload(2, 4096, true));
    }
}
