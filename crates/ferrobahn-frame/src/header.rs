//! The frame header (RFC 6455 section 5.2): decode from and encode into bytes.

use crate::error::FrameError;
use crate::opcode::OpCode;

/// The longest possible frame header: 2 bytes, an 8-byte extended length and a 4-byte mask key.
pub const MAX_HEADER_LEN: usize = 14;

/// The largest payload a control frame may carry.
pub const MAX_CONTROL_PAYLOAD_LEN: u64 = 125;

const FIN_BIT: u8 = 0x80;
const MASK_BIT: u8 = 0x80;

/// A decoded (or to be encoded) frame header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameHeader {
    /// The FIN bit: this is the last frame of its message.
    pub fin: bool,
    /// The three RSV bits: `0b100` is RSV1, `0b010` RSV2, `0b001` RSV3. Higher bits are
    /// ignored when encoding.
    pub rsv: u8,
    /// The frame's opcode.
    pub opcode: OpCode,
    /// The masking key, present on every client-to-server frame.
    pub mask: Option<[u8; 4]>,
    /// The payload length in bytes. Must be below 2^63.
    pub payload_len: u64,
}

impl FrameHeader {
    /// Decodes a frame header from the start of `buf`.
    ///
    /// Returns `Ok(None)` when `buf` does not yet hold a whole header, and
    /// `Ok(Some((header, header_len)))` otherwise; the payload starts at `buf[header_len]`.
    /// Errors are reported as soon as the offending byte is in `buf`, even if the header is
    /// still incomplete. Extended lengths that are not minimally encoded are accepted.
    ///
    /// The RSV bits and the presence of a mask are returned, not judged: what is allowed
    /// depends on the negotiated extensions and on the role of the receiver.
    ///
    /// # Errors
    ///
    /// A reserved opcode, a control frame with FIN clear, a control frame longer than 125
    /// bytes, or a 64-bit length with its most significant bit set.
    #[inline]
    pub fn decode(buf: &[u8]) -> Result<Option<(FrameHeader, usize)>, FrameError> {
        let Some(&b0) = buf.first() else {
            return Ok(None);
        };
        let fin = b0 & FIN_BIT != 0;
        let rsv = (b0 >> 4) & 0b111;
        let raw_opcode = b0 & 0x0F;
        let opcode = OpCode::from_u8(raw_opcode).ok_or(FrameError::ReservedOpcode(raw_opcode))?;
        if opcode.is_control() && !fin {
            return Err(FrameError::FragmentedControlFrame);
        }
        let Some(&b1) = buf.get(1) else {
            return Ok(None);
        };
        let masked = b1 & MASK_BIT != 0;
        let (payload_len, len_end) = match b1 & 0x7F {
            126 => match buf.get(2..4) {
                Some(&[a, b]) => (u64::from(u16::from_be_bytes([a, b])), 4),
                _ => return Ok(None),
            },
            127 => match buf.get(2..10) {
                Some(bytes) => {
                    let mut be = [0u8; 8];
                    be.copy_from_slice(bytes);
                    let len = u64::from_be_bytes(be);
                    if len >> 63 != 0 {
                        return Err(FrameError::PayloadLengthMsbSet);
                    }
                    (len, 10)
                }
                None => return Ok(None),
            },
            short => (u64::from(short), 2),
        };
        if opcode.is_control() && payload_len > MAX_CONTROL_PAYLOAD_LEN {
            return Err(FrameError::ControlFrameTooLong(payload_len));
        }
        let (mask, header_len) = if masked {
            match buf.get(len_end..len_end + 4) {
                Some(&[a, b, c, d]) => (Some([a, b, c, d]), len_end + 4),
                _ => return Ok(None),
            }
        } else {
            (None, len_end)
        };
        let header = FrameHeader {
            fin,
            rsv,
            opcode,
            mask,
            payload_len,
        };
        Ok(Some((header, header_len)))
    }

    /// The number of bytes [`FrameHeader::encode`] writes: 2 to 14, using the shortest length
    /// encoding.
    #[must_use]
    #[inline]
    pub fn encoded_len(&self) -> usize {
        let ext = match self.payload_len {
            0..=125 => 0,
            126..=0xFFFF => 2,
            _ => 8,
        };
        2 + ext + if self.mask.is_some() { 4 } else { 0 }
    }

    /// Writes this header into `dst` with the shortest length encoding and returns the number
    /// of bytes written (equal to [`FrameHeader::encoded_len`]).
    ///
    /// Only the low three bits of `rsv` are used. `payload_len` must be below 2^63 (RFC 6455
    /// forbids larger lengths); debug builds assert this, release builds clear the top bit.
    #[inline]
    pub fn encode(&self, dst: &mut [u8; MAX_HEADER_LEN]) -> usize {
        debug_assert!(
            self.payload_len >> 63 == 0,
            "payload length of 2^63 bytes or more"
        );
        let fin = if self.fin { FIN_BIT } else { 0 };
        dst[0] = fin | ((self.rsv & 0b111) << 4) | self.opcode.as_u8();
        let mask_bit = if self.mask.is_some() { MASK_BIT } else { 0 };
        let mut n = match self.payload_len {
            len @ 0..=125 => {
                // The match arm bounds the value to 0..=125.
                dst[1] = mask_bit | len as u8;
                2
            }
            len @ 126..=0xFFFF => {
                dst[1] = mask_bit | 126;
                // The match arm bounds the value to 16 bits.
                dst[2..4].copy_from_slice(&(len as u16).to_be_bytes());
                4
            }
            len => {
                dst[1] = mask_bit | 127;
                dst[2..10].copy_from_slice(&(len & (u64::MAX >> 1)).to_be_bytes());
                10
            }
        };
        if let Some(key) = self.mask {
            dst[n..n + 4].copy_from_slice(&key);
            n += 4;
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(opcode: OpCode, payload_len: u64, mask: Option<[u8; 4]>) -> FrameHeader {
        FrameHeader {
            fin: true,
            rsv: 0,
            opcode,
            mask,
            payload_len,
        }
    }

    #[test]
    fn decodes_rfc_examples() {
        // RFC 6455 5.7: unmasked "Hello".
        let (h, n) = FrameHeader::decode(b"\x81\x05Hello").unwrap().unwrap();
        assert_eq!((h, n), (header(OpCode::Text, 5, None), 2));
        // Masked "Hello".
        let masked = [
            0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
        ];
        let (h, n) = FrameHeader::decode(&masked).unwrap().unwrap();
        assert_eq!(n, 6);
        assert_eq!(h, header(OpCode::Text, 5, Some([0x37, 0xfa, 0x21, 0x3d])));
        // Fragmented unmasked text: "Hel" then "lo".
        let (h, _) = FrameHeader::decode(b"\x01\x03Hel").unwrap().unwrap();
        assert!(!h.fin);
        assert_eq!(h.opcode, OpCode::Text);
        let (h, _) = FrameHeader::decode(b"\x80\x02lo").unwrap().unwrap();
        assert!(h.fin);
        assert_eq!(h.opcode, OpCode::Continuation);
        // 256 bytes binary, 64 KiB binary.
        let (h, n) = FrameHeader::decode(b"\x82\x7E\x01\x00").unwrap().unwrap();
        assert_eq!((h.payload_len, n), (256, 4));
        let (h, n) = FrameHeader::decode(b"\x82\x7F\0\0\0\0\0\x01\0\0")
            .unwrap()
            .unwrap();
        assert_eq!((h.payload_len, n), (65536, 10));
    }

    #[test]
    fn returns_rsv_bits_without_judging() {
        let (h, _) = FrameHeader::decode(&[0xC1, 0x00]).unwrap().unwrap();
        assert_eq!(h.rsv, 0b100);
        let (h, _) = FrameHeader::decode(&[0xA1, 0x00]).unwrap().unwrap();
        assert_eq!(h.rsv, 0b010);
        let (h, _) = FrameHeader::decode(&[0x91, 0x00]).unwrap().unwrap();
        assert_eq!(h.rsv, 0b001);
        let (h, _) = FrameHeader::decode(&[0x71, 0x00]).unwrap().unwrap();
        assert_eq!((h.fin, h.rsv), (false, 0b111));
    }

    #[test]
    fn needs_more_bytes_for_every_proper_prefix() {
        let mut h = header(OpCode::Binary, 70_000, Some([1, 2, 3, 4]));
        h.rsv = 0b101;
        let mut buf = [0u8; MAX_HEADER_LEN];
        let n = h.encode(&mut buf);
        assert_eq!(n, 14);
        for cut in 0..n {
            assert_eq!(FrameHeader::decode(&buf[..cut]), Ok(None), "prefix {cut}");
        }
        assert_eq!(FrameHeader::decode(&buf[..n]), Ok(Some((h, n))));
    }

    #[test]
    fn rejects_protocol_violations_fast() {
        for op in [3u8, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF] {
            assert_eq!(
                FrameHeader::decode(&[0x80 | op]),
                Err(FrameError::ReservedOpcode(op))
            );
        }
        // Ping with FIN clear: detected from the first byte alone.
        assert_eq!(
            FrameHeader::decode(&[0x09]),
            Err(FrameError::FragmentedControlFrame)
        );
        assert_eq!(
            FrameHeader::decode(&[0x88, 126]),
            Ok(None),
            "length not known yet"
        );
        assert_eq!(
            FrameHeader::decode(&[0x88, 126, 0, 126]),
            Err(FrameError::ControlFrameTooLong(126))
        );
        assert_eq!(
            FrameHeader::decode(&[0x8A, 0xFE, 0x12, 0x34]),
            Err(FrameError::ControlFrameTooLong(0x1234))
        );
        // A control frame with a non-minimal but small extended length is accepted.
        let (h, n) = FrameHeader::decode(&[0x89, 126, 0, 5]).unwrap().unwrap();
        assert_eq!((h.payload_len, n), (5, 4));
        // MSB of the 64-bit length: an error before the mask key arrives.
        assert_eq!(
            FrameHeader::decode(&[0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0]),
            Err(FrameError::PayloadLengthMsbSet)
        );
        assert_eq!(
            FrameHeader::decode(&[0x82, 0x7F, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
                .unwrap()
                .unwrap()
                .0
                .payload_len,
            u64::MAX >> 1
        );
    }

    #[test]
    fn encodes_minimal_lengths() {
        let cases: [(u64, usize); 6] = [
            (0, 2),
            (125, 2),
            (126, 4),
            (0xFFFF, 4),
            (0x1_0000, 10),
            (u64::MAX >> 1, 10),
        ];
        for (len, expected) in cases {
            for mask in [None, Some([9, 8, 7, 6])] {
                let h = header(OpCode::Binary, len, mask);
                let extra = if mask.is_some() { 4 } else { 0 };
                assert_eq!(h.encoded_len(), expected + extra);
                let mut buf = [0u8; MAX_HEADER_LEN];
                let n = h.encode(&mut buf);
                assert_eq!(n, expected + extra);
                assert_eq!(FrameHeader::decode(&buf[..n]), Ok(Some((h, n))));
            }
        }
        let mut buf = [0u8; MAX_HEADER_LEN];
        let n = header(OpCode::Pong, 3, None).encode(&mut buf);
        assert_eq!(&buf[..n], &[0x8A, 0x03]);
    }
}
