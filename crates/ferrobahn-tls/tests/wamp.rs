//! WAMP over TLS: our router on a `TlsListener` (WebSocket and RawSocket on
//! one port), our client over `wss://` and `rss://`, on tokio and async-std.
#![allow(clippy::duplicate_mod)] // on purpose: one body per runtime

mod common;

#[path = "."]
mod on_tokio {
    ferrobahn_test::runtime_tokio!();
    #[path = "rt/wamp.rs"]
    mod wamp;
}

#[path = "."]
mod on_async_std {
    ferrobahn_test::runtime_async_std!();
    #[path = "rt/wamp.rs"]
    mod wamp;
}
