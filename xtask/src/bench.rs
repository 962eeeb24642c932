//! `cargo xtask bench ws`: the WebSocket echo load harness of `benches/load`.

use std::time::Duration;

use anyhow::Result;
use clap::{Args, Subcommand};

use crate::proc;
use crate::workspace::Workspace;

/// Options of `cargo xtask bench`.
#[derive(Debug, Clone, Args)]
pub(crate) struct BenchArgs {
    #[command(subcommand)]
    what: Bench,
}

/// The benchmark suites.
#[derive(Debug, Clone, Subcommand)]
enum Bench {
    /// Echo servers of ferrobahn and its peers under one load generator
    /// (`ws-bench`); the arguments after `--` go to it (e.g. `--quick`).
    Ws {
        /// Arguments for `ws-bench`.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

/// Upper bound for a whole benchmark run.
const BENCH_TIMEOUT: Duration = Duration::from_secs(2 * 60 * 60);

/// Builds and runs the chosen benchmark suite.
pub(crate) fn run(args: &BenchArgs) -> Result<()> {
    let ws = Workspace::locate()?;
    match &args.what {
        Bench::Ws { args } => {
            let mut cmd = ws.cargo();
            cmd.args([
                "run",
                "--release",
                "-p",
                "ferrobahn-load",
                "--bin",
                "ws-bench",
                "--",
            ]);
            cmd.args(args);
            proc::run("ws-bench", &mut cmd, BENCH_TIMEOUT)
        }
    }
}
