//! Session lifecycle, auth, failures and limits.

use std::time::{Duration, Instant};

use ferrobahn_wamp::message::*;
use ferrobahn_wamp::Payload;

use super::super::*;
use super::{drain, events, id, joined, welcome};
use crate::auth::Credentials;

#[test]
fn goodbye_both_ways_and_session_series() {
    let (mut s, now) = joined();
    s.leave(now, None).unwrap();
    assert!(
        matches!(&drain(&mut s)[..], [Message::Goodbye(g)] if g.reason == "wamp.close.close_realm")
    );
    s.handle_message(
        now,
        Goodbye {
            details: Default::default(),
            reason: "wamp.close.goodbye_and_out".into(),
        }
        .into(),
    );
    assert!(drain(&mut s).is_empty());
    assert!(
        matches!(&events(&mut s)[..], [SessionEvent::Left(SessionError::Left(r))] if r == "wamp.close.goodbye_and_out")
    );
    // A second session over the same core.
    s.join(now, JoinOptions::new("realm2")).unwrap();
    drain(&mut s);
    s.handle_message(now, welcome(8));
    assert!(matches!(&events(&mut s)[..], [SessionEvent::Joined(d)] if d.session == id(8)));
    // Router-initiated GOODBYE is answered.
    let req = s
        .call(now, "com.x", Payload::Empty, Default::default())
        .unwrap();
    drain(&mut s);
    s.handle_message(
        now,
        Goodbye {
            details: Default::default(),
            reason: "wamp.close.system_shutdown".into(),
        }
        .into(),
    );
    assert!(
        matches!(&drain(&mut s)[..], [Message::Goodbye(g)] if g.reason == "wamp.close.goodbye_and_out")
    );
    let ev = events(&mut s);
    assert!(
        matches!(&ev[..], [SessionEvent::CallDone { request, result: Err(RequestError::SessionLost(_)) }, SessionEvent::Left(_)] if *request == req)
    );
}

#[test]
fn join_abort_timeout_and_challenge() {
    let now = Instant::now();
    let mut s = Session::new(SessionConfig::default());
    s.join(now, JoinOptions::new("nope")).unwrap();
    drain(&mut s);
    s.handle_message(
        now,
        Abort {
            details: Default::default(),
            reason: "wamp.error.no_such_realm".into(),
        }
        .into(),
    );
    assert!(
        matches!(&events(&mut s)[..], [SessionEvent::Left(SessionError::Aborted { reason, .. })] if reason == "wamp.error.no_such_realm")
    );

    s.join(now, JoinOptions::new("realm1")).unwrap();
    drain(&mut s);
    s.handle_timeout(now + Duration::from_secs(10));
    assert!(matches!(&drain(&mut s)[..], [Message::Abort(_)]));
    assert!(matches!(
        &events(&mut s)[..],
        [SessionEvent::Left(SessionError::Timeout("join"))]
    ));

    s.join(
        now,
        JoinOptions::new("realm1").with_credentials(Credentials::Ticket("t0p".into())),
    )
    .unwrap();
    drain(&mut s);
    s.handle_message(
        now,
        Challenge {
            method: "ticket".into(),
            extra: Default::default(),
        }
        .into(),
    );
    assert!(matches!(&drain(&mut s)[..], [Message::Authenticate(a)] if a.signature == "t0p"));
    s.handle_message(
        now,
        Challenge {
            method: "wampcra".into(),
            extra: Default::default(),
        }
        .into(),
    );
    assert!(matches!(&drain(&mut s)[..], [Message::Abort(_)]));
    assert!(matches!(
        &events(&mut s)[..],
        [SessionEvent::Left(SessionError::Auth(_))]
    ));
}

#[test]
fn garbage_from_the_router_fails_every_pending_request() {
    let (mut s, now) = joined();
    let c = s
        .call(now, "com.x", Payload::Empty, Default::default())
        .unwrap();
    let r = s.register("com.y", Default::default()).unwrap();
    drain(&mut s);
    s.handle_message(now, welcome(9)); // WELCOME inside a session
    let ev = events(&mut s);
    assert_eq!(ev.len(), 3);
    assert!(
        matches!(&ev[0], SessionEvent::CallDone { request, result: Err(RequestError::SessionLost(SessionError::Protocol(_))) } if *request == c)
    );
    assert!(
        matches!(&ev[1], SessionEvent::RequestDone { request, result: Err(_) } if *request == r)
    );
    assert_eq!(s.state(), SessionState::Closed);
    // An answer of the wrong kind is a violation too.
    let (mut s, now) = joined();
    let req = s.subscribe("com.t", Default::default()).unwrap();
    s.handle_message(
        now,
        Registered {
            request: req,
            registration: id(1),
        }
        .into(),
    );
    assert_eq!(s.state(), SessionState::Closed);
    // Transport loss.
    let (mut s, now) = joined();
    s.call(now, "com.x", Payload::Empty, Default::default())
        .unwrap();
    s.handle_transport_closed("eof");
    assert!(drain(&mut s).is_empty());
    let ev = events(&mut s);
    assert!(matches!(
        ev.last(),
        Some(SessionEvent::Left(SessionError::TransportLost(_)))
    ));
}

#[test]
fn pending_limit() {
    let now = Instant::now();
    let mut s = Session::new(SessionConfig {
        max_pending_requests: 2,
        ..Default::default()
    });
    s.join(now, JoinOptions::new("realm1")).unwrap();
    s.handle_message(now, welcome(1));
    s.call(now, "com.x", Payload::Empty, Default::default())
        .unwrap();
    s.call(now, "com.x", Payload::Empty, Default::default())
        .unwrap();
    assert_eq!(
        s.call(now, "com.x", Payload::Empty, Default::default()),
        Err(UsageError::TooManyPending(2))
    );
}

#[test]
fn every_invalid_command_is_refused_with_nothing_sent() {
    use ferrobahn_wamp::options::{CallOptions, CancelMode, RegisterOptions};
    use ferrobahn_wamp::MatchPolicy;

    // Joining: a realm that is not a URI.
    let now = Instant::now();
    let mut fresh = Session::new(SessionConfig::default());
    assert!(matches!(
        fresh.join(now, JoinOptions::new("bad realm")),
        Err(UsageError::InvalidUri(_))
    ));
    assert_eq!(fresh.state(), SessionState::Closed);
    assert!(drain(&mut fresh).is_empty());

    let (mut s, now) = joined();
    drain(&mut s);
    // Calls: bad URI, progressive invocation (not supported), unknown request to cancel.
    assert!(matches!(
        s.call(now, "com.x.", Payload::Empty, Default::default()),
        Err(UsageError::InvalidUri(_))
    ));
    let progressive = CallOptions {
        progress: Some(true),
        ..Default::default()
    };
    assert!(matches!(
        s.call(now, "com.x", Payload::Empty, progressive),
        Err(UsageError::InvalidOption(_))
    ));
    assert!(matches!(
        s.cancel(now, id(4242), CancelMode::Kill),
        Err(UsageError::Unknown("call", 4242))
    ));
    // Registrations: a pattern used as an exact URI, a bad prefix, zero concurrency.
    assert!(matches!(
        s.register("com..x", Default::default()),
        Err(UsageError::InvalidUri(_))
    ));
    let prefix = RegisterOptions {
        match_policy: Some(MatchPolicy::Prefix),
        ..Default::default()
    };
    assert!(matches!(
        s.register("com x", prefix),
        Err(UsageError::InvalidUri(_))
    ));
    assert!(matches!(
        s.unregister(id(5)),
        Err(UsageError::Unknown("registration", 5))
    ));
    // Publications and subscriptions.
    assert!(matches!(
        s.publish("com.#x", Payload::Empty, Default::default()),
        Err(UsageError::InvalidUri(_))
    ));
    assert!(matches!(
        s.subscribe("", Default::default()),
        Err(UsageError::InvalidUri(_))
    ));
    // Leaving with a reason that is not a URI.
    assert!(matches!(
        s.leave(now, Some("not a uri")),
        Err(UsageError::InvalidUri(_))
    ));
    assert_eq!(s.state(), SessionState::Established);
    // Nothing went out, nothing is pending, no event.
    assert!(drain(&mut s).is_empty());
    assert!(events(&mut s).is_empty());
    assert_eq!(s.poll_timeout(), None);
}

#[test]
fn cryptosign_channel_binding_in_hello_and_signature() {
    use crate::auth::ChannelBinding;
    use ferrobahn_wamp::options::ChallengeExtra;

    let now = Instant::now();
    let mut s = Session::new(SessionConfig::default());
    let key = Credentials::cryptosign_from_hex(&"03".repeat(32)).unwrap();
    let binding = ChannelBinding::new("tls-unique", [0xff; 32]);
    let join = JoinOptions::new("realm1")
        .with_credentials(key)
        .with_channel_binding(binding);
    s.join(now, join).unwrap();
    let out = drain(&mut s);
    let [Message::Hello(h)] = &out[..] else {
        panic!("{out:?}")
    };
    let extra = h.details.authextra.as_ref().expect("authextra");
    assert_eq!(extra["channel_binding"], "tls-unique".into());
    assert!(extra.contains_key("pubkey"));
    s.handle_message(
        now,
        Challenge {
            method: "cryptosign".into(),
            extra: ChallengeExtra {
                challenge: Some("00".repeat(32)),
                channel_binding: Some("tls-unique".into()),
                ..Default::default()
            }
            .into(),
        }
        .into(),
    );
    let out = drain(&mut s);
    // Challenge 00.. XOR channel ID ff.. is what was signed (the signature's tail).
    assert!(
        matches!(&out[..], [Message::Authenticate(a)] if a.signature.ends_with(&"ff".repeat(32))),
        "{out:?}"
    );
}

#[test]
fn channel_binding_type_without_a_binding_is_refused_before_hello() {
    use crate::auth::{ChannelBinding, ChannelBindingType};
    use ferrobahn_wamp::options::ChallengeExtra;

    let now = Instant::now();
    let mut s = Session::new(SessionConfig::default());
    let key = Credentials::cryptosign_from_hex(&"03".repeat(32)).unwrap();
    let join = JoinOptions::new("realm1")
        .with_credentials(key.clone())
        .with_channel_binding_type(ChannelBindingType::TlsExporter);
    // No TLS under the session: nothing filled the binding in.
    assert_eq!(
        s.join(now, join.clone()),
        Err(UsageError::ChannelBindingUnavailable(
            ChannelBindingType::TlsExporter
        ))
    );
    assert!(drain(&mut s).is_empty(), "no HELLO");
    assert_eq!(s.state(), SessionState::Closed);
    // A binding of another type does not stand in for it.
    let other = join
        .clone()
        .with_channel_binding(ChannelBinding::new("tls-unique", [1; 32]));
    assert!(matches!(
        s.join(now, other),
        Err(UsageError::InvalidOption(_))
    ));
    // A binding needs cryptosign.
    let ticket = JoinOptions::new("realm1")
        .with_credentials(Credentials::Ticket("t".into()))
        .with_channel_binding(ChannelBinding::tls_exporter([1; 32]));
    assert!(matches!(
        s.join(now, ticket),
        Err(UsageError::InvalidOption(m)) if m.contains("cryptosign")
    ));
    assert!(drain(&mut s).is_empty());
    // Filled in (as the async client does from the transport): HELLO asks for it, and
    // a router that leaves it out of the challenge gets no signature.
    let bound = join.with_channel_binding(ChannelBinding::tls_exporter([2; 32]));
    s.join(now, bound).unwrap();
    let out = drain(&mut s);
    let [Message::Hello(h)] = &out[..] else {
        panic!("{out:?}")
    };
    let extra = h.details.authextra.as_ref().expect("authextra");
    assert_eq!(extra["channel_binding"], "tls-exporter".into());
    s.handle_message(
        now,
        Challenge {
            method: "cryptosign".into(),
            extra: ChallengeExtra {
                challenge: Some("00".repeat(32)),
                ..Default::default()
            }
            .into(),
        }
        .into(),
    );
    let out = drain(&mut s);
    assert!(
        matches!(&out[..], [Message::Abort(a)] if a.reason == "wamp.error.cannot_authenticate"),
        "{out:?}"
    );
    assert!(matches!(
        &events(&mut s)[..],
        [SessionEvent::Left(SessionError::Auth(m))] if m.contains("not bound")
    ));
}
