//! [`ClientStream`]: what `connect` / `connect_with` connect over (TCP, or
//! TLS over TCP for `wss://` with the `tls` feature).

use ferrobahn_rt::Either;
use tokio::net::TcpStream;

use crate::TokioIo;

/// The TLS side of a [`ClientStream`]; boxed: a TLS session is large, and
/// plain connections need not pay for it.
#[cfg(feature = "tls")]
type Tls = Box<TokioIo<tokio_rustls::client::TlsStream<TcpStream>>>;
/// Without the `tls` feature there is no TLS side.
#[cfg(not(feature = "tls"))]
type Tls = std::convert::Infallible;

/// The transport of a client connection made by [`connect`](crate::connect):
/// plain TCP for `ws://`, TLS over TCP for `wss://` (feature `tls`).
#[derive(Debug)]
pub struct ClientStream(Either<TokioIo<TcpStream>, Tls>);

impl ClientStream {
    /// A plain TCP connection.
    pub fn plain(stream: TcpStream) -> Self {
        Self(Either::Left(TokioIo(stream)))
    }

    /// A TLS connection.
    #[cfg(feature = "tls")]
    pub fn tls(stream: tokio_rustls::client::TlsStream<TcpStream>) -> Self {
        Self(Either::Right(Box::new(TokioIo(stream))))
    }

    /// Whether this is a TLS connection.
    pub fn is_tls(&self) -> bool {
        self.0.right().is_some()
    }

    /// The TCP socket underneath.
    pub fn tcp(&self) -> &TcpStream {
        match &self.0 {
            Either::Left(io) => &io.0,
            #[cfg(feature = "tls")]
            Either::Right(io) => io.0.get_ref().0,
            #[cfg(not(feature = "tls"))]
            Either::Right(never) => match *never {},
        }
    }

    /// The rustls session of a TLS connection (negotiated ALPN protocol,
    /// peer certificates, keying-material export); `None` for plain TCP.
    #[cfg(feature = "tls")]
    pub fn tls_connection(&self) -> Option<&ferrobahn_tls::rustls::ClientConnection> {
        self.0.right().map(|io| io.0.get_ref().1)
    }

    /// The RFC 9266 `tls-exporter` channel binding (32 bytes) of a TLS
    /// connection; `None` for plain TCP.
    #[cfg(feature = "tls")]
    pub fn tls_exporter(&self) -> Option<[u8; ferrobahn_tls::TLS_EXPORTER_LEN]> {
        ferrobahn_tls::export_tls_exporter(self.tls_connection()?).ok()
    }
}

ferrobahn_rt::delegate_transport!(ClientStream, 0, {
    #[cfg(feature = "tls")]
    fn tls_exporter(&self) -> Option<[u8; 32]> {
        ClientStream::tls_exporter(self)
    }
});
