#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub use bytes::Bytes;
pub use ferrobahn_extensions as extensions;
pub use ferrobahn_frame as frame;
pub use ferrobahn_handshake as handshake;
pub use ferrobahn_rt as rt;
pub use ferrobahn_websocket as websocket;

pub use ferrobahn_extensions::{
    ClientExtensions, ClientOffer, DeflateConfig, NegotiationError, ServerExtensions,
};
pub use ferrobahn_handshake::{Accept, HandshakeError, Request, Response, WsUrl};
pub use ferrobahn_rt::{
    accept_transport, connect_transport, forwarded_for, run_client_handler, run_handler, serve,
    serve_connection, AsyncTimer, ClientConfig, Ctx, Deny, Error, FuturesIo, Handler, Listener,
    PeerAddr, Proxy, ReadHalf, Routed, Routes, Runtime, Sender, ServerConfig, Timeout, Transport,
    TrySendError, WebSocket, WriteHalf,
};
pub use ferrobahn_websocket::{
    CloseCode, Closed, Config as WebSocketConfig, Event, Message, MessageKind, ProtocolError,
    SendError, SlowReader, State,
};

/// TLS configuration (feature `tls`): [`TlsServerConfig`](ferrobahn_tls::TlsServerConfig)
/// (PEM certificate chain and key), [`TlsClientConfig`](ferrobahn_tls::TlsClientConfig)
/// (webpki or custom roots, ALPN, server name), [`TlsError`](ferrobahn_tls::TlsError).
/// The bindings then offer `TlsListener`, `serve_tls` and `wss://` in `connect_with`.
#[cfg(feature = "tls")]
pub mod tls {
    pub use ferrobahn_tls::*;
}

/// The tokio binding: `serve`, `serve_with`, `connect`, `connect_with`,
/// [`TokioRuntime`](ferrobahn_tokio::TokioRuntime), [`TokioIo`](ferrobahn_tokio::TokioIo).
#[cfg(feature = "tokio")]
pub mod tokio {
    pub use ferrobahn_tokio::*;
}

/// The async-std / smol binding (on async-io): the same functions as
/// [`tokio`](crate::tokio), with [`AsyncIoRuntime`](ferrobahn_async_std::AsyncIoRuntime).
#[cfg(feature = "async-std")]
pub mod async_std {
    pub use ferrobahn_async_std::*;
}
