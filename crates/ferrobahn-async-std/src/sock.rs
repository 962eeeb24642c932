//! What the TCP and Unix sockets share: [`ShutdownOnClose`], an async-io
//! socket whose `poll_close` shuts the write side down (async-io's only
//! flushes), so the peer sees the end of the stream at once (after TLS's
//! `close_notify`, on a TLS connection); [`poll_accept`] on a listener.

use std::io::{self, IoSlice};
use std::net::{Shutdown, TcpStream};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use async_io::Async;
use futures_io::{AsyncRead, AsyncWrite};

/// A stream socket whose write side can be shut down on its own.
pub(crate) trait ShutdownWrite {
    /// `shutdown(2)` with `SHUT_WR`.
    fn shutdown_write(&self) -> io::Result<()>;
}

impl ShutdownWrite for TcpStream {
    fn shutdown_write(&self) -> io::Result<()> {
        self.shutdown(Shutdown::Write)
    }
}

#[cfg(unix)]
impl ShutdownWrite for std::os::unix::net::UnixStream {
    fn shutdown_write(&self) -> io::Result<()> {
        self.shutdown(Shutdown::Write)
    }
}

/// `Async<S>` as `futures-io` streams, but closing shuts the write side down.
///
/// `pub` (but not exported) because the associated types of the TLS
/// binding, `AsyncIoTls`, name it; without the `tls` feature nothing does.
#[derive(Debug)]
#[cfg_attr(not(feature = "tls"), allow(unreachable_pub))]
pub struct ShutdownOnClose<S>(pub(crate) Async<S>);

impl<S> AsyncRead for ShutdownOnClose<S>
where
    Async<S>: AsyncRead,
{
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl<S: ShutdownWrite> AsyncWrite for ShutdownOnClose<S>
where
    Async<S>: AsyncWrite,
{
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write_vectored(cx, bufs)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(Pin::new(&mut self.0).poll_flush(cx))?;
        Poll::Ready(self.0.get_ref().shutdown_write())
    }
}

/// Accepts a connection on `listener` with `accept` (non-blocking), waiting
/// for readiness only when there is none, as async-io's own accept does.
pub(crate) fn poll_accept<L, T>(
    listener: &Async<L>,
    cx: &mut Context<'_>,
    accept: impl Fn(&L) -> io::Result<T>,
) -> Poll<io::Result<T>> {
    loop {
        match accept(listener.get_ref()) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => ready!(listener.poll_readable(cx))?,
            res => return Poll::Ready(res),
        }
    }
}
