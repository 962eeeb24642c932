//! Running the plan: every (round, cell, server) twice (throughput with
//! several messages in flight, latency with one), then the idle-memory test.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::child::{self, ChildError, IdleGen, Launcher, ServerProc};
use super::{Cell, Plan, ServerSpec};
use crate::frame::Wire;
use crate::report::{median, GenReport};

/// Extra time a run may take beyond its windows (connecting 500 sockets).
const RUN_SLACK: Duration = Duration::from_secs(60);

/// Throughput (N in flight) or latency (1 in flight).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Mode {
    /// `plan.inflight` messages in flight per connection.
    Throughput,
    /// One message in flight per connection, round trips sampled.
    Latency,
}

/// One measured run.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Sample {
    /// What the generator measured.
    pub report: GenReport,
    /// The server's peak RSS (`VmHWM`), KiB.
    pub peak_rss_kib: u64,
}

/// The idle-memory result of one server.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct IdleSample {
    /// RSS before connecting, KiB.
    pub before_kib: u64,
    /// RSS holding the connections, KiB.
    pub after_kib: u64,
    /// Connections held.
    pub conns: usize,
}

impl IdleSample {
    /// Server RSS per idle connection, bytes.
    pub fn bytes_per_conn(&self) -> f64 {
        (self.after_kib.saturating_sub(self.before_kib) * 1024) as f64 / self.conns as f64
    }
}

/// Key of a result: cell index, server name, mode.
pub type Key = (usize, &'static str, Mode);

/// Everything measured.
#[derive(Debug, Default)]
pub struct Results {
    /// Samples per (cell, server, mode), one per round.
    pub samples: BTreeMap<Key, Vec<Sample>>,
    /// (cell, server) pairs where the server refused permessage-deflate.
    pub unsupported: BTreeSet<(usize, &'static str)>,
    /// Failed runs, described.
    pub failures: Vec<String>,
    /// Idle-memory samples per server.
    pub idle: BTreeMap<&'static str, Vec<IdleSample>>,
    /// Idle-test failures per server.
    pub idle_failures: BTreeMap<&'static str, String>,
}

impl Results {
    /// The median of `f` over the rounds of `key`.
    pub fn median_of(&self, key: &Key, f: impl Fn(&Sample) -> Option<f64>) -> Option<f64> {
        let v: Vec<f64> = self.samples.get(key)?.iter().filter_map(f).collect();
        median(&v)
    }

    /// The median idle bytes per connection of `server`.
    pub fn idle_bytes(&self, server: &str) -> Option<f64> {
        let v: Vec<f64> = self
            .idle
            .get(server)?
            .iter()
            .map(IdleSample::bytes_per_conn)
            .collect();
        median(&v)
    }

    /// All samples' `other_cpu` (noise) values.
    pub fn other_cpu(&self) -> Vec<f64> {
        self.samples
            .values()
            .flatten()
            .filter_map(|s| s.report.other_cpu)
            .collect()
    }
}

fn secs_arg(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64())
}

fn run_one(
    l: &Launcher,
    plan: &Plan,
    cell: &Cell,
    spec: &ServerSpec,
    mode: Mode,
) -> Result<Sample, ChildError> {
    let window = if mode == Mode::Latency {
        plan.latency_duration
    } else {
        plan.duration
    };
    let budget = plan.warmup + window + RUN_SLACK;
    let server = ServerProc::start(l, spec, budget + RUN_SLACK)?;
    let mut args = vec![
        "--addr".to_owned(),
        server.addr.to_string(),
        "--conns".into(),
        cell.conns.to_string(),
        "--size".into(),
        cell.size.to_string(),
        "--inflight".into(),
        if mode == Mode::Latency {
            "1".into()
        } else {
            plan.inflight.to_string()
        },
        "--warmup".into(),
        secs_arg(plan.warmup),
        "--duration".into(),
        secs_arg(window),
        "--server-pid".into(),
        server.pid.to_string(),
    ];
    if spec.wire == Wire::LengthPrefixed {
        args.push("--raw".into());
    }
    if cell.deflate {
        args.push("--deflate".into());
    }
    if mode == Mode::Latency {
        args.push("--latency".into());
    }
    let out = child::run_loadgen(l, &args, budget)?;
    let peak_rss_kib = server
        .status_kib("VmHWM")
        .map_err(|source| ChildError::Io {
            what: spec.name.to_owned(),
            source,
        })?;
    let report = out
        .lines()
        .rev()
        .find_map(|line| serde_json::from_str::<GenReport>(line).ok())
        .ok_or_else(|| ChildError::Failed {
            what: "loadgen".into(),
            stderr: format!("no report in output `{out}`"),
        })?;
    Ok(Sample {
        report,
        peak_rss_kib,
    })
}

fn describe(s: &Sample) -> String {
    let r = &s.report;
    let lat = match (r.p50_us, r.p99_us) {
        (Some(a), Some(b)) => format!(", p50 {a:.0} us, p99 {b:.0} us"),
        _ => String::new(),
    };
    format!(
        "{:.0} msg/s, {:.1} MB/s{lat}, server cpu {:.0}%, gen cpu {:.0}%, other {:.0}%, rss {} KiB, lost {}",
        r.msgs_per_sec,
        r.mb_per_sec,
        r.server_cpu.unwrap_or(0.0) * 100.0,
        r.gen_cpu * 100.0,
        r.other_cpu.unwrap_or(0.0) * 100.0,
        s.peak_rss_kib,
        r.lost_conns
    )
}

/// Runs the throughput and latency part of `plan`, logging progress with
/// `log`.
pub fn run_cells(l: &Launcher, plan: &Plan, res: &mut Results, log: &mut dyn FnMut(&str)) {
    for round in 0..plan.rounds {
        for (ci, cell) in plan.cells.iter().enumerate() {
            for spec in plan.order(round) {
                if cell.deflate && spec.wire == Wire::LengthPrefixed {
                    continue;
                }
                if res.unsupported.contains(&(ci, spec.name)) {
                    continue;
                }
                for mode in [Mode::Throughput, Mode::Latency] {
                    let tag = format!(
                        "[round {}/{}] {} {} {mode:?}",
                        round + 1,
                        plan.rounds,
                        cell.label(),
                        spec.name
                    );
                    match run_one(l, plan, cell, &spec, mode) {
                        Ok(s) => {
                            log(&format!("{tag}: {}", describe(&s)));
                            res.samples
                                .entry((ci, spec.name, mode))
                                .or_default()
                                .push(s);
                        }
                        Err(ChildError::Failed { stderr, .. })
                            if stderr.contains("permessage-deflate") =>
                        {
                            log(&format!("{tag}: no permessage-deflate"));
                            res.unsupported.insert((ci, spec.name));
                            break;
                        }
                        Err(e) => {
                            log(&format!("{tag}: FAILED {e}"));
                            res.failures.push(format!("{tag}: {e}"));
                        }
                    }
                }
            }
        }
    }
}

fn idle_one(l: &Launcher, plan: &Plan, spec: &ServerSpec) -> Result<IdleSample, ChildError> {
    let server = ServerProc::start(l, spec, Duration::from_secs(300))?;
    let io = |source| ChildError::Io {
        what: spec.name.to_owned(),
        source,
    };
    std::thread::sleep(Duration::from_millis(300));
    let before_kib = server.status_kib("VmRSS").map_err(io)?;
    let args = vec![
        "--addr".to_owned(),
        server.addr.to_string(),
        "--conns".into(),
        plan.idle_conns.to_string(),
        "--sources".into(),
        plan.idle_sources.to_string(),
        "--hold".into(),
        "120".into(),
    ];
    let gen = IdleGen::start(l, &args, Duration::from_secs(150))?;
    std::thread::sleep(Duration::from_secs(1));
    let after_kib = server.status_kib("VmRSS").map_err(io)?;
    gen.stop();
    Ok(IdleSample {
        before_kib,
        after_kib,
        conns: plan.idle_conns,
    })
}

/// Runs the idle-memory test on every WebSocket server of `plan`.
pub fn run_idle(l: &Launcher, plan: &Plan, res: &mut Results, log: &mut dyn FnMut(&str)) {
    if plan.idle_conns == 0 {
        return;
    }
    for round in 0..plan.rounds {
        for spec in plan.order(round) {
            if spec.wire != Wire::WebSocket || res.idle_failures.contains_key(spec.name) {
                continue;
            }
            let tag = format!(
                "[round {}/{}] idle {} x {}",
                round + 1,
                plan.rounds,
                plan.idle_conns,
                spec.name
            );
            match idle_one(l, plan, &spec) {
                Ok(s) => {
                    log(&format!(
                        "{tag}: {} -> {} KiB, {:.0} B/conn",
                        s.before_kib,
                        s.after_kib,
                        s.bytes_per_conn()
                    ));
                    res.idle.entry(spec.name).or_default().push(s);
                }
                Err(e) => {
                    log(&format!("{tag}: FAILED {e}"));
                    res.idle_failures.insert(spec.name, e.to_string());
                }
            }
        }
    }
}
