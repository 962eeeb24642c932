//! The client side: opening handshake over any [`Transport`].

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use ferrobahn_extensions::{client_accept, client_offers, ClientExtensions};
use ferrobahn_handshake::{
    proxy_connect_request, ClientHandshake, ProxyResponseParser, Response, WsUrl,
};
use ferrobahn_websocket::{Connection, Role};

use crate::error::{Error, Timeout};
use crate::runtime::{timeout_at, Runtime};
use crate::transport::{read, write_all, Transport};
use crate::websocket::WebSocket;

/// How many bytes the handshake reads at a time.
const HANDSHAKE_READ_CHUNK: usize = 2048;

/// Client options.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ClientConfig {
    /// What the opening request offers (subprotocols, origin, headers, limits).
    pub handshake: ferrobahn_handshake::ClientConfig,
    /// WebSocket protocol options.
    pub websocket: ferrobahn_websocket::Config,
    /// The opening handshake must be done within this. Default 10 s.
    pub open_handshake_timeout: Duration,
    /// Per-message compression to offer (none by default).
    pub extensions: ClientExtensions,
    /// Tunnel through this HTTP proxy with `CONNECT` (none by default). The
    /// transport given to [`connect_transport`] must then be connected to
    /// the proxy, not to the server.
    pub proxy: Option<Proxy>,
    /// Set `TCP_NODELAY` on the TCP socket (AutobahnPython's `tcpNoDelay`).
    /// Default true. Applied by the runtime bindings' `connect_with`.
    pub tcp_nodelay: bool,
    /// TLS options for `wss://` URLs (roots, ALPN, server name). `None`
    /// (the default) trusts Mozilla's roots (`webpki-roots`) when a
    /// `wss://` URL is used.
    #[cfg(feature = "tls")]
    pub tls: Option<ferrobahn_tls::TlsClientConfig>,
}

/// An HTTP proxy reached with `CONNECT host:port`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proxy {
    /// The proxy's host name or address.
    pub host: String,
    /// The proxy's port.
    pub port: u16,
    /// `Proxy-Authorization: Basic` credentials (user, password).
    pub basic_auth: Option<(String, String)>,
}

impl Proxy {
    /// A proxy at `host:port` without credentials.
    pub fn new(host: impl Into<String>, port: u16) -> Self {
        Self {
            host: host.into(),
            port,
            basic_auth: None,
        }
    }

    /// Sends these credentials.
    #[must_use]
    pub fn with_basic_auth(mut self, user: impl Into<String>, password: impl Into<String>) -> Self {
        self.basic_auth = Some((user.into(), password.into()));
        self
    }
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            handshake: ferrobahn_handshake::ClientConfig::default(),
            websocket: ferrobahn_websocket::Config::default(),
            open_handshake_timeout: Duration::from_secs(10),
            extensions: ClientExtensions::default(),
            proxy: None,
            tcp_nodelay: true,
            #[cfg(feature = "tls")]
            tls: None,
        }
    }
}

impl ClientConfig {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets [`ClientConfig::handshake`].
    #[must_use]
    pub fn with_handshake(mut self, handshake: ferrobahn_handshake::ClientConfig) -> Self {
        self.handshake = handshake;
        self
    }

    /// Sets [`ClientConfig::websocket`].
    #[must_use]
    pub fn with_websocket(mut self, websocket: ferrobahn_websocket::Config) -> Self {
        self.websocket = websocket;
        self
    }

    /// Sets [`ClientConfig::open_handshake_timeout`].
    #[must_use]
    pub fn with_open_handshake_timeout(mut self, timeout: Duration) -> Self {
        self.open_handshake_timeout = timeout;
        self
    }

    /// Sets [`ClientConfig::extensions`].
    #[must_use]
    pub fn with_extensions(mut self, extensions: ClientExtensions) -> Self {
        self.extensions = extensions;
        self
    }

    /// Sets [`ClientConfig::tcp_nodelay`].
    #[must_use]
    pub fn with_tcp_nodelay(mut self, on: bool) -> Self {
        self.tcp_nodelay = on;
        self
    }

    /// Sets [`ClientConfig::proxy`].
    #[must_use]
    pub fn with_proxy(mut self, proxy: Proxy) -> Self {
        self.proxy = Some(proxy);
        self
    }

    /// Sets [`ClientConfig::tls`].
    #[cfg(feature = "tls")]
    #[must_use]
    pub fn with_tls(mut self, tls: ferrobahn_tls::TlsClientConfig) -> Self {
        self.tls = Some(tls);
        self
    }

    /// Parses a `ws://` or `wss://` URL; `wss://` is refused with
    /// `ErrorKind::Unsupported` unless the crate's `tls` feature is on. The
    /// runtime bindings' `connect_with` start from this.
    ///
    /// # Errors
    /// [`Error::Handshake`] for a malformed URL, [`Error::Io`] as above.
    pub fn parse_url(url: &str) -> Result<WsUrl, Error> {
        if cfg!(feature = "tls") {
            let url: WsUrl = url
                .parse()
                .map_err(ferrobahn_handshake::HandshakeError::from)?;
            Ok(url)
        } else {
            Self::plain_url(url)
        }
    }

    /// Parses a `ws://` URL for a plain TCP connection: a malformed URL is
    /// [`Error::Handshake`], `wss://` is refused (for transports that
    /// cannot do TLS).
    ///
    /// # Errors
    /// As above.
    pub fn plain_url(url: &str) -> Result<WsUrl, Error> {
        let url: WsUrl = url
            .parse()
            .map_err(ferrobahn_handshake::HandshakeError::from)?;
        if url.secure {
            return Err(Error::Io(std::io::Error::new(
                std::io::ErrorKind::Unsupported,
                "wss:// needs TLS",
            )));
        }
        Ok(url)
    }

    /// Where the transport must be connected: the proxy if one is set,
    /// else the server of `url`.
    pub fn connect_addr<'a>(&'a self, url: &'a WsUrl) -> (&'a str, u16) {
        match &self.proxy {
            Some(p) => (p.host.as_str(), p.port),
            None => (url.host.as_str(), url.port),
        }
    }

    /// Offers these subprotocols, in order of preference.
    #[must_use]
    pub fn with_protocols<S: Into<String>>(
        mut self,
        protocols: impl IntoIterator<Item = S>,
    ) -> Self {
        self.handshake.protocols = protocols.into_iter().map(Into::into).collect();
        self
    }

    /// Sends this `Origin`.
    #[must_use]
    pub fn with_origin(mut self, origin: impl Into<String>) -> Self {
        self.handshake.origin = Some(origin.into());
        self
    }
}

/// Runs the client opening handshake for `url` over `io` (already connected
/// to the server, or to [`ClientConfig::proxy`]), within
/// [`ClientConfig::open_handshake_timeout`].
///
/// # Errors
/// [`Error::Handshake`] when the server refuses (e.g. `UnexpectedStatus`
/// with its HTTP status) or answers wrongly, [`Error::ProxyRefused`],
/// [`Error::Timeout`], [`Error::Io`].
pub async fn connect_transport<T: Transport>(
    runtime: Arc<dyn Runtime>,
    io: T,
    url: &WsUrl,
    config: ClientConfig,
) -> Result<(WebSocket<T>, Response), Error> {
    connect_upgraded(runtime, io, url, config, |io| async move { Ok(io) }).await
}

/// [`connect_transport`] with one step more: after the proxy tunnel (if
/// any) and before the opening handshake, `upgrade` turns the transport
/// into the one the WebSocket runs over (the runtime bindings start TLS
/// there for `wss://`). Tunnel, upgrade and opening handshake together are
/// bounded by [`ClientConfig::open_handshake_timeout`].
///
/// # Errors
/// As [`connect_transport`], and whatever `upgrade` returns.
pub async fn connect_upgraded<T, U, F, Fut>(
    runtime: Arc<dyn Runtime>,
    io: T,
    url: &WsUrl,
    config: ClientConfig,
    upgrade: F,
) -> Result<(WebSocket<U>, Response), Error>
where
    T: Transport,
    U: Transport,
    F: FnOnce(T) -> Fut,
    Fut: Future<Output = Result<U, Error>>,
{
    let mut random = [0u8; 24];
    getrandom::fill(&mut random).map_err(|e| Error::Io(std::io::Error::other(e)))?;
    let mut key = [0u8; 16];
    key.copy_from_slice(&random[..16]);
    let mut seed = [0u8; 8];
    seed.copy_from_slice(&random[16..]);
    let mut offer = config.handshake;
    offer.extensions.extend(client_offers(&config.extensions));
    let mut handshake = ClientHandshake::new(url, offer, key)?;

    let deadline = runtime.now() + config.open_handshake_timeout;
    let proxy = config.proxy;
    let exchange = async {
        let mut io = io;
        let mut buf = vec![0u8; HANDSHAKE_READ_CHUNK];
        let early = match &proxy {
            Some(proxy) => tunnel(&mut io, proxy, url, &mut buf).await?,
            None => Vec::new(),
        };
        let mut io = upgrade(io).await?;
        if let Some(response) = handshake.feed(&early)? {
            return Ok((io, response));
        }
        write_all(&mut io, handshake.request_bytes()).await?;
        loop {
            let n = read(&mut io, &mut buf).await?;
            if n == 0 {
                return Err(Error::Io(std::io::ErrorKind::UnexpectedEof.into()));
            }
            if let Some(response) = handshake.feed(&buf[..n])? {
                return Ok((io, response));
            }
        }
    };
    let (io, response) = timeout_at(&*runtime, deadline, exchange)
        .await
        .ok_or(Error::Timeout(Timeout::OpenHandshake))??;

    // A server answer that breaks the offer's rules fails the connection.
    let codec = client_accept(&response.extensions, &config.extensions)?;
    let now = runtime.now();
    let seed = u64::from_le_bytes(seed);
    let mut conn = Connection::new(Role::Client, config.websocket, now, seed);
    if let Some(codec) = codec {
        conn = conn.with_codec(codec);
    }
    let trailing = handshake.take_trailing();
    if !trailing.is_empty() {
        conn.feed(now, &trailing);
    }
    let mut ws = WebSocket::from_parts(io, conn, runtime);
    ws.set_peer(None, response.protocol.clone());
    Ok((ws, response))
}

/// Opens a `CONNECT` tunnel through `proxy` to `url`'s server; returns the
/// bytes that came after the proxy's answer.
async fn tunnel<T: Transport>(
    io: &mut T,
    proxy: &Proxy,
    url: &WsUrl,
    buf: &mut [u8],
) -> Result<Vec<u8>, Error> {
    let auth = proxy
        .basic_auth
        .as_ref()
        .map(|(u, p)| (u.as_str(), p.as_str()));
    write_all(io, &proxy_connect_request(&url.host, url.port, auth)).await?;
    let mut parser = ProxyResponseParser::new();
    loop {
        let n = read(io, buf).await?;
        if n == 0 {
            return Err(Error::Io(std::io::ErrorKind::UnexpectedEof.into()));
        }
        if let Some(status) = parser.feed(&buf[..n])? {
            if !(200..300).contains(&status) {
                let reason = parser.reason().unwrap_or_default().to_owned();
                return Err(Error::ProxyRefused { status, reason });
            }
            return Ok(parser.take_trailing());
        }
    }
}
