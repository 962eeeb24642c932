//! Flow control: bounded outgoing buffers, waiting and non-waiting sends,
//! drain notifications, and the slow-reader policies.

use std::time::Duration;

use ferrobahn::{
    Bytes, ClientConfig, CloseCode, Ctx, Error, Event, Handler, Message, ServerConfig, SlowReader,
    TrySendError, WebSocketConfig,
};
use futures_channel::mpsc;
use futures_util::StreamExt;

use super::rt;

const TOTAL: usize = 400;

/// Sends `TOTAL` numbered 1 KiB messages as fast as the buffer allows,
/// pausing on `Error::Full` and resuming in `on_drain`; reports how often
/// it had to pause and how the connection ended.
struct Producer {
    total: usize,
    next: usize,
    pauses: usize,
    report: mpsc::UnboundedSender<(usize, Option<CloseCode>)>,
}

impl Producer {
    fn produce(&mut self, ctx: &mut Ctx<'_>) {
        while self.next < self.total {
            let mut msg = format!("{:06}", self.next).into_bytes();
            msg.resize(1024, b'.');
            match ctx.send_binary(&msg) {
                Ok(()) => self.next += 1,
                Err(Error::Full) => {
                    self.pauses += 1;
                    return;
                }
                Err(_) => return,
            }
        }
        let _ = ctx.close(CloseCode::NORMAL, "done");
    }
}

impl Handler for Producer {
    fn on_open(&mut self, ctx: &mut Ctx<'_>) {
        self.produce(ctx);
    }
    fn on_message(&mut self, _ctx: &mut Ctx<'_>, _payload: Bytes, _is_binary: bool) {}
    fn on_drain(&mut self, ctx: &mut Ctx<'_>) {
        self.produce(ctx);
    }
    fn on_close(&mut self, _was_clean: bool, code: Option<CloseCode>, _reason: &str) {
        let _ = self.report.unbounded_send((self.pauses, code));
    }
}

async fn producer_server(
    policy: SlowReader,
) -> (
    std::net::SocketAddr,
    mpsc::UnboundedReceiver<(usize, Option<CloseCode>)>,
) {
    let (tx, rx) = mpsc::unbounded();
    let config = ServerConfig::default().with_websocket(
        WebSocketConfig::default()
            .with_max_outgoing_buffer(16 * 1024)
            .with_slow_reader(policy),
    );
    let addr = rt::start_server(config, move || Producer {
        total: TOTAL,
        next: 0,
        pauses: 0,
        report: tx.clone(),
    })
    .await;
    (addr, rx)
}

/// Reads every message; returns their numbers.
async fn read_all(ws: &mut ferrobahn::WebSocket<rt::Client>) -> Vec<usize> {
    let mut seen = Vec::new();
    while let Some(Ok(m)) = ws.recv().await {
        let n = std::str::from_utf8(&m.data[..6]).unwrap().parse().unwrap();
        seen.push(n);
    }
    seen
}

#[test]
fn producer_pauses_on_full_and_resumes_on_drain() {
    rt::block_on(async {
        let (addr, mut report) = producer_server(SlowReader::Wait).await;
        let (mut ws, _) = rt::connect_with(&format!("ws://{addr}/"), ClientConfig::default())
            .await
            .unwrap();
        let seen = read_all(&mut ws).await;
        assert_eq!(seen, (0..TOTAL).collect::<Vec<_>>());
        let (pauses, code) = report.next().await.unwrap();
        assert!(pauses > 0, "the 16 KiB buffer must have filled");
        assert_eq!(code, Some(CloseCode::NORMAL));
    });
}

#[test]
fn drop_policy_drops_messages_and_close_policy_drops_the_connection() {
    rt::block_on(async {
        let (addr, mut report) = producer_server(SlowReader::Drop).await;
        let (mut ws, _) = rt::connect_with(&format!("ws://{addr}/"), ClientConfig::default())
            .await
            .unwrap();
        let seen = read_all(&mut ws).await;
        assert!(!seen.is_empty() && seen.len() < TOTAL, "{}", seen.len());
        assert!(seen.windows(2).all(|w| w[0] < w[1]));
        let (_, code) = report.next().await.unwrap();
        assert_eq!(code, Some(CloseCode::NORMAL));

        let (addr, mut report) = producer_server(SlowReader::Close).await;
        let (mut ws, _) = rt::connect_with(&format!("ws://{addr}/"), ClientConfig::default())
            .await
            .unwrap();
        let seen = read_all(&mut ws).await;
        assert!(seen.len() < TOTAL);
        assert!(!ws.closed().expect("closed").was_clean);
        let (_, code) = report.next().await.unwrap();
        assert_eq!(code, Some(CloseCode::ABNORMAL));
    });
}

#[test]
fn try_send_reports_full_and_drained_follows_a_flush() {
    rt::block_on(async {
        let (factory, _seen) = ferrobahn_test::Recorder::factory(Default::default());
        let addr = rt::start_server(ServerConfig::default(), factory).await;
        let config = ClientConfig::default()
            .with_websocket(WebSocketConfig::default().with_max_outgoing_buffer(4096));
        let (mut ws, _) = rt::connect_with(&format!("ws://{addr}/"), config)
            .await
            .unwrap();
        let msg = Message::binary(vec![1u8; 1000]);
        let mut queued = 0;
        loop {
            match ws.try_send(&msg) {
                Ok(()) => queued += 1,
                Err(TrySendError::Full) => break,
                Err(TrySendError::Closed) => panic!("closed"),
            }
        }
        assert_eq!(queued, 5);
        ws.flush().await.unwrap();
        match ws.next_event().await {
            Some(Ok(Event::Drained)) => {}
            other => panic!("expected Drained, got {other:?}"),
        }
        // The waiting send never sees Full: 200 KB through a 4 KiB buffer.
        for _ in 0..200 {
            ws.send(msg.clone()).await.unwrap();
        }
        ws.close(None, "").await.unwrap();
    });
}

#[test]
fn slow_reader_timeout_drops_a_client_that_never_reads() {
    rt::block_on(async {
        let (tx, mut report) = mpsc::unbounded();
        let config = ServerConfig::default().with_websocket(
            WebSocketConfig::default()
                .with_max_outgoing_buffer(64 * 1024)
                .with_slow_reader_timeout(Some(Duration::from_millis(300))),
        );
        // 1 GiB: more than any socket buffer holds.
        let addr = rt::start_server(config, move || Producer {
            total: 1 << 20,
            next: 0,
            pauses: 0,
            report: tx.clone(),
        })
        .await;
        let (ws, _) = rt::connect_with(&format!("ws://{addr}/"), ClientConfig::default())
            .await
            .unwrap();
        // The client never reads; socket buffers fill up first, the
        // timeout fires once the producer is paused.
        let _hold = ws;
        let deadline = std::time::Instant::now() + ferrobahn_test::TEST_TIMEOUT;
        let (pauses, code) = report.next().await.unwrap();
        assert!(std::time::Instant::now() < deadline);
        assert!(pauses > 0);
        assert_eq!(code, Some(CloseCode::ABNORMAL));
    });
}
