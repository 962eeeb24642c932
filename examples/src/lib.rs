//! Runnable examples (see the `examples/` directory):
//!
//! - `echo_server`: the handler API on tokio
//!   (`cargo run -p ferrobahn-examples --example echo_server -- 127.0.0.1:9000`);
//! - `echo_server_async_std`: the same handler on async-std;
//! - `echo_client`: the `WebSocket` API (send, recv, close);
//! - `broadcast`: a `Sender` pushing messages from another task.
#![forbid(unsafe_code)]
