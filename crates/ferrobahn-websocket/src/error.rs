//! Errors: the peer's faults ([`ProtocolError`]) and local misuse ([`SendError`]).

use ferrobahn_frame::CloseCode;

/// A violation of RFC 6455 by the peer, or a limit it exceeded. Each maps to
/// the close code sent when the connection is failed because of it.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    /// A frame used a reserved opcode.
    #[error("reserved opcode {0:#x}")]
    ReservedOpcode(u8),
    /// A control frame had FIN clear.
    #[error("fragmented control frame")]
    FragmentedControlFrame,
    /// A control frame payload exceeded 125 bytes.
    #[error("control frame payload of {0} bytes exceeds 125")]
    ControlFrameTooLong(u64),
    /// The 64-bit payload length had its most significant bit set.
    #[error("payload length with the most significant bit set")]
    PayloadLengthMsbSet,
    /// The frame header was malformed in another way.
    #[error("malformed frame header")]
    MalformedFrame,
    /// RSV bits were set that no negotiated extension claims.
    #[error("reserved bits {0:#05b} set without a negotiated extension")]
    ReservedBits(u8),
    /// A client sent an unmasked frame.
    #[error("unmasked frame from client")]
    UnmaskedClientFrame,
    /// A server sent a masked frame.
    #[error("masked frame from server")]
    MaskedServerFrame,
    /// A continuation frame arrived with no message in progress.
    #[error("continuation frame without a message in progress")]
    UnexpectedContinuation,
    /// A new text or binary frame arrived while a fragmented message was in progress.
    #[error("new data frame while a fragmented message is in progress")]
    ExpectedContinuation,
    /// A frame exceeded [`Config::max_frame_payload`](crate::Config::max_frame_payload).
    #[error("frame payload of {len} bytes exceeds the limit of {max}")]
    FrameTooLarge {
        /// The announced payload length.
        len: u64,
        /// The configured limit.
        max: usize,
    },
    /// A message exceeded [`Config::max_message_payload`](crate::Config::max_message_payload).
    #[error("message payload of at least {len} bytes exceeds the limit of {max}")]
    MessageTooLarge {
        /// The message size reached so far.
        len: u64,
        /// The configured limit.
        max: usize,
    },
    /// A message was split into more frames than [`Config::max_fragments`](crate::Config::max_fragments).
    #[error("message split into more than {max} frames")]
    TooManyFragments {
        /// The configured limit.
        max: usize,
    },
    /// A text message (or a close reason) was not valid UTF-8.
    #[error("invalid UTF-8 in text payload")]
    InvalidUtf8,
    /// A close frame payload was one byte long.
    #[error("close frame payload of one byte")]
    TruncatedClosePayload,
    /// A close frame carried a code that may not be sent on the wire.
    #[error("invalid close code {0}")]
    InvalidCloseCode(u16),
    /// An extension failed to decode a message.
    #[error("extension error: {0}")]
    Extension(String),
    /// The peer did not answer an automatic ping in time.
    #[error("no pong within the auto-ping timeout")]
    PingTimeout,
    /// The peer did not complete the closing handshake in time.
    #[error("closing handshake timed out")]
    CloseTimeout,
    /// The peer did not read what we sent: the outgoing buffer stayed above
    /// [`Config::max_outgoing_buffer`](crate::Config::max_outgoing_buffer)
    /// (policy [`SlowReader::Close`](crate::SlowReader::Close), or the
    /// [`Config::slow_reader_timeout`](crate::Config::slow_reader_timeout)
    /// expired; for a server, also when it stayed above
    /// [`Config::read_pause_outgoing`](crate::Config::read_pause_outgoing)
    /// that long). The connection is dropped without a close frame.
    #[error("the peer does not read: outgoing buffer above {max} bytes")]
    SlowReader {
        /// The configured limit.
        max: usize,
    },
}

impl ProtocolError {
    /// The close code to send when failing the connection for this error.
    pub fn close_code(&self) -> CloseCode {
        match self {
            Self::FrameTooLarge { .. }
            | Self::MessageTooLarge { .. }
            | Self::TooManyFragments { .. } => CloseCode::MESSAGE_TOO_BIG,
            Self::InvalidUtf8 => CloseCode::INVALID_PAYLOAD,
            Self::PingTimeout | Self::CloseTimeout | Self::SlowReader { .. } => CloseCode::ABNORMAL,
            _ => CloseCode::PROTOCOL_ERROR,
        }
    }
}

impl From<ferrobahn_frame::FrameError> for ProtocolError {
    fn from(err: ferrobahn_frame::FrameError) -> Self {
        use ferrobahn_frame::FrameError as F;
        match err {
            F::ReservedOpcode(op) => Self::ReservedOpcode(op),
            F::FragmentedControlFrame => Self::FragmentedControlFrame,
            F::ControlFrameTooLong(len) => Self::ControlFrameTooLong(len),
            F::PayloadLengthMsbSet => Self::PayloadLengthMsbSet,
            _ => Self::MalformedFrame,
        }
    }
}

impl From<ferrobahn_frame::CloseError> for ProtocolError {
    fn from(err: ferrobahn_frame::CloseError) -> Self {
        use ferrobahn_frame::CloseError as C;
        match err {
            C::Truncated => Self::TruncatedClosePayload,
            C::InvalidCode(code) => Self::InvalidCloseCode(code),
            C::InvalidReason => Self::InvalidUtf8,
            _ => Self::MalformedFrame,
        }
    }
}

/// A local misuse of the connection: the call was refused and nothing was sent.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// The closing handshake has started or the connection is closed.
    #[error("the connection is closing or closed")]
    Closed,
    /// A ping or pong payload exceeded 125 bytes.
    #[error("control frame payload exceeds 125 bytes")]
    ControlTooLong,
    /// The close code may not be sent on the wire.
    #[error("close code {0} may not be sent")]
    InvalidCloseCode(u16),
    /// The outgoing message exceeds what an extension can encode.
    #[error("extension error: {0}")]
    Extension(String),
    /// The outgoing buffer is above
    /// [`Config::max_outgoing_buffer`](crate::Config::max_outgoing_buffer)
    /// (policy [`SlowReader::Wait`](crate::SlowReader::Wait)): nothing was
    /// queued; send again after [`Event::Drained`](crate::Event::Drained).
    #[error("the outgoing buffer is full")]
    Full,
    /// The frame-level send calls were used out of order (for example
    /// `send` while a streamed message is in progress, or more data than a
    /// frame's declared length).
    #[error("frame API used out of order: {0}")]
    OutOfOrder(&'static str),
}
