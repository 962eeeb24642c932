//! Server side: parse and validate the client's opening request (RFC 6455 4.2.1).

use std::mem::MaybeUninit;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

use crate::error::HandshakeError;
use crate::extensions::{parse_extensions, ExtensionOffer};
use crate::head::{map_httparse_error, owned_headers, HeadBuffer};
use crate::headers::{first, has_token, is_token, list, single};
use crate::origin::origin_allowed;

/// Default limit on the size of an HTTP head (request or response line plus headers).
pub const DEFAULT_MAX_HEAD_BYTES: usize = 16 * 1024;
/// Default limit on the number of header lines.
pub const DEFAULT_MAX_HEADERS: usize = 64;

/// Server handshake policy and limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    /// A request head larger than this is refused with 431 (default 16 KiB).
    pub max_head_bytes: usize,
    /// A request with more header lines than this is refused with 431 (default 64).
    pub max_headers: usize,
    /// Allowed origin patterns: `*` matches any run of characters, e.g. `"*"` (the default:
    /// any origin), `"https://*.example.com"`, `"http://localhost:*"`. An empty list refuses
    /// every origin. A request without an origin header (non-browser client) is always allowed.
    pub allowed_origins: Vec<String>,
    /// Whether `Origin: null` is allowed (default true).
    pub allow_null_origin: bool,
    /// Supported `Sec-WebSocket-Version` values (default `[13, 8]`).
    pub versions: Vec<u8>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            max_head_bytes: DEFAULT_MAX_HEAD_BYTES,
            max_headers: DEFAULT_MAX_HEADERS,
            allowed_origins: vec!["*".to_owned()],
            allow_null_origin: true,
            versions: vec![13, 8],
        }
    }
}

/// A validated WebSocket opening request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The request method (always `GET` once validated).
    pub method: String,
    /// The request target, e.g. `/chat?x=1`.
    pub path: String,
    /// All headers in order, names in original case, values lossily decoded and trimmed.
    pub headers: Vec<(String, String)>,
    /// The `Host` header value.
    pub host: String,
    /// `Origin` (version 13) or `Sec-WebSocket-Origin` (version 8), if sent.
    pub origin: Option<String>,
    /// The `Sec-WebSocket-Version` (13 or 8).
    pub version: u8,
    /// The `Sec-WebSocket-Key` value.
    pub key: String,
    /// The offered subprotocols (all `Sec-WebSocket-Protocol` headers, comma-split, trimmed).
    pub protocols: Vec<String>,
    /// The offered extensions (all `Sec-WebSocket-Extensions` headers, parsed).
    pub extensions: Vec<ExtensionOffer>,
}

impl Request {
    /// The first value of header `name` (case-insensitive).
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        first(&self.headers, name)
    }

    /// The query part of the request target (after `?`), if any.
    #[must_use]
    pub fn query(&self) -> Option<&str> {
        self.path.split_once('?').map(|(_, q)| q)
    }

    /// The request target without its query.
    #[must_use]
    pub fn path_only(&self) -> &str {
        self.path.split_once('?').map_or(&self.path, |(p, _)| p)
    }
}

/// Incremental, sans-IO parser for the client's opening request.
///
/// Feed bytes as they arrive; the head is scanned incrementally and parsed once, when the
/// blank line arrives. After a result (request or error) the parser is finished: further
/// `feed` calls give [`UsageError::Finished`](crate::UsageError::Finished).
#[derive(Debug, Clone)]
pub struct RequestParser {
    config: ServerConfig,
    head: HeadBuffer,
}

impl RequestParser {
    /// A parser with the given policy.
    #[must_use]
    pub fn new(config: ServerConfig) -> Self {
        let head = HeadBuffer::new(config.max_head_bytes);
        Self { config, head }
    }

    /// The policy this parser applies.
    #[must_use]
    pub fn config(&self) -> &ServerConfig {
        &self.config
    }

    /// Feeds bytes as they arrive. `Ok(None)`: the head is not complete yet.
    ///
    /// Only the new bytes are scanned for the end of the head, and httparse runs once.
    /// Bytes after the head are kept; get them with [`RequestParser::take_trailing`].
    ///
    /// # Errors
    /// Any [`HandshakeError`] of the server side; [`HandshakeError::status`] gives the HTTP
    /// status to answer with and [`HandshakeError::response`] the whole response.
    pub fn feed(&mut self, data: &[u8]) -> Result<Option<Request>, HandshakeError> {
        let result = match self.head.push(data)? {
            None => return Ok(None),
            Some(head) => parse_request(head, &self.config),
        };
        self.head.release();
        match &result {
            Ok(req) => {
                tracing::debug!(path = %req.path, version = req.version, "WebSocket request accepted")
            }
            Err(e) => tracing::debug!(error = %e, status = e.status(), "WebSocket request refused"),
        }
        result.map(Some)
    }

    /// Takes the bytes received after the head (the first WebSocket frames, if any).
    pub fn take_trailing(&mut self) -> Vec<u8> {
        self.head.take_trailing()
    }
}

/// Parses a complete head once and validates it.
fn parse_request(head: &[u8], config: &ServerConfig) -> Result<Request, HandshakeError> {
    // Header slots on the stack up to the default limit (httparse fills
    // them, so they need no initialising), on the heap above it.
    let mut stack = [const { MaybeUninit::uninit() }; DEFAULT_MAX_HEADERS];
    let mut heap;
    let storage = if config.max_headers <= DEFAULT_MAX_HEADERS {
        &mut stack[..config.max_headers]
    } else {
        heap = Vec::with_capacity(config.max_headers);
        heap.resize_with(config.max_headers, MaybeUninit::uninit);
        &mut heap[..]
    };
    let mut req = httparse::Request::new(&mut []);
    match req.parse_with_uninit_headers(head, storage) {
        Ok(httparse::Status::Complete(_)) => {}
        Ok(httparse::Status::Partial) => return Err(HandshakeError::IncompleteHead),
        Err(e) => return Err(map_httparse_error(e, config.max_headers)),
    }
    let (Some(method), Some(path), Some(minor)) = (req.method, req.path, req.version) else {
        return Err(HandshakeError::IncompleteHead);
    };
    if method != "GET" {
        return Err(HandshakeError::MethodNotAllowed {
            method: method.to_owned(),
        });
    }
    if minor < 1 {
        return Err(HandshakeError::UnsupportedHttpVersion);
    }
    let headers = owned_headers(req.headers);
    validate(method.to_owned(), path.to_owned(), headers, config)
}

fn validate(
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    config: &ServerConfig,
) -> Result<Request, HandshakeError> {
    let host = match single(&headers, "Host") {
        (0, _) => return Err(HandshakeError::MissingHost),
        (1, Some(h)) => h.to_owned(),
        _ => return Err(HandshakeError::DuplicateHost),
    };
    if single(&headers, "Upgrade").0 == 0 {
        return Err(HandshakeError::NotWebSocket { path, headers });
    }
    if !has_token(&headers, "Upgrade", "websocket") {
        return Err(HandshakeError::InvalidUpgrade);
    }
    if !has_token(&headers, "Connection", "upgrade") {
        return Err(HandshakeError::MissingConnectionUpgrade);
    }
    let key = match single(&headers, "Sec-WebSocket-Key") {
        (0, _) => return Err(HandshakeError::MissingKey),
        (1, Some(k)) => k.to_owned(),
        _ => return Err(HandshakeError::DuplicateKey),
    };
    if !key_is_valid(&key) {
        return Err(HandshakeError::InvalidKey);
    }
    let version = match single(&headers, "Sec-WebSocket-Version") {
        (0, _) => return Err(HandshakeError::MissingVersion),
        (1, Some(v)) => v,
        _ => return Err(HandshakeError::DuplicateVersion),
    };
    let version = match version.parse::<u8>() {
        Ok(v) if config.versions.contains(&v) => v,
        _ => {
            return Err(HandshakeError::UnsupportedVersion {
                version: version.to_owned(),
            })
        }
    };
    let origin_header = if version >= 13 {
        "Origin"
    } else {
        "Sec-WebSocket-Origin"
    };
    let origin = match single(&headers, origin_header) {
        (0, _) => None,
        (1, Some(o)) => Some(o.to_owned()),
        _ => return Err(HandshakeError::DuplicateOrigin),
    };
    if let Some(o) = &origin {
        check_origin(o, config)?;
    }
    let protocols: Vec<String> = list(&headers, "Sec-WebSocket-Protocol")
        .map(str::to_owned)
        .collect();
    if !protocols.iter().all(|p| is_token(p)) {
        return Err(HandshakeError::InvalidProtocolHeader);
    }
    let mut extensions = Vec::new();
    for (name, value) in &headers {
        if name.eq_ignore_ascii_case("Sec-WebSocket-Extensions") {
            extensions.extend(parse_extensions(value)?);
        }
    }
    Ok(Request {
        method,
        path,
        headers,
        host,
        origin,
        version,
        key,
        protocols,
        extensions,
    })
}

/// A key is valid when it is canonical base64 of exactly 16 bytes.
fn key_is_valid(key: &str) -> bool {
    let mut raw = [0u8; 18];
    key.len() == 24 && STANDARD.decode_slice(key, &mut raw).is_ok_and(|n| n == 16)
}

fn check_origin(origin: &str, config: &ServerConfig) -> Result<(), HandshakeError> {
    if origin.eq_ignore_ascii_case("null") {
        if config.allow_null_origin {
            return Ok(());
        }
        return Err(HandshakeError::NullOriginRefused);
    }
    if origin_allowed(origin, &config.allowed_origins) {
        Ok(())
    } else {
        Err(HandshakeError::OriginRefused {
            origin: origin.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_validation() {
        assert!(key_is_valid("dGhlIHNhbXBsZSBub25jZQ=="));
        assert!(!key_is_valid("dGhlIHNhbXBsZSBub25jZQ")); // unpadded
        assert!(!key_is_valid("dGhlIHNhbXBsZSBub25jZQ==="));
        assert!(!key_is_valid("dGhlIHNhbXBsZSBub25j!Q=="));
        assert!(!key_is_valid(""));
    }

    #[test]
    fn query_and_path_only() {
        let mut req = Request {
            method: "GET".into(),
            path: "/chat?room=1&x".into(),
            headers: vec![("X-A".into(), "1".into())],
            host: "h".into(),
            origin: None,
            version: 13,
            key: String::new(),
            protocols: vec![],
            extensions: vec![],
        };
        assert_eq!(req.query(), Some("room=1&x"));
        assert_eq!(req.path_only(), "/chat");
        assert_eq!(req.header("x-a"), Some("1"));
        req.path = "/plain".into();
        assert_eq!(req.query(), None);
        assert_eq!(req.path_only(), "/plain");
    }
}
