//! [`WebSocket`]: a connection over any [`Transport`], as async methods,
//! a [`Stream`] and a [`Sink`].

use std::future::poll_fn;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use std::time::{Duration, Instant};

use bytes::Bytes;
use ferrobahn_websocket::{
    CloseCode, Closed, Connection, Event, Message, MessageKind, SendError, State,
};
use futures_core::Stream;
use futures_sink::Sink;

use crate::core::Core;
use crate::error::Error;
use crate::peer::PeerAddr;
use crate::runtime::Runtime;
use crate::sender::{Sender, TrySendError};
use crate::split::{ReadHalf, WriteHalf};
use crate::transport::Transport;

/// An open WebSocket connection over the transport `T`.
///
/// Pings are answered, close frames echoed and timeouts honoured
/// automatically while the connection is read (through [`WebSocket::recv`],
/// the [`Stream`] impl, or a handler).
///
/// # Batching
///
/// [`WebSocket::send`] queues the frame in the protocol core. The bytes are
/// written to the transport
/// - at once, when no received message is waiting to be delivered;
/// - otherwise when the reading side runs dry (just before it would wait for
///   the transport), so an echo loop answers a burst of messages with one
///   write system call;
/// - at once when more than the flush threshold (64 KiB by default, see
///   [`WebSocket::set_flush_threshold`]) is queued;
/// - on [`WebSocket::flush`] and [`WebSocket::close`].
///
/// [`Sink::poll_flush`] defers the same way while received messages are
/// waiting, so keep reading the connection (as any WebSocket must, to answer
/// pings and close frames) or call [`WebSocket::flush`].
///
/// # Backpressure
///
/// When more than `Config::max_outgoing_buffer` bytes are queued the driver
/// stops reading from the peer and only writes, and `Config::slow_reader`
/// decides what a send does: with `SlowReader::Wait` (the default) the async
/// sends here wait until the buffer has drained to half (at most
/// `Config::slow_reader_timeout`, then the peer is dropped),
/// [`WebSocket::try_send`] answers [`TrySendError::Full`], and an
/// [`Event::Drained`] tells when sending may resume; `SlowReader::Drop` drops
/// the message, `SlowReader::Close` drops the connection.
///
/// # Frames and streams
///
/// [`WebSocket::begin_message`], [`WebSocket::send_message_frame`],
/// [`WebSocket::begin_message_frame`], [`WebSocket::send_message_frame_data`]
/// and [`WebSocket::end_message`] send a message frame by frame or as chunks
/// of unknown total size. [`WebSocket::set_streaming`] (or
/// `Config::streaming`) delivers received messages piece by piece through
/// [`WebSocket::next_event`] (`Event::MessageBegin`, `FrameBegin`,
/// `FrameData`, `FrameEnd`, `MessageEnd`); [`WebSocket::recv`] then skips
/// them.
///
/// # Cancel safety
///
/// [`WebSocket::recv`] is cancel safe: no message is lost when its future is
/// dropped. [`WebSocket::send`] has queued the message once it is first
/// polled; dropping it later only delays the write.
#[derive(Debug)]
pub struct WebSocket<T> {
    io: T,
    /// Boxed: keeps the futures that hold a `WebSocket` small (a connection's
    /// state lives once on the heap instead of being copied between future
    /// states).
    core: Box<Core>,
}

impl<T: Transport> WebSocket<T> {
    /// Wraps an already-upgraded transport and its protocol core (for custom
    /// handshakes; [`crate::connect_transport`] and the server build this).
    pub fn from_parts(io: T, conn: Connection, runtime: Arc<dyn Runtime>) -> Self {
        Self {
            io,
            core: Box::new(Core::new(conn, runtime)),
        }
    }

    pub(crate) fn set_peer(&mut self, peer: Option<PeerAddr>, protocol: Option<String>) {
        self.core.peer = peer;
        self.core.protocol = protocol;
    }

    pub(crate) fn set_forwarded_for(&mut self, ip: Option<IpAddr>) {
        self.core.forwarded_for = ip;
    }

    pub(crate) fn core_mut(&mut self) -> &mut Core {
        &mut self.core
    }

    /// The protocol core and the runtime's time, for one send call.
    pub(crate) fn conn_now(&mut self) -> (&mut Connection, Instant) {
        let now = self.core.now();
        (&mut self.core.conn, now)
    }

    pub(crate) fn send_error(&self, e: SendError) -> Error {
        self.core.send_error(e)
    }

    pub(crate) fn poll_drained(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.core.poll_drained(&mut self.io, cx)
    }

    pub(crate) fn poll_flush_all(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.core.poll_flush(&mut self.io, cx)
    }

    /// Ready when a message may be queued: the buffer is not full, and
    /// below the flush threshold (writing it out otherwise).
    pub(crate) fn poll_room(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        if self.core.conn.is_outgoing_full() {
            ready!(self.core.poll_drained(&mut self.io, cx))?;
        }
        if self.core.conn.transmit_len() >= self.core.flush_threshold {
            return self.core.poll_flush(&mut self.io, cx);
        }
        Poll::Ready(Ok(()))
    }

    /// The next event (message, ping, pong, close frame, and last `Closed`),
    /// doing all I/O on the way; `None` after `Closed`.
    pub fn poll_event(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Event, Error>>> {
        self.core.poll_event(&mut self.io, cx)
    }

    /// The next message; see [`WebSocket::recv`].
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Message, Error>>> {
        loop {
            match ready!(self.poll_event(cx)) {
                None => return Poll::Ready(None),
                Some(Err(e)) => return Poll::Ready(Some(Err(e))),
                Some(Ok(Event::Message(m))) => return Poll::Ready(Some(Ok(m))),
                Some(Ok(Event::Closed(c))) => {
                    if let Some(e) = c.error {
                        return Poll::Ready(Some(Err(Error::Protocol(e))));
                    }
                }
                Some(Ok(_)) => {}
            }
        }
    }

    /// The next message, or `None` once the connection is closed.
    ///
    /// A protocol violation by the peer is reported once as
    /// [`Error::Protocol`] (the connection was failed with the matching close
    /// code), a transport failure as [`Error::Io`]; `None` follows.
    pub async fn recv(&mut self) -> Option<Result<Message, Error>> {
        poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// The next event of any kind (messages, pieces of streamed messages,
    /// pings, pongs, `Drained`, close frames, and last `Closed`), or `None`
    /// after `Closed`.
    pub async fn next_event(&mut self) -> Option<Result<Event, Error>> {
        poll_fn(|cx| self.poll_event(cx)).await
    }

    /// Runs a send on the core: waits while the outgoing buffer is full,
    /// then writes unless batching defers it.
    async fn send_op(
        &mut self,
        mut op: impl FnMut(&mut Connection, Instant) -> Result<(), SendError>,
    ) -> Result<(), Error> {
        loop {
            let now = self.core.now();
            match op(&mut self.core.conn, now) {
                Ok(()) => break,
                Err(SendError::Full) => {
                    poll_fn(|cx| self.core.poll_drained(&mut self.io, cx)).await?;
                }
                Err(e) => return Err(self.core.send_error(e)),
            }
        }
        poll_fn(|cx| self.core.poll_flush_batched(&mut self.io, cx)).await
    }

    /// Queues `msg` and writes it unless batching defers the write (see
    /// "Batching" above); waits while the outgoing buffer is full (see
    /// "Backpressure").
    ///
    /// # Errors
    /// [`Error::Closed`]/[`Error::Usage`] after the closing handshake started,
    /// [`Error::Io`] when the transport fails.
    pub async fn send(&mut self, msg: Message) -> Result<(), Error> {
        self.send_op(|c, now| c.send(now, &msg)).await
    }

    /// Sends a text message.
    ///
    /// # Errors
    /// As [`WebSocket::send`].
    pub async fn send_text(&mut self, text: &str) -> Result<(), Error> {
        self.send_op(|c, now| c.send_text(now, text)).await
    }

    /// Sends a binary message.
    ///
    /// # Errors
    /// As [`WebSocket::send`].
    pub async fn send_binary(&mut self, data: &[u8]) -> Result<(), Error> {
        self.send_op(|c, now| c.send_binary(now, data)).await
    }

    /// Queues `msg` without waiting; it is written by the next call that
    /// does I/O (any send, [`WebSocket::flush`], or reading).
    ///
    /// # Errors
    /// [`TrySendError::Full`] while the outgoing buffer is full (wait for
    /// [`Event::Drained`]), [`TrySendError::Closed`] once the connection is
    /// closing.
    pub fn try_send(&mut self, msg: &Message) -> Result<(), TrySendError> {
        let now = self.core.now();
        self.core.conn.send(now, msg).map_err(|e| match e {
            SendError::Full => TrySendError::Full,
            _ => TrySendError::Closed,
        })
    }

    /// Starts a message sent frame by frame or in chunks (`beginMessage`);
    /// see `Connection::begin_message`.
    ///
    /// # Errors
    /// As [`WebSocket::send`]; [`Error::Usage`] while another message is in
    /// progress.
    pub async fn begin_message(&mut self, kind: MessageKind) -> Result<(), Error> {
        self.send_op(|c, now| c.begin_message(now, kind)).await
    }

    /// Sends one frame (or a chunk, `fin` false) of the message in progress
    /// (`sendMessageFrame`); `fin` ends the message.
    ///
    /// # Errors
    /// As [`WebSocket::begin_message`].
    pub async fn send_message_frame(&mut self, data: &[u8], fin: bool) -> Result<(), Error> {
        self.send_op(|c, now| c.send_message_frame(now, data, fin))
            .await
    }

    /// Starts a frame of `len` bytes of the message in progress
    /// (`beginMessageFrame`); write it with
    /// [`WebSocket::send_message_frame_data`].
    ///
    /// # Errors
    /// As [`WebSocket::begin_message`].
    pub async fn begin_message_frame(&mut self, len: u64) -> Result<(), Error> {
        self.send_op(|c, now| c.begin_message_frame(now, len)).await
    }

    /// Writes payload of the frame begun with
    /// [`WebSocket::begin_message_frame`] (`sendMessageFrameData`).
    ///
    /// # Errors
    /// As [`WebSocket::begin_message`].
    pub async fn send_message_frame_data(&mut self, data: &[u8]) -> Result<(), Error> {
        self.send_op(|c, now| c.send_message_frame_data(now, data))
            .await
    }

    /// Ends the message in progress with an empty final frame (`endMessage`).
    ///
    /// # Errors
    /// As [`WebSocket::begin_message`].
    pub async fn end_message(&mut self) -> Result<(), Error> {
        self.send_op(|c, now| c.end_message(now)).await
    }

    /// Delivers received messages piece by piece (true) or whole (false),
    /// from the next message on.
    pub fn set_streaming(&mut self, on: bool) {
        self.core.conn.set_streaming(on);
    }

    /// The round-trip time measured by the last ping whose pong came back
    /// (automatic pings included).
    pub fn ping_rtt(&self) -> Option<Duration> {
        self.core.conn.ping_rtt()
    }

    /// Splits the connection into a reading and a writing half that can be
    /// used from different tasks (each also does the other's I/O when
    /// needed, so pings are answered while the reader reads).
    pub fn split(self) -> (ReadHalf<T>, WriteHalf<T>) {
        crate::split::split(self)
    }

    /// Sends a ping (the pong arrives as an event; [`WebSocket::recv`] skips it).
    ///
    /// # Errors
    /// As [`WebSocket::send`]; [`Error::Usage`] for a payload over 125 bytes.
    pub async fn ping(&mut self, payload: &[u8]) -> Result<(), Error> {
        let now = self.core.now();
        self.core
            .conn
            .ping(now, payload)
            .map_err(|e| self.core.send_error(e))?;
        self.flush().await
    }

    /// Writes everything queued and flushes the transport.
    ///
    /// # Errors
    /// [`Error::Io`] when the transport fails.
    pub async fn flush(&mut self) -> Result<(), Error> {
        poll_fn(|cx| self.core.poll_flush(&mut self.io, cx)).await
    }

    /// Runs the closing handshake: sends a close frame, then reads (and
    /// drops) incoming messages until the peer's close frame arrives or the
    /// close timeout expires, and shuts the transport down.
    ///
    /// Returns how the connection ended.
    ///
    /// # Errors
    /// [`Error::Usage`] for an invalid close code, [`Error::Io`] when the
    /// transport fails.
    pub async fn close(
        &mut self,
        code: impl Into<Option<CloseCode>>,
        reason: &str,
    ) -> Result<Closed, Error> {
        let code = code.into();
        if self.core.conn.state() == State::Open {
            self.core.queue_close(code, reason)?;
        }
        let mut io_error = None;
        while let Some(ev) = poll_fn(|cx| self.poll_event(cx)).await {
            if let Err(Error::Io(e)) = ev {
                io_error = Some(e);
            }
        }
        match (self.core.closed.as_deref().cloned(), io_error) {
            (_, Some(e)) => Err(Error::Io(e)),
            (Some(c), None) => Ok(c),
            (None, None) => Err(Error::Usage(ferrobahn_websocket::SendError::Closed)),
        }
    }

    /// A handle to send from other tasks; its commands are applied while this
    /// connection is being read.
    pub fn sender(&mut self) -> Sender {
        self.core.sender()
    }

    /// How the connection ended, once it has.
    pub fn closed(&self) -> Option<&Closed> {
        self.core.closed.as_deref()
    }

    /// The protocol state of the connection.
    pub fn state(&self) -> State {
        self.core.conn.state()
    }

    /// The peer's TCP address, when known (`None` on a Unix socket; see
    /// [`WebSocket::peer`]).
    pub fn peer_addr(&self) -> Option<SocketAddr> {
        self.core.peer.as_ref().and_then(PeerAddr::socket_addr)
    }

    /// The peer's address as its listener saw it (TCP or Unix), when known.
    pub fn peer(&self) -> Option<&PeerAddr> {
        self.core.peer.as_ref()
    }

    /// The client's IP address: what the trusted proxies reported in
    /// `X-Forwarded-For` (see `ServerConfig::trust_x_forwarded_for`), else
    /// the TCP peer's.
    pub fn client_ip(&self) -> Option<IpAddr> {
        self.core.client_ip()
    }

    /// The negotiated subprotocol, if any.
    pub fn protocol(&self) -> Option<&str> {
        self.core.protocol.as_deref()
    }

    /// Sets how many queued bytes make the driver write without waiting
    /// (default 64 KiB; 0 writes after every message).
    pub fn set_flush_threshold(&mut self, bytes: usize) {
        self.core.flush_threshold = bytes;
    }

    /// The protocol core (for advanced use).
    pub fn connection(&self) -> &Connection {
        &self.core.conn
    }

    /// The transport.
    pub fn get_ref(&self) -> &T {
        &self.io
    }

    /// Sends a pong that was not asked for (unsolicited heartbeat).
    ///
    /// # Errors
    /// As [`WebSocket::ping`].
    pub async fn pong(&mut self, payload: Bytes) -> Result<(), Error> {
        let now = self.core.now();
        self.core
            .conn
            .pong(now, &payload)
            .map_err(|e| self.core.send_error(e))?;
        self.flush().await
    }
}

impl<T: Transport> Stream for WebSocket<T> {
    type Item = Result<Message, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_recv(cx)
    }
}

impl<T: Transport> Sink<Message> for WebSocket<T> {
    type Error = Error;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.get_mut().poll_room(cx)
    }

    fn start_send(self: Pin<&mut Self>, item: Message) -> Result<(), Error> {
        self.get_mut().core.queue(&item)
    }

    /// Writes what is queued, unless received messages wait for delivery
    /// (see "Batching" on [`WebSocket`]).
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let this = self.get_mut();
        this.core.poll_flush_batched(&mut this.io, cx)
    }

    /// Runs the closing handshake with code 1000 (incoming messages are dropped).
    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let this = self.get_mut();
        if this.core.conn.state() == State::Open {
            this.core.queue_close(Some(CloseCode::NORMAL), "")?;
        }
        loop {
            match ready!(this.poll_event(cx)) {
                None => return Poll::Ready(Ok(())),
                Some(Err(Error::Io(e))) => return Poll::Ready(Err(Error::Io(e))),
                Some(_) => {}
            }
        }
    }
}
