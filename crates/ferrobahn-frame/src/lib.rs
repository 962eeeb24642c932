//! RFC 6455 frame codec: headers, opcodes, close codes, masking and incremental UTF-8
//! validation (sans-IO).
//!
//! This crate owns no socket and no buffer policy: it turns bytes into frame headers and back,
//! (un)masks payloads in place, validates text as it arrives and parses close payloads. What a
//! header may contain beyond RFC 6455 itself (RSV bits, whether a mask must be present)
//! depends on negotiated extensions and on the role, so the connection judges that.
//! Every error maps to the close code to answer it with.
//!
//! Decoding a masked text frame (the "Hello" example of RFC 6455 section 5.7):
//!
//! ```
//! use ferrobahn_frame::{apply_mask, FrameHeader, OpCode, Utf8Validator};
//!
//! let mut frame = [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58];
//!
//! // A header needs at least 2 bytes: with fewer, decode asks for more.
//! assert_eq!(FrameHeader::decode(&frame[..1]), Ok(None));
//!
//! let (header, header_len) = FrameHeader::decode(&frame)?.expect("whole header present");
//! assert!(header.fin);
//! assert_eq!(header.opcode, OpCode::Text);
//! assert_eq!(header.payload_len, 5);
//!
//! let payload = &mut frame[header_len..];
//! if let Some(key) = header.mask {
//!     apply_mask(payload, key, 0);
//! }
//! let mut utf8 = Utf8Validator::new();
//! utf8.feed(payload)?;
//! utf8.finish()?;
//! assert_eq!(payload, b"Hello");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(unsafe_code)]

mod close;
mod error;
mod header;
#[allow(unsafe_code)]
mod mask;
mod opcode;
mod utf8;

pub use close::{encode_close_payload, parse_close_payload, CloseCode, MAX_CLOSE_REASON_LEN};
pub use error::{CloseError, FrameError, Utf8Error};
pub use header::{FrameHeader, MAX_CONTROL_PAYLOAD_LEN, MAX_HEADER_LEN};
pub use mask::{apply_mask, apply_mask_bytewise, MaskImpl};
pub use opcode::OpCode;
pub use utf8::{validate_utf8, Utf8Validator};
