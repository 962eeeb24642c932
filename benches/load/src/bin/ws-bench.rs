//! The WebSocket load benchmark runner (issue 3).
//!
//! ```text
//! cargo build --release -p ferrobahn-load --bins
//! cargo run --release -p ferrobahn-load --bin ws-bench -- [--quick] [--cells 100x20,10x16k+deflate,idle]
//!     [--servers ferrobahn-tokio,raw-tcp] [--rounds N] [--idle-conns N] [--nice -19]
//!     [--out PATH] [--append] [--no-write] [--render-from ws-bench-last.json]
//! ```
//!
//! Runs every cell against every server (see `ferrobahn_load::runner`),
//! prints the Markdown tables and writes them to `benches/RESULTS.md`
//! (full runs only, unless `--out` is given). `--nice -19` (root) runs the
//! servers and the generator at high priority so other work on the machine
//! disturbs the figures less; `--append` adds the tables to the file as an
//! addendum instead of replacing it. Every run saves its raw results as
//! `ws-bench-last.json` next to the binaries; `--render-from` renders such
//! a file again without measuring.

use std::path::PathBuf;
use std::process::{Command, ExitCode};

use ferrobahn_load::args::Args;
use ferrobahn_load::runner::child::{loadavg, Launcher};
use ferrobahn_load::runner::markdown::{render, RunInfo};
use ferrobahn_load::runner::measure::{run_cells, run_idle, Results};
use ferrobahn_load::runner::saved::Saved;
use ferrobahn_load::runner::{parse_cell, Plan, SERVERS};

/// Median share of other CPU use above which the run is marked noisy.
const NOISY_OTHER_CPU: f64 = 0.25;
/// 1-minute load average above which the machine is busy before a run.
const BUSY_LOAD: f64 = 1.5;

fn command_output(cmd: &str, args: &[&str]) -> String {
    Command::new(cmd)
        .args(args)
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

/// The commit the binaries were built from, and whether the crates had
/// uncommitted changes (the work tree is what gets built).
fn source_line() -> String {
    let dir = env!("CARGO_MANIFEST_DIR");
    let head = command_output("git", &["-C", dir, "rev-parse", "--short", "HEAD"]);
    let status = command_output(
        "git",
        &[
            "-C",
            dir,
            "status",
            "--porcelain",
            "--untracked-files=no",
            "--",
            "../../crates",
        ],
    );
    let dirty = if status.is_empty() {
        ""
    } else {
        " plus uncommitted changes under crates/ (the work tree is what was built)"
    };
    format!("Source: commit `{head}` of the ferrobahn repository{dirty}")
}

fn machine() -> Vec<String> {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")
                .and_then(|r| r.split_once(':'))
                .map(|(_, m)| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".into());
    let nproc = std::thread::available_parallelism().map_or(1, usize::from);
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let mem = std::fs::read_to_string("/proc/meminfo")
        .unwrap_or_default()
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .nth(1)
        .and_then(|kb| kb.parse::<u64>().ok())
        .map_or(String::new(), |kb| format!(", {} GiB RAM", kb >> 20));
    vec![
        format!(
            "Machine: {nproc} CPUs ({model}){mem}, Linux {}",
            kernel.trim()
        ),
        format!("Toolchain: {}", command_output("rustc", &["-V"])),
        source_line(),
    ]
}

/// Under `cargo run` (which sets `CARGO`), brings the other binaries of
/// this package up to date in the same target directory, so the runner
/// never measures stale servers; a no-op when they are fresh. Run directly,
/// it builds nothing and only checks that they exist.
fn build_siblings(l: &Launcher) -> Result<(), Box<dyn std::error::Error>> {
    let Some(cargo) = std::env::var_os("CARGO") else {
        return Ok(());
    };
    let profile = l
        .dir
        .file_name()
        .and_then(|p| p.to_str())
        .unwrap_or("release");
    let target = l.dir.parent().ok_or("binary directory has no parent")?;
    let mut cmd = Command::new(cargo);
    cmd.args(["build", "-p", "ferrobahn-load", "--bins", "--profile"])
        .arg(if profile == "debug" { "dev" } else { profile })
        .arg("--target-dir")
        .arg(target)
        .arg("--manifest-path")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"));
    eprintln!("building the servers and the generator: {cmd:?}");
    if !cmd.status()?.success() {
        return Err("building the benchmark binaries failed".into());
    }
    Ok(())
}

fn plan_from(a: &Args) -> Result<Plan, Box<dyn std::error::Error>> {
    let mut plan = Plan::new(a.flag("quick"));
    plan.rounds = a.get_or("rounds", plan.rounds)?.max(1);
    if let Some(list) = a.raw("cells") {
        let mut cells = Vec::new();
        let mut idle = false;
        for c in list.split(',').filter(|c| !c.is_empty()) {
            if c == "idle" {
                idle = true;
            } else {
                cells.push(parse_cell(c)?);
            }
        }
        plan.cells = cells;
        if !idle {
            plan.idle_conns = 0;
        }
    }
    plan.idle_conns = a.get_or("idle-conns", plan.idle_conns)?;
    if let Some(list) = a.raw("servers") {
        let names: Vec<&str> = list.split(',').collect();
        plan.servers = SERVERS
            .iter()
            .copied()
            .filter(|s| names.contains(&s.name))
            .collect();
        if plan.servers.len() != names.len() {
            let known: Vec<&str> = SERVERS.iter().map(|s| s.name).collect();
            return Err(format!("unknown server in `{list}`; known: {}", known.join(", ")).into());
        }
    }
    Ok(plan)
}

fn measure(a: &Args) -> Result<(Plan, Results, RunInfo), Box<dyn std::error::Error>> {
    let plan = plan_from(a)?;
    let mut launcher = Launcher::from_current_exe()?;
    launcher.nice = a.get_or("nice", 0)?;
    build_siblings(&launcher)?;
    let mut bins: Vec<&str> = plan.servers.iter().map(|s| s.bin).collect();
    bins.push("loadgen");
    launcher.check(&bins)?;
    if launcher.cpus.is_none() {
        eprintln!("warning: fewer than 2 CPUs, server and generator are not pinned");
    }
    let (load0, load_before) = loadavg();
    if load0 > BUSY_LOAD && launcher.nice == 0 {
        eprintln!("warning: load average {load_before} > {BUSY_LOAD}: figures will be noisy");
    }
    let date = command_output("date", &["-u", "+%Y-%m-%d %H:%M UTC"]);
    let started = std::time::Instant::now();
    let mut log = |line: &str| eprintln!("{line}");
    let mut res = Results::default();
    run_cells(&launcher, &plan, &mut res, &mut log);
    run_idle(&launcher, &plan, &mut res, &mut log);
    eprintln!("total time {:.0} s", started.elapsed().as_secs_f64());
    let (_, load_after) = loadavg();
    let noise = ferrobahn_load::report::median(&res.other_cpu()).unwrap_or(0.0);
    let mut notes = vec![
        "Peers: tokio-tungstenite 0.30, fastwebsockets 0.10, tokio-websockets 0.13, each with the echo loop \
         of its own docs/examples on a tokio current_thread runtime. None of them implements \
         permessage-deflate (their deflate cells say `no deflate`, found by offering it), so the deflate \
         cells have no peer ratio. `raw-tcp` is a length-prefixed TCP echo (4-byte length + payload) \
         driven by the same generator: the machine's limit."
            .to_owned(),
    ];
    if res
        .unsupported
        .iter()
        .any(|(_, n)| n.starts_with("ferrobahn"))
    {
        notes.push(
            "ferrobahn did not accept permessage-deflate in this build (not wired in yet).".into(),
        );
    }
    let info = RunInfo {
        date,
        machine: machine(),
        load_before,
        load_after,
        command: format!(
            "cargo run --release -p ferrobahn-load --bin ws-bench -- {}",
            std::env::args().skip(1).collect::<Vec<_>>().join(" ")
        )
        .trim()
        .to_owned(),
        // Under --nice the load average says little (the others wait); the
        // measured share of other CPU use is the real test.
        noisy: noise > NOISY_OTHER_CPU || (launcher.nice == 0 && load0 > BUSY_LOAD),
        nice: launcher.nice,
        notes,
    };
    let saved = serde_json::to_string(&Saved::new(&plan, &res, &info))?;
    let last = launcher.dir.join("ws-bench-last.json");
    std::fs::write(&last, saved)?;
    eprintln!("raw results in {}", last.display());
    Ok((plan, res, info))
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let a = Args::from_env(
        &["quick", "no-write", "append"],
        &[
            "cells",
            "servers",
            "rounds",
            "out",
            "idle-conns",
            "nice",
            "render-from",
        ],
    )?;
    let (plan, res, info) = match a.raw("render-from") {
        Some(path) => {
            let saved: Saved = serde_json::from_str(&std::fs::read_to_string(path)?)?;
            saved.restore()?
        }
        None => measure(&a)?,
    };
    let text = render(&plan, &res, &info);
    println!("{text}");
    let out = match a.raw("out") {
        Some(p) => Some(PathBuf::from(p)),
        None if a.flag("quick") || a.flag("no-write") => None,
        None => Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../RESULTS.md")),
    };
    if let Some(path) = out {
        if a.flag("append") {
            let mut old = std::fs::read_to_string(&path).unwrap_or_default();
            old.push_str("\n---\n\n");
            old.push_str(&text.replacen("# WebSocket echo benchmarks (issue 3)", "# Addendum", 1));
            std::fs::write(&path, old)?;
        } else {
            std::fs::write(&path, &text)?;
        }
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ws-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
