//! Tests of the frame-level and streaming paths, flow control and ping
//! latency, driven by bytes under a virtual clock.

use std::time::Duration;

use bytes::Bytes;

use super::tests::{cframe, closed_of, events, server, take_out, Pair};
use crate::{CloseCode, Config, Event, Message, MessageKind, ProtocolError, SendError, SlowReader};

fn streaming_server() -> (super::Connection, std::time::Instant) {
    let (mut s, now) = server();
    s.set_streaming(true);
    (s, now)
}

/// Joins the `FrameData` of `events`.
fn data_of(events: &[Event]) -> Vec<u8> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::FrameData(d) => Some(&d[..]),
            _ => None,
        })
        .flatten()
        .copied()
        .collect()
}

/// The events without `FrameData`, to compare shapes.
fn shape(events: &[Event]) -> Vec<Event> {
    events
        .iter()
        .filter(|e| !matches!(e, Event::FrameData(_)))
        .cloned()
        .collect()
}

#[test]
fn streaming_receive_reports_frames_and_data_of_a_fragmented_message() {
    let (mut s, now) = streaming_server();
    let mut input = cframe(false, 0x1, b"Hello, ");
    input.extend(cframe(true, 0x9, b"ping"));
    input.extend(cframe(true, 0x0, b"world"));
    // Byte by byte: data must come out as it arrives, across mask offsets.
    let mut seen = Vec::new();
    for b in &input {
        s.feed(now, std::slice::from_ref(b));
        seen.extend(events(&mut s));
    }
    assert_eq!(data_of(&seen), b"Hello, world");
    assert_eq!(
        shape(&seen),
        vec![
            Event::MessageBegin(MessageKind::Text),
            Event::FrameBegin { len: 7, fin: false },
            Event::FrameEnd,
            Event::Ping(Bytes::from_static(b"ping")),
            Event::FrameBegin { len: 5, fin: true },
            Event::FrameEnd,
            Event::MessageEnd,
        ]
    );
    // One FrameData per byte fed: nothing waited for the frame's end.
    let chunks = seen
        .iter()
        .filter(|e| matches!(e, Event::FrameData(_)))
        .count();
    assert_eq!(chunks, 12);
    // The pong was queued.
    assert_eq!(take_out(&mut s), [0x8a, 4, b'p', b'i', b'n', b'g']);
}

#[test]
fn streaming_receive_hands_out_a_partial_frame() {
    let (mut s, now) = streaming_server();
    let payload = vec![7u8; 1000];
    let input = cframe(true, 0x2, &payload);
    s.feed(now, &input[..300]);
    let first = events(&mut s);
    assert_eq!(first[0], Event::MessageBegin(MessageKind::Binary));
    assert_eq!(
        first[1],
        Event::FrameBegin {
            len: 1000,
            fin: true
        }
    );
    assert_eq!(data_of(&first).len(), 300 - 8);
    assert!(!first.contains(&Event::FrameEnd));
    s.feed(now, &input[300..]);
    let rest = events(&mut s);
    assert_eq!(data_of(&rest).len(), 1000 - 292);
    assert_eq!(
        &rest[rest.len() - 2..],
        [Event::FrameEnd, Event::MessageEnd]
    );
}

#[test]
fn streaming_mode_switches_between_messages_only() {
    let (mut s, now) = server();
    s.feed(now, &cframe(false, 0x1, b"ab"));
    assert!(events(&mut s).is_empty());
    s.set_streaming(true);
    s.feed(now, &cframe(true, 0x0, b"cd"));
    // The message that began in message mode ends in message mode.
    assert_eq!(events(&mut s), vec![Event::Message(Message::text("abcd"))]);
    s.feed(now, &cframe(true, 0x1, b""));
    assert_eq!(
        events(&mut s),
        vec![
            Event::MessageBegin(MessageKind::Text),
            Event::FrameBegin { len: 0, fin: true },
            Event::FrameEnd,
            Event::MessageEnd,
        ]
    );
}

#[test]
fn streaming_receive_fails_fast_on_bad_utf8_and_limits() {
    let (mut s, now) = streaming_server();
    let mut payload = b"ok".to_vec();
    payload.push(0xff);
    payload.extend_from_slice(&[b'x'; 100]);
    let input = cframe(false, 0x1, &payload);
    s.feed(now, &input[..2 + 4 + 3]);
    let evs = events(&mut s);
    let closed = closed_of(&evs).expect("closed");
    assert_eq!(closed.code, CloseCode::INVALID_PAYLOAD);

    let now = std::time::Instant::now();
    let mut s = super::Connection::new(
        crate::Role::Server,
        Config::new()
            .with_streaming(true)
            .with_max_message_payload(10),
        now,
        1,
    );
    s.feed(now, &cframe(false, 0x2, b"123456"));
    s.feed(now, &cframe(true, 0x0, b"789012"));
    let evs = events(&mut s);
    assert_eq!(data_of(&evs), b"123456");
    assert_eq!(
        closed_of(&evs).expect("closed").code,
        CloseCode::MESSAGE_TOO_BIG
    );
}

#[test]
fn message_sent_frame_by_frame_and_in_chunks_arrives_whole() {
    let mut p = Pair::new(Config::default(), Config::default());
    let now = p.now;
    p.client.begin_message(now, MessageKind::Text).unwrap();
    p.client.send_message_frame(now, b"one ", false).unwrap();
    p.client.ping(now, b"mid").unwrap();
    p.client.send_message_frame(now, b"two ", false).unwrap();
    p.client.send_message_frame(now, b"three", false).unwrap();
    p.client.end_message(now).unwrap();
    p.drive();
    let evs = events(&mut p.server);
    assert_eq!(
        evs,
        vec![
            Event::Ping(Bytes::from_static(b"mid")),
            Event::Message(Message::text("one two three")),
        ]
    );
    // A frame with fin ends the message.
    p.server.begin_message(now, MessageKind::Binary).unwrap();
    p.server.send_message_frame(now, b"a", false).unwrap();
    p.server.send_message_frame(now, b"b", true).unwrap();
    p.server.send_binary(now, b"next").unwrap();
    p.drive();
    let evs = events(&mut p.client);
    assert!(evs.contains(&Event::Message(Message::binary(&b"ab"[..]))));
    assert!(evs.contains(&Event::Message(Message::binary(&b"next"[..]))));
}

#[test]
fn declared_length_frame_defers_control_frames_until_complete() {
    let mut p = Pair::new(Config::default(), Config::default());
    let now = p.now;
    p.client.begin_message(now, MessageKind::Binary).unwrap();
    p.client.begin_message_frame(now, 10).unwrap();
    p.client.send_message_frame_data(now, b"0123").unwrap();
    // A ping in the middle of the frame must not corrupt it.
    p.client.ping(now, b"p").unwrap();
    assert_eq!(p.client.transmit_buf().len(), 6 + 4);
    p.client.send_message_frame_data(now, b"456789").unwrap();
    p.client.begin_message_frame(now, 3).unwrap();
    p.client.send_message_frame_data(now, b"abc").unwrap();
    p.client.end_message(now).unwrap();
    p.drive();
    let evs = events(&mut p.server);
    assert_eq!(
        evs,
        vec![
            Event::Ping(Bytes::from_static(b"p")),
            Event::Message(Message::binary(&b"0123456789abc"[..])),
        ]
    );
}

#[test]
fn frame_api_out_of_order_is_refused() {
    let (mut s, now) = server();
    let order = |r: Result<(), SendError>| matches!(r, Err(SendError::OutOfOrder(_)));
    assert!(order(s.send_message_frame(now, b"x", false)));
    assert!(order(s.end_message(now)));
    assert!(order(s.send_message_frame_data(now, b"x")));
    s.begin_message(now, MessageKind::Text).unwrap();
    assert!(order(s.begin_message(now, MessageKind::Text)));
    assert!(order(s.send_text(now, "other")));
    s.begin_message_frame(now, 2).unwrap();
    assert!(order(s.send_message_frame_data(now, b"toolong")));
    assert!(order(s.send_message_frame(now, b"x", false)));
    assert!(order(s.end_message(now)));
    s.send_message_frame_data(now, b"ok").unwrap();
    s.end_message(now).unwrap();
    s.send_text(now, "after").unwrap();
    s.close(now, Some(CloseCode::NORMAL), "").unwrap();
    assert_eq!(
        s.begin_message(now, MessageKind::Text),
        Err(SendError::Closed)
    );
}

#[test]
fn close_during_declared_frame_goes_out_after_it() {
    let mut p = Pair::new(Config::default(), Config::default());
    let now = p.now;
    p.server.begin_message(now, MessageKind::Binary).unwrap();
    p.server.begin_message_frame(now, 4).unwrap();
    p.server.send_message_frame_data(now, b"ab").unwrap();
    p.server.close(now, Some(CloseCode::NORMAL), "bye").unwrap();
    p.server.send_message_frame_data(now, b"cd").unwrap();
    p.drive();
    let evs = events(&mut p.client);
    assert!(matches!(
        evs.first(),
        Some(Event::CloseReceived {
            code: Some(CloseCode::NORMAL),
            ..
        })
    ));
}

fn tight(policy: SlowReader) -> Config {
    Config::new()
        .with_max_outgoing_buffer(100)
        .with_slow_reader(policy)
        .with_slow_reader_timeout(Some(Duration::from_secs(5)))
}

#[test]
fn full_outgoing_buffer_refuses_then_reports_drained() {
    let mut p = Pair::new(Config::default(), tight(SlowReader::Wait));
    let now = p.now;
    let big = [1u8; 80];
    p.server.send_binary(now, &big).unwrap();
    p.server.send_binary(now, &big).unwrap();
    assert!(p.server.is_outgoing_full());
    assert_eq!(p.server.send_binary(now, &big), Err(SendError::Full));
    assert_eq!(
        p.server.begin_message(now, MessageKind::Binary),
        Err(SendError::Full)
    );
    assert!(events(&mut p.server).is_empty());
    // Half written: still above half of the limit.
    p.server.advance_transmit(60);
    assert!(events(&mut p.server).is_empty());
    p.server.advance_transmit(60);
    assert_eq!(events(&mut p.server), vec![Event::Drained]);
    p.server.send_binary(now, &big).unwrap();
    // The timer was stopped: no drop later.
    p.advance(Duration::from_secs(10));
    assert!(!p.server.is_closed());
}

#[test]
fn drop_policy_drops_messages_and_close_policy_drops_the_peer() {
    let mut p = Pair::new(Config::default(), tight(SlowReader::Drop));
    let now = p.now;
    let big = [1u8; 150];
    p.server.send_binary(now, &big).unwrap();
    p.server.send_binary(now, &big).unwrap();
    p.server.send_binary(now, &big).unwrap();
    assert_eq!(p.server.dropped_messages(), 2);
    p.drive();
    let got = events(&mut p.client);
    assert_eq!(got.len(), 1);

    let mut p = Pair::new(Config::default(), tight(SlowReader::Close));
    p.server.send_binary(now, &big).unwrap();
    assert_eq!(p.server.send_binary(now, &big), Err(SendError::Closed));
    assert!(p.server.transmit_buf().is_empty());
    assert!(p.server.should_close_transport());
    let evs = events(&mut p.server);
    let closed = closed_of(&evs).expect("closed");
    assert_eq!(closed.code, CloseCode::ABNORMAL);
    assert_eq!(closed.error, Some(ProtocolError::SlowReader { max: 100 }));
}

#[test]
fn slow_reader_timeout_drops_a_peer_that_never_reads() {
    let mut p = Pair::new(Config::default(), tight(SlowReader::Wait));
    let now = p.now;
    p.server.send_binary(now, &[0u8; 150]).unwrap();
    assert_eq!(p.server.send_binary(now, &[0u8; 10]), Err(SendError::Full));
    p.advance(Duration::from_secs(4));
    assert!(!p.server.is_closed());
    p.advance(Duration::from_secs(2));
    let evs = events(&mut p.server);
    assert_eq!(
        closed_of(&evs).expect("closed").error,
        Some(ProtocolError::SlowReader { max: 100 })
    );
}

#[test]
fn ping_flood_from_a_peer_that_never_reads_is_dropped_after_the_timeout() {
    let (_, now) = server();
    let mut s = super::Connection::new(crate::Role::Server, tight(SlowReader::Wait), now, 1);
    let mut flood = Vec::new();
    for _ in 0..20 {
        flood.extend(cframe(true, 0x9, &[7u8; 10]));
    }
    s.feed(now, &flood);
    let evs = events(&mut s);
    assert!(evs.iter().all(|e| matches!(e, Event::Ping(_))));
    assert!(!s.wants_read(), "pongs above the limit stop reading");
    s.handle_timeout(now + Duration::from_secs(4));
    assert!(!s.is_closed());
    s.handle_timeout(now + Duration::from_secs(5));
    let evs = events(&mut s);
    assert_eq!(
        closed_of(&evs).expect("closed").error,
        Some(ProtocolError::SlowReader { max: 100 })
    );
}

#[test]
fn ping_round_trip_time_is_measured() {
    let mut p = Pair::new(Config::default(), Config::default());
    let now = p.now;
    assert_eq!(p.client.ping_rtt(), None);
    p.client.ping(now, b"t1").unwrap();
    let ping = take_out(&mut p.client);
    p.server.feed(now, &ping);
    let _ = events(&mut p.server);
    let pong = take_out(&mut p.server);
    p.now += Duration::from_millis(30);
    p.client.feed(p.now, &pong);
    let _ = events(&mut p.client);
    assert_eq!(p.client.ping_rtt(), Some(Duration::from_millis(30)));

    // Automatic pings are measured too.
    let auto = Config::new()
        .with_auto_ping_interval(Some(Duration::from_secs(1)))
        .with_auto_ping_size(16);
    let mut p = Pair::new(Config::default(), auto);
    p.advance(Duration::from_secs(1));
    let ping = take_out(&mut p.server);
    assert_eq!(ping[1], 16);
    p.client.feed(p.now, &ping);
    let pong = take_out(&mut p.client);
    p.now += Duration::from_millis(7);
    p.server.feed(p.now, &pong);
    assert!(matches!(events(&mut p.server)[..], [Event::Pong(_)]));
    assert_eq!(p.server.ping_rtt(), Some(Duration::from_millis(7)));
}

#[test]
fn auto_ping_without_restart_on_traffic_pings_on_schedule() {
    let config = Config::new()
        .with_auto_ping_interval(Some(Duration::from_secs(2)))
        .with_auto_ping_restart_on_traffic(false);
    let mut p = Pair::new(Config::default(), config);
    for _ in 0..3 {
        p.advance(Duration::from_millis(500));
        p.client.send_text(p.now, "traffic").unwrap();
        p.drive();
    }
    p.advance(Duration::from_millis(500));
    // 2 s after start the ping went out although traffic kept arriving.
    assert!(take_out(&mut p.server).starts_with(&[0x89]));
}

fn xorshift(mut seed: u64) -> impl FnMut() -> u64 {
    move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    }
}

#[test]
fn streaming_mode_delivers_what_message_mode_delivers() {
    let mut next = xorshift(0x9e37_79b9_7f4a_7c15);
    for _ in 0..300 {
        // A message in 1..5 frames with pings between them, as one byte string.
        let text = next() % 2 == 0;
        let frames = (next() % 4 + 1) as usize;
        let mut input = Vec::new();
        let mut whole = Vec::new();
        for i in 0..frames {
            let len = (next() % 300) as usize;
            let payload: Vec<u8> = (0..len)
                .map(|_| {
                    if text {
                        b'a' + (next() % 26) as u8
                    } else {
                        next() as u8
                    }
                })
                .collect();
            whole.extend_from_slice(&payload);
            let opcode = match (i, text) {
                (0, true) => 0x1,
                (0, false) => 0x2,
                _ => 0x0,
            };
            input.extend(cframe(i + 1 == frames, opcode, &payload));
            if next() % 3 == 0 {
                input.extend(cframe(true, 0x9, b"p"));
            }
        }
        let (mut plain, now) = server();
        let (mut streamed, _) = streaming_server();
        let mut seen = Vec::new();
        let mut rest = &input[..];
        while !rest.is_empty() {
            let n = ((next() % 40) as usize + 1).min(rest.len());
            plain.feed(now, &rest[..n]);
            streamed.feed(now, &rest[..n]);
            seen.extend(events(&mut streamed));
            rest = &rest[n..];
        }
        let whole_msg = events(&mut plain)
            .into_iter()
            .find_map(|e| match e {
                Event::Message(m) => Some(m),
                _ => None,
            })
            .expect("message mode got the message");
        assert_eq!(whole_msg.data, whole);
        assert_eq!(data_of(&seen), whole);
        let begins = seen
            .iter()
            .filter(|e| matches!(e, Event::FrameBegin { .. }))
            .count();
        let ends = seen.iter().filter(|e| **e == Event::FrameEnd).count();
        assert_eq!((begins, ends), (frames, frames));
        let last = seen.iter().rev().find(|e| !matches!(e, Event::Ping(_)));
        assert_eq!(last, Some(&Event::MessageEnd));
        // Both answered the same pings the same way.
        assert_eq!(take_out(&mut plain), take_out(&mut streamed));
    }
}

#[test]
fn arbitrary_input_in_streaming_mode_never_panics() {
    let mut next = xorshift(0x0bad_cafe);
    for round in 0..2000 {
        let len = (next() % 64) as usize;
        let mut input: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        if round % 2 == 0 && input.len() > 1 {
            input[0] &= 0x8f;
            input[1] |= 0x80;
        }
        let (mut s, now) = streaming_server();
        for piece in input.chunks((next() % 7 + 1) as usize) {
            s.feed(now, piece);
        }
        s.feed_eof(now);
        let evs = events(&mut s);
        let closed = closed_of(&evs).expect("EOF always ends in Closed");
        let code = closed.code.as_u16();
        assert!(
            [1000, 1002, 1005, 1006, 1007, 1009].contains(&code) || closed.by_peer,
            "unexpected code {code} for {input:?}"
        );
        // Begin/end events stay balanced up to the failure.
        let begins = evs
            .iter()
            .filter(|e| matches!(e, Event::MessageBegin(_)))
            .count();
        let ends = evs.iter().filter(|e| **e == Event::MessageEnd).count();
        assert!(begins == ends || begins == ends + 1);
    }
}
