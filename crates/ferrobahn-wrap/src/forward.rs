//! The forwarders: one connection each way, and the accept loop.

use std::future::Future;
use std::sync::Arc;

use ferrobahn_handshake::{Accept, Request, Response};
use ferrobahn_rt::{
    accept_loop, accept_transport, timeout_at, ClientConfig, Deny, Error, Listener, PeerAddr,
    Runtime, ServerConfig, Transport, WebSocket,
};
use ferrobahn_websocket::CloseCode;

use crate::config::{Framing, WrapConfig};
use crate::error::WrapError;
use crate::pump::{close_ws, pump, shut_down, Ended, PumpStats};

impl WrapConfig {
    /// `base` offering this configuration's subprotocols (for the
    /// WebSocket client of [`forward_stream_connection`]).
    #[must_use]
    pub fn client_config(&self, base: ClientConfig) -> ClientConfig {
        base.with_protocols(self.protocols.iter().cloned())
    }
}

/// `ws → stream` (websockify's direction): runs the WebSocket server
/// handshake on `io`, choosing a subprotocol of [`WrapConfig::protocols`]
/// (a client offering none of them gets `400`), then connects upstream
/// with `connect` within [`WrapConfig::connect_timeout`] and [`pump`]s.
///
/// Returns `Ok(None)` when the handshake was refused. When connecting
/// upstream fails the WebSocket is closed with 1011 and the reason.
///
/// # Errors
/// [`WrapError::WebSocket`] for a failed handshake, [`WrapError::Connect`]
/// / [`WrapError::ConnectTimeout`], and those of [`pump`].
pub async fn forward_ws_connection<T, C, Fut, S>(
    runtime: Arc<dyn Runtime>,
    io: T,
    peer: Option<PeerAddr>,
    server: &ServerConfig,
    wrap: &WrapConfig,
    connect: C,
) -> Result<Option<(Ended, PumpStats)>, WrapError>
where
    T: Transport,
    C: FnOnce() -> Fut,
    Fut: Future<Output = std::io::Result<S>>,
    S: Transport,
{
    let on_connect = |request: &Request| match wrap.choose(&request.protocols) {
        Ok(protocol) => Ok(Accept {
            protocol: protocol.map(str::to_owned),
            ..Accept::default()
        }),
        Err(()) => Err(Deny::new(
            400,
            format!(
                "this server speaks the subprotocols {}",
                wrap.protocols.join(", ")
            ),
        )),
    };
    let Some(mut ws) = accept_transport(runtime.clone(), io, peer, server, on_connect).await?
    else {
        return Ok(None);
    };
    let deadline = runtime.now() + wrap.connect_timeout;
    let mut upstream = match timeout_at(&*runtime, deadline, connect()).await {
        Some(Ok(stream)) => stream,
        Some(Err(e)) => {
            let e = WrapError::Connect(e);
            close_ws(&mut ws, CloseCode::INTERNAL_ERROR, &e.to_string()).await;
            return Err(e);
        }
        None => {
            let e = WrapError::ConnectTimeout;
            close_ws(&mut ws, CloseCode::INTERNAL_ERROR, &e.to_string()).await;
            return Err(e);
        }
    };
    let framing = Framing::for_protocol(ws.protocol());
    pump(runtime, &mut ws, &mut upstream, framing, wrap)
        .await
        .map(Some)
}

/// `stream → ws`: opens a WebSocket client connection with `connect`
/// (within [`WrapConfig::connect_timeout`]; build its [`ClientConfig`]
/// with [`WrapConfig::client_config`]) and [`pump`]s `stream` over it,
/// framed as the negotiated subprotocol says.
///
/// # Errors
/// [`WrapError::WebSocket`] when the connection or its handshake failed
/// (the stream is then shut down), [`WrapError::ConnectTimeout`], and
/// those of [`pump`].
pub async fn forward_stream_connection<S, C, Fut, W>(
    runtime: Arc<dyn Runtime>,
    mut stream: S,
    wrap: &WrapConfig,
    connect: C,
) -> Result<(Ended, PumpStats), WrapError>
where
    S: Transport,
    C: FnOnce() -> Fut,
    Fut: Future<Output = Result<(WebSocket<W>, Response), Error>>,
    W: Transport,
{
    let deadline = runtime.now() + wrap.connect_timeout;
    let mut ws = match timeout_at(&*runtime, deadline, connect()).await {
        Some(Ok((ws, _))) => ws,
        Some(Err(e)) => {
            shut_down(&*runtime, &mut stream).await;
            return Err(WrapError::WebSocket(e));
        }
        None => {
            shut_down(&*runtime, &mut stream).await;
            return Err(WrapError::ConnectTimeout);
        }
    };
    let framing = Framing::for_protocol(ws.protocol());
    pump(runtime, &mut ws, &mut stream, framing, wrap).await
}

/// Accepts connections from `listener` forever, running `per_connection`
/// for each in its own task, at most `max_connections` at once (more are
/// closed at once). Accept errors are logged and retried after a pause. See
/// [`accept_loop`].
pub async fn serve_forward<L, F, Fut>(
    runtime: Arc<dyn Runtime>,
    listener: L,
    max_connections: usize,
    per_connection: F,
) where
    L: Listener,
    F: Fn(L::Transport, PeerAddr) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let refuse = |io, _| drop(io);
    let counted = |io, peer, slot| {
        let connection = per_connection(io, peer);
        async move {
            let _slot = slot;
            connection.await;
        }
    };
    accept_loop(runtime, listener, max_connections, counted, refuse).await;
}
