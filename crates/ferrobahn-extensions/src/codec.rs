//! The hook through which a negotiated per-message extension (such as
//! permessage-deflate, RFC 7692) transforms message payloads.
//!
//! Negotiation happens in the opening handshake; its result is a codec that
//! is installed with `ferrobahn_websocket::Connection::with_codec`.
//! The connection then lets the RSV bits the codec claims through on the
//! first frame of a data message, passes each frame payload of such a message
//! to [`PerMessageCodec::decode`] as it completes, and passes each outgoing
//! message to [`PerMessageCodec::encode`] before framing it.

use std::fmt::Debug;

/// Why an extension could not decode a message.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CodecError {
    /// The payload is not valid for this extension (the connection core
    /// fails the connection with close code 1002, protocol error).
    #[error("invalid payload: {0}")]
    Invalid(String),
    /// Decoding would exceed the allowed output size (close code 1009).
    #[error("decoded message exceeds the size limit")]
    TooLarge,
}

/// A negotiated per-message extension, as the connection sees it.
pub trait PerMessageCodec: Send + Debug {
    /// The RSV bits this extension uses to flag a transformed message
    /// (`0b100` is RSV1).
    fn rsv_bits(&self) -> u8;

    /// Transforms an outgoing message payload into `out`. Returns `true` when
    /// `out` holds the transformed payload (the message is sent with
    /// [`rsv_bits`](Self::rsv_bits) set) and `false` to send `payload` as it is.
    fn encode(&mut self, payload: &[u8], out: &mut Vec<u8>) -> Result<bool, CodecError>;

    /// Transforms one fragment of an outgoing message that is sent piece by
    /// piece (a streaming send), appending to `out`; `fin` marks the last
    /// fragment. Returning `true` for a message's first fragment means the
    /// message is transformed (RSV bits on its first frame) and every later
    /// fragment of it must come through here too; such a codec returns
    /// `true` for all of them. The default returns `false`: the message is
    /// sent as it is, which every codec must accept.
    fn encode_fragment(
        &mut self,
        input: &[u8],
        fin: bool,
        out: &mut Vec<u8>,
    ) -> Result<bool, CodecError> {
        let _ = (input, fin, out);
        Ok(false)
    }

    /// Decodes one frame payload of a transformed message, appending to `out`
    /// no more than `max_out` bytes in total (`out.len()` included); `fin` is
    /// set on the message's last frame.
    fn decode(
        &mut self,
        input: &[u8],
        fin: bool,
        out: &mut Vec<u8>,
        max_out: usize,
    ) -> Result<(), CodecError>;
}
