//! Session lifecycle, RPC and PubSub basics against Crossbar.

use ferrobahn_client::wamp::options::PublishOptions;
use ferrobahn_client::wamp::{Payload, Value};
use ferrobahn_client::{
    ApplicationError, Invocation, JoinOptions, ProcedureResult, RequestError, SessionError,
    UsageError,
};

use super::util::{joined, joined_with, run, uri, ws_client};

#[test]
fn join_and_leave_with_every_serializer() {
    run(|node| async move {
        for ser in [
            "wamp.2.json",
            "wamp.2.msgpack",
            "wamp.2.cbor",
            "wamp.2.ubjson",
            "wamp.2.json.batched",
            "wamp.2.msgpack.batched",
            "wamp.2.cbor.batched",
            "wamp.2.ubjson.batched",
        ] {
            let c = ws_client(node, ser).await;
            let d = c.join(JoinOptions::new("realm1")).await.expect(ser);
            assert_eq!(d.realm, "realm1");
            assert_eq!(d.authrole.as_deref(), Some("anonymous"));
            assert!(d.router_roles.dealer.is_some(), "{ser}: {d:?}");
            // Crossbar answers GOODBYE with wamp.close.normal.
            assert!(c.leave().await.unwrap().starts_with("wamp.close."));
            c.disconnect().await;
        }
    });
}

#[test]
fn session_series_over_one_transport() {
    run(|node| async move {
        let c = ws_client(node, "wamp.2.msgpack").await;
        let mut ids = Vec::new();
        for _ in 0..3 {
            let d = c.join(JoinOptions::new("realm1")).await.unwrap();
            ids.push(d.session);
            c.leave().await.unwrap();
        }
        ids.dedup();
        assert_eq!(ids.len(), 3, "three distinct sessions: {ids:?}");
        c.disconnect().await;
    });
}

#[test]
fn unknown_realm_is_aborted() {
    run(|node| async move {
        let c = ws_client(node, "wamp.2.json").await;
        let err = c.join(JoinOptions::new("no.such.realm")).await.unwrap_err();
        assert!(
            matches!(&err, SessionError::Aborted { reason, .. } if reason == "wamp.error.no_such_realm"),
            "{err:?}"
        );
        c.disconnect().await;
    });
}

async fn add2(inv: Invocation) -> ProcedureResult {
    let (a, b): (i64, i64) = inv.parse_args()?;
    Ok(Payload::from_args(&(a + b,))?)
}

#[test]
fn call_and_register() {
    run(|node| async move {
        let callee = joined_with(node, "wamp.2.msgpack").await;
        let caller = joined(node).await;
        let proc_uri = uri("add2");
        let reg = callee
            .register(&proc_uri, Default::default(), add2)
            .await
            .unwrap();
        let r = caller.call(&proc_uri, (20, 22)).await.unwrap();
        assert_eq!(r.args, [Value::Int(42)]);
        let (sum,): (i64,) = r.parse_args().unwrap();
        assert_eq!(sum, 42);

        // Bad arguments come back as the procedure's typed error.
        let err = caller.call(&proc_uri, ("x",)).await.unwrap_err();
        assert_eq!(err.error_uri(), Some("wamp.error.invalid_argument"));

        reg.unregister().await.unwrap();
        let err = caller.call(&proc_uri, (1, 2)).await.unwrap_err();
        assert_eq!(err.error_uri(), Some("wamp.error.no_such_procedure"));
        callee.disconnect().await;
        caller.disconnect().await;
    });
}

#[test]
fn rpc_and_pubsub_over_ubjson() {
    run(|node| async move {
        // Crossbar's ubjson is BJData: large unsigned IDs, floats, nested values.
        let callee = joined_with(node, "wamp.2.ubjson").await;
        let caller = joined_with(node, "wamp.2.ubjson").await;
        let proc_uri = uri("ubjson_echo");
        callee
            .register(
                &proc_uri,
                Default::default(),
                |inv: Invocation| async move { Ok(inv.data().payload()) },
            )
            .await
            .unwrap();
        let mut kwargs = ferrobahn_client::wamp::Dict::new();
        kwargs.insert("big".into(), Value::UInt(9_007_199_254_740_991));
        kwargs.insert("neg".into(), Value::Int(-70_000));
        kwargs.insert("f".into(), Value::Float(-1.25));
        kwargs.insert(
            "nested".into(),
            Value::List(vec![Value::Null, Value::Bool(true), Value::from("Grüße")]),
        );
        let payload = Payload::new(vec![Value::Int(255), Value::from("x")], kwargs.clone());
        let r = caller
            .call_with(&proc_uri, payload, Default::default())
            .await
            .unwrap()
            .result()
            .await
            .unwrap();
        assert_eq!(r.args, [Value::Int(255), Value::from("x")]);
        assert_eq!(r.kwargs, kwargs);

        let topic = uri("ubjson_topic");
        let mut sub = callee.subscribe(&topic, Default::default()).await.unwrap();
        let ack = PublishOptions {
            acknowledge: Some(true),
            ..Default::default()
        };
        let publication = caller
            .publish(
                &topic,
                Payload::new(vec![Value::Int(7)], kwargs.clone()),
                ack,
            )
            .await
            .unwrap()
            .expect("a publication ID");
        let e = sub.next().await.expect("the event");
        assert_eq!(e.publication, publication);
        assert_eq!(e.args, [Value::Int(7)]);
        assert_eq!(e.kwargs, kwargs);
        callee.disconnect().await;
        caller.disconnect().await;
    });
}

#[test]
fn application_errors_carry_uri_args_kwargs() {
    run(|node| async move {
        let callee = joined(node).await;
        let caller = joined_with(node, "wamp.2.msgpack").await;
        let proc_uri = uri("fails");
        callee
            .register(&proc_uri, Default::default(), |_inv: Invocation| async {
                let mut e = ApplicationError::new("com.example.error.out_of_stock").arg("apples");
                e.kwargs.insert("left".into(), Value::Int(0));
                Err::<Payload, _>(e)
            })
            .await
            .unwrap();
        let err = caller.call(&proc_uri, ()).await.unwrap_err();
        let RequestError::Application(e) = err else {
            panic!("{err:?}")
        };
        assert_eq!(e.error, "com.example.error.out_of_stock");
        assert_eq!(e.args, [Value::from("apples")]);
        assert_eq!(e.kwargs.get("left"), Some(&Value::Int(0)));

        // A second registration of the same URI is refused.
        let err = caller
            .register(&proc_uri, Default::default(), add2)
            .await
            .unwrap_err();
        assert_eq!(err.error_uri(), Some("wamp.error.procedure_already_exists"));
        callee.disconnect().await;
        caller.disconnect().await;
    });
}

#[test]
fn publish_and_subscribe() {
    run(|node| async move {
        let sub = joined_with(node, "wamp.2.msgpack").await;
        let publ = joined(node).await;
        let topic = uri("ticks");
        let mut events = sub.subscribe(&topic, Default::default()).await.unwrap();
        let ack = PublishOptions {
            acknowledge: Some(true),
            ..Default::default()
        };
        for i in 0..3 {
            let id = publ
                .publish(
                    &topic,
                    Payload::from_args(&(i, "tick")).unwrap(),
                    ack.clone(),
                )
                .await
                .unwrap();
            assert!(id.is_some());
        }
        for i in 0..3 {
            let e = events.next().await.unwrap();
            assert_eq!(e.args, [Value::Int(i), Value::from("tick")]);
            assert_eq!(e.subscription, events.id());
        }
        // The publisher is excluded by default, even when subscribed.
        let mut own = publ.subscribe(&topic, Default::default()).await.unwrap();
        publ.publish(&topic, Payload::Empty, ack.clone())
            .await
            .unwrap();
        assert!(events.next().await.is_some());
        let with_me = PublishOptions {
            acknowledge: Some(true),
            exclude_me: Some(false),
            ..Default::default()
        };
        publ.publish(&topic, Payload::from_args(&("me",)).unwrap(), with_me)
            .await
            .unwrap();
        let mine = own.next().await.unwrap();
        assert_eq!(mine.args, [Value::from("me")]);

        // After unsubscribing, nothing arrives; a plain publish returns None.
        events.unsubscribe().await.unwrap();
        assert_eq!(
            publ.publish(&topic, Payload::Empty, Default::default())
                .await
                .unwrap(),
            None
        );
        sub.disconnect().await;
        publ.disconnect().await;
    });
}

#[test]
fn invalid_uris_are_rejected_before_sending() {
    run(|node| async move {
        let c = joined(node).await;
        let err = c.call("com..broken", ()).await.unwrap_err();
        assert!(
            matches!(err, RequestError::Usage(UsageError::InvalidUri(_))),
            "{err:?}"
        );
        let err = c
            .publish("has space", Payload::Empty, Default::default())
            .await
            .unwrap_err();
        assert!(matches!(err, RequestError::Usage(_)));
        let err = c.subscribe("a..b", Default::default()).await.unwrap_err();
        assert!(matches!(err, RequestError::Usage(_)));
        // The session is still fine.
        assert!(c.call("wamp.session.count", ()).await.is_ok());
        c.disconnect().await;
    });
}

#[test]
fn typed_procedures_through_serde() {
    run(|node| async move {
        #[derive(Debug, PartialEq, serde::Deserialize, serde::Serialize)]
        struct Point {
            x: f64,
            y: f64,
        }
        let callee = joined(node).await;
        let caller = joined_with(node, "wamp.2.msgpack").await;
        let p = uri("typed_mid");
        callee
            .register_typed(
                &p,
                Default::default(),
                |(a, b): (Point, Point)| async move {
                    Ok(Point {
                        x: (a.x + b.x) / 2.0,
                        y: (a.y + b.y) / 2.0,
                    })
                },
            )
            .await
            .unwrap();
        let r = caller
            .call(&p, (Point { x: 0.0, y: 0.0 }, Point { x: 2.0, y: 4.0 }))
            .await
            .unwrap();
        let (mid,): (Point,) = r.parse_args().unwrap();
        assert_eq!(mid, Point { x: 1.0, y: 2.0 });
        let err = caller.call(&p, (1, 2)).await.unwrap_err();
        assert_eq!(err.error_uri(), Some("wamp.error.invalid_argument"));
        callee.disconnect().await;
        caller.disconnect().await;
    });
}
