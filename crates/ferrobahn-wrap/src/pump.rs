//! [`pump`]: bytes both ways between a WebSocket and a byte stream.

use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use bytes::Bytes;
use ferrobahn_rt::{timeout_at, Runtime, Transport, WebSocket};
use ferrobahn_websocket::{CloseCode, Message, MessageKind, State};
use futures_sink::Sink;

use crate::config::{Framing, WrapConfig};
use crate::error::WrapError;

/// Which side ended a [`pump`] that finished without error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ended {
    /// The WebSocket peer closed; the stream's write side was shut down.
    WebSocket,
    /// The stream reached its end; the WebSocket was closed with 1000.
    Stream,
}

/// Bytes moved by a [`pump`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PumpStats {
    /// Stream bytes sent over the WebSocket.
    pub to_websocket: u64,
    /// WebSocket payload bytes written to the stream (after base64 decoding).
    pub to_stream: u64,
}

/// Rounds of one poll before the pump yields to other tasks.
const ROUNDS_PER_POLL: usize = 32;

/// How long shutting the stream down may take.
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(5);

/// Where the pump stands; polled as one future so both directions share a
/// task and the idle timer.
struct Pump<'a, W, S> {
    ws: &'a mut WebSocket<W>,
    stream: &'a mut S,
    framing: Framing,
    buf: Vec<u8>,
    /// WebSocket payload not yet written to the stream, and how much of it was.
    pending: Option<(Bytes, usize)>,
    stream_needs_flush: bool,
    stats: PumpStats,
}

impl<W: Transport, S: Transport> Pump<'_, W, S> {
    /// Rounds over both directions until nothing moves (at most
    /// [`ROUNDS_PER_POLL`]); `Some` once a side has ended.
    fn step(&mut self, cx: &mut Context<'_>) -> Result<Option<Ended>, WrapError> {
        for _ in 0..ROUNDS_PER_POLL {
            let mut moved = false;
            // WebSocket -> stream.
            if let Some((data, done)) = &mut self.pending {
                match self.stream.poll_write(cx, &data[*done..]) {
                    Poll::Ready(Ok(0)) => {
                        return Err(WrapError::Upstream(io::ErrorKind::WriteZero.into()))
                    }
                    Poll::Ready(Ok(n)) => {
                        *done += n;
                        self.stats.to_stream += n as u64;
                        moved = true;
                        if *done == data.len() {
                            self.pending = None;
                            self.stream_needs_flush = true;
                        }
                    }
                    Poll::Ready(Err(e)) => return Err(WrapError::Upstream(e)),
                    Poll::Pending => {}
                }
            }
            if self.pending.is_none() {
                if self.stream_needs_flush {
                    if let Poll::Ready(res) = self.stream.poll_flush(cx) {
                        res.map_err(WrapError::Upstream)?;
                        self.stream_needs_flush = false;
                    }
                }
                match self.ws.poll_recv(cx) {
                    Poll::Ready(Some(Ok(msg))) => {
                        let data = decode(self.framing, msg)?;
                        if !data.is_empty() {
                            self.pending = Some((data, 0));
                        }
                        moved = true;
                    }
                    Poll::Ready(Some(Err(e))) => return Err(WrapError::WebSocket(e)),
                    Poll::Ready(None) => return Ok(Some(Ended::WebSocket)),
                    Poll::Pending => {}
                }
            }
            // Stream -> WebSocket, while the WebSocket takes more.
            let mut ws = Pin::new(&mut *self.ws);
            if let Poll::Ready(ready) = ws.as_mut().poll_ready(cx) {
                ready?;
                match self.stream.poll_read(cx, &mut self.buf) {
                    Poll::Ready(Ok(0)) => return Ok(Some(Ended::Stream)),
                    Poll::Ready(Ok(n)) => {
                        let msg = encode(self.framing, &self.buf[..n]);
                        ws.as_mut().start_send(msg)?;
                        self.stats.to_websocket += n as u64;
                        moved = true;
                    }
                    Poll::Ready(Err(e)) => return Err(WrapError::Upstream(e)),
                    Poll::Pending => {}
                }
            }
            if let Poll::Ready(Err(e)) = ws.poll_flush(cx) {
                return Err(WrapError::WebSocket(e));
            }
            if !moved {
                return Ok(None);
            }
        }
        // Both sides keep having data: let other tasks run, then go on.
        cx.waker().wake_by_ref();
        Ok(None)
    }
}

fn encode(framing: Framing, data: &[u8]) -> Message {
    match framing {
        Framing::Binary => Message::binary(Bytes::copy_from_slice(data)),
        Framing::Base64 => Message::text(STANDARD.encode(data)),
    }
}

fn decode(framing: Framing, msg: Message) -> Result<Bytes, WrapError> {
    match (framing, msg.kind) {
        (Framing::Base64, MessageKind::Text) => STANDARD
            .decode(&msg.data)
            .map(Bytes::from)
            .map_err(|_| WrapError::BadBase64),
        // Binary framing takes text payloads as bytes too (lenient, as
        // websockify is); a base64 peer's binary message is raw bytes.
        _ => Ok(msg.data),
    }
}

/// Moves bytes both ways between `ws` and `stream` until one side ends,
/// then ends the other cleanly:
///
/// - the WebSocket peer closed: what it sent is written to the stream, whose
///   write side is then shut down;
/// - the stream ended: the WebSocket is closed with 1000 (`upstream closed`);
/// - the stream failed or nothing moved for [`WrapConfig::idle_timeout`]: the
///   WebSocket is closed with 1011 and a reason naming the failure;
/// - a `base64` peer sent text that is not base64: closed with 1007.
///
/// Backpressure both ways: the stream is not read while the WebSocket has
/// more than its flush threshold queued, and the WebSocket is not read while
/// a message waits to be written to the stream.
///
/// # Errors
/// [`WrapError::Upstream`], [`WrapError::Idle`], [`WrapError::BadBase64`],
/// [`WrapError::WebSocket`] (after the close above was attempted).
pub async fn pump<W: Transport, S: Transport>(
    runtime: Arc<dyn Runtime>,
    ws: &mut WebSocket<W>,
    stream: &mut S,
    framing: Framing,
    config: &WrapConfig,
) -> Result<(Ended, PumpStats), WrapError> {
    let mut pump = Pump {
        ws,
        stream,
        framing,
        buf: vec![0; config.chunk_size.max(1)],
        pending: None,
        stream_needs_flush: false,
        stats: PumpStats::default(),
    };
    let mut deadline = runtime.now() + config.idle_timeout;
    let mut timer = runtime.new_timer(deadline);
    let outcome = poll_fn(|cx| {
        let before = pump.stats;
        match pump.step(cx) {
            Ok(Some(ended)) => return Poll::Ready(Ok(ended)),
            Err(e) => return Poll::Ready(Err(e)),
            Ok(None) => {}
        }
        let now = runtime.now();
        if pump.stats != before {
            deadline = now + config.idle_timeout;
            timer.as_mut().reset(deadline);
        }
        if now >= deadline {
            return Poll::Ready(Err(WrapError::Idle));
        }
        timer.as_mut().poll(cx).map(|()| Err(WrapError::Idle))
    })
    .await;
    let stats = pump.stats;
    let Pump { ws, stream, .. } = pump;
    match outcome {
        Ok(Ended::WebSocket) => {
            shut_down(&*runtime, stream).await;
            Ok((Ended::WebSocket, stats))
        }
        Ok(Ended::Stream) => {
            close_ws(ws, CloseCode::NORMAL, "upstream closed").await;
            Ok((Ended::Stream, stats))
        }
        Err(e) => {
            tracing::debug!(error = %e, "wrapped connection failed");
            let code = match e {
                WrapError::BadBase64 => CloseCode::INVALID_PAYLOAD,
                _ => CloseCode::INTERNAL_ERROR,
            };
            if !matches!(e, WrapError::WebSocket(_)) {
                close_ws(ws, code, &e.to_string()).await;
            }
            shut_down(&*runtime, stream).await;
            Err(e)
        }
    }
}

/// Closes `ws` (bounded by its close timeout) with a reason cut to fit a
/// close frame.
pub(crate) async fn close_ws<W: Transport>(ws: &mut WebSocket<W>, code: CloseCode, reason: &str) {
    if ws.state() != State::Open {
        return;
    }
    let mut end = reason.len().min(123);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    if let Err(e) = ws.close(code, &reason[..end]).await {
        tracing::debug!(error = %e, "closing the WebSocket failed");
    }
}

/// Flushes and shuts down the stream's write side within
/// [`SHUTDOWN_TIMEOUT`] (errors only logged: the pair is over either way).
pub(crate) async fn shut_down<S: Transport>(runtime: &dyn Runtime, stream: &mut S) {
    let deadline = runtime.now() + SHUTDOWN_TIMEOUT;
    match timeout_at(runtime, deadline, poll_fn(|cx| stream.poll_close(cx))).await {
        Some(Ok(())) => {}
        Some(Err(e)) => tracing::debug!(error = %e, "shutting the stream down failed"),
        None => tracing::debug!("shutting the stream down timed out"),
    }
}
