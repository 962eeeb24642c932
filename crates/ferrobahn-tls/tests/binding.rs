//! WAMP-cryptosign with `tls-exporter` channel binding (RFC 9266), end to end: our
//! client takes the binding from its TLS transport (`wss://` and `rss://`) and our
//! router verifies it, on tokio and async-std; a forged binding is refused, and a
//! binding asked for over plain `ws://` fails before HELLO.
#![allow(clippy::duplicate_mod)] // on purpose: one body per runtime

mod common;

#[path = "."]
mod on_tokio {
    ferrobahn_test::runtime_tokio!();
    #[path = "rt/binding.rs"]
    mod binding;
}

#[path = "."]
mod on_async_std {
    ferrobahn_test::runtime_async_std!();
    #[path = "rt/binding.rs"]
    mod binding;
}
