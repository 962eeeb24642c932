//! Client for `wstest -m fuzzingserver`.
#![forbid(unsafe_code)]

use std::future::Future;
use std::process::ExitCode;

use clap::Parser;
use ferrobahn::{run_client_handler, ClientConfig, Error, Response, Transport, WebSocket};
use ferrobahn_testsuite::{init_logging, websocket_config, Echo, RuntimeKind};

/// Autobahn testee client: asks the fuzzing server for its case count, runs
/// every case with an echo handler, then has the reports written.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// The runtime to run on.
    #[arg(long, value_enum, default_value_t = RuntimeKind::Tokio)]
    runtime: RuntimeKind,
    /// The fuzzing server's base URL.
    #[arg(long, default_value = "ws://127.0.0.1:9001")]
    url: String,
    /// The agent name the reports use.
    #[arg(long, default_value = "ferrobahn")]
    agent: String,
}

fn config() -> ClientConfig {
    ClientConfig::default().with_websocket(websocket_config())
}

/// Runs the whole fuzzing-server session with `connect` (one runtime's).
async fn session<T, C, Fut>(base: &str, agent: &str, connect: C) -> Result<usize, Error>
where
    T: Transport,
    C: Fn(String) -> Fut,
    Fut: Future<Output = Result<(WebSocket<T>, Response), Error>>,
{
    let base = base.trim_end_matches('/');
    let (mut ws, _) = connect(format!("{base}/getCaseCount")).await?;
    let count = match ws.recv().await {
        Some(Ok(msg)) => msg.as_text().and_then(|t| t.trim().parse::<usize>().ok()),
        _ => None,
    }
    .ok_or_else(|| {
        Error::Io(std::io::Error::other(
            "no case count from the fuzzing server",
        ))
    })?;
    // The server closes after sending the count; finish that handshake.
    while ws.recv().await.is_some() {}
    eprintln!("testee-client: {count} cases");

    let mut failed = 0;
    for case in 1..=count {
        match connect(format!("{base}/runCase?case={case}&agent={agent}")).await {
            Ok((ws, _)) => run_client_handler(ws, Echo).await,
            Err(e) => {
                failed += 1;
                eprintln!("testee-client: case {case}: cannot connect: {e}");
            }
        }
    }

    let (mut ws, _) = connect(format!("{base}/updateReports?agent={agent}")).await?;
    while ws.recv().await.is_some() {}
    Ok(failed)
}

fn main() -> ExitCode {
    init_logging();
    let args = Args::parse();
    let result = args.runtime.block_on(async {
        match args.runtime {
            RuntimeKind::Tokio => {
                let connect = |url: String| async move {
                    ferrobahn::tokio::connect_with(&url, config()).await
                };
                session(&args.url, &args.agent, connect).await
            }
            RuntimeKind::AsyncStd => {
                let connect = |url: String| async move {
                    ferrobahn::async_std::connect_with(&url, config()).await
                };
                session(&args.url, &args.agent, connect).await
            }
        }
    });
    match result {
        Ok(0) => ExitCode::SUCCESS,
        Ok(failed) => {
            eprintln!("testee-client: {failed} cases could not connect");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("testee-client: {e}");
            ExitCode::FAILURE
        }
    }
}
