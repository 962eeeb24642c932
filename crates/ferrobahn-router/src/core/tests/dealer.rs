//! Dealer: calls, errors, identification, patterns, shared registrations, progressive
//! results and invocations, canceling, timeouts, leaving sessions, meta API.

use std::time::Duration;

use ferrobahn_wamp::message::*;
use ferrobahn_wamp::options::*;
use ferrobahn_wamp::{error_uri, Dict, Id, MatchPolicy, Message, Value};

use super::*;

fn call(
    h: &mut Harness,
    c: ConnId,
    request: u64,
    procedure: &str,
    options: CallOptions,
) -> Vec<Out> {
    let m = Call {
        request: id(request),
        options: options.into(),
        procedure: procedure.into(),
        payload: args(vec![Value::from(2), Value::from(3)]),
    };
    h.send(c, m)
}

/// The only output must be an INVOCATION to `callee`.
fn invocation(out: &[Out], callee: ConnId) -> Invocation {
    match out {
        [Out::Msg(c, Message::Invocation(i))] if *c == callee => i.clone(),
        other => panic!("expected INVOCATION to {callee}, got {other:?}"),
    }
}

fn yield_(h: &mut Harness, c: ConnId, request: Id, progress: bool, v: i64) -> Vec<Out> {
    let options = YieldOptions {
        progress: progress.then_some(true),
        ..Default::default()
    };
    h.send(
        c,
        Yield {
            request,
            options: options.into(),
            payload: args(vec![Value::from(v)]),
        },
    )
}

#[test]
fn call_round_trip() {
    let mut h = Harness::new();
    let (callee, _) = h.join();
    let (caller, _) = h.join();
    let reg = h.register(callee, "com.add2", RegisterOptions::default());
    let inv = invocation(
        &call(&mut h, caller, 7, "com.add2", CallOptions::default()),
        callee,
    );
    assert_eq!(inv.registration, reg);
    assert_eq!(inv.payload.args(), &[Value::from(2), Value::from(3)]);
    assert_eq!(inv.details.caller, None);
    assert_eq!(inv.details.procedure, None);
    let out = yield_(&mut h, callee, inv.request, false, 5);
    let [Out::Msg(to, Message::Result(r))] = out.as_slice() else {
        panic!("{out:?}")
    };
    assert_eq!((*to, r.request), (caller, id(7)));
    assert_eq!(r.payload.args(), &[Value::from(5)]);
    // A second YIELD for the finished call is ignored.
    assert!(yield_(&mut h, callee, inv.request, false, 5).is_empty());
}

#[test]
fn no_such_procedure() {
    let mut h = Harness::new();
    let (caller, _) = h.join();
    let out = call(&mut h, caller, 1, "com.none", CallOptions::default());
    assert_eq!(only_error(&out, caller), error_uri::NO_SUCH_PROCEDURE);
}

#[test]
fn callee_errors_are_routed_back_intact() {
    let mut h = Harness::new();
    let (callee, _) = h.join();
    let (caller, _) = h.join();
    h.register(callee, "com.fail", RegisterOptions::default());
    let inv = invocation(
        &call(&mut h, caller, 3, "com.fail", CallOptions::default()),
        callee,
    );
    let mut kw = Dict::new();
    kw.insert("why".into(), "because".into());
    let mut extra = Dict::new();
    extra.insert("x_custom".into(), Value::from(1));
    let err = ErrorMessage {
        request_type: 68,
        request: inv.request,
        details: ErrorDetails {
            extra: extra.clone(),
            ..Default::default()
        }
        .into(),
        error: "com.myapp.error.overflow".into(),
        payload: ferrobahn_wamp::Payload::ArgsKwargs(vec![Value::from("too big")], kw.clone()),
    };
    let out = h.send(callee, err);
    let [Out::Msg(to, Message::Error(e))] = out.as_slice() else {
        panic!("{out:?}")
    };
    assert_eq!((*to, e.request_type, e.request), (caller, 48, id(3)));
    assert_eq!(e.error, "com.myapp.error.overflow");
    assert_eq!(
        e.payload,
        ferrobahn_wamp::Payload::ArgsKwargs(vec![Value::from("too big")], kw)
    );
    assert_eq!(e.details.extra, extra);
}

#[test]
fn caller_identification() {
    let mut h = Harness::new();
    let (callee, _) = h.join();
    let (caller, sc) = h.join();
    h.register(callee, "com.who", RegisterOptions::default());
    let opts = CallOptions {
        disclose_me: Some(true),
        ..Default::default()
    };
    let inv = invocation(&call(&mut h, caller, 1, "com.who", opts), callee);
    assert_eq!(inv.details.caller, Some(sc));
    assert_eq!(inv.details.caller_authrole.as_deref(), Some("anonymous"));
}

#[test]
fn pattern_registrations_pick_the_most_specific() {
    let mut h = Harness::new();
    let (a, _) = h.join();
    let (b, _) = h.join();
    let (c, _) = h.join();
    let (caller, _) = h.join();
    let reg = |m| RegisterOptions {
        match_policy: Some(m),
        ..Default::default()
    };
    h.register(a, "com.app.", reg(MatchPolicy::Prefix));
    h.register(b, "com.app.sub.", reg(MatchPolicy::Prefix));
    h.register(c, "com..do", reg(MatchPolicy::Wildcard));
    let inv = invocation(
        &call(&mut h, caller, 1, "com.app.sub.x", CallOptions::default()),
        b,
    );
    assert_eq!(inv.details.procedure.as_deref(), Some("com.app.sub.x"));
    invocation(
        &call(&mut h, caller, 2, "com.app.x", CallOptions::default()),
        a,
    );
    invocation(
        &call(&mut h, caller, 3, "com.other.do", CallOptions::default()),
        c,
    );
}

#[test]
fn shared_registrations() {
    let mut h = Harness::new();
    let (a, _) = h.join();
    let (b, _) = h.join();
    let (caller, _) = h.join();
    let shared = |p| RegisterOptions {
        invoke: Some(p),
        ..Default::default()
    };
    h.register(a, "com.rr", shared(InvokePolicy::RoundRobin));
    h.register(b, "com.rr", shared(InvokePolicy::RoundRobin));
    invocation(
        &call(&mut h, caller, 1, "com.rr", CallOptions::default()),
        a,
    );
    invocation(
        &call(&mut h, caller, 2, "com.rr", CallOptions::default()),
        b,
    );
    invocation(
        &call(&mut h, caller, 3, "com.rr", CallOptions::default()),
        a,
    );
    h.register(a, "com.first", shared(InvokePolicy::First));
    h.register(b, "com.first", shared(InvokePolicy::First));
    invocation(
        &call(&mut h, caller, 4, "com.first", CallOptions::default()),
        a,
    );
    h.register(a, "com.last", shared(InvokePolicy::Last));
    h.register(b, "com.last", shared(InvokePolicy::Last));
    invocation(
        &call(&mut h, caller, 5, "com.last", CallOptions::default()),
        b,
    );
    h.register(a, "com.rand", shared(InvokePolicy::Random));
    h.register(b, "com.rand", shared(InvokePolicy::Random));
    let mut seen = std::collections::HashSet::new();
    for r in 0..40 {
        match call(&mut h, caller, 10 + r, "com.rand", CallOptions::default()).as_slice() {
            [Out::Msg(to, Message::Invocation(_))] => seen.insert(*to),
            other => panic!("{other:?}"),
        };
    }
    assert_eq!(seen.len(), 2, "random reaches both callees");
    // Conflicts.
    let (c, _) = h.join();
    let out = h.send(
        c,
        Register {
            request: id(9),
            procedure: "com.rr".into(),
            options: shared(InvokePolicy::First).into(),
        },
    );
    assert_eq!(
        only_error(&out, c),
        error_uri::PROCEDURE_EXISTS_INVOCATION_POLICY_CONFLICT
    );
    let out = h.send(
        b,
        Register {
            request: id(9),
            procedure: "com.rr".into(),
            options: shared(InvokePolicy::RoundRobin).into(),
        },
    );
    assert_eq!(only_error(&out, b), error_uri::PROCEDURE_ALREADY_EXISTS);
    h.register(a, "com.single", RegisterOptions::default());
    let out = h.send(
        b,
        Register {
            request: id(9),
            procedure: "com.single".into(),
            options: Default::default(),
        },
    );
    assert_eq!(only_error(&out, b), error_uri::PROCEDURE_ALREADY_EXISTS);
    let out = h.send(
        a,
        Register {
            request: id(9),
            procedure: "wamp.mine".into(),
            options: Default::default(),
        },
    );
    assert_eq!(only_error(&out, a), error_uri::INVALID_URI);
}

#[test]
fn unregister() {
    let mut h = Harness::new();
    let (a, _) = h.join();
    let (caller, _) = h.join();
    let reg = h.register(a, "com.x", RegisterOptions::default());
    let out = h.send(
        caller,
        Unregister {
            request: id(2),
            registration: reg,
            options: None,
        },
    );
    assert_eq!(only_error(&out, caller), error_uri::NO_SUCH_REGISTRATION);
    let out = h.send(
        a,
        Unregister {
            request: id(2),
            registration: reg,
            options: None,
        },
    );
    assert!(matches!(
        out.as_slice(),
        [Out::Msg(_, Message::Unregistered(_))]
    ));
    let out = call(&mut h, caller, 1, "com.x", CallOptions::default());
    assert_eq!(only_error(&out, caller), error_uri::NO_SUCH_PROCEDURE);
}

#[test]
fn progressive_results() {
    let mut h = Harness::new();
    let (callee, _) = h.join();
    let (caller, _) = h.join();
    h.register(callee, "com.p", RegisterOptions::default());
    let opts = CallOptions {
        receive_progress: Some(true),
        ..Default::default()
    };
    let inv = invocation(&call(&mut h, caller, 1, "com.p", opts), callee);
    assert_eq!(inv.details.receive_progress, Some(true));
    for i in 0..3 {
        let out = yield_(&mut h, callee, inv.request, true, i);
        let [Out::Msg(_, Message::Result(r))] = out.as_slice() else {
            panic!("{out:?}")
        };
        assert_eq!(r.details.progress, Some(true));
    }
    let out = yield_(&mut h, callee, inv.request, false, 9);
    let [Out::Msg(_, Message::Result(r))] = out.as_slice() else {
        panic!("{out:?}")
    };
    assert_eq!(r.details.progress, None);
    // Progress to a caller that did not ask for it is dropped.
    let inv = invocation(
        &call(&mut h, caller, 2, "com.p", CallOptions::default()),
        callee,
    );
    assert!(yield_(&mut h, callee, inv.request, true, 1).is_empty());
}

#[test]
fn progressive_invocations() {
    let mut h = Harness::new();
    let (callee, _) = h.join();
    let (caller, _) = h.join();
    h.register(callee, "com.stream", RegisterOptions::default());
    let chunk = CallOptions {
        progress: Some(true),
        ..Default::default()
    };
    let first = invocation(
        &call(&mut h, caller, 5, "com.stream", chunk.clone()),
        callee,
    );
    assert_eq!(first.details.progress, Some(true));
    let second = invocation(&call(&mut h, caller, 5, "com.stream", chunk), callee);
    assert_eq!(
        (second.request, second.registration),
        (first.request, first.registration)
    );
    let last = invocation(
        &call(&mut h, caller, 5, "com.stream", CallOptions::default()),
        callee,
    );
    assert_eq!(last.details.progress, None);
    // The stream is closed: reusing the request ID now is ignored.
    assert!(call(&mut h, caller, 5, "com.stream", CallOptions::default()).is_empty());
    let out = yield_(&mut h, callee, first.request, false, 1);
    assert!(matches!(out.as_slice(), [Out::Msg(c, Message::Result(_))] if *c == caller));
}

fn cancel(h: &mut Harness, caller: ConnId, request: u64, mode: CancelMode) -> Vec<Out> {
    h.send(
        caller,
        Cancel {
            request: id(request),
            options: CancelOptions {
                mode: Some(mode),
                ..Default::default()
            },
        },
    )
}

#[test]
fn cancel_modes() {
    let mut h = Harness::new();
    let (callee, _) = h.join();
    let (caller, _) = h.join();
    h.register(callee, "com.slow", RegisterOptions::default());
    // skip: the caller gets canceled, the callee is not told, its answer is swallowed.
    let inv = invocation(
        &call(&mut h, caller, 1, "com.slow", CallOptions::default()),
        callee,
    );
    let out = cancel(&mut h, caller, 1, CancelMode::Skip);
    assert_eq!(only_error(&out, caller), error_uri::CANCELED);
    assert!(yield_(&mut h, callee, inv.request, false, 1).is_empty());
    // kill: INTERRUPT, then the callee's ERROR reaches the caller.
    let inv = invocation(
        &call(&mut h, caller, 2, "com.slow", CallOptions::default()),
        callee,
    );
    let out = cancel(&mut h, caller, 2, CancelMode::Kill);
    assert!(
        matches!(out.as_slice(), [Out::Msg(c, Message::Interrupt(i))] if *c == callee && i.request == inv.request && i.options.mode == Some(CancelMode::Kill)),
        "{out:?}"
    );
    let err = ErrorMessage {
        request_type: 68,
        request: inv.request,
        error: error_uri::CANCELED.into(),
        ..Default::default()
    };
    let out = h.send(callee, err);
    assert_eq!(only_error(&out, caller), error_uri::CANCELED);
    // killnowait: INTERRUPT and the caller's error at once.
    let inv = invocation(
        &call(&mut h, caller, 3, "com.slow", CallOptions::default()),
        callee,
    );
    let out = cancel(&mut h, caller, 3, CancelMode::KillNoWait);
    assert!(matches!(&out[0], Out::Msg(c, Message::Interrupt(_)) if *c == callee));
    assert!(
        matches!(&out[1], Out::Msg(c, Message::Error(e)) if *c == caller && e.error == error_uri::CANCELED)
    );
    assert!(yield_(&mut h, callee, inv.request, false, 1).is_empty());
    // Canceling nothing is ignored.
    assert!(cancel(&mut h, caller, 99, CancelMode::Kill).is_empty());
}

#[test]
fn call_timeout() {
    let mut h = Harness::new();
    let (callee, _) = h.join();
    let (caller, _) = h.join();
    h.register(callee, "com.slow", RegisterOptions::default());
    let opts = CallOptions {
        timeout: Some(1000),
        ..Default::default()
    };
    let inv = invocation(&call(&mut h, caller, 1, "com.slow", opts), callee);
    assert_eq!(
        h.router.poll_timeout(),
        Some(h.now + Duration::from_millis(1000))
    );
    assert!(h.advance(Duration::from_millis(999)).is_empty());
    let out = h.advance(Duration::from_millis(1));
    assert!(
        matches!(&out[0], Out::Msg(c, Message::Interrupt(i)) if *c == callee && i.request == inv.request)
    );
    assert!(
        matches!(&out[1], Out::Msg(c, Message::Error(e)) if *c == caller && e.error == error_uri::CANCELED)
    );
    assert_eq!(h.router.poll_timeout(), None);
    // A call answered in time leaves no timer behind.
    let opts = CallOptions {
        timeout: Some(1000),
        ..Default::default()
    };
    let inv = invocation(&call(&mut h, caller, 2, "com.slow", opts), callee);
    yield_(&mut h, callee, inv.request, false, 1);
    assert_eq!(h.router.poll_timeout(), None);
}

#[test]
fn callee_leaving_cancels_calls_and_caller_leaving_interrupts() {
    let mut h = Harness::new();
    let (callee, _) = h.join();
    let (caller, _) = h.join();
    h.register(callee, "com.x", RegisterOptions::default());
    invocation(
        &call(&mut h, caller, 1, "com.x", CallOptions::default()),
        callee,
    );
    h.router.detach(h.now, caller);
    let out = h.drain();
    assert!(
        matches!(out.as_slice(), [Out::Msg(c, Message::Interrupt(_))] if *c == callee),
        "{out:?}"
    );
    let (caller, _) = h.join();
    invocation(
        &call(&mut h, caller, 1, "com.x", CallOptions::default()),
        callee,
    );
    h.router.detach(h.now, callee);
    let out = h.drain();
    assert_eq!(only_error(&out, caller), error_uri::CANCELED);
    let out = call(&mut h, caller, 2, "com.x", CallOptions::default());
    assert_eq!(only_error(&out, caller), error_uri::NO_SUCH_PROCEDURE);
}

#[test]
fn registration_meta_api() {
    let mut h = Harness::new();
    let (a, sa) = h.join();
    let (w, _) = h.join();
    let reg = h.register(a, "com.m", RegisterOptions::default());
    let meta = |h: &mut Harness, p: &str, a_: Vec<Value>| h.meta(w, p, a_);
    assert_eq!(
        meta(&mut h, "wamp.registration.lookup", vec!["com.m".into()]),
        vec![Value::from_u64(reg.get())]
    );
    assert_eq!(
        meta(&mut h, "wamp.registration.match", vec!["com.m".into()]),
        vec![Value::from_u64(reg.get())]
    );
    assert_eq!(
        meta(
            &mut h,
            "wamp.registration.list_callees",
            vec![Value::from_u64(reg.get())]
        ),
        vec![Value::List(vec![Value::from_u64(sa.get())])]
    );
    assert_eq!(
        meta(
            &mut h,
            "wamp.registration.count_callees",
            vec![Value::from_u64(reg.get())]
        ),
        vec![Value::from_u64(1)]
    );
    let d = meta(
        &mut h,
        "wamp.registration.get",
        vec![Value::from_u64(reg.get())],
    );
    assert_eq!(d[0].as_dict().unwrap()["invoke"], Value::from("single"));
    let on_delete = h.subscribe(w, "wamp.registration.on_delete", None);
    h.router.detach(h.now, a);
    let out = h.drain();
    assert!(out.iter().any(|o| matches!(o, Out::Msg(c, Message::Event(e)) if *c == w && e.subscription == on_delete)), "{out:?}");
}

#[test]
fn unauthorized_call_and_register() {
    let mut cfg = crate::config::RouterConfig::default();
    let realm = &mut cfg.realms[0];
    realm.roles[0].permissions = vec![crate::config::Permission {
        uri: "com.public.".into(),
        match_policy: crate::config::MatchPolicyConfig::Prefix,
        allow: crate::config::Allow {
            call: true,
            register: false,
            publish: false,
            subscribe: false,
        },
        ..Default::default()
    }];
    let mut h = Harness::with_config(cfg);
    let (a, _) = h.join();
    let out = h.send(
        a,
        Register {
            request: id(1),
            procedure: "com.public.x".into(),
            options: Default::default(),
        },
    );
    assert_eq!(only_error(&out, a), error_uri::NOT_AUTHORIZED);
    let out = call(&mut h, a, 2, "com.secret", CallOptions::default());
    assert_eq!(only_error(&out, a), error_uri::NOT_AUTHORIZED);
    let out = call(&mut h, a, 3, "wamp.session.count", CallOptions::default());
    assert_eq!(only_error(&out, a), error_uri::NOT_AUTHORIZED);
}
