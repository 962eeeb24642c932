//! `cargo xtask bench ws`: the WebSocket echo load harness of `benches/load`;
//! `cargo xtask bench wamp`: the WAMP router against Crossbar.io (`benches/wamp`).

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
    /// `ferrobahn router` against Crossbar.io under the WAMP load driver
    /// (`wamp-bench`); the arguments after `--` go to it (e.g. `--quick`).
    Wamp {
        /// Arguments for `wamp-bench`.
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
        Bench::Wamp { args } => {
            // The router binary must sit next to the runner; build both first.
            let mut build = ws.cargo();
            build.args([
                "build",
                "--release",
                "-p",
                "ferrobahn-cli",
                "-p",
                "ferrobahn-wamp-bench",
                "--bins",
            ]);
            proc::run("cargo build (wamp-bench)", &mut build, BENCH_TIMEOUT)?;
            let mut cmd = std::process::Command::new(ws.release_bin("wamp-bench"));
            cmd.current_dir(&ws.root).args(args);
            proc::run("wamp-bench", &mut cmd, BENCH_TIMEOUT)
        }
    }
}
