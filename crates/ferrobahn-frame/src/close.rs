//! Close status codes (RFC 6455 section 7.4, IANA "WebSocket Close Code Number Registry") and
//! close frame payloads.

use std::fmt;
use std::num::NonZeroU16;

use crate::error::CloseError;

/// The longest close reason that fits a close frame: 125 bytes of payload minus the 2-byte code.
pub const MAX_CLOSE_REASON_LEN: usize = 123;

/// A close status code. Zero is not a code; every other `u16` can be represented, whether
/// or not it may appear on the wire (see [`CloseCode::is_valid_on_wire`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CloseCode(NonZeroU16);

const fn code(v: u16) -> CloseCode {
    match NonZeroU16::new(v) {
        Some(nz) => CloseCode(nz),
        None => panic!("close code constant is zero"),
    }
}

impl CloseCode {
    /// 1000: normal closure.
    pub const NORMAL: CloseCode = code(1000);
    /// 1001: the endpoint is going away (server shutdown, page navigated away).
    pub const GOING_AWAY: CloseCode = code(1001);
    /// 1002: protocol error.
    pub const PROTOCOL_ERROR: CloseCode = code(1002);
    /// 1003: the endpoint cannot accept this kind of data (e.g. binary on a text-only endpoint).
    pub const UNSUPPORTED_DATA: CloseCode = code(1003);
    /// 1005: no status code was present. Reserved: never sent on the wire.
    pub const NO_STATUS: CloseCode = code(1005);
    /// 1006: the connection closed without a close frame. Reserved: never sent on the wire.
    pub const ABNORMAL: CloseCode = code(1006);
    /// 1007: message data inconsistent with its type (e.g. invalid UTF-8 in a text message).
    pub const INVALID_PAYLOAD: CloseCode = code(1007);
    /// 1008: the message violates the endpoint's policy.
    pub const POLICY_VIOLATION: CloseCode = code(1008);
    /// 1009: the message is too big to process.
    pub const MESSAGE_TOO_BIG: CloseCode = code(1009);
    /// 1010: the client expected the server to negotiate an extension that it did not.
    pub const MANDATORY_EXTENSION: CloseCode = code(1010);
    /// 1011: the server met an unexpected condition.
    pub const INTERNAL_ERROR: CloseCode = code(1011);
    /// 1012: the service is restarting.
    pub const SERVICE_RESTART: CloseCode = code(1012);
    /// 1013: try again later (temporary overload).
    pub const TRY_AGAIN_LATER: CloseCode = code(1013);
    /// 1014: a gateway or proxy received an invalid response from upstream.
    pub const BAD_GATEWAY: CloseCode = code(1014);
    /// 1015: the TLS handshake failed. Reserved: never sent on the wire.
    pub const TLS_HANDSHAKE: CloseCode = code(1015);

    /// The code with value `code`, or `None` for 0.
    #[must_use]
    #[inline]
    pub const fn new(code: u16) -> Option<CloseCode> {
        match NonZeroU16::new(code) {
            Some(nz) => Some(CloseCode(nz)),
            None => None,
        }
    }

    /// The numeric value of this code.
    #[must_use]
    #[inline]
    pub fn as_u16(self) -> u16 {
        self.0.get()
    }

    /// Whether this code may appear in a close frame on the wire: 1000-1003, 1007-1014
    /// (RFC 6455 section 7.4 and the IANA registry) and 3000-4999 (registered and private use).
    /// 1004, 1005, 1006, 1015, the unassigned 1016-2999 and everything below 1000 or from 5000
    /// up are not.
    #[must_use]
    #[inline]
    pub fn is_valid_on_wire(self) -> bool {
        matches!(self.as_u16(), 1000..=1003 | 1007..=1014 | 3000..=4999)
    }
}

impl fmt::Display for CloseCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl From<CloseCode> for u16 {
    fn from(code: CloseCode) -> u16 {
        code.as_u16()
    }
}

/// Parses the payload of a received close frame.
///
/// An empty payload gives `Ok(None)` (no status code, which the receiver reports as 1005).
/// Otherwise the first two bytes are a big-endian code that must be valid on the wire, and
/// the rest is a UTF-8 reason.
///
/// # Errors
///
/// [`CloseError::Truncated`] for a 1-byte payload, [`CloseError::InvalidCode`] for a code that
/// may not be sent, [`CloseError::InvalidReason`] for a reason that is not UTF-8.
pub fn parse_close_payload(payload: &[u8]) -> Result<Option<(CloseCode, &str)>, CloseError> {
    let (code_bytes, reason) = match payload {
        [] => return Ok(None),
        [_] => return Err(CloseError::Truncated),
        [a, b, reason @ ..] => ([*a, *b], reason),
    };
    let raw = u16::from_be_bytes(code_bytes);
    let code = CloseCode::new(raw)
        .filter(|c| c.is_valid_on_wire())
        .ok_or(CloseError::InvalidCode(raw))?;
    let reason = simdutf8::basic::from_utf8(reason).map_err(|_| CloseError::InvalidReason)?;
    Ok(Some((code, reason)))
}

/// Appends a close frame payload to `out`: `code` in big-endian order, then `reason`,
/// truncated at a character boundary so that the payload is at most 125 bytes
/// ([`MAX_CLOSE_REASON_LEN`] bytes of reason).
pub fn encode_close_payload(code: CloseCode, reason: &str, out: &mut Vec<u8>) {
    let mut end = reason.len().min(MAX_CLOSE_REASON_LEN);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    out.reserve(2 + end);
    out.extend_from_slice(&code.as_u16().to_be_bytes());
    out.extend_from_slice(&reason.as_bytes()[..end]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants_have_their_values() {
        let all = [
            (CloseCode::NORMAL, 1000),
            (CloseCode::GOING_AWAY, 1001),
            (CloseCode::PROTOCOL_ERROR, 1002),
            (CloseCode::UNSUPPORTED_DATA, 1003),
            (CloseCode::NO_STATUS, 1005),
            (CloseCode::ABNORMAL, 1006),
            (CloseCode::INVALID_PAYLOAD, 1007),
            (CloseCode::POLICY_VIOLATION, 1008),
            (CloseCode::MESSAGE_TOO_BIG, 1009),
            (CloseCode::MANDATORY_EXTENSION, 1010),
            (CloseCode::INTERNAL_ERROR, 1011),
            (CloseCode::SERVICE_RESTART, 1012),
            (CloseCode::TRY_AGAIN_LATER, 1013),
            (CloseCode::BAD_GATEWAY, 1014),
            (CloseCode::TLS_HANDSHAKE, 1015),
        ];
        for (c, v) in all {
            assert_eq!(c.as_u16(), v);
            assert_eq!(u16::from(c), v);
            assert_eq!(c.to_string(), v.to_string());
            assert_eq!(CloseCode::new(v), Some(c));
        }
        assert_eq!(CloseCode::new(0), None);
    }

    #[test]
    fn wire_validity_matches_rfc_and_registry() {
        for v in 1..=u16::MAX {
            let expected = matches!(v, 1000..=1003 | 1007..=1014 | 3000..=4999);
            let c = CloseCode::new(v).expect("non-zero");
            assert_eq!(c.is_valid_on_wire(), expected, "code {v}");
        }
        for v in [0u16, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535] {
            let c = CloseCode::new(v);
            assert!(c.is_none_or(|c| !c.is_valid_on_wire()), "code {v}");
        }
    }

    #[test]
    fn parses_payloads() {
        assert_eq!(parse_close_payload(b""), Ok(None));
        assert_eq!(parse_close_payload(b"\x03"), Err(CloseError::Truncated));
        assert_eq!(
            parse_close_payload(b"\x03\xe8"),
            Ok(Some((CloseCode::NORMAL, "")))
        );
        assert_eq!(
            parse_close_payload(b"\x0f\xa0h\xc3\xa9!"),
            Ok(Some((CloseCode::new(4000).expect("non-zero"), "h\u{e9}!")))
        );
        assert_eq!(
            parse_close_payload(b"\x03\xed"),
            Err(CloseError::InvalidCode(1005))
        );
        assert_eq!(
            parse_close_payload(b"\x00\x00"),
            Err(CloseError::InvalidCode(0))
        );
        assert_eq!(
            parse_close_payload(
                b"\x03\xe8\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80"
            ),
            Err(CloseError::InvalidReason)
        );
    }

    #[test]
    fn encodes_and_truncates_at_char_boundary() {
        let mut out = Vec::new();
        encode_close_payload(CloseCode::GOING_AWAY, "bye", &mut out);
        assert_eq!(out, b"\x03\xe9bye");

        // 122 ASCII bytes then a 2-byte char: the char does not fit in 123 bytes.
        let reason = format!("{}\u{e9}", "a".repeat(122));
        out.clear();
        encode_close_payload(CloseCode::NORMAL, &reason, &mut out);
        assert_eq!(out.len(), 124);
        assert_eq!(
            parse_close_payload(&out),
            Ok(Some((CloseCode::NORMAL, &reason[..122])))
        );

        let long = "\u{1F600}".repeat(100);
        out.clear();
        encode_close_payload(CloseCode::NORMAL, &long, &mut out);
        assert!(out.len() <= 125);
        assert_eq!(out.len(), 2 + 120);
        let (_, parsed) = parse_close_payload(&out).expect("valid").expect("present");
        assert!(long.starts_with(parsed));
    }
}
