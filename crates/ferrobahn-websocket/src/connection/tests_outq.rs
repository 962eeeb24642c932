//! The outgoing queue: large payloads sent as `Bytes` go out without a copy,
//! in order with everything around them, whatever the write sizes.

use std::io::IoSlice;

use bytes::Bytes;

use super::outq::SHARE_MIN;
use super::tests::{events, frame, take_out, Pair};
use crate::{Config, Event, Message, SlowReader};

fn payload(len: usize, seed: u8) -> Bytes {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect::<Vec<u8>>()
        .into()
}

#[test]
fn a_large_server_payload_is_queued_without_a_copy() {
    let mut p = Pair::new(Config::default(), Config::default());
    let msg = Message::binary(payload(100_000, 1));
    p.server.send(p.now, &msg).unwrap();
    let expected = frame(true, 0, 2, None, &msg.data);
    assert_eq!(p.server.transmit_len(), expected.len());
    // The header (10 bytes) is a run of its own; the payload run is the
    // message's own memory.
    assert_eq!(p.server.transmit_buf(), &expected[..10]);
    let mut slices = [IoSlice::new(&[]); 4];
    let n = p.server.transmit_slices(&mut slices);
    assert_eq!(n, 2);
    assert_eq!(slices[1].as_ptr(), msg.data.as_ptr());
    assert_eq!(slices[1].len(), 100_000);
    let wire = take_out(&mut p.server);
    assert_eq!(wire, expected);
    assert_eq!(p.server.transmit_len(), 0);
}

#[test]
fn shared_and_copied_frames_keep_their_order_across_partial_writes() {
    let mut p = Pair::new(Config::default(), Config::default());
    let msgs = [
        Message::text("small one"),
        Message::binary(payload(SHARE_MIN, 2)),
        Message::binary(payload(100, 3)),
        Message::binary(payload(70_000, 4)),
        Message::binary(payload(SHARE_MIN * 3, 5)),
        Message::text("last"),
    ];
    let mut expected = Vec::new();
    for m in &msgs {
        let op = if m.is_text() { 1 } else { 2 };
        expected.extend(frame(true, 0, op, None, &m.data));
    }
    // Queue half, write odd-sized pieces (which compacts the buffer while
    // shared payloads wait), queue the rest, write the rest.
    let mut wire = Vec::new();
    for (i, m) in msgs.iter().enumerate() {
        p.server.send(p.now, m).unwrap();
        if i == 3 {
            for _ in 0..7 {
                let run = p.server.transmit_buf();
                let k = run.len().min(4_099);
                wire.extend_from_slice(&run[..k]);
                p.server.advance_transmit(k);
            }
        }
    }
    assert_eq!(p.server.transmit_len(), expected.len() - wire.len());
    // The rest through vectored "writes" of at most 3 slices and 9000 bytes.
    while p.server.transmit_len() > 0 {
        let mut slices = [IoSlice::new(&[]); 3];
        let n = p.server.transmit_slices(&mut slices);
        let mut budget = 9_000;
        let mut written = 0;
        for s in &slices[..n] {
            let k = s.len().min(budget);
            wire.extend_from_slice(&s[..k]);
            written += k;
            budget -= k;
        }
        p.server.advance_transmit(written);
    }
    assert_eq!(wire, expected);
    p.client.feed(p.now, &wire);
    let got: Vec<Event> = events(&mut p.client);
    let want: Vec<Event> = msgs.iter().cloned().map(Event::Message).collect();
    assert_eq!(got, want);
}

#[test]
fn auto_fragments_of_a_shared_payload_are_slices_of_it() {
    let server = Config::default().with_auto_fragment_size(SHARE_MIN);
    let mut p = Pair::new(Config::default(), server);
    let msg = Message::binary(payload(SHARE_MIN * 2 + 10, 6));
    p.server.send(p.now, &msg).unwrap();
    let mut slices = [IoSlice::new(&[]); 8];
    let n = p.server.transmit_slices(&mut slices);
    // header, piece, header, piece, header + the 10-byte tail copied.
    assert_eq!(n, 5);
    assert_eq!(slices[1].as_ptr(), msg.data.as_ptr());
    assert_eq!(slices[3].as_ptr(), msg.data[SHARE_MIN..].as_ptr());
    p.drive();
    assert_eq!(events(&mut p.client), vec![Event::Message(msg)]);
}

#[test]
fn a_client_copies_and_masks_a_large_payload() {
    let mut p = Pair::new(Config::default(), Config::default());
    let msg = Message::binary(payload(50_000, 7));
    p.client.send(p.now, &msg).unwrap();
    let mut slices = [IoSlice::new(&[]); 4];
    assert_eq!(p.client.transmit_slices(&mut slices), 1);
    assert_eq!(p.client.transmit_buf().len(), p.client.transmit_len());
    p.drive();
    assert_eq!(events(&mut p.server), vec![Event::Message(msg)]);
}

#[test]
fn shared_payloads_count_against_the_outgoing_limit() {
    let server = Config::default()
        .with_max_outgoing_buffer(100_000)
        .with_slow_reader(SlowReader::Wait);
    let mut p = Pair::new(Config::default(), server);
    let msg = Message::binary(payload(60_000, 8));
    p.server.send(p.now, &msg).unwrap();
    p.server.send(p.now, &msg).unwrap();
    assert!(p.server.is_outgoing_full());
    assert!(!p.server.wants_read());
    assert!(p.server.send(p.now, &msg).is_err());
    // Writing drains it: the refused send is reported as drained.
    take_out(&mut p.server);
    assert!(!p.server.is_outgoing_full());
    assert_eq!(events(&mut p.server), vec![Event::Drained]);
}

fn slow_reader_deadline(conn: &super::Connection) -> Option<std::time::Instant> {
    conn.timers.get(super::timer::Timer::SlowReader)
}

fn pausing(pause: usize) -> Config {
    Config::default()
        .with_read_pause_outgoing(pause)
        .with_slow_reader_timeout(Some(std::time::Duration::from_secs(5)))
}

/// The client's message, read by the server and echoed back (not written).
fn echo_one(p: &mut Pair, msg: &Message) {
    p.client.send(p.now, msg).unwrap();
    let bytes = take_out(&mut p.client);
    p.server.feed(p.now, &bytes);
    assert_eq!(events(&mut p.server), vec![Event::Message(msg.clone())]);
    p.server.send(p.now, msg).unwrap();
}

#[test]
fn a_server_pauses_reading_above_read_pause_outgoing_until_written_down() {
    let mut p = Pair::new(pausing(20_000), pausing(20_000));
    let msg = Message::binary(payload(30_000, 9));
    echo_one(&mut p, &msg);
    assert!(!p.server.wants_read(), "30 KB queued, pause at 20 KB");
    assert!(!p.server.is_outgoing_full(), "sends are not refused");
    // A client reads on up to max_outgoing_buffer.
    p.client.send(p.now, &msg).unwrap();
    assert!(p.client.wants_read());
    // Written down to the pause limit: reading goes on, no timeout left.
    let mut written = 0;
    while p.server.transmit_len() > 20_000 {
        let n = p.server.transmit_buf().len().min(4096);
        written += n;
        p.server.advance_transmit(n);
    }
    assert!(written > 0);
    assert!(p.server.wants_read());
    assert_eq!(slow_reader_deadline(&p.server), None);
    assert!(
        events(&mut p.server).is_empty(),
        "no Drained: no send was refused"
    );
}

#[test]
fn a_paused_server_drops_a_peer_that_does_not_read_within_the_timeout() {
    let mut p = Pair::new(Config::default(), pausing(1000));
    let msg = Message::binary(payload(2000, 3));
    echo_one(&mut p, &msg);
    // The echo armed the timeout; no byte is written after.
    assert!(!p.server.wants_read());
    let deadline = slow_reader_deadline(&p.server).expect("slow-reader timeout armed");
    p.server.handle_timeout(deadline);
    let evs = events(&mut p.server);
    assert!(matches!(
        super::tests::closed_of(&evs).expect("closed").error,
        Some(crate::ProtocolError::SlowReader { .. })
    ));
}

#[test]
fn read_pause_outgoing_off_reads_on_up_to_max_outgoing_buffer() {
    let mut p = Pair::new(Config::default(), pausing(usize::MAX));
    let msg = Message::binary(payload(2_000_000, 5));
    echo_one(&mut p, &msg);
    assert!(p.server.wants_read());
    assert_eq!(slow_reader_deadline(&p.server), None);
}
