//! `wamp-bench`: the ferrobahn router against Crossbar.io under the `wamp-driver`
//! scenarios; writes `results.json` and the "WAMP router vs Crossbar.io" section of
//! `benches/RESULTS.md`. Run it through `cargo xtask bench wamp [-- --quick]`.
#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;
use ferrobahn_wamp_bench::runner::routers::Launcher;
use ferrobahn_wamp_bench::runner::saved::{self, Meta, Saved};
use ferrobahn_wamp_bench::runner::{markdown, measure, parse_latency_loads, Plan, RouterKind};

/// Default Crossbar.io launcher (scripts/install-crossbar.sh).
const CROSSBAR: &str = "/opt/crossbar-venv/bin/crossbar";

#[derive(Debug, Parser)]
#[command(name = "wamp-bench")]
struct Args {
    /// One round, short windows, 1,000 idle sessions (for checking the harness).
    #[arg(long)]
    quick: bool,
    /// Rounds (default 3, quick 1).
    #[arg(long)]
    rounds: Option<usize>,
    /// Measured seconds per run.
    #[arg(long)]
    duration: Option<f64>,
    /// Warm-up seconds per run.
    #[arg(long)]
    warmup: Option<f64>,
    /// Idle sessions for the memory test (0 skips it).
    #[arg(long)]
    idle_sessions: Option<usize>,
    /// Rounds that run the idle test.
    #[arg(long)]
    idle_rounds: Option<usize>,
    /// Routers, comma separated (ferrobahn, crossbar, raw: the raw fan-out baseline,
    /// fan-out cells only).
    #[arg(long, value_delimiter = ',')]
    routers: Vec<String>,
    /// Only cells whose label contains one of these (comma separated); a latency cell
    /// brings the one-callee RPC cell of its serializer, whose calls/s give its rate.
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// The Crossbar.io launcher (default $FERROBAHN_CROSSBAR or /opt/crossbar-venv).
    #[arg(long)]
    crossbar: Option<PathBuf>,
    /// Where to save the raw results.
    #[arg(long, default_value = "benches/wamp/results.json")]
    out: PathBuf,
    /// Markdown file whose "WAMP router vs Crossbar.io" section is replaced.
    #[arg(long, default_value = "benches/RESULTS.md")]
    results_md: PathBuf,
    /// Do not touch the markdown file (print the section only).
    #[arg(long)]
    no_write: bool,
    /// Niceness of routers and driver, each in its own autogroup (e.g. -19 as root on
    /// a shared machine); 0 leaves scheduling alone.
    #[arg(long, default_value_t = 0, allow_hyphen_values = true)]
    nice: i32,
    /// Run the routers as SCHED_FIFO at this priority (`chrt -f`, root), so other
    /// processes on their CPU cannot delay them by a time slice (latency tails).
    #[arg(long)]
    realtime: Option<u8>,
    /// `--busy-poll-us` of the `ferrobahn-busypoll` router.
    #[arg(long, default_value_t = 200)]
    busy_poll_us: u64,
    /// Latency runs start the calls that fell due within ticks of this many
    /// microseconds together (0: each as soon as it is due).
    #[arg(long)]
    latency_tick_us: Option<u64>,
    /// Further latency cells at these percents of each router's one-callee calls/s
    /// (comma separated, 1-100; default 10,25; "" for none), beside the one at 50%.
    #[arg(long)]
    latency_loads: Option<String>,
    /// Latency runs with full clients instead of light connections.
    #[arg(long)]
    latency_full_clients: bool,
    /// Render a saved results file instead of running.
    #[arg(long)]
    render_from: Option<PathBuf>,
}

fn plan(args: &Args) -> Result<Plan, String> {
    let mut p = Plan::new(args.quick);
    if let Some(r) = args.rounds {
        p.rounds = r.max(1);
    }
    let secs = |s: f64| Duration::from_secs_f64(s.max(0.0));
    if let Some(d) = args.duration {
        p.duration = secs(d);
    }
    if let Some(w) = args.warmup {
        p.warmup = secs(w);
    }
    if let Some(n) = args.idle_sessions {
        p.idle_sessions = n;
    }
    p.idle_rounds = args.idle_rounds.unwrap_or(p.rounds);
    if let Some(t) = args.latency_tick_us {
        p.latency_tick = Duration::from_micros(t);
    }
    p.latency_light = !args.latency_full_clients;
    if !args.routers.is_empty() {
        p.routers = args
            .routers
            .iter()
            .map(|n| RouterKind::from_name(n).ok_or_else(|| format!("unknown router `{n}`")))
            .collect::<Result<_, _>>()?;
    }
    if let Some(loads) = &args.latency_loads {
        p.set_latency_loads(&parse_latency_loads(loads)?);
    }
    if !args.only.is_empty() {
        p.retain_labels(&args.only);
    }
    Ok(p)
}

fn write(args: &Args, saved: &Saved) -> Result<(), String> {
    let section = markdown::render(saved);
    println!("{section}");
    if args.no_write {
        return Ok(());
    }
    let doc = std::fs::read_to_string(&args.results_md).unwrap_or_default();
    std::fs::write(&args.results_md, saved::splice(&doc, &section))
        .map_err(|e| format!("{}: {e}", args.results_md.display()))?;
    eprintln!("updated {}", args.results_md.display());
    Ok(())
}

fn run(args: &Args) -> Result<(), String> {
    if let Some(path) = &args.render_from {
        let saved = saved::load(path).map_err(|e| format!("{}: {e}", path.display()))?;
        return write(args, &saved);
    }
    let plan = plan(args)?;
    let crossbar = args
        .crossbar
        .clone()
        .or_else(|| std::env::var_os("FERROBAHN_CROSSBAR").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from(CROSSBAR));
    let mut l = Launcher::new(crossbar.clone()).map_err(|e| e.to_string())?;
    l.nice = args.nice;
    l.realtime = args.realtime.filter(|p| *p > 0);
    l.busy_poll_us = args.busy_poll_us;
    l.check(&plan.routers).map_err(|e| e.to_string())?;
    let argv = std::env::args().skip(1).collect::<Vec<_>>().join(" ");
    let command = format!(
        "cargo xtask bench wamp -- {argv}` (it builds, then runs `target/release/wamp-bench {argv}"
    );
    let mut meta = Meta::start(&plan, command.trim_end().to_owned(), &crossbar);
    if args.nice != 0 {
        meta.plan.push_str(&format!(
            "; routers and driver at nice {} in their own autogroups",
            args.nice
        ));
    }
    if let Some(p) = l.realtime {
        meta.plan.push_str(&format!(
            "; routers SCHED_FIFO priority {p} (chrt -f), latency drivers too with {}",
            l.driver_rest_args().join(" ")
        ));
    }
    if plan.routers.contains(&RouterKind::FerrobahnBusyPoll) {
        meta.plan.push_str(&format!(
            "; ferrobahn-busypoll: {}",
            l.busy_poll_args().join(" ")
        ));
    }
    eprintln!(
        "wamp-bench: {} cells x {} routers x {} rounds; load average {}",
        plan.cells.len(),
        plan.routers.len(),
        plan.rounds,
        meta.load_before
    );
    let t0 = Instant::now();
    let results = measure::run(&l, &plan);
    meta.wall_secs = t0.elapsed().as_secs_f64();
    meta.load_after = saved::loadavg();
    let saved = Saved { meta, results };
    saved::save(&args.out, &saved).map_err(|e| format!("{}: {e}", args.out.display()))?;
    eprintln!("saved {}", args.out.display());
    write(args, &saved)
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("wamp-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
