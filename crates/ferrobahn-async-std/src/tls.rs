//! TLS on async-io (feature `tls`), via futures-rustls: [`TlsListener`]
//! for `wss://` servers, the client side of `connect_with` for `wss://`.
//!
//! The server side is [`ferrobahn_rt::TlsListener`] and
//! [`ferrobahn_rt::TlsServerStream`] (the handshake runs in the connection's
//! own task, on first use, inside the opening-handshake timeout of
//! [`ferrobahn_rt::serve_connection`]); this module only says how
//! futures-rustls starts and drives a handshake ([`AsyncIoTls`]).

use std::future::Future;
use std::io;
use std::net::TcpStream;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use async_io::Async;
use ferrobahn_rt::{Error, FuturesIo, TlsAccept};
use ferrobahn_tls::rustls::{ServerConfig, ServerConnection};
use ferrobahn_tls::TlsClientConfig;
use futures_rustls::{Accept, TlsAcceptor, TlsConnector};

use crate::sock::ShutdownOnClose;
use crate::{ClientStream, TcpTransport};

/// The TLS session of a `wss://` client connection.
pub(crate) type ClientTls =
    FuturesIo<futures_rustls::client::TlsStream<ShutdownOnClose<TcpStream>>>;

/// Wraps a TCP listener: each accepted connection becomes a
/// [`TlsServerStream`] whose handshake runs in its own task.
pub type TlsListener<L> = ferrobahn_rt::TlsListener<L, AsyncIoTls>;

/// A server-side TLS connection over TCP; the handshake runs on first use.
pub type TlsServerStream = ferrobahn_rt::TlsServerStream<TcpTransport, AsyncIoTls>;

/// futures-rustls as the [`TlsAccept`] of [`TlsListener`]: a type that is
/// never made, it names the binding. Closing mid-handshake does nothing:
/// dropping the stream closes the socket.
#[derive(Debug)]
pub enum AsyncIoTls {}

impl TlsAccept<TcpTransport> for AsyncIoTls {
    type Handshake = Accept<ShutdownOnClose<TcpStream>>;
    type Stream = FuturesIo<futures_rustls::server::TlsStream<ShutdownOnClose<TcpStream>>>;

    fn start(config: &Arc<ServerConfig>, io: TcpTransport) -> Self::Handshake {
        TlsAcceptor::from(config.clone()).accept(ShutdownOnClose(io.into_inner()))
    }

    fn poll_handshake(
        handshake: &mut Self::Handshake,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<Self::Stream>> {
        Pin::new(handshake).poll(cx).map_ok(FuturesIo)
    }

    fn session(stream: &Self::Stream) -> &ServerConnection {
        stream.0.get_ref().1
    }
}

/// Starts TLS on a connected socket for `host` (SNI and certificate name,
/// unless the config overrides it); trusts Mozilla's roots when `config` is
/// `None`. See [`ferrobahn_rt::start_client_tls`].
pub(crate) async fn connect_tls(
    config: Option<&TlsClientConfig>,
    host: &str,
    stream: Async<TcpStream>,
) -> Result<ClientStream, Error> {
    ferrobahn_rt::start_client_tls(config, host, |rustls, name| {
        TlsConnector::from(rustls).connect(name, ShutdownOnClose(stream))
    })
    .await
    .map(|tls| ClientStream::tls(FuturesIo(tls)))
}
