//! [`WebSocket::split`]: independent reading and writing halves.
//!
//! Both halves share the connection behind a mutex that is held only inside
//! one poll, never across an `.await`. Both may wait on the same transport
//! (the reader also writes pongs and batched replies, the writer also waits
//! for the core's timers while the buffer drains), and a transport keeps one
//! waker per direction; so every poll hands the transport a waker that wakes
//! *both* halves, and each half re-polls. A spurious wake costs one poll.

use std::future::poll_fn;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use ferrobahn_websocket::{CloseCode, Connection, Event, Message, MessageKind, SendError, State};
use futures_core::Stream;
use futures_sink::Sink;

use crate::error::Error;
use crate::sender::{Sender, TrySendError};
use crate::transport::Transport;
use crate::websocket::WebSocket;

/// The last waker of each half.
#[derive(Debug, Default)]
struct Wakers {
    reader: Mutex<Option<Waker>>,
    writer: Mutex<Option<Waker>>,
}

impl Wake for Wakers {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        for slot in [&self.reader, &self.writer] {
            if let Some(w) = slot.lock().unwrap_or_else(PoisonError::into_inner).as_ref() {
                w.wake_by_ref();
            }
        }
    }
}

#[derive(Debug)]
struct Shared<T> {
    ws: Mutex<WebSocket<T>>,
    wakers: Arc<Wakers>,
    /// A waker for both halves, made once.
    both: Waker,
}

impl<T: Transport> Shared<T> {
    fn lock(&self) -> MutexGuard<'_, WebSocket<T>> {
        self.ws.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` on the connection with a context that wakes both halves,
    /// after recording `cx`'s waker as `reader`'s or the writer's.
    fn poll_with<R>(
        &self,
        cx: &mut Context<'_>,
        reader: bool,
        f: impl FnOnce(&mut WebSocket<T>, &mut Context<'_>) -> R,
    ) -> R {
        let slot = if reader {
            &self.wakers.reader
        } else {
            &self.wakers.writer
        };
        {
            let mut slot = slot.lock().unwrap_or_else(PoisonError::into_inner);
            if !slot.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                *slot = Some(cx.waker().clone());
            }
        }
        let mut both = Context::from_waker(&self.both);
        f(&mut self.lock(), &mut both)
    }
}

pub(crate) fn split<T: Transport>(ws: WebSocket<T>) -> (ReadHalf<T>, WriteHalf<T>) {
    let wakers = Arc::new(Wakers::default());
    let shared = Arc::new(Shared {
        ws: Mutex::new(ws),
        both: Waker::from(wakers.clone()),
        wakers,
    });
    (
        ReadHalf {
            shared: shared.clone(),
        },
        WriteHalf { shared },
    )
}

/// The reading half of a [`WebSocket`] (see [`WebSocket::split`]): messages
/// and events. Keep reading it: pings are answered and the closing
/// handshake completes while it is read.
#[derive(Debug)]
pub struct ReadHalf<T> {
    shared: Arc<Shared<T>>,
}

impl<T: Transport> ReadHalf<T> {
    /// The next event; see [`WebSocket::poll_event`].
    pub fn poll_event(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Event, Error>>> {
        self.shared.poll_with(cx, true, |ws, cx| ws.poll_event(cx))
    }

    /// The next event of any kind; see [`WebSocket::next_event`].
    pub async fn next_event(&mut self) -> Option<Result<Event, Error>> {
        poll_fn(|cx| self.poll_event(cx)).await
    }

    /// The next message; see [`WebSocket::recv`].
    pub async fn recv(&mut self) -> Option<Result<Message, Error>> {
        poll_fn(|cx| self.shared.poll_with(cx, true, |ws, cx| ws.poll_recv(cx))).await
    }

    /// Delivers received messages piece by piece (see [`WebSocket::set_streaming`]).
    pub fn set_streaming(&mut self, on: bool) {
        self.shared.lock().set_streaming(on);
    }

    /// How the connection ended, once it has.
    pub fn closed(&self) -> Option<ferrobahn_websocket::Closed> {
        self.shared.lock().closed().cloned()
    }

    /// Puts the halves back together.
    ///
    /// # Errors
    /// Gives both back when `writer` belongs to another connection.
    pub fn reunite(self, writer: WriteHalf<T>) -> Result<WebSocket<T>, (Self, WriteHalf<T>)> {
        if !Arc::ptr_eq(&self.shared, &writer.shared) {
            return Err((self, writer));
        }
        drop(writer);
        match Arc::try_unwrap(self.shared) {
            Ok(shared) => Ok(shared
                .ws
                .into_inner()
                .unwrap_or_else(PoisonError::into_inner)),
            // Unreachable: the two halves were the only owners.
            Err(shared) => {
                let writer = WriteHalf {
                    shared: shared.clone(),
                };
                Err((Self { shared }, writer))
            }
        }
    }
}

impl<T: Transport> Stream for ReadHalf<T> {
    type Item = Result<Message, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.shared.poll_with(cx, true, |ws, cx| ws.poll_recv(cx))
    }
}

/// The writing half of a [`WebSocket`] (see [`WebSocket::split`]).
///
/// Sends wait while the outgoing buffer is full ("Backpressure" on
/// [`WebSocket`]) and are written at once: unlike [`WebSocket::send`] they
/// do not wait for the reading side to run dry, since the reader may not be
/// polled at the time. [`WriteHalf::close`] sends the close frame; the
/// [`ReadHalf`] sees the rest of the closing handshake.
#[derive(Debug)]
pub struct WriteHalf<T> {
    shared: Arc<Shared<T>>,
}

impl<T: Transport> WriteHalf<T> {
    async fn send_op(
        &mut self,
        mut op: impl FnMut(&mut Connection, Instant) -> Result<(), SendError>,
    ) -> Result<(), Error> {
        loop {
            let res = {
                let mut ws = self.shared.lock();
                let (conn, now) = ws.conn_now();
                match op(conn, now) {
                    Err(SendError::Full) => None,
                    Err(e) => return Err(ws.send_error(e)),
                    Ok(()) => Some(()),
                }
            };
            if res.is_some() {
                break;
            }
            poll_fn(|cx| {
                self.shared
                    .poll_with(cx, false, |ws, cx| ws.poll_drained(cx))
            })
            .await?;
        }
        poll_fn(|cx| {
            self.shared
                .poll_with(cx, false, |ws, cx| ws.poll_flush_all(cx))
        })
        .await
    }

    /// Sends `msg`; see [`WebSocket::send`].
    ///
    /// # Errors
    /// As [`WebSocket::send`].
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

    /// Queues `msg` without waiting; see [`WebSocket::try_send`].
    ///
    /// # Errors
    /// As [`WebSocket::try_send`].
    pub fn try_send(&mut self, msg: &Message) -> Result<(), TrySendError> {
        self.shared.lock().try_send(msg)
    }

    /// Sends a ping (the pong reaches the [`ReadHalf`]).
    ///
    /// # Errors
    /// As [`WebSocket::ping`].
    pub async fn ping(&mut self, payload: &[u8]) -> Result<(), Error> {
        self.send_op(|c, now| c.ping(now, payload)).await?;
        self.flush().await
    }

    /// Starts a message sent frame by frame; see [`WebSocket::begin_message`].
    ///
    /// # Errors
    /// As [`WebSocket::begin_message`].
    pub async fn begin_message(&mut self, kind: MessageKind) -> Result<(), Error> {
        self.send_op(|c, now| c.begin_message(now, kind)).await
    }

    /// See [`WebSocket::send_message_frame`].
    ///
    /// # Errors
    /// As [`WebSocket::begin_message`].
    pub async fn send_message_frame(&mut self, data: &[u8], fin: bool) -> Result<(), Error> {
        self.send_op(|c, now| c.send_message_frame(now, data, fin))
            .await
    }

    /// See [`WebSocket::begin_message_frame`].
    ///
    /// # Errors
    /// As [`WebSocket::begin_message`].
    pub async fn begin_message_frame(&mut self, len: u64) -> Result<(), Error> {
        self.send_op(|c, now| c.begin_message_frame(now, len)).await
    }

    /// See [`WebSocket::send_message_frame_data`].
    ///
    /// # Errors
    /// As [`WebSocket::begin_message`].
    pub async fn send_message_frame_data(&mut self, data: &[u8]) -> Result<(), Error> {
        self.send_op(|c, now| c.send_message_frame_data(now, data))
            .await
    }

    /// See [`WebSocket::end_message`].
    ///
    /// # Errors
    /// As [`WebSocket::begin_message`].
    pub async fn end_message(&mut self) -> Result<(), Error> {
        self.send_op(|c, now| c.end_message(now)).await
    }

    /// Writes everything queued and flushes the transport.
    ///
    /// # Errors
    /// [`Error::Io`] when the transport fails.
    pub async fn flush(&mut self) -> Result<(), Error> {
        poll_fn(|cx| {
            self.shared
                .poll_with(cx, false, |ws, cx| ws.poll_flush_all(cx))
        })
        .await
    }

    /// Sends a close frame and writes it; the [`ReadHalf`] then reads until
    /// the peer's close frame and reports `Closed`.
    ///
    /// # Errors
    /// [`Error::Usage`] for an invalid close code, [`Error::Io`].
    pub async fn close(
        &mut self,
        code: impl Into<Option<CloseCode>>,
        reason: &str,
    ) -> Result<(), Error> {
        let code = code.into();
        {
            let mut ws = self.shared.lock();
            if ws.state() != State::Open {
                return Ok(());
            }
            let (conn, now) = ws.conn_now();
            if let Err(e) = conn.close(now, code, reason) {
                return Err(ws.send_error(e));
            }
        }
        self.flush().await
    }

    /// A handle to send from yet other tasks.
    pub fn sender(&mut self) -> Sender {
        self.shared.lock().sender()
    }

    /// The round-trip time of the last answered ping.
    pub fn ping_rtt(&self) -> Option<Duration> {
        self.shared.lock().ping_rtt()
    }
}

impl<T: Transport> Sink<Message> for WriteHalf<T> {
    type Error = Error;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.shared.poll_with(cx, false, |ws, cx| ws.poll_room(cx))
    }

    fn start_send(self: Pin<&mut Self>, item: Message) -> Result<(), Error> {
        let mut ws = self.shared.lock();
        let (conn, now) = ws.conn_now();
        let res = conn.send(now, &item);
        res.map_err(|e| ws.send_error(e))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.shared
            .poll_with(cx, false, |ws, cx| ws.poll_flush_all(cx))
    }

    /// Sends a close frame (1000) and writes it; the [`ReadHalf`] sees the end.
    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.shared.poll_with(cx, false, |ws, cx| {
            if ws.state() == State::Open {
                let (conn, now) = ws.conn_now();
                if let Err(e) = conn.close(now, Some(CloseCode::NORMAL), "") {
                    return Poll::Ready(Err(ws.send_error(e)));
                }
            }
            ws.poll_flush_all(cx)
        })
    }
}
