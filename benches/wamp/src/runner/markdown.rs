//! The "WAMP router vs Crossbar.io" section of `benches/RESULTS.md`.

mod curve;

use std::fmt::Write as _;

use super::measure::Results;
use super::saved::Saved;
use super::{size_label, Cell, RouterKind, Scenario, CHUNKS, RPC_IN_FLIGHT};
use crate::driver::rpc::PROGRESS_BATCH;
use crate::report::DriverReport;

const F: RouterKind = RouterKind::Ferrobahn;
const B: RouterKind = RouterKind::FerrobahnBusyPoll;
const C: RouterKind = RouterKind::Crossbar;
const R: RouterKind = RouterKind::Raw;

/// The target: this many times Crossbar.io's rate.
const TARGET: f64 = 20.0;

fn share(a: Option<f64>, b: Option<f64>) -> String {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => format!("{:.0}%", a / b * 100.0),
        _ => "-".into(),
    }
}

/// `1234567` -> `1.23 M`, `45678` -> `45.7 k`.
pub fn si(v: f64) -> String {
    if v >= 1e6 {
        format!("{:.2} M", v / 1e6)
    } else if v >= 1e4 {
        format!("{:.1} k", v / 1e3)
    } else if v >= 1e3 {
        format!("{:.2} k", v / 1e3)
    } else {
        format!("{v:.0}")
    }
}

fn opt(v: Option<f64>, f: impl Fn(f64) -> String) -> String {
    v.map_or_else(|| "-".to_owned(), f)
}

fn pct(v: Option<f64>) -> String {
    opt(v, |x| format!("{:.0}%", x * 100.0))
}

fn us(v: Option<f64>) -> String {
    opt(v, |x| {
        if x >= 1000.0 {
            format!("{:.2} ms", x / 1000.0)
        } else {
            format!("{x:.0} µs")
        }
    })
}

fn ratio(a: Option<f64>, b: Option<f64>) -> String {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => format!("{:.1}x", a / b),
        _ => "-".into(),
    }
}

fn rate(r: &Results, k: RouterKind, c: &Cell) -> String {
    match r.median_of(k, c, |x| Some(x.rate)) {
        Some(v) => si(v),
        None => r.error_of(k, c).map_or("-".into(), |e| {
            format!("failed ({})", e.lines().next().unwrap_or(""))
        }),
    }
}

fn cpu(r: &Results, k: RouterKind, c: &Cell, f: impl Fn(&DriverReport) -> Option<f64>) -> String {
    pct(r.median_of(k, c, f))
}

fn cells<'a>(s: &'a Saved, pred: impl Fn(&Cell) -> bool + 'a) -> impl Iterator<Item = Cell> + 'a {
    let mut v: Vec<Cell> = Vec::new();
    for run in &s.results.runs {
        if pred(&run.cell) && !v.contains(&run.cell) {
            v.push(run.cell);
        }
    }
    v.into_iter()
}

/// Renders the section (with its `##` heading).
pub fn render(s: &Saved) -> String {
    let r = &s.results;
    let m = &s.meta;
    let mut o = String::new();
    let _ = writeln!(o, "## WAMP router vs Crossbar.io\n");
    let _ = writeln!(
        o,
        "`ferrobahn router` (tokio, one worker thread) against Crossbar.io {} (one router \
         worker), each pinned to CPU 1 with `taskset`, the driver `wamp-driver` (our \
         `ferrobahn-client`, one thread) on CPU 0. Medians over the rounds; ratio = \
         ferrobahn / Crossbar.io; CPU = share of one core over the measured window.\n",
        if m.crossbar.is_empty() {
            "?"
        } else {
            &m.crossbar
        }
    );
    let _ = writeln!(o, "- date: {}; tree: `{}`", m.date, m.commit);
    let _ = writeln!(o, "- machine: {}", m.machine);
    let _ = writeln!(
        o,
        "- load average (1/5/15 min) before: {}, after: {}; wall time {:.0} s",
        m.load_before, m.load_after, m.wall_secs
    );
    let other: Vec<f64> = r
        .runs
        .iter()
        .filter_map(|x| x.result.as_ref().ok()?.other_cpu)
        .collect();
    let _ = writeln!(
        o,
        "- other processes' CPU during the measured windows (median): {}",
        pct(crate::report::median(&other))
    );
    let _ = writeln!(o, "- plan: {}", m.plan);
    let _ = writeln!(o, "- command: `{}`\n", m.command);

    let _ = writeln!(o, "### PubSub fan-out: events delivered per second\n");
    let _ = writeln!(
        o,
        "One publisher, N subscribers of one topic, a bounded number of publications in \
         flight: 4,000 events divided among the subscribers (16 to 1,000 publications), \
         and at most 512 KiB of payload per subscriber (so 128 publications of 4 KiB to 1 \
         or 10 subscribers). Subscribers join and subscribe through the client's session core, then \
         count EVENT messages at the WebSocket layer (no WAMP decode), so one driver core \
         can absorb what a router sends; the driver check below repeats some cells with \
         full client sessions.\n"
    );
    let _ = writeln!(
        o,
        "Raw fan-out (machine limit) is no router: `raw-fanout` (benches/wamp/src/rawfanout), \
         pinned, niced and scheduled like the routers and driven by the same publisher and \
         light subscribers with the same publications in flight. It answers the setup \
         (WebSocket handshake, HELLO, SUBSCRIBE) and decodes the first PUBLISH once to \
         build the EVENT frame a router would send for it (same payload, same size); from \
         then on it counts the publisher's frames without unmasking or decoding them, and \
         for each read of the publisher's socket that completes k publications it writes k \
         copies of that pre-built frame to every subscriber socket, one `write` per socket \
         (up to 256 KiB each; a full socket waits for writability in its own task). That \
         is what the kernel requires of any router, a write per socket per batch and every \
         byte copied into every socket, with no WAMP work; ferrobahn / raw is ferrobahn's \
         share of it.\n"
    );
    let _ = writeln!(
        o,
        "| serializer | payload | subscribers | ferrobahn | Crossbar.io | ratio | raw fan-out (machine limit) | ferrobahn / raw | ferrobahn router CPU | driver CPU (ferrobahn) | Crossbar router CPU | raw server CPU |"
    );
    let _ = writeln!(
        o,
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    let mut beyond = Vec::new();
    for c in cells(s, |c| {
        matches!(c.scenario, Scenario::Fanout { light: true, .. })
    }) {
        let Scenario::Fanout {
            subscribers, size, ..
        } = c.scenario
        else {
            continue;
        };
        let (f, cb, raw) = (
            r.median_of(F, &c, |x| Some(x.rate)),
            r.median_of(C, &c, |x| Some(x.rate)),
            r.median_of(R, &c, |x| Some(x.rate)),
        );
        let _ = writeln!(
            o,
            "| {} | {} | {subscribers} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            c.ser(),
            size_label(size),
            rate(r, F, &c),
            rate(r, C, &c),
            ratio(f, cb),
            rate(r, R, &c),
            share(f, raw),
            cpu(r, F, &c, |x| x.router_cpu),
            cpu(r, F, &c, |x| Some(x.driver_cpu)),
            cpu(r, C, &c, |x| x.router_cpu),
            cpu(r, R, &c, |x| x.router_cpu),
        );
        if let (Some(cb), Some(raw)) = (cb, raw) {
            if TARGET * cb > raw {
                beyond.push(format!(
                    "- {} {} to {subscribers}: {TARGET:.0}x Crossbar.io = {} events/s; the \
                     machine's limit (raw fan-out) = {} events/s ({:.1}x Crossbar.io)",
                    c.ser(),
                    size_label(size),
                    si(TARGET * cb),
                    si(raw),
                    raw / cb
                ));
            }
        }
    }
    if !beyond.is_empty() {
        let _ = writeln!(
            o,
            "\nCells where {TARGET:.0}x Crossbar.io is beyond what this machine can deliver at all:\n"
        );
        for b in beyond {
            let _ = writeln!(o, "{b}");
        }
    }

    let _ = writeln!(o, "\n### RPC\n");
    let _ = writeln!(
        o,
        "One caller with {RPC_IN_FLIGHT} calls in flight of an echo procedure (64 B argument); \
         the shared registration has 4 callees with `invoke: roundrobin`. The progressive stream is \
         one call at a time whose callee sends {CHUNKS} progressive results of 64 B and a \
         final result, handing them to its client {PROGRESS_BATCH} at a time with a yield to \
         the runtime in between (rate = progressive results/s; p50 = one whole stream).\n"
    );
    let _ = writeln!(
        o,
        "| serializer | scenario | ferrobahn | Crossbar.io | ratio | ferrobahn router CPU | driver CPU (ferrobahn) | Crossbar router CPU |"
    );
    let _ = writeln!(o, "|---|---|---:|---:|---:|---:|---:|---:|");
    for c in cells(s, |c| {
        matches!(c.scenario, Scenario::Rpc { .. } | Scenario::Progressive)
    }) {
        let what = match c.scenario {
            Scenario::Rpc { callees: 1 } => "calls/s, 1 callee".to_owned(),
            Scenario::Rpc { callees } => format!("calls/s, {callees} callees roundrobin"),
            _ => format!(
                "progressive results/s (stream p50 {} / {})",
                us(r.median_of(F, &c, |x| x.p50_us)),
                us(r.median_of(C, &c, |x| x.p50_us))
            ),
        };
        let _ = writeln!(
            o,
            "| {} | {what} | {} | {} | {} | {} | {} | {} |",
            c.ser(),
            rate(r, F, &c),
            rate(r, C, &c),
            ratio(
                r.median_of(F, &c, |x| Some(x.rate)),
                r.median_of(C, &c, |x| Some(x.rate))
            ),
            cpu(r, F, &c, |x| x.router_cpu),
            cpu(r, F, &c, |x| Some(x.driver_cpu)),
            cpu(r, C, &c, |x| x.router_cpu),
        );
    }

    let _ = writeln!(o, "\n### Call latency at half of each router's peak\n");
    let _ = writeln!(
        o,
        "Calls started open-loop at half of the same round's one-callee calls/s of that \
         router, the calls that fell due within one tick (see the plan) started together, \
         by a light caller to a light callee (joined and registered with the client's \
         session core, then CALL/RESULT and INVOCATION/YIELD through the serializer \
         directly, so that one driver core can start half a router's peak); \
         every call due in the window is a sample, its round trip counted from its due \
         time (so the wait for the tick and any lateness of the driver count). Calls a \
         few at a time batch less than the peak's 256 in flight, so the router's CPU share \
         shows how near saturation that rate is. `ferrobahn-busypoll` is `ferrobahn \
         router` with the busy-polling options in the plan: while traffic flows its thread \
         polls for I/O instead of sleeping (its CPU share reads its polling share), which \
         saves a cross-CPU wake-up per message (tens of µs on this VM). With SCHED_FIFO \
         (`--realtime`) it polls at most 94% of every 2 ms and rests the remaining 120 µs \
         with its thread blocked, so the RT throttling (95%, a 50 ms stop) never strikes \
         and no ordinary process preempts it; without, it spins at 100% as an ordinary \
         process. With SCHED_FIFO routers the latency driver runs SCHED_FIFO as well and \
         blocks its thread for 120 µs after every 1.88 ms (so RT throttling never stops \
         its spinning pacer). The driver's pacer \
         spins and notices when it comes back more than 1 ms late, from a wait or from \
         one of those rests (its thread descheduled, held up, or not woken on time); p99 \
         clear leaves out the round trips that overlap such a driver stall. Run-queue wait = time the process was runnable but another process had \
         its CPU (schedstat), over the window.\n"
    );
    let _ = writeln!(
        o,
        "| serializer | router | calls/s | router CPU | p50 | p99 | p99 clear | driver stalls (ms) | driver run-queue wait | router run-queue wait |"
    );
    let _ = writeln!(o, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for c in cells(s, |c| c.scenario == Scenario::Latency) {
        for k in [F, B, C] {
            if r.reports(k, &c).is_empty() && r.error_of(k, &c).is_none() {
                continue;
            }
            let ms = |v: Option<f64>| opt(v, |x| format!("{x:.1} ms"));
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} | {} | {} ({}) | {} | {} |",
                c.ser(),
                k.name(),
                rate(r, k, &c),
                cpu(r, k, &c, |x| x.router_cpu),
                us(r.median_of(k, &c, |x| x.p50_us)),
                us(r.median_of(k, &c, |x| x.p99_us)),
                us(r.median_of(k, &c, |x| x.p99_clear_us)),
                opt(
                    r.median_of(k, &c, |x| x.driver_stalls.map(|n| n as f64)),
                    |n| { format!("{n:.0}") }
                ),
                ms(r.median_of(k, &c, |x| x.driver_stall_ms)),
                ms(r.median_of(k, &c, |x| x.driver_wait_ms)),
                ms(r.median_of(k, &c, |x| x.router_wait_ms)),
            );
        }
    }

    curve::render(&mut o, s);

    let _ = writeln!(o, "\n### Memory per idle session\n");
    let _ = writeln!(
        o,
        "Router RSS with N joined idle sessions (JSON, from 127.0.0.1-4) minus its RSS \
         before, divided by N; a fresh router per round.\n"
    );
    let _ = writeln!(o, "| router | sessions | bytes per idle session |");
    let _ = writeln!(o, "|---|---:|---:|");
    for k in [F, C] {
        let n = r
            .idle
            .iter()
            .find(|i| i.router == k.name())
            .map_or(0, |i| i.sessions);
        let _ = writeln!(
            o,
            "| {} | {n} | {} |",
            k.name(),
            opt(r.idle_bytes(k), |b| format!("{b:.0}"))
        );
    }

    let full: Vec<Cell> = cells(s, |c| {
        matches!(c.scenario, Scenario::Fanout { light: false, .. })
    })
    .collect();
    if !full.is_empty() {
        let _ = writeln!(o, "\n### Driver check: light vs full-client subscribers\n");
        let _ = writeln!(
            o,
            "The same fan-out with every subscriber a full `Client` session (WAMP decode, \
             session core, handler). Where the full-client rate is lower while the router \
             is not busy, the driver limits that configuration; the light rate is the \
             router's.\n"
        );
        let _ = writeln!(
            o,
            "| cell | ferrobahn light | ferrobahn full | router CPU light / full | driver CPU light / full | Crossbar light | Crossbar full |"
        );
        let _ = writeln!(o, "|---|---:|---:|---:|---:|---:|---:|");
        for c in full {
            let Scenario::Fanout {
                subscribers, size, ..
            } = c.scenario
            else {
                continue;
            };
            let light = Cell {
                scenario: Scenario::Fanout {
                    subscribers,
                    size,
                    light: true,
                },
                msgpack: c.msgpack,
            };
            let _ = writeln!(
                o,
                "| {} 1 -> {subscribers} x {} | {} | {} | {} / {} | {} / {} | {} | {} |",
                c.ser(),
                size_label(size),
                rate(r, F, &light),
                rate(r, F, &c),
                cpu(r, F, &light, |x| x.router_cpu),
                cpu(r, F, &c, |x| x.router_cpu),
                cpu(r, F, &light, |x| Some(x.driver_cpu)),
                cpu(r, F, &c, |x| Some(x.driver_cpu)),
                rate(r, C, &light),
                rate(r, C, &c),
            );
        }
    }
    if !r.failures.is_empty() {
        let _ = writeln!(o, "\nFailures:\n");
        for f in &r.failures {
            let _ = writeln!(o, "- {f}");
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::super::measure::{IdleRun, Run};
    use super::super::saved::Meta;
    use super::*;

    #[test]
    fn si_units() {
        assert_eq!(si(1_234_567.0), "1.23 M");
        assert_eq!(si(45_678.0), "45.7 k");
        assert_eq!(si(2_500.0), "2.50 k");
        assert_eq!(si(12.0), "12");
    }

    fn run(router: RouterKind, cell: Cell, rate: f64) -> Run {
        Run {
            round: 0,
            router: router.name().into(),
            cell,
            result: Ok(DriverReport {
                rate,
                router_cpu: Some(1.0),
                driver_cpu: 0.5,
                ..Default::default()
            }),
        }
    }

    #[test]
    fn renders_ratios_and_idle() {
        let cell = Cell {
            scenario: Scenario::Fanout {
                subscribers: 100,
                size: 64,
                light: true,
            },
            msgpack: true,
        };
        let big = Cell {
            scenario: Scenario::Fanout {
                subscribers: 100,
                size: 4096,
                light: true,
            },
            msgpack: true,
        };
        let rpc = Cell {
            scenario: Scenario::Rpc { callees: 1 },
            msgpack: false,
        };
        let s = Saved {
            meta: Meta::default(),
            results: Results {
                runs: vec![
                    run(F, cell, 1_000_000.0),
                    run(C, cell, 40_000.0),
                    run(R, cell, 2_000_000.0),
                    run(F, big, 400_000.0),
                    run(C, big, 40_000.0),
                    run(R, big, 600_000.0),
                    run(F, rpc, 300_000.0),
                    Run {
                        round: 0,
                        router: C.name().into(),
                        cell: rpc,
                        result: Err("boom\nmore".into()),
                    },
                ],
                idle: vec![IdleRun {
                    round: 0,
                    router: F.name().into(),
                    sessions: 10,
                    before_kib: 100,
                    after_kib: 110,
                }],
                failures: Vec::new(),
            },
        };
        let md = render(&s);
        assert!(
            md.contains(
                "| msgpack | 64 B | 100 | 1.00 M | 40.0 k | 25.0x | 2.00 M | 50% | 100% | 50% | 100% | 100% |"
            ),
            "{md}"
        );
        assert!(
            md.contains(
                "- msgpack 4 KiB to 100: 20x Crossbar.io = 800.0 k events/s; the machine's limit (raw fan-out) = 600.0 k events/s (15.0x Crossbar.io)"
            ),
            "{md}"
        );
        // 64 B: 20x Crossbar.io (800 k) is below the raw rate, so no line.
        assert!(!md.contains("- msgpack 64 B"), "{md}");
        assert!(
            md.contains("| json | calls/s, 1 callee | 300.0 k | failed (boom) | - |"),
            "{md}"
        );
        assert!(md.contains("| ferrobahn | 10 | 1024 |"), "{md}");
    }
}
