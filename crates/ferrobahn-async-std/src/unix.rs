//! Unix domain sockets: [`UnixTransport`], [`AsyncIoUnixListener`],
//! `bind_unix`, `serve_unix`, `connect_unix`.

use std::io;
use std::os::unix::net::{SocketAddr, UnixListener, UnixStream};
use std::path::Path;
use std::task::{ready, Context, Poll};

use async_io::Async;
use ferrobahn_handshake::Response;
use ferrobahn_rt::{
    ClientConfig, Error, FuturesIo, Handler, Listener, PeerAddr, ServerConfig, WebSocket,
};

use crate::runtime;
use crate::sock::{self, ShutdownOnClose};

/// A Unix socket connection on async-io; closing shuts the write side down
/// (as [`crate::TcpTransport`] does).
#[derive(Debug)]
pub struct UnixTransport(FuturesIo<ShutdownOnClose<UnixStream>>);

impl UnixTransport {
    /// Wraps a connected stream.
    pub fn new(stream: Async<UnixStream>) -> Self {
        Self(FuturesIo(ShutdownOnClose(stream)))
    }

    /// The stream.
    pub fn get_ref(&self) -> &Async<UnixStream> {
        &self.0 .0 .0
    }
}

ferrobahn_rt::delegate_transport!(UnixTransport, 0);

/// A Unix domain socket [`Listener`] on async-io; peers are reported as
/// [`PeerAddr::Unix`].
#[derive(Debug)]
pub struct AsyncIoUnixListener {
    listener: Async<UnixListener>,
}

impl AsyncIoUnixListener {
    /// Wraps a bound listener.
    pub fn new(listener: Async<UnixListener>) -> Self {
        Self { listener }
    }
}

fn unix_addr(addr: &SocketAddr) -> PeerAddr {
    PeerAddr::Unix(addr.as_pathname().map(Path::to_path_buf))
}

impl Listener for AsyncIoUnixListener {
    type Transport = UnixTransport;

    fn poll_accept(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<(UnixTransport, PeerAddr)>> {
        let (stream, peer) = ready!(sock::poll_accept(&self.listener, cx, UnixListener::accept))?;
        let io = UnixTransport::new(Async::new(stream)?);
        Poll::Ready(Ok((io, unix_addr(&peer))))
    }

    fn local_addr(&self) -> io::Result<PeerAddr> {
        self.listener.get_ref().local_addr().map(|a| unix_addr(&a))
    }
}

/// Binds a Unix domain socket at `path`. A file left there by an earlier
/// run makes this fail with `AddrInUse`: remove it first if it is stale.
///
/// # Errors
/// When the socket cannot be bound.
pub async fn bind_unix(path: impl AsRef<Path>) -> io::Result<AsyncIoUnixListener> {
    Ok(AsyncIoUnixListener::new(Async::<UnixListener>::bind(path)?))
}

/// Serves WebSocket connections on the Unix socket `path` with default
/// options; see [`crate::serve`].
///
/// # Errors
/// When the socket cannot be bound.
pub async fn serve_unix<F, H>(path: impl AsRef<Path>, factory: F) -> io::Result<()>
where
    F: Fn() -> H + Send + Sync + 'static,
    H: Handler,
{
    serve_unix_with(path, ServerConfig::default(), factory).await
}

/// [`serve_unix`] with options (`tcp_nodelay` does not apply).
///
/// # Errors
/// When the socket cannot be bound.
pub async fn serve_unix_with<F, H>(
    path: impl AsRef<Path>,
    config: ServerConfig,
    factory: F,
) -> io::Result<()>
where
    F: Fn() -> H + Send + Sync + 'static,
    H: Handler,
{
    let listener = bind_unix(path).await?;
    tracing::info!(addr = %listener.local_addr()?, "serving WebSocket");
    ferrobahn_rt::serve(runtime(), listener, config, factory).await;
    Ok(())
}

/// Connects to the Unix socket `path` and opens the WebSocket `url` over
/// it (the URL gives the `Host` header and the path; `ws://` only).
///
/// # Errors
/// As [`crate::connect`].
pub async fn connect_unix(
    path: impl AsRef<Path>,
    url: &str,
    config: ClientConfig,
) -> Result<(WebSocket<UnixTransport>, Response), Error> {
    let url = ClientConfig::plain_url(url)?;
    let stream = Async::<UnixStream>::connect(path).await?;
    ferrobahn_rt::connect_transport(runtime(), UnixTransport::new(stream), &url, config).await
}
