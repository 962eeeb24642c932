//! Connecting and joining: the socket (TCP or Unix, on tokio), the WAMP handshake for
//! the URL's scheme, the credentials, HELLO.

use std::time::Duration;

use ferrobahn::tokio::{runtime, TokioIo};
use ferrobahn_client::transport::{connect_endpoint, Endpoint, WampTransport};
use ferrobahn_client::{
    Client, ClientConfig, Credentials, JoinOptions, SessionConfig, SessionError, UsageError,
};
use ferrobahn_serializers::{Format, Serializer};

use super::{AuthMethod, CliError, ConnArgs, SerializerArg};

/// The credentials the flags ask for.
pub(crate) fn credentials(conn: &ConnArgs) -> Result<Credentials, CliError> {
    let secret = || {
        conn.secret.clone().ok_or_else(|| {
            CliError::Usage(format!(
                "--authmethod {:?} needs --secret (or FERROBAHN_WAMP_SECRET)",
                conn.authmethod
            ))
        })
    };
    Ok(match conn.authmethod {
        AuthMethod::Anonymous => {
            if conn.secret.is_some() {
                return Err(CliError::Usage(
                    "--secret given without --authmethod ticket|wampcra|cryptosign".into(),
                ));
            }
            Credentials::Anonymous
        }
        AuthMethod::Ticket => Credentials::Ticket(secret()?),
        AuthMethod::Wampcra => Credentials::WampCra(secret()?),
        AuthMethod::Cryptosign => Credentials::cryptosign_from_hex(secret()?.trim())
            .map_err(|e| CliError::Usage(format!("--secret for cryptosign: {e}")))?,
    })
}

fn serializer(s: SerializerArg) -> Serializer {
    Serializer::new(match s {
        SerializerArg::Json => Format::Json,
        SerializerArg::Msgpack => Format::MsgPack,
        SerializerArg::Cbor => Format::Cbor,
        SerializerArg::Ubjson => Format::Ubjson,
    })
}

/// Opens the socket and runs the WebSocket or RawSocket handshake.
async fn open(conn: &ConnArgs, timeout: Duration) -> Result<Box<dyn WampTransport>, CliError> {
    let fail = |reason: String| CliError::Connect {
        url: conn.url.clone(),
        reason,
    };
    let endpoint = Endpoint::parse(&conn.url).map_err(|e| CliError::Usage(e.to_string()))?;
    let ser = serializer(conn.serializer);
    let tls = match &conn.tls_ca {
        Some(path) => Some(
            ferrobahn::tls::TlsClientConfig::from_pem_roots_file(path)
                .map_err(|e| CliError::Usage(format!("--tls-ca: {e}")))?,
        ),
        None => None,
    };
    let connecting = async {
        match &endpoint {
            Endpoint::WebSocket { host, port, .. } | Endpoint::RawSocketTcp { host, port, .. }
                if endpoint.is_tls() =>
            {
                let stream = ferrobahn::tokio::connect_tls(host, *port, tls.as_ref())
                    .await
                    .map_err(|e| fail(e.to_string()))?;
                connect_endpoint(runtime(), stream, &endpoint, ser, timeout)
                    .await
                    .map_err(|e| fail(e.to_string()))
            }
            Endpoint::WebSocket { host, port, .. } | Endpoint::RawSocketTcp { host, port, .. } => {
                let tcp = tokio::net::TcpStream::connect((host.as_str(), *port))
                    .await
                    .map_err(|e| fail(e.to_string()))?;
                tcp.set_nodelay(true).map_err(|e| fail(e.to_string()))?;
                connect_endpoint(runtime(), TokioIo(tcp), &endpoint, ser, timeout)
                    .await
                    .map_err(|e| fail(e.to_string()))
            }
            Endpoint::RawSocketUnix { path } => {
                let unix = tokio::net::UnixStream::connect(path)
                    .await
                    .map_err(|e| fail(e.to_string()))?;
                connect_endpoint(runtime(), TokioIo(unix), &endpoint, ser, timeout)
                    .await
                    .map_err(|e| fail(e.to_string()))
            }
            other => Err(CliError::Usage(format!("unsupported endpoint {other:?}"))),
        }
    };
    tokio::time::timeout(timeout, connecting)
        .await
        .map_err(|_| fail(format!("no answer within {} s", timeout.as_secs())))?
}

/// A client joined to the realm with the flags' credentials.
pub(crate) async fn joined(conn: &ConnArgs) -> Result<Client, CliError> {
    let credentials = credentials(conn)?;
    if conn.channel_binding.is_some() && conn.authmethod != AuthMethod::Cryptosign {
        return Err(CliError::Usage(
            "--channel-binding needs --authmethod cryptosign".into(),
        ));
    }
    let timeout = Duration::from_secs(conn.connect_timeout.max(1));
    let transport = open(conn, timeout).await?;
    let config = ClientConfig::default()
        .with_session(SessionConfig::default().with_join_timeout(timeout))
        .with_event_queue(65_536);
    let client = Client::new(runtime(), transport, config);
    let mut join = JoinOptions::new(conn.realm.clone()).with_credentials(credentials);
    join.authid.clone_from(&conn.authid);
    join.authrole.clone_from(&conn.authrole);
    join.channel_binding_type = conn.channel_binding.map(Into::into);
    match client.join(join).await {
        Ok(details) => {
            tracing::debug!(session = %details.session, realm = %details.realm, "joined");
            Ok(client)
        }
        // Found before HELLO, e.g. a channel binding over a transport without TLS.
        Err(SessionError::Usage(e)) => {
            client.disconnect().await;
            let hint = match e {
                UsageError::ChannelBindingUnavailable(_) => " (use wss:// or rss://)",
                _ => "",
            };
            Err(CliError::Usage(format!("{e}{hint}")))
        }
        Err(source) => {
            client.disconnect().await;
            Err(CliError::Join {
                realm: conn.realm.clone(),
                source,
            })
        }
    }
}
