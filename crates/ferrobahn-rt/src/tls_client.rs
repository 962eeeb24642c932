//! The client side of TLS (feature `tls`) that does not depend on the
//! runtime: [`start_client_tls`] picks the configuration and the server name
//! and sorts a failed handshake into [`Error::Tls`] or [`Error::Io`]; the
//! binding only runs its rustls connector (tokio-rustls, futures-rustls).

use std::future::Future;
use std::io;
use std::sync::Arc;

use ferrobahn_tls::rustls::pki_types::ServerName;
use ferrobahn_tls::rustls::ClientConfig as RustlsClientConfig;
use ferrobahn_tls::TlsClientConfig;

use crate::error::Error;

/// Starts TLS for `host` (SNI and certificate name, unless `config`
/// overrides it), trusting Mozilla's roots when `config` is `None`:
/// `handshake` gets the rustls config and the server name and runs the
/// binding's connector on its socket.
///
/// # Errors
/// [`Error::Tls`] for a configuration that cannot be built, a host that is
/// no server name, or a handshake that fails in TLS (an untrusted
/// certificate, an alert); [`Error::Io`] when the socket fails.
pub async fn start_client_tls<S, F, Fut>(
    config: Option<&TlsClientConfig>,
    host: &str,
    handshake: F,
) -> Result<S, Error>
where
    F: FnOnce(Arc<RustlsClientConfig>, ServerName<'static>) -> Fut,
    Fut: Future<Output = io::Result<S>>,
{
    let default;
    let config = match config {
        Some(c) => c,
        None => {
            default = TlsClientConfig::webpki_roots()?;
            &default
        }
    };
    let name = config.server_name_for(host)?;
    handshake(config.rustls().clone(), name)
        .await
        .map_err(|e| match ferrobahn_tls::classify(e) {
            Ok(tls) => Error::Tls(tls),
            Err(io) => Error::Io(io),
        })
}

#[cfg(test)]
mod tests {
    use std::future::ready;

    use ferrobahn_tls::rustls;

    use super::*;

    fn run<S>(
        config: Option<&TlsClientConfig>,
        host: &str,
        result: io::Result<S>,
    ) -> (Result<S, Error>, Option<String>) {
        let mut seen = None;
        let r = {
            let fut = start_client_tls(config, host, |_, name| {
                seen = Some(name.to_str().into_owned());
                ready(result)
            });
            let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
            let std::task::Poll::Ready(r) = std::pin::pin!(fut).poll(&mut cx) else {
                panic!("nothing here waits");
            };
            r
        };
        (r, seen)
    }

    #[test]
    fn the_host_is_the_server_name_unless_the_config_names_another() {
        let (r, seen) = run(None, "example.org", Ok(7));
        assert_eq!(r.unwrap(), 7);
        assert_eq!(seen.as_deref(), Some("example.org"));
        let config = TlsClientConfig::webpki_roots()
            .unwrap()
            .with_server_name("other.example")
            .unwrap();
        let (_, seen) = run(Some(&config), "example.org", Ok(()));
        assert_eq!(seen.as_deref(), Some("other.example"));
    }

    #[test]
    fn failures_are_sorted_into_tls_and_io_errors() {
        let refused = io::Error::new(
            io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer),
        );
        let (r, _) = run::<()>(None, "example.org", Err(refused));
        assert!(matches!(r, Err(Error::Tls(_))), "{r:?}");
        let reset = io::Error::from(io::ErrorKind::ConnectionReset);
        let (r, _) = run::<()>(None, "example.org", Err(reset));
        assert!(
            matches!(&r, Err(Error::Io(e)) if e.kind() == io::ErrorKind::ConnectionReset),
            "{r:?}"
        );
        let (r, seen) = run(None, "not a host name", Ok(()));
        assert!(matches!(r, Err(Error::Tls(_))), "{r:?}");
        assert_eq!(seen, None, "no handshake for a bad name");
    }
}
