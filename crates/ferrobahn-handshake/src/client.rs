//! Client side: build the opening request and validate the server's response (RFC 6455 4.1).

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

use crate::error::{HandshakeError, UsageError};
use crate::extensions::{check_extension, format_extensions, parse_extensions, ExtensionOffer};
use crate::head::{map_httparse_error, owned_headers, HeadBuffer};
use crate::headers::{check_header, first, has_token, is_token, single, write_header};
use crate::response::accept_key;
use crate::server::{DEFAULT_MAX_HEADERS, DEFAULT_MAX_HEAD_BYTES};
use crate::url::{valid_resource, WsUrl};

/// What the client offers and sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientConfig {
    /// `Origin` (version 13) or `Sec-WebSocket-Origin` (version 8) to send, if any.
    pub origin: Option<String>,
    /// Subprotocols to offer, in order of preference.
    pub protocols: Vec<String>,
    /// Extensions to offer.
    pub extensions: Vec<ExtensionOffer>,
    /// Extra request headers (names must be tokens, values without CR/LF/NUL).
    pub headers: Vec<(String, String)>,
    /// `Sec-WebSocket-Version` to send: 13 (default) or 8.
    pub version: u8,
    /// Limit on the response head size (default 16 KiB).
    pub max_head_bytes: usize,
    /// Limit on the number of response headers (default 64).
    pub max_headers: usize,
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            origin: None,
            protocols: Vec::new(),
            extensions: Vec::new(),
            headers: Vec::new(),
            version: 13,
            max_head_bytes: DEFAULT_MAX_HEAD_BYTES,
            max_headers: DEFAULT_MAX_HEADERS,
        }
    }
}

/// The server's validated `101` response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The HTTP status (always 101 once validated).
    pub status: u16,
    /// All headers in order, names in original case, values lossily decoded and trimmed.
    pub headers: Vec<(String, String)>,
    /// The subprotocol the server selected (one we offered), if any.
    pub protocol: Option<String>,
    /// The extensions the server accepted (each one we offered), with their parameters.
    pub extensions: Vec<ExtensionOffer>,
}

impl Response {
    /// The first value of header `name` (case-insensitive).
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        first(&self.headers, name)
    }
}

/// The client half of the opening handshake (sans-IO).
///
/// Send [`ClientHandshake::request_bytes`], then feed the server's bytes until
/// [`ClientHandshake::feed`] returns the [`Response`]; bytes after the response head (the first
/// frames) are in [`ClientHandshake::take_trailing`].
#[derive(Debug, Clone)]
pub struct ClientHandshake {
    request: Vec<u8>,
    key: String,
    expected_accept: String,
    config: ClientConfig,
    head: HeadBuffer,
}

impl ClientHandshake {
    /// Builds the request for `url`. `key_bytes` are 16 random bytes from the caller's RNG
    /// (the key is their base64).
    ///
    /// # Errors
    /// [`HandshakeError::Usage`] for a version other than 13/8, a protocol or extension name
    /// that is not a token, or a host, resource, origin or header that would break the head.
    pub fn new(
        url: &WsUrl,
        config: ClientConfig,
        key_bytes: [u8; 16],
    ) -> Result<Self, HandshakeError> {
        if !matches!(config.version, 13 | 8) {
            return Err(UsageError::UnsupportedVersion(config.version).into());
        }
        let host_ok = !url.host.is_empty()
            && url
                .host
                .bytes()
                .all(|b| b.is_ascii_graphic() && !b"[]/?#@".contains(&b));
        if !host_ok {
            return Err(UsageError::InvalidTarget(url.host.clone()).into());
        }
        if !valid_resource(&url.resource) {
            return Err(UsageError::InvalidTarget(url.resource.clone()).into());
        }
        if let Some(p) = config.protocols.iter().find(|p| !is_token(p)) {
            return Err(UsageError::InvalidToken(p.clone()).into());
        }
        for ext in &config.extensions {
            check_extension(ext)?;
        }
        let origin_header = if config.version == 13 {
            "Origin"
        } else {
            "Sec-WebSocket-Origin"
        };
        if let Some(o) = &config.origin {
            check_header(origin_header, o)?;
        }
        for (n, v) in &config.headers {
            check_header(n, v)?;
        }

        let key = STANDARD.encode(key_bytes);
        let mut req = Vec::with_capacity(256);
        req.extend_from_slice(format!("GET {} HTTP/1.1\r\n", url.resource).as_bytes());
        write_header(&mut req, "Host", &url.host_header());
        write_header(&mut req, "Upgrade", "websocket");
        write_header(&mut req, "Connection", "Upgrade");
        write_header(&mut req, "Sec-WebSocket-Key", &key);
        write_header(
            &mut req,
            "Sec-WebSocket-Version",
            &config.version.to_string(),
        );
        if let Some(o) = &config.origin {
            write_header(&mut req, origin_header, o);
        }
        if !config.protocols.is_empty() {
            write_header(
                &mut req,
                "Sec-WebSocket-Protocol",
                &config.protocols.join(", "),
            );
        }
        if !config.extensions.is_empty() {
            write_header(
                &mut req,
                "Sec-WebSocket-Extensions",
                &format_extensions(&config.extensions),
            );
        }
        for (n, v) in &config.headers {
            write_header(&mut req, n, v);
        }
        req.extend_from_slice(b"\r\n");

        Ok(Self {
            request: req,
            expected_accept: accept_key(&key),
            key,
            head: HeadBuffer::new(config.max_head_bytes),
            config,
        })
    }

    /// The request bytes to send to the server.
    #[must_use]
    pub fn request_bytes(&self) -> &[u8] {
        &self.request
    }

    /// The `Sec-WebSocket-Key` that was sent.
    #[must_use]
    pub fn key(&self) -> &str {
        &self.key
    }

    /// Feeds the server's bytes as they arrive. `Ok(None)`: the head is not complete yet.
    /// The head is scanned incrementally and parsed once.
    ///
    /// # Errors
    /// [`HandshakeError::UnexpectedStatus`] for a status other than 101, and the other
    /// client-side variants when the response does not complete the handshake.
    pub fn feed(&mut self, data: &[u8]) -> Result<Option<Response>, HandshakeError> {
        let result = match self.head.push(data)? {
            None => return Ok(None),
            Some(head) => parse_response(head, &self.config, &self.expected_accept),
        };
        self.head.release();
        if let Err(e) = &result {
            tracing::debug!(error = %e, "WebSocket response refused");
        }
        result.map(Some)
    }

    /// Takes the bytes received after the response head.
    pub fn take_trailing(&mut self) -> Vec<u8> {
        self.head.take_trailing()
    }
}

fn parse_response(
    head: &[u8],
    config: &ClientConfig,
    expected_accept: &str,
) -> Result<Response, HandshakeError> {
    let mut storage = vec![httparse::EMPTY_HEADER; config.max_headers];
    let mut res = httparse::Response::new(&mut storage);
    match res.parse(head) {
        Ok(httparse::Status::Complete(_)) => {}
        Ok(httparse::Status::Partial) => return Err(HandshakeError::IncompleteHead),
        Err(e) => return Err(map_httparse_error(e, config.max_headers)),
    }
    let (Some(minor), Some(status)) = (res.version, res.code) else {
        return Err(HandshakeError::IncompleteHead);
    };
    if minor < 1 {
        return Err(HandshakeError::UnsupportedHttpVersion);
    }
    if status != 101 {
        return Err(HandshakeError::UnexpectedStatus {
            status,
            reason: res.reason.unwrap_or("").to_owned(),
        });
    }
    let headers = owned_headers(res.headers);
    if !has_token(&headers, "Upgrade", "websocket") {
        return Err(HandshakeError::ResponseMissingUpgrade);
    }
    if !has_token(&headers, "Connection", "upgrade") {
        return Err(HandshakeError::MissingConnectionUpgrade);
    }
    match single(&headers, "Sec-WebSocket-Accept") {
        (1, Some(a)) if a == expected_accept => {}
        _ => return Err(HandshakeError::AcceptMismatch),
    }
    let protocol = match single(&headers, "Sec-WebSocket-Protocol") {
        (0, _) => None,
        (1, Some(p)) if config.protocols.iter().any(|o| o == p) => Some(p.to_owned()),
        (_, p) => {
            return Err(HandshakeError::UnofferedProtocol {
                protocol: p.unwrap_or("").to_owned(),
            })
        }
    };
    let mut extensions = Vec::new();
    for (name, value) in &headers {
        if name.eq_ignore_ascii_case("Sec-WebSocket-Extensions") {
            for ext in parse_extensions(value)? {
                if !config.extensions.iter().any(|o| o.name == ext.name) {
                    return Err(HandshakeError::UnofferedExtension { name: ext.name });
                }
                extensions.push(ext);
            }
        }
    }
    Ok(Response {
        status,
        headers,
        protocol,
        extensions,
    })
}
