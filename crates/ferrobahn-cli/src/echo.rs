//! `ferrobahn echo`: a WebSocket echo server.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use ferrobahn::{Bytes, Ctx, Handler, Message, MessageKind, ServerConfig};

use crate::compression::CompressionArgs;
use crate::RuntimeKind;

#[derive(Debug, Args)]
pub(crate) struct EchoArgs {
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:9000")]
    pub(crate) listen: SocketAddr,
    /// The runtime to serve on.
    #[arg(long, value_enum, default_value_t = RuntimeKind::Tokio)]
    pub(crate) runtime: RuntimeKind,
    /// Connections served at once; more get 503.
    #[arg(long, default_value_t = 10_000)]
    pub(crate) max_connections: usize,
    /// Seconds a client has to complete its opening handshake.
    #[arg(long, default_value_t = 10)]
    pub(crate) open_handshake_timeout: u64,
    /// Answer plain HTTP GET requests with a small status page.
    #[arg(long)]
    pub(crate) status_page: bool,
    /// Serve wss:// with this PEM certificate chain (leaf first); needs --tls-key.
    #[arg(long, requires = "tls_key", value_name = "PEM")]
    pub(crate) tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, requires = "tls_cert", value_name = "PEM")]
    pub(crate) tls_key: Option<PathBuf>,
    /// Per-message compression (`--deflate`, `--bzip2`, `--snappy`, `--brotli`).
    #[command(flatten)]
    pub(crate) compression: CompressionArgs,
}

/// Echoes every message back.
struct Echo;

impl Handler for Echo {
    fn on_message(&mut self, ctx: &mut Ctx<'_>, payload: Bytes, is_binary: bool) {
        let kind = if is_binary {
            MessageKind::Binary
        } else {
            MessageKind::Text
        };
        if let Err(e) = ctx.send_message(Message {
            kind,
            data: payload,
        }) {
            tracing::debug!(error = %e, "echo not sent");
        }
    }
}

pub(crate) fn run(args: &EchoArgs) -> std::io::Result<()> {
    let config = ServerConfig::default()
        .with_max_connections(args.max_connections)
        .with_open_handshake_timeout(Duration::from_secs(args.open_handshake_timeout))
        .with_status_page(args.status_page)
        .with_extensions(
            args.compression
                .server_extensions()
                .map_err(std::io::Error::other)?,
        );
    tracing::info!(extensions = ?args.compression.names(), "compression");
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => {
            Some(ferrobahn::tls::TlsServerConfig::from_pem_files(cert, key)?)
        }
        _ => None,
    };
    match args.runtime {
        RuntimeKind::Tokio => {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            rt.block_on(async {
                use ferrobahn::tokio as binding;
                let listener = binding::bind(args.listen).await?;
                let addr = listener.local_addr()?;
                tracing::info!(%addr, runtime = "tokio", tls = tls.is_some(), "echo server listening");
                match &tls {
                    Some(tls) => {
                        let listener = binding::TlsListener::new(listener, tls);
                        ferrobahn::serve(binding::runtime(), listener, config, || Echo).await;
                    }
                    None => ferrobahn::serve(binding::runtime(), listener, config, || Echo).await,
                }
                Ok(())
            })
        }
        RuntimeKind::AsyncStd => async_std::task::block_on(async {
            use ferrobahn::async_std as binding;
            let listener = binding::bind(args.listen).await?;
            let addr = listener.local_addr()?;
            tracing::info!(%addr, runtime = "async-std", tls = tls.is_some(), "echo server listening");
            match &tls {
                Some(tls) => {
                    let listener = binding::TlsListener::new(listener, tls);
                    ferrobahn::serve(binding::runtime(), listener, config, || Echo).await;
                }
                None => ferrobahn::serve(binding::runtime(), listener, config, || Echo).await,
            }
            Ok(())
        }),
    }
}
