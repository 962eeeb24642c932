//! Routed calls through the sans-IO core only (CALL in, INVOCATION out, YIELD in,
//! RESULT out), for instruction counts that do not depend on the machine's load:
//!
//! ```text
//! cargo bench -p ferrobahn-router --bench core_calls --no-run
//! valgrind --tool=callgrind <bench binary> 1000   # and again with 11000:
//! # (Ir(11000) - Ir(1000)) / 10000 = instructions per call, setup cancelled out
//! ```
//!
//! Without an argument it routes 100,000 calls and prints the time per call. A second
//! argument `publish` routes PUBLISH -> EVENT to one exact subscriber instead.

use std::time::Instant;

use ferrobahn_router::core::{ConnId, Router, Transmit};
use ferrobahn_router::RouterConfig;
use ferrobahn_wamp::message::{Call, Publish, Register, Subscribe, Yield};
use ferrobahn_wamp::{Id, Message, Payload, Value};

#[path = "shared/session.rs"]
mod session;
use session::join;

const CALLER: ConnId = ConnId(1);
const CALLEE: ConnId = ConnId(2);
const PROCEDURE: &str = "com.bench.echo";

fn id(n: u64) -> Id {
    Id::new(n).expect("valid id")
}

fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .filter(|a| !a.starts_with('-'))
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let now = Instant::now();
    let mut r = Router::new(&RouterConfig::default(), 7);
    join(&mut r, now, CALLER);
    join(&mut r, now, CALLEE);
    let reg = Register {
        request: id(1),
        procedure: PROCEDURE.into(),
        ..Default::default()
    };
    r.handle(now, CALLEE, Message::Register(reg));
    while r.poll_transmit().is_some() {}
    let payload = Payload::Args(vec![Value::from_u64(42)]);
    if std::env::args().nth(2).as_deref() == Some("publish") {
        return publish(&mut r, now, n, &payload);
    }
    let start = Instant::now();
    for i in 0..n {
        let call = Call {
            request: id(i % 1_000_000 + 1),
            procedure: PROCEDURE.into(),
            payload: payload.clone(),
            ..Default::default()
        };
        r.handle(now, CALLER, Message::Call(call));
        let Some(Transmit::Send { message, .. }) = r.poll_transmit() else {
            panic!("no invocation");
        };
        let Message::Invocation(inv) = &*message else {
            panic!("{message:?}");
        };
        let y = Yield {
            request: inv.request,
            payload: inv.payload.clone(),
            ..Default::default()
        };
        r.handle(now, CALLEE, Message::Yield(y));
        match r.poll_transmit() {
            Some(Transmit::Send { message, .. }) if matches!(*message, Message::Result(_)) => {}
            other => panic!("no result: {other:?}"),
        }
    }
    let per = start.elapsed() / n.max(1) as u32;
    println!(
        "{n} calls, {per:?} per call (size of a Message: {} bytes)",
        std::mem::size_of::<Message>()
    );
}

/// `n` publications of `payload` to one exact subscriber.
fn publish(r: &mut Router, now: Instant, n: u64, payload: &Payload) {
    let sub = Subscribe {
        request: id(2),
        topic: PROCEDURE.into(),
        ..Default::default()
    };
    r.handle(now, CALLEE, Message::Subscribe(sub));
    while r.poll_transmit().is_some() {}
    let start = Instant::now();
    for i in 0..n {
        let p = Publish {
            request: id(i % 1_000_000 + 1),
            topic: PROCEDURE.into(),
            payload: payload.clone(),
            ..Default::default()
        };
        r.handle(now, CALLER, Message::Publish(p));
        match r.poll_transmit() {
            Some(Transmit::Send { message, .. }) if matches!(*message, Message::Event(_)) => {}
            other => panic!("no event: {other:?}"),
        }
    }
    let per = start.elapsed() / n.max(1) as u32;
    println!("{n} publications, {per:?} per publication");
}
