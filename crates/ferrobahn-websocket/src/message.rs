//! Complete WebSocket messages.

use bytes::Bytes;

/// Whether a message carries text or binary data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MessageKind {
    /// UTF-8 text (opcode 1).
    Text,
    /// Binary data (opcode 2).
    Binary,
}

/// A complete message. Received text payloads are valid UTF-8 unless
/// [`Config::utf8_validate_incoming`](crate::Config::utf8_validate_incoming)
/// was turned off.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// Text or binary.
    pub kind: MessageKind,
    /// The payload.
    pub data: Bytes,
}

impl Message {
    /// A text message.
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            kind: MessageKind::Text,
            data: Bytes::from(text.into()),
        }
    }

    /// A binary message.
    pub fn binary(data: impl Into<Bytes>) -> Self {
        Self {
            kind: MessageKind::Binary,
            data: data.into(),
        }
    }

    /// Is this a text message?
    pub fn is_text(&self) -> bool {
        self.kind == MessageKind::Text
    }

    /// Is this a binary message?
    pub fn is_binary(&self) -> bool {
        self.kind == MessageKind::Binary
    }

    /// The payload as text: `Some` for a text message whose payload is UTF-8.
    pub fn as_text(&self) -> Option<&str> {
        match self.kind {
            MessageKind::Text => std::str::from_utf8(&self.data).ok(),
            MessageKind::Binary => None,
        }
    }
}
