//! The sans-IO WebSocket connection (RFC 6455).
//!
//! [`Connection`] is a state machine that owns no socket, task or clock:
//! bytes from the transport go in, [`Event`]s and bytes for the transport
//! come out, and time is a deadline the owner reads with
//! [`Connection::poll_timeout`] and honours with
//! [`Connection::handle_timeout`]. The runtime crates (`ferrobahn-tokio`,
//! `ferrobahn-async-std`) are thin shells that move bytes between a socket
//! and this core; the opening handshake is done before, by
//! `ferrobahn-handshake`.
//!
//! ```text
//!            feed / read_buf+commit_read        poll_event
//! transport ───────────────────────────▶ Connection ───────────▶ application
//!           ◀─────────────────────────── │        ◀───────────
//!             transmit_buf+advance_transmit        send / ping / close
//!                                        │
//!                          poll_timeout ─┴─ handle_timeout
//! ```
//!
//! A server connection echoing one client message, driven by hand:
//!
//! ```
//! use std::time::Instant;
//! use ferrobahn_websocket::{Config, Connection, Event, Role};
//!
//! let now = Instant::now();
//! let mut server = Connection::new(Role::Server, Config::default(), now, 42);
//! // A masked text frame "Hello" from a client (RFC 6455 5.7).
//! server.feed(now, &[0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]);
//! while let Some(event) = server.poll_event() {
//!     if let Event::Message(msg) = event {
//!         assert_eq!(msg.as_text(), Some("Hello"));
//!         server.send(now, &msg).unwrap();
//!     }
//! }
//! // The unmasked reply a server sends.
//! assert_eq!(server.transmit_buf(), &[0x81, 0x05, b'H', b'e', b'l', b'l', b'o']);
//! let written = server.transmit_buf().len();
//! server.advance_transmit(written);
//! assert!(server.transmit_buf().is_empty());
//! ```
//!
//! # Frames, streams and flow control
//!
//! - **Streaming receive** ([`Config::streaming`] or
//!   [`Connection::set_streaming`]): a message arrives as
//!   [`Event::MessageBegin`], then per frame [`Event::FrameBegin`], any
//!   number of [`Event::FrameData`] (handed out as soon as bytes arrive,
//!   decompressed when the message is) and [`Event::FrameEnd`], then
//!   [`Event::MessageEnd`]. Size limits and UTF-8 checks apply as in
//!   message mode.
//! - **Frame-level send**: [`Connection::begin_message`], then
//!   [`Connection::send_message_frame`] per frame or chunk, or
//!   [`Connection::begin_message_frame`] with a declared length and
//!   [`Connection::send_message_frame_data`] in pieces, then
//!   [`Connection::end_message`]. Control frames queued inside a
//!   declared-length frame wait until it is complete.
//! - **Flow control**: while more than [`Config::max_outgoing_buffer`]
//!   bytes wait to be written, [`Config::slow_reader`] decides what a data
//!   send does ([`SlowReader`]); [`Event::Drained`] follows a refused send
//!   once the buffer is at most half full. A server stops reading earlier,
//!   while more than [`Config::read_pause_outgoing`] bytes wait (default
//!   1 MiB), so a peer's next messages wait in the transport's buffers, not
//!   in memory as queued replies.
// `unsafe` only in `Connection::commit_read_uninit` (reading into
// uninitialised memory, measured: see benches/RESULTS.md).
#![deny(unsafe_code)]

mod config;
mod connection;
mod error;
mod event;
mod message;
mod rng;

pub use config::{Config, SlowReader};
pub use connection::{Connection, Role, SharedFrame, FRAME_HEADROOM};
pub use error::{ProtocolError, SendError};
pub use event::{Closed, Event, State};
pub use ferrobahn_extensions::{CodecError, PerMessageCodec};
pub use ferrobahn_frame::{CloseCode, OpCode};
pub use message::{Message, MessageKind};
