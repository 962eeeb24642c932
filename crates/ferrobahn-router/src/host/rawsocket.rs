//! WAMP over RawSocket: the driver of one connection over any [`Transport`], around the
//! sans-IO [`RawSocket`] of `ferrobahn-serializers`, and the [`Prefixed`] transport that
//! gives back the byte read to tell RawSocket from WebSocket.

use std::future::poll_fn;
use std::io::{self, IoSlice};
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use ferrobahn_rt::{AsyncTimer, ReadUninit, Runtime, Transport};
use ferrobahn_serializers::rawsocket::{exponent_for_max_len, Config, Event, RawSocket};
use ferrobahn_serializers::{Format, Limits as SerLimits, Serializer};

use super::outlet::{Next, Outlet, Registered};
use super::shared::{encode_one, Encoding, Outgoing};
use super::HostShared;
use crate::core::{ConnId, TransportInfo};

/// A transport whose first bytes were already read (to sniff the protocol): they are
/// read again first.
#[derive(Debug)]
pub(crate) struct Prefixed<T> {
    prefix: Vec<u8>,
    pos: usize,
    io: T,
}

impl<T> Prefixed<T> {
    pub(crate) fn new(prefix: Vec<u8>, io: T) -> Self {
        Self { prefix, pos: 0, io }
    }

    /// Heap bytes the prefix still holds.
    #[cfg(test)]
    pub(crate) fn prefix_capacity(&self) -> usize {
        self.prefix.capacity()
    }
}

impl<T: Transport> Transport for Prefixed<T> {
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        if self.pos < self.prefix.len() {
            let n = (self.prefix.len() - self.pos).min(buf.len());
            buf[..n].copy_from_slice(&self.prefix[self.pos..self.pos + n]);
            self.pos += n;
            if self.pos == self.prefix.len() {
                // Given back: free it (the connection may live long).
                self.prefix = Vec::new();
                self.pos = 0;
            }
            return Poll::Ready(Ok(n));
        }
        self.io.poll_read(cx, buf)
    }
    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.io.poll_write(cx, buf)
    }
    fn poll_write_vectored(
        &mut self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.io.poll_write_vectored(cx, bufs)
    }
    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_flush(cx)
    }
    fn poll_close(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_close(cx)
    }
    fn read_uninit(&mut self) -> Option<&mut dyn ReadUninit> {
        // Once the prefix is given back, reads go to the stream, which may read into
        // uninitialised memory: the connection's driver then does not zero its read
        // buffer before each read (a memset of every read's offer, about a sixth of
        // the router's instructions in a 4 KiB fan-out).
        if self.pos < self.prefix.len() {
            return None;
        }
        self.io.read_uninit()
    }
    fn tls_exporter(&self) -> Option<[u8; 32]> {
        self.io.tls_exporter()
    }
}

/// One RawSocket connection's state.
struct Driver {
    runtime: Arc<dyn Runtime>,
    /// The handshake must be done by then (`None` once it is).
    open_deadline: Option<Instant>,
    /// How long queued bytes may wait for the peer to read them.
    write_timeout: Duration,
    /// Since when queued bytes could not be written (`None`: not stalled).
    stalled_since: Option<Instant>,
    timer: Option<Pin<Box<dyn AsyncTimer>>>,
    host: Arc<HostShared>,
    conn: ConnId,
    peer: Option<SocketAddr>,
    /// The transport's TLS exporter value, read when the connection starts.
    tls_exporter: Option<[u8; 32]>,
    raw: RawSocket,
    ser: Option<Serializer>,
    /// The outgoing queue, once attached.
    outlet: Option<Arc<Outlet>>,
    /// The waker this driver left in its outlet.
    registered: Registered,
    attached: bool,
    done: bool,
    wbuf: Vec<u8>,
    wpos: usize,
    rbuf: Box<[u8]>,
}

/// Serves one RawSocket connection whose first bytes (`prefix`) were already read; its
/// handshake must be complete by `open_deadline`.
pub(crate) async fn serve<T: Transport>(
    runtime: Arc<dyn Runtime>,
    host: Arc<HostShared>,
    mut io: T,
    prefix: &[u8],
    peer: Option<SocketAddr>,
    open_deadline: Instant,
) {
    let ids = host
        .serializers
        .iter()
        .filter(|s| !s.is_batched())
        .map(|s| s.format().rawsocket_id());
    let config = Config::default()
        .with_serializers(ids)
        .with_max_len_exp(exponent_for_max_len(host.max_message_size));
    let mut raw = RawSocket::server(config);
    raw.feed(prefix);
    let write_timeout = host.write_timeout;
    let mut d = Driver {
        runtime,
        open_deadline: Some(open_deadline),
        write_timeout,
        stalled_since: None,
        timer: None,
        conn: host.next_conn(),
        host,
        peer,
        tls_exporter: io.tls_exporter(),
        raw,
        ser: None,
        outlet: None,
        registered: Registered::default(),
        attached: false,
        done: false,
        wbuf: Vec::new(),
        wpos: 0,
        rbuf: vec![0u8; 16 * 1024].into_boxed_slice(),
    };
    poll_fn(|cx| d.poll(cx, &mut io)).await;
    if d.attached {
        d.host.inner.detach(d.conn);
    }
    let _ = poll_fn(|cx| io.poll_close(cx)).await;
    tracing::debug!(conn = %d.conn, "RawSocket connection ended");
}

impl Driver {
    fn poll<T: Transport>(&mut self, cx: &mut Context<'_>, io: &mut T) -> Poll<()> {
        loop {
            let mut progress = self.events();
            progress |= self.take_outgoing(cx);
            let _ = self.raw.poll_transmit(&mut self.wbuf);
            while self.wpos < self.wbuf.len() {
                match io.poll_write(cx, &self.wbuf[self.wpos..]) {
                    Poll::Ready(Ok(0)) | Poll::Ready(Err(_)) => return Poll::Ready(()),
                    Poll::Ready(Ok(n)) => {
                        self.wpos += n;
                        self.stalled_since = None;
                    }
                    Poll::Pending => break,
                }
            }
            if self.wpos < self.wbuf.len() && self.stalled_since.is_none() {
                self.stalled_since = Some(self.runtime.now());
            }
            if self.wpos == self.wbuf.len() {
                self.wbuf.clear();
                self.wpos = 0;
                let _ = io.poll_flush(cx);
                if self.done {
                    return Poll::Ready(());
                }
            }
            if !self.done && self.wbuf.len() - self.wpos < self.host.write_batch {
                match io.poll_read(cx, &mut self.rbuf) {
                    Poll::Ready(Ok(0)) | Poll::Ready(Err(_)) => return Poll::Ready(()),
                    Poll::Ready(Ok(n)) => {
                        self.raw.feed(&self.rbuf[..n]);
                        progress = true;
                    }
                    Poll::Pending => {}
                }
            }
            if !progress {
                // Written down to room again with messages left in the outlet (or none
                // left: then the outlet wakes this task for the next).
                let room = self.wbuf.len() - self.wpos < self.host.write_batch;
                if !self.done
                    && room
                    && self
                        .outlet
                        .as_ref()
                        .is_some_and(|o| o.more(cx.waker(), &mut self.registered))
                {
                    continue;
                }
                return self.poll_deadline(cx);
            }
        }
    }

    /// Ends the connection when its handshake or a write is overdue; otherwise waits
    /// for the nearest of those deadlines.
    fn poll_deadline(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let stall = self.stalled_since.map(|t| t + self.write_timeout);
        let Some(deadline) = [self.open_deadline, stall].into_iter().flatten().min() else {
            return Poll::Pending;
        };
        if self.runtime.now() >= deadline {
            if Some(deadline) == self.open_deadline {
                tracing::debug!(conn = %self.conn, "RawSocket handshake not completed in time");
            } else {
                tracing::warn!(conn = %self.conn, "dropping a RawSocket peer that does not read");
            }
            return Poll::Ready(());
        }
        let runtime = &self.runtime;
        let timer = self
            .timer
            .get_or_insert_with(|| runtime.new_timer(deadline));
        timer.as_mut().reset(deadline);
        match timer.as_mut().poll(cx) {
            Poll::Ready(()) => {
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            Poll::Pending => Poll::Pending,
        }
    }

    /// Handles the RawSocket core's events; true when there were any.
    fn events(&mut self) -> bool {
        let mut any = false;
        while let Some(ev) = self.raw.poll_event() {
            any = true;
            match ev {
                Event::Open { serializer, .. } => self.open(serializer),
                Event::Message(data) => self.message(&data),
                Event::Failed(e) => {
                    tracing::debug!(conn = %self.conn, error = %e, "RawSocket failed");
                    self.done = true;
                }
                _ => {}
            }
        }
        any
    }

    fn open(&mut self, serializer: u8) {
        let Some(format) = Format::from_rawsocket_id(serializer) else {
            self.done = true;
            return;
        };
        let limits = SerLimits::default().with_max_message_size(self.host.max_message_size);
        let ser = Serializer::new(format).with_limits(limits);
        self.open_deadline = None;
        let info = TransportInfo::new("rawsocket", ser.subprotocol(), self.peer)
            .with_tls_exporter(self.tls_exporter);
        self.outlet = self.host.inner.attach(self.conn, info);
        self.attached = self.outlet.is_some();
        self.done = !self.attached;
        self.ser = Some(ser);
    }

    fn message(&mut self, data: &Bytes) {
        let (Some(ser), true) = (self.ser, self.attached) else {
            return;
        };
        match ser.decode_bytes(data) {
            Ok(msgs) if msgs.len() > self.host.max_inbound => {
                tracing::warn!(conn = %self.conn, count = msgs.len(), "dropping a session that floods the router");
                self.done = true;
            }
            Ok(msgs) => {
                if !self.host.inner.handle(self.conn, msgs, true) {
                    // Dropped by the router meanwhile; the outlet ends the connection.
                    self.attached = false;
                }
            }
            Err(e) => self.host.inner.invalid(self.conn, &e.to_string()),
        }
    }

    /// Moves queued outgoing messages into the RawSocket core; true when it took any.
    fn take_outgoing(&mut self, cx: &mut Context<'_>) -> bool {
        let (Some(outlet), Some(ser)) = (self.outlet.as_ref(), self.ser) else {
            return false;
        };
        let mut any = false;
        // Stop above the high-water mark: the rest waits in the outlet, counted there.
        while !self.done && self.wbuf.len() - self.wpos < self.host.write_batch {
            match outlet.next(cx.waker(), &mut self.registered) {
                Next::Message(item) => {
                    any = true;
                    let raw = &mut self.raw;
                    let sent = match &item {
                        // Copied into the RawSocket core's buffer either way.
                        Outgoing::One(msg) => encode_one(msg, &ser, |data| match data {
                            Encoding::Borrowed(data) => raw.send_message(data),
                            Encoding::Owned(data) => raw.send_message(&data),
                        }),
                        Outgoing::Shared(enc) => enc.bytes(&ser).map(|b| raw.send_message(&b)),
                    };
                    match sent {
                        Ok(Ok(())) => {}
                        Ok(Err(e)) => {
                            tracing::warn!(conn = %self.conn, error = %e, "message not sent");
                        }
                        Err(e) => tracing::warn!(error = %e, "a message could not be encoded"),
                    }
                    let _ = self.raw.poll_transmit(&mut self.wbuf);
                }
                Next::Close | Next::Kill => {
                    any = true;
                    self.done = true;
                }
                Next::Empty => break,
            }
        }
        any
    }
}
