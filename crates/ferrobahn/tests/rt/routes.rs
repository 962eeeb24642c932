//! Several WebSocket services on one port, chosen by path or subprotocol.

use ferrobahn::{
    Bytes, ClientConfig, CloseCode, Ctx, Error, Handler, HandshakeError, Message, Routes,
    ServerConfig,
};

use super::rt;

/// Answers every text message with `name: text`.
struct Named(&'static str);

impl Handler for Named {
    fn on_message(&mut self, ctx: &mut Ctx<'_>, payload: Bytes, _is_binary: bool) {
        let text = String::from_utf8_lossy(&payload);
        let _ = ctx.send_text(&format!("{}: {text}", self.0));
    }
}

async fn ask(url: &str, protocols: &[&str]) -> Result<(Option<String>, String), Error> {
    let config = ClientConfig::default().with_protocols(protocols.iter().copied());
    let (mut ws, response) = rt::connect_with(url, config).await?;
    ws.send(Message::text("hi")).await?;
    let answer = ws.recv().await.expect("an answer")?;
    ws.close(CloseCode::NORMAL, "").await?;
    Ok((response.protocol, answer.as_text().unwrap().to_owned()))
}

#[test]
fn services_are_chosen_by_path_then_subprotocol() {
    rt::block_on(async {
        let factory = Routes::new()
            .path("/echo1", || Named("echo1"))
            .path("/echo2", || Named("echo2"))
            .protocol("chat.v2", || Named("chat"))
            .route(Some("/both"), Some("x"), || Named("both"))
            .factory();
        let addr = rt::start_server(ServerConfig::default(), factory).await;
        let url = |p: &str| format!("ws://{addr}{p}");
        assert_eq!(
            ask(&url("/echo1"), &[]).await.unwrap(),
            (None, "echo1: hi".into())
        );
        assert_eq!(
            ask(&url("/echo2?q=1"), &[]).await.unwrap(),
            (None, "echo2: hi".into())
        );
        assert_eq!(
            ask(&url("/anywhere"), &["chat.v1", "chat.v2"])
                .await
                .unwrap(),
            (Some("chat.v2".into()), "chat: hi".into())
        );
        assert_eq!(
            ask(&url("/both"), &["x"]).await.unwrap(),
            (Some("x".into()), "both: hi".into())
        );
        for (path, protocols) in [("/nothing", &[][..]), ("/both", &["y"][..])] {
            match ask(&url(path), protocols).await {
                Err(Error::Handshake(HandshakeError::UnexpectedStatus { status, .. })) => {
                    assert_eq!(status, 404)
                }
                other => panic!("{path}: expected 404, got {other:?}"),
            }
        }
    });
}
