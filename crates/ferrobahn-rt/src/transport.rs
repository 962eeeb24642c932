//! The [`Transport`] (byte stream) and [`Listener`] traits, and [`FuturesIo`].

use std::io::{self, IoSlice};
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::peer::PeerAddr;

/// A bidirectional byte stream (TCP, TLS, Unix socket, in-memory pipe, ...).
///
/// The crate owns this trait so one driver serves every runtime: tokio types
/// are wrapped in `ferrobahn_tokio::TokioIo`, `futures-io` types in
/// [`FuturesIo`]. `Pending` is never reported as an error.
pub trait Transport: Send + Unpin + 'static {
    /// Reads into `buf`; `Ok(0)` is end of stream.
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>>;

    /// Writes from `buf`, returning how many bytes were taken.
    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>>;

    /// Writes from several buffers; by default the first non-empty one.
    fn poll_write_vectored(
        &mut self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let buf = bufs
            .iter()
            .find(|b| !b.is_empty())
            .map_or(&[][..], |b| &**b);
        self.poll_write(cx, buf)
    }

    /// Flushes buffered bytes to the peer.
    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>>;

    /// Flushes and shuts down the write side.
    fn poll_close(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>>;

    /// This transport as a [`ReadUninit`], when it can read into
    /// uninitialised memory (the driver then skips zeroing its read
    /// buffer); `None` (the default) otherwise.
    fn read_uninit(&mut self) -> Option<&mut dyn ReadUninit> {
        None
    }

    /// The RFC 9266 `tls-exporter` channel binding (32 bytes exported with
    /// label `EXPORTER-Channel-Binding`) of an established TLS connection;
    /// `None` (the default) for anything else. For channel-bound
    /// authentication such as WAMP-cryptosign's `channel_binding`.
    fn tls_exporter(&self) -> Option<[u8; 32]> {
        None
    }
}

/// A byte stream that reads into uninitialised memory.
///
/// # Safety
/// `poll_read_uninit` returns `Ready(Ok(n))` only when it wrote (initialised)
/// the first `n` bytes of `buf`, with `n <= buf.len()`: the driver then
/// takes those bytes as initialised without looking at them.
#[allow(unsafe_code)]
pub unsafe trait ReadUninit {
    /// Reads into `buf`; `Ok(0)` is end of stream.
    fn poll_read_uninit(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut [MaybeUninit<u8>],
    ) -> Poll<io::Result<usize>>;
}

/// A source of incoming transports (a bound TCP or Unix listener, ...).
pub trait Listener: Send + 'static {
    /// The transport type of an accepted connection.
    type Transport: Transport;

    /// Accepts the next connection and its peer address.
    fn poll_accept(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<(Self::Transport, PeerAddr)>>;

    /// The address this listener is bound to.
    fn local_addr(&self) -> io::Result<PeerAddr>;
}

/// Adapts a `futures-io` `AsyncRead + AsyncWrite` type (async-io, async-std,
/// smol, ...) to [`Transport`].
#[derive(Debug)]
pub struct FuturesIo<T>(pub T);

impl<T> FuturesIo<T> {
    /// Wraps `io`.
    pub fn new(io: T) -> Self {
        Self(io)
    }

    /// The wrapped value.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Transport for FuturesIo<T>
where
    T: futures_io::AsyncRead + futures_io::AsyncWrite + Send + Unpin + 'static,
{
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
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
        Pin::new(&mut self.0).poll_close(cx)
    }
}

/// Reads once from `io` (async helper).
pub(crate) async fn read<T: Transport>(io: &mut T, buf: &mut [u8]) -> io::Result<usize> {
    std::future::poll_fn(|cx| io.poll_read(cx, buf)).await
}

/// Writes all of `buf` to `io` and flushes.
pub(crate) async fn write_all<T: Transport>(io: &mut T, mut buf: &[u8]) -> io::Result<()> {
    while !buf.is_empty() {
        let n = std::future::poll_fn(|cx| io.poll_write(cx, buf)).await?;
        if n == 0 {
            return Err(io::ErrorKind::WriteZero.into());
        }
        buf = &buf[n..];
    }
    std::future::poll_fn(|cx| io.poll_flush(cx)).await
}

/// Shuts down `io`'s write side.
pub(crate) async fn close<T: Transport>(io: &mut T) -> io::Result<()> {
    std::future::poll_fn(|cx| io.poll_close(cx)).await
}
