//! `ferrobahn forward`: any byte stream over WebSocket, websockify-compatible
//! (`binary` and `base64` subprotocols, plus extra binary-compatible ones).
//!
//! `--listen ws://127.0.0.1:9000 --to tcp:127.0.0.1:23` serves WebSocket and
//! forwards each connection to a TCP (or `unix:PATH`) upstream;
//! `--listen tcp:127.0.0.1:2323 --to ws://host:9000/` wraps each accepted
//! TCP (or `unix:PATH`) connection into a WebSocket client connection.
//! `--runtime tokio|async-std` picks the runtime; the forwarder is the same
//! code on both ([`runtimes::Binding`]).

mod runtimes;

use std::io;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use ferrobahn::{ClientConfig, Listener, PeerAddr, ServerConfig, Transport};
use ferrobahn_wrap::{
    forward_stream_connection, forward_ws_connection, serve_forward, WrapConfig, WrapError,
};

use crate::RuntimeKind;
use runtimes::{AsyncStd, Binding, Tokio};

/// One side of a forwarder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Endpoint {
    /// A WebSocket URL (`ws://host:port/path`).
    Ws(String),
    /// `tcp:host:port`.
    Tcp(String),
    /// `unix:/path/to/socket`.
    Unix(PathBuf),
}

impl FromStr for Endpoint {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        if s.starts_with("ws://") || s.starts_with("wss://") {
            return Ok(Endpoint::Ws(s.to_owned()));
        }
        if let Some(addr) = s.strip_prefix("tcp:") {
            if addr
                .rsplit_once(':')
                .is_some_and(|(h, p)| !h.is_empty() && p.parse::<u16>().is_ok())
            {
                return Ok(Endpoint::Tcp(addr.to_owned()));
            }
            return Err(format!("`{s}`: expected tcp:HOST:PORT"));
        }
        if let Some(path) = s.strip_prefix("unix:") {
            if !path.is_empty() {
                return Ok(Endpoint::Unix(PathBuf::from(path)));
            }
        }
        Err(format!(
            "`{s}`: expected ws://HOST:PORT/PATH, tcp:HOST:PORT or unix:PATH"
        ))
    }
}

#[derive(Debug, Args)]
pub(crate) struct ForwardArgs {
    /// Where to accept connections: ws://HOST:PORT (WebSocket server),
    /// tcp:HOST:PORT or unix:PATH (plain byte streams).
    #[arg(long)]
    pub(crate) listen: Endpoint,
    /// Where to forward them: tcp:HOST:PORT or unix:PATH (for a ws://
    /// listener), ws://HOST:PORT/PATH (for a tcp: or unix: listener).
    #[arg(long)]
    pub(crate) to: Endpoint,
    /// Also speak this binary-compatible subprotocol (e.g. mqttv3.1),
    /// besides binary and base64; repeatable.
    #[arg(long = "protocol")]
    pub(crate) protocols: Vec<String>,
    /// Seconds to connect to the --to side.
    #[arg(long, default_value_t = 10)]
    pub(crate) connect_timeout: u64,
    /// Seconds a connection may be idle (no byte either way) before it is closed.
    #[arg(long, default_value_t = 3600)]
    pub(crate) idle_timeout: u64,
    /// Connections forwarded at once.
    #[arg(long, default_value_t = 10_000)]
    pub(crate) max_connections: usize,
    /// The runtime to run on.
    #[arg(long, value_enum, default_value_t = RuntimeKind::Tokio)]
    pub(crate) runtime: RuntimeKind,
}

/// What an accepted connection is forwarded with.
struct Shared {
    wrap: WrapConfig,
    server: ServerConfig,
    to: Endpoint,
}

/// Runs the forwarder until the process is stopped.
pub(crate) fn run(args: &ForwardArgs) -> io::Result<()> {
    let mut wrap = WrapConfig::default()
        .with_connect_timeout(Duration::from_secs(args.connect_timeout))
        .with_idle_timeout(Duration::from_secs(args.idle_timeout))
        .with_max_connections(args.max_connections);
    for p in &args.protocols {
        wrap = wrap.with_protocol(p.clone());
    }
    let server = ServerConfig::default().with_max_connections(args.max_connections);
    let shared = Arc::new(Shared {
        wrap,
        server,
        to: args.to.clone(),
    });
    match args.runtime {
        RuntimeKind::Tokio => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?
            .block_on(serve::<Tokio>(&args.listen, shared)),
        RuntimeKind::AsyncStd => async_std::task::block_on(serve::<AsyncStd>(&args.listen, shared)),
    }
}

/// `HOST:PORT` of a `ws://HOST[:PORT][/PATH]` listen URL (port 80 by
/// default; the path is not checked).
fn listen_authority(url: &str) -> io::Result<String> {
    let rest = url
        .strip_prefix("ws://")
        .ok_or_else(|| usage("--listen ws://HOST:PORT (wss is not served here)"))?;
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    if authority.is_empty() {
        return Err(usage("--listen ws://HOST:PORT: no host"));
    }
    let has_port = authority
        .rsplit_once(':')
        .is_some_and(|(_, port)| !port.contains(']'));
    Ok(if has_port {
        authority.to_owned()
    } else {
        format!("{authority}:80")
    })
}

fn usage(msg: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg.to_owned())
}

async fn serve<B: Binding>(listen: &Endpoint, shared: Arc<Shared>) -> io::Result<()> {
    let max = shared.wrap.max_connections;
    match (listen, &shared.to) {
        (Endpoint::Ws(url), Endpoint::Tcp(_) | Endpoint::Unix(_)) => {
            let listener = B::bind(listen_authority(url)?).await?;
            announce(&listener, &shared.to)?;
            let per = move |io, peer| ws_connection::<B, _>(io, peer, shared.clone());
            serve_forward(B::runtime(), listener, max, per).await;
        }
        (Endpoint::Tcp(addr), Endpoint::Ws(_)) => {
            let listener = B::bind(addr.clone()).await?;
            announce(&listener, &shared.to)?;
            let per = move |io, _| stream_connection::<B, _>(io, shared.clone());
            serve_forward(B::runtime(), listener, max, per).await;
        }
        (Endpoint::Unix(path), Endpoint::Ws(_)) => {
            let listener = B::bind_unix(path.clone()).await?;
            announce(&listener, &shared.to)?;
            let per = move |io, _| stream_connection::<B, _>(io, shared.clone());
            serve_forward(B::runtime(), listener, max, per).await;
        }
        _ => {
            return Err(usage(
                "forward either --listen ws://... --to tcp:|unix:..., or --listen tcp:|unix:... --to ws://...",
            ))
        }
    }
    Ok(())
}

/// Prints the bound address on stdout (tests and scripts read it).
fn announce(listener: &impl Listener, to: &Endpoint) -> io::Result<()> {
    let addr = listener.local_addr()?;
    println!("forwarding {addr} -> {to:?}");
    tracing::info!(%addr, ?to, "forwarder listening");
    Ok(())
}

fn report(result: Result<impl std::fmt::Debug, WrapError>) {
    match result {
        Ok(done) => tracing::debug!(?done, "forwarded connection ended"),
        Err(e) => tracing::warn!(error = %e, "forwarded connection failed"),
    }
}

async fn ws_connection<B: Binding, T: Transport>(io: T, peer: PeerAddr, shared: Arc<Shared>) {
    let (wrap, server) = (&shared.wrap, &shared.server);
    let result = match &shared.to {
        Endpoint::Tcp(addr) => {
            let connect = || B::tcp(addr.clone());
            forward_ws_connection(B::runtime(), io, Some(peer), server, wrap, connect).await
        }
        Endpoint::Unix(path) => {
            let connect = || B::unix(path.clone());
            forward_ws_connection(B::runtime(), io, Some(peer), server, wrap, connect).await
        }
        Endpoint::Ws(_) => return,
    };
    report(result);
}

async fn stream_connection<B: Binding, T: Transport>(io: T, shared: Arc<Shared>) {
    let Endpoint::Ws(url) = &shared.to else {
        return;
    };
    let config = shared.wrap.client_config(ClientConfig::default());
    let connect = || B::ws(url.clone(), config);
    report(forward_stream_connection(B::runtime(), io, &shared.wrap, connect).await);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listen_urls_give_an_address() {
        let a = |u: &str| listen_authority(u).unwrap();
        assert_eq!(a("ws://127.0.0.1:0"), "127.0.0.1:0");
        assert_eq!(a("ws://localhost/x"), "localhost:80");
        assert_eq!(a("ws://[::1]:9000/"), "[::1]:9000");
        assert_eq!(a("ws://[::1]"), "[::1]:80");
        assert!(listen_authority("wss://h:1").is_err());
        assert!(listen_authority("ws:///x").is_err());
    }

    #[test]
    fn endpoints_parse() {
        assert_eq!(
            "tcp:127.0.0.1:23".parse(),
            Ok(Endpoint::Tcp("127.0.0.1:23".into()))
        );
        assert_eq!(
            "ws://127.0.0.1:9000/x".parse(),
            Ok(Endpoint::Ws("ws://127.0.0.1:9000/x".into()))
        );
        assert_eq!(
            "unix:/run/a.sock".parse(),
            Ok(Endpoint::Unix("/run/a.sock".into()))
        );
        assert!("tcp:nohost".parse::<Endpoint>().is_err());
        assert!("tcp::80".parse::<Endpoint>().is_err());
        assert!("http://x".parse::<Endpoint>().is_err());
        assert!("unix:".parse::<Endpoint>().is_err());
    }
}
