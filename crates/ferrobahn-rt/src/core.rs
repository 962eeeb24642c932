//! The one generic driver: moves bytes between a [`Transport`] and a sans-IO
//! [`Connection`], honours its timer and applies commands from [`Sender`]s.
//!
//! Write batching lives here: bytes queued in the core are written when the
//! inbound side has nothing more ready (just before the driver would wait on
//! the transport), when they pass the flush threshold, or on an explicit flush.

use std::io::{self, IoSlice};
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::{Duration, Instant};

use ferrobahn_websocket::{CloseCode, Closed, Connection, Event, Message, Role, SendError};
use futures_channel::mpsc;
use futures_core::Stream;

use crate::deadline::DriverTimer;
use crate::error::Error;
use crate::peer::PeerAddr;
use crate::runtime::Runtime;
use crate::sender::{Command, Sender};
use crate::transport::Transport;

/// Bytes queued for the transport above which the driver writes without
/// waiting for the inbound side to run dry.
pub(crate) const DEFAULT_FLUSH_THRESHOLD: usize = 64 * 1024;

/// Most slices handed to one vectored write.
const WRITE_SLICES: usize = 64;

/// How many commands a [`Sender`]'s channel holds before senders wait.
const SENDER_CHANNEL_CAPACITY: usize = 64;

/// After a server shut its side down: how long, and how many bytes, it
/// reads and drops what the client still sends, so closing the socket does
/// not reset the connection before the client has read the close frame.
const LINGER: Duration = Duration::from_secs(1);
const LINGER_BYTES: usize = 64 * 1024;

/// A server's lingering close in progress.
#[derive(Debug)]
struct Linger {
    until: Instant,
    left: usize,
}

/// The channels of a connection's [`Sender`]s.
#[derive(Debug)]
struct Commands {
    tx: mpsc::Sender<Command>,
    rx: mpsc::Receiver<Command>,
    timed_out_tx: mpsc::UnboundedSender<Duration>,
    /// A sender waited longer than `send_timeout`.
    timed_out_rx: mpsc::UnboundedReceiver<Duration>,
}

/// Everything of a connection but the transport (so handler contexts need no
/// type parameter).
#[derive(Debug)]
pub(crate) struct Core {
    pub(crate) conn: Connection,
    pub(crate) runtime: Arc<dyn Runtime>,
    timer: DriverTimer,
    last_timeout: Option<Instant>,
    /// An event taken from the core to see whether inbound data is pending.
    peeked: Option<Event>,
    /// The terminal event, held back until the transport is shut down.
    closed_event: Option<Box<Closed>>,
    /// The terminal event, once delivered.
    pub(crate) closed: Option<Box<Closed>>,
    finished: bool,
    read_eof: bool,
    /// The transport failed: nothing more is written or read.
    io_dead: bool,
    needs_flush: bool,
    transport_closed: bool,
    linger: Option<Box<Linger>>,
    pub(crate) flush_threshold: usize,
    commands: Option<Commands>,
    pub(crate) peer: Option<PeerAddr>,
    /// The client address trusted proxies reported (`X-Forwarded-For`).
    pub(crate) forwarded_for: Option<IpAddr>,
    pub(crate) protocol: Option<String>,
    /// The TLS exporter (RFC 9266) of the transport, captured when a handler starts.
    pub(crate) tls_exporter: Option<Box<[u8; 32]>>,
}

impl Core {
    pub(crate) fn new(conn: Connection, runtime: Arc<dyn Runtime>) -> Self {
        Self {
            conn,
            runtime,
            timer: DriverTimer::default(),
            last_timeout: None,
            peeked: None,
            closed_event: None,
            closed: None,
            finished: false,
            read_eof: false,
            io_dead: false,
            needs_flush: false,
            transport_closed: false,
            linger: None,
            flush_threshold: DEFAULT_FLUSH_THRESHOLD,
            commands: None,
            peer: None,
            forwarded_for: None,
            protocol: None,
            tls_exporter: None,
        }
    }

    /// The client's IP: the trusted `X-Forwarded-For` entry, else the TCP peer's.
    pub(crate) fn client_ip(&self) -> Option<IpAddr> {
        self.forwarded_for
            .or_else(|| self.peer.as_ref().and_then(PeerAddr::ip))
    }

    pub(crate) fn now(&self) -> Instant {
        self.runtime.now()
    }

    /// A handle that queues messages from other tasks.
    pub(crate) fn sender(&mut self) -> Sender {
        let commands = self.commands.get_or_insert_with(|| {
            let (tx, rx) = mpsc::channel(SENDER_CHANNEL_CAPACITY);
            let (timed_out_tx, timed_out_rx) = mpsc::unbounded();
            Commands {
                tx,
                rx,
                timed_out_tx,
                timed_out_rx,
            }
        });
        Sender::new(
            commands.tx.clone(),
            commands.timed_out_tx.clone(),
            self.runtime.clone(),
            self.conn.config().send_timeout,
        )
    }

    /// Drops the connection when a [`Sender`] reported that it waited past
    /// `send_timeout` (registers for that report otherwise): no close frame,
    /// since a peer that does not read would never get it; what waits to be
    /// written is discarded and the transport is not written again (it
    /// closes when dropped). The connection ends with 1006.
    fn poll_send_timeout(&mut self, cx: &mut Context<'_>) {
        let Some(commands) = self.commands.as_mut() else {
            return;
        };
        let Poll::Ready(Some(waited)) = Pin::new(&mut commands.timed_out_rx).poll_next(cx) else {
            return;
        };
        // The other senders learn at once that the connection is gone.
        commands.rx.close();
        if self.io_dead || self.finished {
            return;
        }
        tracing::info!(
            peer = ?self.peer,
            ?waited,
            buffered = self.conn.transmit_buf().len(),
            "a Sender waited past send_timeout: dropping the connection"
        );
        self.io_dead = true;
        self.read_eof = true;
        let pending = self.conn.transmit_buf().len();
        self.conn.advance_transmit(pending);
        let now = self.runtime.now();
        self.conn.abort(now);
    }

    /// Maps a core send refusal to the shell's error.
    pub(crate) fn send_error(&self, e: SendError) -> Error {
        match (&e, &self.closed) {
            (SendError::Full, _) => Error::Full,
            (SendError::Closed, Some(c)) => Error::Closed(Closed::clone(c)),
            _ => Error::Usage(e),
        }
    }

    pub(crate) fn queue(&mut self, msg: &Message) -> Result<(), Error> {
        let now = self.now();
        self.conn.send(now, msg).map_err(|e| self.send_error(e))
    }

    pub(crate) fn queue_close(
        &mut self,
        code: Option<CloseCode>,
        reason: &str,
    ) -> Result<(), Error> {
        let now = self.now();
        self.conn
            .close(now, code, reason)
            .map_err(|e| self.send_error(e))
    }

    /// Whether the queued bytes reach the flush threshold (write before queueing more).
    pub(crate) fn wants_flush(&self) -> bool {
        self.conn.transmit_len() >= self.flush_threshold
    }

    /// Whether a decoded inbound event waits for delivery (peeks one from the core).
    pub(crate) fn inbound_pending(&mut self) -> bool {
        if self.peeked.is_none() {
            self.peeked = self.conn.poll_event();
        }
        self.peeked.is_some()
    }

    ///
    /// Returns `true` when it stopped because the outgoing buffer reached the flush
    /// threshold: the channel was not polled to `Pending`, so no wake-up is registered
    /// for the commands still in it and the caller must come back once it has written.
    fn poll_commands(&mut self, cx: &mut Context<'_>) -> bool {
        let Some(Commands { rx, .. }) = self.commands.as_mut() else {
            return false;
        };
        loop {
            if self.conn.transmit_len() >= self.flush_threshold {
                return true;
            }
            let cmd = match Pin::new(&mut *rx).poll_next(cx) {
                Poll::Ready(Some(cmd)) => cmd,
                Poll::Ready(None) | Poll::Pending => return false,
            };
            let now = self.runtime.now();
            let res = match &cmd {
                Command::Message(m) => self.conn.send(now, m),
                Command::Framed(m, frame) => self.conn.send_framed(now, m, frame).map(drop),
                Command::Ping(p) => self.conn.ping(now, p),
                Command::Close(code, reason) => self.conn.close(now, *code, reason),
            };
            if let Err(e) = res {
                tracing::debug!(error = %e, "dropped a command from a Sender");
            }
        }
    }

    /// The transport failed: stop all I/O and end the connection with 1006.
    fn fail_io(&mut self, e: &io::Error) {
        tracing::debug!(error = %e, "transport failed");
        self.io_dead = true;
        self.read_eof = true;
        let pending = self.conn.transmit_len();
        self.conn.advance_transmit(pending);
        let now = self.runtime.now();
        self.conn.abort(now);
    }

    /// Writes everything queued in the core, then flushes the transport.
    fn poll_write_out<T: Transport>(
        &mut self,
        io: &mut T,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        if self.io_dead {
            return Poll::Ready(Ok(()));
        }
        loop {
            let buf = self.conn.transmit_buf();
            if buf.is_empty() {
                break;
            }
            // Large payloads are queued apart from their frame headers:
            // write several runs at once when there are.
            let res = if buf.len() < self.conn.transmit_len() {
                let mut slices = [IoSlice::new(&[]); WRITE_SLICES];
                let n = self.conn.transmit_slices(&mut slices);
                ready!(io.poll_write_vectored(cx, &slices[..n]))
            } else {
                ready!(io.poll_write(cx, buf))
            };
            match res {
                Ok(0) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Ok(n) => {
                    self.conn.advance_transmit(n);
                    self.needs_flush = true;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
        if self.needs_flush {
            ready!(io.poll_flush(cx))?;
            self.needs_flush = false;
        }
        Poll::Ready(Ok(()))
    }

    /// Writes all queued bytes; on failure the connection is ended.
    pub(crate) fn poll_flush<T: Transport>(
        &mut self,
        io: &mut T,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), Error>> {
        match ready!(self.poll_write_out(io, cx)) {
            Ok(()) => Poll::Ready(Ok(())),
            Err(e) => {
                self.fail_io(&e);
                Poll::Ready(Err(Error::Io(e)))
            }
        }
    }

    /// After queueing: write now unless inbound messages are pending delivery
    /// (then the reading side writes once it runs dry) and the queue is small.
    pub(crate) fn poll_flush_batched<T: Transport>(
        &mut self,
        io: &mut T,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), Error>> {
        let queued = self.conn.transmit_len();
        if queued == 0 || (queued < self.flush_threshold && self.inbound_pending()) {
            return Poll::Ready(Ok(()));
        }
        self.poll_flush(io, cx)
    }

    /// Waits for a full outgoing buffer to drain (writing it out) to half of
    /// its limit, honouring the core's deadlines meanwhile (the slow-reader
    /// timeout drops a peer that never reads). Ready also when the
    /// connection ends; the caller's retried send then says why.
    pub(crate) fn poll_drained<T: Transport>(
        &mut self,
        io: &mut T,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), Error>> {
        loop {
            self.poll_send_timeout(cx);
            if self.conn.is_closed() || self.io_dead {
                return Poll::Ready(Ok(()));
            }
            match self.poll_write_out(io, cx) {
                Poll::Ready(Ok(())) => return Poll::Ready(Ok(())),
                Poll::Ready(Err(e)) => {
                    self.fail_io(&e);
                    return Poll::Ready(Err(Error::Io(e)));
                }
                Poll::Pending => {}
            }
            let limit = self.conn.config().max_outgoing_buffer;
            if self.conn.transmit_len() <= limit / 2 {
                return Poll::Ready(Ok(()));
            }
            let Some(deadline) = self.conn.poll_timeout() else {
                return Poll::Pending;
            };
            let now = self.runtime.now();
            if deadline <= now || self.poll_timer(deadline, now, cx).is_ready() {
                self.conn.handle_timeout(now.max(deadline));
                continue;
            }
            return Poll::Pending;
        }
    }

    /// Ready once `deadline` has come (`now`: the time read last); arms the
    /// timer for it otherwise ([`DriverTimer`]: lazily).
    fn poll_timer(&mut self, deadline: Instant, now: Instant, cx: &mut Context<'_>) -> Poll<()> {
        self.timer.poll(&*self.runtime, deadline, now, cx)
    }

    /// Reads and drops the client's leftovers until EOF, [`LINGER_BYTES`] or
    /// [`LINGER`], whichever comes first.
    fn poll_linger<T: Transport>(&mut self, io: &mut T, cx: &mut Context<'_>) -> Poll<()> {
        let Some(linger) = self.linger.as_mut() else {
            return Poll::Ready(());
        };
        let mut scratch = [0u8; 512];
        while linger.left > 0 {
            match io.poll_read(cx, &mut scratch) {
                Poll::Ready(Ok(0) | Err(_)) => {
                    self.read_eof = true;
                    return Poll::Ready(());
                }
                Poll::Ready(Ok(n)) => linger.left = linger.left.saturating_sub(n),
                Poll::Pending => break,
            }
        }
        let until = linger.until;
        let now = self.runtime.now();
        if linger.left == 0 || now >= until {
            return Poll::Ready(());
        }
        self.poll_timer(until, now, cx)
    }

    /// The engine: the next event of the connection (messages, pings, pongs,
    /// close frames and, last, `Closed`), doing all I/O on the way.
    ///
    /// `Ok(None)`-like end: `Ready(None)` after `Closed` was delivered.
    pub(crate) fn poll_event<T: Transport>(
        &mut self,
        io: &mut T,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Event, Error>>> {
        if self.finished {
            return Poll::Ready(None);
        }
        loop {
            self.poll_send_timeout(cx);
            let commands_left = self.poll_commands(cx);

            // 1. decoded events first: no I/O while the application has work.
            if let Some(ev) = self.peeked.take().or_else(|| self.conn.poll_event()) {
                if let Event::Closed(c) = ev {
                    self.closed_event = Some(Box::new(c));
                    continue;
                }
                if self.conn.transmit_len() >= self.flush_threshold {
                    if let Poll::Ready(Err(e)) = self.poll_write_out(io, cx) {
                        self.peeked = Some(ev);
                        self.fail_io(&e);
                        return Poll::Ready(Some(Err(Error::Io(e))));
                    }
                }
                return Poll::Ready(Some(Ok(ev)));
            }

            // 2. an expired deadline (checked before polling the timer).
            let now = self.runtime.now();
            let deadline = self
                .conn
                .poll_timeout()
                .filter(|d| self.last_timeout != Some(*d));
            if let Some(d) = deadline.filter(|d| *d <= now) {
                self.last_timeout = Some(d);
                self.conn.handle_timeout(now);
                continue;
            }

            // 3. the inbound side is dry: write what is queued.
            let written = match self.poll_write_out(io, cx) {
                Poll::Ready(Ok(())) => true,
                Poll::Ready(Err(e)) => {
                    self.fail_io(&e);
                    return Poll::Ready(Some(Err(Error::Io(e))));
                }
                Poll::Pending => false,
            };
            // Sender commands left in the channel for want of buffer space: take them
            // now that it is written (nothing else would wake this task for them).
            if written && commands_left {
                continue;
            }

            // A write may have drained a full buffer (`Event::Drained`).
            if self.conn.has_events() {
                continue;
            }

            // 4. shut the transport down when the core says so.
            let done_reading = self.read_eof && self.closed_event.is_some();
            if written
                && !self.transport_closed
                && !self.io_dead
                && (self.conn.should_close_transport() || done_reading)
            {
                match io.poll_close(cx) {
                    Poll::Ready(res) => {
                        if let Err(e) = res {
                            tracing::debug!(error = %e, "closing the transport failed");
                        }
                        self.transport_closed = true;
                        if self.conn.role() == Role::Server && !self.read_eof {
                            self.linger = Some(Box::new(Linger {
                                until: now + LINGER,
                                left: LINGER_BYTES,
                            }));
                        }
                        if !self.conn.is_closed() && !self.read_eof {
                            self.read_eof = true;
                            self.conn.feed_eof(now);
                        }
                        continue;
                    }
                    Poll::Pending => return Poll::Pending,
                }
            }
            if self.transport_closed && self.linger.is_some() && !self.io_dead {
                match self.poll_linger(io, cx) {
                    Poll::Ready(()) => self.linger = None,
                    Poll::Pending => return Poll::Pending,
                }
            }
            if self.transport_closed || self.io_dead {
                if let Some(c) = self.closed_event.take() {
                    self.finished = true;
                    let event = Event::Closed(Closed::clone(&c));
                    self.closed = Some(c);
                    return Poll::Ready(Some(Ok(event)));
                }
            }

            // 5. read (unless backpressure says stop; after `Closed` keep
            //    reading until the peer drops the connection).
            if !self.read_eof
                && !self.transport_closed
                && (self.conn.wants_read() || self.closed_event.is_some())
            {
                let (polled, uninit) = match io.read_uninit() {
                    Some(reader) => {
                        let buf = self.conn.read_buf_uninit();
                        (reader.poll_read_uninit(cx, buf), true)
                    }
                    None => (io.poll_read(cx, self.conn.read_buf()), false),
                };
                match polled {
                    Poll::Ready(Ok(0)) => {
                        self.read_eof = true;
                        self.conn.feed_eof(self.runtime.now());
                        continue;
                    }
                    Poll::Ready(Ok(n)) if uninit => {
                        let now = self.runtime.now();
                        // SAFETY: `ReadUninit`'s contract: `Ok(n)` means the
                        // first `n` bytes of the space `read_buf_uninit` just
                        // returned were written; nothing came in between.
                        #[allow(unsafe_code)]
                        unsafe {
                            self.conn.commit_read_uninit(now, n);
                        }
                        continue;
                    }
                    Poll::Ready(Ok(n)) => {
                        self.conn.commit_read(self.runtime.now(), n);
                        continue;
                    }
                    Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Poll::Ready(Err(e)) => {
                        self.fail_io(&e);
                        return Poll::Ready(Some(Err(Error::Io(e))));
                    }
                    // Nothing more to read: an idle connection frees its
                    // (small) buffers until the next read.
                    Poll::Pending => self.conn.read_drained(),
                }
            }

            // 6. wait for the deadline; without one, free the timer (an idle
            //    connection holds none).
            if self.conn.poll_timeout().is_none() && self.linger.is_none() {
                self.timer.clear();
            }
            if let Some(d) = deadline {
                if self.poll_timer(d, now, cx).is_ready() {
                    self.last_timeout = Some(d);
                    let now = self.runtime.now().max(d);
                    self.conn.handle_timeout(now);
                    continue;
                }
            }
            return Poll::Pending;
        }
    }
}
