//! The closing handshake, seen from both sides.

use ferrobahn::{ClientConfig, CloseCode, Message, ServerConfig};
use ferrobahn_test::{Behaviour, Recorder, Seen};

use super::rt;

#[test]
fn client_close_code_and_reason_reach_the_server() {
    rt::block_on(async {
        let (factory, mut seen) = Recorder::factory(Behaviour::default());
        let addr = rt::start_server(ServerConfig::default(), factory).await;
        let (mut ws, _) = rt::connect_with(&format!("ws://{addr}/"), ClientConfig::default())
            .await
            .unwrap();
        let code = CloseCode::new(4000).unwrap();
        let closed = ws.close(code, "done here").await.unwrap();
        assert!(closed.was_clean, "{closed:?}");
        assert!(!closed.by_peer);
        // Each side reports the code of the frame it received: the server
        // answered with 1000 (it does not echo codes by default).
        assert_eq!(closed.code, CloseCode::NORMAL);
        assert!(ws.recv().await.is_none());

        let all = seen.until_close().await;
        assert_eq!(
            all.last(),
            Some(&Seen::Close {
                was_clean: true,
                code: Some(code),
                reason: "done here".into()
            })
        );
    });
}

#[test]
fn server_close_reaches_the_client() {
    rt::block_on(async {
        let behaviour = Behaviour {
            close_on_text: Some(CloseCode::new(4001).unwrap()),
            ..Behaviour::default()
        };
        let (factory, mut seen) = Recorder::factory(behaviour);
        let addr = rt::start_server(ServerConfig::default(), factory).await;
        let (mut ws, _) = rt::connect_with(&format!("ws://{addr}/"), ClientConfig::default())
            .await
            .unwrap();
        ws.send(Message::text("close")).await.unwrap();
        assert!(ws.recv().await.is_none());
        let closed = ws.closed().expect("closed").clone();
        assert_eq!(closed.code.as_u16(), 4001);
        assert_eq!(closed.reason, "asked to close");
        assert!(closed.was_clean, "{closed:?}");
        assert!(closed.by_peer);

        let all = seen.until_close().await;
        match all.last() {
            Some(Seen::Close {
                was_clean, code, ..
            }) => {
                assert!(was_clean);
                // The server sees the client's reply.
                assert_eq!(*code, Some(CloseCode::NORMAL));
            }
            other => panic!("unexpected {other:?}"),
        }
    });
}

#[test]
fn dropped_client_is_an_abnormal_close_for_the_server() {
    rt::block_on(async {
        let (factory, mut seen) = Recorder::factory(Behaviour::default());
        let addr = rt::start_server(ServerConfig::default(), factory).await;
        let (ws, _) = rt::connect_with(&format!("ws://{addr}/"), ClientConfig::default())
            .await
            .unwrap();
        drop(ws);
        let all = seen.until_close().await;
        match all.last() {
            Some(Seen::Close {
                was_clean, code, ..
            }) => {
                assert!(!was_clean);
                assert_eq!(code.map(|c| c.as_u16()), Some(1006));
            }
            other => panic!("unexpected {other:?}"),
        }
    });
}
