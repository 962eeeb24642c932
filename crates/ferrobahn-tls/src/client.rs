//! [`TlsClientConfig`]: what a `wss://` client trusts and offers.

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::ServerName;
use rustls::RootCertStore;

use crate::pem::{certs_from_pem, read_pem};
use crate::{provider, TlsError};

/// Client TLS options: trusted roots, ALPN, and the name the server's
/// certificate must carry (by default the URL's host, also sent as SNI).
///
/// Cheap to clone (the rustls config is shared).
#[derive(Clone, Debug)]
pub struct TlsClientConfig {
    config: Arc<rustls::ClientConfig>,
    server_name: Option<ServerName<'static>>,
}

impl TlsClientConfig {
    /// Trusts Mozilla's root certificates (the `webpki-roots` crate).
    ///
    /// # Errors
    /// [`TlsError::Config`] if rustls refuses the setup (not expected).
    #[cfg(feature = "webpki-roots")]
    pub fn webpki_roots() -> Result<Self, TlsError> {
        let roots = RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        Self::with_roots(roots)
    }

    /// Trusts exactly `roots`.
    ///
    /// # Errors
    /// [`TlsError::Config`] if rustls refuses the setup.
    pub fn with_roots(roots: RootCertStore) -> Result<Self, TlsError> {
        let config = rustls::ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(TlsError::Config)?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(Self::from_rustls(Arc::new(config)))
    }

    /// Trusts the certificates in `pem` (one or more `CERTIFICATE` blocks).
    ///
    /// # Errors
    /// [`TlsError::Pem`] / [`TlsError::NoCertificate`] for bad PEM,
    /// [`TlsError::Config`] for a certificate rustls cannot use as a root.
    pub fn from_pem_roots(pem: &[u8]) -> Result<Self, TlsError> {
        let mut roots = RootCertStore::empty();
        for cert in certs_from_pem(pem)? {
            roots.add(cert).map_err(TlsError::Config)?;
        }
        Self::with_roots(roots)
    }

    /// [`TlsClientConfig::from_pem_roots`] from a file.
    ///
    /// # Errors
    /// As [`TlsClientConfig::from_pem_roots`], and [`TlsError::Read`].
    pub fn from_pem_roots_file(path: impl AsRef<Path>) -> Result<Self, TlsError> {
        Self::from_pem_roots(&read_pem(path)?)
    }

    /// Uses a rustls config built elsewhere (client certificates, custom
    /// verifiers, other providers).
    pub fn from_rustls(config: Arc<rustls::ClientConfig>) -> Self {
        Self {
            config,
            server_name: None,
        }
    }

    /// Offers these ALPN protocols (e.g. `http/1.1`), in order of preference.
    #[must_use]
    pub fn with_alpn<P: Into<Vec<u8>>>(mut self, protocols: impl IntoIterator<Item = P>) -> Self {
        Arc::make_mut(&mut self.config).alpn_protocols =
            protocols.into_iter().map(Into::into).collect();
        self
    }

    /// Checks the server's certificate against (and sends as SNI) `name`
    /// instead of the URL's host: for a server reached by address, or
    /// through a tunnel.
    ///
    /// # Errors
    /// [`TlsError::InvalidServerName`].
    pub fn with_server_name(mut self, name: &str) -> Result<Self, TlsError> {
        self.server_name = Some(parse_name(name)?);
        Ok(self)
    }

    /// The rustls config.
    pub fn rustls(&self) -> &Arc<rustls::ClientConfig> {
        &self.config
    }

    /// The name to verify and send as SNI for a connection to `host`: the
    /// override of [`TlsClientConfig::with_server_name`], else `host`
    /// (an IP address is checked against the certificate's IP entries and
    /// sends no SNI).
    ///
    /// # Errors
    /// [`TlsError::InvalidServerName`].
    pub fn server_name_for(&self, host: &str) -> Result<ServerName<'static>, TlsError> {
        match &self.server_name {
            Some(name) => Ok(name.clone()),
            None => parse_name(host),
        }
    }
}

fn parse_name(host: &str) -> Result<ServerName<'static>, TlsError> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    ServerName::try_from(bare.to_owned()).map_err(|_| TlsError::InvalidServerName(host.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_names_come_from_the_host_unless_overridden() {
        let config = TlsClientConfig::with_roots(RootCertStore::empty()).unwrap();
        assert_eq!(
            config.server_name_for("example.org").unwrap(),
            ServerName::try_from("example.org").unwrap()
        );
        assert!(matches!(
            config.server_name_for("::1").unwrap(),
            ServerName::IpAddress(_)
        ));
        assert!(matches!(
            config.server_name_for("bad name!"),
            Err(TlsError::InvalidServerName(_))
        ));
        let named = config.with_server_name("localhost").unwrap();
        assert_eq!(
            named.server_name_for("127.0.0.1").unwrap(),
            ServerName::try_from("localhost").unwrap()
        );
    }

    #[test]
    fn alpn_is_set_on_the_rustls_config() {
        let config = TlsClientConfig::with_roots(RootCertStore::empty())
            .unwrap()
            .with_alpn(["http/1.1"]);
        assert_eq!(config.rustls().alpn_protocols, vec![b"http/1.1".to_vec()]);
    }

    #[cfg(feature = "webpki-roots")]
    #[test]
    fn webpki_roots_are_loaded() {
        assert!(TlsClientConfig::webpki_roots().is_ok());
    }
}
