//! Embedded components: a `ferrobahn_client::Component` inside the router process,
//! called by a client over a socket.

use std::sync::{Arc, Mutex};

use ferrobahn_client::wamp::Payload;
use ferrobahn_client::{Component, Invocation, JoinOptions};
use ferrobahn_router::RouterConfig;
use ferrobahn_wamp::message::Call;
use ferrobahn_wamp::{Message, Value};

use super::peer::{id, start_router, Peer};
use super::rt;

#[test]
fn an_embedded_components_procedure_is_called_by_an_external_client() {
    rt::block_on(async {
        let (router, addr) = start_router(RouterConfig::default()).await;
        let (ready_tx, ready_rx) = futures_channel::oneshot::channel::<()>();
        let ready_tx = Arc::new(Mutex::new(Some(ready_tx)));
        let component = Component::new(rt::runtime(), JoinOptions::new("realm1")).on_join(
            move |client, _details| {
                let ready_tx = ready_tx.clone();
                async move {
                    let add2 = |inv: Invocation| async move {
                        let (a, b): (i64, i64) = inv.parse_args()?;
                        Ok(Payload::from_args(&(a + b,))?)
                    };
                    client
                        .register("com.embedded.add2", Default::default(), add2)
                        .await
                        .expect("register");
                    client
                        .publish(
                            "com.embedded.ready",
                            Payload::from_args(&("up",)).unwrap(),
                            Default::default(),
                        )
                        .await
                        .expect("publish");
                    if let Some(tx) = ready_tx.lock().unwrap().take() {
                        let _ = tx.send(());
                    }
                }
            },
        );
        // Subscribe first so the component's announcement is seen over the socket too.
        let mut caller = Peer::connect(addr, "wamp.2.msgpack").await.unwrap();
        caller.join().await;
        caller.subscribe("com.embedded.ready").await;
        router.embed(component);
        let deadline = std::time::Instant::now() + ferrobahn_test::TEST_TIMEOUT;
        ferrobahn_rt::timeout_at(&*rt::runtime(), deadline, ready_rx)
            .await
            .expect("the embedded component never joined")
            .unwrap();
        let Message::Event(ev) = caller.expect().await else {
            panic!("expected the component's event")
        };
        assert_eq!(ev.payload.args(), &[Value::from("up")]);
        caller
            .send(Call {
                request: id(2),
                procedure: "com.embedded.add2".into(),
                payload: Payload::from_args(&(20, 22)).unwrap(),
                ..Default::default()
            })
            .await;
        let Message::Result(r) = caller.expect().await else {
            panic!("expected RESULT")
        };
        assert_eq!(r.payload.args(), &[Value::from(42)]);
        // The component is a session like any other in the meta API.
        caller
            .send(Call {
                request: id(3),
                procedure: "wamp.session.count".into(),
                ..Default::default()
            })
            .await;
        let Message::Result(r) = caller.expect().await else {
            panic!("expected RESULT")
        };
        assert_eq!(r.payload.args(), &[Value::from(2)]);
        router.shutdown();
        assert!(matches!(caller.expect().await, Message::Goodbye(_)));
    });
}

/// An embedded component is the dynamic authorizer of role `user`: it allows calls of
/// `com.open.*` only; a ticket user over WebSocket is allowed and refused accordingly.
#[test]
fn an_embedded_authorizer_procedure_decides_for_a_role() {
    rt::block_on(async {
        let mut config = RouterConfig::default();
        let mut role = ferrobahn_router::config::RoleConfig::default();
        role.name = "user".into();
        role.authorizer = Some("com.example.authorize".into());
        config.realms[0].roles.push(role);
        let mut ticket = ferrobahn_router::config::TicketPrincipal::default();
        ticket.ticket = "t0k3n".into();
        ticket.role = "user".into();
        let mut tickets = std::collections::BTreeMap::new();
        tickets.insert("joe".to_owned(), ticket);
        config.realms[0].auth.ticket = Some(tickets);
        let (router, addr) = start_router(config).await;

        let (ready_tx, ready_rx) = futures_channel::oneshot::channel::<()>();
        let ready_tx = Arc::new(Mutex::new(Some(ready_tx)));
        let authorizer =
            Component::new(rt::runtime(), JoinOptions::new("realm1")).on_join(move |client, _| {
                let ready_tx = ready_tx.clone();
                async move {
                    let decide = |inv: Invocation| async move {
                        let uri = inv.args().get(1).and_then(Value::as_str).unwrap_or("");
                        let action = inv.args().get(2).and_then(Value::as_str).unwrap_or("");
                        let allow = (action == "call" && uri.starts_with("com.open."))
                            || action == "register";
                        Ok(Payload::Args(vec![Value::from(allow)]))
                    };
                    client
                        .register("com.example.authorize", Default::default(), decide)
                        .await
                        .expect("register the authorizer");
                    let echo =
                        |inv: Invocation| async move { Ok(Payload::Args(inv.args().to_vec())) };
                    for p in ["com.open.echo", "com.closed.echo"] {
                        client
                            .register(p, Default::default(), echo)
                            .await
                            .expect("register");
                    }
                    if let Some(tx) = ready_tx.lock().unwrap().take() {
                        let _ = tx.send(());
                    }
                }
            });
        router.embed(authorizer);
        let deadline = std::time::Instant::now() + ferrobahn_test::TEST_TIMEOUT;
        ferrobahn_rt::timeout_at(&*rt::runtime(), deadline, ready_rx)
            .await
            .expect("the authorizer never joined")
            .unwrap();

        let (ws, _) = {
            let cfg = ferrobahn_rt::ClientConfig::default().with_protocols(["wamp.2.json"]);
            rt::connect_with(&format!("ws://{addr}/ws"), cfg)
                .await
                .unwrap()
        };
        let transport = ferrobahn_client::transport::WebSocketTransport::new(
            ws,
            ferrobahn_serializers::Serializer::new(ferrobahn_serializers::Format::Json),
        );
        let user = ferrobahn_client::Client::new(rt::runtime(), transport, Default::default());
        let join = JoinOptions::new("realm1")
            .with_authid("joe")
            .with_credentials(ferrobahn_client::Credentials::Ticket("t0k3n".into()));
        let details = user.join(join).await.unwrap();
        assert_eq!(details.authrole.as_deref(), Some("user"));
        let r = user.call("com.open.echo", ("hi",)).await.unwrap();
        assert_eq!(r.args, [Value::from("hi")]);
        let e = user.call("com.closed.echo", ("hi",)).await.unwrap_err();
        assert_eq!(e.error_uri(), Some("wamp.error.not_authorized"));
        router.shutdown();
    });
}
