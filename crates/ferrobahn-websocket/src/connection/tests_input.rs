//! The read buffer (`input.rs`): frames split across reads anywhere,
//! payloads of same-sized frames left where the transport wrote them (no
//! copy), and bounded memory.

use std::mem::MaybeUninit;
use std::ops::Range;
use std::time::{Duration, Instant};

use super::tests::{cframe, events, server};
use crate::{Config, Connection, Event, Message, Role};

/// A transport holding `wire`, read through `read_buf_uninit`; it records
/// where each read's bytes were written.
struct Wire {
    data: Vec<u8>,
    at: usize,
    /// Address ranges the reads wrote to.
    written: Vec<Range<usize>>,
    now: Instant,
}

impl Wire {
    fn new(data: Vec<u8>, now: Instant) -> Self {
        Self {
            data,
            at: 0,
            written: Vec::new(),
            now,
        }
    }

    /// One read of at most `max` bytes (and what is offered); the events it
    /// gave. Returns `None` once the wire is used up.
    fn read(&mut self, conn: &mut Connection, max: usize) -> Option<Vec<Event>> {
        if self.at == self.data.len() {
            return None;
        }
        let buf = conn.read_buf_uninit();
        let n = buf.len().min(max).min(self.data.len() - self.at);
        for (dst, src) in buf[..n].iter_mut().zip(&self.data[self.at..]) {
            *dst = MaybeUninit::new(*src);
        }
        let start = buf.as_ptr() as usize;
        self.written.push(start..start + n);
        // SAFETY: the first n bytes of the offered space were just written.
        #[allow(unsafe_code)]
        unsafe {
            conn.commit_read_uninit(self.now, n);
        }
        self.at += n;
        Some(events(conn))
    }

    /// Reads up to `until` (a wire offset) in reads of at most `max` bytes.
    fn read_until(&mut self, conn: &mut Connection, until: usize, max: usize) -> Vec<Event> {
        let until = until.min(self.data.len());
        let mut out = Vec::new();
        while self.at < until {
            let max = max.min(until - self.at);
            out.extend(self.read(conn, max).unwrap_or_default());
        }
        out
    }

    /// True when every byte of `data` lies where a read wrote it.
    fn in_place(&self, data: &[u8]) -> bool {
        let (start, end) = (data.as_ptr() as usize, data.as_ptr() as usize + data.len());
        let mut covered = start;
        // Reads into one allocation are contiguous: walk them in address order.
        let mut regions: Vec<_> = self.written.iter().filter(|r| !r.is_empty()).collect();
        regions.sort_by_key(|r| r.start);
        for r in regions {
            if r.start <= covered && r.end > covered {
                covered = r.end;
            }
        }
        covered >= end
    }
}

fn payload(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31) ^ seed)
        .collect()
}

fn data_of(event: &Event) -> &[u8] {
    match event {
        Event::Message(m) => &m.data,
        other => panic!("not a message: {other:?}"),
    }
}

#[test]
fn same_sized_large_frames_are_read_in_place() {
    for len in [5000, 16 << 10, 100_000, 1 << 20] {
        let count = if len >= 100_000 { 4 } else { 24 };
        let frames: Vec<Vec<u8>> = (0..count)
            .map(|i| cframe(true, 2, &payload(len, i as u8)))
            .collect();
        let (mut s, now) = server();
        let mut wire = Wire::new(frames.concat(), now);
        let evs = wire.read_until(&mut s, usize::MAX, usize::MAX);
        assert_eq!(evs.len(), count, "{len}");
        for (i, ev) in evs.iter().enumerate() {
            assert_eq!(data_of(ev), &payload(len, i as u8)[..], "{len} #{i}");
            // The first frame's start came in a small first read and was
            // copied once its header was known; none after it.
            if i > 0 {
                assert!(wire.in_place(data_of(ev)), "{len} #{i} was copied");
            }
        }
    }
}

#[test]
fn reads_between_large_frames_end_at_frame_boundaries() {
    let frame = cframe(true, 2, &payload(16 << 10, 7));
    let (mut s, now) = server();
    let mut wire = Wire::new(frame.repeat(40), now);
    // The first frame teaches the size.
    wire.read_until(&mut s, frame.len(), usize::MAX);
    while wire.read(&mut s, usize::MAX).is_some() {
        assert_eq!(wire.at % frame.len(), 0, "a read ended inside a frame");
    }
    // A 1 MiB frame: between frames the read offers exactly one.
    let big = cframe(true, 2, &payload(1 << 20, 1));
    let (mut s, now) = server();
    let mut wire = Wire::new(big.repeat(2), now);
    wire.read_until(&mut s, big.len(), usize::MAX);
    assert_eq!(s.read_buf_uninit().len(), big.len());
}

/// Messages of every shape: large, fragmented with a ping inside, small,
/// a large text message, then one of another large size.
fn mixed_wire() -> (Vec<u8>, Vec<usize>, Vec<Event>) {
    let text = "échos ".repeat(900);
    let parts: Vec<Vec<u8>> = vec![
        cframe(true, 2, &payload(5000, 1)),
        cframe(true, 2, &payload(5000, 2)),
        cframe(false, 2, &payload(3000, 3)),
        cframe(false, 0, &payload(10, 4)),
        cframe(true, 9, b"ping"),
        cframe(true, 0, &payload(4500, 5)),
        cframe(true, 2, &payload(20, 6)),
        cframe(true, 1, text.as_bytes()),
        cframe(true, 2, &payload(9000, 7)),
    ];
    let mut boundaries = vec![0];
    for p in &parts {
        boundaries.push(boundaries.last().copied().unwrap_or(0) + p.len());
    }
    let fragmented = [payload(3000, 3), payload(10, 4), payload(4500, 5)].concat();
    let want = vec![
        Event::Message(Message::binary(payload(5000, 1))),
        Event::Message(Message::binary(payload(5000, 2))),
        Event::Ping(bytes::Bytes::from_static(b"ping")),
        Event::Message(Message::binary(fragmented)),
        Event::Message(Message::binary(payload(20, 6))),
        Event::Message(Message::text(text)),
        Event::Message(Message::binary(payload(9000, 7))),
    ];
    (parts.concat(), boundaries, want)
}

#[test]
fn a_stream_split_anywhere_is_delivered_whole() {
    let (data, boundaries, want) = mixed_wire();
    // Every byte around each frame boundary (headers split anywhere), and
    // every 53rd byte elsewhere.
    let mut splits: Vec<usize> = (0..data.len()).step_by(53).collect();
    for b in &boundaries {
        splits.extend(b.saturating_sub(16)..(b + 16).min(data.len()));
    }
    for split in splits {
        let (mut s, now) = server();
        let mut wire = Wire::new(data.clone(), now);
        let mut got = wire.read_until(&mut s, split, usize::MAX);
        // The transport has nothing more for now.
        s.read_drained();
        got.extend(wire.read_until(&mut s, data.len(), usize::MAX));
        assert_eq!(got, want, "split at {split}");
    }
}

#[test]
fn a_stream_in_reads_of_any_size_is_delivered_whole() {
    let (data, _, want) = mixed_wire();
    let mut seed = 0x2545_f491_u32;
    for round in 0..60 {
        let (mut s, now) = server();
        let mut wire = Wire::new(data.clone(), now);
        let mut got = Vec::new();
        // Short reads of random sizes (a few bytes to several frames),
        // mixed with zeroed `read_buf` reads and drained transports.
        loop {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            let max = 1 + (seed as usize % [7, 300, 6000, 40_000][round % 4]);
            if seed % 5 == 0 {
                let buf = s.read_buf();
                let n = buf.len().min(max).min(data.len() - wire.at);
                buf[..n].copy_from_slice(&data[wire.at..wire.at + n]);
                s.commit_read(now, n);
                wire.at += n;
                got.extend(events(&mut s));
            } else {
                match wire.read(&mut s, max) {
                    Some(evs) => got.extend(evs),
                    None => break,
                }
            }
            if seed % 7 == 0 {
                s.read_drained();
            }
            if wire.at == data.len() {
                break;
            }
        }
        assert_eq!(got, want, "round {round}");
    }
}

#[test]
fn a_frame_longer_than_a_read_chunk_is_delivered() {
    let big = payload(3 << 20, 9);
    let wire_data = [cframe(true, 2, &big), cframe(true, 1, b"after")].concat();
    let (mut s, now) = server();
    let mut wire = Wire::new(wire_data, now);
    let evs = wire.read_until(&mut s, usize::MAX, 200_000);
    assert_eq!(
        evs,
        vec![
            Event::Message(Message::binary(big)),
            Event::Message(Message::text("after")),
        ]
    );
}

#[test]
fn read_buffers_stay_bounded() {
    // 16 KiB frames whose payloads are dropped at once: the buffer never
    // holds more than a read size and a frame.
    let cfg = Config::default();
    let bound = cfg.read_buffer_size + (16 << 10) + 14;
    let frame = cframe(true, 2, &payload(16 << 10, 3));
    let now = Instant::now();
    let mut s = Connection::new(Role::Server, cfg, now, 1);
    let mut wire = Wire::new(frame.repeat(200), now);
    let mut seed = 7u32;
    while wire.at < wire.data.len() {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        let max = 1 + (seed >> 8) as usize % 40_000;
        wire.read(&mut s, max);
        assert!(s.buffered_capacity() <= bound, "{}", s.buffered_capacity());
    }

    // A buffer made ready for another 1 MiB frame is freed when the
    // transport has nothing to read; a grown 64 KiB one waits for the idle
    // release, after which nothing is held.
    let big = cframe(true, 2, &payload(1 << 20, 4));
    let (mut s, mut now) = server();
    let mut wire = Wire::new(big, now);
    wire.read_until(&mut s, usize::MAX, usize::MAX);
    assert!(s.read_buf_uninit().len() > 1 << 20);
    s.read_drained();
    assert_eq!(s.buffered_capacity(), 0);
    let small = cframe(true, 2, &payload(3000, 5)).repeat(40);
    let mut wire = Wire::new(small, now);
    wire.read_until(&mut s, usize::MAX, usize::MAX);
    now += Duration::from_secs(1);
    s.handle_timeout(now);
    assert_eq!(s.buffered_capacity(), 0);
}
