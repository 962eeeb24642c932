//! Load harness for ferrobahn: a WebSocket load generator of our own, echo
//! servers on ferrobahn and on its peers, and the `ws-bench` runner that
//! measures them side by side (see `benches/RESULTS.md`).
//!
//! Binaries (all in this package, built with `--release`):
//! - `loadgen`: the generator. One thread on a `mio` event loop; every
//!   message is a pre-built, pre-masked frame, replies are parsed by header
//!   length only, so one core drives more than any server here can echo
//!   (it reports its own CPU share and the server's to show that).
//! - `echo-ferrobahn --runtime tokio|async-std`, `echo-tungstenite`,
//!   `echo-fastwebsockets`, `echo-tokio-websockets`: echo servers, each the
//!   idiomatic loop of its library on a single-threaded runtime.
//! - `echo-rawtcp`: a length-prefixed TCP echo, the machine's limit.
//! - `ws-bench`: the runner.
#![forbid(unsafe_code)]

pub mod args;
pub mod frame;
pub mod generator;
pub mod handshake;
pub mod idle;
pub mod procstat;
pub mod report;
pub mod runner;
pub mod server;

/// The largest message any server must accept (the 1 MiB cells plus slack).
pub const MAX_MESSAGE: usize = 64 << 20;
