//! `cargo xtask ci`: every check, in the order a reviewer would want them:
//! fmt, clippy, tests, Autobahn conformance, then the WAMP interop runs.

use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use clap::Args;

use crate::conformance::{self, ConformanceArgs};
use crate::proc;
use crate::workspace::Workspace;

/// Options of `cargo xtask ci`.
#[derive(Debug, Clone, Args)]
pub(crate) struct CiArgs {
    /// Run the remaining steps after one fails (the exit status still fails).
    #[arg(long)]
    keep_going: bool,
    /// Options for the conformance step.
    #[command(flatten)]
    conformance: ConformanceArgs,
}

/// Upper bound for one cargo step.
const STEP_TIMEOUT: Duration = Duration::from_secs(60 * 60);

/// Interop with implementations nobody here wrote (AutobahnPython, AutobahnJS,
/// Crossbar.io); the script installs what they need.
const INTEROP_SCRIPT: &str = "testsuite/interop.sh";

/// The cargo steps: (title, arguments).
const CARGO_STEPS: &[(&str, &[&str])] = &[
    ("format", &["fmt", "--all", "--check"]),
    (
        "lint",
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--all-features",
            "--",
            "-D",
            "warnings",
        ],
    ),
    ("test", &["test", "--workspace", "--all-features"]),
    // Examples that run unattended (server and client in one process; built
    // by the test step, a few seconds each).
    (
        "ex-streaming",
        &[
            "run",
            "-q",
            "-p",
            "ferrobahn-examples",
            "--example",
            "streaming",
        ],
    ),
    (
        "ex-producer",
        &[
            "run",
            "-q",
            "-p",
            "ferrobahn-examples",
            "--example",
            "streaming_producer",
            "--",
            "--mib",
            "16",
        ],
    ),
    (
        "ex-ping",
        &["run", "-q", "-p", "ferrobahn-examples", "--example", "ping"],
    ),
    (
        "ex-echo-endpoints",
        &[
            "run",
            "-q",
            "-p",
            "ferrobahn-examples",
            "--example",
            "echo_endpoints",
        ],
    ),
    (
        "ex-echo-httpheaders",
        &[
            "run",
            "-q",
            "-p",
            "ferrobahn-examples",
            "--example",
            "echo_httpheaders",
        ],
    ),
    (
        "ex-multiproto",
        &[
            "run",
            "-q",
            "-p",
            "ferrobahn-examples",
            "--example",
            "multiproto",
        ],
    ),
    (
        "ex-echo-site",
        &[
            "run",
            "-q",
            "-p",
            "ferrobahn-examples",
            "--example",
            "echo_site",
        ],
    ),
    (
        "ex-echo-site-tls",
        &[
            "run",
            "-q",
            "-p",
            "ferrobahn-examples",
            "--example",
            "echo_site_tls",
        ],
    ),
    (
        "ex-wrapping",
        &[
            "run",
            "-q",
            "-p",
            "ferrobahn-examples",
            "--example",
            "wrapping",
        ],
    ),
    (
        "ex-echo-multicore",
        &[
            "run",
            "-q",
            "-p",
            "ferrobahn-examples",
            "--example",
            "echo_multicore",
        ],
    ),
    (
        "ex-echo-tls",
        &[
            "run",
            "-q",
            "-p",
            "ferrobahn-examples",
            "--example",
            "echo_tls",
        ],
    ),
];

/// Runs fmt, clippy, the tests and the conformance suite; prints a header
/// before and the time taken after each step.
pub(crate) fn run(args: &CiArgs) -> Result<()> {
    let ws = Workspace::locate()?;
    let total = CARGO_STEPS.len() + 2;
    let mut outcomes: Vec<(String, Duration, bool)> = Vec::new();
    let started = Instant::now();
    for (n, (title, cargo_args)) in CARGO_STEPS.iter().enumerate() {
        let shown = format!("cargo {}", cargo_args.join(" "));
        let ok = step(n + 1, total, title, &shown, &mut outcomes, || {
            let mut cmd = ws.cargo();
            cmd.args(*cargo_args);
            proc::run(&shown, &mut cmd, STEP_TIMEOUT)
        });
        if !ok && !args.keep_going {
            return finish(&outcomes, started);
        }
    }
    let ok = step(
        total - 1,
        total,
        "conformance",
        "cargo xtask conformance",
        &mut outcomes,
        || conformance::run(&args.conformance),
    );
    if ok || args.keep_going {
        step(
            total,
            total,
            "interop",
            INTEROP_SCRIPT,
            &mut outcomes,
            || {
                let mut cmd = std::process::Command::new("bash");
                cmd.arg(ws.root.join(INTEROP_SCRIPT)).current_dir(&ws.root);
                proc::run(INTEROP_SCRIPT, &mut cmd, STEP_TIMEOUT)
            },
        );
    }
    finish(&outcomes, started)
}

/// Runs one step between a header and a footer; records and returns success.
fn step(
    n: usize,
    total: usize,
    title: &str,
    command: &str,
    outcomes: &mut Vec<(String, Duration, bool)>,
    body: impl FnOnce() -> Result<()>,
) -> bool {
    println!("\n==== [{n}/{total}] {title}: {command}");
    let started = Instant::now();
    let result = body();
    let took = started.elapsed();
    let ok = result.is_ok();
    match result {
        Ok(()) => println!(
            "==== [{n}/{total}] {title}: ok ({:.1}s)",
            took.as_secs_f64()
        ),
        Err(err) => println!(
            "==== [{n}/{total}] {title}: FAILED ({:.1}s): {err:#}",
            took.as_secs_f64()
        ),
    }
    outcomes.push((title.to_owned(), took, ok));
    ok
}

/// Prints the table of steps and fails if any step failed.
fn finish(outcomes: &[(String, Duration, bool)], started: Instant) -> Result<()> {
    println!("\n==== ci summary");
    for (title, took, ok) in outcomes {
        let verdict = if *ok { "ok" } else { "FAILED" };
        println!("{title:<12} {verdict:<6} {:>8.1}s", took.as_secs_f64());
    }
    println!(
        "{:<12} {:<6} {:>8.1}s",
        "total",
        "",
        started.elapsed().as_secs_f64()
    );
    let failed: Vec<&str> = outcomes
        .iter()
        .filter(|o| !o.2)
        .map(|o| o.0.as_str())
        .collect();
    if !failed.is_empty() {
        bail!("ci failed: {}", failed.join(", "));
    }
    Ok(())
}
