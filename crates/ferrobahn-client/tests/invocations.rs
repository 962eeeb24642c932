//! Where a procedure runs: polled once on the driver task, then on its own task while
//! it waits; what the router receives from it (YIELD order, panics), on every runtime.
#![allow(clippy::duplicate_mod)] // on purpose: one body per runtime

#[path = "."]
mod on_tokio {
    ferrobahn_test::runtime_tokio!();
    #[path = "invocations/mod.rs"]
    mod invocations;
}

#[path = "."]
mod on_async_std {
    ferrobahn_test::runtime_async_std!();
    #[path = "invocations/mod.rs"]
    mod invocations;
}
