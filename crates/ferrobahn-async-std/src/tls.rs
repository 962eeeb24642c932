//! TLS on async-io (feature `tls`), via futures-rustls: [`TlsListener`]
//! for `wss://` servers, the client side of `connect_with` for `wss://`.
//!
//! The server's TLS handshake runs in the connection's own task: the
//! listener only wraps the accepted socket, and the handshake happens on the
//! first read, inside the opening-handshake timeout of
//! [`ferrobahn_rt::serve_connection`]. A failed handshake is logged and ends
//! that connection only.

use std::future::Future;
use std::io::{self, IoSlice};
use std::net::TcpStream;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use async_io::Async;
use ferrobahn_rt::{Error, FuturesIo, Listener, PeerAddr, Transport};
use ferrobahn_tls::rustls::ServerConnection;
use ferrobahn_tls::{TlsClientConfig, TlsServerConfig, TLS_EXPORTER_LEN};
use futures_rustls::{Accept, TlsAcceptor, TlsConnector};

use crate::sock::ShutdownOnClose;
use crate::{ClientStream, TcpTransport};

/// The TLS session of a `wss://` client connection.
pub(crate) type ClientTls =
    FuturesIo<futures_rustls::client::TlsStream<ShutdownOnClose<TcpStream>>>;

/// Wraps a TCP listener: each accepted connection becomes a
/// [`TlsServerStream`] whose handshake runs in its own task.
#[derive(Debug)]
pub struct TlsListener<L> {
    inner: L,
    config: TlsServerConfig,
}

impl<L> TlsListener<L> {
    /// Serves TLS with `config` on `inner`'s connections.
    pub fn new(inner: L, config: &TlsServerConfig) -> Self {
        Self {
            inner,
            config: config.clone(),
        }
    }

    /// The wrapped listener.
    pub fn get_ref(&self) -> &L {
        &self.inner
    }
}

impl<L> Listener for TlsListener<L>
where
    L: Listener<Transport = TcpTransport>,
{
    type Transport = TlsServerStream;

    fn poll_accept(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<(Self::Transport, PeerAddr)>> {
        let (io, peer) = ready!(self.inner.poll_accept(cx))?;
        let acceptor = TlsAcceptor::from(self.config.rustls().clone());
        let state = State::Handshaking(acceptor.accept(ShutdownOnClose(io.into_inner())));
        let stream = TlsServerStream {
            state,
            peer: peer.clone(),
        };
        Poll::Ready(Ok((stream, peer)))
    }

    fn local_addr(&self) -> io::Result<PeerAddr> {
        self.inner.local_addr()
    }
}

/// A server-side TLS connection; the handshake runs on first use.
#[derive(Debug)]
pub struct TlsServerStream {
    state: State,
    peer: PeerAddr,
}

type ServerTls = FuturesIo<futures_rustls::server::TlsStream<ShutdownOnClose<TcpStream>>>;

enum State {
    Handshaking(Accept<ShutdownOnClose<TcpStream>>),
    Ready(ServerTls),
    Failed,
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            State::Handshaking(_) => "Handshaking",
            State::Ready(_) => "Ready",
            State::Failed => "Failed",
        })
    }
}

impl TlsServerStream {
    /// The rustls session once the handshake is done (SNI the client sent,
    /// ALPN, keying-material export); `None` before.
    pub fn tls_connection(&self) -> Option<&ServerConnection> {
        match &self.state {
            State::Ready(io) => Some(io.0.get_ref().1),
            _ => None,
        }
    }

    /// The RFC 9266 `tls-exporter` channel binding (32 bytes); `None`
    /// before the handshake is done.
    pub fn tls_exporter(&self) -> Option<[u8; TLS_EXPORTER_LEN]> {
        ferrobahn_tls::export_tls_exporter(self.tls_connection()?).ok()
    }

    fn poll_handshake(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<&mut ServerTls>> {
        if let State::Handshaking(accept) = &mut self.state {
            match ready!(Pin::new(accept).poll(cx)) {
                Ok(stream) => self.state = State::Ready(FuturesIo(stream)),
                Err(e) => {
                    tracing::info!(peer = %self.peer, error = %e, "TLS handshake failed");
                    self.state = State::Failed;
                    return Poll::Ready(Err(e));
                }
            }
        }
        match &mut self.state {
            State::Ready(io) => Poll::Ready(Ok(io)),
            _ => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::NotConnected,
                "TLS handshake failed",
            ))),
        }
    }
}

impl Transport for TlsServerStream {
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        ready!(self.poll_handshake(cx))?.poll_read(cx, buf)
    }

    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        ready!(self.poll_handshake(cx))?.poll_write(cx, buf)
    }

    fn poll_write_vectored(
        &mut self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        ready!(self.poll_handshake(cx))?.poll_write_vectored(cx, bufs)
    }

    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.state {
            State::Ready(io) => io.poll_flush(cx),
            _ => Poll::Ready(Ok(())),
        }
    }

    fn poll_close(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.state {
            State::Ready(io) => io.poll_close(cx),
            // Mid-handshake or failed: dropping the stream closes the socket.
            _ => Poll::Ready(Ok(())),
        }
    }
    fn tls_exporter(&self) -> Option<[u8; 32]> {
        TlsServerStream::tls_exporter(self)
    }
}

/// Starts TLS on a connected socket for `host` (SNI and certificate name,
/// unless the config overrides it); trusts Mozilla's roots when `config` is
/// `None`.
pub(crate) async fn connect_tls(
    config: Option<&TlsClientConfig>,
    host: &str,
    stream: Async<TcpStream>,
) -> Result<ClientStream, Error> {
    let default;
    let config = match config {
        Some(c) => c,
        None => {
            default = TlsClientConfig::webpki_roots()?;
            &default
        }
    };
    let name = config.server_name_for(host)?;
    let connector = TlsConnector::from(config.rustls().clone());
    match connector.connect(name, ShutdownOnClose(stream)).await {
        Ok(tls) => Ok(ClientStream::tls(FuturesIo(tls))),
        Err(e) => Err(match ferrobahn_tls::classify(e) {
            Ok(tls) => Error::Tls(tls),
            Err(io) => Error::Io(io),
        }),
    }
}
