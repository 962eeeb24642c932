//! End-to-end fan-out over loopback WebSocket (MessagePack): a router, `SUBSCRIBERS`
//! subscribers reading in their own tasks, and one publisher sending EVENTS events in
//! rounds of `ROUND` (each round waits until every subscriber got it, so no queue
//! overflows); all in this process on tokio. Prints delivered events per second.
//!
//! `cargo run --release -p ferrobahn-router --example bench_fanout [EVENTS] [SUBSCRIBERS] [PAYLOAD_BYTES]`

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ferrobahn_router::RouterConfig;
use ferrobahn_wamp::message::{Publish, Subscribe};
use ferrobahn_wamp::{Id, Message, Payload, Role};

#[path = "shared/peer.rs"]
mod peer;
use peer::{connect, join, recv, send};

const ROUND: u64 = 500;

fn arg(n: usize, default: u64) -> u64 {
    std::env::args()
        .nth(n)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() {
    let events = arg(1, 20_000);
    let subscribers = arg(2, 100);
    let size = arg(3, 20) as usize;
    let listener = ferrobahn_tokio::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router =
        ferrobahn_router::start(ferrobahn_tokio::runtime(), RouterConfig::default()).unwrap();
    let r = router.clone();
    tokio::spawn(async move { r.serve(listener).await });

    let received = Arc::new(AtomicU64::new(0));
    for _ in 0..subscribers {
        let (mut ws, ser) = connect(addr).await;
        join(&mut ws, &ser, &[Role::Subscriber]).await;
        let subscribe = Subscribe {
            request: Id::new(1).unwrap(),
            topic: "com.fanout".into(),
            ..Default::default()
        };
        send(&mut ws, &ser, Message::Subscribe(subscribe)).await;
        assert!(matches!(recv(&mut ws, &ser).await, Message::Subscribed(_)));
        let received = received.clone();
        tokio::spawn(async move {
            loop {
                match ws.recv().await {
                    Some(Ok(_)) => {
                        received.fetch_add(1, Ordering::Relaxed);
                    }
                    Some(Err(e)) => {
                        eprintln!("a subscriber failed: {e}");
                        return;
                    }
                    None => {
                        eprintln!("a subscriber was closed");
                        return;
                    }
                }
            }
        });
    }

    let (mut publisher, ser) = connect(addr).await;
    join(&mut publisher, &ser, &[Role::Publisher]).await;
    let payload = Payload::from_args(&("x".repeat(size),)).unwrap();
    let t = Instant::now();
    let mut sent = 0;
    while sent < events {
        let round = ROUND.min(events - sent);
        for _ in 0..round {
            sent += 1;
            let publish = Publish {
                request: Id::new(sent).unwrap(),
                topic: "com.fanout".into(),
                payload: payload.clone(),
                ..Default::default()
            };
            send(&mut publisher, &ser, Message::Publish(publish)).await;
        }
        // The publisher is not read, so nothing else drives its writes out.
        publisher.flush().await.unwrap();
        let want = sent * subscribers;
        let waiting = Instant::now();
        while received.load(Ordering::Relaxed) < want {
            tokio::time::sleep(Duration::from_micros(200)).await;
            if waiting.elapsed() > Duration::from_secs(10) {
                eprintln!(
                    "stuck: {} of {want} events delivered after {sent} published",
                    received.load(Ordering::Relaxed)
                );
                std::process::exit(1);
            }
        }
    }
    let secs = t.elapsed().as_secs_f64();
    let delivered = events * subscribers;
    println!(
        "{events} events x {subscribers} subscribers ({size} B) in {secs:.2} s = {:.0} delivered events/s \
         (router, publisher and subscribers in one process)",
        delivered as f64 / secs
    );
    router.shutdown();
}
