//! End-to-end RPC throughput over loopback WebSocket (MessagePack): a router, one callee
//! and one caller keeping `WINDOW` calls in flight, all in this process on tokio.
//!
//! `cargo run --release -p ferrobahn-router --example bench_loopback [CALLS]`

use std::time::Instant;

use ferrobahn_router::RouterConfig;
use ferrobahn_serializers::Serializer;
use ferrobahn_wamp::message::{Call, Register, Yield};
use ferrobahn_wamp::{Id, Message, Payload, Role};

#[path = "shared/peer.rs"]
mod peer;
use peer::{connect, join, recv, send};

const WINDOW: u64 = 200;

#[tokio::main]
async fn main() {
    let calls: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200_000);
    let listener = ferrobahn_tokio::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router =
        ferrobahn_router::start(ferrobahn_tokio::runtime(), RouterConfig::default()).unwrap();
    let r = router.clone();
    tokio::spawn(async move { r.serve(listener).await });

    let (mut callee, ser) = connect(addr).await;
    join(&mut callee, &ser, &[Role::Caller, Role::Callee]).await;
    let req = Id::new(1).unwrap();
    send(
        &mut callee,
        &ser,
        Message::Register(Register {
            request: req,
            procedure: "com.add2".into(),
            ..Default::default()
        }),
    )
    .await;
    assert!(matches!(
        recv(&mut callee, &ser).await,
        Message::Registered(_)
    ));
    tokio::spawn(async move {
        let ser = Serializer::from_subprotocol("wamp.2.msgpack").unwrap();
        while let Some(Ok(m)) = callee.recv().await {
            if let Ok(Message::Invocation(inv)) = ser.decode_one(&m.data) {
                let (a, b): (i64, i64) = inv.payload.parse_args().unwrap_or((0, 0));
                let payload = Payload::from_args(&(a + b,)).unwrap();
                send(
                    &mut callee,
                    &ser,
                    Message::Yield(Yield {
                        request: inv.request,
                        payload,
                        ..Default::default()
                    }),
                )
                .await;
            }
        }
    });

    let (mut caller, ser) = connect(addr).await;
    join(&mut caller, &ser, &[Role::Caller, Role::Callee]).await;
    let payload = Payload::from_args(&(2, 3)).unwrap();
    let call = |i: u64| {
        Message::Call(Call {
            request: Id::new(i).unwrap(),
            procedure: "com.add2".into(),
            payload: payload.clone(),
            ..Default::default()
        })
    };
    let t = Instant::now();
    let mut sent = 0;
    while sent < WINDOW.min(calls) {
        sent += 1;
        send(&mut caller, &ser, call(sent)).await;
    }
    let mut done = 0;
    while done < calls {
        match recv(&mut caller, &ser).await {
            Message::Result(_) => done += 1,
            other => panic!("{other:?}"),
        }
        if sent < calls {
            sent += 1;
            send(&mut caller, &ser, call(sent)).await;
        }
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "{calls} calls in {secs:.2} s = {:.0} calls/s (router, callee and caller in one process)",
        calls as f64 / secs
    );
    router.shutdown();
}
