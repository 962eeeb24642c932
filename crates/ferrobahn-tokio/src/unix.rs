//! Unix domain sockets: [`TokioUnixListener`], `bind_unix`, `serve_unix`,
//! `connect_unix`.

use std::io;
use std::path::Path;
use std::task::{ready, Context, Poll};

use ferrobahn_handshake::Response;
use ferrobahn_rt::{ClientConfig, Error, Handler, Listener, PeerAddr, ServerConfig, WebSocket};
use tokio::net::{UnixListener, UnixStream};

use crate::{runtime, TokioIo};

/// A Unix domain socket [`Listener`]; peers are reported as
/// [`PeerAddr::Unix`].
#[derive(Debug)]
pub struct TokioUnixListener {
    listener: UnixListener,
}

impl TokioUnixListener {
    /// Wraps a bound listener.
    pub fn new(listener: UnixListener) -> Self {
        Self { listener }
    }
}

fn unix_addr(addr: &tokio::net::unix::SocketAddr) -> PeerAddr {
    PeerAddr::Unix(addr.as_pathname().map(Path::to_path_buf))
}

impl Listener for TokioUnixListener {
    type Transport = TokioIo<UnixStream>;

    fn poll_accept(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<(Self::Transport, PeerAddr)>> {
        let (stream, peer) = ready!(self.listener.poll_accept(cx))?;
        Poll::Ready(Ok((TokioIo(stream), unix_addr(&peer))))
    }

    fn local_addr(&self) -> io::Result<PeerAddr> {
        self.listener.local_addr().map(|a| unix_addr(&a))
    }
}

/// Binds a Unix domain socket at `path`. A file left there by an earlier
/// run makes this fail with `AddrInUse`: remove it first if it is stale.
///
/// # Errors
/// When the socket cannot be bound.
pub async fn bind_unix(path: impl AsRef<Path>) -> io::Result<TokioUnixListener> {
    Ok(TokioUnixListener::new(UnixListener::bind(path)?))
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
) -> Result<(WebSocket<TokioIo<UnixStream>>, Response), Error> {
    let url = ClientConfig::plain_url(url)?;
    let stream = UnixStream::connect(path).await?;
    ferrobahn_rt::connect_transport(runtime(), TokioIo(stream), &url, config).await
}
