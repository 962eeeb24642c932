//! Running the plan: for every round, each router (alternating order) is started once
//! for the load cells and once more for the idle-memory test.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::routers::{run_driver, IdleDriver, Launcher, RouterProc, RunError};
use super::{Cell, Plan, RouterKind, Scenario, CHUNKS, RPC_IN_FLIGHT, RPC_SIZE};
use crate::report::{median, DriverReport};

/// Extra time a driver run may take beyond its windows (joining 1,000 sessions to a
/// slow router).
const RUN_SLACK: Duration = Duration::from_secs(120);
/// Time for the idle driver to join its sessions.
const IDLE_JOIN: Duration = Duration::from_secs(600);
/// Settling time before reading the RSS.
const SETTLE: Duration = Duration::from_secs(2);
/// How long to wait for a router to go quiet between runs.
const QUIET: Duration = Duration::from_secs(20);

/// One measured run.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Run {
    /// Round (0-based).
    pub round: usize,
    /// Router name.
    pub router: String,
    /// The cell.
    pub cell: Cell,
    /// What the driver reported, or why it failed.
    pub result: Result<DriverReport, String>,
}

/// One idle-memory measurement.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct IdleRun {
    /// Round (0-based).
    pub round: usize,
    /// Router name.
    pub router: String,
    /// Sessions held.
    pub sessions: usize,
    /// Router RSS before, KiB.
    pub before_kib: u64,
    /// Router RSS holding the sessions, KiB.
    pub after_kib: u64,
}

impl IdleRun {
    /// Router RSS per idle session, bytes.
    pub fn bytes_per_session(&self) -> f64 {
        (self.after_kib.saturating_sub(self.before_kib) * 1024) as f64 / self.sessions.max(1) as f64
    }
}

/// Everything measured.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Results {
    /// Load runs.
    pub runs: Vec<Run>,
    /// Idle-memory runs.
    pub idle: Vec<IdleRun>,
    /// Failures outside single runs (a router that did not start).
    pub failures: Vec<String>,
}

impl Results {
    /// Successful reports of `cell` on `router`.
    pub fn reports(&self, router: RouterKind, cell: &Cell) -> Vec<&DriverReport> {
        self.runs
            .iter()
            .filter(|r| r.router == router.name() && r.cell == *cell)
            .filter_map(|r| r.result.as_ref().ok())
            .collect()
    }

    /// Median of `f` over the rounds of (`router`, `cell`).
    pub fn median_of(
        &self,
        router: RouterKind,
        cell: &Cell,
        f: impl Fn(&DriverReport) -> Option<f64>,
    ) -> Option<f64> {
        let v: Vec<f64> = self
            .reports(router, cell)
            .into_iter()
            .filter_map(f)
            .collect();
        median(&v)
    }

    /// Median idle bytes per session of `router`.
    pub fn idle_bytes(&self, router: RouterKind) -> Option<f64> {
        let v: Vec<f64> = self
            .idle
            .iter()
            .filter(|r| r.router == router.name())
            .map(IdleRun::bytes_per_session)
            .collect();
        median(&v)
    }

    /// The first error of (`router`, `cell`), if every round failed.
    pub fn error_of(&self, router: RouterKind, cell: &Cell) -> Option<&str> {
        if !self.reports(router, cell).is_empty() {
            return None;
        }
        self.runs
            .iter()
            .filter(|r| r.router == router.name() && r.cell == *cell)
            .find_map(|r| r.result.as_ref().err().map(String::as_str))
    }
}

fn secs(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64())
}

/// The driver arguments of `cell` (`rate`: a latency cell's calls/s).
pub fn driver_args(
    plan: &Plan,
    router: &RouterProc,
    cell: &Cell,
    rate: Option<f64>,
) -> Vec<String> {
    let mut a: Vec<String> = vec![
        "--url".into(),
        router.url.clone(),
        "--serializer".into(),
        cell.subprotocol().into(),
        "--router-pid".into(),
        router.pid.to_string(),
        "--warmup".into(),
        secs(plan.warmup),
        "--duration".into(),
        secs(plan.duration),
    ];
    match cell.scenario {
        Scenario::Fanout {
            subscribers,
            size,
            light,
        } => {
            a.extend([
                "fanout".into(),
                "--subscribers".into(),
                subscribers.to_string(),
                "--size".into(),
                size.to_string(),
            ]);
            if light {
                a.push("--light".into());
            }
        }
        Scenario::Rpc { callees } => a.extend([
            "rpc".into(),
            "--callees".into(),
            callees.to_string(),
            "--in-flight".into(),
            RPC_IN_FLIGHT.to_string(),
            "--size".into(),
            RPC_SIZE.to_string(),
        ]),
        Scenario::Progressive => a.extend([
            "progressive".into(),
            "--chunks".into(),
            CHUNKS.to_string(),
            "--size".into(),
            RPC_SIZE.to_string(),
        ]),
        Scenario::Latency | Scenario::LatencyAt { .. } => {
            a.extend([
                "latency".into(),
                "--rate".into(),
                format!("{:.1}", rate.unwrap_or(0.0)),
                "--size".into(),
                RPC_SIZE.to_string(),
                "--tick-us".into(),
                plan.latency_tick.as_micros().to_string(),
            ]);
            if plan.latency_light {
                a.push("--light".into());
            }
        }
    }
    a
}

fn run_cell(
    l: &Launcher,
    plan: &Plan,
    router: &RouterProc,
    cell: &Cell,
    rate: Option<f64>,
) -> Result<DriverReport, RunError> {
    let args = driver_args(plan, router, cell, rate);
    let out = run_driver(l, &args, plan.warmup + plan.duration + RUN_SLACK)?;
    let line = out.lines().last().unwrap_or_default();
    serde_json::from_str(line).map_err(|e| RunError::Failed {
        what: "wamp-driver".into(),
        detail: format!("bad report `{line}`: {e}"),
    })
}

/// The calls/s of a latency cell at `percent` % of the one-callee RPC rate `kind`
/// reached with this serializer in `round` (its last run there), if that run succeeded.
pub fn latency_rate(
    results: &Results,
    round: usize,
    kind: RouterKind,
    msgpack: bool,
    percent: u8,
) -> Option<f64> {
    results
        .runs
        .iter()
        .rev()
        .find(|r| {
            r.round == round
                && r.router == kind.name()
                && r.cell.msgpack == msgpack
                && r.cell.scenario == Scenario::Rpc { callees: 1 }
        })
        .and_then(|r| r.result.as_ref().ok())
        .map(|r| r.rate)
        .filter(|p| *p > 0.0)
        .map(|p| p * f64::from(percent) / 100.0)
}

/// The load cells of one round on one router.
fn run_load(l: &Launcher, plan: &Plan, round: usize, kind: RouterKind, results: &mut Results) {
    let router = match RouterProc::start(l, kind, &format!("r{round}")) {
        Ok(r) => r,
        Err(e) => {
            results.failures.push(format!(
                "round {}: {} did not start: {e}",
                round + 1,
                kind.name()
            ));
            return;
        }
    };
    for cell in plan.cells.iter().filter(|c| kind.runs(c)) {
        let rate = match cell.scenario.load_percent() {
            None => None,
            Some(percent) => match latency_rate(results, round, kind, cell.msgpack, percent) {
                Some(rate) => Some(rate),
                None => {
                    results.runs.push(Run {
                        round,
                        router: kind.name().into(),
                        cell: *cell,
                        result: Err("no one-callee RPC rate in this round".into()),
                    });
                    continue;
                }
            },
        };
        router.wait_quiet(QUIET);
        let result = run_cell(l, plan, &router, cell, rate).map_err(|e| e.to_string());
        match &result {
            Ok(r) => eprintln!(
                "  {:<10} {:<48} {:>12.0}/s  router cpu {:>4.0}%  driver cpu {:>4.0}%{}",
                kind.name(),
                cell.label(),
                r.rate,
                r.router_cpu.unwrap_or(0.0) * 100.0,
                r.driver_cpu * 100.0,
                match (r.p50_us, r.p99_us) {
                    (Some(a), Some(b)) => format!("  p50 {a:.0} us  p99 {b:.0} us"),
                    _ => String::new(),
                }
            ),
            Err(e) => eprintln!("  {:<10} {:<48} FAILED: {e}", kind.name(), cell.label()),
        }
        results.runs.push(Run {
            round,
            router: kind.name().into(),
            cell: *cell,
            result,
        });
    }
}

/// The idle-memory test of one round on one router (a fresh router process).
fn run_idle(
    l: &Launcher,
    plan: &Plan,
    round: usize,
    kind: RouterKind,
) -> Result<IdleRun, RunError> {
    let router = RouterProc::start(l, kind, &format!("idle-r{round}"))?;
    std::thread::sleep(SETTLE);
    let before_kib = router.status_kib("VmRSS").map_err(|source| RunError::Io {
        what: "router RSS".into(),
        source,
    })?;
    let args: Vec<String> = vec![
        "--url".into(),
        router.url.clone(),
        "--serializer".into(),
        "wamp.2.json".into(),
        "idle".into(),
        "--sessions".into(),
        plan.idle_sessions.to_string(),
        "--sources".into(),
        plan.idle_sources.to_string(),
    ];
    let held = IdleDriver::start(l, &args, IDLE_JOIN)?;
    router.wait_quiet(QUIET);
    std::thread::sleep(SETTLE);
    let after_kib = router.status_kib("VmRSS").map_err(|source| RunError::Io {
        what: "router RSS".into(),
        source,
    })?;
    held.stop();
    Ok(IdleRun {
        round,
        router: kind.name().into(),
        sessions: plan.idle_sessions,
        before_kib,
        after_kib,
    })
}

/// Runs the whole plan, printing progress on stderr.
pub fn run(l: &Launcher, plan: &Plan) -> Results {
    let mut results = Results::default();
    for round in 0..plan.rounds {
        for kind in plan.order(round) {
            if !plan.cells.iter().any(|c| kind.runs(c)) && !kind.idle_test() {
                continue;
            }
            eprintln!("round {}/{}: {}", round + 1, plan.rounds, kind.name());
            run_load(l, plan, round, kind, &mut results);
            if plan.idle_sessions > 0 && round < plan.idle_rounds && kind.idle_test() {
                match run_idle(l, plan, round, kind) {
                    Ok(r) => {
                        eprintln!(
                            "  {:<10} idle {} sessions: {:.0} B/session",
                            kind.name(),
                            r.sessions,
                            r.bytes_per_session()
                        );
                        results.idle.push(r);
                    }
                    Err(e) => {
                        eprintln!("  {:<10} idle FAILED: {e}", kind.name());
                        results.failures.push(format!(
                            "round {}: {} idle: {e}",
                            round + 1,
                            kind.name()
                        ));
                    }
                }
            }
        }
    }
    results
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::DriverReport;

    fn rpc(round: usize, router: RouterKind, msgpack: bool, result: Result<f64, &str>) -> Run {
        Run {
            round,
            router: router.name().into(),
            cell: Cell {
                scenario: Scenario::Rpc { callees: 1 },
                msgpack,
            },
            result: result
                .map(|rate| DriverReport {
                    rate,
                    ..Default::default()
                })
                .map_err(str::to_owned),
        }
    }

    #[test]
    fn latency_rates_are_shares_of_the_rounds_one_callee_rate() {
        use RouterKind::{Crossbar, Ferrobahn};
        let r = Results {
            runs: vec![
                rpc(0, Ferrobahn, false, Ok(400_000.0)),
                rpc(0, Ferrobahn, true, Ok(500_000.0)),
                rpc(0, Crossbar, false, Ok(4_000.0)),
                rpc(1, Ferrobahn, false, Ok(300_000.0)),
                rpc(1, Crossbar, false, Err("boom")),
            ],
            ..Default::default()
        };
        assert_eq!(latency_rate(&r, 0, Ferrobahn, false, 50), Some(200_000.0));
        assert_eq!(latency_rate(&r, 0, Ferrobahn, false, 10), Some(40_000.0));
        assert_eq!(latency_rate(&r, 0, Ferrobahn, true, 25), Some(125_000.0));
        assert_eq!(latency_rate(&r, 0, Crossbar, false, 25), Some(1_000.0));
        assert_eq!(latency_rate(&r, 1, Ferrobahn, false, 100), Some(300_000.0));
        // Failed, or not run in that round or with that serializer.
        assert_eq!(latency_rate(&r, 1, Crossbar, false, 50), None);
        assert_eq!(latency_rate(&r, 1, Ferrobahn, true, 50), None);
        assert_eq!(latency_rate(&r, 2, Ferrobahn, false, 50), None);
    }
}
