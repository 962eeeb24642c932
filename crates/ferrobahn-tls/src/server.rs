//! [`TlsServerConfig`]: what a `wss://` server presents.

use std::path::Path;
use std::sync::Arc;

use crate::pem::{certs_from_pem, key_from_pem, read_pem};
use crate::{provider, TlsError};

/// Server TLS options: the certificate chain and key, optional ALPN. No
/// client certificates are asked for.
///
/// Cheap to clone (the rustls config is shared).
#[derive(Clone, Debug)]
pub struct TlsServerConfig {
    config: Arc<rustls::ServerConfig>,
}

impl TlsServerConfig {
    /// A certificate chain (leaf first) and its private key, both PEM.
    ///
    /// # Errors
    /// [`TlsError::Pem`], [`TlsError::NoCertificate`],
    /// [`TlsError::NoPrivateKey`]; [`TlsError::Config`] when the key does
    /// not fit the certificate or is of an unsupported kind.
    pub fn from_pem(cert_chain: &[u8], key: &[u8]) -> Result<Self, TlsError> {
        let certs = certs_from_pem(cert_chain)?;
        let key = key_from_pem(key)?;
        let config = rustls::ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(TlsError::Config)?
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .map_err(TlsError::Config)?;
        Ok(Self::from_rustls(Arc::new(config)))
    }

    /// [`TlsServerConfig::from_pem`] from two files (they may be the same
    /// file holding both).
    ///
    /// # Errors
    /// As [`TlsServerConfig::from_pem`], and [`TlsError::Read`].
    pub fn from_pem_files(
        cert_chain: impl AsRef<Path>,
        key: impl AsRef<Path>,
    ) -> Result<Self, TlsError> {
        Self::from_pem(&read_pem(cert_chain)?, &read_pem(key)?)
    }

    /// Uses a rustls config built elsewhere (client authentication,
    /// certificate resolvers by SNI, other providers).
    pub fn from_rustls(config: Arc<rustls::ServerConfig>) -> Self {
        Self { config }
    }

    /// Accepts these ALPN protocols, in order of preference.
    #[must_use]
    pub fn with_alpn<P: Into<Vec<u8>>>(mut self, protocols: impl IntoIterator<Item = P>) -> Self {
        Arc::make_mut(&mut self.config).alpn_protocols =
            protocols.into_iter().map(Into::into).collect();
        self
    }

    /// The rustls config.
    pub fn rustls(&self) -> &Arc<rustls::ServerConfig> {
        &self.config
    }
}
