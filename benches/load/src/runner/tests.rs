//! Rendering tests on synthetic results.

use super::markdown::{best_peer, render, RunInfo};
use super::measure::{IdleSample, Mode, Results, Sample};
use super::{parse_cell, Plan};
use crate::report::GenReport;

fn sample(msgs: f64, gen_cpu: f64) -> Sample {
    Sample {
        report: GenReport {
            msgs_per_sec: msgs,
            gen_cpu,
            server_cpu: Some(1.0),
            other_cpu: Some(0.01),
            p50_us: Some(100.0),
            p99_us: Some(250.0),
            ..GenReport::default()
        },
        peak_rss_kib: 4096,
    }
}

fn plan() -> Plan {
    let mut p = Plan::new(true);
    p.cells = vec![
        parse_cell("100x20").unwrap(),
        parse_cell("10x16k").unwrap(),
        parse_cell("1x1m+deflate").unwrap(),
    ];
    p
}

fn results(p: &Plan) -> Results {
    let mut r = Results::default();
    let rates: [(&str, [f64; 2]); 6] = [
        ("ferrobahn-tokio", [1_200_000.0, 20_000.0]),
        ("ferrobahn-async-std", [1_000_000.0, 15_000.0]),
        ("tokio-tungstenite", [800_000.0, 18_000.0]),
        ("fastwebsockets", [900_000.0, 19_000.0]),
        ("tokio-websockets", [850_000.0, 17_000.0]),
        ("raw-tcp", [1_400_000.0, 24_000.0]),
    ];
    for s in &p.servers {
        let (_, v) = rates.iter().find(|(n, _)| *n == s.name).unwrap();
        for (ci, m) in v.iter().enumerate() {
            for mode in [Mode::Throughput, Mode::Latency] {
                r.samples
                    .entry((ci, s.name, mode))
                    .or_default()
                    .push(sample(*m, 0.5));
            }
        }
        r.unsupported.insert((2, s.name));
    }
    r.idle
        .entry("ferrobahn-tokio")
        .or_default()
        .push(IdleSample {
            before_kib: 2000,
            after_kib: 2000 + 15_000,
            conns: 10_000,
        });
    r
}

#[test]
fn best_peer_is_the_fastest_peer() {
    let p = plan();
    let r = results(&p);
    assert_eq!(best_peer(&p, &r, 0), Some((900_000.0, "fastwebsockets")));
    assert_eq!(best_peer(&p, &r, 2), None);
}

#[test]
fn renders_ratios_verdicts_and_skips_empty_rows() {
    let p = plan();
    let r = results(&p);
    let md = render(&p, &r, &RunInfo::default());
    // 1.2 M / 0.9 M = 1.33x: met; 1.0 M / 0.9 M = 1.11x: not met.
    assert!(
        md.contains("| 100 x 20 B: >= 1.15x best peer | met (1.33x) | NOT met (1.11x) |"),
        "{md}"
    );
    // 20 k / 24 k raw = 0.83: met; 15 k / 24 k = 0.62: not met.
    assert!(
        md.contains("| 10 x 16 KiB: >= 75% of raw TCP | met (0.83x) | NOT met (0.62x) |"),
        "{md}"
    );
    assert!(md.contains("1.20 M"));
    // 15 000 KiB over 10 000 connections = 1536 bytes each.
    assert!(
        md.contains("| idle connection <= 2048 B RSS | met (1536 B) |"),
        "{md}"
    );
    // No server measured the deflate cell: no row for it.
    assert!(!md.contains("1 x 1 MiB + deflate |"), "{md}");
    // Generator capacity: 0.5 CPU / 1.2 M msg/s ...
    assert!(md.contains("| 100 x 20 B |") && md.contains("headroom"));
}

#[test]
fn saved_results_render_the_same() {
    let p = plan();
    let r = results(&p);
    let info = RunInfo {
        date: "today".into(),
        nice: -19,
        ..RunInfo::default()
    };
    let json = serde_json::to_string(&super::saved::Saved::new(&p, &r, &info)).unwrap();
    let saved: super::saved::Saved = serde_json::from_str(&json).unwrap();
    let (p2, r2, info2) = saved.restore().unwrap();
    assert_eq!(render(&p, &r, &info), render(&p2, &r2, &info2));
}
