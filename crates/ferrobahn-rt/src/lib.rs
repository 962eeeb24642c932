//! The runtime-agnostic async layer of ferrobahn.
//!
//! - [`Runtime`] (spawn, timers, now) and [`Transport`] (byte stream) are the
//!   whole interface to an async runtime; `ferrobahn-tokio` and
//!   `ferrobahn-async-std` implement them in a few lines each.
//! - [`WebSocket`] is the **one** driver: it moves bytes between a transport
//!   and the sans-IO [`ferrobahn_websocket::Connection`], honours its timer,
//!   answers pings and close frames, and batches writes (see "Batching" on
//!   [`WebSocket`]).
//! - [`Handler`] is the AutobahnPython-shaped application API
//!   (`on_connect`, `on_open`, `on_message`, `on_close`), driven by
//!   [`serve`] / [`serve_connection`] on the server and [`run_handler`] on
//!   either side.
//! - [`connect_transport`] runs a client opening handshake over any
//!   transport.
//!
//! ```text
//!  Transport ──poll_read──▶ Connection::read_buf/commit_read ──▶ poll_event ──▶ recv() / Handler
//!  Transport ◀─poll_write── Connection::transmit_buf ◀── send() / Ctx / Sender
//!                  Runtime::new_timer ◀── Connection::poll_timeout
//! ```
//!
//! # FAQ
//!
//! **When are my messages written?** See "Batching" on [`WebSocket`]: at once
//! unless received messages wait for delivery, in which case one write
//! carries the answers to a whole burst.
//!
//! **Who answers pings?** The protocol core, while the connection is read.
//!
//! **What stops a slowloris client?** [`ServerConfig::open_handshake_timeout`]
//! bounds the whole opening handshake.
//!
//! **wss://?** With the `tls` feature, [`ClientConfig::tls`] and
//! [`Error::Tls`] exist and `ferrobahn_tls` is re-exported as [`tls`];
//! [`TlsListener`] and [`TlsServerStream`] are the server side, written once
//! over a binding's [`TlsAccept`]; the bindings' `tls` features implement it
//! with their rustls wrappers (tokio-rustls, futures-rustls) and accept
//! `wss://` in `connect_with`.
// `unsafe` only where a read into uninitialised memory is committed (the
// driver, `poll_read_uninit_vec`; `ReadUninit`, measured: see
// benches/RESULTS.md).
#![deny(unsafe_code)]

#[cfg(feature = "tls")]
pub use ferrobahn_tls as tls;

mod accept;
mod answer;
mod busy_poll;
mod client;
mod core;
mod deadline;
mod error;
mod handler;
mod peer;
mod routes;
mod runtime;
mod sender;
mod server;
mod split;
#[cfg(feature = "tls")]
mod tls_client;
#[cfg(feature = "tls")]
mod tls_server;
mod transport;
mod websocket;

pub use accept::{accept_loop, ConnectionSlot};
pub use answer::{answer_request, Accepted, Answer};
pub use busy_poll::{BusyPoll, BusyPollConfig};
pub use client::{connect_transport, connect_upgraded, ClientConfig, Proxy};
pub use error::{Error, Timeout};
pub use handler::{run_client_handler, run_handler, Ctx, Deny, Handler};
pub use peer::{forwarded_for, PeerAddr};
pub use routes::{Routed, Routes};
pub use runtime::{sleep_until, timeout_at, AsyncTimer, Runtime};
pub use sender::{Sender, TrySendError};
pub use server::{accept_transport, serve, serve_connection, ServerConfig};
pub use split::{ReadHalf, WriteHalf};
#[cfg(feature = "tls")]
pub use tls_client::start_client_tls;
#[cfg(feature = "tls")]
pub use tls_server::{TlsAccept, TlsListener, TlsServerStream};
pub use transport::{poll_read_uninit_vec, Either, FuturesIo, Listener, ReadUninit, Transport};
pub use websocket::WebSocket;

/// 8 random bytes from the OS, once per connection (mask key RNG seed).
fn entropy() -> Result<u64, Error> {
    let mut seed = [0u8; 8];
    getrandom::fill(&mut seed).map_err(|e| Error::Io(std::io::Error::other(e)))?;
    Ok(u64::from_le_bytes(seed))
}
