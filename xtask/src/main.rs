//! `cargo xtask`: the project's chores.
//!
//! - `cargo xtask ci` runs every check the project has: rustfmt, clippy, the
//!   unit and integration tests, the Autobahn conformance run, then the WAMP
//!   interop runs (`testsuite/interop.sh`: AutobahnPython, AutobahnJS, Crossbar.io).
//! - `cargo xtask bench ws [-- ARGS]` runs the WebSocket echo load harness
//!   (`benches/load`, results in `benches/RESULTS.md`).
//! - `cargo xtask conformance` runs the Autobahn WebSocket Testsuite (`wstest`)
//!   against the testee server and client on every runtime and fails unless
//!   every selected case passes strictly.
#![forbid(unsafe_code)]

mod bench;
mod cases;
mod ci;
mod conformance;
mod netns;
mod proc;
mod report;
mod spec;
mod workspace;
mod wstest;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Command line of `cargo xtask`.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", about = "ferrobahn project chores")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run all tests: fmt, clippy, cargo test, then the conformance run.
    Ci(ci::CiArgs),
    /// Run the Autobahn WebSocket Testsuite against the testee server and client.
    Conformance(conformance::ConformanceArgs),
    /// Run a benchmark suite (`bench ws`: the WebSocket echo load harness).
    Bench(bench::BenchArgs),
    /// Internal: the client half of `conformance`, run inside `unshare -n`.
    #[command(hide = true)]
    NetnsClients(netns::NetnsArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Ci(args) => ci::run(&args),
        Command::Bench(args) => bench::run(&args),
        Command::Conformance(args) => conformance::run(&args),
        Command::NetnsClients(args) => netns::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("xtask: error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
