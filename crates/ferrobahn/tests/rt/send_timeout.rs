//! `send_timeout`: a `Sender` waiting for room on a connection whose peer
//! never reads gives up with `Timeout::Send`, and the connection is dropped
//! (no close frame, 1006 for the handler, the socket closed).

use std::future::poll_fn;
use std::time::{Duration, Instant};

use ferrobahn::rt::timeout_at;
use ferrobahn::{
    Bytes, ClientConfig, CloseCode, Ctx, Error, Handler, ServerConfig, Timeout, Transport,
    WebSocketConfig,
};
use futures_channel::mpsc;
use futures_util::StreamExt;

use super::rt;

const SEND_TIMEOUT: Duration = Duration::from_millis(300);

/// What the server side saw.
#[derive(Debug)]
enum Report {
    /// The sending task stopped: how many messages it queued, with which
    /// error, after how long it had been waiting on the last one.
    SendEnded {
        sent: usize,
        error: Error,
        last_wait: Duration,
    },
    /// `on_close`.
    Closed {
        was_clean: bool,
        code: Option<CloseCode>,
    },
}

/// Sends `count` 64 KiB messages from another task through a `Sender`,
/// then closes normally.
struct Flood {
    count: usize,
    report: mpsc::UnboundedSender<Report>,
}

impl Handler for Flood {
    fn on_open(&mut self, ctx: &mut Ctx<'_>) {
        let mut sender = ctx.sender();
        let report = self.report.clone();
        let count = self.count;
        rt::spawn(async move {
            let chunk = Bytes::from(vec![7u8; 64 * 1024]);
            for sent in 0..count {
                let started = Instant::now();
                if let Err(error) = sender.send_binary(chunk.clone()).await {
                    let last_wait = started.elapsed();
                    let _ = report.unbounded_send(Report::SendEnded {
                        sent,
                        error,
                        last_wait,
                    });
                    return;
                }
            }
            let _ = sender.close(CloseCode::NORMAL, "done").await;
        });
    }

    fn on_message(&mut self, _ctx: &mut Ctx<'_>, _payload: Bytes, _is_binary: bool) {}

    fn on_close(&mut self, was_clean: bool, code: Option<CloseCode>, _reason: &str) {
        let _ = self
            .report
            .unbounded_send(Report::Closed { was_clean, code });
    }
}

async fn flood_server(
    count: usize,
    send_timeout: Duration,
) -> (std::net::SocketAddr, mpsc::UnboundedReceiver<Report>) {
    let (tx, rx) = mpsc::unbounded();
    let config = ServerConfig::default()
        .with_websocket(WebSocketConfig::default().with_send_timeout(Some(send_timeout)));
    let addr = rt::start_server(config, move || Flood {
        count,
        report: tx.clone(),
    })
    .await;
    (addr, rx)
}

/// The next report, within the test timeout.
async fn next_report(reports: &mut mpsc::UnboundedReceiver<Report>) -> Report {
    let deadline = Instant::now() + ferrobahn_test::TEST_TIMEOUT;
    timeout_at(&*rt::runtime(), deadline, reports.next())
        .await
        .expect("a report in time")
        .expect("the server reports")
}

async fn write_all(io: &mut rt::Transport, mut data: &[u8]) {
    while !data.is_empty() {
        let n = poll_fn(|cx| io.poll_write(cx, data)).await.unwrap();
        data = &data[n..];
    }
}

/// Reads until end of stream or an error (a reset); `None` if neither
/// comes within the test timeout. Returns how many bytes came.
async fn read_until_closed(io: &mut rt::Transport) -> Option<usize> {
    let deadline = Instant::now() + ferrobahn_test::TEST_TIMEOUT;
    let drain = async {
        let mut total = 0;
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match poll_fn(|cx| io.poll_read(cx, &mut buf)).await {
                Ok(0) | Err(_) => return total,
                Ok(n) => total += n,
            }
        }
    };
    timeout_at(&*rt::runtime(), deadline, drain).await
}

#[test]
fn sender_times_out_on_a_peer_that_never_reads_and_the_connection_is_dropped() {
    rt::block_on(async {
        // 64 GiB: far more than any socket buffer holds.
        let (addr, mut reports) = flood_server(1 << 20, SEND_TIMEOUT).await;
        // A raw client: it completes the opening handshake, then stops reading.
        let mut io = rt::tcp_connect(addr).await;
        let request = concat!(
            "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n",
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        );
        write_all(&mut io, request.as_bytes()).await;
        let mut head = [0u8; 12];
        let n = poll_fn(|cx| io.poll_read(cx, &mut head)).await.unwrap();
        assert_eq!(&head[..n], &b"HTTP/1.1 101"[..n]);

        let mut sent_report = None;
        let mut closed_report = None;
        for _ in 0..2 {
            match next_report(&mut reports).await {
                r @ Report::SendEnded { .. } => sent_report = Some(r),
                r @ Report::Closed { .. } => closed_report = Some(r),
            }
        }
        let Some(Report::SendEnded {
            sent,
            error,
            last_wait,
        }) = sent_report
        else {
            panic!("the sender never gave up");
        };
        assert!(
            matches!(error, Error::Timeout(Timeout::Send)),
            "{error:?} after {sent} messages"
        );
        assert!(last_wait >= SEND_TIMEOUT, "gave up after {last_wait:?}");
        assert!(sent > 0, "some messages fit in the socket buffers");
        let Some(Report::Closed { was_clean, code }) = closed_report else {
            panic!("the handler was not told the connection ended");
        };
        assert!(!was_clean);
        assert_eq!(code, Some(CloseCode::ABNORMAL));
        // The socket is closed: what the buffers held, then the end.
        let received = read_until_closed(&mut io).await;
        assert!(received.is_some(), "the server did not drop the connection");
    });
}

#[test]
fn sender_to_a_reading_peer_never_times_out() {
    rt::block_on(async {
        // 16 MiB through a 2 s send timeout: each wait is short, however
        // long the whole takes (a loaded machine may stall a reader 300 ms).
        let (addr, mut reports) = flood_server(256, Duration::from_secs(2)).await;
        let (mut ws, _) = rt::connect_with(&format!("ws://{addr}/"), ClientConfig::default())
            .await
            .unwrap();
        let mut received = 0;
        while let Some(msg) = ws.recv().await {
            assert_eq!(msg.unwrap().data.len(), 64 * 1024);
            received += 1;
        }
        assert_eq!(received, 256);
        assert_eq!(ws.closed().unwrap().code, CloseCode::NORMAL);
        match next_report(&mut reports).await {
            Report::Closed { was_clean, code } => {
                assert!(was_clean);
                assert_eq!(code, Some(CloseCode::NORMAL));
            }
            other => panic!("unexpected {other:?}"),
        }
    });
}
