//! The router host over real loopback sockets, written once and run on every runtime
//! (the rustls `api.rs` trick).
#![allow(clippy::duplicate_mod)] // on purpose: one body per runtime

/// The test modules, declared once per runtime module.
macro_rules! host_tests {
    () => {
        #[path = "host/busy_poll.rs"]
        mod busy_poll;
        #[path = "host/embedded.rs"]
        mod embedded;
        #[path = "host/hub.rs"]
        mod hub;
        #[path = "host/peer.rs"]
        mod peer;
        #[path = "host/rawsocket.rs"]
        mod rawsocket;
        #[cfg(unix)]
        #[path = "host/unix.rs"]
        mod unix;
        #[path = "host/wamp.rs"]
        mod wamp;
        #[path = "host/web.rs"]
        mod web;
    };
}

#[path = "."]
mod on_tokio {
    ferrobahn_test::runtime_tokio!();
    host_tests!();
}

#[path = "."]
mod on_async_std {
    ferrobahn_test::runtime_async_std!();
    host_tests!();
}
