//! The driver over an in-memory transport with a virtual clock: write
//! batching, timers, backpressure, cancel safety. Deterministic: no sockets,
//! no runtime, futures polled by hand.

use std::future::poll_fn;
use std::pin::pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use bytes::Bytes;
use ferrobahn_rt::{run_handler, Ctx, Handler, Runtime, Transport, TrySendError, WebSocket};
use ferrobahn_test::mem::{pipe, poll_once, ManualRuntime, MemIo};
use ferrobahn_websocket::{CloseCode, Config, Connection, Event, Message, MessageKind, Role};

/// A sans-IO client core talking to the driver under test through `io`.
struct Peer {
    conn: Connection,
    io: MemIo,
    rt: ManualRuntime,
}

impl Peer {
    /// Writes what the core queued into the pipe (as much as fits).
    fn flush(&mut self) -> usize {
        let buf = self.conn.transmit_buf().to_vec();
        let io = &mut self.io;
        match poll_once(pin!(poll_fn(|cx| io.poll_write(cx, &buf)))) {
            Poll::Ready(Ok(n)) => {
                self.conn.advance_transmit(n);
                n
            }
            _ => 0,
        }
    }

    /// Reads everything available and returns the events.
    fn read_events(&mut self) -> Vec<Event> {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let io = &mut self.io;
            match poll_once(pin!(poll_fn(|cx| io.poll_read(cx, &mut buf)))) {
                Poll::Ready(Ok(n)) if n > 0 => self.conn.feed(self.rt.now(), &buf[..n]),
                Poll::Ready(Ok(_)) => {
                    self.conn.feed_eof(self.rt.now());
                    break;
                }
                _ => break,
            }
        }
        std::iter::from_fn(|| self.conn.poll_event()).collect()
    }
}

fn setup(capacity: usize, server_config: Config) -> (WebSocket<MemIo>, Peer, ManualRuntime) {
    let rt = ManualRuntime::new();
    let (server_io, client_io) = pipe(capacity);
    let server = Connection::new(Role::Server, server_config, rt.now(), 1);
    let ws = WebSocket::from_parts(server_io, server, Arc::new(rt.clone()));
    let peer = Peer {
        conn: Connection::new(Role::Client, Config::default(), rt.now(), 2),
        io: client_io,
        rt: rt.clone(),
    };
    (ws, peer, rt)
}

fn messages(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Message(m) => m.as_text().map(str::to_owned),
            _ => None,
        })
        .collect()
}

#[test]
fn echo_loop_answers_a_burst_with_one_write() {
    let (mut ws, mut peer, rt) = setup(1 << 20, Config::default());
    for i in 0..10 {
        peer.conn.send_text(rt.now(), &format!("m{i}")).unwrap();
    }
    peer.flush();
    let writes = ws.get_ref().write_counter();
    let echo = pin!(async {
        for _ in 0..10 {
            let m = ws.recv().await.unwrap().unwrap();
            ws.send(m).await.unwrap();
        }
    });
    assert!(poll_once(echo).is_ready());
    assert_eq!(
        writes.load(Ordering::Relaxed),
        1,
        "one write for the whole burst"
    );
    let want: Vec<String> = (0..10).map(|i| format!("m{i}")).collect();
    assert_eq!(messages(&peer.read_events()), want);
}

struct Echo;

impl Handler for Echo {
    fn on_message(&mut self, ctx: &mut Ctx<'_>, payload: Bytes, is_binary: bool) {
        let kind = if is_binary {
            MessageKind::Binary
        } else {
            MessageKind::Text
        };
        ctx.send_message(Message {
            kind,
            data: payload,
        })
        .unwrap();
    }
}

#[test]
fn handler_answers_a_burst_with_one_write() {
    let (ws, mut peer, rt) = setup(1 << 20, Config::default());
    let writes = ws.get_ref().write_counter();
    let mut run = pin!(run_handler(ws, Echo));
    assert!(poll_once(run.as_mut()).is_pending());
    for i in 0..25 {
        peer.conn.send_text(rt.now(), &format!("h{i}")).unwrap();
    }
    peer.flush();
    assert!(poll_once(run.as_mut()).is_pending());
    assert_eq!(writes.load(Ordering::Relaxed), 1);
    assert_eq!(messages(&peer.read_events()).len(), 25);
}

#[test]
fn unanswered_close_times_out_on_the_runtime_clock() {
    let config = Config::default().with_close_handshake_timeout(Some(Duration::from_secs(5)));
    let (mut ws, mut peer, rt) = setup(1 << 20, config);
    let mut close = pin!(ws.close(CloseCode::NORMAL, "bye"));
    assert!(poll_once(close.as_mut()).is_pending());
    rt.advance(Duration::from_secs(4));
    assert!(
        poll_once(close.as_mut()).is_pending(),
        "not before the deadline"
    );
    rt.advance(Duration::from_secs(2));
    // Timed out: the server shuts its side down, then lingers (up to 1 s)
    // for the silent peer to go away.
    assert!(poll_once(close.as_mut()).is_pending(), "lingering");
    rt.advance(Duration::from_secs(1));
    let closed = match poll_once(close.as_mut()) {
        Poll::Ready(res) => res.unwrap(),
        Poll::Pending => panic!("close did not time out"),
    };
    assert!(!closed.was_clean);
    assert_eq!(closed.code, CloseCode::ABNORMAL);
    let seen = peer.read_events();
    assert!(
        seen.iter().any(
            |e| matches!(e, Event::CloseReceived { code: Some(c), .. } if *c == CloseCode::NORMAL)
        ),
        "{seen:?}"
    );
}

#[test]
fn full_outgoing_buffer_stops_reading() {
    let config = Config::default().with_max_outgoing_buffer(4096);
    let (mut ws, mut peer, rt) = setup(8192, config);
    let ping = [7u8; 100];
    // The peer pings without reading the pongs.
    for _ in 0..200 {
        peer.conn.ping(rt.now(), &ping).unwrap();
    }
    // Keep refilling what the server reads; it must stop once its queue is full.
    for _ in 0..4 {
        peer.flush();
        assert!(poll_once(pin!(ws.recv())).is_pending());
    }
    let queued = ws.connection().transmit_len();
    assert!(ws.get_ref().unread() > 0, "the server kept reading");
    assert!(queued < 4096 + 8192, "outgoing queue grew to {queued}");

    // Once the peer reads, the server catches up.
    let unread_before = ws.get_ref().unread();
    let pongs = peer.read_events().len();
    assert!(pongs > 0);
    assert!(poll_once(pin!(ws.recv())).is_pending());
    assert!(
        ws.get_ref().unread() < unread_before,
        "reading did not resume"
    );
}

#[test]
fn recv_is_cancel_safe() {
    let (mut ws, mut peer, rt) = setup(1 << 20, Config::default());
    assert!(poll_once(pin!(ws.recv())).is_pending());
    peer.conn.send_text(rt.now(), "late").unwrap();
    peer.flush();
    // A future polled to Pending and dropped loses nothing.
    let got = poll_once(pin!(ws.recv()));
    match got {
        Poll::Ready(Some(Ok(m))) => assert_eq!(m.as_text(), Some("late")),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn sender_commands_are_written_by_the_reading_side() {
    let (mut ws, mut peer, _rt) = setup(1 << 20, Config::default());
    let mut sender = ws.sender();
    sender.try_send(Message::text("pushed")).unwrap();
    assert!(poll_once(pin!(ws.recv())).is_pending());
    assert_eq!(messages(&peer.read_events()), ["pushed"]);
}

#[test]
fn sender_commands_beyond_the_flush_threshold_are_all_written() {
    // 20 x 8 KiB is more than the 64 KiB flush threshold: the driver takes commands
    // until the buffer is full, writes, and must come back for the rest by itself (the
    // peer sends nothing that would wake it).
    let (mut ws, mut peer, _rt) = setup(1 << 20, Config::default());
    let mut sender = ws.sender();
    let big = "y".repeat(8 * 1024);
    for _ in 0..20 {
        sender.try_send(Message::text(big.clone())).unwrap();
    }
    assert!(poll_once(pin!(ws.recv())).is_pending());
    assert_eq!(messages(&peer.read_events()).len(), 20);
}

#[test]
fn peer_eof_ends_the_stream_with_1006() {
    let (mut ws, peer, _rt) = setup(1 << 20, Config::default());
    drop(peer);
    let res = poll_once(pin!(ws.recv()));
    assert!(matches!(res, Poll::Ready(None)), "{res:?}");
    let closed = ws.closed().expect("closed");
    assert_eq!(closed.code, CloseCode::ABNORMAL);
    assert!(!closed.was_clean);
}

#[test]
fn try_send_reports_a_full_channel_and_a_gone_connection() {
    let (mut ws, _peer, _rt) = setup(1 << 20, Config::default());
    let mut sender = ws.sender();
    let results: Vec<_> = (0..200)
        .map(|_| sender.try_send(Message::text("x")))
        .collect();
    assert!(results[0].is_ok());
    assert_eq!(results.last(), Some(&Err(TrySendError::Full)));
    drop(ws);
    assert_eq!(
        sender.try_send(Message::text("x")),
        Err(TrySendError::Closed)
    );
    assert!(sender.is_closed());
}
