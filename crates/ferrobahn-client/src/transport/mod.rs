//! WAMP transports: a message channel to the router over WebSocket or RawSocket.
//!
//! [`WampTransport`] is what the async client drives; [`WebSocketTransport`] and
//! [`RawSocketTransport`] implement it over any [`ferrobahn_rt::Transport`] byte stream,
//! so they work on every runtime.

mod rawsocket;
mod websocket;

use std::io;
use std::task::{Context, Poll};

use ferrobahn_serializers::{DecodeError, EncodeError};
use ferrobahn_wamp::Message;

pub use rawsocket::{connect_rawsocket, RawSocketTransport};
pub use websocket::{connect_websocket, WebSocketTransport};

/// Why a WAMP transport failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The peer sent bytes that are not a WAMP message in the negotiated serializer.
    #[error("undecodable message: {0}")]
    Decode(#[from] DecodeError),
    /// A message could not be serialized.
    #[error("cannot serialize: {0}")]
    Encode(#[from] EncodeError),
    /// The WebSocket layer failed (handshake, protocol, I/O).
    #[error("websocket: {0}")]
    WebSocket(#[from] ferrobahn_rt::Error),
    /// The RawSocket layer failed (handshake refused, framing, limits).
    #[error("rawsocket: {0}")]
    RawSocket(String),
    /// The byte stream failed.
    #[error("i/o: {0}")]
    Io(#[from] io::Error),
    /// The router accepted none of the offered serializers.
    #[error("the router accepted none of the offered serializers")]
    NoSerializer,
    /// The transport is closed.
    #[error("transport closed")]
    Closed,
}

/// A bidirectional channel of WAMP messages (a serializer over a framed byte stream).
///
/// The async client calls `poll_recv` until it is pending, queues with `send`, and
/// writes with `poll_flush`.
pub trait WampTransport: Send + 'static {
    /// The next message; `None` once the router closed the transport.
    fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Message, TransportError>>>;

    /// Serializes and queues `msg`.
    ///
    /// # Errors
    /// When the message cannot be serialized or the transport is closed.
    fn send(&mut self, msg: &Message) -> Result<(), TransportError>;

    /// Writes what is queued.
    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), TransportError>>;

    /// Closes the transport (WebSocket closing handshake / shutdown).
    fn poll_close(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), TransportError>>;

    /// The negotiated serializer, e.g. `wamp.2.json` (for logs and tests).
    fn serializer_name(&self) -> &'static str;
}

impl WampTransport for Box<dyn WampTransport> {
    fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Message, TransportError>>> {
        (**self).poll_recv(cx)
    }
    fn send(&mut self, msg: &Message) -> Result<(), TransportError> {
        (**self).send(msg)
    }
    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), TransportError>> {
        (**self).poll_flush(cx)
    }
    fn poll_close(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), TransportError>> {
        (**self).poll_close(cx)
    }
    fn serializer_name(&self) -> &'static str {
        (**self).serializer_name()
    }
}
