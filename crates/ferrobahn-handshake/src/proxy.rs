//! HTTP `CONNECT` proxy tunnelling (sans-IO): the request bytes and an incremental parser of
//! the proxy's answer. A 2xx status means the tunnel is up and the WebSocket (or TLS)
//! handshake can start on the same connection.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

use crate::error::HandshakeError;
use crate::head::{map_httparse_error, HeadBuffer};
use crate::headers::write_header;
use crate::server::{DEFAULT_MAX_HEADERS, DEFAULT_MAX_HEAD_BYTES};

/// The `CONNECT host:port HTTP/1.1` request, with `Proxy-Authorization: Basic` when
/// `basic_auth` is `Some((user, password))`. IPv6 hosts are bracketed. Control characters and
/// spaces in `host` are removed (they could only break the head).
#[must_use]
pub fn proxy_connect_request(host: &str, port: u16, basic_auth: Option<(&str, &str)>) -> Vec<u8> {
    let clean: String = host
        .chars()
        .filter(|c| !c.is_control() && !c.is_whitespace())
        .collect();
    if clean.len() != host.len() {
        tracing::warn!("removed control characters from proxy CONNECT host");
    }
    let authority = if clean.contains(':') && !clean.starts_with('[') {
        format!("[{clean}]:{port}")
    } else {
        format!("{clean}:{port}")
    };
    let mut out = Vec::with_capacity(128);
    out.extend_from_slice(format!("CONNECT {authority} HTTP/1.1\r\n").as_bytes());
    write_header(&mut out, "Host", &authority);
    if let Some((user, pass)) = basic_auth {
        let creds = STANDARD.encode(format!("{user}:{pass}"));
        write_header(&mut out, "Proxy-Authorization", &format!("Basic {creds}"));
    }
    out.extend_from_slice(b"\r\n");
    out
}

/// Incremental parser of the proxy's answer to `CONNECT`.
#[derive(Debug, Clone)]
pub struct ProxyResponseParser {
    head: HeadBuffer,
    max_headers: usize,
    reason: Option<String>,
}

impl Default for ProxyResponseParser {
    fn default() -> Self {
        Self::new()
    }
}

impl ProxyResponseParser {
    /// A parser with the default limits (16 KiB head, 64 headers).
    #[must_use]
    pub fn new() -> Self {
        Self::with_limits(DEFAULT_MAX_HEAD_BYTES, DEFAULT_MAX_HEADERS)
    }

    /// A parser with explicit limits.
    #[must_use]
    pub fn with_limits(max_head_bytes: usize, max_headers: usize) -> Self {
        Self {
            head: HeadBuffer::new(max_head_bytes),
            max_headers,
            reason: None,
        }
    }

    /// Feeds the proxy's bytes. `Ok(Some(status))` once the response head is complete; a 2xx
    /// status means the tunnel is up. `Ok(None)`: need more bytes.
    ///
    /// # Errors
    /// A malformed, oversized or non-HTTP/1.x response head.
    pub fn feed(&mut self, data: &[u8]) -> Result<Option<u16>, HandshakeError> {
        let Some(head) = self.head.push(data)? else {
            return Ok(None);
        };
        let mut storage = vec![httparse::EMPTY_HEADER; self.max_headers];
        let mut res = httparse::Response::new(&mut storage);
        let parsed = match res.parse(head) {
            Ok(httparse::Status::Complete(_)) => match res.code {
                Some(code) => {
                    self.reason = res.reason.map(str::to_owned);
                    Ok(Some(code))
                }
                None => Err(HandshakeError::IncompleteHead),
            },
            Ok(httparse::Status::Partial) => Err(HandshakeError::IncompleteHead),
            Err(e) => Err(map_httparse_error(e, self.max_headers)),
        };
        self.head.release();
        parsed
    }

    /// The reason phrase of the parsed response.
    #[must_use]
    pub fn reason(&self) -> Option<&str> {
        self.reason.as_deref()
    }

    /// Takes the bytes received after the proxy's response head.
    pub fn take_trailing(&mut self) -> Vec<u8> {
        self.head.take_trailing()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_request_plain_and_auth() {
        let r = proxy_connect_request("example.com", 443, None);
        assert_eq!(
            r,
            b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"
        );
        let r = String::from_utf8(proxy_connect_request("::1", 80, Some(("u", "p")))).unwrap();
        assert!(r.starts_with("CONNECT [::1]:80 HTTP/1.1\r\nHost: [::1]:80\r\n"));
        assert!(r.contains("\r\nProxy-Authorization: Basic dTpw\r\n"));
    }

    #[test]
    fn connect_request_strips_injection() {
        let r = String::from_utf8(proxy_connect_request("a\r\nX: y", 1, None)).unwrap();
        assert!(r.starts_with("CONNECT [aX:y]:1 HTTP/1.1\r\n"), "{r:?}");
        assert_eq!(r.matches("\r\n").count(), 3);
    }

    #[test]
    fn parses_status_byte_by_byte_with_trailing() {
        let data = b"HTTP/1.1 200 Connection established\r\nProxy-Agent: t\r\n\r\n\x16\x03";
        let mut p = ProxyResponseParser::new();
        let mut got = None;
        for b in data {
            if let Some(s) = p.feed(std::slice::from_ref(b)).unwrap() {
                got = Some(s);
                break;
            }
        }
        assert_eq!(got, Some(200));
        assert_eq!(p.reason(), Some("Connection established"));
        assert_eq!(p.take_trailing(), b"");

        let mut q = ProxyResponseParser::new();
        assert_eq!(q.feed(data).unwrap(), Some(200));
        assert_eq!(q.take_trailing(), b"\x16\x03");
    }

    #[test]
    fn refusal_status_is_reported() {
        let mut p = ProxyResponseParser::new();
        let s = p
            .feed(b"HTTP/1.1 407 Proxy Authentication Required\r\n\r\n")
            .unwrap();
        assert_eq!(s, Some(407));
    }

    #[test]
    fn limits_apply() {
        let mut p = ProxyResponseParser::with_limits(32, 4);
        assert_eq!(
            p.feed(&[b'a'; 40]),
            Err(HandshakeError::HeadTooLarge { limit: 32 })
        );
        let mut q = ProxyResponseParser::with_limits(1024, 1);
        assert_eq!(
            q.feed(b"HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\n\r\n"),
            Err(HandshakeError::TooManyHeaders { limit: 1 })
        );
        let mut r = ProxyResponseParser::new();
        assert!(matches!(
            r.feed(b"garbage\r\n\r\n"),
            Err(HandshakeError::MalformedHead(_) | HandshakeError::UnsupportedHttpVersion)
        ));
    }
}
