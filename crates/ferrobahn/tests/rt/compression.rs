//! permessage-deflate negotiated between the server and client of this crate.

use ferrobahn::{
    ClientConfig, ClientExtensions, ClientOffer, DeflateConfig, Message, ServerConfig,
    ServerExtensions,
};
use ferrobahn_test::{Behaviour, Recorder};

use super::rt;

fn deflate_client() -> ClientConfig {
    ClientConfig::default().with_extensions(
        ClientExtensions::new().with_offer(ClientOffer::Deflate(DeflateConfig::default())),
    )
}

async fn echo_server(config: ServerConfig) -> std::net::SocketAddr {
    let behaviour = Behaviour {
        echo: true,
        ..Behaviour::default()
    };
    let (factory, _seen) = Recorder::factory(behaviour);
    rt::start_server(config, factory).await
}

#[test]
fn deflate_is_negotiated_and_round_trips() {
    rt::block_on(async {
        let server = ServerExtensions::new().with_deflate(DeflateConfig::default());
        let addr = echo_server(ServerConfig::default().with_extensions(server)).await;
        let (mut ws, response) = rt::connect_with(&format!("ws://{addr}/"), deflate_client())
            .await
            .unwrap();
        assert_eq!(
            response.extensions.first().map(|e| e.name.as_str()),
            Some("permessage-deflate")
        );
        let big = "compressible text ".repeat(50_000);
        for msg in [
            Message::text("small"),
            Message::text(big.clone()),
            Message::binary(vec![1u8; 300_000]),
        ] {
            ws.send(msg.clone()).await.unwrap();
            assert_eq!(ws.recv().await.unwrap().unwrap(), msg);
        }
        ws.close(ferrobahn::CloseCode::NORMAL, "").await.unwrap();
    });
}

#[test]
fn offer_is_declined_by_a_server_without_compression() {
    rt::block_on(async {
        let addr = echo_server(ServerConfig::default()).await;
        let (mut ws, response) = rt::connect_with(&format!("ws://{addr}/"), deflate_client())
            .await
            .unwrap();
        assert!(response.extensions.is_empty());
        ws.send(Message::text("plain")).await.unwrap();
        assert_eq!(ws.recv().await.unwrap().unwrap().as_text(), Some("plain"));
    });
}
