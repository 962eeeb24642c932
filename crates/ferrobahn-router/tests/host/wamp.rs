//! RPC and PubSub through the router host, across serializers; refusals; slow
//! consumers; shutdown.

use ferrobahn_router::RouterConfig;
use ferrobahn_wamp::message::*;
use ferrobahn_wamp::options::*;
use ferrobahn_wamp::{Message, Payload, Value};

use super::peer::{callee_and_caller, flood_until_dropped, id, start_router, Peer};
use super::rt;

#[test]
fn rpc_across_serializers() {
    rt::block_on(async {
        let (router, addr) = start_router(RouterConfig::default()).await;
        let (mut callee, mut caller, reg) = callee_and_caller(addr, "com.add2").await;
        let payload = Payload::from_args(&(2, 3)).unwrap();
        caller
            .send(Call {
                request: id(7),
                procedure: "com.add2".into(),
                payload,
                ..Default::default()
            })
            .await;
        let Message::Invocation(inv) = callee.expect().await else {
            panic!()
        };
        assert_eq!(inv.registration, reg.registration);
        let (a, b): (i64, i64) = inv.payload.parse_args().unwrap();
        let payload = Payload::from_args(&(a + b,)).unwrap();
        callee
            .send(Yield {
                request: inv.request,
                payload,
                ..Default::default()
            })
            .await;
        let Message::Result(r) = caller.expect().await else {
            panic!()
        };
        assert_eq!(r.request, id(7));
        assert_eq!(r.payload.args(), &[Value::from(5)]);
        router.shutdown();
    });
}

#[test]
fn pubsub_fans_out_to_every_serializer() {
    rt::block_on(async {
        let (router, addr) = start_router(RouterConfig::default()).await;
        let mut subs = Vec::new();
        for proto in [
            "wamp.2.json",
            "wamp.2.msgpack",
            "wamp.2.cbor",
            "wamp.2.json.batched",
            "wamp.2.msgpack.batched",
        ] {
            // Each serializer twice: the same shared frame goes to both.
            for _ in 0..2 {
                let mut p = Peer::connect(addr, proto).await.unwrap();
                p.join().await;
                p.subscribe("com.hello").await;
                subs.push(p);
            }
        }
        // A subscriber with compression cannot take the shared frame: it gets its own.
        let deflate = ferrobahn_extensions::ClientExtensions::new().with_offer(
            ferrobahn_extensions::ClientOffer::Deflate(Default::default()),
        );
        let cfg = ferrobahn_rt::ClientConfig::default().with_extensions(deflate);
        let mut p = Peer::connect_with(addr, "wamp.2.json", cfg).await.unwrap();
        p.join().await;
        p.subscribe("com.hello").await;
        subs.push(p);
        let mut publisher = Peer::connect(addr, "wamp.2.json").await.unwrap();
        publisher.join().await;
        let options = PublishOptions {
            acknowledge: Some(true),
            ..Default::default()
        };
        let payload = Payload::from_args(&("Hello, world", 42)).unwrap();
        publisher
            .send(Publish {
                request: id(2),
                options: options.into(),
                topic: "com.hello".into(),
                payload,
            })
            .await;
        assert!(matches!(publisher.expect().await, Message::Published(p) if p.request == id(2)));
        for s in &mut subs {
            let Message::Event(e) = s.expect().await else {
                panic!()
            };
            assert_eq!(
                e.payload.args(),
                &[Value::from("Hello, world"), Value::from(42)]
            );
        }
        router.shutdown();
    });
}

#[test]
fn unsupported_subprotocol_and_wrong_path_are_refused() {
    rt::block_on(async {
        let (router, addr) = start_router(RouterConfig::default()).await;
        assert!(Peer::connect(addr, "wamp.2.xml").await.is_err());
        let cfg = ferrobahn_rt::ClientConfig::default().with_protocols(["wamp.2.json"]);
        assert!(rt::connect_with(&format!("ws://{addr}/other"), cfg)
            .await
            .is_err());
        router.shutdown();
    });
}

#[test]
fn garbage_is_answered_with_abort() {
    rt::block_on(async {
        let (router, addr) = start_router(RouterConfig::default()).await;
        let mut p = Peer::connect(addr, "wamp.2.json").await.unwrap();
        p.ws.send(ferrobahn_websocket::Message::text("[1, \"realm1\""))
            .await
            .unwrap();
        let Message::Abort(a) = p.expect().await else {
            panic!()
        };
        assert_eq!(a.reason, "wamp.error.protocol_violation");
        assert!(p.recv().await.is_none(), "the router closes after ABORT");
        router.shutdown();
    });
}

#[test]
fn shutdown_says_goodbye() {
    rt::block_on(async {
        let (router, addr) = start_router(RouterConfig::default()).await;
        let mut p = Peer::connect(addr, "wamp.2.json").await.unwrap();
        p.join().await;
        router.shutdown();
        let Message::Goodbye(g) = p.expect().await else {
            panic!()
        };
        assert_eq!(g.reason, "wamp.close.system_shutdown");
        assert!(p.recv().await.is_none());
        assert!(router.is_shut_down());
    });
}

#[test]
fn a_subscriber_that_does_not_read_is_dropped() {
    rt::block_on(async {
        let mut config = RouterConfig::default();
        config.limits.max_queued_messages = 16;
        let (router, addr) = start_router(config).await;
        let mut slow = Peer::connect(addr, "wamp.2.json").await.unwrap();
        let slow_session = slow.join().await;
        slow.subscribe("com.flood").await;
        let mut publisher = Peer::connect(addr, "wamp.2.json").await.unwrap();
        publisher.join().await;
        let gone = flood_until_dropped(&mut publisher, "com.flood", slow_session).await;
        assert!(gone, "the slow subscriber was never dropped");
        router.shutdown();
    });
}

/// Regression: events that fill the connection's flush threshold kept waiting in its
/// command channel once the buffer was written (no waker), so a subscriber stalled.
#[test]
fn large_events_keep_flowing_past_the_flush_threshold() {
    rt::block_on(async {
        let (router, addr) = start_router(RouterConfig::default()).await;
        let mut sub = Peer::connect(addr, "wamp.2.msgpack").await.unwrap();
        sub.join().await;
        sub.subscribe("com.big").await;
        let mut publisher = Peer::connect(addr, "wamp.2.msgpack").await.unwrap();
        publisher.join().await;
        let big = "y".repeat(4096);
        for n in 0..200u64 {
            let payload = Payload::from_args(&(&big, n)).unwrap();
            publisher
                .send(Publish {
                    request: id(100 + n),
                    topic: "com.big".into(),
                    payload,
                    ..Default::default()
                })
                .await;
        }
        publisher.ws.flush().await.unwrap();
        for n in 0..200u64 {
            let Message::Event(e) = sub.expect().await else {
                panic!("expected EVENT {n}")
            };
            assert_eq!(e.payload.args()[1], Value::from(n));
        }
        router.shutdown();
    });
}
