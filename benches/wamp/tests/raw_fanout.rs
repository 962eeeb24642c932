//! The raw fan-out baseline server: N publications reach every one of N subscriber
//! sockets as N well-formed EVENT frames carrying the published payload, for full
//! client sessions (which decode them) and light subscribers (which count them), with
//! both serializers; and the driver's fan-out scenario runs against it, also while a
//! subscriber does not read.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ferrobahn_wamp::options::{PublishOptions, SubscribeOptions};
use ferrobahn_wamp::Value;
use ferrobahn_wamp_bench::driver::light::LightSubscriber;
use ferrobahn_wamp_bench::driver::meter::Window;
use ferrobahn_wamp_bench::driver::{self, payload, pubsub, Target};
use ferrobahn_wamp_bench::rawfanout::{self, setup, Config};
use tokio::sync::Notify;

const N: usize = 5;
const SIZE: usize = 4096;
const TIMEOUT: Duration = Duration::from_secs(30);

/// Serves the raw fan-out server (small writes, so partial frames and full sockets
/// happen) on a free port of this thread's `LocalSet`; its URL.
async fn server() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("ws://{}/ws", listener.local_addr().expect("addr"));
    let config = Config {
        max_write: 10_000,
        read_buffer: 5_000,
        ..Config::default()
    };
    tokio::task::spawn_local(rawfanout::serve(listener, config));
    url
}

/// Waits until `f` holds (polling), at most [`TIMEOUT`].
async fn until(what: &str, f: impl Fn() -> bool) {
    tokio::time::timeout(TIMEOUT, async {
        while !f() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("timed out: {what}"));
}

/// An EVENT as a full session decoded it: (subscriber index, subscription, args).
type Got = (usize, u64, Vec<Value>);

async fn fans_out_n_frames_to_n_sockets(url: &str, ser: &str, size: usize) {
    let t = Target::new(url, ser, "realm1").expect("target");
    // Full sessions decode every EVENT and record what they got.
    let got: Arc<Mutex<Vec<Got>>> = Arc::default();
    let full = t.clients(N).await.expect("subscribers");
    for (i, c) in full.iter().enumerate() {
        let got = got.clone();
        let sub = c
            .subscribe_fn(pubsub::TOPIC, SubscribeOptions::default(), move |e| {
                got.lock().unwrap().push((i, e.subscription.get(), e.args));
            })
            .await
            .expect("subscribe");
        drop(sub);
    }
    // Light subscribers count frames at the WebSocket layer.
    let counted = Arc::new(AtomicU64::new(0));
    let notify = Arc::new(Notify::new());
    for _ in 0..N {
        let s = LightSubscriber::connect(&t, pubsub::TOPIC)
            .await
            .expect("light subscriber");
        tokio::task::spawn_local(s.count(counted.clone(), notify.clone(), 1));
    }
    let publisher = t.client(None).await.expect("publisher");
    let body = payload(size);
    for _ in 0..N {
        publisher
            .publish(pubsub::TOPIC, body.clone(), PublishOptions::default())
            .await
            .expect("publish");
    }
    until("every event delivered", || {
        got.lock().unwrap().len() == N * N && counted.load(Ordering::Relaxed) == (N * N) as u64
    })
    .await;
    // Nothing more arrives than was published.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let got = got.lock().unwrap();
    assert_eq!(got.len(), N * N, "{ser}");
    assert_eq!(counted.load(Ordering::Relaxed), (N * N) as u64, "{ser}");
    let ferrobahn_wamp::Payload::Args(want) = body else {
        panic!("payload")
    };
    for i in 0..N {
        let mine: Vec<_> = got.iter().filter(|g| g.0 == i).collect();
        assert_eq!(mine.len(), N, "{ser}: subscriber {i}");
        for (_, sub, args) in mine {
            assert_eq!(*sub, setup::SUBSCRIPTION as u64);
            assert_eq!(args, &want);
        }
    }
}

#[test]
fn raw_fanout_server_delivers_every_frame_to_every_socket() {
    let rt = driver::runtime().expect("runtime");
    tokio::task::LocalSet::new().block_on(&rt, async {
        for ser in ["wamp.2.json", "wamp.2.msgpack"] {
            let url = server().await;
            fans_out_n_frames_to_n_sockets(&url, ser, SIZE).await;
            // A later publisher's payload is the one fanned out then.
            fans_out_n_frames_to_n_sockets(&url, ser, 64).await;
            // The driver's scenario moves load through the same server (no speed
            // asserted), while a subscriber that never reads fills its socket: the
            // others must not wait for it.
            let t = Target::new(&url, ser, "realm1").expect("target");
            let _stuck = LightSubscriber::connect(&t, pubsub::TOPIC)
                .await
                .expect("stuck subscriber");
            let spec = pubsub::Fanout {
                subscribers: 3,
                size: SIZE,
                // 100 publications in flight (see tests/driver.rs).
                window_events: 300,
                window_bytes: 0,
                light: true,
            };
            let w = Window {
                warmup: Duration::from_millis(100),
                duration: Duration::from_millis(300),
            };
            let r = pubsub::run(&t, spec, w, None).await.expect("fanout");
            assert!(r.rate > 0.0, "{ser}: {r:?}");
        }
    });
}
