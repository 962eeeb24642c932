//! TLS for ferrobahn, shared by the runtime bindings: what a `wss://` server
//! or client needs besides the stream wrapper itself.
//!
//! - [`TlsServerConfig`]: a certificate chain and private key (PEM files or
//!   bytes), optional ALPN.
//! - [`TlsClientConfig`]: trusted roots (Mozilla's via `webpki-roots`, or
//!   custom PEM roots), optional ALPN, optional server-name override; by
//!   default SNI and certificate checks use the host of the URL.
//! - [`TlsError`]: typed failures (unreadable PEM, name mismatch, untrusted
//!   certificate, handshake alerts), and [`classify`] to recover them from
//!   the `io::Error`s that tokio-rustls and futures-rustls report.
//! - [`export_tls_exporter`]: the RFC 9266 `tls-exporter` channel binding
//!   (RFC 5705 keying-material export), which WAMP-cryptosign can use;
//!   rustls has no `tls-unique`.
//!
//! The stream wrappers live in the bindings: `ferrobahn-tokio` (feature
//! `tls`, via tokio-rustls) and `ferrobahn-async-std` (feature `tls`, via
//! futures-rustls), so this crate names no runtime.
//!
//! rustls is built with the `ring` provider and without default features:
//! no aws-lc-rs, so no cmake is needed, and there is no OpenSSL anywhere.
//!
//! # FAQ
//!
//! **Which TLS versions?** 1.2 and 1.3 (rustls' safe defaults).
//!
//! **Client certificates?** Not asked for by [`TlsServerConfig`]; build a
//! `rustls::ServerConfig` yourself and wrap it with
//! [`TlsServerConfig::from_rustls`] for that.
#![forbid(unsafe_code)]

mod client;
mod error;
mod pem;
mod server;

pub use client::TlsClientConfig;
pub use error::{classify, TlsError};
pub use pem::{certs_from_pem, key_from_pem, read_pem};
pub use rustls;
pub use server::TlsServerConfig;

use std::sync::Arc;

/// The label of the RFC 9266 `tls-exporter` channel binding.
pub const TLS_EXPORTER_LABEL: &[u8] = b"EXPORTER-Channel-Binding";

/// The length of the RFC 9266 `tls-exporter` channel binding.
pub const TLS_EXPORTER_LEN: usize = 32;

/// The rustls crypto provider ferrobahn uses (`ring`).
pub fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The RFC 9266 `tls-exporter` channel binding of an established
/// connection: 32 bytes exported with label `EXPORTER-Channel-Binding` and
/// no context.
///
/// # Errors
/// [`TlsError::Handshake`] before the handshake is complete.
pub fn export_tls_exporter<D>(
    conn: &rustls::ConnectionCommon<D>,
) -> Result<[u8; TLS_EXPORTER_LEN], TlsError> {
    conn.export_keying_material([0u8; TLS_EXPORTER_LEN], TLS_EXPORTER_LABEL, None)
        .map_err(TlsError::Handshake)
}
