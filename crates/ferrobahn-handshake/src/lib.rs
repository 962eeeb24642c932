//! WebSocket HTTP/1.1 opening handshake, client and server (sans-IO).
//!
//! This crate owns no socket, no clock and no RNG: bytes go in, a validated request or
//! response (or a typed error with its HTTP status) comes out, and the bytes to send are
//! returned to the caller. The client takes its 16 random key bytes from the caller.
//!
//! ```text
//!  server:  socket bytes ──feed──▶ RequestParser ──▶ Request ──accept_response──▶ 101 bytes
//!                                        │                       (or reject_response / err.response())
//!                                        └──take_trailing──▶ first frames for the connection
//!  client:  ClientHandshake::new ──request_bytes──▶ socket ──feed──▶ Response + take_trailing
//! ```
//!
//! # Call order
//! 1. Feed every chunk read from the peer to `feed` until it returns `Ok(Some(..))` or an error.
//!    The head is scanned incrementally (only the new bytes) and parsed once; a head longer
//!    than `max_head_bytes` fails as soon as the limit is reached, even if its end never comes.
//! 2. On success call `take_trailing` and hand those bytes to the WebSocket connection.
//! 3. On error, a server writes [`HandshakeError::response`] (or its own
//!    [`reject_response`]) and closes. A [`HandshakeError::NotWebSocket`] is a plain HTTP GET:
//!    the server may serve a page for [`HandshakeError::plain_get_path`] instead.
//!
//! After a result the parser is finished; further `feed` calls give [`UsageError::Finished`].
//!
//! # Server example
//! ```
//! use ferrobahn_handshake::{accept_response, Accept, RequestParser, ServerConfig};
//!
//! let mut parser = RequestParser::new(ServerConfig {
//!     allowed_origins: vec!["https://*.example.com".into()],
//!     ..ServerConfig::default()
//! });
//! // Bytes as read from a socket, in two pieces, with the first frame right behind the head.
//! let part1 = b"GET /chat?room=1 HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\n";
//! let part2 = b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
//!               Origin: https://www.example.com\r\nSec-WebSocket-Protocol: chat, superchat\r\n\
//!               Sec-WebSocket-Version: 13\r\n\r\n\x81\x80";
//!
//! assert!(parser.feed(part1)?.is_none()); // head not complete yet
//! let request = parser.feed(part2)?.expect("complete head");
//! assert_eq!(request.path, "/chat?room=1");
//! assert_eq!(request.query(), Some("room=1"));
//! assert_eq!(request.protocols, ["chat", "superchat"]);
//! assert_eq!(parser.take_trailing(), b"\x81\x80"); // first frame bytes, for the connection
//!
//! let response = accept_response(&request, &Accept {
//!     protocol: Some("chat".into()),
//!     ..Accept::default()
//! })?;
//! let text = String::from_utf8(response).unwrap();
//! assert!(text.starts_with("HTTP/1.1 101 Switching Protocols\r\n"));
//! assert!(text.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"));
//!
//! // A refused request gets an HTTP error response with the right status:
//! let mut parser = RequestParser::new(ServerConfig::default());
//! let err = parser.feed(b"POST / HTTP/1.1\r\nHost: h\r\n\r\n").unwrap_err();
//! assert_eq!(err.status(), 405);
//! assert!(err.response().starts_with(b"HTTP/1.1 405 Method Not Allowed\r\n"));
//! # Ok::<(), ferrobahn_handshake::HandshakeError>(())
//! ```
#![forbid(unsafe_code)]

mod client;
mod error;
mod extensions;
mod head;
mod headers;
mod origin;
mod proxy;
mod response;
mod server;
mod url;

pub use client::{ClientConfig, ClientHandshake, Response};
pub use error::{HandshakeError, UrlError, UsageError};
pub use extensions::{format_extension, parse_extensions, ExtensionOffer};
pub use proxy::{proxy_connect_request, ProxyResponseParser};
pub use response::{
    accept_key, accept_response, reason_phrase, reject_response, Accept, WEBSOCKET_GUID,
};
pub use server::{
    Request, RequestParser, ServerConfig, DEFAULT_MAX_HEADERS, DEFAULT_MAX_HEAD_BYTES,
};
pub use url::WsUrl;
