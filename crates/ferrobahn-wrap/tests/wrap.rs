//! The wrapping pump and the forwarders on every runtime: base64 framing,
//! bad base64, idle timeout, the accept loop, connect timeouts. (The
//! websockify interop tests are in ferrobahn-cli.)
#![allow(clippy::duplicate_mod)] // on purpose: one body per runtime

#[path = "."]
mod on_tokio {
    ferrobahn_test::runtime_tokio!();
    #[path = "rt/forward.rs"]
    mod forward;
    #[path = "rt/pump.rs"]
    mod pump;
}

#[path = "."]
mod on_async_std {
    ferrobahn_test::runtime_async_std!();
    #[path = "rt/forward.rs"]
    mod forward;
    #[path = "rt/pump.rs"]
    mod pump;
}
