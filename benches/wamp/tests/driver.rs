//! Every driver scenario against our router, in process on one tokio runtime, with
//! short windows: each one sets up, moves load, and reports sane numbers. No speed is
//! asserted (the machine may be busy): only that load moved and the figures are
//! consistent.

use std::time::Duration;

use ferrobahn_router::config::TransportConfig;
use ferrobahn_router::RouterConfig;
use ferrobahn_wamp_bench::driver::meter::Window;
use ferrobahn_wamp_bench::driver::{self, pubsub, rpc, Target};

const W: Window = Window {
    warmup: Duration::from_millis(100),
    duration: Duration::from_millis(300),
};

/// Serves the default router on a free port; its URL.
async fn router() -> String {
    let handle = ferrobahn_router::start(ferrobahn_tokio::runtime(), RouterConfig::default())
        .expect("router");
    let listener = ferrobahn_tokio::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let transport = TransportConfig::default();
    let url = format!("ws://{addr}{}", transport.path);
    tokio::spawn(async move { handle.serve_transport(listener, &transport).await });
    url
}

#[test]
fn scenarios_move_load_through_our_router() {
    let rt = driver::runtime().expect("runtime");
    rt.block_on(async {
        let url = router().await;
        for ser in ["wamp.2.json", "wamp.2.msgpack"] {
            let t = Target::new(&url, ser, "realm1").expect("target");
            for light in [true, false] {
                let spec = pubsub::Fanout {
                    subscribers: 3,
                    size: 4096,
                    // 100 publications in flight: a debug build on a busy machine
                    // works through a burst well within the window.
                    window_events: 300,
                    window_bytes: 0,
                    light,
                };
                let r = pubsub::run(&t, spec, W, None).await.expect("fanout");
                assert!(r.rate > 0.0, "{ser} light={light}: {r:?}");
                assert!(r.router_cpu.is_none());
            }
            let r = rpc::calls(&t, 4, 1, 16, 64, W, None).await.expect("rpc");
            assert!(r.rate > 0.0, "{ser}: {r:?}");
            let r = rpc::progressive(&t, 50, 64, 8, W, None)
                .await
                .expect("progressive");
            assert!(r.rate > 0.0 && r.p50_us.is_some(), "{ser}: {r:?}");
            let us = std::time::Duration::from_micros;
            let pace = rpc::Pace {
                rate: 2000.0,
                tick: us(20),
                rest: None,
            };
            // The light run with the thread's rests of a real-time driver.
            let resting = rpc::Pace {
                rest: Some(rpc::Rest {
                    every: us(500),
                    len: us(100),
                }),
                ..pace
            };
            for (light, pace) in [(false, pace), (true, resting)] {
                let file = std::env::temp_dir().join(format!(
                    "wamp-driver-samples-{}-{ser}-{light}.csv",
                    std::process::id()
                ));
                let r = rpc::latency(&t, pace, 64, light, W, None, Some(&file))
                    .await
                    .expect("latency");
                let samples = r.samples.expect("samples");
                // Open loop at 2,000 calls/s for 0.3 s: some calls, never more than the
                // pacer may start (about 600; a late pacer starts fewer, never more).
                assert!((1..=900).contains(&samples), "{ser} light={light}: {r:?}");
                assert!(r.p50_us.expect("p50") <= r.p99_us.expect("p99"));
                // --samples-out: one line per round trip of the window.
                let text = std::fs::read_to_string(&file).expect("samples file");
                let _ = std::fs::remove_file(&file);
                let rows = text.lines().filter(|l| !l.starts_with("stall")).count();
                assert_eq!(
                    rows as u64,
                    samples + 1,
                    "{ser} light={light}: header + rows"
                );
            }
        }
    });
}
