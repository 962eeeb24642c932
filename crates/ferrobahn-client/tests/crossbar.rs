//! Integration tests against Crossbar.io, the reference WAMP router, once per runtime.
//!
//! Run with `FERROBAHN_CROSSBAR=/opt/crossbar-venv/bin/crossbar cargo test -p
//! ferrobahn-client --test crossbar`; without the variable every test prints a notice
//! and passes.
#![allow(clippy::duplicate_mod)] // on purpose: one body per runtime

mod harness;

#[path = "."]
mod on_tokio {
    ferrobahn_test::runtime_tokio!();
    #[path = "crossbar/auth.rs"]
    mod auth;
    #[path = "crossbar/basic.rs"]
    mod basic;
    #[path = "crossbar/pubsub.rs"]
    mod pubsub;
    #[path = "crossbar/rpc.rs"]
    mod rpc;
    #[path = "crossbar/util.rs"]
    mod util;
}

#[path = "."]
mod on_async_std {
    ferrobahn_test::runtime_async_std!();
    #[path = "crossbar/auth.rs"]
    mod auth;
    #[path = "crossbar/basic.rs"]
    mod basic;
    #[path = "crossbar/pubsub.rs"]
    mod pubsub;
    #[path = "crossbar/rpc.rs"]
    mod rpc;
    #[path = "crossbar/util.rs"]
    mod util;
}
