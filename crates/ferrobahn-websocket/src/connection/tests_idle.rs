//! Idle connections free their small buffers as soon as the transport has
//! nothing more to read (`read_drained`), and keep grown ones for a busy peer.

use std::time::Duration;

use super::tests::{cframe, events, server, take_out};
use crate::{Config, Connection, Event, Role};

/// A connection fed one masked text message through `read_buf`/`commit_read`.
fn after_one_message(conn: &mut Connection, now: std::time::Instant) {
    let wire = cframe(true, 1, b"hello");
    let buf = conn.read_buf();
    buf[..wire.len()].copy_from_slice(&wire);
    conn.commit_read(now, wire.len());
    assert!(matches!(events(conn).as_slice(), [Event::Message(_)]));
}

#[test]
fn drained_idle_connection_holds_no_buffers() {
    let (mut s, now) = server();
    after_one_message(&mut s, now);
    s.send_text(now, "reply").expect("send");
    assert!(s.buffered_capacity() > 0);
    // The reply is still queued: the write buffer stays.
    s.read_drained();
    assert!(s.buffered_capacity() > 0);
    let _ = take_out(&mut s);
    s.read_drained();
    assert_eq!(s.buffered_capacity(), 0);
    // The next read gets a fresh buffer of the starting size.
    assert_eq!(s.read_buf().len(), Config::default().min_read_buffer);
}

#[test]
fn partial_input_is_kept() {
    let (mut s, now) = server();
    let wire = cframe(true, 1, b"hello");
    let buf = s.read_buf();
    buf[..3].copy_from_slice(&wire[..3]);
    s.commit_read(now, 3);
    assert!(events(&mut s).is_empty());
    s.read_drained();
    let buf = s.read_buf();
    buf[..wire.len() - 3].copy_from_slice(&wire[3..]);
    s.commit_read(now, wire.len() - 3);
    match events(&mut s).as_slice() {
        [Event::Message(m)] => assert_eq!(&m.data[..], b"hello"),
        other => panic!("expected the message, got {other:?}"),
    }
}

#[test]
fn grown_buffer_is_kept_until_the_idle_release() {
    let (mut s, now) = server();
    let min = Config::default().min_read_buffer;
    // Fill the offered space with complete frames: the buffer doubles.
    let frame = cframe(true, 2, &vec![7u8; min - 8]);
    assert_eq!(frame.len(), min);
    let buf = s.read_buf();
    buf[..frame.len()].copy_from_slice(&frame);
    s.commit_read(now, frame.len());
    let _ = events(&mut s);
    s.read_drained();
    // Still the grown size: a busy connection keeps its buffer.
    assert_eq!(s.read_buf().len(), 2 * min);
    let idle = Config::default().idle_buffer_release.expect("default");
    s.handle_timeout(now + idle + Duration::from_millis(1));
    assert_eq!(s.buffered_capacity(), 0);
    assert_eq!(s.read_buf().len(), min);
}

#[test]
fn nothing_is_released_without_idle_buffer_release() {
    let now = std::time::Instant::now();
    let config = Config::default().with_idle_buffer_release(None);
    let mut s = Connection::new(Role::Server, config, now, 1);
    after_one_message(&mut s, now);
    s.read_drained();
    assert!(s.buffered_capacity() > 0);
}

#[test]
fn a_fresh_write_buffer_takes_a_batch_of_small_frames_and_is_still_freed() {
    let (mut s, now) = server();
    let base = s.buffered_capacity();
    s.send_text(now, "a").expect("send");
    let made = s.buffered_capacity() - base;
    assert_eq!(made, Config::default().min_read_buffer);
    // Three more small frames fit: no growth per frame.
    for _ in 0..3 {
        s.send_text(now, "reply").expect("send");
    }
    assert_eq!(s.buffered_capacity() - base, made);
    let _ = take_out(&mut s);
    s.read_drained();
    assert_eq!(s.buffered_capacity(), 0);
}

/// One message in, a reply queued and written, and the transport dry.
fn exchange(conn: &mut Connection, now: std::time::Instant) {
    after_one_message(conn, now);
    conn.send_text(now, "reply").expect("send");
    let _ = take_out(conn);
    conn.read_drained();
}

#[test]
fn a_busy_connection_keeps_its_buffers_until_the_idle_release() {
    let (mut s, t0) = server();
    let gap = Config::default().busy_input_gap;
    assert!(gap > Duration::ZERO);
    // The first message: nothing before it, so not busy; freed at the drain.
    exchange(&mut s, t0);
    assert_eq!(s.buffered_capacity(), 0);
    // The next comes soon after: busy, the buffers stay across drains.
    let t1 = t0 + gap / 4;
    exchange(&mut s, t1);
    let held = s.buffered_capacity();
    assert!(held > 0);
    let t2 = t1 + gap / 4;
    exchange(&mut s, t2);
    assert_eq!(s.buffered_capacity(), held, "no buffer made anew");
    // A drain with no input between (a wake to write) keeps them too.
    s.send_text(t2, "more").expect("send");
    let _ = take_out(&mut s);
    s.read_drained();
    assert_eq!(s.buffered_capacity(), held);
    // Silence: the idle release frees them.
    let idle = Config::default().idle_buffer_release.expect("default");
    s.handle_timeout(t2 + idle + Duration::from_millis(1));
    assert_eq!(s.buffered_capacity(), 0);
    // The driver's next read attempt makes a read buffer and finds nothing: no
    // longer busy, so the drain frees it (an idle connection holds none).
    assert!(!s.read_buf().is_empty());
    s.read_drained();
    assert_eq!(s.buffered_capacity(), 0);
    // Input long after the one before is not busy: freed at the drain again.
    exchange(&mut s, t2 + idle + gap * 2);
    assert_eq!(s.buffered_capacity(), 0);
}

#[test]
fn a_zero_busy_gap_frees_the_buffers_at_every_drain() {
    let t0 = std::time::Instant::now();
    let config = Config::default().with_busy_input_gap(Duration::ZERO);
    let mut s = Connection::new(Role::Server, config, t0, 1);
    for i in 0..3u32 {
        exchange(&mut s, t0 + Duration::from_micros(u64::from(i)));
        assert_eq!(s.buffered_capacity(), 0);
    }
}
