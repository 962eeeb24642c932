//! Shared helpers for the integration tests.
#![allow(dead_code, unreachable_pub)]

use ferrobahn_handshake::{HandshakeError, Request, RequestParser, ServerConfig};

/// The RFC 6455 1.3 sample key.
pub const SAMPLE_KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";

/// A valid version-13 request head built from `(name, value)` header lines.
pub fn head(request_line: &str, headers: &[(&str, &str)]) -> Vec<u8> {
    let mut s = format!("{request_line}\r\n");
    for (n, v) in headers {
        s.push_str(&format!("{n}: {v}\r\n"));
    }
    s.push_str("\r\n");
    s.into_bytes()
}

/// The headers of a valid request.
pub fn good_headers() -> Vec<(&'static str, &'static str)> {
    vec![
        ("Host", "server.example.com"),
        ("Upgrade", "websocket"),
        ("Connection", "Upgrade"),
        ("Sec-WebSocket-Key", SAMPLE_KEY),
        ("Sec-WebSocket-Version", "13"),
    ]
}

/// A valid request with header `name` replaced by `value` (or removed when `None`).
pub fn with(name: &str, value: Option<&str>) -> Vec<u8> {
    let mut hs: Vec<(&str, &str)> = good_headers()
        .into_iter()
        .filter(|(n, _)| !n.eq_ignore_ascii_case(name))
        .collect();
    if let Some(v) = value {
        hs.push((name, v));
    }
    head("GET /chat HTTP/1.1", &hs)
}

/// Feeds everything at once.
pub fn parse_whole(cfg: ServerConfig, data: &[u8]) -> Result<Option<Request>, HandshakeError> {
    RequestParser::new(cfg).feed(data)
}

/// Feeds one byte at a time, stopping at the first result or error.
pub fn parse_bytewise(cfg: ServerConfig, data: &[u8]) -> Result<Option<Request>, HandshakeError> {
    let mut p = RequestParser::new(cfg);
    for b in data {
        if let Some(r) = p.feed(std::slice::from_ref(b))? {
            return Ok(Some(r));
        }
    }
    Ok(None)
}

/// Parses both ways with the default config, asserts both agree, returns the result.
pub fn parse(data: &[u8]) -> Result<Option<Request>, HandshakeError> {
    parse_cfg(ServerConfig::default(), data)
}

/// Parses both ways with `cfg`, asserts both agree, returns the result.
pub fn parse_cfg(cfg: ServerConfig, data: &[u8]) -> Result<Option<Request>, HandshakeError> {
    let whole = parse_whole(cfg.clone(), data);
    let bytewise = parse_bytewise(cfg, data);
    assert_eq!(whole, bytewise, "one-piece and byte-by-byte feeding differ");
    whole
}

/// The error of a request that must be refused.
pub fn refused(data: &[u8]) -> HandshakeError {
    parse(data).expect_err("request should be refused")
}

/// The error of a request that must be refused under `cfg`.
pub fn refused_cfg(cfg: ServerConfig, data: &[u8]) -> HandshakeError {
    parse_cfg(cfg, data).expect_err("request should be refused")
}
