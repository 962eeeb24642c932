//! A WAMP router on tokio: `cargo run -p ferrobahn-router --example router -- [CONFIG]`.
//!
//! Without a config file it serves realm `realm1` to anonymous clients on
//! `ws://127.0.0.1:8080/ws`; `FERROBAHN_ROUTER_LISTEN=127.0.0.1:0` overrides the
//! endpoint, and the bound address is printed as `listening on ws://ADDR/ws`. Ctrl-C
//! shuts down gracefully. Logs: `RUST_LOG=ferrobahn_router=debug`.

use ferrobahn_router::RouterConfig;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let mut config = match std::env::args().nth(1) {
        Some(path) => RouterConfig::load(path)?,
        None => RouterConfig::default(),
    };
    if config.transports.is_empty() {
        config.transports.push(Default::default());
    }
    if let Ok(listen) = std::env::var("FERROBAHN_ROUTER_LISTEN") {
        config.transports[0].endpoint = listen;
    }
    let transport = config.transports[0].clone();
    let listener = ferrobahn_tokio::bind(transport.endpoint.as_str()).await?;
    let addr = listener.local_addr()?;
    let router = ferrobahn_router::start(ferrobahn_tokio::runtime(), config)?;
    println!("listening on ws://{addr}{}", transport.path);
    let r = router.clone();
    tokio::spawn(async move {
        let _ = tokio::signal::ctrl_c().await;
        r.shutdown();
    });
    router.serve_transport(listener, &transport).await;
    Ok(())
}
