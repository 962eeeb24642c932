//! Any byte stream over WebSocket, the way [websockify] and AutobahnPython's
//! wrapping factories do it: a WebSocket subprotocol says how the bytes
//! travel, `binary` (as binary messages) or `base64` (base64 text
//! messages); other binary-compatible subprotocols such as `mqttv3.1` can
//! be allowed.
//!
//! - [`pump`] moves bytes both ways between an open [`WebSocket`] and any
//!   [`Transport`] until one side ends, then closes the other cleanly.
//! - [`forward_ws_connection`] serves one WebSocket connection by opening
//!   an upstream byte stream (`ws → tcp`, websockify's direction);
//!   [`forward_stream_connection`] wraps one accepted byte stream into a
//!   WebSocket client connection (`tcp → ws`). [`serve_forward`] is the
//!   accept loop for either. `ferrobahn forward` is built from these.
//!
//! Everything is runtime-agnostic: connecting upstream is a closure the
//! caller gives (a tokio or async-std socket, a Unix socket, a pipe).
//!
//! # Bad input and failures
//!
//! A broken upstream (refused, reset, silent past the idle timeout) ends
//! the WebSocket with close code 1011 and a reason naming the failure; a
//! `base64` peer sending text that is not base64 gets 1007. Every wait is
//! bounded: the upstream connect by [`WrapConfig::connect_timeout`], an
//! idle pair by [`WrapConfig::idle_timeout`], the WebSocket handshakes and
//! close by their own timeouts.
//!
//! [websockify]: https://github.com/novnc/websockify
#![forbid(unsafe_code)]

mod config;
mod error;
mod forward;
mod pump;

pub use config::{Framing, WrapConfig};
pub use error::WrapError;
pub use forward::{forward_stream_connection, forward_ws_connection, serve_forward};
pub use pump::{pump, Ended, PumpStats};

#[doc(no_inline)]
pub use ferrobahn_rt::{Transport, WebSocket};
