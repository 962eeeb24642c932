//! The raw results of a run as JSON, so the tables can be rendered again
//! (`ws-bench --render-from FILE`) without measuring again.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::markdown::RunInfo;
use super::measure::{IdleSample, Mode, Results, Sample};
use super::{parse_cell, CellError, Plan, ServerSpec, SERVERS};

/// A saved run.
#[derive(Debug, Serialize, Deserialize)]
pub struct Saved {
    /// The header facts.
    pub info: RunInfo,
    /// Cells as `CONNSxSIZE[+deflate]` specs.
    pub cells: Vec<String>,
    /// Server names in round-1 order.
    pub servers: Vec<String>,
    /// Rounds, in-flight count, idle connections.
    pub rounds: usize,
    /// Messages in flight in throughput runs.
    pub inflight: usize,
    /// Idle-test connections.
    pub idle_conns: usize,
    /// Warm-up, throughput window, latency window (seconds).
    pub windows: [f64; 3],
    /// Every sample: cell index, server, mode.
    pub samples: Vec<(usize, String, Mode, Sample)>,
    /// Cells a server refused deflate in.
    pub unsupported: Vec<(usize, String)>,
    /// Failure descriptions.
    pub failures: Vec<String>,
    /// Idle samples per server.
    pub idle: Vec<(String, IdleSample)>,
    /// Idle failures per server.
    pub idle_failures: Vec<(String, String)>,
}

/// A saved file that does not fit this runner.
#[derive(Debug, thiserror::Error)]
pub enum SavedError {
    /// A cell spec that does not parse.
    #[error(transparent)]
    Cell(#[from] CellError),
    /// A server this runner does not know.
    #[error("unknown server `{0}` in saved results")]
    Server(String),
}

fn spec(cell: &super::Cell) -> String {
    let z = if cell.deflate { "+deflate" } else { "" };
    format!("{}x{}{z}", cell.conns, cell.size)
}

fn server(n: &str) -> Result<ServerSpec, SavedError> {
    SERVERS
        .iter()
        .find(|s| s.name == n)
        .copied()
        .ok_or_else(|| SavedError::Server(n.to_owned()))
}

fn name(n: &str) -> Result<&'static str, SavedError> {
    server(n).map(|s| s.name)
}

impl Saved {
    /// Captures a finished run.
    pub fn new(plan: &Plan, res: &Results, info: &RunInfo) -> Self {
        Self {
            info: info.clone(),
            cells: plan.cells.iter().map(spec).collect(),
            servers: plan.servers.iter().map(|s| s.name.to_owned()).collect(),
            rounds: plan.rounds,
            inflight: plan.inflight,
            idle_conns: plan.idle_conns,
            windows: [
                plan.warmup.as_secs_f64(),
                plan.duration.as_secs_f64(),
                plan.latency_duration.as_secs_f64(),
            ],
            samples: res
                .samples
                .iter()
                .flat_map(|((ci, n, m), v)| {
                    v.iter().map(move |s| (*ci, (*n).to_owned(), *m, s.clone()))
                })
                .collect(),
            unsupported: res
                .unsupported
                .iter()
                .map(|(c, n)| (*c, (*n).to_owned()))
                .collect(),
            failures: res.failures.clone(),
            idle: res
                .idle
                .iter()
                .flat_map(|(n, v)| v.iter().map(move |s| ((*n).to_owned(), *s)))
                .collect(),
            idle_failures: res
                .idle_failures
                .iter()
                .map(|(n, e)| ((*n).to_owned(), e.clone()))
                .collect(),
        }
    }

    /// The plan, results and header facts back.
    ///
    /// # Errors
    /// Unknown cells or servers.
    pub fn restore(self) -> Result<(Plan, Results, RunInfo), SavedError> {
        let mut plan = Plan::new(false);
        plan.cells = self
            .cells
            .iter()
            .map(|c| parse_cell(c))
            .collect::<Result<_, _>>()?;
        plan.servers = self
            .servers
            .iter()
            .map(|n| server(n))
            .collect::<Result<_, _>>()?;
        plan.rounds = self.rounds;
        plan.inflight = self.inflight;
        plan.idle_conns = self.idle_conns;
        plan.warmup = Duration::from_secs_f64(self.windows[0]);
        plan.duration = Duration::from_secs_f64(self.windows[1]);
        plan.latency_duration = Duration::from_secs_f64(self.windows[2]);
        let mut res = Results::default();
        for (ci, n, m, s) in self.samples {
            res.samples.entry((ci, name(&n)?, m)).or_default().push(s);
        }
        for (ci, n) in self.unsupported {
            res.unsupported.insert((ci, name(&n)?));
        }
        res.failures = self.failures;
        for (n, s) in self.idle {
            res.idle.entry(name(&n)?).or_default().push(s);
        }
        for (n, e) in self.idle_failures {
            res.idle_failures.insert(name(&n)?, e);
        }
        Ok((plan, res, self.info))
    }
}
