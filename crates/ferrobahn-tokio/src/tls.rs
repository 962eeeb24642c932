//! TLS on tokio (feature `tls`), via tokio-rustls: [`TlsListener`] for
//! `wss://` servers, the client side of `connect_with` for `wss://`.
//!
//! The server side is [`ferrobahn_rt::TlsListener`] and
//! [`ferrobahn_rt::TlsServerStream`] (the handshake runs in the connection's
//! own task, on first use, inside the opening-handshake timeout of
//! [`ferrobahn_rt::serve_connection`]); this module only says how
//! tokio-rustls starts and drives a handshake ([`TokioTls`]).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use ferrobahn_rt::{Error, TlsAccept};
use ferrobahn_tls::rustls::{ServerConfig, ServerConnection};
use ferrobahn_tls::TlsClientConfig;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::server::TlsStream;
use tokio_rustls::{Accept, TlsAcceptor, TlsConnector};

use crate::{ClientStream, TokioIo};

/// Wraps a listener of `TokioIo<S>` transports: each accepted connection
/// becomes a [`TlsServerStream`] whose handshake runs in its own task.
pub type TlsListener<L> = ferrobahn_rt::TlsListener<L, TokioTls>;

/// A server-side TLS connection over `S`; the handshake runs on first use.
pub type TlsServerStream<S> = ferrobahn_rt::TlsServerStream<TokioIo<S>, TokioTls>;

/// tokio-rustls as the [`TlsAccept`] of [`TlsListener`]: a type that is
/// never made, it names the binding.
#[derive(Debug)]
pub enum TokioTls {}

impl<S> TlsAccept<TokioIo<S>> for TokioTls
where
    S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    type Handshake = Accept<S>;
    type Stream = TokioIo<TlsStream<S>>;

    fn start(config: &Arc<ServerConfig>, io: TokioIo<S>) -> Accept<S> {
        TlsAcceptor::from(config.clone()).accept(io.0)
    }

    fn poll_handshake(
        handshake: &mut Accept<S>,
        cx: &mut Context<'_>,
    ) -> Poll<std::io::Result<Self::Stream>> {
        Pin::new(handshake).poll(cx).map_ok(TokioIo)
    }

    fn session(stream: &Self::Stream) -> &ServerConnection {
        stream.0.get_ref().1
    }

    /// Shuts the socket down.
    fn poll_close_handshake(
        handshake: &mut Accept<S>,
        cx: &mut Context<'_>,
    ) -> Poll<std::io::Result<()>> {
        match handshake.get_mut() {
            Some(io) => Pin::new(io).poll_shutdown(cx),
            None => Poll::Ready(Ok(())),
        }
    }
}

/// Starts TLS on a connected socket for `host` (SNI and certificate name,
/// unless the config overrides it); trusts Mozilla's roots when `config` is
/// `None`. See [`ferrobahn_rt::start_client_tls`].
pub(crate) async fn connect_tls(
    config: Option<&TlsClientConfig>,
    host: &str,
    stream: TcpStream,
) -> Result<ClientStream, Error> {
    ferrobahn_rt::start_client_tls(config, host, |rustls, name| {
        TlsConnector::from(rustls).connect(name, stream)
    })
    .await
    .map(ClientStream::tls)
}
