//! `wss://` servers and clients, written once and run on tokio and on
//! async-std (each `on_*` module gets its own `mod rt` from
//! `ferrobahn-test`), with certificates made at test time by rcgen.
#![allow(clippy::duplicate_mod)] // on purpose: one body per runtime

mod common;

#[path = "."]
mod on_tokio {
    ferrobahn_test::runtime_tokio!();
    #[path = "rt/failures.rs"]
    mod failures;
    #[path = "rt/wss.rs"]
    mod wss;
}

#[path = "."]
mod on_async_std {
    ferrobahn_test::runtime_async_std!();
    #[path = "rt/failures.rs"]
    mod failures;
    #[path = "rt/wss.rs"]
    mod wss;
}
