//! RawSocket: the WAMP transport over a plain byte stream (TCP, Unix socket), sans-IO.
//!
//! The client opens with four octets `0x7F, LLLL SSSS, 0, 0` (`L`: the largest message it
//! accepts is `2^(9+L)` bytes; `S`: the serializer ID); the server answers with its own
//! `L` and the same `S`, or with `0x7F, EEEE 0000, 0, 0` carrying an [`ErrorCode`].
//! After that, every frame is a 4-octet header — five reserved zero bits, a 3-bit
//! [`FrameType`] and a 24-bit big-endian length — followed by the payload.
//!
//! [`RawSocket`] runs both phases: feed it bytes, drain [`RawSocket::poll_transmit`],
//! then [`RawSocket::poll_event`]. The free functions encode and decode the parts alone.

mod connection;
#[cfg(test)]
mod tests;

pub use connection::{encode_frame, Config, Event, RawSocket, Role, SendError, State};

/// The first octet of every handshake.
pub const MAGIC: u8 = 0x7F;

/// Length of the handshake and of a frame header.
pub const HEADER_LEN: usize = 4;

/// The largest payload a frame header can carry (24-bit length).
pub const MAX_FRAME_LEN: usize = (1 << 24) - 1;

/// The largest length exponent: `2^(9+15)` = 16 MiB.
pub const MAX_LEN_EXPONENT: u8 = 15;

/// The message size limit announced by a length exponent `exp`: `2^(9+exp)` bytes,
/// capped at [`MAX_FRAME_LEN`].
pub fn max_len_of_exponent(exp: u8) -> usize {
    let exp = exp.min(MAX_LEN_EXPONENT);
    (1usize << (9 + u32::from(exp))).min(MAX_FRAME_LEN)
}

/// The largest exponent whose limit is at most `bytes` (0, i.e. 512 bytes, at least).
pub fn exponent_for_max_len(bytes: usize) -> u8 {
    (0..=MAX_LEN_EXPONENT)
        .rev()
        .find(|&e| (1usize << (9 + u32::from(e))) <= bytes)
        .unwrap_or(0)
}

/// Why a server refuses a handshake.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// 1: serializer unsupported.
    SerializerUnsupported,
    /// 2: maximum message length unacceptable.
    MaxLenUnacceptable,
    /// 3: use of reserved bits (unsupported feature).
    ReservedBits,
    /// 4: maximum connection count reached.
    MaxConnections,
    /// Any other code (0 and 5..15 are not defined).
    Other(u8),
}

impl ErrorCode {
    /// The 4-bit wire code.
    pub fn code(self) -> u8 {
        match self {
            ErrorCode::SerializerUnsupported => 1,
            ErrorCode::MaxLenUnacceptable => 2,
            ErrorCode::ReservedBits => 3,
            ErrorCode::MaxConnections => 4,
            ErrorCode::Other(c) => c & 0x0f,
        }
    }

    /// From a 4-bit wire code.
    pub fn from_code(c: u8) -> Self {
        match c {
            1 => ErrorCode::SerializerUnsupported,
            2 => ErrorCode::MaxLenUnacceptable,
            3 => ErrorCode::ReservedBits,
            4 => ErrorCode::MaxConnections,
            c => ErrorCode::Other(c),
        }
    }
}

/// A handshake: what the client asks for, or what the server accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Handshake {
    /// The serializer ID (1 JSON, 2 MessagePack, 3 CBOR, 4 UBJSON, 5 FlatBuffers).
    pub serializer: u8,
    /// The sender's receive limit as an exponent: `2^(9+max_len_exp)` bytes.
    pub max_len_exp: u8,
}

/// The server's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reply {
    /// Accepted, with the server's own receive limit.
    Accepted(Handshake),
    /// Refused.
    Refused(ErrorCode),
}

/// A RawSocket protocol violation (or refusal). The connection must be dropped.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RawSocketError {
    /// The first octet is not 0x7F.
    #[error("handshake: bad magic octet {0:#04x}")]
    BadMagic(u8),
    /// Reserved handshake octets are not zero.
    #[error("handshake: reserved octets are not zero")]
    ReservedOctets,
    /// The serializer ID is 0 or not supported here.
    #[error("handshake: serializer {0} not supported")]
    UnsupportedSerializer(u8),
    /// The server refused the handshake.
    #[error("handshake refused: {0:?}")]
    Refused(ErrorCode),
    /// The server accepted a serializer other than the one asked for.
    #[error("handshake: asked for serializer {requested}, server answered {answered}")]
    SerializerMismatch {
        /// Asked for.
        requested: u8,
        /// Answered.
        answered: u8,
    },
    /// A frame header with reserved bits set.
    #[error("frame: reserved bits set in {0:#04x}")]
    ReservedBits(u8),
    /// A frame type other than message, ping and pong.
    #[error("frame: reserved frame type {0}")]
    ReservedFrameType(u8),
    /// A frame longer than this side announced.
    #[error("frame of {len} bytes exceeds the announced limit of {limit} bytes")]
    FrameTooLarge {
        /// The announced length.
        len: usize,
        /// Our limit.
        limit: usize,
    },
}

/// Encodes a client's handshake request.
pub fn encode_request(h: Handshake) -> [u8; 4] {
    [
        MAGIC,
        (h.max_len_exp.min(MAX_LEN_EXPONENT) << 4) | (h.serializer & 0x0f),
        0,
        0,
    ]
}

/// Decodes a client's handshake request (as a server).
pub fn decode_request(b: [u8; 4]) -> Result<Handshake, RawSocketError> {
    if b[0] != MAGIC {
        return Err(RawSocketError::BadMagic(b[0]));
    }
    if b[2] != 0 || b[3] != 0 {
        return Err(RawSocketError::ReservedOctets);
    }
    let serializer = b[1] & 0x0f;
    if serializer == 0 {
        return Err(RawSocketError::UnsupportedSerializer(0));
    }
    Ok(Handshake {
        serializer,
        max_len_exp: b[1] >> 4,
    })
}

/// Encodes a server's reply.
pub fn encode_reply(r: Reply) -> [u8; 4] {
    match r {
        Reply::Accepted(h) => encode_request(h),
        Reply::Refused(e) => [MAGIC, e.code() << 4, 0, 0],
    }
}

/// Decodes a server's reply (as a client).
pub fn decode_reply(b: [u8; 4]) -> Result<Reply, RawSocketError> {
    if b[0] != MAGIC {
        return Err(RawSocketError::BadMagic(b[0]));
    }
    if b[2] != 0 || b[3] != 0 {
        return Err(RawSocketError::ReservedOctets);
    }
    if b[1] & 0x0f == 0 {
        return Ok(Reply::Refused(ErrorCode::from_code(b[1] >> 4)));
    }
    Ok(Reply::Accepted(Handshake {
        serializer: b[1] & 0x0f,
        max_len_exp: b[1] >> 4,
    }))
}

/// The type of a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FrameType {
    /// 0: a serialized WAMP message.
    Message,
    /// 1: a ping; the peer answers with a pong echoing the payload.
    Ping,
    /// 2: a pong.
    Pong,
}

impl FrameType {
    /// The 3-bit wire code.
    pub fn code(self) -> u8 {
        match self {
            FrameType::Message => 0,
            FrameType::Ping => 1,
            FrameType::Pong => 2,
        }
    }
}

/// Encodes a frame header. Fails when `len` does not fit 24 bits.
pub fn encode_header(kind: FrameType, len: usize) -> Option<[u8; 4]> {
    if len > MAX_FRAME_LEN {
        return None;
    }
    let l = (len as u32).to_be_bytes();
    Some([kind.code(), l[1], l[2], l[3]])
}

/// Decodes a frame header into its type and payload length.
pub fn decode_header(b: [u8; 4]) -> Result<(FrameType, usize), RawSocketError> {
    if b[0] & 0xf8 != 0 {
        return Err(RawSocketError::ReservedBits(b[0]));
    }
    let kind = match b[0] & 0x07 {
        0 => FrameType::Message,
        1 => FrameType::Ping,
        2 => FrameType::Pong,
        t => return Err(RawSocketError::ReservedFrameType(t)),
    };
    Ok((kind, u32::from_be_bytes([0, b[1], b[2], b[3]]) as usize))
}
