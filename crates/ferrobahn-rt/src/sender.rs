//! [`Sender`]: queue messages on a connection from any task.

use std::future::poll_fn;

use bytes::Bytes;
use ferrobahn_websocket::{CloseCode, Message, SendError};
use futures_channel::mpsc;

use crate::error::Error;

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
/// waits when the connection falls behind. Clone it freely.
#[derive(Clone, Debug)]
pub struct Sender {
    tx: mpsc::Sender<Command>,
}

impl Sender {
    pub(crate) fn new(tx: mpsc::Sender<Command>) -> Self {
        Self { tx }
    }

    async fn command(&mut self, cmd: Command) -> Result<(), Error> {
        poll_fn(|cx| self.tx.poll_ready(cx))
            .await
            .map_err(|_| Error::Usage(SendError::Closed))?;
        self.tx
            .start_send(cmd)
            .map_err(|_| Error::Usage(SendError::Closed))
    }

    /// Queues `msg`, waiting while the channel is full.
    ///
    /// # Errors
    /// [`Error::Usage`] when the connection's driver is gone.
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
