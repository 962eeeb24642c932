//! The server side of TLS (feature `tls`), written once for every runtime:
//! [`TlsListener`] wraps a listener, and each connection it accepts becomes
//! a [`TlsServerStream`] whose handshake runs on first use.
//!
//! The handshake therefore runs in the connection's own task: the listener
//! only wraps the accepted socket, and the handshake happens on the first
//! read, inside the opening-handshake timeout of
//! [`serve_connection`](crate::serve_connection). A failed handshake is
//! logged and ends that connection only.
//!
//! A binding supplies only [`TlsAccept`]: how its rustls stream wrapper
//! (tokio-rustls, futures-rustls) starts a handshake on an accepted
//! transport and what the established stream is.

use std::fmt;
use std::io::{self, IoSlice};
use std::marker::PhantomData;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use ferrobahn_tls::rustls::{ServerConfig, ServerConnection};
use ferrobahn_tls::{TlsServerConfig, TLS_EXPORTER_LEN};

use crate::peer::PeerAddr;
use crate::transport::{Listener, Transport};

/// How a runtime binding runs the server side of a TLS handshake on the
/// accepted transport `Io`: its rustls stream wrapper, seen through three
/// functions. The binding implements it on a type of its own that is never
/// made (`ferrobahn_tokio::TokioTls`, ...).
pub trait TlsAccept<Io> {
    /// A handshake in progress (`tokio_rustls::Accept`, ...).
    type Handshake: Send + Unpin + 'static;
    /// The established TLS connection.
    type Stream: Transport;

    /// Starts a handshake with `config` on `io`.
    fn start(config: &Arc<ServerConfig>, io: Io) -> Self::Handshake;

    /// Drives `handshake`; the established connection once it is done.
    ///
    /// # Errors
    /// The handshake's failure (a TLS alert, the peer gone, ...).
    fn poll_handshake(
        handshake: &mut Self::Handshake,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<Self::Stream>>;

    /// The rustls session of an established connection.
    fn session(stream: &Self::Stream) -> &ServerConnection;

    /// Closes the transport while the handshake is still in progress. By
    /// default it does nothing: dropping the handshake closes the socket.
    ///
    /// # Errors
    /// The transport's, from shutting it down.
    fn poll_close_handshake(
        handshake: &mut Self::Handshake,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        let _ = (handshake, cx);
        Poll::Ready(Ok(()))
    }
}

/// Wraps a listener: each accepted connection becomes a
/// [`TlsServerStream`] whose handshake runs in its own task. `A` is the
/// binding's [`TlsAccept`].
pub struct TlsListener<L, A> {
    inner: L,
    config: TlsServerConfig,
    binding: PhantomData<fn() -> A>,
}

impl<L, A> TlsListener<L, A> {
    /// Serves TLS with `config` on `inner`'s connections.
    pub fn new(inner: L, config: &TlsServerConfig) -> Self {
        Self {
            inner,
            config: config.clone(),
            binding: PhantomData,
        }
    }

    /// The wrapped listener.
    pub fn get_ref(&self) -> &L {
        &self.inner
    }
}

impl<L: fmt::Debug, A> fmt::Debug for TlsListener<L, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsListener")
            .field("inner", &self.inner)
            .field("config", &self.config)
            .finish()
    }
}

impl<L, A> Listener for TlsListener<L, A>
where
    L: Listener,
    A: TlsAccept<L::Transport> + 'static,
{
    type Transport = TlsServerStream<L::Transport, A>;

    fn poll_accept(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<(Self::Transport, PeerAddr)>> {
        let (io, peer) = ready!(self.inner.poll_accept(cx))?;
        let stream = TlsServerStream::accept(&self.config, io, peer.clone());
        Poll::Ready(Ok((stream, peer)))
    }

    fn local_addr(&self) -> io::Result<PeerAddr> {
        self.inner.local_addr()
    }
}

/// A server-side TLS connection over the transport `Io`; the handshake runs
/// on first use (read, write). `A` is the binding's [`TlsAccept`].
pub struct TlsServerStream<Io, A: TlsAccept<Io>> {
    state: State<A::Handshake, A::Stream>,
    peer: PeerAddr,
}

enum State<H, S> {
    Handshaking(H),
    Ready(S),
    Failed,
}

impl<Io, A: TlsAccept<Io>> fmt::Debug for TlsServerStream<Io, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.state {
            State::Handshaking(_) => "Handshaking",
            State::Ready(_) => "Ready",
            State::Failed => "Failed",
        };
        f.debug_struct("TlsServerStream")
            .field("state", &format_args!("{state}"))
            .field("peer", &self.peer)
            .finish()
    }
}

impl<Io, A: TlsAccept<Io>> TlsServerStream<Io, A> {
    /// Starts serving TLS with `config` on `io`, a connection from `peer`
    /// (named in the log when the handshake fails); the handshake runs on
    /// first use.
    pub fn accept(config: &TlsServerConfig, io: Io, peer: PeerAddr) -> Self {
        Self {
            state: State::Handshaking(A::start(config.rustls(), io)),
            peer,
        }
    }

    /// The rustls session once the handshake is done (SNI the client sent,
    /// ALPN, keying-material export); `None` before.
    pub fn tls_connection(&self) -> Option<&ServerConnection> {
        match &self.state {
            State::Ready(io) => Some(A::session(io)),
            _ => None,
        }
    }

    /// The RFC 9266 `tls-exporter` channel binding (32 bytes); `None`
    /// before the handshake is done.
    pub fn tls_exporter(&self) -> Option<[u8; TLS_EXPORTER_LEN]> {
        ferrobahn_tls::export_tls_exporter(self.tls_connection()?).ok()
    }

    fn poll_handshake(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<&mut A::Stream>> {
        if let State::Handshaking(handshake) = &mut self.state {
            match ready!(A::poll_handshake(handshake, cx)) {
                Ok(stream) => self.state = State::Ready(stream),
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

impl<Io, A> Transport for TlsServerStream<Io, A>
where
    Io: 'static,
    A: TlsAccept<Io> + 'static,
{
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
            State::Handshaking(handshake) => A::poll_close_handshake(handshake, cx),
            State::Failed => Poll::Ready(Ok(())),
        }
    }

    fn tls_exporter(&self) -> Option<[u8; 32]> {
        TlsServerStream::tls_exporter(self)
    }
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;
    use std::net::{Ipv4Addr, SocketAddr};

    use super::*;

    /// A binding whose handshake waits `pending` polls, then fails with
    /// `kind`; closing mid-handshake counts the calls.
    struct Failing;

    struct Handshake {
        pending: usize,
        kind: io::ErrorKind,
        closes: usize,
    }

    impl TlsAccept<Handshake> for Failing {
        type Handshake = Handshake;
        type Stream = Infallible;

        fn start(_: &Arc<ServerConfig>, io: Handshake) -> Handshake {
            io
        }

        fn poll_handshake(h: &mut Handshake, cx: &mut Context<'_>) -> Poll<io::Result<Infallible>> {
            if h.pending > 0 {
                h.pending -= 1;
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            Poll::Ready(Err(h.kind.into()))
        }

        fn session(stream: &Infallible) -> &ServerConnection {
            match *stream {}
        }

        fn poll_close_handshake(h: &mut Handshake, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            h.closes += 1;
            Poll::Ready(Ok(()))
        }
    }

    fn stream(pending: usize) -> TlsServerStream<Handshake, Failing> {
        let config =
            ferrobahn_tls::rustls::ServerConfig::builder_with_provider(ferrobahn_tls::provider())
                .with_safe_default_protocol_versions()
                .unwrap()
                .with_no_client_auth()
                .with_cert_resolver(Arc::new(
                    ferrobahn_tls::rustls::server::ResolvesServerCertUsingSni::new(),
                ));
        let peer = PeerAddr::Tcp(SocketAddr::from((Ipv4Addr::LOCALHOST, 1)));
        let handshake = Handshake {
            pending,
            kind: io::ErrorKind::InvalidData,
            closes: 0,
        };
        TlsServerStream::accept(
            &TlsServerConfig::from_rustls(Arc::new(config)),
            handshake,
            peer,
        )
    }

    fn cx() -> Context<'static> {
        Context::from_waker(std::task::Waker::noop())
    }

    #[test]
    fn a_failed_handshake_fails_its_first_use_and_then_every_read_and_write() {
        let mut s = stream(1);
        let mut buf = [0u8; 8];
        assert!(s.poll_read(&mut cx(), &mut buf).is_pending());
        assert!(format!("{s:?}").contains("Handshaking"));
        let Poll::Ready(Err(e)) = s.poll_read(&mut cx(), &mut buf) else {
            panic!("the handshake's error was expected");
        };
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
        assert!(format!("{s:?}").contains("Failed"));
        let Poll::Ready(Err(e)) = s.poll_write(&mut cx(), b"x") else {
            panic!("a write after a failed handshake must fail");
        };
        assert_eq!(e.kind(), io::ErrorKind::NotConnected);
        assert!(matches!(s.poll_flush(&mut cx()), Poll::Ready(Ok(()))));
        assert!(matches!(s.poll_close(&mut cx()), Poll::Ready(Ok(()))));
        assert!(s.tls_connection().is_none());
        assert_eq!(Transport::tls_exporter(&s), None);
    }

    #[test]
    fn closing_mid_handshake_goes_to_the_binding() {
        let mut s = stream(5);
        assert!(matches!(s.poll_flush(&mut cx()), Poll::Ready(Ok(()))));
        assert!(matches!(s.poll_close(&mut cx()), Poll::Ready(Ok(()))));
        let State::Handshaking(h) = &s.state else {
            panic!("still handshaking");
        };
        assert_eq!(h.closes, 1);
        assert!(s.tls_exporter().is_none());
    }
}
