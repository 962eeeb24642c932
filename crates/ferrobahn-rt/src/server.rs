//! The server side: the generic accept loop and one connection's opening
//! handshake, both runtime-agnostic.

use std::future::Future;
use std::io;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use ferrobahn_extensions::ServerExtensions;
use ferrobahn_handshake::{reject_response, Accept, Request, RequestParser};

use crate::accept::accept_loop;
use crate::answer::{answer_request, Accepted, Answer};
use crate::error::{Error, Timeout};
use crate::handler::{run_handler, Deny, Handler};
use crate::peer::PeerAddr;
use crate::runtime::{timeout_at, Runtime};
use crate::transport::{close, read, write_all, Listener, Transport};
use crate::websocket::WebSocket;

/// How many bytes the handshake reads at a time (heap buffer, freed after).
const HANDSHAKE_READ_CHUNK: usize = 2048;

/// After an HTTP error answer: how long, and how many bytes, the server
/// reads and drops before it closes, so the peer gets the answer rather
/// than a reset for unread data.
const LINGER: Duration = Duration::from_secs(1);
const LINGER_BYTES: usize = 64 * 1024;

/// Server options.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ServerConfig {
    /// Opening handshake policy and limits (origins, versions, head size).
    pub handshake: ferrobahn_handshake::ServerConfig,
    /// WebSocket protocol options (limits, timeouts, auto-ping).
    pub websocket: ferrobahn_websocket::Config,
    /// The whole opening handshake must be done within this, or the
    /// connection is dropped (slowloris protection). Default 10 s.
    pub open_handshake_timeout: Duration,
    /// Connections served at once; beyond it new connections get
    /// `503 Service Unavailable` and are closed. Default 10 000.
    pub max_connections: usize,
    /// Answer a plain HTTP `GET` (no `Upgrade`) with a small HTML page
    /// instead of `426 Upgrade Required`. Default false.
    pub status_page: bool,
    /// Per-message compression the server accepts (none by default), used
    /// unless the handler's [`Accept`](ferrobahn_handshake::Accept) names extensions itself.
    pub extensions: ServerExtensions,
    /// Set `TCP_NODELAY` on accepted TCP sockets (AutobahnPython's
    /// `tcpNoDelay`). Default true. Applied by the runtime bindings'
    /// `serve_with`.
    pub tcp_nodelay: bool,
    /// How many proxies in front of this server are trusted to report the
    /// client's address in `X-Forwarded-For` (AutobahnPython's
    /// `trustXForwardedFor`); handlers see it as `Ctx::client_ip`. Default 0
    /// (the header is ignored).
    pub trust_x_forwarded_for: usize,
    /// [`ServerConfig::websocket`] behind one `Arc` that the connections
    /// share (made on first use; see [`ServerConfig::shared_websocket`]).
    shared_websocket: OnceLock<Arc<ferrobahn_websocket::Config>>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            handshake: ferrobahn_handshake::ServerConfig::default(),
            websocket: ferrobahn_websocket::Config::default(),
            open_handshake_timeout: Duration::from_secs(10),
            max_connections: 10_000,
            status_page: false,
            extensions: ServerExtensions::default(),
            tcp_nodelay: true,
            trust_x_forwarded_for: 0,
            shared_websocket: OnceLock::new(),
        }
    }
}

impl ServerConfig {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// [`ServerConfig::websocket`] as an `Arc` shared by every connection
    /// made with this configuration, so each holds a pointer rather than its
    /// own copy. A copy is made instead if `websocket` was changed after the
    /// shared one was.
    pub fn shared_websocket(&self) -> Arc<ferrobahn_websocket::Config> {
        let shared = self
            .shared_websocket
            .get_or_init(|| Arc::new(self.websocket.clone()));
        if **shared == self.websocket {
            Arc::clone(shared)
        } else {
            Arc::new(self.websocket.clone())
        }
    }

    /// Sets [`ServerConfig::tcp_nodelay`].
    #[must_use]
    pub fn with_tcp_nodelay(mut self, on: bool) -> Self {
        self.tcp_nodelay = on;
        self
    }

    /// Sets [`ServerConfig::trust_x_forwarded_for`].
    #[must_use]
    pub fn with_trust_x_forwarded_for(mut self, proxies: usize) -> Self {
        self.trust_x_forwarded_for = proxies;
        self
    }

    /// Sets [`ServerConfig::handshake`].
    #[must_use]
    pub fn with_handshake(mut self, handshake: ferrobahn_handshake::ServerConfig) -> Self {
        self.handshake = handshake;
        self
    }

    /// Sets [`ServerConfig::websocket`].
    #[must_use]
    pub fn with_websocket(mut self, websocket: ferrobahn_websocket::Config) -> Self {
        self.websocket = websocket;
        self
    }

    /// Sets [`ServerConfig::open_handshake_timeout`].
    #[must_use]
    pub fn with_open_handshake_timeout(mut self, timeout: Duration) -> Self {
        self.open_handshake_timeout = timeout;
        self
    }

    /// Sets [`ServerConfig::max_connections`].
    #[must_use]
    pub fn with_max_connections(mut self, max: usize) -> Self {
        self.max_connections = max;
        self
    }

    /// Sets [`ServerConfig::extensions`].
    #[must_use]
    pub fn with_extensions(mut self, extensions: ServerExtensions) -> Self {
        self.extensions = extensions;
        self
    }

    /// Sets [`ServerConfig::status_page`].
    #[must_use]
    pub fn with_status_page(mut self, on: bool) -> Self {
        self.status_page = on;
        self
    }
}

/// Accepts connections from `listener` forever, serving each in its own
/// task with a handler from `factory`; over
/// [`ServerConfig::max_connections`] a connection is answered `503`. See
/// [`accept_loop`].
///
/// Accept errors (e.g. out of file descriptors) are logged and retried after
/// a short pause.
pub async fn serve<L, F, H>(
    runtime: Arc<dyn Runtime>,
    listener: L,
    config: ServerConfig,
    factory: F,
) where
    L: Listener,
    F: Fn() -> H + Send + Sync + 'static,
    H: Handler,
{
    let max = config.max_connections;
    let config = Arc::new(config);
    let rt = runtime.clone();
    let per_connection = |io, peer: PeerAddr, slot| {
        let handler = factory();
        let (rt, config) = (rt.clone(), config.clone());
        async move {
            let _slot = slot;
            if let Err(e) = serve_connection(rt, io, Some(peer.clone()), &config, handler).await {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
        }
    };
    let busy = runtime.clone();
    let refuse = |io, _| busy.spawn(Box::pin(refuse_busy(busy.clone(), io)));
    accept_loop(runtime, listener, max, per_connection, refuse).await;
}

/// Answers `503` and closes (bounded by one second).
async fn refuse_busy<T: Transport>(runtime: Arc<dyn Runtime>, mut io: T) {
    let response = reject_response(503, "too many connections", &[]);
    let deadline = runtime.now() + Duration::from_secs(1);
    let answered = timeout_at(&*runtime, deadline, async {
        write_all(&mut io, &response).await?;
        close(&mut io).await
    })
    .await;
    if matches!(answered, Some(Ok(()))) {
        linger(&*runtime, &mut io).await;
    }
}

/// Reads and drops what the peer still sends, bounded by [`LINGER`] and
/// [`LINGER_BYTES`].
async fn linger<T: Transport>(runtime: &dyn Runtime, io: &mut T) {
    let drain = async {
        let mut buf = [0u8; 512];
        let mut left = LINGER_BYTES;
        while left > 0 {
            match read(io, &mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => left = left.saturating_sub(n),
            }
        }
    };
    let _ = timeout_at(runtime, runtime.now() + LINGER, drain).await;
}

/// The small page a plain `GET` gets when [`ServerConfig::status_page`] is on.
fn status_page() -> Vec<u8> {
    let body = concat!(
        "<!DOCTYPE html><html><head><title>ferrobahn</title></head><body>",
        "<h1>ferrobahn</h1><p>This is a WebSocket server.</p></body></html>\n"
    );
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Reads the request, asks the handler, answers. `Ok(None)`: answered
/// without upgrading (denied, status page).
async fn handshake<T: Transport, F>(
    io: &mut T,
    config: &ServerConfig,
    on_connect: F,
) -> Result<Option<(Accepted, Vec<u8>)>, Error>
where
    F: FnOnce(&Request) -> Result<Accept, Deny>,
{
    let mut parser = RequestParser::new(config.handshake.clone());
    let mut buf = vec![0u8; HANDSHAKE_READ_CHUNK];
    let request: Request = loop {
        let n = read(io, &mut buf).await?;
        if n == 0 {
            return Err(Error::Io(io::ErrorKind::UnexpectedEof.into()));
        }
        match parser.feed(&buf[..n]) {
            Ok(None) => {}
            Ok(Some(request)) => break request,
            Err(e) => {
                let answer = if e.is_plain_http_get() && config.status_page {
                    status_page()
                } else {
                    e.response()
                };
                write_all(io, &answer).await?;
                close(io).await?;
                if e.is_plain_http_get() && config.status_page {
                    return Ok(None);
                }
                return Err(Error::Handshake(e));
            }
        }
    };
    drop(buf);
    match answer_request(&request, config, on_connect) {
        Answer::Accept(accepted) => {
            write_all(io, accepted.response()).await?;
            Ok(Some((accepted, parser.take_trailing())))
        }
        Answer::Refuse {
            response, error, ..
        } => {
            write_all(io, &response).await?;
            close(io).await?;
            error.map_or(Ok(None), Err)
        }
    }
}

/// Serves one connection: opening handshake (within
/// [`ServerConfig::open_handshake_timeout`]), then `handler` until closed:
/// [`accept_transport`] with [`Handler::on_connect`], then [`run_handler`].
///
/// `io` can be any byte stream that implements [`Transport`]: an accepted
/// TCP or Unix socket, a TLS stream, a pipe to a process, an in-memory
/// duplex, a tunnel. [`serve`] calls this for every connection a
/// [`Listener`] accepts; call it directly for transports you accept
/// yourself. `peer` is what [`Ctx::peer`](crate::Ctx::peer) reports. The
/// client side over any transport is [`connect_transport`](crate::connect_transport).
///
/// A bad request is answered with [`ferrobahn_handshake::HandshakeError::status`] and its
/// reason, then closed.
///
/// # Errors
/// As [`accept_transport`]. Denied connections and status pages are `Ok`.
pub fn serve_connection<T: Transport, H: Handler>(
    runtime: Arc<dyn Runtime>,
    io: T,
    peer: Option<PeerAddr>,
    config: &ServerConfig,
    handler: H,
) -> impl Future<Output = Result<(), Error>> + Send + '_ {
    // The handshake is boxed and made here, so the returned future holds only
    // that box and then the handler loop: not a second copy of the arguments
    // (an `async fn` keeps them for its whole life, and this future lives as
    // long as the connection). The box is freed once the handshake is done.
    let accept = Box::pin(accept_with_handler(runtime, io, peer, config, handler));
    async move {
        if let Some((ws, handler)) = accept.await? {
            run_handler(ws, handler).await;
        }
        Ok(())
    }
}

/// [`accept_transport`] with [`Handler::on_connect`]; gives the handler back
/// with the open connection.
async fn accept_with_handler<T: Transport, H: Handler>(
    runtime: Arc<dyn Runtime>,
    io: T,
    peer: Option<PeerAddr>,
    config: &ServerConfig,
    mut handler: H,
) -> Result<Option<(WebSocket<T>, H)>, Error> {
    let on_connect = |request: &Request| handler.on_connect(request);
    let ws = accept_transport(runtime, io, peer, config, on_connect).await?;
    Ok(ws.map(|ws| (ws, handler)))
}

/// Runs the server opening handshake over `io` (any [`Transport`]) within
/// [`ServerConfig::open_handshake_timeout`] and returns the open
/// connection, for code that drives a [`WebSocket`] itself instead of a
/// [`Handler`] (a forwarder, a proxy). `on_connect` sees the request and
/// accepts it (with a subprotocol, headers, extensions) or denies it.
///
/// Returns `Ok(None)` when the request was denied or answered with the
/// status page (the answer was sent and the transport closed).
///
/// # Errors
/// [`Error::Timeout`] when the handshake took too long, [`Error::Handshake`]
/// for a bad request (answered with its HTTP status first),
/// [`Error::Negotiation`] for a malformed extension offer, [`Error::Io`]
/// when the transport failed during the handshake.
pub async fn accept_transport<T, F>(
    runtime: Arc<dyn Runtime>,
    mut io: T,
    peer: Option<PeerAddr>,
    config: &ServerConfig,
    on_connect: F,
) -> Result<Option<WebSocket<T>>, Error>
where
    T: Transport,
    F: FnOnce(&Request) -> Result<Accept, Deny>,
{
    let deadline = runtime.now() + config.open_handshake_timeout;
    // Boxed: the handshake's state is freed once it is done, so it does not
    // weigh on the connection's future for its whole life.
    let exchange = Box::pin(handshake(&mut io, config, on_connect));
    let upgraded = match timeout_at(&*runtime, deadline, exchange).await {
        None => {
            tracing::debug!(
                ?peer,
                "opening handshake timed out: dropping the connection"
            );
            return Err(Error::Timeout(Timeout::OpenHandshake));
        }
        Some(res) => res,
    };
    let (accepted, trailing) = match upgraded {
        Ok(Some(upgraded)) => upgraded,
        Ok(None) => {
            Box::pin(linger(&*runtime, &mut io)).await;
            return Ok(None);
        }
        Err(e @ (Error::Handshake(_) | Error::Negotiation(_))) => {
            Box::pin(linger(&*runtime, &mut io)).await;
            return Err(e);
        }
        Err(e) => return Err(e),
    };
    accepted
        .into_websocket(io, runtime, config, peer, &trailing)
        .map(Some)
}
