//! Split halves used from different tasks, and pings with latency.

use std::time::Duration;

use ferrobahn::{
    Bytes, ClientConfig, CloseCode, Ctx, Event, Handler, Message, ServerConfig, WebSocketConfig,
};
use ferrobahn_test::{Behaviour, Recorder};
use futures_channel::mpsc;
use futures_util::{SinkExt, StreamExt};

use super::rt;

#[test]
fn reader_and_writer_halves_in_different_tasks() {
    rt::block_on(async {
        let (factory, _seen) = Recorder::factory(Behaviour {
            echo: true,
            ..Behaviour::default()
        });
        let addr = rt::start_server(ServerConfig::default(), factory).await;
        let (ws, _) = rt::connect_with(&format!("ws://{addr}/"), ClientConfig::default())
            .await
            .unwrap();
        let (mut reader, mut writer) = ws.split();
        let (done_tx, mut done_rx) = mpsc::unbounded();
        rt::spawn(async move {
            for i in 0..200 {
                writer.send_text(&format!("m{i}")).await.unwrap();
            }
            // A streamed message and a Sink send from the writer too.
            writer
                .begin_message(ferrobahn::MessageKind::Text)
                .await
                .unwrap();
            writer.send_message_frame(b"str", false).await.unwrap();
            writer.send_message_frame(b"eam", true).await.unwrap();
            writer.send(Message::text("last")).await.unwrap();
            SinkExt::flush(&mut writer).await.unwrap();
            done_tx.unbounded_send(writer).unwrap();
        });
        let mut got = Vec::new();
        while got.len() < 202 {
            let m = reader.next().await.unwrap().unwrap();
            got.push(m.as_text().unwrap().to_owned());
        }
        let want: Vec<String> = (0..200)
            .map(|i| format!("m{i}"))
            .chain(["stream".to_owned(), "last".to_owned()])
            .collect();
        assert_eq!(got, want);
        let mut writer = done_rx.next().await.unwrap();
        writer.send_text("after").await.unwrap();
        // Back together: the whole WebSocket again.
        let mut ws = reader.reunite(writer).map_err(|_| "other halves").unwrap();
        let m = ws.recv().await.unwrap().unwrap();
        assert_eq!(m.as_text(), Some("after"));
        let closed = ws.close(CloseCode::NORMAL, "bye").await.unwrap();
        assert!(closed.was_clean);
    });
}

#[test]
fn a_waiting_reader_does_not_stall_the_writer() {
    rt::block_on(async {
        // The server only answers when asked, so the reader waits on the
        // socket while the writer writes.
        let (factory, _seen) = Recorder::factory(Behaviour {
            close_on_text: Some(CloseCode::NORMAL),
            ..Behaviour::default()
        });
        let addr = rt::start_server(ServerConfig::default(), factory).await;
        let (ws, _) = rt::connect_with(&format!("ws://{addr}/"), ClientConfig::default())
            .await
            .unwrap();
        let (mut reader, mut writer) = ws.split();
        let read = async move {
            let mut n = 0;
            while let Some(ev) = reader.next_event().await {
                if let Ok(Event::Closed(c)) = ev {
                    assert_eq!(c.code, CloseCode::NORMAL);
                }
                n += 1;
            }
            n
        };
        let (tx, mut rx) = mpsc::unbounded();
        rt::spawn(async move {
            let _ = tx.unbounded_send(read.await);
        });
        let big = vec![0u8; 256 * 1024];
        for _ in 0..20 {
            writer.send_binary(&big).await.unwrap();
        }
        writer.send_text("close").await.unwrap();
        let events = rx.next().await.unwrap();
        assert!(events >= 2, "close frame and Closed");
        writer.close(CloseCode::NORMAL, "").await.unwrap();
    });
}

#[test]
fn writer_sends_while_the_reader_is_not_polled() {
    rt::block_on(async {
        let (factory, mut seen) = Recorder::factory(Behaviour {
            push_on_open: 2,
            ..Behaviour::default()
        });
        let addr = rt::start_server(ServerConfig::default(), factory).await;
        let (ws, _) = rt::connect_with(&format!("ws://{addr}/"), ClientConfig::default())
            .await
            .unwrap();
        let (mut reader, mut writer) = ws.split();
        let first = reader.next().await.unwrap().unwrap();
        assert_eq!(first.as_text(), Some("pushed 0"));
        // The reader rests (the second push may wait in it, unread); the
        // writer's message must still go out.
        writer.send_text("from the writer").await.unwrap();
        loop {
            match seen.next().await.expect("server alive") {
                ferrobahn_test::Seen::Message(m) => {
                    assert_eq!(m.as_text(), Some("from the writer"));
                    break;
                }
                _ => continue,
            }
        }
        let second = reader.next().await.unwrap().unwrap();
        assert_eq!(second.as_text(), Some("pushed 1"));
    });
}

/// Records the measured round-trip time at every pong.
struct Pinger(mpsc::UnboundedSender<Option<Duration>>);

impl Handler for Pinger {
    fn on_message(&mut self, _ctx: &mut Ctx<'_>, _payload: Bytes, _is_binary: bool) {}
    fn on_pong(&mut self, ctx: &mut Ctx<'_>, _payload: Bytes) {
        let _ = self.0.unbounded_send(ctx.ping_rtt());
    }
    fn on_close(&mut self, _was_clean: bool, code: Option<CloseCode>, _reason: &str) {
        if code == Some(CloseCode::ABNORMAL) {
            let _ = self.0.unbounded_send(None);
        }
    }
}

fn auto_ping() -> ServerConfig {
    ServerConfig::default().with_websocket(
        WebSocketConfig::default()
            .with_auto_ping_interval(Some(Duration::from_millis(50)))
            .with_auto_ping_timeout(Some(Duration::from_millis(300)))
            .with_auto_ping_size(16),
    )
}

#[test]
fn auto_ping_measures_latency_and_drops_a_silent_peer() {
    rt::block_on(async {
        let (tx, mut rtts) = mpsc::unbounded();
        let addr = rt::start_server(auto_ping(), move || Pinger(tx.clone())).await;
        let (mut ws, _) = rt::connect_with(&format!("ws://{addr}/"), ClientConfig::default())
            .await
            .unwrap();
        // Reading answers the pings.
        let reading = async {
            let mut pings = 0;
            while let Some(Ok(ev)) = ws.next_event().await {
                if let Event::Ping(p) = ev {
                    assert_eq!(p.len(), 16);
                    pings += 1;
                    if pings == 3 {
                        break;
                    }
                }
            }
        };
        reading.await;
        for _ in 0..2 {
            let rtt = rtts.next().await.unwrap().expect("a measured round trip");
            assert!(rtt < Duration::from_secs(5));
        }
        // Stop reading: no pongs, so the server drops us after the timeout.
        let _hold = ws;
        loop {
            if rtts.next().await.unwrap().is_none() {
                break;
            }
        }
    });
}

#[test]
fn client_ping_round_trip() {
    rt::block_on(async {
        let (factory, _seen) = Recorder::factory(Behaviour::default());
        let addr = rt::start_server(ServerConfig::default(), factory).await;
        let (mut ws, _) = rt::connect_with(&format!("ws://{addr}/"), ClientConfig::default())
            .await
            .unwrap();
        assert_eq!(ws.ping_rtt(), None);
        ws.ping(b"hello").await.unwrap();
        loop {
            if let Some(Ok(Event::Pong(p))) = ws.next_event().await {
                assert_eq!(&p[..], b"hello");
                break;
            }
        }
        assert!(ws.ping_rtt().is_some());
        ws.close(None, "").await.unwrap();
    });
}
