//! Frame opcodes (RFC 6455 section 5.2 and 11.8).

/// The opcode of a frame: which kind of frame it is.
///
/// The reserved opcodes (3-7 and 0xB-0xF) have no variant; [`OpCode::from_u8`] rejects them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OpCode {
    /// `0x0`: a continuation fragment of a text or binary message.
    Continuation,
    /// `0x1`: the first (or only) frame of a text message.
    Text,
    /// `0x2`: the first (or only) frame of a binary message.
    Binary,
    /// `0x8`: a close frame.
    Close,
    /// `0x9`: a ping frame.
    Ping,
    /// `0xA`: a pong frame.
    Pong,
}

impl OpCode {
    /// The opcode for the 4-bit value `v`, or `None` for the reserved values 3-7 and 0xB-0xF
    /// (and for anything above 0xF).
    #[must_use]
    #[inline]
    pub fn from_u8(v: u8) -> Option<OpCode> {
        match v {
            0x0 => Some(OpCode::Continuation),
            0x1 => Some(OpCode::Text),
            0x2 => Some(OpCode::Binary),
            0x8 => Some(OpCode::Close),
            0x9 => Some(OpCode::Ping),
            0xA => Some(OpCode::Pong),
            _ => None,
        }
    }

    /// The 4-bit wire value of this opcode.
    #[must_use]
    #[inline]
    pub fn as_u8(self) -> u8 {
        match self {
            OpCode::Continuation => 0x0,
            OpCode::Text => 0x1,
            OpCode::Binary => 0x2,
            OpCode::Close => 0x8,
            OpCode::Ping => 0x9,
            OpCode::Pong => 0xA,
        }
    }

    /// Whether this is a control frame opcode (close, ping, pong): such frames may not be
    /// fragmented and carry at most 125 bytes of payload.
    #[must_use]
    #[inline]
    pub fn is_control(self) -> bool {
        matches!(self, OpCode::Close | OpCode::Ping | OpCode::Pong)
    }
}

#[cfg(test)]
mod tests {
    use super::OpCode;

    #[test]
    fn round_trips_every_defined_value_and_rejects_reserved() {
        for v in 0u8..=0xFF {
            match OpCode::from_u8(v) {
                Some(op) => {
                    assert_eq!(op.as_u8(), v);
                    assert_eq!(op.is_control(), v >= 8, "opcode {v:#x}");
                }
                None => assert!(
                    matches!(v, 3..=7 | 0xB..),
                    "opcode {v:#x} should be defined"
                ),
            }
        }
    }
}
