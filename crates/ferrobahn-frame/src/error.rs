//! Error types of the frame codec. Each maps to the close code the connection should send.

use crate::close::CloseCode;

/// A frame header that breaks RFC 6455 regardless of negotiated extensions or role.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// The opcode is one of the reserved values 3-7 or 0xB-0xF.
    #[error("reserved opcode {0:#x}")]
    ReservedOpcode(u8),
    /// A control frame (close, ping, pong) has its FIN bit clear.
    #[error("fragmented control frame")]
    FragmentedControlFrame,
    /// A control frame declares more than 125 bytes of payload.
    #[error("control frame payload of {0} bytes exceeds 125")]
    ControlFrameTooLong(u64),
    /// A 64-bit payload length has its most significant bit set.
    #[error("64-bit payload length has its most significant bit set")]
    PayloadLengthMsbSet,
}

impl FrameError {
    /// The close code to answer this error with: always 1002 (protocol error).
    #[must_use]
    pub fn close_code(&self) -> CloseCode {
        CloseCode::PROTOCOL_ERROR
    }
}

/// A close frame payload that breaks RFC 6455 section 5.5.1 / 7.4.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CloseError {
    /// The payload is a single byte: too short to hold a status code.
    #[error("close payload of one byte")]
    Truncated,
    /// The status code may not be sent on the wire.
    #[error("close code {0} is not valid on the wire")]
    InvalidCode(u16),
    /// The close reason is not valid UTF-8.
    #[error("close reason is not valid UTF-8")]
    InvalidReason,
}

impl CloseError {
    /// The close code to answer this error with: 1007 for an invalid reason, else 1002.
    #[must_use]
    pub fn close_code(&self) -> CloseCode {
        match self {
            CloseError::InvalidReason => CloseCode::INVALID_PAYLOAD,
            CloseError::Truncated | CloseError::InvalidCode(_) => CloseCode::PROTOCOL_ERROR,
        }
    }
}

/// Text payload that is not valid UTF-8 (close code 1007).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid UTF-8")]
pub struct Utf8Error;

impl Utf8Error {
    /// The close code to answer this error with: 1007 (invalid frame payload data).
    #[must_use]
    pub fn close_code(&self) -> CloseCode {
        CloseCode::INVALID_PAYLOAD
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_codes_of_errors() {
        let frame_errors = [
            FrameError::ReservedOpcode(3),
            FrameError::FragmentedControlFrame,
            FrameError::ControlFrameTooLong(126),
            FrameError::PayloadLengthMsbSet,
        ];
        for e in frame_errors {
            assert_eq!(e.close_code().as_u16(), 1002, "{e}");
        }
        assert_eq!(CloseError::Truncated.close_code().as_u16(), 1002);
        assert_eq!(CloseError::InvalidCode(1005).close_code().as_u16(), 1002);
        assert_eq!(CloseError::InvalidReason.close_code().as_u16(), 1007);
        assert_eq!(Utf8Error.close_code().as_u16(), 1007);
        assert_eq!(Utf8Error.to_string(), "invalid UTF-8");
        assert_eq!(
            FrameError::ReservedOpcode(0xB).to_string(),
            "reserved opcode 0xb"
        );
    }
}
