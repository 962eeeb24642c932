//! async-std / smol binding for ferrobahn, written against `async-io` and
//! `futures-io` so both executors share it: [`AsyncIoRuntime`], a TCP
//! [`AsyncIoListener`] and the `serve` / `connect` conveniences (same names
//! as in `ferrobahn-tokio`).
//!
//! Features: `async-std` (default) spawns with `async_std::task::spawn`,
//! `smol` with `smol::spawn` (used when `async-std` is off). async-std itself
//! is discontinued upstream (RUSTSEC-2025-0052), which is why this layer is
//! thin and the `smol` feature exists.
// `unsafe` only to let the driver read into uninitialised memory
// (`impl ReadUninit for TcpTransport`, through socket2's `recv`).
#![deny(unsafe_code)]

//!
//! Unix domain sockets: [`AsyncIoUnixListener`], [`bind_unix`],
//! [`serve_unix`], [`connect_unix`]. WebSocket over any other byte stream:
//! wrap a `futures-io` type in [`FuturesIo`] and hand it to
//! [`ferrobahn_rt::serve_connection`] or [`ferrobahn_rt::connect_transport`].
//!
//! Feature `tls`: `wss://` in [`connect_with`] ([`ClientStream`] is then TLS
//! over TCP) and [`TlsListener`] / [`serve_tls`] for servers, via
//! futures-rustls with rustls' `ring` provider (no OpenSSL, no cmake).

mod client;
mod sock;
#[cfg(feature = "tls")]
mod tls;
#[cfg(unix)]
mod unix;

pub use client::ClientStream;
#[cfg(feature = "tls")]
pub use tls::{TlsListener, TlsServerStream};
#[cfg(unix)]
pub use unix::{
    bind_unix, connect_unix, serve_unix, serve_unix_with, AsyncIoUnixListener, UnixTransport,
};

#[cfg(not(any(feature = "async-std", feature = "smol")))]
compile_error!("ferrobahn-async-std needs feature `async-std` or `smol` to spawn tasks");

use std::future::Future;
use std::io::{self, IoSlice};
use std::mem::MaybeUninit;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Instant;

use async_io::{Async, Timer};
use ferrobahn_handshake::Response;
use ferrobahn_rt::{
    AsyncTimer, ClientConfig, Error, FuturesIo, Handler, Listener, PeerAddr, ReadUninit, Runtime,
    ServerConfig, Transport, WebSocket,
};

/// The async-io [`Runtime`]: `async_io::Timer` timers; tasks spawned on
/// async-std (feature `async-std`) or smol (feature `smol`).
#[derive(Clone, Copy, Debug, Default)]
pub struct AsyncIoRuntime;

impl Runtime for AsyncIoRuntime {
    fn new_timer(&self, deadline: Instant) -> Pin<Box<dyn AsyncTimer>> {
        Box::pin(IoTimer(Timer::at(deadline)))
    }

    fn spawn(&self, fut: Pin<Box<dyn Future<Output = ()> + Send>>) {
        #[cfg(feature = "async-std")]
        drop(async_std::task::spawn(fut));
        #[cfg(all(feature = "smol", not(feature = "async-std")))]
        smol::spawn(fut).detach();
    }
}

/// The async-io runtime as `Arc<dyn Runtime>`.
pub fn runtime() -> Arc<dyn Runtime> {
    Arc::new(AsyncIoRuntime)
}

#[derive(Debug)]
struct IoTimer(Timer);

impl AsyncTimer for IoTimer {
    fn reset(self: Pin<&mut Self>, t: Instant) {
        self.get_mut().0.set_at(t);
    }

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        Pin::new(&mut self.get_mut().0).poll(cx).map(drop)
    }
}

/// A TCP connection on async-io: the transport of an [`AsyncIoListener`]
/// connection and of [`connect`].
///
/// Unlike `FuturesIo<Async<TcpStream>>` (async-io's `poll_close` only
/// flushes), closing shuts the write side down, so the peer sees the end of
/// the stream at once.
#[derive(Debug)]
pub struct TcpTransport(FuturesIo<Async<TcpStream>>);

impl TcpTransport {
    /// Wraps a connected stream.
    pub fn new(stream: Async<TcpStream>) -> Self {
        Self(FuturesIo(stream))
    }

    /// The stream.
    pub fn get_ref(&self) -> &Async<TcpStream> {
        &self.0 .0
    }

    /// Unwraps the stream.
    pub fn into_inner(self) -> Async<TcpStream> {
        self.0 .0
    }
}

impl Transport for TcpTransport {
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.0.poll_read(cx, buf)
    }

    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.0.poll_write(cx, buf)
    }

    fn poll_write_vectored(
        &mut self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.0.poll_write_vectored(cx, bufs)
    }

    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.0.poll_flush(cx)
    }

    fn poll_close(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.0.poll_flush(cx))?;
        Poll::Ready(self.get_ref().get_ref().shutdown(Shutdown::Write))
    }

    fn read_uninit(&mut self) -> Option<&mut dyn ReadUninit> {
        Some(self)
    }
}

// SAFETY: socket2's `recv` returns how many bytes the kernel wrote into
// `buf` (at most its length), which is what this returns.
#[allow(unsafe_code)]
unsafe impl ReadUninit for TcpTransport {
    fn poll_read_uninit(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut [MaybeUninit<u8>],
    ) -> Poll<io::Result<usize>> {
        // As async-io's own `poll_read`: try, and wait for readiness only
        // when the socket has nothing.
        loop {
            match socket2::SockRef::from(self.get_ref().get_ref()).recv(buf) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                res => return Poll::Ready(res),
            }
            ready!(self.get_ref().poll_readable(cx))?;
        }
    }
}

/// A TCP [`Listener`] on async-io; accepted sockets get `TCP_NODELAY`
/// unless turned off with [`AsyncIoListener::with_nodelay`].
#[derive(Debug)]
pub struct AsyncIoListener {
    listener: Async<TcpListener>,
    nodelay: bool,
}

impl AsyncIoListener {
    /// Wraps a bound listener (`TCP_NODELAY` on).
    pub fn new(listener: Async<TcpListener>) -> Self {
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
        self.listener.get_ref().local_addr()
    }
}

impl Listener for AsyncIoListener {
    type Transport = TcpTransport;

    fn poll_accept(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<(TcpTransport, PeerAddr)>> {
        let (stream, peer) = ready!(sock::poll_accept(&self.listener, cx, TcpListener::accept))?;
        stream.set_nodelay(self.nodelay)?;
        let io = TcpTransport::new(Async::new(stream)?);
        Poll::Ready(Ok((io, PeerAddr::Tcp(peer))))
    }

    fn local_addr(&self) -> io::Result<PeerAddr> {
        self.listener.get_ref().local_addr().map(PeerAddr::Tcp)
    }
}

/// Binds a TCP listener (name resolution through the blocking system resolver).
///
/// # Errors
/// When the address cannot be bound.
pub async fn bind(addr: impl ToSocketAddrs) -> io::Result<AsyncIoListener> {
    Ok(AsyncIoListener::new(Async::<TcpListener>::bind(resolve(
        addr,
    )?)?))
}

fn resolve(addr: impl ToSocketAddrs) -> io::Result<SocketAddr> {
    addr.to_socket_addrs()?
        .next()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "address resolved to nothing"))
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
    let stream = tcp_connect((host, port)).await?;
    stream.get_ref().set_nodelay(true)?;
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
    let stream = ferrobahn_rt::timeout_at(&*rt, deadline, tcp_connect(config.connect_addr(&url)))
        .await
        .ok_or(Error::Timeout(ferrobahn_rt::Timeout::OpenHandshake))??;
    stream.get_ref().set_nodelay(config.tcp_nodelay)?;
    let io = TcpTransport::new(stream);
    #[cfg(feature = "tls")]
    if url.secure {
        let tls = config.tls.clone();
        let host = url.host.clone();
        return ferrobahn_rt::connect_upgraded(runtime(), io, &url, config, |io| async move {
            tls::connect_tls(tls.as_ref(), &host, io.into_inner()).await
        })
        .await;
    }
    let plain = |io: TcpTransport| async move { Ok(ClientStream::plain(io.into_inner())) };
    ferrobahn_rt::connect_upgraded(runtime(), io, &url, config, plain).await
}

/// Connects to the first address of `addr` that answers (name resolution
/// through the blocking system resolver).
async fn tcp_connect(addr: impl ToSocketAddrs) -> io::Result<Async<TcpStream>> {
    let mut last = None;
    for addr in addr.to_socket_addrs()? {
        match Async::<TcpStream>::connect(addr).await {
            Ok(stream) => return Ok(stream),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| {
        io::Error::new(io::ErrorKind::InvalidInput, "address resolved to nothing")
    }))
}

#[cfg(test)]
mod tests {
    use ferrobahn_test::uninit::read_uninit_once;

    use super::*;

    /// The server side of a TCP connection, wrapped by `wrap`, reads what
    /// the peer wrote into uninitialised space, then the end of the stream.
    fn reads_uninit_then_the_end<T: Transport>(wrap: impl FnOnce(Async<TcpStream>) -> T) {
        async_io::block_on(async {
            let listener = Async::<TcpListener>::bind(([127, 0, 0, 1], 0)).unwrap();
            let addr = listener.get_ref().local_addr().unwrap();
            let mut peer = TcpStream::connect(addr).unwrap();
            let (ours, _) = listener.accept().await.unwrap();
            let mut io = wrap(ours);
            std::io::Write::write_all(&mut peer, b"hello").unwrap();
            assert_eq!(read_uninit_once(&mut io, 16).await.unwrap(), b"hello");
            drop(peer);
            assert!(read_uninit_once(&mut io, 16).await.unwrap().is_empty());
        });
    }

    #[test]
    fn tcp_reads_into_uninitialised_space() {
        reads_uninit_then_the_end(TcpTransport::new);
    }

    #[test]
    fn a_plain_client_stream_reads_into_uninitialised_space() {
        reads_uninit_then_the_end(ClientStream::plain);
    }
}
