//! `Handler::poll_outgoing`: a handler fed from a queue other tasks fill sends
//! without a task of its own, and leaves what does not fit in its source.

use std::collections::VecDeque;
use std::future::poll_fn;
use std::pin::pin;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use bytes::Bytes;
use ferrobahn_rt::{run_handler, Ctx, Handler, Runtime, Transport, WebSocket};
use ferrobahn_test::mem::{pipe, poll_once, ManualRuntime, MemIo};
use ferrobahn_websocket::{Config, Connection, Event, Role};

/// The queue a producer fills.
#[derive(Default)]
struct Feed {
    items: VecDeque<String>,
    waker: Option<Waker>,
}

fn push(feed: &Mutex<Feed>, text: String) {
    let mut f = feed.lock().unwrap();
    f.items.push_back(text);
    if let Some(w) = f.waker.take() {
        w.wake();
    }
}

struct Fed(Arc<Mutex<Feed>>);

impl Handler for Fed {
    fn on_message(&mut self, _: &mut Ctx<'_>, _: Bytes, _: bool) {}

    fn poll_outgoing(&mut self, ctx: &mut Ctx<'_>, cx: &mut Context<'_>) -> bool {
        let mut feed = self.0.lock().unwrap();
        while !ctx.wants_flush() {
            let Some(text) = feed.items.pop_front() else {
                feed.waker = Some(cx.waker().clone());
                return false;
            };
            ctx.send_text(&text).unwrap();
        }
        !feed.items.is_empty()
    }
}

/// The driver under test and the client side of its pipe.
fn setup(
    capacity: usize,
    threshold: usize,
) -> (WebSocket<MemIo>, Connection, MemIo, ManualRuntime) {
    let rt = ManualRuntime::new();
    let (server_io, client_io) = pipe(capacity);
    let server = Connection::new(Role::Server, Config::default(), rt.now(), 1);
    let mut ws = WebSocket::from_parts(server_io, server, Arc::new(rt.clone()));
    ws.set_flush_threshold(threshold);
    let client = Connection::new(Role::Client, Config::default(), rt.now(), 2);
    (ws, client, client_io, rt)
}

/// Reads what the pipe holds into `conn`; the texts received.
fn read_texts(conn: &mut Connection, io: &mut MemIo, rt: &ManualRuntime) -> Vec<String> {
    let mut buf = vec![0u8; 64 * 1024];
    while let Poll::Ready(Ok(n)) = poll_once(pin!(poll_fn(|cx| io.poll_read(cx, &mut buf)))) {
        if n == 0 {
            break;
        }
        conn.feed(rt.now(), &buf[..n]);
    }
    std::iter::from_fn(|| conn.poll_event())
        .filter_map(|e| match e {
            Event::Message(m) => m.as_text().map(str::to_owned),
            _ => None,
        })
        .collect()
}

#[test]
fn fed_messages_go_out_in_one_write_without_a_task() {
    let (ws, mut client, mut io, rt) = setup(1 << 20, 64 * 1024);
    let writes = ws.get_ref().write_counter();
    let feed = Arc::new(Mutex::new(Feed::default()));
    let mut run = pin!(run_handler(ws, Fed(Arc::clone(&feed))));
    assert!(poll_once(run.as_mut()).is_pending());
    assert!(
        feed.lock().unwrap().waker.is_some(),
        "registered when empty"
    );
    let before = writes.load(Ordering::Relaxed);
    for i in 0..3 {
        push(&feed, format!("f{i}"));
    }
    assert!(
        feed.lock().unwrap().waker.is_none(),
        "taken by the first push"
    );
    assert!(poll_once(run.as_mut()).is_pending());
    assert_eq!(
        writes.load(Ordering::Relaxed) - before,
        1,
        "one write for the three"
    );
    assert_eq!(read_texts(&mut client, &mut io, &rt), ["f0", "f1", "f2"]);
}

#[test]
fn what_does_not_fit_stays_in_the_source_until_written() {
    // A small pipe the client drains by hand, a small flush threshold.
    let (ws, mut client, mut io, rt) = setup(2048, 512);
    let feed = Arc::new(Mutex::new(Feed::default()));
    let mut run = pin!(run_handler(ws, Fed(Arc::clone(&feed))));
    assert!(poll_once(run.as_mut()).is_pending());
    let total = 300;
    for i in 0..total {
        push(&feed, format!("{i:04}{}", "x".repeat(96)));
    }
    assert!(poll_once(run.as_mut()).is_pending());
    let left = feed.lock().unwrap().items.len();
    assert!(
        left > 0 && left < total,
        "backpressure left {left} in the source"
    );
    let mut got = Vec::new();
    for _ in 0..1000 {
        got.extend(read_texts(&mut client, &mut io, &rt));
        if got.len() == total {
            break;
        }
        assert!(poll_once(run.as_mut()).is_pending());
    }
    assert_eq!(got.len(), total, "every fed message arrived");
    for (i, text) in got.iter().enumerate() {
        assert!(text.starts_with(&format!("{i:04}")), "in order");
    }
}

#[test]
fn a_source_past_the_flush_threshold_is_drained_in_one_run() {
    // The handler stops at each threshold; the driver writes and comes back to it
    // itself (no wake-up would: the producer already woke it once).
    let (ws, mut client, mut io, rt) = setup(1 << 20, 512);
    let feed = Arc::new(Mutex::new(Feed::default()));
    let mut run = pin!(run_handler(ws, Fed(Arc::clone(&feed))));
    assert!(poll_once(run.as_mut()).is_pending());
    for i in 0..300 {
        push(&feed, format!("{i:04}{}", "y".repeat(96)));
    }
    assert!(poll_once(run.as_mut()).is_pending());
    assert!(feed.lock().unwrap().items.is_empty());
    assert_eq!(read_texts(&mut client, &mut io, &rt).len(), 300);
}

/// Counts the messages it is handed.
struct Count(Arc<std::sync::atomic::AtomicUsize>);

impl Handler for Count {
    fn on_message(&mut self, _: &mut Ctx<'_>, _: Bytes, _: bool) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

#[test]
fn a_long_burst_lets_other_tasks_run_in_between() {
    // Tasks its messages woke (through `poll_outgoing` elsewhere) write while it reads
    // on: the driver yields after a run of events instead of handling the whole burst.
    let (ws, mut client, mut io, rt) = setup(1 << 20, 64 * 1024);
    let seen = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut run = pin!(run_handler(ws, Count(Arc::clone(&seen))));
    assert!(poll_once(run.as_mut()).is_pending());
    for i in 0..100 {
        client.send_text(rt.now(), &format!("b{i}")).unwrap();
    }
    let buf = client.transmit_buf().to_vec();
    let n = match poll_once(pin!(poll_fn(|cx| io.poll_write(cx, &buf)))) {
        Poll::Ready(Ok(n)) => n,
        other => panic!("the pipe took nothing: {other:?}"),
    };
    assert_eq!(n, buf.len());
    assert!(poll_once(run.as_mut()).is_pending());
    let first = seen.load(Ordering::Relaxed);
    assert!(first > 0 && first < 100, "one poll handled {first} of 100");
    for _ in 0..10 {
        assert!(poll_once(run.as_mut()).is_pending());
    }
    assert_eq!(seen.load(Ordering::Relaxed), 100);
}
