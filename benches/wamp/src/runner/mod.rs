//! The `wamp-bench` runner: which routers and cells, how often, and the results.
//!
//! It builds nothing: `cargo xtask bench wamp` builds `ferrobahn` (the CLI) and this
//! package's binaries in release mode first; the runner finds them next to itself.

mod launcher;
pub mod markdown;
pub mod measure;
pub mod routers;
pub mod saved;

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// A router under test.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RouterKind {
    /// `ferrobahn router` (tokio, one worker thread under `taskset`).
    Ferrobahn,
    /// `ferrobahn router` busy polling ([`routers::Launcher::busy_poll_args`]): the
    /// latency cells and the one-callee RPC cells they take their rates from.
    FerrobahnBusyPoll,
    /// Crossbar.io, one router worker.
    Crossbar,
    /// The raw fan-out server (`raw-fanout`, crate `rawfanout`): no router, the
    /// machine's limit for the fan-out cells; it runs only those.
    Raw,
}

impl RouterKind {
    /// Name in tables and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::Ferrobahn => "ferrobahn",
            Self::FerrobahnBusyPoll => "ferrobahn-busypoll",
            Self::Crossbar => "crossbar",
            Self::Raw => "raw",
        }
    }

    /// Whether it runs `cell` (the raw server: light fan-out cells only; the busy-poll
    /// router: the latency cells and the one-callee RPC cells).
    pub fn runs(self, cell: &Cell) -> bool {
        match self {
            Self::Raw => matches!(cell.scenario, Scenario::Fanout { light: true, .. }),
            Self::FerrobahnBusyPoll => {
                cell.scenario.load_percent().is_some()
                    || cell.scenario == Scenario::Rpc { callees: 1 }
            }
            Self::Ferrobahn | Self::Crossbar => true,
        }
    }

    /// Whether it takes the idle-memory test (ferrobahn and Crossbar.io).
    pub fn idle_test(self) -> bool {
        matches!(self, Self::Ferrobahn | Self::Crossbar)
    }

    /// The kind named `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "ferrobahn" => Some(Self::Ferrobahn),
            "ferrobahn-busypoll" => Some(Self::FerrobahnBusyPoll),
            "crossbar" => Some(Self::Crossbar),
            "raw" => Some(Self::Raw),
            _ => None,
        }
    }
}

/// What one cell runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Scenario {
    /// One publisher to `subscribers`.
    Fanout {
        /// Subscribers.
        subscribers: usize,
        /// Payload bytes.
        size: usize,
        /// Light subscribers (count frames) or full client sessions.
        light: bool,
    },
    /// Calls through `callees` (shared round-robin when > 1).
    Rpc {
        /// Callee sessions.
        callees: usize,
    },
    /// A 1,000-chunk progressive result stream, one at a time.
    Progressive,
    /// Round trips at half of this round's one-callee calls/s.
    Latency,
    /// Round trips at `percent` % of this round's one-callee calls/s: the other
    /// points of the latency-against-load curve (50% is [`Scenario::Latency`], the
    /// cell saved results had before this variant).
    LatencyAt {
        /// Share of the one-callee peak, 1-100.
        percent: u8,
    },
}

impl Scenario {
    /// The share of the same round's one-callee calls/s a latency cell runs at
    /// (50 for [`Scenario::Latency`]); `None` for the other cells.
    pub fn load_percent(self) -> Option<u8> {
        match self {
            Self::Latency => Some(50),
            Self::LatencyAt { percent } => Some(percent),
            _ => None,
        }
    }
}

/// One load shape with one serializer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Cell {
    /// What runs.
    pub scenario: Scenario,
    /// `true`: MessagePack; `false`: JSON.
    pub msgpack: bool,
}

/// Bytes of RPC and progressive payloads.
pub const RPC_SIZE: usize = 64;
/// Calls in flight of the one caller in RPC throughput runs (64 leaves ours waiting on
/// round trips with both processes half idle; 256 keeps the router busy).
pub const RPC_IN_FLIGHT: usize = 256;
/// The latency runs' default tick, microseconds: calls of many clients arrive in
/// bunches, and the driver's one thread could not send 100,000s of calls a second
/// one write each without becoming the bottleneck it measures.
pub const LATENCY_TICK_US: u64 = 20;
/// Chunks of a progressive stream.
pub const CHUNKS: usize = 1000;
/// The default extra points of the latency curve, percent of the one-callee peak
/// (with the half-load cell: 10, 25 and 50%).
pub const LATENCY_LOADS: [u8; 2] = [10, 25];

/// Parses `--latency-loads`: comma-separated percents 1-100 (`""`: none).
///
/// # Errors
/// A value that is not a whole number from 1 to 100.
pub fn parse_latency_loads(s: &str) -> Result<Vec<u8>, String> {
    s.split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| match v.parse::<u8>() {
            Ok(p) if (1..=100).contains(&p) => Ok(p),
            _ => Err(format!("latency load `{v}` is not a percent from 1 to 100")),
        })
        .collect()
}

/// The extra latency cells of one serializer for `percents`, in their order, without
/// repeats and without 50 (that is [`Scenario::Latency`]).
fn latency_at(percents: &[u8], msgpack: bool) -> Vec<Cell> {
    let mut cells: Vec<Cell> = Vec::new();
    for &percent in percents {
        let cell = Cell {
            scenario: Scenario::LatencyAt { percent },
            msgpack,
        };
        if percent != 50 && !cells.contains(&cell) {
            cells.push(cell);
        }
    }
    cells
}

impl Cell {
    /// The WAMP subprotocol.
    pub fn subprotocol(&self) -> &'static str {
        if self.msgpack {
            "wamp.2.msgpack"
        } else {
            "wamp.2.json"
        }
    }

    /// Short serializer name.
    pub fn ser(&self) -> &'static str {
        if self.msgpack {
            "msgpack"
        } else {
            "json"
        }
    }

    /// The cell's name, e.g. `fanout 100 x 64 B msgpack`.
    pub fn label(&self) -> String {
        let what = match self.scenario {
            Scenario::Fanout {
                subscribers,
                size,
                light,
            } => format!(
                "fanout 1 -> {subscribers} x {}{}",
                size_label(size),
                if light { "" } else { " (full client)" }
            ),
            Scenario::Rpc { callees: 1 } => "rpc 1 callee".to_owned(),
            Scenario::Rpc { callees } => format!("rpc {callees} callees roundrobin"),
            Scenario::Progressive => format!("progressive {CHUNKS} chunks"),
            Scenario::Latency => "latency at half load".to_owned(),
            Scenario::LatencyAt { percent } => format!("latency at {percent}% load"),
        };
        format!("{what} {}", self.ser())
    }
}

/// `64 B`, `4 KiB`.
pub fn size_label(size: usize) -> String {
    if size >= 1024 && size.is_multiple_of(1024) {
        format!("{} KiB", size / 1024)
    } else {
        format!("{size} B")
    }
}

/// The cells of issue 9 for both serializers (the latency cells at
/// [`LATENCY_LOADS`] after the half-load one), plus the driver check (full-client
/// subscribers for MessagePack 64 B).
pub fn default_cells() -> Vec<Cell> {
    let mut cells = Vec::new();
    for msgpack in [false, true] {
        for size in [64, 4096] {
            for subscribers in [1, 10, 100, 1000] {
                cells.push(Cell {
                    scenario: Scenario::Fanout {
                        subscribers,
                        size,
                        light: true,
                    },
                    msgpack,
                });
            }
        }
        for scenario in [Scenario::Rpc { callees: 1 }, Scenario::Latency] {
            cells.push(Cell { scenario, msgpack });
        }
        cells.extend(latency_at(&LATENCY_LOADS, msgpack));
        for scenario in [Scenario::Rpc { callees: 4 }, Scenario::Progressive] {
            cells.push(Cell { scenario, msgpack });
        }
    }
    for subscribers in [1, 10, 100, 1000] {
        cells.push(Cell {
            scenario: Scenario::Fanout {
                subscribers,
                size: 64,
                light: false,
            },
            msgpack: true,
        });
    }
    cells
}

/// What to run.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Cells, in order (latency cells follow their serializer's one-callee RPC cell,
    /// whose calls/s give their rates).
    pub cells: Vec<Cell>,
    /// Routers in round-1 order; odd rounds reverse it.
    pub routers: Vec<RouterKind>,
    /// Rounds (medians are reported).
    pub rounds: usize,
    /// Unmeasured time of every run after setup.
    pub warmup: Duration,
    /// Measured window.
    pub duration: Duration,
    /// Sessions of the idle-memory test (0 skips it).
    pub idle_sessions: usize,
    /// Rounds that run the idle test (the first ones).
    pub idle_rounds: usize,
    /// Loopback source addresses for the idle test.
    pub idle_sources: u8,
    /// Latency runs start the calls due within a tick of this together
    /// ([`crate::driver::rpc::Pace::tick`]).
    pub latency_tick: Duration,
    /// Latency runs use light connections ([`crate::driver::light_rpc`]) instead of
    /// full clients.
    pub latency_light: bool,
}

impl Plan {
    /// The full plan, or the quick one (one round, short windows, 1,000 idle sessions).
    pub fn new(quick: bool) -> Self {
        Self {
            cells: default_cells(),
            routers: vec![
                RouterKind::Ferrobahn,
                RouterKind::FerrobahnBusyPoll,
                RouterKind::Crossbar,
                RouterKind::Raw,
            ],
            rounds: if quick { 1 } else { 3 },
            warmup: Duration::from_millis(if quick { 500 } else { 1000 }),
            duration: Duration::from_millis(if quick { 1500 } else { 3000 }),
            idle_sessions: if quick { 1000 } else { 10_000 },
            idle_rounds: if quick { 1 } else { 3 },
            idle_sources: 4,
            latency_tick: Duration::from_micros(LATENCY_TICK_US),
            latency_light: true,
        }
    }

    /// Replaces the extra latency cells ([`Scenario::LatencyAt`]) by cells at
    /// `percents`, in that order, right after the half-load cell of each serializer
    /// (a serializer without one gets none); 50 is that cell and is skipped.
    pub fn set_latency_loads(&mut self, percents: &[u8]) {
        self.cells
            .retain(|c| !matches!(c.scenario, Scenario::LatencyAt { .. }));
        let mut i = 0;
        while i < self.cells.len() {
            let c = self.cells[i];
            i += 1;
            if c.scenario == Scenario::Latency {
                let extra = latency_at(percents, c.msgpack);
                let n = extra.len();
                self.cells.splice(i..i, extra);
                i += n;
            }
        }
    }

    /// Keeps the cells whose label contains one of `patterns`, and the one-callee
    /// RPC cell of every latency cell kept (their rates are shares of its calls/s),
    /// which stays before that serializer's first latency cell.
    pub fn retain_labels(&mut self, patterns: &[String]) {
        let keep: Vec<bool> = self
            .cells
            .iter()
            .map(|c| {
                let label = c.label();
                patterns.iter().any(|p| label.contains(p.as_str()))
            })
            .collect();
        let mut needed = keep.clone();
        for (c, _) in self.cells.iter().zip(&keep).filter(|(_, k)| **k) {
            if c.scenario.load_percent().is_none() {
                continue;
            }
            let source = Cell {
                scenario: Scenario::Rpc { callees: 1 },
                msgpack: c.msgpack,
            };
            if let Some(j) = self.cells.iter().position(|x| *x == source) {
                needed[j] = true;
            }
        }
        let mut n = needed.into_iter();
        self.cells.retain(|_| n.next().unwrap_or(false));
    }

    /// Routers in the order of `round` (0-based).
    pub fn order(&self, round: usize) -> Vec<RouterKind> {
        let mut v = self.routers.clone();
        if round % 2 == 1 {
            v.reverse();
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_and_labels() {
        let cells = default_cells();
        assert_eq!(cells.len(), 2 * (8 + 4 + LATENCY_LOADS.len()) + 4);
        assert_eq!(cells[0].label(), "fanout 1 -> 1 x 64 B json");
        assert_eq!(cells[7].label(), "fanout 1 -> 1000 x 4 KiB json");
        assert_eq!(cells[9].label(), "latency at half load json");
        assert_eq!(
            cells.last().unwrap().label(),
            "fanout 1 -> 1000 x 64 B (full client) msgpack"
        );
        // Every latency cell comes after its serializer's one-callee RPC cell.
        for (i, c) in cells.iter().enumerate() {
            if c.scenario.load_percent().is_some() {
                assert!(cells[..i].contains(&Cell {
                    scenario: Scenario::Rpc { callees: 1 },
                    msgpack: c.msgpack
                }));
            }
        }
    }

    #[test]
    fn order_alternates() {
        let p = Plan::new(true);
        use RouterKind::{Crossbar, Ferrobahn, FerrobahnBusyPoll, Raw};
        assert_eq!(
            p.order(0),
            vec![Ferrobahn, FerrobahnBusyPoll, Crossbar, Raw]
        );
        assert_eq!(
            p.order(1),
            vec![Raw, Crossbar, FerrobahnBusyPoll, Ferrobahn]
        );
        assert_eq!(RouterKind::from_name("raw"), Some(Raw));
        let busy = RouterKind::FerrobahnBusyPoll;
        assert_eq!(RouterKind::from_name(busy.name()), Some(busy));
        let runs: Vec<String> = default_cells()
            .iter()
            .filter(|c| busy.runs(c))
            .map(Cell::label)
            .collect();
        assert_eq!(
            runs,
            [
                "rpc 1 callee json",
                "latency at half load json",
                "latency at 10% load json",
                "latency at 25% load json",
                "rpc 1 callee msgpack",
                "latency at half load msgpack",
                "latency at 10% load msgpack",
                "latency at 25% load msgpack"
            ]
        );
        assert!(!busy.idle_test());
        let cells = default_cells();
        assert!(cells.iter().all(|c| Ferrobahn.runs(c) && Crossbar.runs(c)));
        assert_eq!(cells.iter().filter(|c| Raw.runs(c)).count(), 16);
        assert!(!Raw.idle_test() && Ferrobahn.idle_test());
        assert_eq!(
            RouterKind::from_name("crossbar"),
            Some(RouterKind::Crossbar)
        );
        assert_eq!(RouterKind::from_name("x"), None);
    }

    fn labels(cells: &[Cell]) -> Vec<String> {
        cells.iter().map(Cell::label).collect()
    }

    #[test]
    fn latency_curve_cells_follow_the_half_load_cell() {
        let cells = default_cells();
        for msgpack in [false, true] {
            let at = |s: Scenario| {
                cells.iter().position(|c| {
                    *c == Cell {
                        scenario: s,
                        msgpack,
                    }
                })
            };
            let rpc = at(Scenario::Rpc { callees: 1 }).unwrap();
            let half = at(Scenario::Latency).unwrap();
            let ten = at(Scenario::LatencyAt { percent: 10 }).unwrap();
            let quarter = at(Scenario::LatencyAt { percent: 25 }).unwrap();
            assert_eq!([half, ten, quarter], [rpc + 1, rpc + 2, rpc + 3]);
        }
        let percents: Vec<u8> = cells
            .iter()
            .filter_map(|c| c.scenario.load_percent())
            .collect();
        assert_eq!(percents, [50, 10, 25, 50, 10, 25]);
        assert_eq!(cells[10].label(), "latency at 10% load json");
        // ferrobahn, the busy-polling router and Crossbar.io run them; raw does not.
        for c in cells.iter().filter(|c| c.scenario.load_percent().is_some()) {
            use RouterKind::{Crossbar, Ferrobahn, FerrobahnBusyPoll, Raw};
            assert!(Ferrobahn.runs(c) && FerrobahnBusyPoll.runs(c) && Crossbar.runs(c));
            assert!(!Raw.runs(c));
        }
        assert_eq!(Scenario::Rpc { callees: 1 }.load_percent(), None);
    }

    #[test]
    fn latency_loads_option() {
        assert_eq!(parse_latency_loads("10,25"), Ok(vec![10, 25]));
        assert_eq!(parse_latency_loads(" 5 , 100 "), Ok(vec![5, 100]));
        assert_eq!(parse_latency_loads(""), Ok(vec![]));
        for bad in ["0", "101", "x", "10,-1", "2.5"] {
            assert!(parse_latency_loads(bad).is_err(), "{bad}");
        }

        let mut p = Plan::new(false);
        p.set_latency_loads(&[]);
        assert!(p
            .cells
            .iter()
            .all(|c| !matches!(c.scenario, Scenario::LatencyAt { .. })));
        assert_eq!(p.cells.len(), 2 * (8 + 4) + 4);
        assert!(p.cells.contains(&Cell {
            scenario: Scenario::Latency,
            msgpack: true
        }));

        // In the order given, once each, 50 being the half-load cell.
        p.set_latency_loads(&[75, 5, 50, 75]);
        let lat: Vec<String> = labels(&p.cells)
            .into_iter()
            .filter(|l| l.starts_with("latency") || l.starts_with("rpc 1 "))
            .collect();
        assert_eq!(
            lat,
            [
                "rpc 1 callee json",
                "latency at half load json",
                "latency at 75% load json",
                "latency at 5% load json",
                "rpc 1 callee msgpack",
                "latency at half load msgpack",
                "latency at 75% load msgpack",
                "latency at 5% load msgpack"
            ]
        );
        // Setting them again replaces them.
        p.set_latency_loads(&LATENCY_LOADS);
        assert_eq!(p.cells, default_cells());
    }

    #[test]
    fn only_latency_brings_its_rate_source() {
        let mut p = Plan::new(true);
        p.retain_labels(&["latency".to_owned()]);
        assert_eq!(
            labels(&p.cells),
            [
                "rpc 1 callee json",
                "latency at half load json",
                "latency at 10% load json",
                "latency at 25% load json",
                "rpc 1 callee msgpack",
                "latency at half load msgpack",
                "latency at 10% load msgpack",
                "latency at 25% load msgpack"
            ]
        );
        let mut p = Plan::new(true);
        p.retain_labels(&["progressive".to_owned(), "25% load msgpack".to_owned()]);
        assert_eq!(
            labels(&p.cells),
            [
                "progressive 1000 chunks json",
                "rpc 1 callee msgpack",
                "latency at 25% load msgpack",
                "progressive 1000 chunks msgpack"
            ]
        );
        let mut p = Plan::new(true);
        p.set_latency_loads(&[]);
        p.retain_labels(&["latency".to_owned()]);
        assert_eq!(
            labels(&p.cells),
            [
                "rpc 1 callee json",
                "latency at half load json",
                "rpc 1 callee msgpack",
                "latency at half load msgpack"
            ]
        );
        let mut p = Plan::new(true);
        p.retain_labels(&["4 callees".to_owned()]);
        assert_eq!(
            labels(&p.cells),
            [
                "rpc 4 callees roundrobin json",
                "rpc 4 callees roundrobin msgpack"
            ]
        );
    }
}
