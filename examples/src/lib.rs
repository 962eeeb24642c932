//! Runnable examples (see the `examples/` directory):
//!
//! - `echo_server`: the handler API on tokio
//!   (`cargo run -p ferrobahn-examples --example echo_server -- 127.0.0.1:9000`);
//! - `echo_server_async_std`: the same handler on async-std;
//! - `echo_client`: the `WebSocket` API (send, recv, close);
//! - `broadcast`: a `Sender` pushing messages from another task;
//! - `streaming`: AutobahnPython's frame- and streaming-based APIs (message,
//!   frame and streaming clients against a streaming server that sends back
//!   a SHA-256 fingerprint, [`Fingerprint`]);
//! - `streaming_producer`: a large file streamed with flow control and flat
//!   memory (peak RSS printed);
//! - `ping`: a server that pings every client and prints the round trip;
//! - `wamp_demo`: the AutobahnPython WAMP demos (RPC, PubSub, session series) as Rust
//!   components, each a backend and a frontend, run by name as with AutobahnPython's
//!   `client.py --component`: `cargo run -p ferrobahn-examples --bin wamp_demo --
//!   rpc.timeservice.backend` (against `ferrobahn router`), the frontend likewise.
//!
//! [`wamp`] is what the demos share (URL and realm arguments, connecting, the
//! component life cycle); [`py`] prints values as the Python originals do.
#![forbid(unsafe_code)]

pub mod py;
pub mod wamp;

use ferrobahn::{Bytes, Ctx, Handler};
use sha2::{Digest, Sha256};

/// A server handler in streaming mode: hashes each message's payload as it
/// arrives (never holding the message) and answers with the hex SHA-256
/// fingerprint and the byte count, `"<hex> <len>"`.
#[derive(Debug, Default)]
pub struct Fingerprint {
    hash: Sha256,
    len: u64,
}

impl Handler for Fingerprint {
    fn on_open(&mut self, ctx: &mut Ctx<'_>) {
        ctx.set_streaming(true);
    }

    fn on_message(&mut self, _ctx: &mut Ctx<'_>, _payload: Bytes, _is_binary: bool) {}

    fn on_message_begin(&mut self, _ctx: &mut Ctx<'_>, _is_binary: bool) {
        self.hash = Sha256::new();
        self.len = 0;
    }

    fn on_message_frame_data(&mut self, _ctx: &mut Ctx<'_>, data: Bytes) {
        self.hash.update(&data);
        self.len += data.len() as u64;
    }

    fn on_message_end(&mut self, ctx: &mut Ctx<'_>) {
        let digest = std::mem::take(&mut self.hash).finalize();
        let _ = ctx.send_text(&format!("{} {}", hex(&digest), self.len));
    }
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A deterministic pseudo-random byte source (xorshift), so examples need
/// no RNG crate.
#[derive(Debug, Clone)]
pub struct Noise(u64);

impl Noise {
    /// A source seeded with `seed` (0 is replaced by 1).
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    /// Fills `buf`.
    pub fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            chunk.copy_from_slice(&self.0.to_le_bytes()[..chunk.len()]);
        }
    }
}
