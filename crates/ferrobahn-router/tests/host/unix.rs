//! The router on a Unix domain socket: WebSocket and RawSocket both, our client on
//! each end.

use std::path::PathBuf;
use std::time::Duration;

use ferrobahn_client::transport::{connect_rawsocket, connect_websocket};
use ferrobahn_client::wamp::Payload;
use ferrobahn_client::{Client, ClientConfig, Invocation, JoinOptions};
use ferrobahn_router::RouterConfig;
use ferrobahn_serializers::rawsocket::Config;
use ferrobahn_serializers::{Format, Serializer};
use ferrobahn_wamp::Value;

use super::rt;

fn socket_path(tag: &str) -> PathBuf {
    std::env::temp_dir().join(format!(
        "ferrobahn-{tag}-{}-{}.sock",
        rt::NAME,
        std::process::id()
    ))
}

#[test]
fn websocket_and_rawsocket_over_a_unix_socket() {
    rt::block_on(async {
        let path = socket_path("router");
        let router = ferrobahn_router::start(rt::runtime(), RouterConfig::default()).unwrap();
        let _ = std::fs::remove_file(&path);
        let listener = rt::bind_unix(&path).await;
        let r = router.clone();
        rt::spawn(async move { r.serve(listener).await });

        // Callee over RawSocket (MessagePack).
        let io = rt::unix_stream(&path).await;
        let raw = connect_rawsocket(
            rt::runtime(),
            io,
            Format::MsgPack,
            Config::default(),
            Duration::from_secs(5),
        )
        .await
        .unwrap();
        let callee = Client::new(rt::runtime(), raw, ClientConfig::default());
        callee.join(JoinOptions::new("realm1")).await.unwrap();
        let echo = |inv: Invocation| async move { Ok(Payload::Args(inv.args().to_vec())) };
        callee
            .register("com.unix.echo", Default::default(), echo)
            .await
            .unwrap();

        // Caller over WebSocket (JSON) on the same socket.
        let io = rt::unix_stream(&path).await;
        let serializers = [Serializer::new(Format::Json)];
        let ws = connect_websocket(
            rt::runtime(),
            io,
            "ws://localhost/ws",
            &serializers,
            Default::default(),
        )
        .await
        .unwrap();
        let caller = Client::new(rt::runtime(), ws, ClientConfig::default());
        let details = caller.join(JoinOptions::new("realm1")).await.unwrap();
        let result = caller
            .call("com.unix.echo", ("over", "unix"))
            .await
            .unwrap();
        assert_eq!(result.args, [Value::from("over"), Value::from("unix")]);

        // The meta API shows no IP peer for a Unix socket session.
        let session = caller
            .call("wamp.session.get", (details.session.get(),))
            .await
            .unwrap();
        let text = format!("{:?}", session.args);
        assert!(!text.contains("0.0.0.0"), "{text}");
        router.shutdown();
        drop(std::fs::remove_file(&path));
    });
}
