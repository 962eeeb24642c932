//! Server side: the bytes of the 101 response and of HTTP error responses.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use sha1::{Digest, Sha1};

use crate::error::{HandshakeError, UsageError};
use crate::extensions::{check_extension, format_extensions, ExtensionOffer};
use crate::headers::{check_header, write_header};
use crate::server::Request;

/// The GUID of RFC 6455 1.3, appended to the key before hashing.
pub const WEBSOCKET_GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// `Sec-WebSocket-Accept` for a `Sec-WebSocket-Key`: `base64(sha1(key + GUID))`.
///
/// ```
/// assert_eq!(
///     ferrobahn_handshake::accept_key("dGhlIHNhbXBsZSBub25jZQ=="),
///     "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
/// );
/// ```
#[must_use]
pub fn accept_key(key: &str) -> String {
    let mut out = [0u8; ACCEPT_KEY_LEN];
    accept_key_into(key, &mut out).to_owned()
}

/// Length of a `Sec-WebSocket-Accept` value (base64 of 20 bytes).
const ACCEPT_KEY_LEN: usize = 28;

/// [`accept_key`] into a stack buffer.
fn accept_key_into<'a>(key: &str, out: &'a mut [u8; ACCEPT_KEY_LEN]) -> &'a str {
    let mut sha = Sha1::new();
    sha.update(key.as_bytes());
    sha.update(WEBSOCKET_GUID.as_bytes());
    // 20 bytes always encode to 28 base64 characters.
    let n = STANDARD
        .encode_slice(sha.finalize(), &mut out[..])
        .unwrap_or_default();
    std::str::from_utf8(&out[..n]).unwrap_or_default()
}

/// What the server answers to an acceptable request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Accept {
    /// The selected subprotocol; must be one of `Request::protocols`.
    pub protocol: Option<String>,
    /// The accepted extensions with their response parameters; each name must have been offered.
    pub extensions: Vec<ExtensionOffer>,
    /// Extra response headers (names must be tokens, values without CR/LF/NUL).
    pub headers: Vec<(String, String)>,
}

/// The `101 Switching Protocols` response: `Upgrade`, `Connection`, `Sec-WebSocket-Accept`, the
/// chosen protocol, the accepted extensions and the custom headers.
///
/// # Errors
/// [`HandshakeError::Usage`] when the protocol or an extension was not offered by the client,
/// or a header or extension cannot be written safely (CR/LF injection).
pub fn accept_response(request: &Request, accept: &Accept) -> Result<Vec<u8>, HandshakeError> {
    if let Some(p) = &accept.protocol {
        if !request.protocols.iter().any(|o| o == p) {
            return Err(UsageError::ProtocolNotOffered(p.clone()).into());
        }
    }
    for ext in &accept.extensions {
        check_extension(ext)?;
        if !request.extensions.iter().any(|o| o.name == ext.name) {
            return Err(UsageError::ExtensionNotOffered(ext.name.clone()).into());
        }
    }
    for (n, v) in &accept.headers {
        check_header(n, v)?;
    }
    let mut out = Vec::with_capacity(256);
    out.extend_from_slice(b"HTTP/1.1 101 Switching Protocols\r\n");
    write_header(&mut out, "Upgrade", "websocket");
    write_header(&mut out, "Connection", "Upgrade");
    let mut key = [0u8; ACCEPT_KEY_LEN];
    write_header(
        &mut out,
        "Sec-WebSocket-Accept",
        accept_key_into(&request.key, &mut key),
    );
    if let Some(p) = &accept.protocol {
        write_header(&mut out, "Sec-WebSocket-Protocol", p);
    }
    if !accept.extensions.is_empty() {
        write_header(
            &mut out,
            "Sec-WebSocket-Extensions",
            &format_extensions(&accept.extensions),
        );
    }
    for (n, v) in &accept.headers {
        write_header(&mut out, n, v);
    }
    out.extend_from_slice(b"\r\n");
    Ok(out)
}

/// The standard reason phrase of an HTTP status code (`"Unknown"` for unlisted codes).
#[must_use]
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        101 => "Switching Protocols",
        200 => "OK",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        413 => "Content Too Large",
        426 => "Upgrade Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "Unknown",
    }
}

/// An HTTP error response: status line with the standard reason phrase, `Content-Type:
/// text/plain`, `Content-Length`, `Connection: close`, for 426 `Upgrade: websocket` and
/// `Sec-WebSocket-Version: 13, 8`, for 405 `Allow: GET`, then `headers`; the body is `reason`.
///
/// Custom headers that could break the head (CR, LF, NUL, or a non-token name) are dropped and
/// logged; an out-of-range status (not 100..=999) is written as 500.
#[must_use]
pub fn reject_response(status: u16, reason: &str, headers: &[(String, String)]) -> Vec<u8> {
    let status = if (100..=999).contains(&status) {
        status
    } else {
        500
    };
    let mut out = Vec::with_capacity(192 + reason.len());
    out.extend_from_slice(format!("HTTP/1.1 {status} {}\r\n", reason_phrase(status)).as_bytes());
    write_header(&mut out, "Content-Type", "text/plain; charset=utf-8");
    write_header(&mut out, "Content-Length", &reason.len().to_string());
    write_header(&mut out, "Connection", "close");
    if status == 426 {
        write_header(&mut out, "Upgrade", "websocket");
        write_header(&mut out, "Sec-WebSocket-Version", "13, 8");
    }
    if status == 405 {
        write_header(&mut out, "Allow", "GET");
    }
    for (n, v) in headers {
        match check_header(n, v) {
            Ok(()) => write_header(&mut out, n, v),
            Err(e) => tracing::warn!(error = %e, "dropping unsafe header from error response"),
        }
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(reason.as_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6455_sample_accept() {
        assert_eq!(
            accept_key("dGhlIHNhbXBsZSBub25jZQ=="),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
    }

    #[test]
    fn reject_426_has_version_header_and_body() {
        let r = String::from_utf8(reject_response(426, "need 13", &[])).unwrap();
        assert!(r.starts_with("HTTP/1.1 426 Upgrade Required\r\n"));
        assert!(r.contains("\r\nSec-WebSocket-Version: 13, 8\r\n"));
        assert!(r.contains("\r\nConnection: close\r\n"));
        assert!(r.contains("\r\nContent-Type: text/plain; charset=utf-8\r\n"));
        assert!(r.contains("\r\nContent-Length: 7\r\n"));
        assert!(r.ends_with("\r\n\r\nneed 13"));
    }

    #[test]
    fn reject_drops_injected_headers() {
        let hs = vec![
            ("X-Ok".to_owned(), "1".to_owned()),
            ("X-Bad".to_owned(), "1\r\nSet-Cookie: a=b".to_owned()),
        ];
        let r = String::from_utf8(reject_response(403, "no", &hs)).unwrap();
        assert!(r.contains("\r\nX-Ok: 1\r\n"));
        assert!(!r.contains("Set-Cookie"));
        assert!(!r.contains("Sec-WebSocket-Version"));
    }

    #[test]
    fn reject_405_lists_allowed_method() {
        let r = String::from_utf8(reject_response(405, "", &[])).unwrap();
        assert!(r.starts_with("HTTP/1.1 405 Method Not Allowed\r\n"));
        assert!(r.contains("\r\nAllow: GET\r\n"));
    }

    #[test]
    fn reject_fixes_impossible_status() {
        let r = String::from_utf8(reject_response(7, "x", &[])).unwrap();
        assert!(r.starts_with("HTTP/1.1 500 Internal Server Error\r\n"));
    }
}
