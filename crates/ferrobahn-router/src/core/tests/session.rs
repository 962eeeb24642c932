//! Session lifecycle, authentication, wrong-state messages and the session meta API.

use std::collections::BTreeMap;

use ferrobahn_wamp::message::*;
use ferrobahn_wamp::options::*;
use ferrobahn_wamp::roles::feature;
use ferrobahn_wamp::{error_uri, Message, Payload, Role, Value};

use super::*;
use crate::config::{RealmConfig, TicketPrincipal};

#[test]
fn welcome_announces_router_roles_and_identity() {
    let mut h = Harness::new();
    let c = h.attach();
    let out = h.send(c, hello("realm1"));
    let [Out::Msg(to, Message::Welcome(w))] = out.as_slice() else {
        panic!("{out:?}")
    };
    assert_eq!(*to, c);
    let d = &w.details;
    assert_eq!(d.realm.as_deref(), Some("realm1"));
    assert_eq!(d.authrole.as_deref(), Some("anonymous"));
    assert_eq!(d.authmethod.as_deref(), Some("anonymous"));
    let roles = d.roles.as_ref().unwrap();
    assert!(roles
        .get(Role::Broker)
        .unwrap()
        .has(feature::PATTERN_BASED_SUBSCRIPTION));
    assert!(roles
        .get(Role::Dealer)
        .unwrap()
        .has(feature::CALL_CANCELING));
    assert!(!roles
        .get(Role::Dealer)
        .unwrap()
        .has(feature::SHARDED_REGISTRATION));
    assert_eq!(h.router.session_of(c), Some(w.session));
    assert_eq!(h.router.session_count(), 1);
}

#[test]
fn unknown_realm_is_aborted_unless_auto_created() {
    let mut h = Harness::new();
    let c = h.attach();
    let out = h.send(c, hello("nope"));
    assert_eq!(aborted(&out, c), error_uri::NO_SUCH_REALM);
    assert_eq!(h.router.connection_count(), 0);

    let cfg = RouterConfig {
        auto_create_realms: true,
        ..RouterConfig::default()
    };
    let mut h = Harness::with_config(cfg);
    let c = h.attach();
    let out = h.send(c, hello("fresh.realm"));
    assert!(
        matches!(out.as_slice(), [Out::Msg(_, Message::Welcome(_))]),
        "{out:?}"
    );
}

#[test]
fn messages_before_hello_are_protocol_violations() {
    let mut h = Harness::new();
    let c = h.attach();
    let out = h.send(
        c,
        Publish {
            request: id(1),
            topic: "a".into(),
            ..Default::default()
        },
    );
    assert_eq!(aborted(&out, c), error_uri::PROTOCOL_VIOLATION);
    // The connection is gone: further input is ignored.
    assert!(h.send(c, hello("realm1")).is_empty());
}

#[test]
fn wrong_messages_in_an_established_session_abort() {
    let mut h = Harness::new();
    for bad in [
        hello("realm1"),
        Message::Welcome(Welcome::default()),
        Message::Event(Event::default()),
        Message::Result(ResultMessage::default()),
        Message::Invocation(Invocation::default()),
        Message::Error(ErrorMessage {
            request_type: 48,
            request: id(1),
            error: "x".into(),
            ..Default::default()
        }),
    ] {
        let (c, _) = h.join();
        let out = h.send(c, bad);
        assert_eq!(aborted(&out, c), error_uri::PROTOCOL_VIOLATION);
    }
    assert_eq!(h.router.session_count(), 0);
}

#[test]
fn invalid_input_aborts() {
    let mut h = Harness::new();
    let (c, _) = h.join();
    h.router.handle_invalid(h.now, c, "not JSON");
    let out = h.drain();
    assert_eq!(aborted(&out, c), error_uri::PROTOCOL_VIOLATION);
}

#[test]
fn goodbye_is_answered_and_the_transport_can_join_again() {
    let mut h = Harness::new();
    let (c, s1) = h.join();
    let out = h.send(
        c,
        Goodbye {
            reason: "wamp.close.normal".into(),
            ..Default::default()
        },
    );
    let [Out::Msg(_, Message::Goodbye(g))] = out.as_slice() else {
        panic!("{out:?}")
    };
    assert_eq!(g.reason, error_uri::GOODBYE_AND_OUT);
    assert_eq!(h.router.session_count(), 0);
    let out = h.send(c, hello("realm1"));
    let [Out::Msg(_, Message::Welcome(w))] = out.as_slice() else {
        panic!("{out:?}")
    };
    assert_ne!(w.session, s1);
}

fn ticket_config() -> RouterConfig {
    let mut realm = RealmConfig::permissive("realm1");
    realm.auth.anonymous = None;
    let mut principals = BTreeMap::new();
    principals.insert(
        "joe".to_owned(),
        TicketPrincipal {
            ticket: "s3cret".into(),
            role: "anonymous".into(),
        },
    );
    realm.auth.ticket = Some(principals);
    RouterConfig {
        realms: vec![realm],
        ..RouterConfig::default()
    }
}

fn ticket_hello(authid: &str) -> Message {
    let Message::Hello(mut h) = hello("realm1") else {
        unreachable!()
    };
    h.details.authmethods = Some(vec!["ticket".into()]);
    h.details.authid = Some(authid.into());
    Message::Hello(h)
}

#[test]
fn ticket_authentication() {
    let mut h = Harness::with_config(ticket_config());
    let c = h.attach();
    let out = h.send(c, ticket_hello("joe"));
    assert!(
        matches!(out.as_slice(), [Out::Msg(_, Message::Challenge(ch))] if ch.method == "ticket"),
        "{out:?}"
    );
    let out = h.send(
        c,
        Authenticate {
            signature: "s3cret".into(),
            ..Default::default()
        },
    );
    let [Out::Msg(_, Message::Welcome(w))] = out.as_slice() else {
        panic!("{out:?}")
    };
    assert_eq!(w.details.authid.as_deref(), Some("joe"));
    assert_eq!(w.details.authmethod.as_deref(), Some("ticket"));
}

#[test]
fn wrong_ticket_and_unknown_principal_fail_alike() {
    let mut h = Harness::with_config(ticket_config());
    for (who, ticket) in [("joe", "wrong"), ("nobody", "s3cret")] {
        let c = h.attach();
        let out = h.send(c, ticket_hello(who));
        assert!(matches!(
            out.as_slice(),
            [Out::Msg(_, Message::Challenge(_))]
        ));
        let out = h.send(
            c,
            Authenticate {
                signature: ticket.into(),
                ..Default::default()
            },
        );
        assert_eq!(aborted(&out, c), error_uri::AUTHENTICATION_FAILED);
        let Out::Msg(_, Message::Abort(a)) = &out[0] else {
            unreachable!()
        };
        assert!(!a
            .details
            .message
            .as_deref()
            .unwrap_or("")
            .contains("s3cret"));
    }
    // Anonymous is not enabled on this realm.
    let c = h.attach();
    let out = h.send(c, hello("realm1"));
    assert_eq!(aborted(&out, c), error_uri::NO_AUTH_METHOD);
    // Something other than AUTHENTICATE while challenged.
    let c = h.attach();
    h.send(c, ticket_hello("joe"));
    let out = h.send(
        c,
        Subscribe {
            request: id(1),
            topic: "t".into(),
            ..Default::default()
        },
    );
    assert_eq!(aborted(&out, c), error_uri::PROTOCOL_VIOLATION);
}

fn call(h: &mut Harness, c: ConnId, procedure: &str, payload: Payload) -> Vec<Out> {
    h.send(
        c,
        Call {
            request: id(7),
            procedure: procedure.into(),
            payload,
            ..Default::default()
        },
    )
}

fn result_args(out: &[Out]) -> Vec<Value> {
    match out {
        [Out::Msg(_, Message::Result(r))] => r.payload.args().to_vec(),
        other => panic!("expected RESULT, got {other:?}"),
    }
}

#[test]
fn session_meta_procedures() {
    let mut h = Harness::new();
    let (a, sa) = h.join();
    let (_b, sb) = h.join();
    assert_eq!(
        result_args(&call(&mut h, a, "wamp.session.count", Payload::Empty)),
        vec![Value::from_u64(2)]
    );
    let list = result_args(&call(&mut h, a, "wamp.session.list", Payload::Empty));
    let mut want = vec![sa.get(), sb.get()];
    want.sort();
    assert_eq!(
        list,
        vec![Value::List(want.into_iter().map(Value::from_u64).collect())]
    );
    let info = result_args(&call(
        &mut h,
        a,
        "wamp.session.get",
        args(vec![Value::from_u64(sb.get())]),
    ));
    let d = info[0].as_dict().unwrap();
    assert_eq!(d["session"], Value::from_u64(sb.get()));
    assert_eq!(d["authrole"], Value::from("anonymous"));
    let out = call(
        &mut h,
        a,
        "wamp.session.get",
        args(vec![Value::from_u64(12345)]),
    );
    assert_eq!(only_error(&out, a), error_uri::NO_SUCH_SESSION);
    let out = call(&mut h, a, "wamp.session.nope", Payload::Empty);
    assert_eq!(only_error(&out, a), error_uri::NO_SUCH_PROCEDURE);
    let out = call(&mut h, a, "wamp.session.get", args(vec!["x".into()]));
    assert_eq!(only_error(&out, a), error_uri::INVALID_ARGUMENT);
}

#[test]
fn session_kill_and_join_leave_events() {
    let mut h = Harness::new();
    let (watcher, _) = h.join();
    let join_sub = h.subscribe(watcher, "wamp.session.on_join", None);
    let leave_sub = h.subscribe(watcher, "wamp.session.on_leave", None);
    let c = h.attach();
    let out = h.send(c, hello("realm1"));
    let [Out::Msg(_, Message::Welcome(w)), Out::Msg(to, Message::Event(e))] = out.as_slice() else {
        panic!("{out:?}")
    };
    assert_eq!((*to, e.subscription), (watcher, join_sub));
    assert_eq!(
        e.payload.args()[0].as_dict().unwrap()["session"],
        Value::from_u64(w.session.get())
    );
    let victim = (c, w.session);
    let out = call(
        &mut h,
        watcher,
        "wamp.session.kill",
        args(vec![Value::from_u64(victim.1.get())]),
    );
    assert!(
        matches!(&out[0], Out::Msg(to, Message::Goodbye(g)) if *to == victim.0 && g.reason == "wamp.close.killed"),
        "{out:?}"
    );
    assert!(out.contains(&Out::Close(victim.0)));
    assert!(out.iter().any(|o| matches!(o, Out::Msg(to, Message::Event(e)) if *to == watcher && e.subscription == leave_sub)));
    assert!(matches!(out.last(), Some(Out::Msg(to, Message::Result(_))) if *to == watcher));
    assert_eq!(h.router.session_count(), 1);
}

#[test]
fn testament_is_published_when_the_transport_is_lost() {
    let mut h = Harness::new();
    let (watcher, _) = h.join();
    let sub = h.subscribe(watcher, "com.example.gone", None);
    let (c, _) = h.join();
    let payload = args(vec![
        "com.example.gone".into(),
        Value::List(vec!["bye".into()]),
        Value::Dict(Default::default()),
    ]);
    let out = call(&mut h, c, "wamp.session.add_testament", payload);
    assert!(
        matches!(out.as_slice(), [Out::Msg(_, Message::Result(_))]),
        "{out:?}"
    );
    h.router.detach(h.now, c);
    let out = h.drain();
    let [Out::Msg(to, Message::Event(e))] = out.as_slice() else {
        panic!("{out:?}")
    };
    assert_eq!((*to, e.subscription), (watcher, sub));
    assert_eq!(e.payload.args(), &[Value::from("bye")]);
}

#[test]
fn flushed_testaments_are_not_published() {
    let mut h = Harness::new();
    let (watcher, _) = h.join();
    h.subscribe(watcher, "t", None);
    let (c, _) = h.join();
    call(
        &mut h,
        c,
        "wamp.session.add_testament",
        args(vec!["t".into()]),
    );
    let out = call(&mut h, c, "wamp.session.flush_testaments", Payload::Empty);
    assert_eq!(result_args(&out), vec![Value::from_u64(1)]);
    h.router.detach(h.now, c);
    assert!(h.drain().is_empty());
}

#[test]
fn duplicate_attach_is_refused() {
    let mut h = Harness::new();
    let c = h.attach();
    assert!(h.router.attach(h.now, c, TransportInfo::default()).is_err());
}

#[test]
fn abort_details_name_the_problem() {
    let mut h = Harness::new();
    let c = h.attach();
    let out = h.send(c, hello("nope"));
    let Out::Msg(
        _,
        Message::Abort(Abort {
            details: CloseDetails {
                message: Some(m), ..
            },
            ..
        }),
    ) = &out[0]
    else {
        panic!("{out:?}")
    };
    assert!(m.contains("nope"));
}

#[test]
fn shutdown_says_goodbye_to_everyone() {
    let mut h = Harness::new();
    let (a, _) = h.join();
    let idle = h.attach();
    h.router.shutdown(h.now);
    let out = h.drain();
    assert!(
        matches!(&out[0], Out::Msg(c, Message::Goodbye(g)) if *c == a && g.reason == error_uri::SYSTEM_SHUTDOWN),
        "{out:?}"
    );
    assert!(out.contains(&Out::Close(a)) && out.contains(&Out::Close(idle)));
    assert_eq!(h.router.connection_count(), 0);
}

#[test]
fn kill_by_authrole_spares_the_caller() {
    let mut h = Harness::new();
    let (a, _) = h.join();
    let (b, sb) = h.join();
    let (c, sc) = h.join();
    let mut kw = ferrobahn_wamp::Dict::new();
    kw.insert("reason".into(), "com.example.maintenance".into());
    let payload = Payload::ArgsKwargs(vec!["anonymous".into()], kw);
    let out = call(&mut h, a, "wamp.session.kill_by_authrole", payload);
    for victim in [b, c] {
        assert!(out.iter().any(|o| matches!(o, Out::Msg(t, Message::Goodbye(g)) if *t == victim && g.reason == "com.example.maintenance")), "{out:?}");
        assert!(out.contains(&Out::Close(victim)));
    }
    let Some(Out::Msg(to, Message::Result(r))) = out.last() else {
        panic!("{out:?}")
    };
    assert_eq!(*to, a);
    let mut want = vec![sb.get(), sc.get()];
    want.sort();
    assert_eq!(
        r.payload.args(),
        &[Value::List(want.into_iter().map(Value::from_u64).collect())]
    );
    assert_eq!(h.router.session_count(), 1);
}
