//! The load generator. Prints one JSON [`GenReport`] line (throughput and
//! latency runs) or `READY n` then a JSON line (idle runs).
//!
//! ```text
//! loadgen --addr 127.0.0.1:9001 --conns 100 --size 20 [--inflight 8]
//!         [--warmup 1] [--duration 5] [--raw] [--deflate] [--latency]
//!         [--server-pid PID]
//! loadgen --idle --addr A --conns 10000 [--sources 4] [--hold 60]
//! ```
//!
//! [`GenReport`]: ferrobahn_load::report::GenReport

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use ferrobahn_load::args::{ArgError, Args};
use ferrobahn_load::frame::Wire;
use ferrobahn_load::generator::{self, GenConfig};
use ferrobahn_load::idle::{self, IdleConfig};

const FLAGS: &[&str] = &["raw", "deflate", "latency", "idle"];
const OPTIONS: &[&str] = &[
    "addr",
    "conns",
    "size",
    "inflight",
    "warmup",
    "duration",
    "server-pid",
    "sources",
    "hold",
];

fn secs(a: &Args, key: &str, default: f64) -> Result<Duration, ArgError> {
    let v: f64 = a.get_or(key, default)?;
    Duration::try_from_secs_f64(v).map_err(|_| ArgError::BadValue {
        key: key.to_owned(),
        value: v.to_string(),
    })
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let a = Args::from_env(FLAGS, OPTIONS)?;
    let addr: SocketAddr = a.required("addr")?;
    if a.flag("idle") {
        let cfg = IdleConfig {
            addr,
            conns: a.get_or("conns", 10_000)?,
            sources: a.get_or("sources", 4)?,
            hold: secs(&a, "hold", 60.0)?,
            connect_budget: Duration::from_secs(120),
        };
        let opened = idle::run(&cfg, std::io::stdout().lock())?;
        println!("{{\"opened\":{opened}}}");
        return Ok(());
    }
    let cfg = GenConfig {
        addr,
        conns: a.get_or("conns", 100)?,
        size: a.get_or("size", 20)?,
        inflight: a.get_or("inflight", 8)?,
        warmup: secs(&a, "warmup", 1.0)?,
        duration: secs(&a, "duration", 5.0)?,
        wire: if a.flag("raw") {
            Wire::LengthPrefixed
        } else {
            Wire::WebSocket
        },
        deflate: a.flag("deflate"),
        latency: a.flag("latency"),
        server_pid: a
            .get_or::<u32>("server-pid", 0)
            .map(|p| (p != 0).then_some(p))?,
    };
    let report = generator::run(&cfg)?;
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("loadgen: {e}");
            ExitCode::FAILURE
        }
    }
}
