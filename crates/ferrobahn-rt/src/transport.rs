//! The [`Transport`] (byte stream) and [`Listener`] traits, [`FuturesIo`],
//! and [`Either`] (one of two transports, such as plain TCP or TLS).

use std::convert::Infallible;
use std::io::{self, IoSlice};
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

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

/// Reads once from `reader` into the spare capacity of `buf` without
/// zeroing it first, and grows `buf.len()` by the bytes read. `Ok(0)` is end
/// of stream (or a `buf` with no spare capacity).
///
/// # Errors
/// The reader's; `InvalidData` when it claims more bytes than it was given.
pub fn poll_read_uninit_vec(
    reader: &mut dyn ReadUninit,
    cx: &mut Context<'_>,
    buf: &mut Vec<u8>,
) -> Poll<io::Result<usize>> {
    let spare = buf.spare_capacity_mut();
    let offered = spare.len();
    let n = ready!(reader.poll_read_uninit(cx, spare))?;
    if n > offered {
        return Poll::Ready(Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "reader claimed more bytes than it was given",
        )));
    }
    // SAFETY: `ReadUninit`'s contract: the first `n` bytes of the spare
    // capacity were initialised, and `n` fits in it (checked above).
    #[allow(unsafe_code)]
    unsafe {
        buf.set_len(buf.len() + n);
    }
    Poll::Ready(Ok(n))
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

/// One of two transports, itself a [`Transport`] that forwards every call
/// (including [`read_uninit`](Transport::read_uninit) and
/// [`tls_exporter`](Transport::tls_exporter)) to the one it holds: a client
/// connection that is plain TCP or TLS, say. With [`Infallible`] as one side
/// it holds only the other (a TLS side compiled out).
#[derive(Debug)]
pub enum Either<A, B> {
    /// The first kind.
    Left(A),
    /// The second kind.
    Right(B),
}

impl<A, B> Either<A, B> {
    /// The first kind's value, if that is what this holds.
    pub fn left(&self) -> Option<&A> {
        match self {
            Either::Left(a) => Some(a),
            Either::Right(_) => None,
        }
    }

    /// The second kind's value, if that is what this holds.
    pub fn right(&self) -> Option<&B> {
        match self {
            Either::Left(_) => None,
            Either::Right(b) => Some(b),
        }
    }
}

macro_rules! either {
    ($self:ident, $io:ident => $e:expr) => {
        match $self {
            Either::Left($io) => $e,
            Either::Right($io) => $e,
        }
    };
}

impl<A: Transport, B: Transport> Transport for Either<A, B> {
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        either!(self, io => io.poll_read(cx, buf))
    }

    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        either!(self, io => io.poll_write(cx, buf))
    }

    fn poll_write_vectored(
        &mut self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        either!(self, io => io.poll_write_vectored(cx, bufs))
    }

    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        either!(self, io => io.poll_flush(cx))
    }

    fn poll_close(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        either!(self, io => io.poll_close(cx))
    }

    fn read_uninit(&mut self) -> Option<&mut dyn ReadUninit> {
        either!(self, io => io.read_uninit())
    }

    fn tls_exporter(&self) -> Option<[u8; 32]> {
        either!(self, io => io.tls_exporter())
    }
}

/// Implements [`Transport`] for a newtype over a transport: the reads,
/// writes, flush, close and [`read_uninit`](Transport::read_uninit) go to
/// its field. [`tls_exporter`](Transport::tls_exporter) is not forwarded
/// (a wrapper such as `FuturesIo` does not know the TLS session inside it):
/// give it, or any other provided method, among the items in the braces.
///
/// ```
/// use ferrobahn_rt::{delegate_transport, Transport};
///
/// /// Any transport, behind a type of this crate's own.
/// struct Stream(Box<dyn Transport>);
///
/// delegate_transport!(Stream, 0, {
///     fn tls_exporter(&self) -> Option<[u8; 32]> {
///         self.0.tls_exporter()
///     }
/// });
/// ```
#[macro_export]
macro_rules! delegate_transport {
    ($ty:ty, $field:tt) => {
        $crate::delegate_transport!($ty, $field, {});
    };
    ($ty:ty, $field:tt, { $($extra:tt)* }) => {
        impl $crate::Transport for $ty {
            fn poll_read(
                &mut self,
                cx: &mut ::std::task::Context<'_>,
                buf: &mut [u8],
            ) -> ::std::task::Poll<::std::io::Result<usize>> {
                $crate::Transport::poll_read(&mut self.$field, cx, buf)
            }

            fn poll_write(
                &mut self,
                cx: &mut ::std::task::Context<'_>,
                buf: &[u8],
            ) -> ::std::task::Poll<::std::io::Result<usize>> {
                $crate::Transport::poll_write(&mut self.$field, cx, buf)
            }

            fn poll_write_vectored(
                &mut self,
                cx: &mut ::std::task::Context<'_>,
                bufs: &[::std::io::IoSlice<'_>],
            ) -> ::std::task::Poll<::std::io::Result<usize>> {
                $crate::Transport::poll_write_vectored(&mut self.$field, cx, bufs)
            }

            fn poll_flush(
                &mut self,
                cx: &mut ::std::task::Context<'_>,
            ) -> ::std::task::Poll<::std::io::Result<()>> {
                $crate::Transport::poll_flush(&mut self.$field, cx)
            }

            fn poll_close(
                &mut self,
                cx: &mut ::std::task::Context<'_>,
            ) -> ::std::task::Poll<::std::io::Result<()>> {
                $crate::Transport::poll_close(&mut self.$field, cx)
            }

            fn read_uninit(&mut self) -> Option<&mut dyn $crate::ReadUninit> {
                $crate::Transport::read_uninit(&mut self.$field)
            }

            $($extra)*
        }
    };
}

/// A boxed transport (a large TLS session kept off its owner, or a
/// `Box<dyn Transport>`) forwards every call to the one inside.
impl<T: Transport + ?Sized> Transport for Box<T> {
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        (**self).poll_read(cx, buf)
    }

    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        (**self).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        &mut self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        (**self).poll_write_vectored(cx, bufs)
    }

    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        (**self).poll_flush(cx)
    }

    fn poll_close(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        (**self).poll_close(cx)
    }

    fn read_uninit(&mut self) -> Option<&mut dyn ReadUninit> {
        (**self).read_uninit()
    }

    fn tls_exporter(&self) -> Option<[u8; 32]> {
        (**self).tls_exporter()
    }
}

/// No transport: a value of this type cannot exist, so as a side of
/// [`Either`] it stands for a kind compiled out.
impl Transport for Infallible {
    fn poll_read(&mut self, _: &mut Context<'_>, _: &mut [u8]) -> Poll<io::Result<usize>> {
        match *self {}
    }

    fn poll_write(&mut self, _: &mut Context<'_>, _: &[u8]) -> Poll<io::Result<usize>> {
        match *self {}
    }

    fn poll_flush(&mut self, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        match *self {}
    }

    fn poll_close(&mut self, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        match *self {}
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
