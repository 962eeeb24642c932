//! The callee `concurrency` option of REGISTER: the dealer never has more invocations
//! of a callee in flight than it asked for.

use ferrobahn_wamp::message::*;
use ferrobahn_wamp::options::*;
use ferrobahn_wamp::{Id, Message, Value};

use super::*;

fn call(h: &mut Harness, c: ConnId, request: u64, procedure: &str) -> Vec<Out> {
    h.send(
        c,
        Call {
            request: id(request),
            procedure: procedure.into(),
            ..Default::default()
        },
    )
}

/// The INVOCATION in `out` and its callee.
fn invoked(out: &[Out]) -> (ConnId, Id) {
    match out {
        [Out::Msg(c, Message::Invocation(i))] => (*c, i.request),
        other => panic!("expected one INVOCATION, got {other:?}"),
    }
}

fn answer(h: &mut Harness, callee: ConnId, inv: Id) -> Vec<Out> {
    h.send(
        callee,
        Yield {
            request: inv,
            payload: args(vec![Value::from(1)]),
            ..Default::default()
        },
    )
}

fn limited(concurrency: u64, invoke: Option<InvokePolicy>) -> RegisterOptions {
    RegisterOptions {
        concurrency: Some(concurrency),
        invoke,
        ..Default::default()
    }
}

#[test]
fn a_single_callee_gets_no_more_than_its_limit() {
    let mut h = Harness::new();
    let (callee, _) = h.join();
    let (caller, _) = h.join();
    h.register(callee, "com.slow", limited(2, None));
    let (_, first) = invoked(&call(&mut h, caller, 1, "com.slow"));
    invoked(&call(&mut h, caller, 2, "com.slow"));
    let out = call(&mut h, caller, 3, "com.slow");
    assert_eq!(
        only_error(&out, caller),
        "crossbar.error.max_concurrency_reached"
    );
    // A finished invocation frees a slot.
    let out = answer(&mut h, callee, first);
    assert!(matches!(&out[..], [Out::Msg(c, Message::Result(_))] if *c == caller));
    let (_, third) = invoked(&call(&mut h, caller, 4, "com.slow"));
    // A canceled one too (killnowait answers at once).
    let out = h.send(
        caller,
        Cancel {
            request: id(2),
            options: CancelOptions {
                mode: Some(CancelMode::KillNoWait),
                ..Default::default()
            },
        },
    );
    assert!(out
        .iter()
        .any(|o| matches!(o, Out::Msg(c, Message::Error(_)) if *c == caller)));
    invoked(&call(&mut h, caller, 5, "com.slow"));
    assert_eq!(
        only_error(&call(&mut h, caller, 6, "com.slow"), caller),
        "crossbar.error.max_concurrency_reached"
    );
    let _ = answer(&mut h, callee, third);
    invoked(&call(&mut h, caller, 7, "com.slow"));
}

#[test]
fn shared_registrations_skip_callees_at_their_limit() {
    let mut h = Harness::new();
    let (a, _) = h.join();
    let (b, _) = h.join();
    let (caller, _) = h.join();
    h.register(a, "com.rr", limited(1, Some(InvokePolicy::RoundRobin)));
    h.register(
        b,
        "com.rr",
        RegisterOptions {
            invoke: Some(InvokePolicy::RoundRobin),
            ..Default::default()
        },
    );
    let (first, inv_a) = invoked(&call(&mut h, caller, 1, "com.rr"));
    assert_eq!(first, a);
    // `a` is full: every further call goes to `b` (no limit) until `a` answers.
    for r in 2..6 {
        assert_eq!(invoked(&call(&mut h, caller, r, "com.rr")).0, b);
    }
    let _ = answer(&mut h, a, inv_a);
    let picks: Vec<ConnId> = (6..8)
        .map(|r| invoked(&call(&mut h, caller, r, "com.rr")).0)
        .collect();
    assert!(picks.contains(&a), "{picks:?}");

    // First (hot standby): a full primary hands calls to the standby.
    let (p, _) = h.join();
    let (s, _) = h.join();
    h.register(p, "com.hs", limited(1, Some(InvokePolicy::First)));
    h.register(s, "com.hs", limited(1, Some(InvokePolicy::First)));
    assert_eq!(invoked(&call(&mut h, caller, 10, "com.hs")).0, p);
    assert_eq!(invoked(&call(&mut h, caller, 11, "com.hs")).0, s);
    assert_eq!(
        only_error(&call(&mut h, caller, 12, "com.hs"), caller),
        "crossbar.error.max_concurrency_reached"
    );
}

#[test]
fn a_leaving_callee_frees_its_slots() {
    let mut h = Harness::new();
    let (a, _) = h.join();
    let (caller, _) = h.join();
    h.register(a, "com.x", limited(1, None));
    invoked(&call(&mut h, caller, 1, "com.x"));
    h.router.detach(h.now, a);
    let _ = h.drain();
    let (b, _) = h.join();
    h.register(b, "com.x", limited(1, None));
    assert_eq!(invoked(&call(&mut h, caller, 2, "com.x")).0, b);
}
