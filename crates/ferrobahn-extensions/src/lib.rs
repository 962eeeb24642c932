//! WebSocket per-message extensions.
//!
//! This crate holds [`PerMessageCodec`], the trait through which the
//! connection core (`ferrobahn-websocket`) hands message payloads to a
//! negotiated extension.
#![forbid(unsafe_code)]

mod codec;

pub use codec::{CodecError, PerMessageCodec};
