//! Rendering the results as Markdown (the body of `benches/RESULTS.md`).

use std::fmt::Write as _;

use super::measure::{Key, Mode, Results, Sample};
use super::{Plan, ServerSpec};
use crate::frame::Wire;
use crate::report::median;

/// Facts about the run printed above the tables.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct RunInfo {
    /// UTC date and time.
    pub date: String,
    /// `nproc`, CPU model, kernel, rustc.
    pub machine: Vec<String>,
    /// `/proc/loadavg` before and after.
    pub load_before: String,
    /// As `load_before`, after the run.
    pub load_after: String,
    /// The command that produced the run.
    pub command: String,
    /// Whether the machine was busy with other work (see the noise note).
    pub noisy: bool,
    /// Niceness of servers and generator (0 = default).
    pub nice: i32,
    /// Extra notes (deflate status and the like).
    pub notes: Vec<String>,
}

/// Small-message cells need this ratio against the best peer.
pub const SMALL_TARGET: f64 = 1.15;
/// Large-message cells need this ratio.
pub const LARGE_TARGET: f64 = 1.0;
/// At 16 KiB ferrobahn must reach this fraction of raw TCP.
pub const RAW_TARGET: f64 = 0.75;
/// Idle bytes per connection.
pub const IDLE_TARGET: f64 = 2048.0;

fn rate(v: f64) -> String {
    if v >= 1e6 {
        format!("{:.2} M", v / 1e6)
    } else if v >= 1e4 {
        format!("{:.1} k", v / 1e3)
    } else {
        format!("{v:.0}")
    }
}

fn ours(plan: &Plan) -> Vec<&ServerSpec> {
    plan.servers
        .iter()
        .filter(|s| s.name.starts_with("ferrobahn"))
        .collect()
}

fn msgs(res: &Results, ci: usize, server: &'static str, mode: Mode) -> Option<f64> {
    let key: Key = (ci, server, mode);
    res.median_of(&key, |s| Some(s.report.msgs_per_sec))
}

/// The best peer's median msg/s in cell `ci` and its name.
pub fn best_peer(plan: &Plan, res: &Results, ci: usize) -> Option<(f64, &'static str)> {
    plan.servers
        .iter()
        .filter(|s| s.peer)
        .filter_map(|s| Some((msgs(res, ci, s.name, Mode::Throughput)?, s.name)))
        .max_by(|a, b| a.0.total_cmp(&b.0))
}

fn has_samples(plan: &Plan, res: &Results, ci: usize, mode: Mode) -> bool {
    plan.servers
        .iter()
        .any(|s| res.samples.contains_key(&(ci, s.name, mode)))
}

/// One table: a row per cell, a column per server, cells from `f`.
fn table(
    out: &mut String,
    plan: &Plan,
    res: &Results,
    mode: Mode,
    f: &dyn Fn(&Sample) -> Option<f64>,
    fmt: &dyn Fn(f64) -> String,
    ratio: bool,
) {
    let mut head = String::from("| cell |");
    let mut rule = String::from("|---|");
    for s in &plan.servers {
        let _ = write!(head, " {} |", s.name);
        rule.push_str("---:|");
    }
    if ratio {
        for s in ours(plan) {
            let _ = write!(head, " {} / best peer |", s.name);
            rule.push_str("---:|");
        }
    }
    let _ = writeln!(out, "{head}\n{rule}");
    for (ci, cell) in plan.cells.iter().enumerate() {
        if !has_samples(plan, res, ci, mode) {
            continue;
        }
        let mut row = format!("| {} |", cell.label());
        for s in &plan.servers {
            let v = if res.unsupported.contains(&(ci, s.name)) {
                "no deflate".to_owned()
            } else if cell.deflate && s.wire == Wire::LengthPrefixed {
                "n/a".to_owned()
            } else {
                res.median_of(&(ci, s.name, mode), f)
                    .map_or("—".to_owned(), fmt)
            };
            let _ = write!(row, " {v} |");
        }
        if ratio {
            let best = best_peer(plan, res, ci);
            for s in ours(plan) {
                let v = match (msgs(res, ci, s.name, Mode::Throughput), best) {
                    (Some(m), Some((b, name))) => format!("{:.2}x ({name})", m / b),
                    (Some(_), None) => "no peer".to_owned(),
                    _ => "—".to_owned(),
                };
                let _ = write!(row, " {v} |");
            }
        }
        let _ = writeln!(out, "{row}");
    }
    out.push('\n');
}

fn targets(out: &mut String, plan: &Plan, res: &Results) {
    let _ = writeln!(
        out,
        "| target | {} |",
        ours(plan)
            .iter()
            .map(|s| s.name)
            .collect::<Vec<_>>()
            .join(" | ")
    );
    let _ = writeln!(out, "|---|{}", "---|".repeat(ours(plan).len()));
    let raw = plan.servers.iter().find(|s| s.wire == Wire::LengthPrefixed);
    for (ci, cell) in plan.cells.iter().enumerate() {
        if cell.deflate {
            continue;
        }
        let want = if cell.is_small() {
            SMALL_TARGET
        } else {
            LARGE_TARGET
        };
        let mut row = format!("| {}: >= {want:.2}x best peer |", cell.label());
        for s in ours(plan) {
            let v = match (
                msgs(res, ci, s.name, Mode::Throughput),
                best_peer(plan, res, ci),
            ) {
                (Some(m), Some((b, _))) => verdict(m / b, want, "x"),
                _ => "not measured".to_owned(),
            };
            let _ = write!(row, " {v} |");
        }
        let _ = writeln!(out, "{row}");
        if cell.size == 16 << 10 {
            let mut row = format!(
                "| {}: >= {:.0}% of raw TCP |",
                cell.label(),
                RAW_TARGET * 100.0
            );
            for s in ours(plan) {
                let r = raw.and_then(|r| msgs(res, ci, r.name, Mode::Throughput));
                let v = match (msgs(res, ci, s.name, Mode::Throughput), r) {
                    (Some(m), Some(r)) => verdict(m / r, RAW_TARGET, "x"),
                    _ => "not measured".to_owned(),
                };
                let _ = write!(row, " {v} |");
            }
            let _ = writeln!(out, "{row}");
        }
    }
    let mut row = format!("| idle connection <= {IDLE_TARGET:.0} B RSS |");
    for s in ours(plan) {
        let v = match res.idle_bytes(s.name) {
            Some(b) => format!(
                "{} ({b:.0} B)",
                if b <= IDLE_TARGET { "met" } else { "NOT met" }
            ),
            None => "not measured".to_owned(),
        };
        let _ = write!(row, " {v} |");
    }
    let _ = writeln!(out, "{row}\n");
}

fn verdict(ratio: f64, want: f64, unit: &str) -> String {
    let ok = if ratio >= want { "met" } else { "NOT met" };
    format!("{ok} ({ratio:.2}{unit})")
}

fn idle(out: &mut String, plan: &Plan, res: &Results) {
    let _ = writeln!(
        out,
        "| server | RSS before (KiB) | RSS holding {} (KiB) | per connection |",
        plan.idle_conns
    );
    let _ = writeln!(out, "|---|---:|---:|---:|");
    for s in &plan.servers {
        if let Some(v) = res.idle.get(s.name) {
            let mid = v.len() / 2;
            let mut sorted = v.clone();
            sorted.sort_by(|a, b| a.bytes_per_conn().total_cmp(&b.bytes_per_conn()));
            let m = sorted[mid];
            let _ = writeln!(
                out,
                "| {} | {} | {} | {:.0} B |",
                s.name,
                m.before_kib,
                m.after_kib,
                m.bytes_per_conn()
            );
        } else if let Some(e) = res.idle_failures.get(s.name) {
            let _ = writeln!(out, "| {} | — | — | failed: {e} |", s.name);
        }
    }
    out.push('\n');
}

fn bottleneck(out: &mut String, plan: &Plan, res: &Results) {
    let mut srv = Vec::new();
    let mut gen = Vec::new();
    for ((_, name, mode), v) in &res.samples {
        let ws = plan
            .servers
            .iter()
            .any(|s| s.name == *name && s.wire == Wire::WebSocket);
        if *mode != Mode::Throughput || !ws {
            continue;
        }
        for s in v {
            srv.extend(s.report.server_cpu);
            gen.push(s.report.gen_cpu);
        }
    }
    if srv.is_empty() {
        return;
    }
    let range = |v: &[f64]| {
        let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = v.iter().copied().fold(0.0, f64::max);
        format!("{:.0}-{:.0}%", lo * 100.0, hi * 100.0)
    };
    let _ = writeln!(
        out,
        "In the WebSocket throughput runs the server used {} of its core and the generator {} of its core.",
        range(&srv),
        range(&gen)
    );
    let mut gen_ahead = 0;
    let mut runs = 0;
    for ((_, name, mode), v) in &res.samples {
        let ws = plan
            .servers
            .iter()
            .any(|s| s.name == *name && s.wire == Wire::WebSocket);
        if *mode == Mode::Throughput && ws {
            for s in v {
                runs += 1;
                gen_ahead +=
                    usize::from(s.report.server_cpu.is_some_and(|c| s.report.gen_cpu >= c));
            }
        }
    }
    let _ = writeln!(
        out,
        "In {gen_ahead} of {runs} WebSocket throughput runs the generator used at least as much CPU as the server.\n\n\
         The generator mirrors the server's batching (one read and one write per reply burst), so its cost per \
         message is highest against the servers that write every message on its own. Against the fastest \
         WebSocket server of each cell:\n"
    );
    let _ = writeln!(out, "| cell | fastest WebSocket server | msg/s | server CPU | generator CPU | generator headroom |");
    let _ = writeln!(out, "|---|---|---:|---:|---:|---:|");
    for (ci, cell) in plan.cells.iter().enumerate() {
        let best = plan
            .servers
            .iter()
            .filter(|s| s.wire == Wire::WebSocket)
            .filter_map(|s| Some((msgs(res, ci, s.name, Mode::Throughput)?, s.name)))
            .max_by(|a, b| a.0.total_cmp(&b.0));
        let Some((m, name)) = best else { continue };
        let key = (ci, name, Mode::Throughput);
        let srv = res.median_of(&key, |s| s.report.server_cpu).unwrap_or(0.0);
        let gen = res
            .median_of(&key, |s| Some(s.report.gen_cpu))
            .unwrap_or(0.0);
        let headroom = if gen > 0.0 {
            format!("{:.2}x", 1.0 / gen)
        } else {
            "—".to_owned()
        };
        let _ = writeln!(
            out,
            "| {} | {name} | {} | {srv:.2} | {gen:.2} | {headroom} |",
            cell.label(),
            rate(m)
        );
    }
    out.push('\n');
    let raw = plan.servers.iter().find(|s| s.wire == Wire::LengthPrefixed);
    let mut faster = Vec::new();
    let mut slower = Vec::new();
    for (ci, cell) in plan.cells.iter().enumerate() {
        let Some(r) = raw.and_then(|r| msgs(res, ci, r.name, Mode::Throughput)) else {
            continue;
        };
        let best_ws = plan
            .servers
            .iter()
            .filter(|s| s.wire == Wire::WebSocket)
            .filter_map(|s| msgs(res, ci, s.name, Mode::Throughput))
            .fold(0.0, f64::max);
        if r >= best_ws {
            faster.push(cell.label());
        } else {
            slower.push(format!(
                "{} ({} vs {})",
                cell.label(),
                rate(r),
                rate(best_ws)
            ));
        }
    }
    if !faster.is_empty() {
        let _ = writeln!(
            out,
            "The same generator drove the raw TCP echo at least as fast as the fastest WebSocket server in: {}.",
            faster.join(", ")
        );
    }
    if !slower.is_empty() {
        let _ = writeln!(
            out,
            "Raw TCP was not faster than the fastest WebSocket server in: {}; there this run does not \
             show the generator's headroom.",
            slower.join(", ")
        );
    }
    out.push('\n');
}

/// The whole results page.
pub fn render(plan: &Plan, res: &Results, info: &RunInfo) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# WebSocket echo benchmarks (issue 3)\n");
    let _ = writeln!(o, "- Date: {}", info.date);
    for m in &info.machine {
        let _ = writeln!(o, "- {m}");
    }
    let _ = writeln!(
        o,
        "- Load average before / after: `{}` / `{}`",
        info.load_before, info.load_after
    );
    let noise = res.other_cpu();
    let noise_med = median(&noise).unwrap_or(0.0);
    let _ = writeln!(
        o,
        "- Other CPU use during the measured windows (everything but server and generator): median {:.0}% of one core{}",
        noise_med * 100.0,
        if info.noisy { " — **NOISY RUN**: other work shared the machine; treat the figures as rough." } else { "" }
    );
    let _ = writeln!(
        o,
        "- Commands: `cargo build --release -p ferrobahn-load --bins` (done by the runner under `cargo run`), then `{}`",
        info.command
    );
    let _ = writeln!(
        o,
        "- Method: server pinned to CPU 1 (`taskset -c 1`), generator to CPU 0{}; {} round(s), server order \
         reversed every other round, medians reported; {:.1} s warm-up, {:.1} s measured ({} messages in \
         flight per connection), latency runs {:.1} s with one message in flight per connection. Binary \
         messages of JSON-like ASCII text, pre-masked by the generator. A fresh server process per run.\n",
        if info.nice != 0 { format!(", both at `nice -n {}`", info.nice) } else { String::new() },
        plan.rounds,
        plan.warmup.as_secs_f64(),
        plan.duration.as_secs_f64(),
        plan.inflight,
        plan.latency_duration.as_secs_f64()
    );
    if plan.cells.iter().any(|c| c.deflate) {
        let _ = writeln!(
            o,
            "- Deflate cells: the generator offers `permessage-deflate; client_no_context_takeover` and sends \
             every message compressed once with a fresh context; the server compresses its replies with its \
             own settings (ferrobahn: `DeflateConfig::default()`, level 6, 15 window bits, context takeover). \
             MB/s counts uncompressed payload."
        );
    }
    for n in &info.notes {
        let _ = writeln!(o, "- {n}");
    }
    if !info.notes.is_empty() {
        o.push('\n');
    }
    let _ = writeln!(o, "## Targets\n");
    targets(&mut o, plan, res);
    let _ = writeln!(
        o,
        "## Echo throughput, msg/s ({} in flight per connection)\n",
        plan.inflight
    );
    table(
        &mut o,
        plan,
        res,
        Mode::Throughput,
        &|s| Some(s.report.msgs_per_sec),
        &rate,
        true,
    );
    let _ = writeln!(o, "## Echo throughput, MB/s of payload (one direction)\n");
    table(
        &mut o,
        plan,
        res,
        Mode::Throughput,
        &|s| Some(s.report.mb_per_sec),
        &|v| format!("{v:.1}"),
        false,
    );
    let _ = writeln!(
        o,
        "## Round-trip latency, one message in flight per connection: p50 µs\n"
    );
    table(
        &mut o,
        plan,
        res,
        Mode::Latency,
        &|s| s.report.p50_us,
        &|v| format!("{v:.0}"),
        false,
    );
    let _ = writeln!(
        o,
        "## Round-trip latency, one message in flight per connection: p99 µs\n"
    );
    table(
        &mut o,
        plan,
        res,
        Mode::Latency,
        &|s| s.report.p99_us,
        &|v| format!("{v:.0}"),
        false,
    );
    let _ = writeln!(
        o,
        "## Peak server RSS in the throughput runs, MiB (VmHWM)\n"
    );
    table(
        &mut o,
        plan,
        res,
        Mode::Throughput,
        &|s| Some(s.peak_rss_kib as f64 / 1024.0),
        &|v| format!("{v:.1}"),
        false,
    );
    let _ = writeln!(o, "## Idle connections: server RSS\n");
    idle(&mut o, plan, res);
    let _ = writeln!(o, "## Is the generator the bottleneck?\n");
    let _ = writeln!(
        o,
        "Server CPU share in the throughput runs (1.00 = its whole core):\n"
    );
    table(
        &mut o,
        plan,
        res,
        Mode::Throughput,
        &|s| s.report.server_cpu,
        &|v| format!("{v:.2}"),
        false,
    );
    let _ = writeln!(o, "Generator CPU share in the same runs:\n");
    table(
        &mut o,
        plan,
        res,
        Mode::Throughput,
        &|s| Some(s.report.gen_cpu),
        &|v| format!("{v:.2}"),
        false,
    );
    bottleneck(&mut o, plan, res);
    if !res.failures.is_empty() {
        let _ = writeln!(o, "## Failed runs\n");
        for f in &res.failures {
            let _ = writeln!(o, "- {f}");
        }
        o.push('\n');
    }
    o
}
