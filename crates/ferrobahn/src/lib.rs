//! ferrobahn: WebSocket and WAMP for Rust (facade crate).
#![forbid(unsafe_code)]
