//! The shell's [`Error`] type.

use std::fmt;
use std::io;

use ferrobahn_handshake::HandshakeError;
use ferrobahn_websocket::{Closed, ProtocolError, SendError};

/// Which timeout of the shell expired.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Timeout {
    /// The opening handshake did not complete within `open_handshake_timeout`.
    OpenHandshake,
    /// A [`Sender`](crate::Sender) could not queue a command within the
    /// connection's `send_timeout` (the peer does not read, or the
    /// connection is not being driven); the connection is dropped.
    Send,
}

impl fmt::Display for Timeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Timeout::OpenHandshake => f.write_str("opening handshake"),
            Timeout::Send => f.write_str("send"),
        }
    }
}

/// Everything that can go wrong on a WebSocket connection driven by this crate.
///
/// `Pending` is never reported through this type.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The peer violated RFC 6455; the connection was failed with
    /// [`ProtocolError::close_code`].
    #[error("protocol error: {0}")]
    Protocol(#[from] ProtocolError),
    /// The opening handshake failed (bad request or response, refused origin, ...).
    #[error("handshake failed: {0}")]
    Handshake(#[from] HandshakeError),
    /// The transport failed.
    #[error("i/o error: {0}")]
    Io(#[from] io::Error),
    /// A timeout of the shell expired.
    #[error("{0} timed out")]
    Timeout(Timeout),
    /// The connection is closed; this is why.
    #[error("connection closed with code {}", .0.code.as_u16())]
    Closed(Closed),
    /// Per-message compression could not be agreed (client side: the
    /// server's answer breaks the rules of what was offered).
    #[error("extension negotiation failed: {0}")]
    Negotiation(#[from] ferrobahn_extensions::NegotiationError),
    /// The HTTP proxy refused the `CONNECT` tunnel.
    #[error("proxy refused the tunnel: {status} {reason}")]
    ProxyRefused {
        /// The proxy's HTTP status.
        status: u16,
        /// Its reason phrase.
        reason: String,
    },
    /// The outgoing buffer is full (`Config::max_outgoing_buffer`): nothing
    /// was queued. Waiting senders never see this; handlers get it from
    /// [`Ctx`](crate::Ctx) sends and may send again in
    /// [`Handler::on_drain`](crate::Handler::on_drain).
    #[error("the outgoing buffer is full")]
    Full,
    /// Local misuse: sending after close, an over-long control frame, an invalid close code.
    #[error("cannot send: {0}")]
    Usage(#[from] SendError),
    /// TLS failed: the peer's certificate was refused (name mismatch,
    /// untrusted), an alert, or bad TLS configuration.
    #[cfg(feature = "tls")]
    #[error("TLS: {0}")]
    Tls(#[from] ferrobahn_tls::TlsError),
}

impl From<Error> for io::Error {
    fn from(e: Error) -> io::Error {
        let e = match e {
            Error::Io(inner) => return inner,
            other => other,
        };
        let kind = match &e {
            Error::Io(_) | Error::Protocol(_) | Error::Handshake(_) | Error::Negotiation(_) => {
                io::ErrorKind::InvalidData
            }
            Error::Timeout(_) => io::ErrorKind::TimedOut,
            Error::ProxyRefused { .. } => io::ErrorKind::ConnectionRefused,
            Error::Closed(_) => io::ErrorKind::ConnectionAborted,
            Error::Usage(_) => io::ErrorKind::NotConnected,
            #[cfg(feature = "tls")]
            Error::Tls(_) => io::ErrorKind::InvalidData,
            Error::Full => io::ErrorKind::WouldBlock,
        };
        io::Error::new(kind, e)
    }
}
