//! Stream/Sink usage, Senders from other tasks, ping/pong.

use std::future::poll_fn;

use ferrobahn::{ClientConfig, Event, Message, ServerConfig};
use ferrobahn_test::{Behaviour, Recorder, Seen};
use futures_util::{SinkExt, StreamExt};

use super::rt;

async fn echo_server() -> (std::net::SocketAddr, ferrobahn_test::Seens) {
    let behaviour = Behaviour {
        echo: true,
        ..Behaviour::default()
    };
    let (factory, seen) = Recorder::factory(behaviour);
    (
        rt::start_server(ServerConfig::default(), factory).await,
        seen,
    )
}

#[test]
fn stream_and_sink() {
    rt::block_on(async {
        let (addr, _seen) = echo_server().await;
        let (mut ws, _) = rt::connect_with(&format!("ws://{addr}/"), ClientConfig::default())
            .await
            .unwrap();
        for i in 0..10 {
            ws.feed(Message::text(format!("m{i}"))).await.unwrap();
        }
        SinkExt::flush(&mut ws).await.unwrap();
        let got: Vec<String> = (&mut ws)
            .take(10)
            .map(|m| m.unwrap().as_text().unwrap().to_owned())
            .collect()
            .await;
        let want: Vec<String> = (0..10).map(|i| format!("m{i}")).collect();
        assert_eq!(got, want);
        SinkExt::close(&mut ws).await.unwrap();
        assert!(ws.next().await.is_none());
        assert!(ws.closed().expect("closed").was_clean);
    });
}

#[test]
fn sender_from_another_task() {
    rt::block_on(async {
        let (addr, _seen) = echo_server().await;
        let (mut ws, _) = rt::connect_with(&format!("ws://{addr}/"), ClientConfig::default())
            .await
            .unwrap();
        let mut sender = ws.sender();
        rt::spawn(async move {
            for i in 0..3 {
                sender
                    .send(Message::text(format!("from task {i}")))
                    .await
                    .unwrap();
            }
        });
        for i in 0..3 {
            let m = ws.recv().await.unwrap().unwrap();
            assert_eq!(m.as_text(), Some(format!("from task {i}").as_str()));
        }
    });
}

#[test]
fn ping_is_answered_with_pong() {
    rt::block_on(async {
        let (addr, mut seen) = echo_server().await;
        let (mut ws, _) = rt::connect_with(&format!("ws://{addr}/"), ClientConfig::default())
            .await
            .unwrap();
        ws.ping(b"are you there").await.unwrap();
        let pong = loop {
            match poll_fn(|cx| ws.poll_event(cx)).await {
                Some(Ok(Event::Pong(p))) => break p,
                Some(Ok(_)) => {}
                other => panic!("unexpected {other:?}"),
            }
        };
        assert_eq!(&pong[..], b"are you there");
        loop {
            match seen.next().await {
                Some(Seen::Ping(p)) => {
                    assert_eq!(&p[..], b"are you there");
                    break;
                }
                Some(_) => {}
                None => panic!("server never saw the ping"),
            }
        }
    });
}

#[test]
fn handler_pushes_through_a_sender_task() {
    rt::block_on(async {
        let behaviour = Behaviour {
            push_on_open: 20,
            ..Behaviour::default()
        };
        let (factory, _seen) = Recorder::factory(behaviour);
        let addr = rt::start_server(ServerConfig::default(), factory).await;
        let (mut ws, _) = rt::connect_with(&format!("ws://{addr}/"), ClientConfig::default())
            .await
            .unwrap();
        for i in 0..20 {
            let m = ws.recv().await.unwrap().unwrap();
            assert_eq!(m.as_text(), Some(format!("pushed {i}").as_str()));
        }
    });
}
