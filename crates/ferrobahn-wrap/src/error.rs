//! [`WrapError`].

use std::io;

/// Why a wrapped connection ended badly.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WrapError {
    /// Connecting upstream failed.
    #[error("cannot connect upstream: {0}")]
    Connect(#[source] io::Error),
    /// Connecting upstream took longer than `WrapConfig::connect_timeout`.
    #[error("connecting upstream timed out")]
    ConnectTimeout,
    /// The upstream byte stream failed (reset, broken pipe, ...).
    #[error("upstream failed: {0}")]
    Upstream(#[source] io::Error),
    /// Nothing moved either way for `WrapConfig::idle_timeout`.
    #[error("idle for too long")]
    Idle,
    /// A `base64` peer sent a text message that is not base64.
    #[error("peer sent invalid base64")]
    BadBase64,
    /// The WebSocket failed (handshake, protocol, transport).
    #[error("websocket: {0}")]
    WebSocket(#[from] ferrobahn_rt::Error),
}
