//! [`TlsError`] and [`classify`].

use std::io;
use std::path::PathBuf;

use rustls::CertificateError;

/// What can go wrong with TLS: configuration (files, PEM, keys) or a
/// handshake (certificates, alerts).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    /// A PEM file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// PEM text that does not parse.
    #[error("bad PEM ({what}): {detail}")]
    Pem {
        /// What was being read (`certificate`, `private key`, `root`).
        what: &'static str,
        /// The parser's complaint.
        detail: String,
    },
    /// No certificate in the PEM text.
    #[error("no certificate found in the PEM text")]
    NoCertificate,
    /// No private key in the PEM text.
    #[error("no private key found in the PEM text")]
    NoPrivateKey,
    /// The URL host is not a valid TLS server name.
    #[error("invalid TLS server name {0:?}")]
    InvalidServerName(String),
    /// rustls refused the configuration (e.g. a key that does not match the
    /// certificate, an unusable root).
    #[error("TLS configuration rejected: {0}")]
    Config(rustls::Error),
    /// The server's certificate does not name the host we connected to.
    #[error("server certificate is not valid for this host name: {0}")]
    NameMismatch(CertificateError),
    /// The peer's certificate does not chain to a trusted root.
    #[error("certificate not trusted: {0}")]
    Untrusted(CertificateError),
    /// The peer's certificate is invalid otherwise (expired, bad encoding, ...).
    #[error("invalid certificate: {0}")]
    Certificate(CertificateError),
    /// Any other TLS failure: an alert from the peer, a protocol violation,
    /// the exporter called before the handshake ended.
    #[error("TLS failed: {0}")]
    Handshake(rustls::Error),
}

impl TlsError {
    /// Classifies a rustls error (as reported by a handshake).
    pub fn from_rustls(err: rustls::Error) -> Self {
        match err {
            rustls::Error::InvalidCertificate(cert) => match cert {
                CertificateError::NotValidForName
                | CertificateError::NotValidForNameContext { .. } => TlsError::NameMismatch(cert),
                CertificateError::UnknownIssuer | CertificateError::BadSignature => {
                    TlsError::Untrusted(cert)
                }
                other => TlsError::Certificate(other),
            },
            other => TlsError::Handshake(other),
        }
    }
}

/// Recovers the rustls error that tokio-rustls / futures-rustls put inside
/// an `io::Error`; any other I/O error comes back as it was.
///
/// # Errors
/// The original error when it carries no rustls error.
pub fn classify(err: io::Error) -> Result<TlsError, io::Error> {
    match err
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    {
        Some(tls) => Ok(TlsError::from_rustls(tls.clone())),
        None => Err(err),
    }
}

impl From<TlsError> for io::Error {
    fn from(e: TlsError) -> io::Error {
        let kind = match &e {
            TlsError::Read { source, .. } => source.kind(),
            TlsError::InvalidServerName(_) => io::ErrorKind::InvalidInput,
            _ => io::ErrorKind::InvalidData,
        };
        io::Error::new(kind, e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rustls_errors_inside_io_errors_are_recovered_and_sorted() {
        let name = io::Error::new(
            io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(CertificateError::NotValidForName),
        );
        assert!(matches!(classify(name), Ok(TlsError::NameMismatch(_))));
        let issuer = io::Error::new(
            io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer),
        );
        assert!(matches!(classify(issuer), Ok(TlsError::Untrusted(_))));
        let expired = rustls::Error::InvalidCertificate(CertificateError::Expired);
        assert!(matches!(
            TlsError::from_rustls(expired),
            TlsError::Certificate(CertificateError::Expired)
        ));
        let eof = io::Error::from(io::ErrorKind::UnexpectedEof);
        assert_eq!(
            classify(eof).unwrap_err().kind(),
            io::ErrorKind::UnexpectedEof
        );
    }
}
