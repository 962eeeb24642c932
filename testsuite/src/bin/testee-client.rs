//! Client for `wstest -m fuzzingserver`.
#![forbid(unsafe_code)]

use std::future::Future;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use ferrobahn::{run_client_handler, ClientConfig, Error, Response, Transport, WebSocket};
use ferrobahn_testsuite::{client_extensions, init_logging, websocket_config, Echo, RuntimeKind};

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

/// The fuzzing server writes every report before it answers
/// `/updateReports`, which takes a while for a full run.
const REPORT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(600);

fn config() -> ClientConfig {
    ClientConfig::default()
        .with_websocket(websocket_config())
        .with_extensions(client_extensions())
}

/// Runs the whole fuzzing-server session with `connect` (one runtime's).
async fn session<T, C, Fut>(base: &str, agent: &str, connect: C) -> Result<usize, Error>
where
    T: Transport,
    C: Fn(String, ClientConfig) -> Fut,
    Fut: Future<Output = Result<(WebSocket<T>, Response), Error>>,
{
    let base = base.trim_end_matches('/');
    let (mut ws, _) = connect(format!("{base}/getCaseCount"), config()).await?;
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
        match connect(
            format!("{base}/runCase?case={case}&agent={agent}"),
            config(),
        )
        .await
        {
            Ok((ws, _)) => run_client_handler(ws, Echo).await,
            Err(e) => {
                failed += 1;
                eprintln!("testee-client: case {case}: cannot connect: {e}");
            }
        }
    }

    let report = config().with_open_handshake_timeout(REPORT_HANDSHAKE_TIMEOUT);
    let (mut ws, _) = connect(format!("{base}/updateReports?agent={agent}"), report).await?;
    while ws.recv().await.is_some() {}
    Ok(failed)
}

fn main() -> ExitCode {
    init_logging();
    let args = Args::parse();
    let result = args.runtime.block_on(async {
        match args.runtime {
            RuntimeKind::Tokio => {
                let connect = |url: String, config: ClientConfig| async move {
                    ferrobahn::tokio::connect_with(&url, config).await
                };
                session(&args.url, &args.agent, connect).await
            }
            RuntimeKind::AsyncStd => {
                let connect = |url: String, config: ClientConfig| async move {
                    ferrobahn::async_std::connect_with(&url, config).await
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
