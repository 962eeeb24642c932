//! The load driver: sessions on `ferrobahn-client` against any WAMP router over
//! WebSocket, one scenario per run, measured over a window after a warm-up.

pub mod idle;
pub mod light;
pub mod light_rpc;
pub mod meter;
pub mod pubsub;
pub mod rpc;
pub mod samples;

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use ferrobahn_client::transport::{connect_websocket, TransportError};
use ferrobahn_client::{Client, ClientConfig, JoinOptions, RequestError, SessionError};
use ferrobahn_serializers::Serializer;
use ferrobahn_wamp::{Payload, Value};
use tokio::net::{TcpSocket, TcpStream};

/// How long connecting and joining one session may take.
pub const JOIN_TIMEOUT: Duration = Duration::from_secs(60);

/// Sessions connected at once while setting up a scenario.
pub const CONNECT_BATCH: usize = 50;

/// Why a driver run failed.
#[derive(Debug, thiserror::Error)]
pub enum DriverError {
    /// A socket failed.
    #[error("i/o: {0}")]
    Io(#[from] io::Error),
    /// The WAMP transport failed (handshake, serializer).
    #[error("transport: {0}")]
    Transport(#[from] TransportError),
    /// The WebSocket layer failed.
    #[error("websocket: {0}")]
    WebSocket(#[from] ferrobahn_rt::Error),
    /// Joining failed.
    #[error("session: {0}")]
    Session(#[from] SessionError),
    /// A request (call, register, subscribe, publish) failed.
    #[error("request: {0}")]
    Request(#[from] RequestError),
    /// The router answered something unexpected.
    #[error("protocol: {0}")]
    Protocol(String),
    /// A step did not finish in time.
    #[error("timed out: {0}")]
    Timeout(&'static str),
}

/// The router under load.
#[derive(Clone, Debug)]
pub struct Target {
    /// Its WebSocket URL, e.g. `ws://127.0.0.1:8080/ws`.
    pub url: String,
    /// The address of that URL.
    pub addr: SocketAddr,
    /// The serializer every session uses.
    pub serializer: Serializer,
    /// The realm.
    pub realm: String,
}

impl Target {
    /// A target from a `ws://HOST:PORT/PATH` URL with an IP host.
    ///
    /// # Errors
    /// [`DriverError::Protocol`] for another URL shape or an unknown subprotocol.
    pub fn new(url: &str, subprotocol: &str, realm: &str) -> Result<Self, DriverError> {
        let bad = || DriverError::Protocol(format!("bad URL `{url}` (want ws://IP:PORT/PATH)"));
        let rest = url.strip_prefix("ws://").ok_or_else(bad)?;
        let hostport = rest.split('/').next().ok_or_else(bad)?;
        let addr = hostport.parse().map_err(|_| bad())?;
        let serializer = Serializer::from_subprotocol(subprotocol)
            .ok_or_else(|| DriverError::Protocol(format!("unknown serializer {subprotocol}")))?;
        Ok(Self {
            url: url.to_owned(),
            addr,
            serializer,
            realm: realm.to_owned(),
        })
    }

    /// A TCP connection to the router (from `source` when given), `TCP_NODELAY` on.
    ///
    /// # Errors
    /// Socket errors.
    pub async fn tcp(&self, source: Option<IpAddr>) -> io::Result<TcpStream> {
        let sock = if self.addr.is_ipv4() {
            TcpSocket::new_v4()?
        } else {
            TcpSocket::new_v6()?
        };
        if let Some(ip) = source {
            sock.bind(SocketAddr::new(ip, 0))?;
        }
        let tcp = sock.connect(self.addr).await?;
        tcp.set_nodelay(true)?;
        Ok(tcp)
    }

    /// A joined session on our async client.
    ///
    /// # Errors
    /// Connection, handshake or join failure, or [`JOIN_TIMEOUT`].
    pub async fn client(&self, source: Option<IpAddr>) -> Result<Client, DriverError> {
        let join = async {
            let tcp = self.tcp(source).await?;
            let rt = ferrobahn_tokio::runtime();
            let ws = connect_websocket(
                rt.clone(),
                ferrobahn_tokio::TokioIo(tcp),
                &self.url,
                &[self.serializer],
                Default::default(),
            )
            .await?;
            let c = Client::new(rt, ws, ClientConfig::default());
            c.join(JoinOptions::new(self.realm.as_str())).await?;
            Ok::<_, DriverError>(c)
        };
        tokio::time::timeout(JOIN_TIMEOUT, join)
            .await
            .map_err(|_| DriverError::Timeout("join"))?
    }

    /// `n` joined sessions, connected [`CONNECT_BATCH`] at a time.
    ///
    /// # Errors
    /// The first failure.
    pub async fn clients(&self, n: usize) -> Result<Vec<Client>, DriverError> {
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            let batch = (n - out.len()).min(CONNECT_BATCH);
            let joins = (0..batch).map(|_| self.client(None));
            for c in futures_util::future::join_all(joins).await {
                out.push(c?);
            }
        }
        Ok(out)
    }
}

/// A payload of one string argument of `size` bytes (the same in every serializer).
pub fn payload(size: usize) -> Payload {
    Payload::Args(vec![Value::Str("x".repeat(size))])
}

/// The single-threaded runtime every scenario runs on (the driver is pinned to one
/// core).
///
/// # Errors
/// When tokio cannot build it.
pub fn runtime() -> io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse() {
        let t = Target::new("ws://127.0.0.1:9/ws", "wamp.2.msgpack", "realm1").unwrap();
        assert_eq!(t.addr, "127.0.0.1:9".parse().unwrap());
        assert_eq!(t.serializer.subprotocol(), "wamp.2.msgpack");
        assert!(Target::new("wss://127.0.0.1:9/ws", "wamp.2.json", "r").is_err());
        assert!(Target::new("ws://localhost:9/ws", "wamp.2.json", "r").is_err());
        assert!(Target::new("ws://127.0.0.1:9/ws", "wamp.2.xml", "r").is_err());
    }

    #[test]
    fn payload_has_the_size() {
        let Payload::Args(a) = payload(64) else {
            panic!()
        };
        assert_eq!(a, vec![Value::Str("x".repeat(64))]);
    }
}
