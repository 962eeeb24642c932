//! The `ws-bench` runner: which servers and cells to measure, how often,
//! and how to render the results.
//!
//! The runner builds nothing: it expects the release binaries of this
//! package next to its own executable.

pub mod child;
pub mod markdown;
pub mod measure;
pub mod saved;
#[cfg(test)]
mod tests;

use std::time::Duration;

use crate::frame::Wire;

/// An echo server under test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServerSpec {
    /// Name in tables and in `--servers`.
    pub name: &'static str,
    /// Binary name (next to the runner).
    pub bin: &'static str,
    /// Extra arguments.
    pub args: &'static [&'static str],
    /// What it speaks.
    pub wire: Wire,
    /// A peer library (compared against), as opposed to ours or raw TCP.
    pub peer: bool,
}

/// Every server, in the default order of round 1.
pub const SERVERS: &[ServerSpec] = &[
    ServerSpec {
        name: "ferrobahn-tokio",
        bin: "echo-ferrobahn",
        args: &["--runtime", "tokio"],
        wire: Wire::WebSocket,
        peer: false,
    },
    ServerSpec {
        name: "ferrobahn-async-std",
        bin: "echo-ferrobahn",
        args: &["--runtime", "async-std"],
        wire: Wire::WebSocket,
        peer: false,
    },
    ServerSpec {
        name: "tokio-tungstenite",
        bin: "echo-tungstenite",
        args: &[],
        wire: Wire::WebSocket,
        peer: true,
    },
    ServerSpec {
        name: "fastwebsockets",
        bin: "echo-fastwebsockets",
        args: &[],
        wire: Wire::WebSocket,
        peer: true,
    },
    ServerSpec {
        name: "tokio-websockets",
        bin: "echo-tokio-websockets",
        args: &[],
        wire: Wire::WebSocket,
        peer: true,
    },
    ServerSpec {
        name: "raw-tcp",
        bin: "echo-rawtcp",
        args: &[],
        wire: Wire::LengthPrefixed,
        peer: false,
    },
];

/// One load shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cell {
    /// Connections.
    pub conns: usize,
    /// Payload bytes per message.
    pub size: usize,
    /// permessage-deflate.
    pub deflate: bool,
}

impl Cell {
    /// The cell's name, e.g. `100 x 20 B` or `10 x 16 KiB + deflate`.
    pub fn label(&self) -> String {
        let size = match self.size {
            s if s >= 1 << 20 && s % (1 << 20) == 0 => format!("{} MiB", s >> 20),
            s if s >= 1 << 10 && s % (1 << 10) == 0 => format!("{} KiB", s >> 10),
            s => format!("{s} B"),
        };
        let z = if self.deflate { " + deflate" } else { "" };
        format!("{} x {size}{z}", self.conns)
    }

    /// Whether the "small message" target (<= 1 KiB) applies.
    pub fn is_small(&self) -> bool {
        self.size <= 1024
    }
}

/// A `--cells` entry that does not parse.
#[derive(Debug, thiserror::Error)]
#[error("bad cell `{0}` (expected CONNSxSIZE[k|m][+deflate], e.g. 10x16k+deflate, or `idle`)")]
pub struct CellError(pub String);

/// Parses `CONNSxSIZE[k|m][+deflate]` (`k` = KiB, `m` = MiB).
///
/// # Errors
/// [`CellError`] for anything else.
pub fn parse_cell(text: &str) -> Result<Cell, CellError> {
    let bad = || CellError(text.to_owned());
    let (shape, deflate) = match text.strip_suffix("+deflate") {
        Some(s) => (s, true),
        None => (text, false),
    };
    let (conns, size) = shape.split_once('x').ok_or_else(bad)?;
    let (digits, unit) = match size.as_bytes().last() {
        Some(b'k' | b'K') => (&size[..size.len() - 1], 1 << 10),
        Some(b'm' | b'M') => (&size[..size.len() - 1], 1 << 20),
        _ => (size, 1),
    };
    let conns: usize = conns.parse().map_err(|_| bad())?;
    let size: usize = digits.parse::<usize>().map_err(|_| bad())? * unit;
    if conns == 0 {
        return Err(bad());
    }
    Ok(Cell {
        conns,
        size,
        deflate,
    })
}

/// The cells of issue 3, plain then with permessage-deflate.
pub fn default_cells() -> Vec<Cell> {
    let shapes = [
        (100, 20),
        (10, 1 << 10),
        (10, 16 << 10),
        (500, 16 << 10),
        (1, 1 << 20),
    ];
    let plain = shapes.iter().map(|&(conns, size)| Cell {
        conns,
        size,
        deflate: false,
    });
    let z = shapes.iter().map(|&(conns, size)| Cell {
        conns,
        size,
        deflate: true,
    });
    plain.chain(z).collect()
}

/// What to run.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Load shapes.
    pub cells: Vec<Cell>,
    /// Servers, in round-1 order (later rounds alternate).
    pub servers: Vec<ServerSpec>,
    /// Rounds per cell and server (the median is reported).
    pub rounds: usize,
    /// Messages in flight per connection in throughput runs.
    pub inflight: usize,
    /// Unmeasured warm-up of every run.
    pub warmup: Duration,
    /// Measured window of throughput runs.
    pub duration: Duration,
    /// Measured window of latency runs (one message in flight).
    pub latency_duration: Duration,
    /// Connections of the idle-memory test (0 = skip it).
    pub idle_conns: usize,
    /// Source addresses for the idle test (127.0.0.1 ..= .N).
    pub idle_sources: u8,
}

impl Plan {
    /// The full plan (`quick`: 2 s windows, one round).
    pub fn new(quick: bool) -> Self {
        Self {
            cells: default_cells(),
            servers: SERVERS.to_vec(),
            rounds: if quick { 1 } else { 3 },
            inflight: 8,
            warmup: Duration::from_millis(if quick { 500 } else { 1000 }),
            duration: Duration::from_secs(if quick { 2 } else { 5 }),
            latency_duration: Duration::from_secs(if quick { 1 } else { 3 }),
            idle_conns: 10_000,
            idle_sources: 4,
        }
    }

    /// Servers in the order of `round` (0-based): reversed on odd rounds.
    pub fn order(&self, round: usize) -> Vec<ServerSpec> {
        let mut v = self.servers.clone();
        if round % 2 == 1 {
            v.reverse();
        }
        v
    }
}

#[cfg(test)]
mod cell_tests {
    use super::*;

    #[test]
    fn parses_cells() {
        assert_eq!(
            parse_cell("100x20").unwrap(),
            Cell {
                conns: 100,
                size: 20,
                deflate: false
            }
        );
        assert_eq!(
            parse_cell("10x16k+deflate").unwrap(),
            Cell {
                conns: 10,
                size: 16384,
                deflate: true
            }
        );
        assert_eq!(parse_cell("1x1m").unwrap().size, 1 << 20);
        for bad in ["", "x", "10", "0x20", "10xk", "ax1"] {
            assert!(parse_cell(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn labels_and_order() {
        assert_eq!(parse_cell("500x16k").unwrap().label(), "500 x 16 KiB");
        assert_eq!(
            parse_cell("1x1m+deflate").unwrap().label(),
            "1 x 1 MiB + deflate"
        );
        assert_eq!(parse_cell("100x20").unwrap().label(), "100 x 20 B");
        let p = Plan::new(true);
        assert_eq!(p.order(0)[0], SERVERS[0]);
        assert_eq!(p.order(1)[0], SERVERS[SERVERS.len() - 1]);
        assert_eq!(default_cells().len(), 10);
    }
}
