//! [`Endpoint`]: a router address as a URL, and [`connect_endpoint`] to run the matching
//! WAMP handshake over a socket the caller opened (what a command-line client or a
//! component's transport list needs).
//!
//! - `ws://host:port/path`: WebSocket; `wss://host:port/path` over TLS
//! - `rs://host:port` or `tcp://host:port`: RawSocket over TCP; `rss://host:port` over TLS
//! - `unix:///path/to/socket`: RawSocket over a Unix socket
//!
//! For the TLS schemes ([`Endpoint::is_tls`]) the caller hands [`connect_endpoint`] a
//! stream on which TLS is already established (e.g. `ferrobahn_tokio::connect_tls`).

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
        /// The full `ws://` or `wss://` URL.
        url: String,
        /// Host to connect to.
        host: String,
        /// Port to connect to.
        port: u16,
        /// `wss://`: TLS under the WebSocket.
        tls: bool,
    },
    /// RawSocket over TCP.
    RawSocketTcp {
        /// Host to connect to.
        host: String,
        /// Port to connect to.
        port: u16,
        /// `rss://`: TLS under the RawSocket.
        tls: bool,
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
    /// Whether this endpoint wants TLS (`wss://`, `rss://`).
    pub fn is_tls(&self) -> bool {
        matches!(
            self,
            Endpoint::WebSocket { tls: true, .. } | Endpoint::RawSocketTcp { tls: true, .. }
        )
    }

    /// Parses `ws://`, `wss://`, `rs://`, `rss://`, `tcp://` and `unix://` URLs.
    ///
    /// # Errors
    /// [`EndpointError`] for another scheme, a missing host or port.
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
            "ws" | "wss" | "rs" | "rss" | "tcp" => {
                let tls = scheme == "wss" || scheme == "rss";
                let web = scheme == "ws" || scheme == "wss";
                let default_port = match scheme {
                    "ws" => Some(80),
                    "wss" => Some(443),
                    _ => None,
                };
                let hostport = rest.split('/').next().unwrap_or_default();
                let (host, port) = split_host_port(hostport, default_port)
                    .ok_or(err("expected host:port (IPv6 in brackets)"))?;
                Ok(if web {
                    Endpoint::WebSocket {
                        url: url.to_owned(),
                        host,
                        port,
                        tls,
                    }
                } else {
                    Endpoint::RawSocketTcp { host, port, tls }
                })
            }
            _ => Err(err("scheme must be ws, wss, rs, rss, tcp or unix")),
        }
    }
}

/// `host:port`, `[v6]:port`, or (WebSocket) `host` with the scheme's default port.
fn split_host_port(s: &str, default_port: Option<u16>) -> Option<(String, u16)> {
    if let Some(rest) = s.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(p) => p.parse().ok()?,
            None if after.is_empty() => default_port?,
            None => return None,
        };
        return Some((host.to_owned(), port));
    }
    match s.rsplit_once(':') {
        Some((h, p)) if !h.is_empty() => Some((h.to_owned(), p.parse().ok()?)),
        None if !s.is_empty() => Some((s.to_owned(), default_port?)),
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
                port: 8080,
                tls: false,
            }
        );
        let wss = Endpoint::parse("wss://router.example/ws").unwrap();
        assert!(wss.is_tls());
        assert!(matches!(wss, Endpoint::WebSocket { port: 443, .. }));
        assert_eq!(
            Endpoint::parse("rss://h:8443").unwrap(),
            Endpoint::RawSocketTcp {
                host: "h".into(),
                port: 8443,
                tls: true,
            }
        );
        assert!(!Endpoint::parse("rs://h:1").unwrap().is_tls());
        assert!(matches!(
            Endpoint::parse("ws://localhost/ws").unwrap(),
            Endpoint::WebSocket { port: 80, .. }
        ));
        assert_eq!(
            Endpoint::parse("rs://[::1]:9000").unwrap(),
            Endpoint::RawSocketTcp {
                host: "::1".into(),
                port: 9000,
                tls: false,
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
            "rss://h",
            "wsx://h/",
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
