//! tokio binding for ferrobahn: [`TokioRuntime`], [`TokioIo`], a TCP
//! [`TokioListener`] and the `serve` / `connect` conveniences.
//!
//! Everything else (the driver, the handler API) is runtime-agnostic and
//! lives in `ferrobahn-rt`.
//!
//! Unix domain sockets: [`TokioUnixListener`], [`bind_unix`],
//! [`serve_unix`], [`connect_unix`]. WebSocket over any other byte stream (a
//! pipe, an in-memory duplex, a tunnel): wrap it in [`TokioIo`] and hand it
//! to [`ferrobahn_rt::serve_connection`] or [`ferrobahn_rt::connect_transport`].
//!
//! Feature `tls`: `wss://` in [`connect_with`] ([`ClientStream`] is then TLS
//! over TCP) and [`TlsListener`] / [`serve_tls`] for servers, via
//! tokio-rustls with rustls' `ring` provider (no OpenSSL, no cmake).
// `unsafe` only to let the driver read into uninitialised memory through
// tokio's `ReadBuf` (`impl ReadUninit for TokioIo`).
#![deny(unsafe_code)]

mod client;
#[cfg(feature = "tls")]
mod tls;
#[cfg(unix)]
mod unix;

pub use client::ClientStream;
#[cfg(feature = "tls")]
pub use tls::{TlsListener, TlsServerStream};
#[cfg(unix)]
pub use unix::{bind_unix, connect_unix, serve_unix, serve_unix_with, TokioUnixListener};

use std::io::{self, IoSlice};
use std::mem::MaybeUninit;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Instant;

use ferrobahn_handshake::Response;
use ferrobahn_rt::{
    AsyncTimer, ClientConfig, Error, Handler, Listener, PeerAddr, ReadUninit, Runtime,
    ServerConfig, Transport, WebSocket,
};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream, ToSocketAddrs};

/// The tokio [`Runtime`]: `tokio::spawn`, `tokio::time` timers, and a clock
/// that follows tokio's (paused test time applies). Use inside a tokio runtime.
#[derive(Clone, Copy, Debug, Default)]
pub struct TokioRuntime;

impl Runtime for TokioRuntime {
    fn new_timer(&self, deadline: Instant) -> Pin<Box<dyn AsyncTimer>> {
        Box::pin(TokioTimer {
            sleep: tokio::time::sleep_until(deadline.into()),
        })
    }

    fn spawn(&self, fut: Pin<Box<dyn std::future::Future<Output = ()> + Send>>) {
        tokio::spawn(fut);
    }

    fn now(&self) -> Instant {
        tokio::time::Instant::now().into_std()
    }

    fn yield_now(&self) -> Pin<Box<dyn std::future::Future<Output = ()> + Send>> {
        Box::pin(tokio::task::yield_now())
    }
}

/// The tokio runtime as `Arc<dyn Runtime>`.
pub fn runtime() -> Arc<dyn Runtime> {
    Arc::new(TokioRuntime)
}

pin_project_lite::pin_project! {
    #[derive(Debug)]
    struct TokioTimer {
        #[pin]
        sleep: tokio::time::Sleep,
    }
}

impl AsyncTimer for TokioTimer {
    fn reset(self: Pin<&mut Self>, t: Instant) {
        self.project().sleep.reset(t.into());
    }

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        std::future::Future::poll(self.project().sleep, cx)
    }
}

/// Adapts a tokio `AsyncRead + AsyncWrite` type to [`Transport`].
#[derive(Debug)]
pub struct TokioIo<T>(pub T);

impl<T> Transport for TokioIo<T>
where
    T: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        let mut buf = ReadBuf::new(buf);
        ready!(Pin::new(&mut self.0).poll_read(cx, &mut buf))?;
        Poll::Ready(Ok(buf.filled().len()))
    }

    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        &mut self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write_vectored(cx, bufs)
    }

    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_close(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }

    fn read_uninit(&mut self) -> Option<&mut dyn ReadUninit> {
        Some(self)
    }
}

// SAFETY: tokio's `ReadBuf` only counts bytes as filled once they were
// initialised (its own invariant, upheld by its safe API), and the check
// below makes sure they are in `buf`, not in a buffer the reader swapped in.
#[allow(unsafe_code)]
unsafe impl<T> ReadUninit for TokioIo<T>
where
    T: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    fn poll_read_uninit(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut [MaybeUninit<u8>],
    ) -> Poll<io::Result<usize>> {
        let start = buf.as_ptr().cast::<u8>();
        let mut rb = ReadBuf::uninit(buf);
        ready!(Pin::new(&mut self.0).poll_read(cx, &mut rb))?;
        if rb.filled().as_ptr() != start {
            return Poll::Ready(Err(io::Error::other("reader replaced the read buffer")));
        }
        Poll::Ready(Ok(rb.filled().len()))
    }
}

/// A TCP [`Listener`]; accepted sockets get `TCP_NODELAY` unless turned
/// off with [`TokioListener::with_nodelay`].
#[derive(Debug)]
pub struct TokioListener {
    listener: TcpListener,
    nodelay: bool,
}

impl TokioListener {
    /// Wraps a bound listener (`TCP_NODELAY` on).
    pub fn new(listener: TcpListener) -> Self {
        Self {
            listener,
            nodelay: true,
        }
    }

    /// Whether accepted sockets get `TCP_NODELAY`.
    #[must_use]
    pub fn with_nodelay(mut self, on: bool) -> Self {
        self.nodelay = on;
        self
    }

    /// The bound address.
    ///
    /// # Errors
    /// As `TcpListener::local_addr`.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }
}

impl Listener for TokioListener {
    type Transport = TokioIo<TcpStream>;

    fn poll_accept(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<(Self::Transport, PeerAddr)>> {
        let (stream, peer) = ready!(self.listener.poll_accept(cx))?;
        stream.set_nodelay(self.nodelay)?;
        Poll::Ready(Ok((TokioIo(stream), PeerAddr::Tcp(peer))))
    }

    fn local_addr(&self) -> io::Result<PeerAddr> {
        self.listener.local_addr().map(PeerAddr::Tcp)
    }
}

/// Binds a TCP listener.
///
/// # Errors
/// When the address cannot be bound.
pub async fn bind(addr: impl ToSocketAddrs) -> io::Result<TokioListener> {
    Ok(TokioListener::new(TcpListener::bind(addr).await?))
}

/// Serves WebSocket connections on `addr` with default options, a handler
/// from `factory` per connection; runs until the task is dropped.
///
/// # Errors
/// When the address cannot be bound.
pub async fn serve<F, H>(addr: impl ToSocketAddrs, factory: F) -> io::Result<()>
where
    F: Fn() -> H + Send + Sync + 'static,
    H: Handler,
{
    serve_with(addr, ServerConfig::default(), factory).await
}

/// [`serve`] with options.
///
/// # Errors
/// When the address cannot be bound.
pub async fn serve_with<F, H>(
    addr: impl ToSocketAddrs,
    config: ServerConfig,
    factory: F,
) -> io::Result<()>
where
    F: Fn() -> H + Send + Sync + 'static,
    H: Handler,
{
    let listener = bind(addr).await?.with_nodelay(config.tcp_nodelay);
    tracing::info!(addr = %listener.local_addr()?, "serving WebSocket");
    ferrobahn_rt::serve(runtime(), listener, config, factory).await;
    Ok(())
}

/// Serves `wss://` on `addr`: [`serve_with`] over a [`TlsListener`].
///
/// # Errors
/// When the address cannot be bound.
#[cfg(feature = "tls")]
pub async fn serve_tls<F, H>(
    addr: impl ToSocketAddrs,
    config: ServerConfig,
    tls: &ferrobahn_tls::TlsServerConfig,
    factory: F,
) -> io::Result<()>
where
    F: Fn() -> H + Send + Sync + 'static,
    H: Handler,
{
    let listener = TlsListener::new(bind(addr).await?.with_nodelay(config.tcp_nodelay), tls);
    tracing::info!(addr = %listener.local_addr()?, "serving WebSocket over TLS");
    ferrobahn_rt::serve(runtime(), listener, config, factory).await;
    Ok(())
}

/// Opens a TCP connection to `host:port` and starts TLS on it: SNI and the
/// certificate check are for `host` unless `config` names another server;
/// Mozilla's roots when `config` is `None`. For byte protocols over TLS
/// (WAMP RawSocket); WebSocket clients use [`connect_with`]. Wrap it in a
/// timeout: neither connecting nor the TLS handshake has one here.
///
/// # Errors
/// [`Error::Io`] when the connection fails, `Error::Tls` when the
/// certificate is refused or the handshake fails.
#[cfg(feature = "tls")]
pub async fn connect_tls(
    host: &str,
    port: u16,
    config: Option<&ferrobahn_tls::TlsClientConfig>,
) -> Result<ClientStream, Error> {
    let stream = TcpStream::connect((host, port)).await?;
    stream.set_nodelay(true)?;
    tls::connect_tls(config, host, stream).await
}

/// Connects to a `ws://` (or, with feature `tls`, `wss://`) URL with
/// default options.
///
/// # Errors
/// A bad URL or refused handshake ([`Error::Handshake`]), `wss://` without
/// the `tls` feature (`ErrorKind::Unsupported`), a refused certificate
/// (`Error::Tls`), connection failures ([`Error::Io`]).
pub async fn connect(url: &str) -> Result<(WebSocket<ClientStream>, Response), Error> {
    connect_with(url, ClientConfig::default()).await
}

/// [`connect`] with options (through [`ClientConfig::proxy`] if set; for
/// `wss://`, TLS starts inside the tunnel).
///
/// # Errors
/// As [`connect`].
pub async fn connect_with(
    url: &str,
    config: ClientConfig,
) -> Result<(WebSocket<ClientStream>, Response), Error> {
    let url = ClientConfig::parse_url(url)?;
    // Connecting is bounded by the open-handshake timeout too (a black-holed
    // address would otherwise wait for the OS's SYN retries).
    let rt = runtime();
    let deadline = rt.now() + config.open_handshake_timeout;
    let stream = ferrobahn_rt::timeout_at(
        &*rt,
        deadline,
        TcpStream::connect(config.connect_addr(&url)),
    )
    .await
    .ok_or(Error::Timeout(ferrobahn_rt::Timeout::OpenHandshake))??;
    stream.set_nodelay(config.tcp_nodelay)?;
    #[cfg(feature = "tls")]
    if url.secure {
        let tls = config.tls.clone();
        let host = url.host.clone();
        return ferrobahn_rt::connect_upgraded(
            runtime(),
            TokioIo(stream),
            &url,
            config,
            |io| async move { tls::connect_tls(tls.as_ref(), &host, io.0).await },
        )
        .await;
    }
    let plain = |io: TokioIo<TcpStream>| async move { Ok(ClientStream::plain(io.0)) };
    ferrobahn_rt::connect_upgraded(runtime(), TokioIo(stream), &url, config, plain).await
}

#[cfg(test)]
mod tests {
    use ferrobahn_test::uninit::read_uninit_once;

    use super::*;

    async fn accepted_nodelay(listener: TokioListener) -> bool {
        let mut listener = listener;
        let addr = listener.local_addr().unwrap();
        let _client = TcpStream::connect(addr).await.unwrap();
        let (io, _) = std::future::poll_fn(|cx| listener.poll_accept(cx))
            .await
            .unwrap();
        io.0.nodelay().unwrap()
    }

    #[tokio::test]
    async fn tcp_nodelay_is_on_by_default_and_can_be_turned_off() {
        assert!(accepted_nodelay(bind("127.0.0.1:0").await.unwrap()).await);
        let off = bind("127.0.0.1:0").await.unwrap().with_nodelay(false);
        assert!(!accepted_nodelay(off).await);
    }

    #[tokio::test]
    async fn reads_into_uninitialised_space() {
        use tokio::io::AsyncWriteExt;
        let (a, mut b) = tokio::io::duplex(64);
        b.write_all(b"hello").await.unwrap();
        let got = read_uninit_once(&mut TokioIo(a), 16).await.unwrap();
        assert_eq!(got, b"hello");
    }

    #[tokio::test]
    async fn a_plain_client_stream_reads_into_uninitialised_space() {
        use tokio::io::AsyncWriteExt;
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap());
        let (client, accepted) = tokio::join!(client, listener.accept());
        let mut stream = ClientStream::plain(client.unwrap());
        let (mut server, _) = accepted.unwrap();
        server.write_all(b"hello").await.unwrap();
        assert_eq!(read_uninit_once(&mut stream, 16).await.unwrap(), b"hello");
        drop(server);
        assert!(read_uninit_once(&mut stream, 16).await.unwrap().is_empty());
    }

    /// A reader that hands out bytes from a buffer of its own.
    struct Swapper;

    impl AsyncRead for Swapper {
        fn poll_read(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            let other: &'static mut [u8] = Box::leak(vec![7u8; 8].into_boxed_slice());
            let mut swapped = ReadBuf::new(other);
            swapped.set_filled(8);
            *buf = swapped;
            Poll::Ready(Ok(()))
        }
    }

    impl AsyncWrite for Swapper {
        fn poll_write(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
            b: &[u8],
        ) -> Poll<io::Result<usize>> {
            Poll::Ready(Ok(b.len()))
        }
        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
        fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    #[tokio::test]
    async fn a_reader_that_swaps_the_buffer_is_an_error() {
        assert!(read_uninit_once(&mut TokioIo(Swapper), 16).await.is_err());
    }
}
