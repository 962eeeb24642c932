//! The router core is handed messages by the connections' own tasks (no router task):
//! call timeouts still fire from the service task, shutdown still reaches every session.

use std::time::{Duration, Instant};

use ferrobahn_router::RouterConfig;
use ferrobahn_wamp::message::*;
use ferrobahn_wamp::options::*;
use ferrobahn_wamp::{Message, Role};

use super::peer::{callee_and_caller, hello, id, start_router, Peer};

#[test]
fn a_call_timeout_fires_without_traffic() {
    super::rt::block_on(async {
        let (router, addr) = start_router(RouterConfig::default()).await;
        let (mut callee, mut caller, _) = callee_and_caller(addr, "com.slow").await;
        // A call with no timeout first: it must not be the one answered.
        caller
            .send(Call {
                request: id(5),
                procedure: "com.slow".into(),
                ..Default::default()
            })
            .await;
        let started = Instant::now();
        caller
            .send(Call {
                request: id(6),
                procedure: "com.slow".into(),
                options: CallOptions {
                    timeout: Some(300),
                    ..Default::default()
                }.into(),
                ..Default::default()
            })
            .await;
        for _ in 0..2 {
            assert!(matches!(callee.expect().await, Message::Invocation(_)));
        }
        // The callee never answers; nothing else is sent: only the timer can fire.
        let Message::Error(e) = caller.expect().await else {
            panic!("expected ERROR")
        };
        assert!(started.elapsed() >= Duration::from_millis(300), "not before the deadline");
        assert_eq!(e.request, id(6));
        assert_eq!(e.error, "wamp.error.canceled");
        router.shutdown();
    });
}

#[test]
fn shutdown_reaches_every_session_and_refuses_new_ones() {
    super::rt::block_on(async {
        let (router, addr) = start_router(RouterConfig::default()).await;
        let mut peers = Vec::new();
        for proto in ["wamp.2.json", "wamp.2.msgpack", "wamp.2.cbor"] {
            let mut p = Peer::connect(addr, proto).await.unwrap();
            p.join().await;
            peers.push(p);
        }
        // One connected but not joined: closed too.
        let mut idle = Peer::connect(addr, "wamp.2.json").await.unwrap();
        router.shutdown();
        for p in &mut peers {
            let Message::Goodbye(g) = p.expect().await else {
                panic!("expected GOODBYE")
            };
            assert_eq!(g.reason, "wamp.close.system_shutdown");
            assert!(p.recv().await.is_none(), "closed after GOODBYE");
        }
        assert!(idle.recv().await.is_none());
        // A new connection gets no session.
        if let Ok(mut late) = Peer::connect(addr, "wamp.2.json").await {
            late.send(hello(&[Role::Caller])).await;
            assert!(
                !matches!(late.recv().await, Some(Message::Welcome(_))),
                "a session after shutdown"
            );
        }
    });
}

#[test]
fn connections_over_the_limit_are_dropped_until_one_ends() {
    super::rt::block_on(async {
        let mut config = RouterConfig::default();
        config.limits.max_connections = 1;
        let (router, addr) = start_router(config).await;
        let mut first = Peer::connect(addr, "wamp.2.json").await.unwrap();
        first.join().await;
        assert!(
            Peer::connect(addr, "wamp.2.json").await.is_err(),
            "a second connection over the limit of 1"
        );
        drop(first);
        // The slot comes free once the first connection's task has ended.
        let mut joined = false;
        for _ in 0..100 {
            if let Ok(mut again) = Peer::connect(addr, "wamp.2.json").await {
                again.join().await;
                joined = true;
                break;
            }
            let runtime = super::rt::runtime();
            let later = Instant::now() + Duration::from_millis(20);
            ferrobahn_rt::sleep_until(&*runtime, later).await;
        }
        assert!(joined, "no connection after the first one ended");
        router.shutdown();
    });
}
