//! The runtimes `ferrobahn forward` runs on: one forwarder, written once
//! against [`Binding`], on tokio and on async-std (async-io).

use std::future::Future;
use std::io;
use std::net::{TcpStream, ToSocketAddrs};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::sync::Arc;

use ferrobahn::{ClientConfig, Error, Listener, Response, Runtime, Transport, WebSocket};

/// What the forwarder needs from a runtime binding: listeners, upstream
/// byte streams and WebSocket clients.
pub(crate) trait Binding: Send + Sync + 'static {
    /// A TCP listener.
    type TcpListener: Listener;
    /// A Unix socket listener.
    type UnixListener: Listener;
    /// An upstream TCP connection.
    type Tcp: Transport;
    /// An upstream Unix socket connection.
    type Unix: Transport;
    /// A WebSocket client's transport.
    type WsStream: Transport;

    /// The binding's runtime.
    fn runtime() -> Arc<dyn Runtime>;
    /// Binds a TCP listener.
    fn bind(addr: String) -> impl Future<Output = io::Result<Self::TcpListener>>;
    /// Binds a Unix socket listener.
    fn bind_unix(path: PathBuf) -> impl Future<Output = io::Result<Self::UnixListener>>;
    /// Connects upstream over TCP (`TCP_NODELAY`).
    fn tcp(addr: String) -> impl Future<Output = io::Result<Self::Tcp>> + Send;
    /// Connects upstream over a Unix socket.
    fn unix(path: PathBuf) -> impl Future<Output = io::Result<Self::Unix>> + Send;
    /// Opens a WebSocket client connection.
    fn ws(
        url: String,
        config: ClientConfig,
    ) -> impl Future<Output = Result<(WebSocket<Self::WsStream>, Response), Error>> + Send;
}

/// tokio (multi-threaded).
pub(crate) struct Tokio;

impl Binding for Tokio {
    type TcpListener = ferrobahn::tokio::TokioListener;
    type UnixListener = ferrobahn::tokio::TokioUnixListener;
    type Tcp = ferrobahn::tokio::TokioIo<tokio::net::TcpStream>;
    type Unix = ferrobahn::tokio::TokioIo<tokio::net::UnixStream>;
    type WsStream = ferrobahn::tokio::ClientStream;

    fn runtime() -> Arc<dyn Runtime> {
        ferrobahn::tokio::runtime()
    }

    async fn bind(addr: String) -> io::Result<Self::TcpListener> {
        ferrobahn::tokio::bind(addr).await
    }

    async fn bind_unix(path: PathBuf) -> io::Result<Self::UnixListener> {
        ferrobahn::tokio::bind_unix(path).await
    }

    async fn tcp(addr: String) -> io::Result<Self::Tcp> {
        let stream = tokio::net::TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(ferrobahn::tokio::TokioIo(stream))
    }

    async fn unix(path: PathBuf) -> io::Result<Self::Unix> {
        let stream = tokio::net::UnixStream::connect(path).await?;
        Ok(ferrobahn::tokio::TokioIo(stream))
    }

    async fn ws(
        url: String,
        config: ClientConfig,
    ) -> Result<(WebSocket<Self::WsStream>, Response), Error> {
        ferrobahn::tokio::connect_with(&url, config).await
    }
}

/// async-std (on async-io; smol works the same way).
pub(crate) struct AsyncStd;

impl Binding for AsyncStd {
    type TcpListener = ferrobahn::async_std::AsyncIoListener;
    type UnixListener = ferrobahn::async_std::AsyncIoUnixListener;
    type Tcp = ferrobahn::async_std::TcpTransport;
    type Unix = ferrobahn::async_std::UnixTransport;
    type WsStream = ferrobahn::async_std::ClientStream;

    fn runtime() -> Arc<dyn Runtime> {
        ferrobahn::async_std::runtime()
    }

    async fn bind(addr: String) -> io::Result<Self::TcpListener> {
        ferrobahn::async_std::bind(addr).await
    }

    async fn bind_unix(path: PathBuf) -> io::Result<Self::UnixListener> {
        ferrobahn::async_std::bind_unix(path).await
    }

    async fn tcp(addr: String) -> io::Result<Self::Tcp> {
        // Name resolution on the blocking pool, as async-std's own does.
        let addrs = async_std::task::spawn_blocking(move || {
            addr.to_socket_addrs().map(Iterator::collect::<Vec<_>>)
        })
        .await?;
        let mut last = io::Error::new(io::ErrorKind::InvalidInput, "no address");
        for addr in addrs {
            match async_io::Async::<TcpStream>::connect(addr).await {
                Ok(stream) => {
                    stream.get_ref().set_nodelay(true)?;
                    return Ok(ferrobahn::async_std::TcpTransport::new(stream));
                }
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    async fn unix(path: PathBuf) -> io::Result<Self::Unix> {
        let stream = async_io::Async::<UnixStream>::connect(path).await?;
        Ok(ferrobahn::async_std::UnixTransport::new(stream))
    }

    async fn ws(
        url: String,
        config: ClientConfig,
    ) -> Result<(WebSocket<Self::WsStream>, Response), Error> {
        ferrobahn::async_std::connect_with(&url, config).await
    }
}
