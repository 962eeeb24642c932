//! Reading certificates and keys from PEM.

use std::path::Path;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::TlsError;

/// Reads a whole PEM file.
///
/// # Errors
/// [`TlsError::Read`] when it cannot be read.
pub fn read_pem(path: impl AsRef<Path>) -> Result<Vec<u8>, TlsError> {
    let path = path.as_ref();
    std::fs::read(path).map_err(|source| TlsError::Read {
        path: path.to_owned(),
        source,
    })
}

/// Every `CERTIFICATE` in `pem`, in order (a chain starts with the leaf).
///
/// # Errors
/// [`TlsError::Pem`] for malformed PEM, [`TlsError::NoCertificate`] when
/// there is none.
pub fn certs_from_pem(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::Pem {
            what: "certificate",
            detail: e.to_string(),
        })?;
    if certs.is_empty() {
        return Err(TlsError::NoCertificate);
    }
    Ok(certs)
}

/// The first private key in `pem` (PKCS#8, PKCS#1 or SEC1).
///
/// # Errors
/// [`TlsError::NoPrivateKey`] when there is none, [`TlsError::Pem`] for
/// malformed PEM.
pub fn key_from_pem(pem: &[u8]) -> Result<PrivateKeyDer<'static>, TlsError> {
    PrivateKeyDer::from_pem_slice(pem).map_err(|e| match e {
        rustls::pki_types::pem::Error::NoItemsFound => TlsError::NoPrivateKey,
        other => TlsError::Pem {
            what: "private key",
            detail: other.to_string(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_and_malformed_pem_give_typed_errors() {
        assert!(matches!(certs_from_pem(b""), Err(TlsError::NoCertificate)));
        assert!(matches!(
            key_from_pem(b"nothing"),
            Err(TlsError::NoPrivateKey)
        ));
        let broken = b"-----BEGIN CERTIFICATE-----\nnot base64 at all!\n";
        assert!(matches!(
            certs_from_pem(broken),
            Err(TlsError::Pem {
                what: "certificate",
                ..
            })
        ));
        let missing = read_pem("/nonexistent/ferrobahn/cert.pem");
        assert!(matches!(missing, Err(TlsError::Read { .. })));
    }
}
