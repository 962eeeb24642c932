//! Measures RPC through a router with two sessions on one single-threaded tokio runtime
//! (as the `wamp-driver` load driver runs them): a callee registers an echo procedure, a
//! caller calls it one call at a time (round-trip time) and with many calls in flight
//! (throughput). For both it prints this process's CPU time per call (from
//! `/proc/thread-self/schedstat`, so a busy machine changes it little): the client's
//! cost per call, caller and callee together.
//!
//! ```text
//! cargo run --release -p ferrobahn-client --example call_bench -- \
//!     [ws://127.0.0.1:8080/ws] [calls=20000] [in_flight=64] [serializer=wamp.2.msgpack] [size=64] \
//!     [phases=both|seq|flight|batch]
//! ```
//!
//! `phases=both` runs `calls / 4` calls one at a time, then `calls` with `in_flight` in
//! flight; `seq` runs only `calls` one at a time, `flight` only the second phase, `batch`
//! runs `calls` in batches of `in_flight` started together (the next batch starts when
//! the whole batch is done, as a paced latency driver sends calls due together). For
//! instructions per call, run `valgrind --tool=callgrind` twice with different `calls`
//! for one phase and divide the difference.

use std::time::{Duration, Instant};

use ferrobahn_client::transport::connect_websocket;
use ferrobahn_client::wamp::{Payload, Value};
use ferrobahn_client::{Client, ClientConfig, Invocation, JoinOptions};
use ferrobahn_serializers::Serializer;
use futures_util::stream::{FuturesUnordered, StreamExt};

async fn client(url: &str, subprotocol: &str) -> Client {
    let hostport = url
        .trim_start_matches("ws://")
        .split('/')
        .next()
        .expect("host:port");
    let tcp = tokio::net::TcpStream::connect(hostport)
        .await
        .expect("connect");
    tcp.set_nodelay(true).expect("nodelay");
    let ser = Serializer::from_subprotocol(subprotocol).expect("serializer");
    let t = connect_websocket(
        ferrobahn_tokio::runtime(),
        ferrobahn_tokio::TokioIo(tcp),
        url,
        &[ser],
        Default::default(),
    )
    .await
    .expect("websocket");
    let c = Client::new(ferrobahn_tokio::runtime(), t, ClientConfig::default());
    c.join(JoinOptions::new("realm1")).await.expect("join");
    c
}

/// CPU time this thread has run (the runtime is single-threaded), or zero where
/// `/proc` does not tell.
fn cpu_time() -> Duration {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .map_or(Duration::ZERO, Duration::from_nanos)
}

/// Wall and CPU time of `f`, printed per call.
async fn timed<F: std::future::Future<Output = ()>>(what: &str, calls: usize, f: F) {
    let (wall, cpu) = (Instant::now(), cpu_time());
    f.await;
    let (wall, cpu) = (wall.elapsed(), cpu_time() - cpu);
    let n = calls as f64;
    println!(
        "{what}: {calls} calls, {:.0} calls/s, wall {:.2} us/call, CPU {:.3} us/call ({:.0}% of one core)",
        n / wall.as_secs_f64(),
        wall.as_secs_f64() * 1e6 / n,
        cpu.as_secs_f64() * 1e6 / n,
        100.0 * cpu.as_secs_f64() / wall.as_secs_f64()
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let url = args
        .first()
        .cloned()
        .unwrap_or("ws://127.0.0.1:8080/ws".into());
    let calls: usize = args.get(1).map_or(20_000, |s| s.parse().expect("calls"));
    let in_flight: usize = args.get(2).map_or(64, |s| s.parse().expect("in_flight"));
    let ser = args.get(3).cloned().unwrap_or("wamp.2.msgpack".into());
    let size: usize = args.get(4).map_or(64, |s| s.parse().expect("size"));
    let phases = args.get(5).cloned().unwrap_or("both".into());
    let (seq, flight, batch) = match phases.as_str() {
        "both" => ((calls / 4).max(1), calls, 0),
        "seq" => (calls, 0, 0),
        "flight" => (0, calls, 0),
        "batch" => (0, 0, calls),
        other => panic!("phases: both, seq, flight or batch, not {other}"),
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio");
    rt.block_on(async move {
        let callee = client(&url, &ser).await;
        let caller = client(&url, &ser).await;
        let echo = |inv: Invocation| async move { Ok(inv.into_payload()) };
        callee
            .register("com.bench.echo", Default::default(), echo)
            .await
            .expect("register");
        let body = Payload::Args(vec![Value::Str("x".repeat(size))]);
        let one = |body: Payload| {
            let caller = &caller;
            async move {
                caller
                    .call_payload("com.bench.echo", body, Default::default())
                    .await
                    .expect("call");
            }
        };

        if seq > 0 {
            timed(&format!("{ser} one at a time"), seq, async {
                for _ in 0..seq {
                    one(body.clone()).await;
                }
            })
            .await;
        }

        if flight > 0 {
            timed(&format!("{ser} {in_flight} in flight"), flight, async {
                let mut pending = FuturesUnordered::new();
                let (mut sent, mut done) = (0, 0);
                while done < flight {
                    while sent < flight && pending.len() < in_flight {
                        pending.push(one(body.clone()));
                        sent += 1;
                    }
                    if pending.next().await.is_some() {
                        done += 1;
                    }
                }
            })
            .await;
        }
        if batch > 0 {
            let size = in_flight.max(1);
            timed(&format!("{ser} batches of {size}"), batch, async {
                let mut pending = FuturesUnordered::new();
                for start in (0..batch).step_by(size) {
                    for _ in start..batch.min(start + size) {
                        pending.push(one(body.clone()));
                    }
                    while pending.next().await.is_some() {}
                }
            })
            .await;
        }
        callee.disconnect().await;
        caller.disconnect().await;
    });
}
