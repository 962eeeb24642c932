//! Messages round-trip through an echo server.

use ferrobahn::{ClientConfig, Message, ServerConfig, WebSocketConfig};
use ferrobahn_test::{Behaviour, Recorder, Seen};

use super::rt;

fn echo() -> Behaviour {
    Behaviour {
        echo: true,
        ..Behaviour::default()
    }
}

#[test]
fn text_and_binary_round_trip() {
    rt::block_on(async {
        let (factory, mut seen) = Recorder::factory(echo());
        let addr = rt::start_server(ServerConfig::default(), factory).await;
        let url = format!("ws://{addr}/echo");
        let (mut ws, response) = rt::connect_with(&url, ClientConfig::default())
            .await
            .unwrap();
        assert_eq!(response.status, 101);

        ws.send(Message::text("héllo")).await.unwrap();
        let back = ws.recv().await.unwrap().unwrap();
        assert_eq!(back.as_text(), Some("héllo"));

        ws.send_binary(&[0, 1, 2, 255]).await.unwrap();
        let back = ws.recv().await.unwrap().unwrap();
        assert!(back.is_binary());
        assert_eq!(&back.data[..], &[0, 1, 2, 255]);

        assert_eq!(
            seen.next().await,
            Some(Seen::Connect {
                path: "/echo".into(),
                protocols: vec![]
            })
        );
        assert_eq!(seen.next().await, Some(Seen::Open(None)));
        assert_eq!(
            seen.next().await,
            Some(Seen::Message(Message::text("héllo")))
        );
        ws.close(ferrobahn::CloseCode::NORMAL, "").await.unwrap();
    });
}

#[test]
fn one_mebibyte_message() {
    rt::block_on(async {
        let (factory, _seen) = Recorder::factory(echo());
        let addr = rt::start_server(ServerConfig::default(), factory).await;
        let (mut ws, _) = rt::connect_with(&format!("ws://{addr}/"), ClientConfig::default())
            .await
            .unwrap();
        let payload: Vec<u8> = (0..1 << 20).map(|i: u32| (i % 251) as u8).collect();
        ws.send(Message::binary(payload.clone())).await.unwrap();
        let back = ws.recv().await.unwrap().unwrap();
        assert_eq!(back.data.len(), 1 << 20);
        assert!(back.data == payload, "payload differs");
    });
}

#[test]
fn many_messages_in_flight_keep_order() {
    rt::block_on(async {
        let (factory, _seen) = Recorder::factory(echo());
        let addr = rt::start_server(ServerConfig::default(), factory).await;
        let (mut ws, _) = rt::connect_with(&format!("ws://{addr}/"), ClientConfig::default())
            .await
            .unwrap();
        for round in 0..20 {
            for i in 0..50 {
                ws.send(Message::text(format!("{round}-{i}")))
                    .await
                    .unwrap();
            }
            for i in 0..50 {
                let m = ws.recv().await.unwrap().unwrap();
                assert_eq!(m.as_text(), Some(format!("{round}-{i}").as_str()));
            }
        }
    });
}

#[test]
fn oversized_message_is_refused_with_1009() {
    rt::block_on(async {
        let (factory, mut seen) = Recorder::factory(echo());
        let websocket = WebSocketConfig::default().with_max_message_payload(1000);
        let config = ServerConfig::default().with_websocket(websocket);
        let addr = rt::start_server(config, factory).await;
        let (mut ws, _) = rt::connect_with(&format!("ws://{addr}/"), ClientConfig::default())
            .await
            .unwrap();
        ws.send(Message::binary(vec![7u8; 2000])).await.unwrap();
        assert!(
            ws.recv().await.is_none(),
            "no message after the server failed the connection"
        );
        let closed = ws.closed().expect("closed");
        assert_eq!(closed.code.as_u16(), 1009);
        let all = seen.until_close().await;
        match all.last() {
            Some(Seen::Close { code, .. }) => assert_eq!(code.map(|c| c.as_u16()), Some(1009)),
            other => panic!("unexpected {other:?}"),
        }
    });
}
