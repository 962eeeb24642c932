//! The client side: opening handshake over any [`Transport`].

use std::sync::Arc;
use std::time::Duration;

use ferrobahn_extensions::{client_accept, client_offers, ClientExtensions};
use ferrobahn_handshake::{ClientHandshake, Response, WsUrl};
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
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            handshake: ferrobahn_handshake::ClientConfig::default(),
            websocket: ferrobahn_websocket::Config::default(),
            open_handshake_timeout: Duration::from_secs(10),
            extensions: ClientExtensions::default(),
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
/// to the server), within [`ClientConfig::open_handshake_timeout`].
///
/// # Errors
/// [`Error::Handshake`] when the server refuses (e.g. `UnexpectedStatus`
/// with its HTTP status) or answers wrongly, [`Error::Timeout`],
/// [`Error::Io`].
pub async fn connect_transport<T: Transport>(
    runtime: Arc<dyn Runtime>,
    mut io: T,
    url: &WsUrl,
    config: ClientConfig,
) -> Result<(WebSocket<T>, Response), Error> {
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
    let exchange = async {
        write_all(&mut io, handshake.request_bytes()).await?;
        let mut buf = vec![0u8; HANDSHAKE_READ_CHUNK];
        loop {
            let n = read(&mut io, &mut buf).await?;
            if n == 0 {
                return Err(Error::Io(std::io::ErrorKind::UnexpectedEof.into()));
            }
            if let Some(response) = handshake.feed(&buf[..n])? {
                return Ok(response);
            }
        }
    };
    let response = timeout_at(&*runtime, deadline, exchange)
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
