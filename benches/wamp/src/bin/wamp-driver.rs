//! `wamp-driver`: runs one WAMP load scenario against a router and prints one JSON
//! report line (see `ferrobahn_wamp_bench::report::DriverReport`).
//!
//! ```text
//! wamp-driver --url ws://127.0.0.1:8080/ws --serializer wamp.2.msgpack \
//!     [--router-pid PID] [--warmup 1] [--duration 3] fanout --subscribers 100 --size 64 [--light] [--publications N]
//! ```
#![forbid(unsafe_code)]

use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use ferrobahn_wamp_bench::driver::meter::Window;
use ferrobahn_wamp_bench::driver::{self, idle, pubsub, rpc, DriverError, Target};
use ferrobahn_wamp_bench::report::DriverReport;

/// One scenario against one router.
#[derive(Debug, Parser)]
#[command(name = "wamp-driver")]
struct Args {
    /// The router's WebSocket URL (IP host).
    #[arg(long)]
    url: String,
    /// WAMP subprotocol.
    #[arg(long, default_value = "wamp.2.json")]
    serializer: String,
    /// Realm.
    #[arg(long, default_value = "realm1")]
    realm: String,
    /// The router's pid, to report its CPU share.
    #[arg(long)]
    router_pid: Option<u32>,
    /// Unmeasured seconds after setup.
    #[arg(long, default_value_t = 1.0)]
    warmup: f64,
    /// Measured seconds.
    #[arg(long, default_value_t = 3.0)]
    duration: f64,
    #[command(subcommand)]
    scenario: Scenario,
}

#[derive(Debug, Subcommand)]
enum Scenario {
    /// One publisher, N subscribers: events delivered per second.
    Fanout {
        /// Subscribers.
        #[arg(long)]
        subscribers: usize,
        /// Payload bytes.
        #[arg(long, default_value_t = 64)]
        size: usize,
        /// Events in flight (divided among the subscribers, 16..=1000 publications).
        #[arg(long, default_value_t = 4000)]
        window: u64,
        /// At most this many payload bytes in flight to each subscriber (0: no cap), so
        /// large payloads keep fewer publications in flight.
        #[arg(long, default_value_t = pubsub::DEFAULT_WINDOW_BYTES)]
        window_bytes: u64,
        /// Subscribers count WebSocket messages instead of running full sessions.
        #[arg(long)]
        light: bool,
        /// Publish exactly this many events, wait until all are delivered, print
        /// `published N delivered M` and exit (no timed window: for instruction counts).
        #[arg(long)]
        publications: Option<u64>,
    },
    /// Calls per second through `callees` (shared round-robin when > 1).
    Rpc {
        /// Callee sessions.
        #[arg(long, default_value_t = 1)]
        callees: usize,
        /// Caller sessions.
        #[arg(long, default_value_t = 1)]
        callers: usize,
        /// Calls in flight per caller.
        #[arg(long, default_value_t = 64)]
        in_flight: usize,
        /// Payload bytes.
        #[arg(long, default_value_t = 64)]
        size: usize,
    },
    /// Progressive results: chunks per second, one stream at a time.
    Progressive {
        /// Progressive results per call.
        #[arg(long, default_value_t = 1000)]
        chunks: usize,
        /// Payload bytes per chunk.
        #[arg(long, default_value_t = 64)]
        size: usize,
        /// The callee yields to the runtime after this many chunks (0: never, all
        /// chunks queued at once).
        #[arg(long, default_value_t = rpc::PROGRESS_BATCH)]
        batch: usize,
    },
    /// Round-trip latency of calls started at a fixed rate.
    Latency {
        /// Calls per second.
        #[arg(long)]
        rate: f64,
        /// Payload bytes.
        #[arg(long, default_value_t = 64)]
        size: usize,
        /// Start the calls that fell due in ticks of this many microseconds together
        /// (0: each as soon as it is due); latency counts from each call's due time.
        #[arg(long, default_value_t = 0)]
        tick_us: u64,
        /// Light caller and callee (the session core to join and register, then the
        /// serializer directly) instead of full clients.
        #[arg(long)]
        light: bool,
        /// Block the driver's thread for `--rest-us` after every this many microseconds
        /// of running (0: never), so that a real-time driver (`chrt -f`), whose pacer
        /// spins, stays under Linux's RT throttling.
        #[arg(long, default_value_t = 0)]
        rest_every_us: u64,
        /// Length of each rest, microseconds.
        #[arg(long, default_value_t = 120)]
        rest_us: u64,
        /// Write every round trip of the window (`due_us,rtt_us`) and the driver's
        /// stalls to this CSV file.
        #[arg(long)]
        samples_out: Option<std::path::PathBuf>,
    },
    /// Holds N idle joined sessions until stdin closes (prints `READY N`).
    Idle {
        /// Sessions.
        #[arg(long)]
        sessions: usize,
        /// Loopback source addresses (127.0.0.1 ..= 127.0.0.N).
        #[arg(long, default_value_t = 4)]
        sources: u8,
    },
}

async fn run(args: Args) -> Result<Option<DriverReport>, DriverError> {
    let t = Target::new(&args.url, &args.serializer, &args.realm)?;
    let secs = |s: f64| Duration::from_secs_f64(s.max(0.0));
    let w = Window {
        warmup: secs(args.warmup),
        duration: secs(args.duration),
    };
    let pid = args.router_pid;
    Ok(Some(match args.scenario {
        Scenario::Fanout {
            subscribers,
            size,
            window,
            window_bytes,
            light,
            publications,
        } => {
            let spec = pubsub::Fanout {
                subscribers,
                size,
                window_events: window,
                window_bytes,
                light,
            };
            if let Some(n) = publications {
                let delivered = pubsub::run_count(&t, spec, n).await?;
                println!("published {n} delivered {delivered}");
                return Ok(None);
            }
            pubsub::run(&t, spec, w, pid).await?
        }
        Scenario::Rpc {
            callees,
            callers,
            in_flight,
            size,
        } => rpc::calls(&t, callees, callers, in_flight, size, w, pid).await?,
        Scenario::Progressive {
            chunks,
            size,
            batch,
        } => rpc::progressive(&t, chunks, size, batch, w, pid).await?,
        Scenario::Latency {
            rate,
            size,
            tick_us,
            light,
            rest_every_us,
            rest_us,
            samples_out,
        } => {
            let pace = rpc::Pace {
                rate,
                tick: Duration::from_micros(tick_us),
                rest: (rest_every_us > 0).then(|| rpc::Rest {
                    every: Duration::from_micros(rest_every_us),
                    len: Duration::from_micros(rest_us),
                }),
            };
            rpc::latency(&t, pace, size, light, w, pid, samples_out.as_deref()).await?
        }
        Scenario::Idle { sessions, sources } => {
            idle::run(&t, sessions, sources).await?;
            return Ok(None);
        }
    }))
}

fn main() -> ExitCode {
    let args = Args::parse();
    let rt = match driver::runtime() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("wamp-driver: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = match rt.block_on(run(args)) {
        Ok(Some(report)) => match serde_json::to_string(&report) {
            Ok(line) => {
                println!("{line}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("wamp-driver: {e}");
                ExitCode::FAILURE
            }
        },
        Ok(None) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("wamp-driver: {e}");
            ExitCode::FAILURE
        }
    };
    // Thousands of sessions need no orderly teardown: the process exit closes them.
    std::process::exit(if code == ExitCode::SUCCESS { 0 } else { 1 })
}
