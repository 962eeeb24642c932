//! Throughput of the sans-IO core alone (no sockets, no serialization): calls routed per
//! second and fanned-out events per second, on one core.
//!
//! `cargo run --release -p ferrobahn-router --example bench_core`

use std::time::Instant;

use ferrobahn_router::core::{ConnId, Router, Transmit};
use ferrobahn_router::RouterConfig;
use ferrobahn_wamp::message::{Call, Publish, Register, Subscribe, Yield};
use ferrobahn_wamp::{Id, Message, Payload};

#[path = "../benches/shared/session.rs"]
mod session;
use session::join;

fn main() {
    let now = Instant::now();
    let mut r = Router::new(&RouterConfig::default(), 1);
    let (callee, caller) = (ConnId(1), ConnId(2));
    join(&mut r, now, callee);
    join(&mut r, now, caller);
    r.handle(
        now,
        callee,
        Message::Register(Register {
            request: Id::new(1).unwrap(),
            procedure: "com.add2".into(),
            ..Default::default()
        }),
    );
    while r.poll_transmit().is_some() {}
    let payload = Payload::from_args(&(2, 3)).unwrap();
    let n = 1_000_000u64;
    let t = Instant::now();
    for i in 1..=n {
        let call = Call {
            request: Id::new(i).unwrap(),
            procedure: "com.add2".into(),
            payload: payload.clone(),
            ..Default::default()
        };
        r.handle(now, caller, Message::Call(call));
        let Some(Transmit::Send { message, .. }) = r.poll_transmit() else {
            panic!()
        };
        let Message::Invocation(inv) = &*message else {
            panic!()
        };
        let y = Yield {
            request: inv.request,
            payload: payload.clone(),
            ..Default::default()
        };
        r.handle(now, callee, Message::Yield(y));
        let Some(Transmit::Send { .. }) = r.poll_transmit() else {
            panic!()
        };
    }
    let secs = t.elapsed().as_secs_f64();
    println!("calls: {n} in {secs:.2} s = {:.0} calls/s", n as f64 / secs);

    let subs = 100u64;
    for s in 0..subs {
        let c = ConnId(10 + s);
        join(&mut r, now, c);
        r.handle(
            now,
            c,
            Message::Subscribe(Subscribe {
                request: Id::new(1).unwrap(),
                topic: "com.fan".into(),
                ..Default::default()
            }),
        );
        while r.poll_transmit().is_some() {}
    }
    let pubs = 100_000u64;
    let t = Instant::now();
    let mut delivered = 0u64;
    for i in 1..=pubs {
        let p = Publish {
            request: Id::new(i).unwrap(),
            topic: "com.fan".into(),
            payload: payload.clone(),
            ..Default::default()
        };
        r.handle(now, caller, Message::Publish(p));
        while let Some(t) = r.poll_transmit() {
            if let Transmit::Send { to, .. } = t {
                delivered += to.as_slice().len() as u64;
            }
        }
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "fan-out: {pubs} publications to {subs} subscribers = {delivered} events in {secs:.2} s = {:.0} events/s",
        delivered as f64 / secs
    );
}
