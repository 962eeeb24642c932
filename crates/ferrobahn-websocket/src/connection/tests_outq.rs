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
