//! ferrobahn-client against the ferrobahn router `ferrobahn router` serves (in process
//! here): dropping a pending call, or the future of `Client::call`, cancels the call
//! (killnowait by default), so the router interrupts the callee; with cancel on drop
//! turned off the callee runs to its end.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ferrobahn::tokio::{runtime, TokioIo};
use ferrobahn_client::transport::connect_websocket;
use ferrobahn_client::wamp::Payload;
use ferrobahn_client::{Client, ClientConfig, Invocation, JoinOptions};
use ferrobahn_serializers::Serializer;

/// Counts when dropped (the procedure's future was dropped: interrupted).
struct DropCount(Arc<AtomicUsize>);

impl Drop for DropCount {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

async fn router() -> String {
    let router =
        ferrobahn_router::start(runtime(), ferrobahn_router::RouterConfig::default()).unwrap();
    let listener = ferrobahn::tokio::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}/ws", listener.local_addr().unwrap());
    let transport = ferrobahn_router::RouterConfig::default().transports[0].clone();
    tokio::spawn(async move { router.serve_transport(listener, &transport).await });
    url
}

async fn joined(url: &str, config: ClientConfig) -> Client {
    let addr = url.trim_start_matches("ws://").trim_end_matches("/ws");
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let ser = Serializer::from_subprotocol("wamp.2.msgpack").unwrap();
    let t = connect_websocket(runtime(), TokioIo(tcp), url, &[ser], Default::default())
        .await
        .unwrap();
    let c = Client::new(runtime(), t, config);
    c.join(JoinOptions::new("realm1")).await.unwrap();
    c
}

/// Registers `procedure`: sleeps 3 s, counting starts, completions and drops.
async fn slow(callee: &Client, procedure: &str) -> [Arc<AtomicUsize>; 3] {
    let counts = [(); 3].map(|()| Arc::new(AtomicUsize::new(0)));
    let [started, finished, dropped] = counts.clone();
    callee
        .register(procedure, Default::default(), move |_inv: Invocation| {
            started.fetch_add(1, Ordering::SeqCst);
            let (finished, guard) = (finished.clone(), DropCount(dropped.clone()));
            async move {
                let _guard = guard;
                tokio::time::sleep(Duration::from_secs(3)).await;
                finished.fetch_add(1, Ordering::SeqCst);
                Ok(Payload::Empty)
            }
        })
        .await
        .unwrap();
    counts
}

async fn until(what: &str, f: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !f() {
        assert!(tokio::time::Instant::now() < deadline, "timed out: {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_a_pending_call_interrupts_the_callee() {
    let url = router().await;
    let callee = joined(&url, ClientConfig::default()).await;
    let caller = joined(&url, ClientConfig::default()).await;

    // A dropped PendingCall.
    let [started, finished, dropped] = slow(&callee, "com.cancel.one").await;
    let call = caller
        .call_with("com.cancel.one", Payload::Empty, Default::default())
        .await
        .unwrap();
    until("invoked", || started.load(Ordering::SeqCst) == 1).await;
    drop(call);
    until("interrupted", || dropped.load(Ordering::SeqCst) == 1).await;
    assert_eq!(finished.load(Ordering::SeqCst), 0);

    // A `call` future given up by a timeout.
    let [started, finished, dropped] = slow(&callee, "com.cancel.two").await;
    let gave_up = tokio::time::timeout(
        Duration::from_millis(300),
        caller.call("com.cancel.two", ()),
    )
    .await;
    assert!(gave_up.is_err());
    assert_eq!(started.load(Ordering::SeqCst), 1);
    until("interrupted", || dropped.load(Ordering::SeqCst) == 1).await;
    assert_eq!(finished.load(Ordering::SeqCst), 0);

    // The caller's session is fine: a call after the cancels gets its result.
    let echo = |inv: Invocation| async move { Ok(inv.data().payload()) };
    callee
        .register("com.cancel.echo", Default::default(), echo)
        .await
        .unwrap();
    let r = caller.call("com.cancel.echo", (7,)).await.unwrap();
    assert_eq!(r.parse_args::<(i64,)>().unwrap(), (7,));
    caller.disconnect().await;
    callee.disconnect().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_cancel_on_drop_the_callee_runs_to_its_end() {
    let url = router().await;
    let callee = joined(&url, ClientConfig::default()).await;
    let caller = joined(&url, ClientConfig::default().with_cancel_on_drop(None)).await;
    let [started, finished, dropped] = slow(&callee, "com.cancel.kept").await;
    let call = caller
        .call_with("com.cancel.kept", Payload::Empty, Default::default())
        .await
        .unwrap();
    until("invoked", || started.load(Ordering::SeqCst) == 1).await;
    drop(call);
    until("finished", || finished.load(Ordering::SeqCst) == 1).await;
    assert_eq!(dropped.load(Ordering::SeqCst), 1, "dropped after finishing");
    caller.disconnect().await;
    callee.disconnect().await;
}
