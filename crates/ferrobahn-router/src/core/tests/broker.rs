//! Broker: matching, exclusion, black/white listing, disclosure, acknowledgement,
//! retention, the subscription meta API and authorization.

use ferrobahn_wamp::message::*;
use ferrobahn_wamp::options::*;
use ferrobahn_wamp::{error_uri, MatchPolicy, Message, Payload, Value};

use super::*;
use crate::config::{Allow, MatchPolicyConfig, Permission, RealmConfig, RoleConfig};

fn publish(h: &mut Harness, c: ConnId, topic: &str, options: PublishOptions) -> Vec<Out> {
    let m = Publish {
        request: id(9),
        options: options.into(),
        topic: topic.into(),
        payload: args(vec![Value::from(1)]),
    };
    h.send(c, m)
}

fn events(out: &[Out]) -> Vec<(ConnId, &Event)> {
    out.iter()
        .filter_map(|o| match o {
            Out::Msg(c, Message::Event(e)) => Some((*c, e)),
            _ => None,
        })
        .collect()
}

#[test]
fn one_event_per_subscription_shared_by_all_subscribers() {
    let mut h = Harness::new();
    let (a, _) = h.join();
    let (b, _) = h.join();
    let (p, _) = h.join();
    let sa = h.subscribe(a, "com.t", None);
    let sb = h.subscribe(b, "com.t", None);
    assert_eq!(sa, sb, "subscribers of one topic share a subscription");
    h.router.handle(
        h.now,
        p,
        Message::Publish(Publish {
            request: id(1),
            topic: "com.t".into(),
            ..Default::default()
        }),
    );
    let Some(Transmit::Send { to, message }) = h.router.poll_transmit() else {
        panic!()
    };
    assert_eq!(to.as_slice(), &[a, b]);
    assert!(matches!(&*message, Message::Event(e) if e.subscription == sa));
    assert!(h.router.poll_transmit().is_none());
}

#[test]
fn publisher_is_excluded_unless_exclude_me_false() {
    let mut h = Harness::new();
    let (a, _) = h.join();
    h.subscribe(a, "t", None);
    assert!(publish(&mut h, a, "t", PublishOptions::default()).is_empty());
    let out = publish(
        &mut h,
        a,
        "t",
        PublishOptions {
            exclude_me: Some(false),
            ..Default::default()
        },
    );
    assert_eq!(events(&out).len(), 1);
}

#[test]
fn prefix_and_wildcard_subscriptions_get_the_concrete_topic() {
    let mut h = Harness::new();
    let (a, _) = h.join();
    let (p, _) = h.join();
    let exact = h.subscribe(a, "com.app.x.update", None);
    let prefix = h.subscribe(a, "com.app.", Some(MatchPolicy::Prefix));
    let wild = h.subscribe(a, "com..x.update", Some(MatchPolicy::Wildcard));
    let out = publish(&mut h, p, "com.app.x.update", PublishOptions::default());
    let ev = events(&out);
    assert_eq!(ev.len(), 3);
    for (_, e) in &ev {
        let want_topic = if e.subscription == exact {
            None
        } else {
            Some("com.app.x.update")
        };
        assert_eq!(e.details.topic.as_deref(), want_topic);
        assert!([exact, prefix, wild].contains(&e.subscription));
        // The payload moves into the first EVENT and is copied for the others.
        assert_eq!(e.payload.args(), &[Value::from(1)]);
    }
    let out = publish(&mut h, p, "com.app.y", PublishOptions::default());
    assert_eq!(
        events(&out)
            .iter()
            .map(|(_, e)| e.subscription)
            .collect::<Vec<_>>(),
        vec![prefix]
    );
    assert!(publish(&mut h, p, "org.app", PublishOptions::default()).is_empty());
}

#[test]
fn black_and_white_listing() {
    let mut h = Harness::new();
    let (a, sa) = h.join();
    let (b, sb) = h.join();
    let (p, _) = h.join();
    h.subscribe(a, "t", None);
    h.subscribe(b, "t", None);
    let only = |out: &[Out]| events(out).into_iter().map(|(c, _)| c).collect::<Vec<_>>();
    let anonymous = || Some(vec!["anonymous".into()]);
    // The options of each PUBLISH and who gets the event (nobody: no output at all).
    let cases = [
        (
            PublishOptions {
                exclude: Some(vec![sa]),
                ..Default::default()
            },
            vec![b],
        ),
        (
            PublishOptions {
                eligible: Some(vec![sa]),
                ..Default::default()
            },
            vec![a],
        ),
        (
            PublishOptions {
                eligible: Some(vec![sa, sb]),
                exclude: Some(vec![sb]),
                ..Default::default()
            },
            vec![a],
        ),
        (
            PublishOptions {
                exclude_authrole: anonymous(),
                ..Default::default()
            },
            vec![],
        ),
        (
            PublishOptions {
                eligible_authrole: anonymous(),
                ..Default::default()
            },
            vec![a, b],
        ),
        (
            PublishOptions {
                eligible_authid: Some(vec!["nobody".into()]),
                ..Default::default()
            },
            vec![],
        ),
    ];
    for (options, to) in cases {
        let out = publish(&mut h, p, "t", options);
        if to.is_empty() {
            assert!(out.is_empty(), "{out:?}");
        } else {
            assert_eq!(only(&out), to);
        }
    }
}

#[test]
fn publisher_disclosure_and_acknowledgement() {
    let mut h = Harness::new();
    let (a, _) = h.join();
    let (p, sp) = h.join();
    h.subscribe(a, "t", None);
    let out = publish(&mut h, p, "t", PublishOptions::default());
    assert_eq!(events(&out)[0].1.details.publisher, None);
    let out = publish(
        &mut h,
        p,
        "t",
        PublishOptions {
            disclose_me: Some(true),
            acknowledge: Some(true),
            ..Default::default()
        },
    );
    let [Out::Msg(_, Message::Event(e)), Out::Msg(to, Message::Published(ack))] = out.as_slice()
    else {
        panic!("{out:?}")
    };
    assert_eq!(e.details.publisher, Some(sp));
    assert_eq!(e.details.publisher_authrole.as_deref(), Some("anonymous"));
    assert_eq!(
        (*to, ack.request, ack.publication),
        (p, id(9), e.publication)
    );
}

#[test]
fn retained_event_is_delivered_on_subscribe() {
    let mut h = Harness::new();
    let (p, _) = h.join();
    publish(
        &mut h,
        p,
        "com.r",
        PublishOptions {
            retain: Some(true),
            ..Default::default()
        },
    );
    let (a, _) = h.join();
    // Without get_retained: nothing.
    h.subscribe(a, "com.r", None);
    let (b, _) = h.join();
    let m = Subscribe {
        request: id(3),
        options: SubscribeOptions {
            get_retained: Some(true),
            match_policy: Some(MatchPolicy::Prefix),
            ..Default::default()
        },
        topic: "com.".into(),
    };
    let out = h.send(b, m);
    let [Out::Msg(_, Message::Subscribed(s)), Out::Msg(to, Message::Event(e))] = out.as_slice()
    else {
        panic!("{out:?}")
    };
    assert_eq!((*to, e.subscription), (b, s.subscription));
    assert_eq!(e.details.retained, Some(true));
    assert_eq!(e.details.topic.as_deref(), Some("com.r"));
    assert_eq!(e.payload.args(), &[Value::from(1)]);
}

#[test]
fn unsubscribe_and_errors() {
    let mut h = Harness::new();
    let (a, _) = h.join();
    let (p, _) = h.join();
    let s = h.subscribe(a, "t", None);
    let out = h.send(
        a,
        Unsubscribe {
            request: id(2),
            subscription: s,
            options: None,
        },
    );
    assert!(
        matches!(out.as_slice(), [Out::Msg(_, Message::Unsubscribed(u))] if u.request == id(2))
    );
    assert!(publish(&mut h, p, "t", PublishOptions::default()).is_empty());
    let out = h.send(
        a,
        Unsubscribe {
            request: id(3),
            subscription: s,
            options: None,
        },
    );
    assert_eq!(only_error(&out, a), error_uri::NO_SUCH_SUBSCRIPTION);
    // Someone else's subscription.
    let s2 = h.subscribe(a, "u", None);
    let out = h.send(
        p,
        Unsubscribe {
            request: id(4),
            subscription: s2,
            options: None,
        },
    );
    assert_eq!(only_error(&out, p), error_uri::NO_SUCH_SUBSCRIPTION);
}

#[test]
fn leaving_removes_subscriptions() {
    let mut h = Harness::new();
    let (a, _) = h.join();
    let (p, _) = h.join();
    h.subscribe(a, "t", None);
    h.router.detach(h.now, a);
    h.drain();
    assert!(publish(&mut h, p, "t", PublishOptions::default()).is_empty());
    assert!(h.router.realms[0].broker.subs.is_empty());
}

#[test]
fn subscription_meta_api() {
    let mut h = Harness::new();
    let (a, sa) = h.join();
    let (w, _) = h.join();
    let out = h.send(
        w,
        Subscribe {
            request: id(1),
            topic: "wamp.subscription.on_subscribe".into(),
            ..Default::default()
        },
    );
    // The watcher sees its own subscription announced.
    let [Out::Msg(_, Message::Subscribed(s)), Out::Msg(_, Message::Event(_))] = out.as_slice()
    else {
        panic!("{out:?}")
    };
    let on_sub = s.subscription;
    let out = h.send(
        a,
        Subscribe {
            request: id(1),
            topic: "com.m".into(),
            ..Default::default()
        },
    );
    let [Out::Msg(_, Message::Subscribed(s)), ..] = out.as_slice() else {
        panic!("{out:?}")
    };
    let sub = s.subscription;
    let ev = events(&out);
    assert!(ev.iter().any(|(c, e)| *c == w
        && e.subscription == on_sub
        && e.payload.args() == [Value::from_u64(sa.get()), Value::from_u64(sub.get())]));
    let call = |h: &mut Harness, proc_: &str, a_: Vec<Value>| h.meta(w, proc_, a_);
    assert_eq!(
        call(&mut h, "wamp.subscription.lookup", vec!["com.m".into()]),
        vec![Value::from_u64(sub.get())]
    );
    assert_eq!(
        call(&mut h, "wamp.subscription.lookup", vec!["com.zz".into()]),
        vec![Value::Null]
    );
    assert_eq!(
        call(&mut h, "wamp.subscription.match", vec!["com.m".into()]),
        vec![Value::List(vec![Value::from_u64(sub.get())])]
    );
    assert_eq!(
        call(
            &mut h,
            "wamp.subscription.list_subscribers",
            vec![Value::from_u64(sub.get())]
        ),
        vec![Value::List(vec![Value::from_u64(sa.get())])]
    );
    assert_eq!(
        call(
            &mut h,
            "wamp.subscription.count_subscribers",
            vec![Value::from_u64(sub.get())]
        ),
        vec![Value::from_u64(1)]
    );
    let got = call(
        &mut h,
        "wamp.subscription.get",
        vec![Value::from_u64(sub.get())],
    );
    assert_eq!(got[0].as_dict().unwrap()["uri"], Value::from("com.m"));
    let list = call(&mut h, "wamp.subscription.list", vec![]);
    assert!(list[0].as_dict().unwrap()["exact"]
        .as_list()
        .unwrap()
        .contains(&Value::from_u64(sub.get())));
}

fn restricted_config() -> RouterConfig {
    let mut realm = RealmConfig::permissive("realm1");
    realm.roles = vec![RoleConfig {
        name: "anonymous".into(),
        authorizer: None,
        permissions: vec![
            Permission::all("com.", MatchPolicyConfig::Prefix),
            Permission {
                uri: "com.private.".into(),
                match_policy: MatchPolicyConfig::Prefix,
                allow: Allow {
                    call: false,
                    register: false,
                    publish: false,
                    subscribe: false,
                },
                ..Permission::default()
            },
        ],
    }];
    RouterConfig {
        realms: vec![realm],
        ..RouterConfig::default()
    }
}

#[test]
fn unauthorized_subscribe_and_publish() {
    let mut h = Harness::with_config(restricted_config());
    let (a, _) = h.join();
    let out = h.send(
        a,
        Subscribe {
            request: id(1),
            topic: "com.private.x".into(),
            ..Default::default()
        },
    );
    assert_eq!(only_error(&out, a), error_uri::NOT_AUTHORIZED);
    let out = h.send(
        a,
        Subscribe {
            request: id(1),
            topic: "org.x".into(),
            ..Default::default()
        },
    );
    assert_eq!(only_error(&out, a), error_uri::NOT_AUTHORIZED);
    // Unacknowledged: silently dropped; acknowledged: an error.
    assert!(publish(&mut h, a, "com.private.x", PublishOptions::default()).is_empty());
    let out = publish(
        &mut h,
        a,
        "com.private.x",
        PublishOptions {
            acknowledge: Some(true),
            ..Default::default()
        },
    );
    assert_eq!(only_error(&out, a), error_uri::NOT_AUTHORIZED);
    let _ = Payload::Empty;
}
