//! A scripted router that misbehaves (garbage, closing mid-call, never answering), on
//! every runtime: pending requests fail with typed errors and the driver task ends.
#![allow(clippy::duplicate_mod)] // on purpose: one body per runtime

#[path = "."]
mod on_tokio {
    ferrobahn_test::runtime_tokio!();
    #[path = "bad/mod.rs"]
    mod bad;
}

#[path = "."]
mod on_async_std {
    ferrobahn_test::runtime_async_std!();
    #[path = "bad/mod.rs"]
    mod bad;
}
