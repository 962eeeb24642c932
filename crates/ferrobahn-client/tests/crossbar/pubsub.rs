//! Advanced PubSub against Crossbar: exclusion and eligibility lists (session, authid,
//! authrole), publisher disclosure, retained events, pattern-based subscriptions.

use std::time::Duration;

use ferrobahn_client::wamp::options::{PublishOptions, SubscribeOptions};
use ferrobahn_client::wamp::{Id, MatchPolicy, Payload, Value};
use ferrobahn_client::{Client, Credentials, JoinOptions, Subscription};

use super::util::{joined, run, sleep, uri, ws_client};

fn ack() -> PublishOptions {
    PublishOptions {
        acknowledge: Some(true),
        ..Default::default()
    }
}

/// The event payloads that arrived on `sub` within a short wait, in order.
async fn drain(sub: &mut Subscription) -> Vec<Value> {
    let mut got = Vec::new();
    loop {
        let runtime = super::rt::runtime();
        let deadline = runtime.now() + Duration::from_millis(300);
        match ferrobahn_rt::timeout_at(&*runtime, deadline, sub.next()).await {
            Some(Some(e)) => got.push(e.args.first().cloned().unwrap_or_default()),
            _ => return got,
        }
    }
}

async fn session_id(c: &Client) -> Id {
    let r = c.call("wamp.session.get_self", ()).await;
    // Crossbar does not offer wamp.session.get_self to every role; fall back to the
    // session ID a published, self-delivered event discloses.
    if let Ok(r) = r {
        if let Some(id) = r
            .args
            .first()
            .and_then(|d| d.as_dict())
            .and_then(|d| d.get("session"))
        {
            return Id::new(id.as_u64().unwrap()).unwrap();
        }
    }
    let topic = uri(&format!("whoami{}", rand_suffix()));
    let mut sub = c.subscribe(&topic, Default::default()).await.unwrap();
    let opts = PublishOptions {
        exclude_me: Some(false),
        disclose_me: Some(true),
        ..ack()
    };
    c.publish(&topic, Payload::Empty, opts).await.unwrap();
    let e = sub.next().await.unwrap();
    e.details.publisher.unwrap()
}

fn rand_suffix() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish()
}

#[test]
fn exclude_and_eligible_by_session_authid_authrole() {
    run(|node| async move {
        let topic = uri("lists");
        let publ = joined(node).await;
        let a = joined(node).await;
        let b = ws_client(node, "wamp.2.msgpack").await;
        b.join(
            JoinOptions::new("realm1")
                .with_authid("joe")
                .with_credentials(Credentials::Ticket("joe-ticket-1".into())),
        )
        .await
        .unwrap();
        let (a_id, b_id) = (session_id(&a).await, session_id(&b).await);
        let mut sa = a.subscribe(&topic, Default::default()).await.unwrap();
        let mut sb = b.subscribe(&topic, Default::default()).await.unwrap();
        let cases: Vec<(PublishOptions, bool, bool)> = vec![
            (
                PublishOptions {
                    exclude: Some(vec![a_id]),
                    ..ack()
                },
                false,
                true,
            ),
            (
                PublishOptions {
                    eligible: Some(vec![a_id]),
                    ..ack()
                },
                true,
                false,
            ),
            (
                PublishOptions {
                    exclude_authid: Some(vec!["joe".into()]),
                    ..ack()
                },
                true,
                false,
            ),
            (
                PublishOptions {
                    eligible_authid: Some(vec!["joe".into()]),
                    ..ack()
                },
                false,
                true,
            ),
            (
                PublishOptions {
                    exclude_authrole: Some(vec!["user".into()]),
                    ..ack()
                },
                true,
                false,
            ),
            (
                PublishOptions {
                    eligible_authrole: Some(vec!["user".into()]),
                    ..ack()
                },
                false,
                true,
            ),
        ];
        for (i, (opts, to_a, to_b)) in cases.into_iter().enumerate() {
            let n = i64::try_from(i).unwrap();
            publ.publish(&topic, Payload::from_args(&(n,)).unwrap(), opts)
                .await
                .unwrap();
            let (ga, gb) = (drain(&mut sa).await, drain(&mut sb).await);
            assert_eq!(
                ga == [Value::Int(n)],
                to_a,
                "case {i}: a got {ga:?} (a={a_id}, b={b_id})"
            );
            assert_eq!(gb == [Value::Int(n)], to_b, "case {i}: b got {gb:?}");
        }
        for c in [publ, a, b] {
            c.disconnect().await;
        }
    });
}

#[test]
fn publisher_disclosure() {
    run(|node| async move {
        let topic = uri("disclose");
        let publ = joined(node).await;
        let sub = joined(node).await;
        let mut events = sub.subscribe(&topic, Default::default()).await.unwrap();
        let opts = PublishOptions {
            disclose_me: Some(true),
            ..ack()
        };
        publ.publish(&topic, Payload::Empty, opts).await.unwrap();
        let e = events.next().await.unwrap();
        assert!(e.details.publisher.is_some(), "{:?}", e.details);
        assert_eq!(e.details.publisher_authrole.as_deref(), Some("anonymous"));
        // (The test config's roles disclose publishers even without disclose_me, so
        // the opposite case is a router policy, not tested here.)
        publ.disconnect().await;
        sub.disconnect().await;
    });
}

#[test]
fn retained_events() {
    run(|node| async move {
        let topic = uri("retained");
        let publ = joined(node).await;
        let opts = PublishOptions {
            retain: Some(true),
            ..ack()
        };
        publ.publish(&topic, Payload::from_args(&("kept",)).unwrap(), opts)
            .await
            .unwrap();
        let late = joined(node).await;
        let get = SubscribeOptions {
            get_retained: Some(true),
            ..Default::default()
        };
        let mut events = late.subscribe(&topic, get).await.unwrap();
        let e = events.next().await.unwrap();
        assert_eq!(e.args, [Value::from("kept")]);
        assert_eq!(e.details.retained, Some(true));
        // Without get_retained nothing is replayed.
        let mut plain = late.subscribe(&topic, Default::default()).await;
        if let Ok(s) = plain.as_mut() {
            assert!(drain(s).await.is_empty());
        }
        publ.disconnect().await;
        late.disconnect().await;
    });
}

#[test]
fn pattern_based_subscriptions() {
    run(|node| async move {
        let base = uri("pat");
        let publ = joined(node).await;
        let sub = joined(node).await;
        let mut prefix = sub
            .subscribe(
                &format!("{base}."),
                SubscribeOptions {
                    match_policy: Some(MatchPolicy::Prefix),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let mut wildcard = sub
            .subscribe(
                &format!("{base}..temp"),
                SubscribeOptions {
                    match_policy: Some(MatchPolicy::Wildcard),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let t1 = format!("{base}.room1.temp");
        let t2 = format!("{base}.room1.humidity");
        publ.publish(&t1, Payload::from_args(&(21,)).unwrap(), ack())
            .await
            .unwrap();
        publ.publish(&t2, Payload::from_args(&(40,)).unwrap(), ack())
            .await
            .unwrap();
        let e = prefix.next().await.unwrap();
        assert_eq!(e.details.topic.as_deref(), Some(t1.as_str()));
        let e = prefix.next().await.unwrap();
        assert_eq!(e.details.topic.as_deref(), Some(t2.as_str()));
        let e = wildcard.next().await.unwrap();
        assert_eq!(e.details.topic.as_deref(), Some(t1.as_str()));
        assert_eq!(e.args, [Value::Int(21)]);
        sleep(Duration::from_millis(200)).await;
        assert!(drain(&mut wildcard).await.is_empty());
        publ.disconnect().await;
        sub.disconnect().await;
    });
}
