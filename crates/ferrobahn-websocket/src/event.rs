//! What a connection reports to its owner.

use bytes::Bytes;
use ferrobahn_frame::CloseCode;

use crate::{Message, MessageKind, ProtocolError};

/// How and why a connection ended; carried by [`Event::Closed`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Closed {
    /// The code of the peer's close frame; or, when we failed the
    /// connection, the code we sent; 1005 when the peer's close frame had
    /// no code, 1006 when no close frame was received.
    pub code: CloseCode,
    /// The reason that went with `code`.
    pub reason: String,
    /// A close frame was both sent and received.
    pub was_clean: bool,
    /// The peer started the closing handshake.
    pub by_peer: bool,
    /// Set when the connection was failed because of the peer.
    pub error: Option<ProtocolError>,
}

/// Something that happened on a connection, returned by
/// [`Connection::poll_event`](crate::Connection::poll_event).
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// A complete message arrived.
    Message(Message),
    /// A ping arrived; the pong reply is already queued.
    Ping(Bytes),
    /// A pong arrived.
    Pong(Bytes),
    /// The peer sent a close frame; our reply (if one was due) is queued.
    CloseReceived {
        /// The peer's code, if its frame had one.
        code: Option<CloseCode>,
        /// The peer's reason.
        reason: String,
    },
    /// The connection is closed. Emitted exactly once, and last.
    Closed(Closed),
    /// Streaming mode ([`Config::streaming`](crate::Config::streaming)): a
    /// message starts (`onMessageBegin`). Its frames follow, then
    /// [`Event::MessageEnd`].
    MessageBegin(MessageKind),
    /// Streaming mode: a frame of the current message starts
    /// (`onMessageFrameBegin`). `len` is its payload length on the wire
    /// (compressed, when the message is); `fin` marks the message's last
    /// frame.
    FrameBegin {
        /// Payload length on the wire.
        len: u64,
        /// This is the message's last frame.
        fin: bool,
    },
    /// Streaming mode: payload of the current frame, handed out as soon as
    /// it arrives, before the frame is complete (`onMessageFrameData`);
    /// decompressed when the message is compressed. Text is checked as
    /// UTF-8 as it arrives, but a chunk may end inside a character.
    FrameData(Bytes),
    /// Streaming mode: the current frame is complete (`onMessageFrameEnd`).
    FrameEnd,
    /// Streaming mode: the message is complete (`onMessageEnd`).
    MessageEnd,
    /// The outgoing buffer, found full by a send, has drained to at most
    /// half of [`Config::max_outgoing_buffer`](crate::Config::max_outgoing_buffer):
    /// producers may send again.
    Drained,
}

/// The state of the closing handshake.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Messages flow both ways.
    Open,
    /// We sent a close frame and wait for the peer's.
    ClosingLocal,
    /// The closing handshake is complete on the wire and a client waits
    /// for the server to drop the connection
    /// ([`Config::server_connection_drop_timeout`](crate::Config::server_connection_drop_timeout)).
    ClosingRemote,
    /// The connection is closed.
    Closed,
}
