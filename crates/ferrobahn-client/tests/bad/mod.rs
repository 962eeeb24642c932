//! Test bodies (compiled once per runtime).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use ferrobahn_client::transport::{
    connect_websocket, TransportError, WampTransport, WebSocketTransport,
};
use ferrobahn_client::wamp::options::CallOptions;
use ferrobahn_client::wamp::Payload;
use ferrobahn_client::{
    Backoff, Client, ClientConfig, Component, ComponentError, Connector, JoinOptions, RequestError,
    SessionConfig, SessionError,
};
use ferrobahn_handshake::{Accept, Request};
use ferrobahn_rt::{Ctx, Deny, Handler, ServerConfig};
use ferrobahn_serializers::Serializer;

use super::rt;

/// What the fake router does with a CALL.
#[derive(Clone, Copy, Debug)]
enum OnCall {
    /// Answers with bytes that are not JSON.
    Garbage,
    /// Closes the WebSocket.
    Close,
    /// Never answers.
    Silent,
    /// Answers with a RESULT for a request never made.
    WrongRequest,
}

/// What the fake router does with HELLO.
#[derive(Clone, Copy, Debug)]
enum OnHello {
    Welcome,
    /// WELCOME, then close the WebSocket at once.
    WelcomeThenClose,
    /// ABORT with wamp.error.not_authorized.
    Abort,
    Silent,
}

struct FakeRouter {
    hello: OnHello,
    call: OnCall,
    /// CALLs seen; the router misbehaves on the third.
    calls: usize,
    /// Reports "goodbye" and "closed".
    seen: futures_channel::mpsc::UnboundedSender<&'static str>,
}

const WELCOME: &str =
    r#"[2,1234,{"roles":{"dealer":{"features":{"call_canceling":true}},"broker":{}}}]"#;

impl Handler for FakeRouter {
    fn on_connect(&mut self, _request: &Request) -> Result<Accept, Deny> {
        Ok(Accept {
            protocol: Some("wamp.2.json".into()),
            ..Accept::default()
        })
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_>, payload: Bytes, _is_binary: bool) {
        let Ok(msg) = serde_json::from_slice::<serde_json::Value>(&payload) else {
            return;
        };
        let code = msg[0].as_u64();
        if code == Some(48) {
            self.calls += 1;
            if self.calls < 3 {
                return;
            }
        }
        let _ = match (code, self.call) {
            (Some(1), _) => match self.hello {
                OnHello::Welcome => ctx.send_text(WELCOME),
                OnHello::WelcomeThenClose => {
                    ctx.send_text(WELCOME).and_then(|()| ctx.close(None, ""))
                }
                OnHello::Abort => ctx.send_text(r#"[3,{},"wamp.error.not_authorized"]"#),
                OnHello::Silent => Ok(()),
            },
            (Some(6), _) => {
                let _ = self.seen.unbounded_send("goodbye");
                ctx.send_text(r#"[6,{},"wamp.close.goodbye_and_out"]"#)
            }
            // REGISTER: REGISTERED, then at once an INVOCATION of it.
            (Some(64), _) => {
                let req = msg[1].as_u64().unwrap_or(0);
                ctx.send_text(&format!("[65,{req},777]"))
                    .and_then(|()| ctx.send_text("[68,1,777,{}]"))
            }
            (Some(32), _) => {
                let req = msg[1].as_u64().unwrap_or(0);
                ctx.send_text(&format!("[33,{req},555]"))
            }
            // PUBLISH: the router goes away.
            (Some(16), _) => ctx.close(None, ""),
            (Some(49), _) => {
                let _ = self.seen.unbounded_send(match msg[2]["mode"].as_str() {
                    Some("killnowait") => "cancel killnowait",
                    Some("kill") => "cancel kill",
                    Some("skip") => "cancel skip",
                    _ => "cancel",
                });
                Ok(())
            }
            (Some(48), OnCall::Garbage) => ctx.send_text("[50, this is not json"),
            (Some(48), OnCall::Close) => ctx.close(None, ""),
            (Some(48), OnCall::WrongRequest) => ctx.send_text(r#"[50,987654,{},["?"]]"#),
            _ => Ok(()),
        };
    }

    fn on_close(
        &mut self,
        _was_clean: bool,
        _code: Option<ferrobahn_websocket::CloseCode>,
        _reason: &str,
    ) {
        let _ = self.seen.unbounded_send("closed");
    }
}

async fn start_seen(
    hello: OnHello,
    call: OnCall,
) -> (
    SocketAddr,
    futures_channel::mpsc::UnboundedReceiver<&'static str>,
) {
    let (tx, rx) = futures_channel::mpsc::unbounded();
    let addr = rt::start_server(ServerConfig::default(), move || FakeRouter {
        hello,
        call,
        calls: 0,
        seen: tx.clone(),
    })
    .await;
    (addr, rx)
}

async fn start(hello: OnHello, call: OnCall) -> SocketAddr {
    start_seen(hello, call).await.0
}

/// A WebSocket JSON transport to `addr`.
async fn json_transport(
    addr: SocketAddr,
) -> Result<WebSocketTransport<rt::Transport>, TransportError> {
    let io = rt::tcp_connect(addr).await;
    connect_websocket(
        rt::runtime(),
        io,
        &format!("ws://{addr}/"),
        &[Serializer::from_subprotocol("wamp.2.json").unwrap()],
        ferrobahn_rt::ClientConfig::default(),
    )
    .await
}

async fn client(addr: SocketAddr, session: SessionConfig) -> Client {
    let t = json_transport(addr).await.unwrap();
    Client::new(
        rt::runtime(),
        t,
        ClientConfig::default().with_session(session),
    )
}

/// What the fake router reports, up to and including `last`.
async fn seen_until(
    seen: &mut futures_channel::mpsc::UnboundedReceiver<&'static str>,
    last: &str,
) -> Vec<&'static str> {
    let mut got = Vec::new();
    while let Some(s) = futures_util::StreamExt::next(seen).await {
        got.push(s);
        if s == last {
            break;
        }
    }
    got
}

fn block_on<F: std::future::Future<Output = ()>>(f: F) {
    rt::block_on_timeout(f);
}

/// Three calls in flight, then the router misbehaves: all fail (each error passing
/// `expected`), the driver ends.
async fn three_calls_fail(call: OnCall, expected: fn(&RequestError) -> bool) {
    let addr = start(OnHello::Welcome, call).await;
    let c = client(addr, SessionConfig::default()).await;
    c.join(JoinOptions::new("realm1")).await.unwrap();
    let mut pending = Vec::new();
    for _ in 0..3 {
        pending.push(
            c.call_with("com.x.y", Payload::Empty, CallOptions::default())
                .await
                .unwrap(),
        );
    }
    for p in pending {
        let e = p.result().await.unwrap_err();
        assert!(expected(&e), "{e:?}");
    }
    // The driver task ends: later commands fail at once.
    let err = c.call("com.x.y", ()).await.unwrap_err();
    assert!(matches!(err, RequestError::SessionLost(_)), "{err:?}");
    assert!(c.is_closed());
}

#[test]
fn garbage_fails_every_pending_call() {
    block_on(async {
        three_calls_fail(OnCall::Garbage, |e| {
            matches!(e, RequestError::SessionLost(SessionError::Protocol(m)) if m.contains("undecodable"))
        })
        .await;
    });
}

#[test]
fn answer_to_unknown_request_is_a_protocol_violation() {
    block_on(async {
        three_calls_fail(OnCall::WrongRequest, |e| {
            matches!(e, RequestError::SessionLost(SessionError::Protocol(_)))
        })
        .await;
    });
}

#[test]
fn close_mid_call_fails_every_pending_call() {
    block_on(async {
        three_calls_fail(OnCall::Close, |e| {
            matches!(e, RequestError::SessionLost(SessionError::TransportLost(_)))
        })
        .await;
    });
}

#[test]
fn silent_router_times_out_calls_and_join() {
    block_on(async {
        let addr = start(OnHello::Welcome, OnCall::Silent).await;
        let c = client(
            addr,
            SessionConfig::default().with_default_call_timeout(Some(Duration::from_millis(300))),
        )
        .await;
        c.join(JoinOptions::new("realm1")).await.unwrap();
        let err = c.call("com.x.y", ()).await.unwrap_err();
        assert_eq!(err, RequestError::Timeout);
        let opts = CallOptions {
            timeout: Some(100),
            ..Default::default()
        };
        let err = c
            .call_with("com.x.y", Payload::Empty, opts)
            .await
            .unwrap()
            .result()
            .await
            .unwrap_err();
        assert_eq!(err, RequestError::Timeout);
        // The session survives a timeout.
        c.leave().await.unwrap();
        c.disconnect().await;
        assert!(c.is_closed());

        let addr = start(OnHello::Silent, OnCall::Silent).await;
        let c = client(
            addr,
            SessionConfig::default().with_join_timeout(Duration::from_millis(300)),
        )
        .await;
        let err = c.join(JoinOptions::new("realm1")).await.unwrap_err();
        assert_eq!(err, SessionError::Timeout("join"));
        c.disconnect().await;
    });
}

#[test]
fn dropping_every_handle_ends_the_driver() {
    block_on(async {
        let (addr, mut seen) = start_seen(OnHello::Welcome, OnCall::Silent).await;
        let c = client(addr, SessionConfig::default()).await;
        c.join(JoinOptions::new("realm1")).await.unwrap();
        let pending = c
            .call_with("com.x.y", Payload::Empty, CallOptions::default())
            .await
            .unwrap();
        drop(c);
        drop(pending);
        // The dropped call is canceled, the driver leaves (GOODBYE) and closes the
        // transport.
        let got = seen_until(&mut seen, "closed").await;
        assert_eq!(got, ["cancel killnowait", "goodbye", "closed"]);
    });
}

#[test]
fn dropping_a_pending_call_cancels_it() {
    block_on(async {
        let (addr, mut seen) = start_seen(OnHello::Welcome, OnCall::Silent).await;
        let c = client(addr, SessionConfig::default()).await;
        c.join(JoinOptions::new("realm1")).await.unwrap();
        // A dropped PendingCall.
        let p = c
            .call_with("com.x.y", Payload::Empty, CallOptions::default())
            .await
            .unwrap();
        drop(p);
        // A dropped `call` future (given up by a timeout).
        let runtime = rt::runtime();
        let gave_up = ferrobahn_rt::timeout_at(
            &*runtime,
            runtime.now() + Duration::from_millis(100),
            c.call("com.x.y", ()),
        )
        .await;
        assert!(gave_up.is_none(), "{gave_up:?}");
        // A `call` future dropped after its first poll, before the driver started the
        // call: canceled (once) as soon as it starts.
        let first_poll = futures_util::FutureExt::now_or_never(c.call("com.x.y", ()));
        assert!(first_poll.is_none(), "{first_poll:?}");
        // keep_on_drop: no CANCEL.
        let mut p = c
            .call_with("com.x.y", Payload::Empty, CallOptions::default())
            .await
            .unwrap();
        p.keep_on_drop();
        drop(p);
        c.leave().await.unwrap();
        let got = seen_until(&mut seen, "goodbye").await;
        assert_eq!(
            got,
            [
                "cancel killnowait",
                "cancel killnowait",
                "cancel killnowait",
                "goodbye"
            ]
        );

        // Disabled in the config: nothing is sent.
        let (addr, mut seen) = start_seen(OnHello::Welcome, OnCall::Silent).await;
        let t = json_transport(addr).await.unwrap();
        let c = Client::new(
            rt::runtime(),
            t,
            ClientConfig::default().with_cancel_on_drop(None),
        );
        c.join(JoinOptions::new("realm1")).await.unwrap();
        drop(
            c.call_with("com.x.y", Payload::Empty, CallOptions::default())
                .await
                .unwrap(),
        );
        c.leave().await.unwrap();
        assert_eq!(
            futures_util::StreamExt::next(&mut seen).await,
            Some("goodbye")
        );
    });
}

/// Sets its flag when dropped (a procedure task that was aborted).
struct DropFlag(Arc<AtomicUsize>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn transport_loss_aborts_running_procedures_and_ends_streams() {
    block_on(async {
        let addr = start(OnHello::Welcome, OnCall::Silent).await;
        let c = client(addr, SessionConfig::default()).await;
        c.join(JoinOptions::new("realm1")).await.unwrap();
        let started = Arc::new(AtomicUsize::new(0));
        let dropped = Arc::new(AtomicUsize::new(0));
        let (s, d) = (started.clone(), dropped.clone());
        // The router invokes it at once; it never finishes on its own.
        c.register("com.x.forever", Default::default(), move |_inv| {
            let guard = DropFlag(d.clone());
            s.fetch_add(1, Ordering::SeqCst);
            async move {
                let _guard = guard;
                std::future::pending::<ferrobahn_client::ProcedureResult>().await
            }
        })
        .await
        .unwrap();
        let mut sub = c
            .subscribe("com.x.events", Default::default())
            .await
            .unwrap();
        let pending = c
            .call_with("com.x.y", Payload::Empty, CallOptions::default())
            .await
            .unwrap();
        let runtime = rt::runtime();
        let deadline = runtime.now() + Duration::from_secs(5);
        while started.load(Ordering::SeqCst) == 0 && runtime.now() < deadline {
            ferrobahn_rt::sleep_until(&*runtime, runtime.now() + Duration::from_millis(10)).await;
        }
        assert_eq!(started.load(Ordering::SeqCst), 1, "the invocation ran");
        assert_eq!(dropped.load(Ordering::SeqCst), 0);
        // The router closes the connection.
        let _ = c
            .publish("com.x.close", Payload::Empty, Default::default())
            .await;
        let why = c.left().await;
        assert!(matches!(why, SessionError::TransportLost(_)), "{why:?}");
        // The pending call fails with a typed error, the stream ends, the procedure
        // task is aborted (its future dropped when its executor next runs it), and the
        // driver ends.
        let err = pending.result().await.unwrap_err();
        assert!(matches!(err, RequestError::SessionLost(_)), "{err:?}");
        assert!(sub.next().await.is_none());
        let deadline = runtime.now() + Duration::from_secs(5);
        while (dropped.load(Ordering::SeqCst) == 0 || !c.is_closed()) && runtime.now() < deadline {
            ferrobahn_rt::sleep_until(&*runtime, runtime.now() + Duration::from_millis(5)).await;
        }
        assert_eq!(dropped.load(Ordering::SeqCst), 1, "procedure task aborted");
        assert!(c.is_closed(), "driver ended");
    });
}

#[test]
fn invalid_uris_and_options_never_reach_the_router() {
    block_on(async {
        let (addr, mut seen) = start_seen(OnHello::Welcome, OnCall::Silent).await;
        let c = client(addr, SessionConfig::default()).await;
        c.join(JoinOptions::new("realm1")).await.unwrap();
        // Each would get an answer (or a close) from this router if it were sent; each
        // fails at once with a usage error instead.
        let usage = |r: Result<(), RequestError>| {
            assert!(matches!(r, Err(RequestError::Usage(_))), "{r:?}");
        };
        usage(c.call("com..x", ()).await.map(drop));
        usage(c.call("com.x", 5).await.map(drop)); // arguments must be a list
        let progressive = CallOptions {
            progress: Some(true),
            ..Default::default()
        };
        usage(
            c.call_with("com.x", Payload::Empty, progressive)
                .await
                .map(drop),
        );
        usage(
            c.register("com. x", Default::default(), |_inv| async {
                Ok(Payload::Empty)
            })
            .await
            .map(drop),
        );
        usage(c.subscribe("com.x.", Default::default()).await.map(drop));
        usage(
            c.publish("com.#", Payload::Empty, Default::default())
                .await
                .map(drop),
        );
        let err = c.join(JoinOptions::new("realm1")).await.unwrap_err();
        assert!(matches!(err, SessionError::Usage(_)), "{err:?}");
        // The session is intact: the first thing the router sees is GOODBYE.
        c.leave().await.unwrap();
        assert_eq!(
            futures_util::StreamExt::next(&mut seen).await,
            Some("goodbye")
        );
        c.disconnect().await;
    });
}

/// A router whose first `flaky` connections close right after WELCOME.
async fn start_flaky(flaky: usize) -> SocketAddr {
    let (tx, _rx) = futures_channel::mpsc::unbounded();
    let conns = Arc::new(AtomicUsize::new(0));
    rt::start_server(ServerConfig::default(), move || {
        let n = conns.fetch_add(1, Ordering::SeqCst);
        FakeRouter {
            hello: if n < flaky {
                OnHello::WelcomeThenClose
            } else {
                OnHello::Welcome
            },
            call: OnCall::Silent,
            calls: 0,
            seen: tx.clone(),
        }
    })
    .await
}

/// A connector to `addr` over WebSocket JSON.
fn connector(addr: SocketAddr) -> impl Connector {
    move || async move {
        let t = json_transport(addr).await?;
        Ok(Box::new(t) as Box<dyn WampTransport>)
    }
}

fn fast_backoff(max_retries: Option<u32>) -> Backoff {
    Backoff::new(
        Duration::from_millis(20),
        Duration::from_millis(100),
        max_retries,
    )
}

#[test]
fn component_reconnects_until_the_application_leaves() {
    block_on(async {
        let addr = start_flaky(2).await;
        let joins = Arc::new(AtomicUsize::new(0));
        let leaves = Arc::new(AtomicUsize::new(0));
        let disconnects = Arc::new(AtomicUsize::new(0));
        let (j, l, d) = (joins.clone(), leaves.clone(), disconnects.clone());
        Component::new(rt::runtime(), JoinOptions::new("realm1"))
            // The first transport never connects: the component moves on to the next.
            .transport(|| async { Err::<Box<dyn WampTransport>, _>(TransportError::Closed) })
            .transport(connector(addr))
            .with_backoff(fast_backoff(Some(5)))
            .on_join(move |client, details| {
                let j = j.clone();
                async move {
                    assert_eq!(details.session.get(), 1234);
                    if j.fetch_add(1, Ordering::SeqCst) + 1 == 3 {
                        client.leave().await.unwrap();
                    }
                }
            })
            .on_leave(move |_why| {
                l.fetch_add(1, Ordering::SeqCst);
            })
            .on_disconnect(move || {
                d.fetch_add(1, Ordering::SeqCst);
            })
            .run()
            .await
            .unwrap();
        assert_eq!(joins.load(Ordering::SeqCst), 3);
        assert_eq!(leaves.load(Ordering::SeqCst), 3);
        assert_eq!(disconnects.load(Ordering::SeqCst), 3);
    });
}

#[test]
fn component_gives_up_and_refusals_are_final() {
    block_on(async {
        let err = Component::new(rt::runtime(), JoinOptions::new("realm1"))
            .transport(|| async { Err::<Box<dyn WampTransport>, _>(TransportError::Closed) })
            .with_backoff(fast_backoff(Some(2)))
            .run()
            .await
            .unwrap_err();
        assert!(
            matches!(err, ComponentError::RetriesExhausted { attempts: 3, .. }),
            "{err:?}"
        );

        let addr = start(OnHello::Abort, OnCall::Silent).await;
        let err = Component::new(rt::runtime(), JoinOptions::new("realm1"))
            .transport(connector(addr))
            .with_backoff(fast_backoff(None))
            .run()
            .await
            .unwrap_err();
        assert!(
            matches!(&err, ComponentError::JoinRefused(SessionError::Aborted { reason, .. }) if reason == "wamp.error.not_authorized"),
            "{err:?}"
        );
        let err = Component::new(rt::runtime(), JoinOptions::new("realm1"))
            .run()
            .await
            .unwrap_err();
        assert!(matches!(err, ComponentError::NoTransport));
    });
}
