//! Measures RPC through a router with two sessions on one tokio runtime: a callee
//! registers an echo procedure, a caller calls it sequentially (round-trip time) and
//! with many calls in flight (throughput).
//!
//! ```text
//! cargo run --release -p ferrobahn-client --example call_bench -- \
//!     [ws://127.0.0.1:8080/ws] [calls=20000] [in_flight=64] [serializer=wamp.2.msgpack]
//! ```

use std::time::Instant;

use ferrobahn_client::transport::connect_websocket;
use ferrobahn_client::wamp::Payload;
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

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let url = args
        .first()
        .cloned()
        .unwrap_or("ws://127.0.0.1:8080/ws".into());
    let calls: usize = args.get(1).map_or(20_000, |s| s.parse().expect("calls"));
    let in_flight: usize = args.get(2).map_or(64, |s| s.parse().expect("in_flight"));
    let ser = args.get(3).cloned().unwrap_or("wamp.2.msgpack".into());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("tokio");
    rt.block_on(async move {
        let callee = client(&url, &ser).await;
        let caller = client(&url, &ser).await;
        let echo = |inv: Invocation| async move { Ok(inv.data().payload()) };
        callee
            .register("com.bench.echo", Default::default(), echo)
            .await
            .expect("register");
        let one = || caller.call_with("com.bench.echo", Payload::Empty, Default::default());

        let seq = (calls / 10).max(1);
        let start = Instant::now();
        for _ in 0..seq {
            one().await.expect("call").result().await.expect("result");
        }
        let rtt = start.elapsed() / u32::try_from(seq).expect("count");
        println!("{ser}: {seq} sequential calls, mean round trip {rtt:?}");

        let start = Instant::now();
        let mut pending = FuturesUnordered::new();
        let mut sent = 0;
        let mut done = 0;
        while done < calls {
            while sent < calls && pending.len() < in_flight {
                let call = one().await.expect("call");
                pending.push(call.result());
                sent += 1;
            }
            if let Some(r) = pending.next().await {
                r.expect("result");
                done += 1;
            }
        }
        let secs = start.elapsed().as_secs_f64();
        println!(
            "{ser}: {calls} calls with {in_flight} in flight in {secs:.2} s = {:.0} calls/s",
            calls as f64 / secs
        );
        callee.disconnect().await;
        caller.disconnect().await;
    });
}
