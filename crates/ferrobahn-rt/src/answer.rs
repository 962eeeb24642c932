//! The server's decision on a parsed opening request, apart from any I/O:
//! [`answer_request`] gives the bytes to send and, when accepted, what the
//! connection needs. ferrobahn's own server and HTTP servers that answer
//! the upgrade themselves (hyper, axum: `ferrobahn-hyper`) both use it.

use std::net::IpAddr;
use std::sync::Arc;

use ferrobahn_extensions::{server_negotiate, PerMessageCodec};
use ferrobahn_handshake::{accept_response, reject_response, Accept, Request};
use ferrobahn_websocket::{Connection, Role};

use crate::error::Error;
use crate::handler::Deny;
use crate::peer::{forwarded_for, PeerAddr};
use crate::runtime::Runtime;
use crate::server::ServerConfig;
use crate::transport::Transport;
use crate::websocket::WebSocket;

/// The answer to an opening request.
#[derive(Debug)]
#[non_exhaustive]
pub enum Answer {
    /// Accepted: send [`Accepted::response`], then build the connection
    /// with [`Accepted::into_websocket`].
    Accept(Accepted),
    /// Refused: send `response` (an HTTP error) and close.
    Refuse {
        /// The HTTP status of `response`.
        status: u16,
        /// The whole HTTP response (head and body).
        response: Vec<u8>,
        /// Why, unless the handler denied the request itself: a malformed
        /// extension offer ([`Error::Negotiation`]) or an accept the
        /// handshake rules do not allow ([`Error::Handshake`], 500).
        error: Option<Error>,
    },
}

/// An accepted opening request.
pub struct Accepted {
    response: Vec<u8>,
    protocol: Option<String>,
    codec: Option<Box<dyn PerMessageCodec>>,
    forwarded_for: Option<IpAddr>,
}

impl std::fmt::Debug for Accepted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Accepted")
            .field("protocol", &self.protocol)
            .field("compressed", &self.codec.is_some())
            .field("forwarded_for", &self.forwarded_for)
            .finish_non_exhaustive()
    }
}

impl Accepted {
    /// The `101 Switching Protocols` response head to send.
    pub fn response(&self) -> &[u8] {
        &self.response
    }

    /// The response's header lines as (name, value) pairs (without the
    /// status line), for HTTP servers that build the response themselves.
    pub fn response_headers(&self) -> impl Iterator<Item = (&str, &str)> {
        std::str::from_utf8(&self.response)
            .unwrap_or_default()
            .split("\r\n")
            .skip(1)
            .filter_map(|line| line.split_once(": "))
    }

    /// The negotiated subprotocol, if any.
    pub fn protocol(&self) -> Option<&str> {
        self.protocol.as_deref()
    }

    /// Builds the server side of the connection over `io`, the transport
    /// the response was sent on; `trailing` are bytes read after the
    /// request head (the client's first frames), if any.
    ///
    /// # Errors
    /// [`Error::Io`] when the OS has no randomness for the connection.
    pub fn into_websocket<T: Transport>(
        self,
        io: T,
        runtime: Arc<dyn Runtime>,
        config: &ServerConfig,
        peer: Option<PeerAddr>,
        trailing: &[u8],
    ) -> Result<WebSocket<T>, Error> {
        let now = runtime.now();
        let mut conn = Connection::new(
            Role::Server,
            config.shared_websocket(),
            now,
            crate::entropy()?,
        );
        if let Some(codec) = self.codec {
            conn = conn.with_codec(codec);
        }
        if !trailing.is_empty() {
            conn.feed(now, trailing);
        }
        let mut ws = WebSocket::from_parts(io, conn, runtime);
        ws.set_peer(peer, self.protocol);
        ws.set_forwarded_for(self.forwarded_for);
        Ok(ws)
    }
}

/// Decides on a validated opening request: asks `on_connect`, negotiates
/// per-message compression from [`ServerConfig::extensions`] (unless
/// `on_connect` named extensions), applies
/// [`ServerConfig::trust_x_forwarded_for`], and writes the response.
pub fn answer_request<F>(request: &Request, config: &ServerConfig, on_connect: F) -> Answer
where
    F: FnOnce(&Request) -> Result<Accept, Deny>,
{
    let forwarded_for = forwarded_for(request, config.trust_x_forwarded_for);
    let mut accept = match on_connect(request) {
        Ok(accept) => accept,
        Err(deny) => {
            tracing::debug!(status = deny.status, reason = %deny.reason, "handshake denied");
            return Answer::Refuse {
                status: deny.status,
                response: reject_response(deny.status, &deny.reason, &deny.headers),
                error: None,
            };
        }
    };
    let mut codec = None;
    if accept.extensions.is_empty() {
        match server_negotiate(&request.extensions, &config.extensions) {
            Ok(Some((response, chosen))) => {
                accept.extensions.push(response);
                codec = Some(chosen);
            }
            Ok(None) => {}
            Err(e) => {
                tracing::debug!(error = %e, "refusing a malformed extension offer");
                return Answer::Refuse {
                    status: 400,
                    response: reject_response(400, &e.to_string(), &[]),
                    error: Some(Error::Negotiation(e)),
                };
            }
        }
    }
    match accept_response(request, &accept) {
        Ok(response) => Answer::Accept(Accepted {
            response,
            protocol: accept.protocol,
            codec,
            forwarded_for,
        }),
        Err(e) => {
            tracing::warn!(error = %e, "handler accepted with invalid parameters");
            Answer::Refuse {
                status: 500,
                response: reject_response(500, "internal error", &[]),
                error: Some(Error::Handshake(e)),
            }
        }
    }
}
