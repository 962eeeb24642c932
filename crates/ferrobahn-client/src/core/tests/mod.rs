//! Byte-free message scripts against the session core, with a virtual clock.

use std::time::{Duration, Instant};

use ferrobahn_wamp::message::*;
use ferrobahn_wamp::options::*;
use ferrobahn_wamp::roles::feature;
use ferrobahn_wamp::{Id, Message, Payload, Role, RoleFeatures, Roles, Value};

use super::*;
use crate::auth::Credentials;

fn id(n: u64) -> Id {
    Id::new(n).unwrap()
}

fn router_roles() -> Roles {
    let mut r = Roles::default();
    r.set(
        Role::Dealer,
        RoleFeatures::with_features([feature::CALL_CANCELING, feature::PROGRESSIVE_CALL_RESULTS]),
    );
    r.set(Role::Broker, RoleFeatures::with_features([]));
    r
}

fn welcome(session: u64) -> Message {
    Welcome {
        session: id(session),
        details: WelcomeDetails {
            roles: Some(router_roles()),
            authid: Some("anon".into()),
            ..Default::default()
        }
        .into(),
    }
    .into()
}

fn drain(s: &mut Session) -> Vec<Message> {
    std::iter::from_fn(|| s.poll_transmit()).collect()
}

fn events(s: &mut Session) -> Vec<SessionEvent> {
    std::iter::from_fn(|| s.poll_event()).collect()
}

/// A joined session and the clock.
fn joined() -> (Session, Instant) {
    let now = Instant::now();
    let mut s = Session::new(SessionConfig::default());
    s.join(now, JoinOptions::new("realm1")).unwrap();
    let out = drain(&mut s);
    assert!(matches!(&out[..], [Message::Hello(h)] if h.realm == "realm1"));
    s.handle_message(now, welcome(7));
    let ev = events(&mut s);
    assert!(matches!(&ev[..], [SessionEvent::Joined(d)] if d.session == id(7)));
    assert_eq!(s.state(), SessionState::Established);
    (s, now)
}

fn register(s: &mut Session, now: Instant, reg: u64) -> Id {
    let req = s
        .register("com.example.p", RegisterOptions::default())
        .unwrap();
    drain(s);
    s.handle_message(
        now,
        Registered {
            request: req,
            registration: id(reg),
        }
        .into(),
    );
    assert_eq!(
        events(s),
        [SessionEvent::RequestDone {
            request: req,
            result: Ok(Ack::Registered(id(reg)))
        }]
    );
    id(reg)
}

#[test]
fn hello_announces_roles_and_auth() {
    let now = Instant::now();
    let mut s = Session::new(SessionConfig::default());
    let creds = Credentials::cryptosign_from_hex(&"02".repeat(32)).unwrap();
    s.join(
        now,
        JoinOptions::new("realm1")
            .with_credentials(creds)
            .with_authid("alice"),
    )
    .unwrap();
    let Some(Message::Hello(h)) = s.poll_transmit() else {
        panic!("no HELLO")
    };
    let details = h.details.into_inner();
    let roles = details.roles.unwrap();
    assert!(roles
        .get(Role::Caller)
        .unwrap()
        .has(feature::PROGRESSIVE_CALL_RESULTS));
    assert!(roles.get(Role::Subscriber).is_some());
    assert_eq!(details.authmethods.unwrap(), ["cryptosign"]);
    assert_eq!(details.authid.as_deref(), Some("alice"));
    let pubkey = details.authextra.unwrap()["pubkey"].clone();
    assert_eq!(pubkey.as_str().map(str::len), Some(64));
}

#[test]
fn call_result_and_error() {
    let (mut s, now) = joined();
    let req = s
        .call(
            now,
            "com.example.add",
            Payload::from_args(&(1, 2)).unwrap(),
            Default::default(),
        )
        .unwrap();
    assert!(matches!(&drain(&mut s)[..], [Message::Call(c)] if c.request == req));
    s.handle_message(
        now,
        ResultMessage {
            request: req,
            details: Default::default(),
            payload: Payload::from_args(&(3,)).unwrap(),
        }
        .into(),
    );
    let ev = events(&mut s);
    let [SessionEvent::CallDone {
        request,
        result: Ok(r),
    }] = &ev[..]
    else {
        panic!("{ev:?}")
    };
    assert_eq!((*request, r.args.clone()), (req, vec![Value::Int(3)]));

    let req2 = s
        .call(now, "com.example.fail", Payload::Empty, Default::default())
        .unwrap();
    s.handle_message(
        now,
        ErrorMessage {
            request_type: code::CALL,
            request: req2,
            details: Default::default(),
            error: "com.example.error.bad".into(),
            payload: Payload::from_args(&("why",)).unwrap(),
        }
        .into(),
    );
    let ev = events(&mut s);
    let [SessionEvent::CallDone {
        result: Err(RequestError::Application(e)),
        ..
    }] = &ev[..]
    else {
        panic!("{ev:?}")
    };
    assert_eq!(e.error, "com.example.error.bad");
    assert_eq!(e.to_string(), "com.example.error.bad: why");
}

#[test]
fn invalid_input_is_rejected_before_sending() {
    let (mut s, now) = joined();
    drain(&mut s);
    assert!(matches!(
        s.call(now, "com..bad", Payload::Empty, Default::default()),
        Err(UsageError::InvalidUri(_))
    ));
    assert!(s
        .publish("bad uri", Payload::Empty, Default::default())
        .is_err());
    let wildcard = SubscribeOptions {
        match_policy: Some(ferrobahn_wamp::MatchPolicy::Wildcard),
        ..Default::default()
    };
    assert!(s.subscribe("com..x", wildcard).is_ok());
    assert!(s.subscribe("com..x", Default::default()).is_err());
    let zero = RegisterOptions {
        concurrency: Some(0),
        ..Default::default()
    };
    assert!(matches!(
        s.register("com.x", zero),
        Err(UsageError::InvalidOption(_))
    ));
    assert!(matches!(
        s.unsubscribe(id(99)),
        Err(UsageError::Unknown("subscription", 99))
    ));
    // Only the valid subscribe went out.
    assert!(matches!(&drain(&mut s)[..], [Message::Subscribe(_)]));
    let mut closed = Session::new(SessionConfig::default());
    assert!(matches!(
        closed.call(now, "com.x", Payload::Empty, Default::default()),
        Err(UsageError::WrongState("closed", "call"))
    ));
}

#[test]
fn progressive_results_then_final() {
    let (mut s, now) = joined();
    let opts = CallOptions {
        receive_progress: Some(true),
        ..Default::default()
    };
    let req = s.call(now, "com.example.p", Payload::Empty, opts).unwrap();
    for i in 0..3 {
        s.handle_message(
            now,
            ResultMessage {
                request: req,
                details: ResultDetails {
                    progress: Some(true),
                    ..Default::default()
                }
                .into(),
                payload: Payload::from_args(&(i,)).unwrap(),
            }
            .into(),
        );
    }
    s.handle_message(
        now,
        ResultMessage {
            request: req,
            details: Default::default(),
            payload: Payload::Empty,
        }
        .into(),
    );
    let ev = events(&mut s);
    assert_eq!(ev.len(), 4);
    assert!(ev[..3]
        .iter()
        .all(|e| matches!(e, SessionEvent::CallProgress { .. })));
    assert!(matches!(
        ev[3],
        SessionEvent::CallDone { result: Ok(_), .. }
    ));
    assert_eq!(s.pending_requests(), 0);
}

#[test]
fn unasked_progress_is_a_violation() {
    let (mut s, now) = joined();
    let req = s
        .call(now, "com.example.p", Payload::Empty, Default::default())
        .unwrap();
    drain(&mut s);
    s.handle_message(
        now,
        ResultMessage {
            request: req,
            details: ResultDetails {
                progress: Some(true),
                ..Default::default()
            }
            .into(),
            payload: Payload::Empty,
        }
        .into(),
    );
    assert!(
        matches!(&drain(&mut s)[..], [Message::Abort(a)] if a.reason == "wamp.error.protocol_violation")
    );
    let ev = events(&mut s);
    assert!(matches!(
        &ev[..],
        [
            SessionEvent::CallDone {
                result: Err(RequestError::SessionLost(SessionError::Protocol(_))),
                ..
            },
            SessionEvent::Left(SessionError::Protocol(_))
        ]
    ));
}

#[test]
fn call_timeout_cancels_and_drops_late_answer() {
    let (mut s, now) = joined();
    let opts = CallOptions {
        timeout: Some(1000),
        ..Default::default()
    };
    let req = s
        .call(now, "com.example.slow", Payload::Empty, opts)
        .unwrap();
    drain(&mut s);
    assert_eq!(s.poll_timeout(), Some(now + Duration::from_secs(1)));
    s.handle_timeout(now + Duration::from_millis(999));
    assert!(events(&mut s).is_empty());
    s.handle_timeout(now + Duration::from_secs(1));
    assert!(matches!(
        &drain(&mut s)[..],
        [Message::Cancel(c)] if c.request == req && c.options.mode == Some(CancelMode::KillNoWait)
    ));
    assert_eq!(
        events(&mut s),
        [SessionEvent::CallDone {
            request: req,
            result: Err(RequestError::Timeout)
        }]
    );
    // The router's late ERROR is dropped, not a violation.
    s.handle_message(
        now,
        ErrorMessage {
            request_type: code::CALL,
            request: req,
            details: Default::default(),
            error: "wamp.error.canceled".into(),
            payload: Payload::Empty,
        }
        .into(),
    );
    assert!(events(&mut s).is_empty());
    assert_eq!(s.state(), SessionState::Established);
    // The forget timer expires after the grace period.
    assert_eq!(s.poll_timeout(), Some(now + Duration::from_secs(6)));
    s.handle_timeout(now + Duration::from_secs(6));
    assert_eq!(s.poll_timeout(), None);
}

#[test]
fn cancel_sends_cancel_and_waits_for_the_router() {
    let (mut s, now) = joined();
    let req = s
        .call(now, "com.example.slow", Payload::Empty, Default::default())
        .unwrap();
    drain(&mut s);
    s.cancel(now, req, CancelMode::Kill).unwrap();
    assert!(
        matches!(&drain(&mut s)[..], [Message::Cancel(c)] if c.options.mode == Some(CancelMode::Kill))
    );
    assert!(events(&mut s).is_empty());
    s.handle_message(
        now,
        ErrorMessage {
            request_type: code::CALL,
            request: req,
            details: Default::default(),
            error: "wamp.error.canceled".into(),
            payload: Payload::Empty,
        }
        .into(),
    );
    assert!(
        matches!(&events(&mut s)[..], [SessionEvent::CallDone { result: Err(e), .. }]
        if e.error_uri() == Some("wamp.error.canceled"))
    );
    assert!(matches!(
        s.cancel(now, id(999), CancelMode::Kill),
        Err(UsageError::Unknown(..))
    ));
    // Skip ends the call at once; the late RESULT is dropped.
    let req = s
        .call(now, "com.example.slow", Payload::Empty, Default::default())
        .unwrap();
    s.cancel(now, req, CancelMode::Skip).unwrap();
    assert_eq!(
        events(&mut s),
        [SessionEvent::CallDone {
            request: req,
            result: Err(RequestError::Canceled)
        }]
    );
    s.handle_message(
        now,
        ResultMessage {
            request: req,
            ..Default::default()
        }
        .into(),
    );
    assert!(events(&mut s).is_empty());
    assert_eq!(s.state(), SessionState::Established);
}

#[test]
fn invocation_yield_progress_interrupt() {
    let (mut s, now) = joined();
    let reg = register(&mut s, now, 55);
    let inv = |req: u64, progress: bool| -> Message {
        Invocation {
            request: id(req),
            registration: reg,
            details: InvocationDetails {
                receive_progress: progress.then_some(true),
                ..Default::default()
            }
            .into(),
            payload: Payload::from_args(&("x",)).unwrap(),
        }
        .into()
    };
    s.handle_message(now, inv(1, true));
    let ev = events(&mut s);
    assert!(
        matches!(&ev[..], [SessionEvent::Invocation(i)] if i.request == id(1) && i.args == [Value::from("x")])
    );
    s.yield_result(id(1), Payload::Empty, true).unwrap();
    s.yield_result(id(1), Payload::Empty, false).unwrap();
    let out = drain(&mut s);
    assert!(matches!(&out[..], [Message::Yield(a), Message::Yield(b)]
        if a.options.progress == Some(true) && b.options.progress.is_none()));
    assert!(s.yield_result(id(1), Payload::Empty, false).is_err());

    // Progress the caller did not ask for is refused locally.
    s.handle_message(now, inv(2, false));
    events(&mut s);
    assert!(matches!(
        s.yield_result(id(2), Payload::Empty, true),
        Err(UsageError::InvalidOption(_))
    ));
    // INTERRUPT killnowait forgets the invocation.
    s.handle_message(
        now,
        Interrupt {
            request: id(2),
            options: InterruptOptions {
                mode: Some(CancelMode::KillNoWait),
                ..Default::default()
            },
        }
        .into(),
    );
    assert!(matches!(
        &events(&mut s)[..],
        [SessionEvent::Interrupt {
            mode: CancelMode::KillNoWait,
            ..
        }]
    ));
    assert!(s.yield_result(id(2), Payload::Empty, false).is_err());

    // An invocation for an unknown registration is answered with an error.
    s.handle_message(
        now,
        Invocation {
            request: id(3),
            registration: id(1234),
            ..Default::default()
        }
        .into(),
    );
    assert!(matches!(&drain(&mut s)[..], [Message::Error(e)]
        if e.request_type == code::INVOCATION && e.error == "wamp.error.no_such_registration"));
}

#[test]
fn subscribe_event_unsubscribe_and_revocation() {
    let (mut s, now) = joined();
    let req = s.subscribe("com.example.t", Default::default()).unwrap();
    s.handle_message(
        now,
        Subscribed {
            request: req,
            subscription: id(9),
        }
        .into(),
    );
    events(&mut s);
    let ev = |sub: u64| -> Message {
        Event {
            subscription: id(sub),
            publication: id(100),
            details: Default::default(),
            payload: Payload::from_args(&(1,)).unwrap(),
        }
        .into()
    };
    s.handle_message(now, ev(9));
    s.handle_message(now, ev(10)); // not ours: dropped
    let got = events(&mut s);
    assert!(matches!(&got[..], [SessionEvent::Event(e)] if e.subscription == id(9)));
    s.handle_message(
        now,
        Unsubscribed {
            request: Id::ZERO,
            details: Some(UnsubscribedDetails {
                subscription: Some(id(9)),
                reason: Some("wamp.error.gone".into()),
                ..Default::default()
            }),
        }
        .into(),
    );
    assert!(matches!(
        &events(&mut s)[..],
        [SessionEvent::SubscriptionRevoked { subscription, .. }] if *subscription == id(9)
    ));
    assert!(s.unsubscribe(id(9)).is_err());
}

#[test]
fn acknowledged_publish_and_plain_publish() {
    let (mut s, now) = joined();
    let plain = s
        .publish("com.t", Payload::Empty, Default::default())
        .unwrap();
    assert_eq!(s.pending_requests(), 0);
    let ack = PublishOptions {
        acknowledge: Some(true),
        ..Default::default()
    };
    let req = s.publish("com.t", Payload::Empty, ack).unwrap();
    assert_ne!(plain, req);
    s.handle_message(
        now,
        Published {
            request: req,
            publication: id(5),
        }
        .into(),
    );
    assert_eq!(
        events(&mut s),
        [SessionEvent::RequestDone {
            request: req,
            result: Ok(Ack::Published(id(5)))
        }]
    );
}

mod session;
