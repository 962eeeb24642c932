//! WAMP load benchmarks of ferrobahn: the `ferrobahn router` against Crossbar.io.
//!
//! - [`driver`]: the load driver (binary `wamp-driver`), built on `ferrobahn-client`:
//!   PubSub fan-out, RPC (one callee, a shared round-robin registration), progressive
//!   results, latency at a fixed call rate, and idle sessions for the memory test. It
//!   runs one scenario on a single-threaded tokio runtime and prints one JSON report
//!   ([`report::DriverReport`]) with its own CPU share and the router's.
//! - [`runner`]: the `wamp-bench` runner behind `cargo xtask bench wamp`: starts each
//!   router pinned to one core (the driver on the other), alternates their order over
//!   rounds, and renders medians and ratios as the "WAMP router vs Crossbar.io" section
//!   of `benches/RESULTS.md`.
//! - [`rawfanout`]: the raw fan-out server (binary `raw-fanout`), the machine's limit
//!   for the fan-out cells: the same driver, no WAMP routing, one pre-built EVENT frame
//!   written to every subscriber socket per batch.
#![forbid(unsafe_code)]

pub mod driver;
pub mod rawfanout;
pub mod report;
pub mod runner;
