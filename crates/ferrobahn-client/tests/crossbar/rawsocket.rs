//! WAMP over RawSocket (TCP and Unix socket) against Crossbar, every serializer.

use std::time::Duration;

use ferrobahn_client::transport::connect_rawsocket;
use ferrobahn_client::wamp::Value;
use ferrobahn_client::{Client, ClientConfig, Invocation, JoinOptions};
use ferrobahn_serializers::rawsocket::Config;
use ferrobahn_serializers::Format;

use super::util::{joined, run, uri};
use super::{rt, unix_connect};

const HANDSHAKE: Duration = Duration::from_secs(10);

#[test]
fn tcp_every_serializer() {
    run(|node| async move {
        let callee = joined(node).await;
        let p = uri("rs_echo");
        callee
            .register(&p, Default::default(), |inv: Invocation| async move {
                Ok(inv.data().payload())
            })
            .await
            .unwrap();
        for format in [Format::Json, Format::MsgPack, Format::Cbor] {
            let io = rt::tcp_connect(node.rs_addr).await;
            let t = connect_rawsocket(rt::runtime(), io, format, Config::default(), HANDSHAKE)
                .await
                .unwrap();
            let c = Client::new(rt::runtime(), t, ClientConfig::default());
            c.join(JoinOptions::new("realm1")).await.unwrap();
            let r = c.call(&p, ("over rawsocket", 7)).await.unwrap();
            assert_eq!(
                r.args,
                [Value::from("over rawsocket"), Value::Int(7)],
                "{format:?}"
            );
            c.leave().await.unwrap();
            c.disconnect().await;
        }
        callee.disconnect().await;
    });
}

#[test]
fn unix_socket() {
    run(|node| async move {
        let io = unix_connect(&node.uds_path).await;
        let t = connect_rawsocket(
            rt::runtime(),
            io,
            Format::MsgPack,
            Config::default(),
            HANDSHAKE,
        )
        .await
        .unwrap();
        let c = Client::new(rt::runtime(), t, ClientConfig::default());
        let d = c.join(JoinOptions::new("realm1")).await.unwrap();
        assert_eq!(d.realm, "realm1");
        let r = c.call("wamp.session.count", ()).await.unwrap();
        assert!(r.args[0].as_u64().unwrap() >= 1);
        c.disconnect().await;
    });
}

#[test]
fn endpoints_from_urls() {
    use ferrobahn_client::transport::{connect_endpoint, Endpoint};
    use ferrobahn_serializers::Serializer;
    run(|node| async move {
        let urls = [
            (node.ws_url(), "wamp.2.json"),
            (format!("rs://{}", node.rs_addr), "wamp.2.msgpack"),
            (format!("unix://{}", node.uds_path.display()), "wamp.2.cbor"),
        ];
        for (url, ser) in urls {
            let ep = Endpoint::parse(&url).unwrap();
            let ser = Serializer::from_subprotocol(ser).unwrap();
            let t = match &ep {
                Endpoint::RawSocketUnix { path } => {
                    let io = unix_connect(path).await;
                    connect_endpoint(rt::runtime(), io, &ep, ser, HANDSHAKE).await
                }
                _ => {
                    let addr = match &ep {
                        Endpoint::WebSocket { port, .. } | Endpoint::RawSocketTcp { port, .. } => {
                            std::net::SocketAddr::from(([127, 0, 0, 1], *port))
                        }
                        _ => unreachable!(),
                    };
                    let io = rt::tcp_connect(addr).await;
                    connect_endpoint(rt::runtime(), io, &ep, ser, HANDSHAKE).await
                }
            }
            .unwrap_or_else(|e| panic!("{url}: {e}"));
            let c = Client::new(rt::runtime(), t, ClientConfig::default());
            c.join(JoinOptions::new("realm1")).await.unwrap();
            c.disconnect().await;
        }
    });
}
