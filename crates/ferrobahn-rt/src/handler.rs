//! The handler API (AutobahnPython's `onConnect / onOpen / onMessage / onClose`
//! shape), runtime-agnostic.

use std::future::{poll_fn, Future};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use ferrobahn_handshake::{Accept, Request};
use ferrobahn_websocket::{CloseCode, Event, Message, MessageKind, State};

use crate::core::Core;
use crate::error::Error;
use crate::peer::PeerAddr;
use crate::runtime::Runtime;
use crate::sender::Sender;
use crate::transport::Transport;
use crate::websocket::WebSocket;

/// A refusal of an opening handshake: the HTTP error response to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deny {
    /// The HTTP status (e.g. 403).
    pub status: u16,
    /// The reason, sent as the response body.
    pub reason: String,
    /// Extra response headers.
    pub headers: Vec<(String, String)>,
}

impl Deny {
    /// A refusal with `status` and `reason` and no extra headers.
    pub fn new(status: u16, reason: impl Into<String>) -> Self {
        Self {
            status,
            reason: reason.into(),
            headers: Vec::new(),
        }
    }
}

/// Application code for one WebSocket connection; the same type runs on
/// every runtime, as server or client.
///
/// All callbacks run inside the connection's task: messages sent through
/// [`Ctx`] go straight into the protocol core and are written in batches.
pub trait Handler: Send + 'static {
    /// The opening request arrived (server only): accept it, optionally with
    /// a subprotocol and extra headers, or deny it with an HTTP status.
    ///
    /// # Errors
    /// [`Deny`] refuses the connection.
    fn on_connect(&mut self, request: &Request) -> Result<Accept, Deny> {
        let _ = request;
        Ok(Accept::default())
    }

    /// The connection is open.
    fn on_open(&mut self, ctx: &mut Ctx<'_>) {
        let _ = ctx;
    }

    /// A complete message arrived (text payloads are valid UTF-8).
    fn on_message(&mut self, ctx: &mut Ctx<'_>, payload: Bytes, is_binary: bool);

    /// A ping arrived (the pong was already queued).
    fn on_ping(&mut self, ctx: &mut Ctx<'_>, payload: Bytes) {
        let _ = (ctx, payload);
    }

    /// A pong arrived ([`Ctx::ping_rtt`] has the round trip it measured,
    /// when it answered our last ping).
    fn on_pong(&mut self, ctx: &mut Ctx<'_>, payload: Bytes) {
        let _ = (ctx, payload);
    }

    /// Streaming mode ([`Ctx::set_streaming`]): a message starts
    /// (`onMessageBegin`). `on_message` is not called for it.
    fn on_message_begin(&mut self, ctx: &mut Ctx<'_>, is_binary: bool) {
        let _ = (ctx, is_binary);
    }

    /// Streaming mode: a frame of `len` bytes on the wire starts
    /// (`onMessageFrameBegin`).
    fn on_message_frame_begin(&mut self, ctx: &mut Ctx<'_>, len: u64) {
        let _ = (ctx, len);
    }

    /// Streaming mode: payload of the current frame, as it arrives
    /// (`onMessageFrameData`; decompressed if the message was compressed).
    fn on_message_frame_data(&mut self, ctx: &mut Ctx<'_>, data: Bytes) {
        let _ = (ctx, data);
    }

    /// Streaming mode: the current frame is complete (`onMessageFrameEnd`).
    fn on_message_frame_end(&mut self, ctx: &mut Ctx<'_>) {
        let _ = ctx;
    }

    /// Streaming mode: the message is complete (`onMessageEnd`).
    fn on_message_end(&mut self, ctx: &mut Ctx<'_>) {
        let _ = ctx;
    }

    /// The outgoing buffer, which refused a send with [`Error::Full`], has
    /// drained: a producer may resume (Twisted's `resumeProducing`).
    fn on_drain(&mut self, ctx: &mut Ctx<'_>) {
        let _ = ctx;
    }

    /// Feeds messages from elsewhere (a queue other tasks fill) into the
    /// connection without a task of its own: the driver calls it each time
    /// it runs, before it writes and waits, so what it queues goes out in the
    /// same write as the answers to what was just read. It is the `select!`
    /// on a channel and the socket, done inside the connection's task.
    ///
    /// Take items while [`Ctx::wants_flush`] is false, registering
    /// `cx.waker()` with the source when it is empty (its producer wakes it).
    /// Return `true` when it stopped early because [`Ctx::wants_flush`] said
    /// so with items left: the driver calls it again once it has written
    /// (nothing else would wake the task for them). Items left in the source
    /// are where backpressure shows: a slow peer's queue grows there, not in
    /// the connection's buffer.
    ///
    /// The default takes nothing.
    ///
    /// ```
    /// use std::collections::VecDeque;
    /// use std::sync::{Arc, Mutex};
    /// use std::task::{Context, Waker};
    /// use bytes::Bytes;
    /// use ferrobahn_rt::{Ctx, Handler};
    ///
    /// /// A queue other tasks push text into (and wake the connection).
    /// #[derive(Default)]
    /// struct Feed {
    ///     items: VecDeque<String>,
    ///     waker: Option<Waker>,
    /// }
    ///
    /// struct Fed(Arc<Mutex<Feed>>);
    ///
    /// impl Handler for Fed {
    ///     fn on_message(&mut self, _: &mut Ctx<'_>, _: Bytes, _: bool) {}
    ///
    ///     fn poll_outgoing(&mut self, ctx: &mut Ctx<'_>, cx: &mut Context<'_>) -> bool {
    ///         let mut feed = self.0.lock().unwrap();
    ///         while !ctx.wants_flush() {
    ///             let Some(text) = feed.items.pop_front() else {
    ///                 feed.waker = Some(cx.waker().clone());
    ///                 return false;
    ///             };
    ///             let _ = ctx.send_text(&text);
    ///         }
    ///         !feed.items.is_empty()
    ///     }
    /// }
    ///
    /// /// What a producer does.
    /// fn push(feed: &Mutex<Feed>, text: String) {
    ///     let mut f = feed.lock().unwrap();
    ///     f.items.push_back(text);
    ///     if let Some(w) = f.waker.take() {
    ///         w.wake();
    ///     }
    /// }
    /// # push(&Mutex::new(Feed::default()), "hi".into());
    /// ```
    fn poll_outgoing(&mut self, ctx: &mut Ctx<'_>, cx: &mut Context<'_>) -> bool {
        let _ = (ctx, cx);
        false
    }

    /// The connection is closed (the transport is shut down). `code` is
    /// `None` when the close frame carried no code.
    fn on_close(&mut self, was_clean: bool, code: Option<CloseCode>, reason: &str) {
        let _ = (was_clean, code, reason);
    }
}

/// What a [`Handler`] callback can do with its connection.
#[derive(Debug)]
pub struct Ctx<'a> {
    core: &'a mut Core,
    /// The clock as read by the first message sent in this callback: one that sends many
    /// messages (a connection fed from a queue) reads it once.
    now: Option<std::time::Instant>,
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(core: &'a mut Core) -> Self {
        Self { core, now: None }
    }

    /// The time for queueing messages, read once per callback.
    fn send_now(&mut self) -> std::time::Instant {
        *self.now.get_or_insert_with(|| self.core.now())
    }

    /// Sends a text message.
    ///
    /// # Errors
    /// [`Error::Closed`]/[`Error::Usage`] once the closing handshake started;
    /// [`Error::Full`] while the outgoing buffer is full (under the default
    /// `SlowReader::Wait` policy; resume in [`Handler::on_drain`]).
    pub fn send_text(&mut self, text: &str) -> Result<(), Error> {
        let now = self.send_now();
        self.core
            .conn
            .send_text(now, text)
            .map_err(|e| self.core.send_error(e))
    }

    /// Sends a binary message (copied into the outgoing buffer; to send a
    /// `Bytes` you hold, such as a received payload, without a copy, use
    /// [`Ctx::send_message`]).
    ///
    /// # Errors
    /// As [`Ctx::send_text`].
    pub fn send_binary(&mut self, data: &[u8]) -> Result<(), Error> {
        let now = self.send_now();
        self.core
            .conn
            .send_binary(now, data)
            .map_err(|e| self.core.send_error(e))
    }

    /// Sends `msg`. A large payload (8 KiB or more) that goes out as it is
    /// (a server's frames, no compression) is queued without a copy and
    /// written with vectored writes.
    ///
    /// # Errors
    /// As [`Ctx::send_text`].
    pub fn send_message(&mut self, msg: Message) -> Result<(), Error> {
        let now = self.send_now();
        self.core
            .conn
            .send(now, &msg)
            .map_err(|e| self.core.send_error(e))
    }

    /// Sends `msg` using `frame`, its pre-built
    /// [`Message::encode_frame`] shared by many connections (a fanned-out
    /// message framed once), when this connection would send exactly those
    /// bytes; otherwise frames `msg` as [`Ctx::send_message`] does.
    ///
    /// # Errors
    /// As [`Ctx::send_text`].
    pub fn send_framed(&mut self, msg: &Message, frame: &Bytes) -> Result<(), Error> {
        let now = self.send_now();
        self.core
            .conn
            .send_framed(now, msg, frame)
            .map(drop)
            .map_err(|e| self.core.send_error(e))
    }

    /// Sends the message of `shared`, framed once for many connections, queueing its
    /// frame by reference when this connection would send exactly those bytes
    /// (as [`Ctx::send_framed`], without handing over a separate payload).
    ///
    /// # Errors
    /// As [`Ctx::send_text`].
    pub fn send_shared(&mut self, shared: &ferrobahn_websocket::SharedFrame) -> Result<(), Error> {
        let now = self.send_now();
        self.core
            .conn
            .send_shared(now, shared)
            .map(drop)
            .map_err(|e| self.core.send_error(e))
    }

    /// Starts a message sent frame by frame or as chunks of unknown total
    /// size (`beginMessage`); see `Connection::begin_message`.
    ///
    /// # Errors
    /// As [`Ctx::send_text`]; [`Error::Usage`] while another message is in
    /// progress.
    pub fn begin_message(&mut self, is_binary: bool) -> Result<(), Error> {
        let kind = if is_binary {
            MessageKind::Binary
        } else {
            MessageKind::Text
        };
        self.op(|c, now| c.begin_message(now, kind))
    }

    /// Sends one frame (a chunk, when `fin` is false) of the message in
    /// progress (`sendMessageFrame`); `fin` ends the message.
    ///
    /// # Errors
    /// As [`Ctx::begin_message`].
    pub fn send_message_frame(&mut self, data: &[u8], fin: bool) -> Result<(), Error> {
        self.op(|c, now| c.send_message_frame(now, data, fin))
    }

    /// Starts a frame of `len` bytes (`beginMessageFrame`).
    ///
    /// # Errors
    /// As [`Ctx::begin_message`].
    pub fn begin_message_frame(&mut self, len: u64) -> Result<(), Error> {
        self.op(|c, now| c.begin_message_frame(now, len))
    }

    /// Writes payload of the frame begun with [`Ctx::begin_message_frame`]
    /// (`sendMessageFrameData`).
    ///
    /// # Errors
    /// As [`Ctx::begin_message`].
    pub fn send_message_frame_data(&mut self, data: &[u8]) -> Result<(), Error> {
        self.op(|c, now| c.send_message_frame_data(now, data))
    }

    /// Ends the message in progress (`endMessage`).
    ///
    /// # Errors
    /// As [`Ctx::begin_message`].
    pub fn end_message(&mut self) -> Result<(), Error> {
        self.op(|c, now| c.end_message(now))
    }

    /// Delivers received messages piece by piece through the `on_message_*`
    /// callbacks (true) or whole through `on_message` (false), from the next
    /// message on.
    pub fn set_streaming(&mut self, on: bool) {
        self.core.conn.set_streaming(on);
    }

    /// True while sends would get [`Error::Full`] (wait for `on_drain`).
    pub fn is_outgoing_full(&self) -> bool {
        self.core.conn.is_outgoing_full()
    }

    /// True while the queued bytes reach the flush threshold (see
    /// [`WebSocket::set_flush_threshold`]): the driver writes before it
    /// takes more, so a [`Handler::poll_outgoing`] feeding the connection
    /// should stop and leave the rest in its source.
    pub fn wants_flush(&self) -> bool {
        self.core.wants_flush()
    }

    /// Sets how many queued bytes make the driver write without waiting for
    /// the inbound side to run dry (default 64 KiB; 0 writes after every
    /// message), as [`WebSocket::set_flush_threshold`]. A server that fans
    /// out large messages writes fewer, larger batches with a higher one.
    pub fn set_flush_threshold(&mut self, bytes: usize) {
        self.core.flush_threshold = bytes;
    }

    /// The round-trip time measured by the last ping (ours or automatic)
    /// whose pong came back.
    pub fn ping_rtt(&self) -> Option<Duration> {
        self.core.conn.ping_rtt()
    }

    fn op(
        &mut self,
        f: impl FnOnce(
            &mut ferrobahn_websocket::Connection,
            std::time::Instant,
        ) -> Result<(), ferrobahn_websocket::SendError>,
    ) -> Result<(), Error> {
        let now = self.core.now();
        f(&mut self.core.conn, now).map_err(|e| self.core.send_error(e))
    }

    /// Sends a ping.
    ///
    /// # Errors
    /// As [`Ctx::send_text`]; [`Error::Usage`] for a payload over 125 bytes.
    pub fn ping(&mut self, payload: &[u8]) -> Result<(), Error> {
        let now = self.core.now();
        self.core
            .conn
            .ping(now, payload)
            .map_err(|e| self.core.send_error(e))
    }

    /// Starts the closing handshake (a no-op when it already started).
    ///
    /// # Errors
    /// [`Error::Usage`] for a code that may not be sent.
    pub fn close(&mut self, code: impl Into<Option<CloseCode>>, reason: &str) -> Result<(), Error> {
        self.core.queue_close(code.into(), reason)
    }

    /// The peer's TCP address, when known (`None` on a Unix socket; see
    /// [`Ctx::peer`]).
    pub fn peer_addr(&self) -> Option<SocketAddr> {
        self.core.peer.as_ref().and_then(PeerAddr::socket_addr)
    }

    /// The peer's address as its listener saw it (TCP or Unix), when known.
    pub fn peer(&self) -> Option<&PeerAddr> {
        self.core.peer.as_ref()
    }

    /// The client's IP address: what the trusted proxies reported in
    /// `X-Forwarded-For` (see
    /// [`ServerConfig::trust_x_forwarded_for`](crate::ServerConfig::trust_x_forwarded_for)),
    /// else the TCP peer's.
    pub fn client_ip(&self) -> Option<IpAddr> {
        self.core.client_ip()
    }

    /// The transport's TLS exporter value (RFC 9266 `tls-exporter` channel
    /// binding, see [`Transport::tls_exporter`](crate::Transport::tls_exporter)),
    /// read once when the connection was opened; `None` without TLS.
    pub fn tls_exporter(&self) -> Option<[u8; 32]> {
        self.core.tls_exporter.as_deref().copied()
    }

    /// The negotiated subprotocol, if any.
    pub fn protocol(&self) -> Option<&str> {
        self.core.protocol.as_deref()
    }

    /// The protocol state.
    pub fn state(&self) -> State {
        self.core.conn.state()
    }

    /// A handle to send on this connection from other tasks.
    pub fn sender(&mut self) -> Sender {
        self.core.sender()
    }

    /// The runtime the connection runs on (to spawn tasks or make timers
    /// without naming a runtime).
    pub fn runtime(&self) -> &Arc<dyn Runtime> {
        &self.core.runtime
    }

    /// Spawns `fut` on the connection's runtime, e.g. a task feeding a
    /// [`Ctx::sender`].
    pub fn spawn(&self, fut: impl Future<Output = ()> + Send + 'static) {
        self.core.runtime.spawn(Box::pin(fut));
    }
}

/// Rounds of [`Handler::poll_outgoing`] and writing in one poll of the driver
/// before it yields to other tasks.
const FEED_ROUNDS: usize = 64;

/// Events handled in a row before the driver lets other tasks run.
const EVENT_BUDGET: usize = 32;

/// Drives `handler` over an open connection until it is closed; `on_open`
/// first, `on_close` last (exactly once).
///
/// Each time it runs it first calls [`Handler::poll_outgoing`]; after
/// 32 events in a row it yields once to other tasks.
pub async fn run_handler<T: Transport, H: Handler>(mut ws: WebSocket<T>, mut handler: H) {
    let exporter = ws.get_ref().tls_exporter();
    ws.core_mut().tls_exporter = exporter.map(Box::new);
    handler.on_open(&mut Ctx::new(ws.core_mut()));
    // Events handled since the task last waited: past EVENT_BUDGET it yields once, so
    // the tasks its messages woke (other connections fed through `poll_outgoing`) write
    // while it reads on, instead of after it.
    let mut run = 0usize;
    loop {
        if run >= EVENT_BUDGET {
            run = 0;
            let mut yielded = false;
            poll_fn(|cx| {
                if std::mem::replace(&mut yielded, true) {
                    return Poll::Ready(());
                }
                cx.waker().wake_by_ref();
                Poll::Pending
            })
            .await;
        }
        let ev = poll_fn(|cx| {
            for _ in 0..FEED_ROUNDS {
                let more = handler.poll_outgoing(&mut Ctx::new(ws.core_mut()), cx);
                match ws.poll_event(cx) {
                    // Written out with room again: the handler's source has more.
                    Poll::Pending if more && !ws.core_mut().wants_flush() => {}
                    Poll::Pending => {
                        run = 0;
                        return Poll::Pending;
                    }
                    ready => return ready,
                }
            }
            // Let other tasks run; come back at once.
            cx.waker().wake_by_ref();
            run = 0;
            Poll::Pending
        })
        .await;
        run += 1;
        let mut ctx = Ctx::new(ws.core_mut());
        match ev {
            Some(Ok(Event::Message(m))) => {
                handler.on_message(&mut ctx, m.data, m.kind == MessageKind::Binary);
            }
            Some(Ok(Event::Ping(p))) => handler.on_ping(&mut ctx, p),
            Some(Ok(Event::Pong(p))) => handler.on_pong(&mut ctx, p),
            Some(Ok(Event::MessageBegin(kind))) => {
                handler.on_message_begin(&mut ctx, kind == MessageKind::Binary);
            }
            Some(Ok(Event::FrameBegin { len, .. })) => {
                handler.on_message_frame_begin(&mut ctx, len)
            }
            Some(Ok(Event::FrameData(d))) => handler.on_message_frame_data(&mut ctx, d),
            Some(Ok(Event::FrameEnd)) => handler.on_message_frame_end(&mut ctx),
            Some(Ok(Event::MessageEnd)) => handler.on_message_end(&mut ctx),
            Some(Ok(Event::Drained)) => handler.on_drain(&mut ctx),
            Some(Ok(Event::Closed(c))) => {
                let code = (c.code != CloseCode::NO_STATUS).then_some(c.code);
                handler.on_close(c.was_clean, code, &c.reason);
                return;
            }
            Some(Ok(_)) => {}
            Some(Err(e)) => tracing::debug!(error = %e, "connection error"),
            None => {
                handler.on_close(false, Some(CloseCode::ABNORMAL), "");
                return;
            }
        }
    }
}

/// [`run_handler`] under the name the client side uses.
pub use run_handler as run_client_handler;
