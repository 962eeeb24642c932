//! A WAMP procedure as dynamic authorizer (Crossbar's `authorizer` on a role).

use std::collections::BTreeMap;
use std::time::Duration;

use ferrobahn_wamp::message::*;
use ferrobahn_wamp::{error_uri, Dict, Id, Message, Value};

use super::*;
use crate::config::{RealmConfig, RoleConfig, TicketPrincipal};

const AUTHORIZER: &str = "com.example.authorize";

/// realm1: anonymous sessions (the authorizer's) may do everything; ticket principal
/// `joe` gets role `user`, authorized by [`AUTHORIZER`].
fn config() -> RouterConfig {
    let mut realm = RealmConfig::permissive("realm1");
    realm.roles.push(RoleConfig {
        name: "user".into(),
        authorizer: Some(AUTHORIZER.into()),
        ..RoleConfig::default()
    });
    let mut tickets = BTreeMap::new();
    tickets.insert(
        "joe".to_owned(),
        TicketPrincipal {
            ticket: "t0k3n".into(),
            role: "user".into(),
        },
    );
    realm.auth.ticket = Some(tickets);
    let mut cfg = RouterConfig {
        realms: vec![realm],
        ..RouterConfig::default()
    };
    cfg.limits.authorizer_timeout_ms = 1000;
    cfg
}

/// Joins as `joe` (role `user`).
fn join_user(h: &mut Harness) -> ConnId {
    let c = h.attach();
    let Message::Hello(mut hello) = hello("realm1") else {
        unreachable!()
    };
    hello.details.authmethods = Some(vec!["ticket".into()]);
    hello.details.authid = Some("joe".into());
    let out = h.send(c, Message::Hello(hello));
    assert!(
        matches!(&out[..], [Out::Msg(_, Message::Challenge(_))]),
        "{out:?}"
    );
    let out = h.send(
        c,
        Authenticate {
            signature: "t0k3n".into(),
            ..Default::default()
        },
    );
    assert!(
        matches!(&out[..], [Out::Msg(_, Message::Welcome(_))]),
        "{out:?}"
    );
    c
}

fn subscribe(h: &mut Harness, c: ConnId, request: u64, topic: &str) -> Vec<Out> {
    h.send(
        c,
        Subscribe {
            request: id(request),
            topic: topic.into(),
            ..Default::default()
        },
    )
}

/// The authorizer's INVOCATION in `out`: its ID and arguments.
fn asked(out: &[Out], authorizer: ConnId) -> (Id, Vec<Value>) {
    match out {
        [Out::Msg(c, Message::Invocation(i))] if *c == authorizer => {
            (i.request, i.payload.args().to_vec())
        }
        other => panic!("expected the authorizer's INVOCATION, got {other:?}"),
    }
}

fn answer(h: &mut Harness, authorizer: ConnId, inv: Id, v: Value) -> Vec<Out> {
    h.send(
        authorizer,
        Yield {
            request: inv,
            payload: args(vec![v]),
            ..Default::default()
        },
    )
}

#[test]
fn the_authorizer_procedure_decides_for_its_role() {
    let mut h = Harness::with_config(config());
    let (auth, _) = h.join();
    h.register(auth, AUTHORIZER, Default::default());
    let user = join_user(&mut h);

    // Allowed: the SUBSCRIBE is handled once the authorizer says true.
    let (inv, a) = asked(&subscribe(&mut h, user, 1, "com.news"), auth);
    let details = a[0].as_dict().expect("session details");
    assert_eq!(details.get("authid"), Some(&Value::from("joe")));
    assert_eq!(details.get("authrole"), Some(&Value::from("user")));
    assert_eq!(a[1], Value::from("com.news"));
    assert_eq!(a[2], Value::from("subscribe"));
    assert!(a[3].as_dict().is_some(), "options");
    let out = answer(&mut h, auth, inv, Value::from(true));
    assert!(
        matches!(&out[..], [Out::Msg(c, Message::Subscribed(_))] if *c == user),
        "{out:?}"
    );

    // Denied by `false`, and by a dict without allow.
    let (inv, _) = asked(&subscribe(&mut h, user, 2, "com.secret"), auth);
    let out = answer(&mut h, auth, inv, Value::from(false));
    assert_eq!(only_error(&out, user), error_uri::NOT_AUTHORIZED);
    let (inv, _) = asked(&subscribe(&mut h, user, 3, "com.secret"), auth);
    let out = answer(&mut h, auth, inv, Value::Dict(Dict::new()));
    assert_eq!(only_error(&out, user), error_uri::NOT_AUTHORIZED);

    // An ERROR from the authorizer denies.
    let (inv, _) = asked(&subscribe(&mut h, user, 4, "com.x"), auth);
    let out = h.send(
        auth,
        ErrorMessage {
            request_type: code::INVOCATION,
            request: inv,
            error: "com.example.oops".into(),
            ..Default::default()
        },
    );
    assert_eq!(only_error(&out, user), error_uri::NOT_AUTHORIZED);

    // A dict answer with disclose: the callee sees the caller.
    let (inv, a) = asked(
        &h.send(
            user,
            Register {
                request: id(5),
                procedure: "com.user.proc".into(),
                ..Default::default()
            },
        ),
        auth,
    );
    assert_eq!(a[2], Value::from("register"));
    let out = answer(&mut h, auth, inv, Value::from(true));
    assert!(
        matches!(&out[..], [Out::Msg(_, Message::Registered(_))]),
        "{out:?}"
    );
    let (other, _) = h.join();
    h.register(other, "com.other", Default::default());
    let call = Call {
        request: id(6),
        procedure: "com.other".into(),
        ..Default::default()
    };
    let (inv, a) = asked(&h.send(user, call), auth);
    assert_eq!(a[2], Value::from("call"));
    let mut allow = Dict::new();
    allow.insert("allow".into(), Value::from(true));
    allow.insert("disclose".into(), Value::from(true));
    let out = answer(&mut h, auth, inv, Value::Dict(allow));
    match &out[..] {
        [Out::Msg(c, Message::Invocation(i))] if *c == other => {
            assert!(i.details.caller.is_some(), "caller disclosed: {i:?}");
            assert_eq!(i.details.caller_authid.as_deref(), Some("joe"));
        }
        other => panic!("expected the INVOCATION, got {other:?}"),
    }

    // Sessions of other roles are not asked.
    let out = subscribe(&mut h, other, 7, "com.news");
    assert!(
        matches!(&out[..], [Out::Msg(_, Message::Subscribed(_))]),
        "{out:?}"
    );
}

#[test]
fn no_answer_in_time_or_no_authorizer_denies() {
    let mut h = Harness::with_config(config());
    let user = join_user(&mut h);
    // Nobody registered the authorizer yet.
    let out = subscribe(&mut h, user, 1, "com.news");
    assert_eq!(only_error(&out, user), error_uri::NOT_AUTHORIZED);

    let (auth, _) = h.join();
    h.register(auth, AUTHORIZER, Default::default());
    let (inv, _) = asked(&subscribe(&mut h, user, 2, "com.news"), auth);
    assert!(h.advance(Duration::from_millis(999)).is_empty());
    let out = h.advance(Duration::from_millis(2));
    assert_eq!(only_error(&out, user), error_uri::NOT_AUTHORIZED);
    // A late answer changes nothing.
    assert!(answer(&mut h, auth, inv, Value::from(true)).is_empty());

    // A PUBLISH denied without acknowledge is dropped silently; with it, refused.
    let publish = |ack: bool| Publish {
        request: id(3),
        topic: "com.t".into(),
        options: ferrobahn_wamp::options::PublishOptions {
            acknowledge: ack.then_some(true),
            ..Default::default()
        }
        .into(),
        ..Default::default()
    };
    let (inv, a) = asked(&h.send(user, publish(false)), auth);
    assert_eq!(a[2], Value::from("publish"));
    assert!(answer(&mut h, auth, inv, Value::from(false)).is_empty());
    let (inv, _) = asked(&h.send(user, publish(true)), auth);
    let out = answer(&mut h, auth, inv, Value::from(false));
    assert_eq!(only_error(&out, user), error_uri::NOT_AUTHORIZED);
}
