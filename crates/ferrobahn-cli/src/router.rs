//! `ferrobahn router`: the WAMP router (ferrobahn-router) with a config file or
//! the default: realm `realm1`, anonymous clients, `ws://127.0.0.1:8080/ws`
//! (RawSocket on the same port).

use std::error::Error;
use std::path::PathBuf;

use clap::Args;
use ferrobahn::Listener;
use ferrobahn_router::RouterConfig;

use crate::RuntimeKind;

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
    Ok(config)
}

/// Runs the router until Ctrl-C (tokio: graceful GOODBYE to every session)
/// or until the process is stopped.
pub(crate) fn run(args: &RouterArgs) -> Result<(), Box<dyn Error>> {
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
                for t in transports {
                    let listener = binding::bind(t.endpoint.as_str()).await?;
                    println!("listening on ws://{}{}", listener.local_addr()?, t.path);
                    let r = router.clone();
                    tokio::spawn(async move { r.serve_transport(listener, &t).await });
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
            let mut serving = Vec::new();
            for t in transports {
                let listener = binding::bind(t.endpoint.as_str()).await?;
                println!("listening on ws://{}{}", listener.local_addr()?, t.path);
                let r = router.clone();
                serving.push(async_std::task::spawn(async move {
                    r.serve_transport(listener, &t).await
                }));
            }
            for task in serving {
                task.await;
            }
            Ok(())
        }),
    }
}
