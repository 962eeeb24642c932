//! Reading into uninitialised space (`read_buf_uninit` +
//! `commit_read_uninit`) gives what `feed` gives, mixed with `read_buf` too.

use std::mem::MaybeUninit;

use super::tests::{cframe, events, server};
use crate::{Connection, Event, Message};

/// Reads `data` in pieces of `step` bytes, through the uninitialised path
/// (and every third read through the zeroed one).
fn read_in_pieces(conn: &mut Connection, data: &[u8], step: usize) -> Vec<Event> {
    let now = std::time::Instant::now();
    let mut out = Vec::new();
    for (i, piece) in data.chunks(step).enumerate() {
        let mut rest = piece;
        while !rest.is_empty() {
            if i % 3 == 2 {
                let buf = conn.read_buf();
                let n = buf.len().min(rest.len());
                buf[..n].copy_from_slice(&rest[..n]);
                conn.commit_read(now, n);
                rest = &rest[n..];
            } else {
                let buf = conn.read_buf_uninit();
                let n = buf.len().min(rest.len());
                for (dst, src) in buf[..n].iter_mut().zip(rest) {
                    *dst = MaybeUninit::new(*src);
                }
                // SAFETY: the first n bytes were just written.
                #[allow(unsafe_code)]
                unsafe {
                    conn.commit_read_uninit(now, n);
                }
                rest = &rest[n..];
            }
            out.extend(events(conn));
        }
    }
    out
}

#[test]
fn uninitialised_reads_deliver_what_feed_delivers() {
    let big: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let mut wire = Vec::new();
    wire.extend(cframe(true, 1, b"hello"));
    wire.extend(cframe(true, 2, &big));
    wire.extend(cframe(false, 2, &big[..70_000]));
    wire.extend(cframe(true, 0, &big[70_000..]));
    wire.extend(cframe(true, 1, b"bye"));
    let want = vec![
        Event::Message(Message::text("hello")),
        Event::Message(Message::binary(big.clone())),
        Event::Message(Message::binary(big.clone())),
        Event::Message(Message::text("bye")),
    ];
    for step in [1, 7, 1000, 65_536, 1 << 20] {
        let (mut s, _) = server();
        let got = if step == 1 {
            // Byte by byte is slow for 600 KB: only the small messages.
            let small = [cframe(true, 1, b"hello"), cframe(true, 1, b"bye")].concat();
            assert_eq!(
                read_in_pieces(&mut s, &small, 1),
                vec![want[0].clone(), want[3].clone()]
            );
            continue;
        } else {
            read_in_pieces(&mut s, &wire, step)
        };
        assert_eq!(got, want, "step {step}");
    }
}

#[test]
fn a_commit_beyond_the_offered_space_is_cut_to_it() {
    let (mut s, now) = server();
    let frame = cframe(true, 1, b"abc");
    let buf = s.read_buf_uninit();
    let offered = buf.len();
    for (dst, src) in buf
        .iter_mut()
        .zip(frame.iter().chain(std::iter::repeat(&0)))
    {
        *dst = MaybeUninit::new(*src);
    }
    // SAFETY: all of the offered space was written above.
    #[allow(unsafe_code)]
    unsafe {
        s.commit_read_uninit(now, offered + 1000);
    }
    let evs = events(&mut s);
    assert_eq!(evs.first(), Some(&Event::Message(Message::text("abc"))));
}
