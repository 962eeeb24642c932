//! Frame-level and streaming APIs: handlers that receive piece by piece,
//! messages sent frame by frame and in chunks, with and without compression.

use ferrobahn::{
    Bytes, ClientConfig, ClientExtensions, ClientOffer, Ctx, DeflateConfig, Event, Handler,
    Message, MessageKind, ServerConfig, ServerExtensions,
};

use super::rt;

/// Streams every message in and answers with what it saw:
/// `"<kind> len=<bytes> frames=<frames> pieces=<FrameData count>"`.
#[derive(Default)]
struct Counter {
    binary: bool,
    len: usize,
    frames: usize,
    pieces: usize,
}

impl Handler for Counter {
    fn on_open(&mut self, ctx: &mut Ctx<'_>) {
        ctx.set_streaming(true);
    }
    fn on_message(&mut self, ctx: &mut Ctx<'_>, _payload: Bytes, _is_binary: bool) {
        let _ = ctx.send_text("whole message in streaming mode");
    }
    fn on_message_begin(&mut self, _ctx: &mut Ctx<'_>, is_binary: bool) {
        *self = Self {
            binary: is_binary,
            ..Self::default()
        };
    }
    fn on_message_frame_begin(&mut self, _ctx: &mut Ctx<'_>, _len: u64) {
        self.frames += 1;
    }
    fn on_message_frame_data(&mut self, _ctx: &mut Ctx<'_>, data: Bytes) {
        self.len += data.len();
        self.pieces += 1;
    }
    fn on_message_end(&mut self, ctx: &mut Ctx<'_>) {
        let kind = if self.binary { "binary" } else { "text" };
        let _ = ctx.send_text(&format!("{kind} len={} frames={}", self.len, self.frames));
        // Answer with a message streamed in three chunks.
        let _ = ctx.begin_message(true);
        for chunk in [&b"ab"[..], b"cd", b"ef"] {
            let _ = ctx.send_message_frame(chunk, false);
        }
        let _ = ctx.end_message();
    }
}

fn deflate_server() -> ServerConfig {
    ServerConfig::default()
        .with_extensions(ServerExtensions::new().with_deflate(DeflateConfig::default()))
}

fn deflate_client() -> ClientConfig {
    ClientConfig::default().with_extensions(
        ClientExtensions::new().with_offer(ClientOffer::Deflate(DeflateConfig::default())),
    )
}

async fn text(ws: &mut ferrobahn::WebSocket<rt::Client>) -> String {
    let m = ws.recv().await.expect("message").expect("ok");
    m.as_text().expect("text").to_owned()
}

#[test]
fn streamed_send_and_streaming_handler_with_and_without_compression() {
    rt::block_on(async {
        for (server, client, compressed) in [
            (ServerConfig::default(), ClientConfig::default(), false),
            (deflate_server(), deflate_client(), true),
        ] {
            let addr = rt::start_server(server, Counter::default).await;
            let (mut ws, _) = rt::connect_with(&format!("ws://{addr}/"), client)
                .await
                .unwrap();
            // Chunks of unknown total size.
            ws.begin_message(MessageKind::Binary).await.unwrap();
            let chunk = vec![b'z'; 1000];
            for _ in 0..5 {
                ws.send_message_frame(&chunk, false).await.unwrap();
            }
            ws.end_message().await.unwrap();
            let seen = text(&mut ws).await;
            if compressed {
                // Compressed pieces may be merged: the byte count must hold.
                assert!(seen.starts_with("binary len=5000 frames="), "{seen}");
            } else {
                assert_eq!(seen, "binary len=5000 frames=6");
            }
            let streamed = ws.recv().await.unwrap().unwrap();
            assert_eq!(streamed, Message::binary(&b"abcdef"[..]));
            // Frames with declared lengths, written in pieces.
            ws.begin_message(MessageKind::Text).await.unwrap();
            ws.begin_message_frame(10).await.unwrap();
            ws.send_message_frame_data(b"01234").await.unwrap();
            ws.send_message_frame_data(b"56789").await.unwrap();
            ws.send_message_frame(b"!", true).await.unwrap();
            assert_eq!(text(&mut ws).await, "text len=11 frames=2");
            let _ = ws.recv().await;
            // A whole message, received piece by piece by the handler.
            ws.send_text("plain").await.unwrap();
            assert_eq!(text(&mut ws).await, "text len=5 frames=1");
            ws.close(None, "").await.unwrap();
        }
    });
}

#[test]
fn client_receives_a_large_message_as_a_stream() {
    rt::block_on(async {
        let (factory, _seen) = ferrobahn_test::Recorder::factory(ferrobahn_test::Behaviour {
            echo: true,
            ..Default::default()
        });
        let addr = rt::start_server(deflate_server(), factory).await;
        let (mut ws, _) = rt::connect_with(&format!("ws://{addr}/"), deflate_client())
            .await
            .unwrap();
        ws.set_streaming(true);
        let payload: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        ws.send_binary(&payload).await.unwrap();
        let mut got = Vec::new();
        let mut pieces = 0;
        loop {
            match ws.next_event().await.unwrap().unwrap() {
                Event::MessageBegin(kind) => assert_eq!(kind, MessageKind::Binary),
                Event::FrameData(d) => {
                    pieces += 1;
                    got.extend_from_slice(&d);
                }
                Event::MessageEnd => break,
                _ => {}
            }
        }
        assert_eq!(got, payload);
        assert!(pieces > 1, "delivered as it arrived, not in one piece");
        ws.close(None, "").await.unwrap();
    });
}
