//! A Component against Crossbar: failover over a transport list, on_join doing RPC,
//! the application leaving ends the component.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ferrobahn_client::transport::{connect_rawsocket, connect_websocket, WampTransport};
use ferrobahn_client::wamp::{Payload, Value};
use ferrobahn_client::{Backoff, Component, Credentials, Invocation, JoinOptions};
use ferrobahn_serializers::rawsocket::Config;
use ferrobahn_serializers::{Format, Serializer};

use super::rt;
use super::util::{run, uri};

#[test]
fn component_fails_over_and_runs_on_join() {
    run(|node| async move {
        // A port nobody listens on: the component skips it.
        let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let dead_addr = dead.local_addr().unwrap();
        drop(dead);
        let ws_url = node.ws_url();
        let (ws_addr, rs_addr) = (node.ws_addr, node.rs_addr);
        let result = Arc::new(AtomicUsize::new(0));
        let r = result.clone();
        let p = uri("component_double");
        Component::new(
            rt::runtime(),
            JoinOptions::new("realm1")
                .with_authid("peter")
                .with_credentials(Credentials::WampCra("secret1".into())),
        )
        .transport(move || async move {
            let io = super::try_tcp_connect(dead_addr).await?;
            let t = connect_rawsocket(
                rt::runtime(),
                io,
                Format::Json,
                Config::default(),
                Duration::from_secs(5),
            )
            .await?;
            Ok(Box::new(t) as Box<dyn WampTransport>)
        })
        .transport(move || {
            let url = ws_url.clone();
            async move {
                let io = super::try_tcp_connect(ws_addr).await?;
                let ser = Serializer::from_subprotocol("wamp.2.cbor").unwrap();
                let t = connect_websocket(
                    rt::runtime(),
                    io,
                    &url,
                    &[ser],
                    ferrobahn_rt::ClientConfig::default(),
                )
                .await?;
                Ok(Box::new(t) as Box<dyn WampTransport>)
            }
        })
        .transport(move || async move {
            let io = super::try_tcp_connect(rs_addr).await?;
            let t = connect_rawsocket(
                rt::runtime(),
                io,
                Format::MsgPack,
                Config::default(),
                Duration::from_secs(5),
            )
            .await?;
            Ok(Box::new(t) as Box<dyn WampTransport>)
        })
        .with_backoff(Backoff::new(
            Duration::from_millis(20),
            Duration::from_millis(200),
            Some(5),
        ))
        .on_join(move |client, details| {
            let (r, p) = (r.clone(), p.clone());
            async move {
                assert_eq!(details.authid.as_deref(), Some("peter"));
                client
                    .register(&p, Default::default(), |inv: Invocation| async move {
                        let (x,): (i64,) = inv.parse_args()?;
                        Ok(Payload::from_args(&(x * 2,))?)
                    })
                    .await
                    .unwrap();
                let res = client.call(&p, (21,)).await.unwrap();
                assert_eq!(res.args, [Value::Int(42)]);
                r.store(42, Ordering::SeqCst);
                client.leave().await.unwrap();
            }
        })
        .run()
        .await
        .unwrap();
        assert_eq!(result.load(Ordering::SeqCst), 42);
    });
}
