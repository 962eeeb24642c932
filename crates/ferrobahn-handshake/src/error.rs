//! Typed handshake errors.
//!
//! [`HandshakeError`] covers everything the *peer* can get wrong (each RFC 6455 4.2.1 rule has
//! its own variant and an HTTP status via [`HandshakeError::status`]), plus
//! [`HandshakeError::Usage`] for local misuse of the API and [`HandshakeError::Url`] for a bad
//! `ws://` / `wss://` URL.

use crate::response::reject_response;

/// An error of the opening handshake (server or client side) or of the proxy helper.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HandshakeError {
    // ---- framing of the HTTP head ----
    /// The head (request or response line plus headers) is longer than the configured limit.
    #[error("HTTP head exceeds {limit} bytes")]
    HeadTooLarge {
        /// The configured `max_head_bytes`.
        limit: usize,
    },
    /// The head has more header lines than the configured limit.
    #[error("HTTP head has more than {limit} headers")]
    TooManyHeaders {
        /// The configured `max_headers`.
        limit: usize,
    },
    /// httparse rejected the head.
    #[error("malformed HTTP head: {0}")]
    MalformedHead(httparse::Error),
    /// The head ended (blank line) before a request or status line was complete.
    #[error("HTTP head is incomplete")]
    IncompleteHead,
    /// The request or response is not HTTP/1.1 (or a later 1.x).
    #[error("unsupported HTTP version (HTTP/1.1 required)")]
    UnsupportedHttpVersion,

    // ---- server side: the client's request ----
    /// The request method is not exactly `GET` (methods are case-sensitive).
    #[error("method {method:?} not allowed (GET required)")]
    MethodNotAllowed {
        /// The method the client sent.
        method: String,
    },
    /// A plain HTTP `GET` without any `Upgrade` header: not a WebSocket request at all.
    ///
    /// A server may answer it with a status page instead of failing; the request target and
    /// headers are carried for that (see [`HandshakeError::plain_get_path`]).
    #[error("not a WebSocket request (no Upgrade header) for {path:?}")]
    NotWebSocket {
        /// The request target, e.g. `/status?x=1`.
        path: String,
        /// The request headers, in order.
        headers: Vec<(String, String)>,
    },
    /// No `Host` header.
    #[error("missing Host header")]
    MissingHost,
    /// More than one `Host` header.
    #[error("duplicate Host header")]
    DuplicateHost,
    /// An `Upgrade` header is present but has no `websocket` token.
    #[error("Upgrade header does not contain \"websocket\"")]
    InvalidUpgrade,
    /// The `Connection` header is missing or has no `upgrade` token.
    #[error("Connection header does not contain \"upgrade\"")]
    MissingConnectionUpgrade,
    /// No `Sec-WebSocket-Key` header.
    #[error("missing Sec-WebSocket-Key header")]
    MissingKey,
    /// More than one `Sec-WebSocket-Key` header.
    #[error("duplicate Sec-WebSocket-Key header")]
    DuplicateKey,
    /// The `Sec-WebSocket-Key` is not the base64 encoding of exactly 16 bytes.
    #[error("Sec-WebSocket-Key is not base64 of 16 bytes")]
    InvalidKey,
    /// No `Sec-WebSocket-Version` header.
    #[error("missing Sec-WebSocket-Version header")]
    MissingVersion,
    /// More than one `Sec-WebSocket-Version` header.
    #[error("duplicate Sec-WebSocket-Version header")]
    DuplicateVersion,
    /// The `Sec-WebSocket-Version` is not one this server speaks (answered with 426).
    #[error("unsupported Sec-WebSocket-Version {version:?}")]
    UnsupportedVersion {
        /// The version value the client sent.
        version: String,
    },
    /// More than one `Origin` (or, for version 8, `Sec-WebSocket-Origin`) header.
    #[error("duplicate Origin header")]
    DuplicateOrigin,
    /// The origin is not allowed by `ServerConfig::allowed_origins`.
    #[error("origin {origin:?} not allowed")]
    OriginRefused {
        /// The origin the client sent.
        origin: String,
    },
    /// `Origin: null` was sent and `ServerConfig::allow_null_origin` is false.
    #[error("null origin not allowed")]
    NullOriginRefused,
    /// A `Sec-WebSocket-Protocol` element is not a valid token.
    #[error("invalid Sec-WebSocket-Protocol value")]
    InvalidProtocolHeader,
    /// A `Sec-WebSocket-Extensions` header does not follow RFC 6455 9.1.
    #[error("invalid Sec-WebSocket-Extensions at byte {position}: {reason}")]
    InvalidExtensions {
        /// Byte offset in the header value where parsing failed.
        position: usize,
        /// What was expected.
        reason: &'static str,
    },

    // ---- client side: the server's response ----
    /// The server answered with a status other than 101.
    #[error("server answered {status} {reason:?} instead of 101")]
    UnexpectedStatus {
        /// The HTTP status code.
        status: u16,
        /// The reason phrase.
        reason: String,
    },
    /// The response has no `Upgrade: websocket`.
    #[error("response Upgrade header does not contain \"websocket\"")]
    ResponseMissingUpgrade,
    /// `Sec-WebSocket-Accept` is missing, duplicated or does not match the key.
    #[error("Sec-WebSocket-Accept missing or wrong")]
    AcceptMismatch,
    /// The server selected a subprotocol the client did not offer (or sent several).
    #[error("server selected subprotocol {protocol:?} which was not offered")]
    UnofferedProtocol {
        /// The protocol the server returned.
        protocol: String,
    },
    /// The server accepted an extension the client did not offer.
    #[error("server accepted extension {name:?} which was not offered")]
    UnofferedExtension {
        /// The extension name the server returned.
        name: String,
    },

    // ---- local ----
    /// The API was used wrongly (a local bug, never the peer's fault).
    #[error("usage error: {0}")]
    Usage(#[from] UsageError),
    /// A `ws://` / `wss://` URL could not be parsed.
    #[error("invalid WebSocket URL: {0}")]
    Url(#[from] UrlError),
}

impl HandshakeError {
    /// The HTTP status a server answers this error with.
    ///
    /// 400 for a malformed request, 405 for a non-GET method, 505 for a non-1.1 HTTP version,
    /// 426 for an unsupported `Sec-WebSocket-Version` or a request without `Upgrade`, 403 for
    /// a refused origin, 431 for a head that is too large or has too many headers, and 500 for
    /// local errors. Client-side errors about the server's response map to 502 (bad gateway).
    #[must_use]
    pub fn status(&self) -> u16 {
        use HandshakeError as E;
        match self {
            E::HeadTooLarge { .. } | E::TooManyHeaders { .. } => 431,
            E::MethodNotAllowed { .. } => 405,
            E::UnsupportedHttpVersion => 505,
            E::UnsupportedVersion { .. } | E::NotWebSocket { .. } => 426,
            E::OriginRefused { .. } | E::NullOriginRefused => 403,
            E::MalformedHead(_)
            | E::IncompleteHead
            | E::MissingHost
            | E::DuplicateHost
            | E::InvalidUpgrade
            | E::MissingConnectionUpgrade
            | E::MissingKey
            | E::DuplicateKey
            | E::InvalidKey
            | E::MissingVersion
            | E::DuplicateVersion
            | E::DuplicateOrigin
            | E::InvalidProtocolHeader
            | E::InvalidExtensions { .. } => 400,
            E::UnexpectedStatus { .. }
            | E::ResponseMissingUpgrade
            | E::AcceptMismatch
            | E::UnofferedProtocol { .. }
            | E::UnofferedExtension { .. } => 502,
            E::Usage(_) | E::Url(_) => 500,
        }
    }

    /// True when the request was a plain HTTP `GET` without `Upgrade` (see
    /// [`HandshakeError::NotWebSocket`]): a server may serve a page instead.
    #[must_use]
    pub fn is_plain_http_get(&self) -> bool {
        matches!(self, HandshakeError::NotWebSocket { .. })
    }

    /// The request target of a plain HTTP `GET` (see [`HandshakeError::NotWebSocket`]).
    #[must_use]
    pub fn plain_get_path(&self) -> Option<&str> {
        match self {
            HandshakeError::NotWebSocket { path, .. } => Some(path),
            _ => None,
        }
    }

    /// The complete HTTP error response a server sends for this error
    /// ([`reject_response`] with [`HandshakeError::status`] and this error's text as body).
    #[must_use]
    pub fn response(&self) -> Vec<u8> {
        reject_response(self.status(), &self.to_string(), &[])
    }
}

/// Local misuse of the API: the caller's bug, never the peer's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UsageError {
    /// `Accept::protocol` names a subprotocol the client did not offer.
    #[error("subprotocol {0:?} was not offered by the client")]
    ProtocolNotOffered(String),
    /// `Accept::extensions` names an extension the client did not offer.
    #[error("extension {0:?} was not offered by the client")]
    ExtensionNotOffered(String),
    /// A header name is not an HTTP token, or a value contains CR, LF or NUL.
    #[error("invalid header {0:?}")]
    InvalidHeader(String),
    /// A subprotocol or extension name is not an HTTP token.
    #[error("invalid token {0:?}")]
    InvalidToken(String),
    /// The WebSocket version is not 13 or 8.
    #[error("unsupported WebSocket version {0}")]
    UnsupportedVersion(u8),
    /// A host or resource contains characters that cannot go into a request line.
    #[error("invalid host or resource {0:?}")]
    InvalidTarget(String),
    /// `feed` was called after the parser already produced a result or an error.
    #[error("parser already finished")]
    Finished,
}

/// Why a `ws://` / `wss://` URL was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UrlError {
    /// The scheme is not `ws` or `wss`.
    #[error("scheme must be ws or wss")]
    Scheme,
    /// The host is empty or contains invalid characters.
    #[error("invalid host")]
    Host,
    /// The port is not a number in 1..=65535.
    #[error("invalid port")]
    Port,
    /// User information (`user@host`) is not supported.
    #[error("user info is not supported")]
    UserInfo,
    /// WebSocket URLs must not have a fragment (RFC 6455 3).
    #[error("fragment not allowed")]
    Fragment,
    /// The resource name contains whitespace, control or non-ASCII characters.
    #[error("invalid resource name")]
    Resource,
}
