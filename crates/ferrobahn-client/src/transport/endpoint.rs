//! [`Endpoint`]: a router address as a URL, and [`connect_endpoint`] to run the matching
//! WAMP handshake over a socket the caller opened (what a command-line client or a
//! component's transport list needs).
//!
//! - `ws://host:port/path`: WebSocket (`wss://` needs TLS, not available yet)
//! - `rs://host:port` or `tcp://host:port`: RawSocket over TCP
//! - `unix:///path/to/socket`: RawSocket over a Unix socket

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use ferrobahn_rt::{Runtime, Transport};
use ferrobahn_serializers::{rawsocket, Serializer};

use super::{connect_rawsocket, connect_websocket, TransportError, WampTransport};

/// Where a router listens.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Endpoint {
    /// WebSocket at `url`.
    WebSocket {
        /// The full `ws://` URL.
        url: String,
        /// Host to connect to.
        host: String,
        /// Port to connect to.
        port: u16,
    },
    /// RawSocket over TCP.
    RawSocketTcp {
        /// Host to connect to.
        host: String,
        /// Port to connect to.
        port: u16,
    },
    /// RawSocket over a Unix socket.
    RawSocketUnix {
        /// The socket path.
        path: PathBuf,
    },
}

/// A URL that is not a router endpoint.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid router URL {url:?}: {reason}")]
pub struct EndpointError {
    /// The URL.
    pub url: String,
    /// What is wrong.
    pub reason: &'static str,
}

impl Endpoint {
    /// Parses `ws://`, `rs://`, `tcp://` and `unix://` URLs.
    ///
    /// # Errors
    /// [`EndpointError`] for another scheme (including `wss://`), a missing host or port.
    pub fn parse(url: &str) -> Result<Self, EndpointError> {
        let err = |reason| EndpointError {
            url: url.to_owned(),
            reason,
        };
        let (scheme, rest) = url.split_once("://").ok_or(err("no scheme"))?;
        match scheme {
            "unix" => {
                if rest.is_empty() {
                    return Err(err("no socket path"));
                }
                Ok(Endpoint::RawSocketUnix {
                    path: PathBuf::from(rest),
                })
            }
            "ws" | "rs" | "tcp" => {
                let hostport = rest.split('/').next().unwrap_or_default();
                let (host, port) = split_host_port(hostport, scheme == "ws")
                    .ok_or(err("expected host:port (IPv6 in brackets)"))?;
                Ok(if scheme == "ws" {
                    Endpoint::WebSocket {
                        url: url.to_owned(),
                        host,
                        port,
                    }
                } else {
                    Endpoint::RawSocketTcp { host, port }
                })
            }
            "wss" => Err(err("wss:// needs TLS, which this client does not have yet")),
            _ => Err(err("scheme must be ws, rs, tcp or unix")),
        }
    }
}

/// `host:port`, `[v6]:port`, or (WebSocket) `host` with port 80.
fn split_host_port(s: &str, default_80: bool) -> Option<(String, u16)> {
    if let Some(rest) = s.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(p) => p.parse().ok()?,
            None if after.is_empty() && default_80 => 80,
            None => return None,
        };
        return Some((host.to_owned(), port));
    }
    match s.rsplit_once(':') {
        Some((h, p)) if !h.is_empty() => Some((h.to_owned(), p.parse().ok()?)),
        None if !s.is_empty() && default_80 => Some((s.to_owned(), 80)),
        _ => None,
    }
}

/// Runs the WAMP handshake for `endpoint` over `io` (a TCP or Unix socket the caller
/// connected), offering `serializer`.
///
/// # Errors
/// As [`connect_websocket`] and [`connect_rawsocket`]; a batched serializer on RawSocket
/// is refused with [`TransportError::NoSerializer`].
pub async fn connect_endpoint<T: Transport>(
    runtime: Arc<dyn Runtime>,
    io: T,
    endpoint: &Endpoint,
    serializer: Serializer,
    handshake_timeout: Duration,
) -> Result<Box<dyn WampTransport>, TransportError> {
    match endpoint {
        Endpoint::WebSocket { url, .. } => {
            let config = ferrobahn_rt::ClientConfig::default()
                .with_open_handshake_timeout(handshake_timeout);
            let t = connect_websocket(runtime, io, url, &[serializer], config).await?;
            Ok(Box::new(t))
        }
        Endpoint::RawSocketTcp { .. } | Endpoint::RawSocketUnix { .. } => {
            if serializer.is_batched() {
                return Err(TransportError::NoSerializer);
            }
            let t = connect_rawsocket(
                runtime,
                io,
                serializer.format(),
                rawsocket::Config::default(),
                handshake_timeout,
            )
            .await?;
            Ok(Box::new(t))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_scheme() {
        assert_eq!(
            Endpoint::parse("ws://127.0.0.1:8080/ws").unwrap(),
            Endpoint::WebSocket {
                url: "ws://127.0.0.1:8080/ws".into(),
                host: "127.0.0.1".into(),
                port: 8080
            }
        );
        assert!(matches!(
            Endpoint::parse("ws://localhost/ws").unwrap(),
            Endpoint::WebSocket { port: 80, .. }
        ));
        assert_eq!(
            Endpoint::parse("rs://[::1]:9000").unwrap(),
            Endpoint::RawSocketTcp {
                host: "::1".into(),
                port: 9000
            }
        );
        assert!(matches!(
            Endpoint::parse("tcp://h:1").unwrap(),
            Endpoint::RawSocketTcp { .. }
        ));
        assert_eq!(
            Endpoint::parse("unix:///tmp/r.sock").unwrap(),
            Endpoint::RawSocketUnix {
                path: "/tmp/r.sock".into()
            }
        );
        for bad in [
            "wss://h/",
            "http://h",
            "rs://h",
            "rs://:1",
            "unix://",
            "nothing",
            "ws://h:99999/",
        ] {
            assert!(Endpoint::parse(bad).is_err(), "{bad}");
        }
    }
}
