//! [`ClientStream`]: what `connect` / `connect_with` connect over (TCP, or
//! TLS over TCP for `wss://` with the `tls` feature).

use std::io::{self, IoSlice};
use std::net::TcpStream;
use std::task::{Context, Poll};

use async_io::Async;
use ferrobahn_rt::Transport;

use crate::TcpTransport;

/// The transport of a client connection made by [`connect`](crate::connect):
/// plain TCP for `ws://`, TLS over TCP for `wss://` (feature `tls`).
#[derive(Debug)]
pub struct ClientStream(Inner);

#[derive(Debug)]
enum Inner {
    Plain(TcpTransport),
    // Boxed: a TLS session is large, and plain connections need not pay for it.
    #[cfg(feature = "tls")]
    Tls(Box<crate::tls::ClientTls>),
}

impl ClientStream {
    /// A plain TCP connection.
    pub fn plain(stream: Async<TcpStream>) -> Self {
        Self(Inner::Plain(TcpTransport::new(stream)))
    }

    #[cfg(feature = "tls")]
    pub(crate) fn tls(stream: crate::tls::ClientTls) -> Self {
        Self(Inner::Tls(Box::new(stream)))
    }

    /// Whether this is a TLS connection.
    pub fn is_tls(&self) -> bool {
        !matches!(self.0, Inner::Plain(_))
    }

    /// The TCP socket underneath.
    pub fn tcp(&self) -> &Async<TcpStream> {
        match &self.0 {
            Inner::Plain(io) => io.get_ref(),
            #[cfg(feature = "tls")]
            Inner::Tls(io) => &io.0.get_ref().0 .0,
        }
    }

    /// The rustls session of a TLS connection (negotiated ALPN protocol,
    /// peer certificates, keying-material export); `None` for plain TCP.
    #[cfg(feature = "tls")]
    pub fn tls_connection(&self) -> Option<&ferrobahn_tls::rustls::ClientConnection> {
        match &self.0 {
            Inner::Plain(_) => None,
            Inner::Tls(io) => Some(io.0.get_ref().1),
        }
    }

    /// The RFC 9266 `tls-exporter` channel binding (32 bytes) of a TLS
    /// connection; `None` for plain TCP.
    #[cfg(feature = "tls")]
    pub fn tls_exporter(&self) -> Option<[u8; ferrobahn_tls::TLS_EXPORTER_LEN]> {
        ferrobahn_tls::export_tls_exporter(self.tls_connection()?).ok()
    }
}

macro_rules! each {
    ($self:ident, $io:ident => $e:expr) => {
        match &mut $self.0 {
            Inner::Plain($io) => $e,
            #[cfg(feature = "tls")]
            Inner::Tls($io) => $e,
        }
    };
}

impl Transport for ClientStream {
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        each!(self, io => io.poll_read(cx, buf))
    }

    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        each!(self, io => io.poll_write(cx, buf))
    }

    fn poll_write_vectored(
        &mut self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        each!(self, io => io.poll_write_vectored(cx, bufs))
    }

    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        each!(self, io => io.poll_flush(cx))
    }

    fn poll_close(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        each!(self, io => io.poll_close(cx))
    }

    #[cfg(feature = "tls")]
    fn tls_exporter(&self) -> Option<[u8; 32]> {
        ClientStream::tls_exporter(self)
    }
}
