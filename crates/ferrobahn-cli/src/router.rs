//! `ferrobahn router`: the WAMP router (ferrobahn-router) with a config file or
//! the default: realm `realm1`, anonymous clients, `ws://127.0.0.1:8080/ws`
//! (RawSocket on the same port).

use std::error::Error;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use ferrobahn_router::config::{ComponentConfig, TransportConfig};
use ferrobahn_router::RouterConfig;
use ferrobahn_rt::Runtime;

use crate::{components, RuntimeKind};

/// Options of `ferrobahn router`.
#[derive(Debug, Args)]
pub(crate) struct RouterArgs {
    /// Router config (TOML, or JSON by the `.json` extension); without it the
    /// default realm `realm1` with anonymous access on 127.0.0.1:8080 `/ws`.
    #[arg(long)]
    pub(crate) config: Option<PathBuf>,
    /// Listen here instead of the first transport's endpoint (`host:port`).
    #[arg(long)]
    pub(crate) listen: Option<String>,
    /// The runtime to serve on.
    #[arg(long, value_enum, default_value_t = RuntimeKind::Tokio)]
    pub(crate) runtime: RuntimeKind,
    /// Serve the files of this directory over HTTP on the first transport's port
    /// (next to the WebSocket path), e.g. the demos' HTML pages.
    #[arg(long = "static", value_name = "DIR")]
    pub(crate) static_dir: Option<PathBuf>,
    /// Run a built-in application component inside the router (repeatable), joining
    /// the first realm: `timeservice` or `slowsquare` (`--component list` shows them).
    #[arg(long = "component", value_name = "NAME")]
    pub(crate) components: Vec<String>,
    /// Serve the first transport over TLS (wss://, RawSocket over TLS) with this PEM
    /// certificate chain; needs --tls-key.
    #[arg(long, requires = "tls_key", value_name = "PEM")]
    pub(crate) tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, requires = "tls_cert", value_name = "PEM")]
    pub(crate) tls_key: Option<PathBuf>,
    /// Busy-poll for this many microseconds after each message instead of sleeping
    /// (lower latency on a dedicated core; the core stays busy while traffic flows).
    /// Overrides the config's `busy_poll_us`.
    #[arg(long, value_name = "MICROS")]
    pub(crate) busy_poll_us: Option<u64>,
    /// The most of every 10 ms that busy polling may spin (1-100; default 80: the rest
    /// leaves the core to others and keeps a SCHED_FIFO router under RT throttling).
    /// Overrides the config's `busy_poll_share_percent`.
    #[arg(long, value_name = "PERCENT")]
    pub(crate) busy_poll_share: Option<u8>,
    /// Busy polling rests by blocking the thread (nothing is read during the rest, no
    /// message wakes it): with `chrt -f` and a share under 95%, a real-time router that
    /// polls without being preempted by ordinary processes or stopped by RT throttling.
    /// Sets the config's `busy_poll_blocking_rest`.
    #[arg(long)]
    pub(crate) busy_poll_blocking_rest: bool,
    /// The period --busy-poll-share applies to, in microseconds (100-1000000; default
    /// 10000). Overrides the config's `busy_poll_period_us`.
    #[arg(long, value_name = "MICROS")]
    pub(crate) busy_poll_period_us: Option<u64>,
}

/// The TLS server config of a transport, loaded from its PEM files.
fn tls_of(t: &TransportConfig) -> Result<Option<ferrobahn::tls::TlsServerConfig>, Box<dyn Error>> {
    match &t.tls {
        Some(files) => Ok(Some(ferrobahn::tls::TlsServerConfig::from_pem_files(
            &files.cert,
            &files.key,
        )?)),
        None => Ok(None),
    }
}

/// The config to run: the file's, or the default, with `--listen` applied.
fn config(args: &RouterArgs) -> Result<RouterConfig, Box<dyn Error>> {
    let mut config = match &args.config {
        Some(path) => RouterConfig::load(path)?,
        None => RouterConfig::default(),
    };
    if config.transports.is_empty() {
        config.transports.push(Default::default());
    }
    if let Some(listen) = &args.listen {
        config.transports[0].endpoint.clone_from(listen);
    }
    if let Some(dir) = &args.static_dir {
        config.transports[0].static_dir = Some(dir.clone());
    }
    if let (Some(cert), Some(key)) = (&args.tls_cert, &args.tls_key) {
        config.transports[0].tls = Some(ferrobahn_router::config::TlsFiles::new(cert, key));
    }
    if let Some(us) = args.busy_poll_us {
        config.busy_poll_us = us;
    }
    if let Some(p) = args.busy_poll_share {
        config.busy_poll_share_percent = p;
    }
    if args.busy_poll_blocking_rest {
        config.busy_poll_blocking_rest = true;
    }
    if let Some(us) = args.busy_poll_period_us {
        config.busy_poll_period_us = us;
    }
    let realm = config
        .realms
        .first()
        .map_or_else(|| "realm1".to_owned(), |r| r.name.clone());
    for name in &args.components {
        config.components.push(ComponentConfig::new(name, &realm));
    }
    Ok(config)
}

/// Embeds the configured components (built-in ones, by name).
fn embed_components(
    router: &ferrobahn_router::RouterHandle,
    runtime: Arc<dyn Runtime>,
) -> Result<(), Box<dyn Error>> {
    for c in &router.config().components {
        let Some(component) = components::builtin(runtime.clone(), &c.name, &c.realm) else {
            let known: Vec<&str> = components::BUILTIN.iter().map(|b| b.0).collect();
            return Err(format!(
                "no built-in component {:?} (known: {})",
                c.name,
                known.join(", ")
            )
            .into());
        };
        println!("embedded component {} joins {}", c.name, c.realm);
        router.embed(component);
    }
    Ok(())
}

/// Prints where a transport listens: `addr` for TCP, `None` for a Unix socket.
fn announce(t: &TransportConfig, addr: Option<std::net::SocketAddr>) {
    match addr {
        Some(addr) => {
            let scheme = if t.tls.is_some() { "wss" } else { "ws" };
            println!("listening on {scheme}://{addr}{}", t.path);
            if let Some(dir) = &t.static_dir {
                println!("serving {} on http://{addr}/", dir.display());
            }
        }
        None => println!(
            "listening on {} (WebSocket at {}, RawSocket)",
            t.endpoint, t.path
        ),
    }
}

/// TLS is for TCP endpoints only.
#[cfg(unix)]
fn no_tls_on_unix(t: &TransportConfig) -> Result<(), Box<dyn Error>> {
    if t.tls.is_some() {
        return Err(format!("{}: tls is for TCP endpoints, not Unix sockets", t.endpoint).into());
    }
    Ok(())
}

/// Removes a socket file left at `path` by an earlier run (never another kind of file).
#[cfg(unix)]
fn remove_stale_socket(path: &std::path::Path) -> std::io::Result<()> {
    use std::os::unix::fs::FileTypeExt;
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_socket() => std::fs::remove_file(path),
        Ok(_) => Err(std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            format!("{} exists and is not a socket", path.display()),
        )),
        Err(_) => Ok(()),
    }
}

/// Prints the built-in components.
fn list_components() {
    for (name, what) in components::BUILTIN {
        println!("{name:12} {what}");
    }
}

/// Runs the router until Ctrl-C (tokio: graceful GOODBYE to every session)
/// or until the process is stopped.
pub(crate) fn run(args: &RouterArgs) -> Result<(), Box<dyn Error>> {
    if args.components.iter().any(|c| c == "list") {
        list_components();
        return Ok(());
    }
    let config = config(args)?;
    let transports = config.transports.clone();
    match args.runtime {
        RuntimeKind::Tokio => {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            rt.block_on(async {
                use ferrobahn::tokio as binding;
                let router = ferrobahn_router::start(binding::runtime(), config)?;
                embed_components(&router, binding::runtime())?;
                for t in transports {
                    let r = router.clone();
                    #[cfg(unix)]
                    if let Some(path) = t.unix_path() {
                        no_tls_on_unix(&t)?;
                        remove_stale_socket(path)?;
                        let listener = binding::bind_unix(path).await?;
                        announce(&t, None);
                        tokio::spawn(async move { r.serve_transport(listener, &t).await });
                        continue;
                    }
                    let tls = tls_of(&t)?;
                    let listener = binding::bind(t.endpoint.as_str()).await?;
                    announce(&t, Some(listener.local_addr()?));
                    match tls {
                        Some(tls) => {
                            let listener = binding::TlsListener::new(listener, &tls);
                            tokio::spawn(async move { r.serve_transport(listener, &t).await });
                        }
                        None => {
                            tokio::spawn(async move { r.serve_transport(listener, &t).await });
                        }
                    }
                }
                tokio::signal::ctrl_c().await?;
                tracing::info!("shutting down");
                router.shutdown();
                Ok(())
            })
        }
        RuntimeKind::AsyncStd => async_std::task::block_on(async {
            use ferrobahn::async_std as binding;
            let router = ferrobahn_router::start(binding::runtime(), config)?;
            embed_components(&router, binding::runtime())?;
            let mut serving = Vec::new();
            for t in transports {
                let r = router.clone();
                #[cfg(unix)]
                if let Some(path) = t.unix_path() {
                    no_tls_on_unix(&t)?;
                    remove_stale_socket(path)?;
                    let listener = binding::bind_unix(path).await?;
                    announce(&t, None);
                    serving.push(async_std::task::spawn(async move {
                        r.serve_transport(listener, &t).await
                    }));
                    continue;
                }
                let tls = tls_of(&t)?;
                let listener = binding::bind(t.endpoint.as_str()).await?;
                announce(&t, Some(listener.local_addr()?));
                serving.push(match tls {
                    Some(tls) => {
                        let listener = binding::TlsListener::new(listener, &tls);
                        async_std::task::spawn(async move { r.serve_transport(listener, &t).await })
                    }
                    None => {
                        async_std::task::spawn(async move { r.serve_transport(listener, &t).await })
                    }
                });
            }
            for task in serving {
                task.await;
            }
            Ok(())
        }),
    }
}
