//! The "Call latency against load" table: the latency cells of every load (the
//! half-load cell and the [`Scenario::LatencyAt`] ones) side by side per router and
//! serializer, and for each router the highest load whose p99 stayed under 1 ms.

use std::fmt::Write as _;

use super::super::measure::Results;
use super::super::saved::Saved;
use super::super::{Cell, RouterKind, Scenario};
use super::{cells, cpu, rate, us, B, C, F};

/// The p99 the issue asks for at half load, microseconds.
const P99_TARGET_US: f64 = 1000.0;

/// The routers of the latency cells, in table order.
const ROUTERS: [RouterKind; 3] = [F, B, C];

/// Whether `k` has a result (or a failure) for `c`.
fn measured(r: &Results, k: RouterKind, c: &Cell) -> bool {
    !r.reports(k, c).is_empty() || r.error_of(k, c).is_some()
}

/// The latency cells of `msgpack` in `s`, lowest load first.
fn curve(s: &Saved, msgpack: bool) -> Vec<(u8, Cell)> {
    let mut v: Vec<(u8, Cell)> = cells(s, move |c| c.msgpack == msgpack)
        .filter_map(|c| Some((c.scenario.load_percent()?, c)))
        .collect();
    v.sort_by_key(|(p, _)| *p);
    v
}

/// For `k` with one serializer: the highest load whose median p99 was under 1 ms
/// (`curve` lowest first), or why there is none.
fn highest_under(r: &Results, k: RouterKind, curve: &[(u8, Cell)], ser: &str) -> Option<String> {
    let p99 = |c: &Cell| r.median_of(k, c, |x| x.p99_us);
    let measured: Vec<&(u8, Cell)> = curve.iter().filter(|(_, c)| measured(r, k, c)).collect();
    let (lowest, low_cell) = measured.first()?;
    let best = measured
        .iter()
        .rev()
        .find(|(_, c)| p99(c).is_some_and(|v| v < P99_TARGET_US));
    Some(match best {
        Some((p, c)) => format!(
            "{ser} up to {p}% of its peak ({} calls/s, p99 {})",
            rate(r, k, c),
            us(p99(c))
        ),
        None => format!(
            "{ser} at none of the measured loads (at {lowest}%: p99 {})",
            us(p99(low_cell))
        ),
    })
}

/// Appends the section (nothing when `s` has no latency cell beside the half-load ones).
pub(super) fn render(o: &mut String, s: &Saved) {
    if cells(s, |c| matches!(c.scenario, Scenario::LatencyAt { .. }))
        .next()
        .is_none()
    {
        return;
    }
    let r = &s.results;
    let _ = writeln!(o, "\n### Call latency against load\n");
    let _ = writeln!(
        o,
        "The latency cell above at further shares of the same round's one-callee calls/s \
         of each router (load = that share; 50% is the half-load cell), everything else \
         alike. Medians over the rounds; the lines below name, per router, the highest \
         load whose median p99 was under 1 ms.\n"
    );
    let _ = writeln!(
        o,
        "| serializer | router | load | calls/s | router CPU | p50 | p99 | p99 clear |"
    );
    let _ = writeln!(o, "|---|---|---:|---:|---:|---:|---:|---:|");
    let sers: Vec<bool> = {
        let mut v = Vec::new();
        for c in cells(s, |c| c.scenario.load_percent().is_some()) {
            if !v.contains(&c.msgpack) {
                v.push(c.msgpack);
            }
        }
        v
    };
    let curves: Vec<(bool, Vec<(u8, Cell)>)> = sers.iter().map(|&m| (m, curve(s, m))).collect();
    for (_, curve) in &curves {
        for k in ROUTERS {
            for (p, c) in curve.iter().filter(|(_, c)| measured(r, k, c)) {
                let _ = writeln!(
                    o,
                    "| {} | {} | {p}% | {} | {} | {} | {} | {} |",
                    c.ser(),
                    k.name(),
                    rate(r, k, c),
                    cpu(r, k, c, |x| x.router_cpu),
                    us(r.median_of(k, c, |x| x.p50_us)),
                    us(r.median_of(k, c, |x| x.p99_us)),
                    us(r.median_of(k, c, |x| x.p99_clear_us)),
                );
            }
        }
    }
    let _ = writeln!(o, "\nHighest measured load with p99 under 1 ms:\n");
    for k in ROUTERS {
        let parts: Vec<String> = curves
            .iter()
            .filter_map(|(m, curve)| {
                let ser = if *m { "msgpack" } else { "json" };
                highest_under(r, k, curve, ser)
            })
            .collect();
        if !parts.is_empty() {
            let _ = writeln!(o, "- {}: {}", k.name(), parts.join("; "));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::measure::Run;
    use super::super::super::saved::Meta;
    use super::super::render as render_section;
    use super::*;
    use crate::report::DriverReport;

    fn run(k: RouterKind, scenario: Scenario, round: usize, rate: f64, p99: f64) -> Run {
        Run {
            round,
            router: k.name().into(),
            cell: Cell {
                scenario,
                msgpack: false,
            },
            result: Ok(DriverReport {
                rate,
                router_cpu: Some(0.25),
                driver_cpu: 0.5,
                p50_us: Some(80.0),
                p99_us: Some(p99),
                p99_clear_us: Some(p99 / 2.0),
                ..Default::default()
            }),
        }
    }

    fn saved(runs: Vec<Run>) -> Saved {
        Saved {
            meta: Meta::default(),
            results: Results {
                runs,
                ..Default::default()
            },
        }
    }

    #[test]
    fn renders_the_curve_and_the_highest_load_under_1_ms() {
        let at = |percent| Scenario::LatencyAt { percent };
        let s = saved(vec![
            run(F, Scenario::Rpc { callees: 1 }, 0, 400_000.0, 9000.0),
            // Out of load order, as the runner runs them: 50, then 10, then 25.
            run(F, Scenario::Latency, 0, 200_000.0, 4000.0),
            run(F, at(10), 0, 40_000.0, 300.0),
            run(F, at(25), 0, 100_000.0, 800.0),
            // Three rounds of 25% on Crossbar.io: the median p99 is 1.20 ms.
            run(C, at(10), 0, 500.0, 1100.0),
            run(C, at(25), 0, 1_250.0, 900.0),
            run(C, at(25), 1, 1_250.0, 1200.0),
            run(C, at(25), 2, 1_250.0, 1500.0),
            Run {
                round: 0,
                router: C.name().into(),
                cell: Cell {
                    scenario: Scenario::Latency,
                    msgpack: false,
                },
                result: Err("no one-callee RPC rate in this round".into()),
            },
        ]);
        let mut o = String::new();
        render(&mut o, &s);
        let rows: Vec<&str> = o.lines().filter(|l| l.starts_with("| json")).collect();
        assert_eq!(
            rows,
            [
                "| json | ferrobahn | 10% | 40.0 k | 25% | 80 µs | 300 µs | 150 µs |",
                "| json | ferrobahn | 25% | 100.0 k | 25% | 80 µs | 800 µs | 400 µs |",
                "| json | ferrobahn | 50% | 200.0 k | 25% | 80 µs | 4.00 ms | 2.00 ms |",
                "| json | crossbar | 10% | 500 | 25% | 80 µs | 1.10 ms | 550 µs |",
                "| json | crossbar | 25% | 1.25 k | 25% | 80 µs | 1.20 ms | 600 µs |",
                "| json | crossbar | 50% | failed (no one-callee RPC rate in this round) | - | - | - | - |",
            ],
            "{o}"
        );
        assert!(
            o.contains("- ferrobahn: json up to 25% of its peak (100.0 k calls/s, p99 800 µs)\n"),
            "{o}"
        );
        assert!(
            o.contains("- crossbar: json at none of the measured loads (at 10%: p99 1.10 ms)\n"),
            "{o}"
        );
        // No busy-polling router in this set: no row, no line.
        assert!(!o.contains("ferrobahn-busypoll"), "{o}");
        // The whole section has it after the half-load table, which is unchanged.
        let md = render_section(&s);
        let half = md
            .find("### Call latency at half of each router's peak")
            .unwrap();
        let curve = md.find("### Call latency against load").unwrap();
        assert!(half < curve && curve < md.find("### Memory per idle session").unwrap());
        assert!(md.contains("| json | ferrobahn | 200.0 k | 25% | 80 µs | 4.00 ms | 2.00 ms |"));
    }

    #[test]
    fn both_serializers_on_one_line_per_router() {
        let mut runs = vec![
            run(B, Scenario::LatencyAt { percent: 10 }, 0, 40_000.0, 700.0),
            run(B, Scenario::Latency, 0, 200_000.0, 999.0),
        ];
        let mut m = run(B, Scenario::LatencyAt { percent: 10 }, 0, 45_000.0, 2000.0);
        m.cell.msgpack = true;
        runs.push(m);
        let mut o = String::new();
        render(&mut o, &saved(runs));
        assert!(
            o.contains(
                "- ferrobahn-busypoll: json up to 50% of its peak (200.0 k calls/s, p99 999 µs); \
                 msgpack at none of the measured loads (at 10%: p99 2.00 ms)\n"
            ),
            "{o}"
        );
        assert!(
            o.contains("| msgpack | ferrobahn-busypoll | 10% | 45.0 k |"),
            "{o}"
        );
    }

    #[test]
    fn nothing_without_curve_cells() {
        let s = saved(vec![run(F, Scenario::Latency, 0, 200_000.0, 4000.0)]);
        let mut o = String::new();
        render(&mut o, &s);
        assert!(o.is_empty());
        assert!(!render_section(&s).contains("against load"));
    }
}
