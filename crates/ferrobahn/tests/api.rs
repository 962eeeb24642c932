//! Integration tests of the runtime layer, written once and run on every
//! runtime (the rustls `api.rs` trick): each `on_*` module gets its own
//! `mod rt` from `ferrobahn-test` and includes the same test files.
#![allow(clippy::duplicate_mod)] // on purpose: one body per runtime

#[path = "."]
mod on_tokio {
    ferrobahn_test::runtime_tokio!();
    #[path = "rt/close.rs"]
    mod close;
    #[path = "rt/compression.rs"]
    mod compression;
    #[path = "rt/compression_bad.rs"]
    mod compression_bad;
    #[path = "rt/echo.rs"]
    mod echo;
    #[path = "rt/endpoints.rs"]
    mod endpoints;
    #[path = "rt/flow.rs"]
    mod flow;
    #[path = "rt/handshake.rs"]
    mod handshake;
    #[path = "rt/proxy.rs"]
    mod proxy;
    #[path = "rt/routes.rs"]
    mod routes;
    #[path = "rt/send_timeout.rs"]
    mod send_timeout;
    #[path = "rt/split.rs"]
    mod split;
    #[path = "rt/streaming.rs"]
    mod streaming;
    #[path = "rt/streams.rs"]
    mod streams;
    #[path = "rt/tinyproxy.rs"]
    mod tinyproxy;
}

#[path = "."]
mod on_async_std {
    ferrobahn_test::runtime_async_std!();
    #[path = "rt/close.rs"]
    mod close;
    #[path = "rt/compression.rs"]
    mod compression;
    #[path = "rt/compression_bad.rs"]
    mod compression_bad;
    #[path = "rt/echo.rs"]
    mod echo;
    #[path = "rt/endpoints.rs"]
    mod endpoints;
    #[path = "rt/flow.rs"]
    mod flow;
    #[path = "rt/handshake.rs"]
    mod handshake;
    #[path = "rt/proxy.rs"]
    mod proxy;
    #[path = "rt/routes.rs"]
    mod routes;
    #[path = "rt/send_timeout.rs"]
    mod send_timeout;
    #[path = "rt/split.rs"]
    mod split;
    #[path = "rt/streaming.rs"]
    mod streaming;
    #[path = "rt/streams.rs"]
    mod streams;
    #[path = "rt/tinyproxy.rs"]
    mod tinyproxy;
}
