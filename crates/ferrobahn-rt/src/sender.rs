//! [`Sender`]: queue messages on a connection from any task.

use std::future::poll_fn;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, Instant};

use bytes::Bytes;
use ferrobahn_websocket::{CloseCode, Message, SendError};
use futures_channel::mpsc;

use crate::error::{Error, Timeout};
use crate::runtime::{AsyncTimer, Runtime};

/// A command for the connection's driver.
#[derive(Debug)]
pub(crate) enum Command {
    Message(Message),
    /// A message with its pre-built frame (`Message::encode_frame`), shared with other
    /// connections.
    Framed(Message, Bytes),
    Ping(Bytes),
    Close(Option<CloseCode>, String),
}

/// Sends messages (or a close) on a connection from any task.
///
/// Obtained from `WebSocket::sender` or `Ctx::sender`. The commands go
/// through a bounded channel that the connection's driver polls, so a sender
/// waits when the connection falls behind, at most the connection's
/// `send_timeout` (`WebSocketConfig::send_timeout`, 30 s by default): then
/// the send fails with [`Error::Timeout`]`(`[`Timeout::Send`]`)` and the
/// driver drops the connection without a close frame (the peer does not
/// read, so it would never get one; the handler sees code 1006). Clone it
/// freely.
#[derive(Clone, Debug)]
pub struct Sender {
    tx: mpsc::Sender<Command>,
    /// Tells the driver that a send timed out (how long it waited).
    timed_out: mpsc::UnboundedSender<Duration>,
    runtime: Arc<dyn Runtime>,
    timeout: Option<Duration>,
}

impl Sender {
    pub(crate) fn new(
        tx: mpsc::Sender<Command>,
        timed_out: mpsc::UnboundedSender<Duration>,
        runtime: Arc<dyn Runtime>,
        timeout: Option<Duration>,
    ) -> Self {
        Self {
            tx,
            timed_out,
            runtime,
            timeout,
        }
    }

    async fn command(&mut self, cmd: Command) -> Result<(), Error> {
        let Self {
            tx,
            runtime,
            timeout,
            ..
        } = self;
        // The timer is made only when the channel is full (the common send
        // finds room at once).
        let mut timer: Option<(Instant, Pin<Box<dyn AsyncTimer>>)> = None;
        let ready = poll_fn(|cx| {
            if let Poll::Ready(r) = tx.poll_ready(cx) {
                return Poll::Ready(Some(r));
            }
            let Some(limit) = *timeout else {
                return Poll::Pending;
            };
            let now = runtime.now();
            let (deadline, timer) = timer.get_or_insert_with(|| {
                let deadline = now + limit;
                (deadline, runtime.new_timer(deadline))
            });
            if now >= *deadline {
                return Poll::Ready(None);
            }
            timer.as_mut().poll(cx).map(|()| None)
        })
        .await;
        match ready {
            Some(Ok(())) => {}
            Some(Err(_)) => return Err(Error::Usage(SendError::Closed)),
            None => {
                let waited = self.timeout.unwrap_or_default();
                tracing::info!(
                    ?waited,
                    "a Sender could not queue in time: dropping the connection"
                );
                // The driver may be gone already; then there is nothing to drop.
                let _ = self.timed_out.unbounded_send(waited);
                return Err(Error::Timeout(Timeout::Send));
            }
        }
        self.tx
            .start_send(cmd)
            .map_err(|_| Error::Usage(SendError::Closed))
    }

    /// Queues `msg`, waiting while the channel is full (at most the
    /// connection's `send_timeout`).
    ///
    /// # Errors
    /// [`Error::Usage`] when the connection's driver is gone;
    /// [`Error::Timeout`]`(`[`Timeout::Send`]`)` when no room came within
    /// `send_timeout` (the connection is then dropped).
    pub async fn send(&mut self, msg: Message) -> Result<(), Error> {
        self.command(Command::Message(msg)).await
    }

    /// Queues `msg` with `frame`, its `Message::encode_frame` built once and shared by
    /// many connections (a server's fan-out): a connection that frames `msg` the same
    /// way queues those bytes; one that would not (compression, masking,
    /// fragmentation) frames `msg` itself. Waits while the channel is full.
    ///
    /// # Errors
    /// As [`Sender::send`].
    pub async fn send_framed(&mut self, msg: Message, frame: Bytes) -> Result<(), Error> {
        self.command(Command::Framed(msg, frame)).await
    }

    /// Queues a text message.
    ///
    /// # Errors
    /// As [`Sender::send`].
    pub async fn send_text(&mut self, text: impl Into<String>) -> Result<(), Error> {
        self.send(Message::text(text)).await
    }

    /// Queues a binary message.
    ///
    /// # Errors
    /// As [`Sender::send`].
    pub async fn send_binary(&mut self, data: impl Into<Bytes>) -> Result<(), Error> {
        self.send(Message::binary(data)).await
    }

    /// Queues a ping.
    ///
    /// # Errors
    /// As [`Sender::send`].
    pub async fn ping(&mut self, payload: impl Into<Bytes>) -> Result<(), Error> {
        self.command(Command::Ping(payload.into())).await
    }

    /// Starts the closing handshake.
    ///
    /// # Errors
    /// As [`Sender::send`].
    pub async fn close(
        &mut self,
        code: impl Into<Option<CloseCode>>,
        reason: &str,
    ) -> Result<(), Error> {
        self.command(Command::Close(code.into(), reason.to_owned()))
            .await
    }

    /// Queues `msg` without waiting.
    ///
    /// # Errors
    /// [`TrySendError::Full`] when the channel is full (the connection is
    /// behind), [`TrySendError::Closed`] when its driver is gone; the message
    /// is dropped.
    pub fn try_send(&mut self, msg: Message) -> Result<(), TrySendError> {
        self.tx.try_send(Command::Message(msg)).map_err(|e| {
            if e.is_full() {
                TrySendError::Full
            } else {
                TrySendError::Closed
            }
        })
    }

    /// True when the connection's driver has gone away.
    #[must_use]
    pub fn is_closed(&self) -> bool {
        self.tx.is_closed()
    }
}

/// Why [`Sender::try_send`] did not queue a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TrySendError {
    /// The channel is full: the connection is behind; try again later.
    #[error("the connection's send channel is full")]
    Full,
    /// The connection's driver is gone.
    #[error("the connection is gone")]
    Closed,
}
