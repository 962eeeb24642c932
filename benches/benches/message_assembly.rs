//! Receive path without sockets: masked client frames in, complete messages out
//! (unmasking, UTF-8 validation for text, defragmentation). ferrobahn's sans-IO
//! `Connection` fed in 64 KiB reads, side by side with tungstenite's `WebSocket`
//! reading from an in-memory stream.

use std::hint::black_box;
use std::io::{self, Cursor, Read, Write};
use std::time::Instant;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ferrobahn_frame::{apply_mask, FrameHeader, OpCode, MAX_HEADER_LEN};
use ferrobahn_websocket::{Config, Connection, Event, Role};

const READ_SIZE: usize = 64 * 1024;
const MAX: usize = 64 << 20;

/// One workload: `messages` messages of `size` bytes, each in `frames` frames.
struct Workload {
    name: &'static str,
    messages: usize,
    size: usize,
    frames: usize,
    text: bool,
}

const WORKLOADS: &[Workload] = &[
    Workload {
        name: "1000x20B_text",
        messages: 1000,
        size: 20,
        frames: 1,
        text: true,
    },
    Workload {
        name: "64x16KiB_binary_4frames",
        messages: 64,
        size: 16 << 10,
        frames: 4,
        text: false,
    },
    Workload {
        name: "1x1MiB_text",
        messages: 1,
        size: 1 << 20,
        frames: 1,
        text: true,
    },
];

/// The masked wire bytes a client sends for `w`.
fn wire(w: &Workload) -> Vec<u8> {
    let payload: Vec<u8> = (0..w.size).map(|i| b'a' + (i % 26) as u8).collect();
    let chunk = w.size.div_ceil(w.frames);
    let mut out = Vec::new();
    for m in 0..w.messages {
        for (f, part) in payload.chunks(chunk).enumerate() {
            let opcode = match (f, w.text) {
                (0, true) => OpCode::Text,
                (0, false) => OpCode::Binary,
                _ => OpCode::Continuation,
            };
            let key = (m as u32 ^ 0x9e37_79b9).to_le_bytes();
            let header = FrameHeader {
                fin: f + 1 == w.frames,
                rsv: 0,
                opcode,
                mask: Some(key),
                payload_len: part.len() as u64,
            };
            let mut head = [0u8; MAX_HEADER_LEN];
            let n = header.encode(&mut head);
            out.extend_from_slice(&head[..n]);
            let at = out.len();
            out.extend_from_slice(part);
            apply_mask(&mut out[at..], key, 0);
        }
    }
    out
}

/// Feeds `wire` to a fresh server connection; returns (messages, payload bytes).
fn ferrobahn_receive(wire: &[u8]) -> (usize, usize) {
    let now = Instant::now();
    let config = Config::new()
        .with_max_message_payload(MAX)
        .with_max_frame_payload(MAX);
    let mut conn = Connection::new(Role::Server, config, now, 7);
    let (mut messages, mut bytes) = (0, 0);
    for chunk in wire.chunks(READ_SIZE) {
        conn.feed(now, chunk);
        while let Some(event) = conn.poll_event() {
            if let Event::Message(m) = event {
                messages += 1;
                bytes += m.data.len();
            }
        }
    }
    (messages, bytes)
}

/// A stream that reads `wire` and swallows writes.
struct Pipe<'a>(Cursor<&'a [u8]>);

impl Read for Pipe<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf.len().min(READ_SIZE);
        self.0.read(&mut buf[..n])
    }
}

impl Write for Pipe<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn tungstenite_receive(wire: &[u8], expected: usize) -> (usize, usize) {
    let config = tungstenite::protocol::WebSocketConfig::default()
        .max_message_size(Some(MAX))
        .max_frame_size(Some(MAX));
    let mut ws = tungstenite::WebSocket::from_raw_socket(
        Pipe(Cursor::new(wire)),
        tungstenite::protocol::Role::Server,
        Some(config),
    );
    let (mut messages, mut bytes) = (0, 0);
    while messages < expected {
        let m = ws.read().expect("valid frames");
        messages += 1;
        bytes += m.len();
    }
    (messages, bytes)
}

fn message_assembly(c: &mut Criterion) {
    let mut group = c.benchmark_group("message_assembly");
    for w in WORKLOADS {
        let wire = wire(w);
        let expected = (w.messages, w.messages * w.size);
        assert_eq!(ferrobahn_receive(&wire), expected, "{}", w.name);
        assert_eq!(
            tungstenite_receive(&wire, w.messages),
            expected,
            "{}",
            w.name
        );
        group.throughput(Throughput::Bytes((w.messages * w.size) as u64));
        group.bench_with_input(BenchmarkId::new("ferrobahn", w.name), &wire, |b, wire| {
            b.iter(|| black_box(ferrobahn_receive(black_box(wire))));
        });
        group.bench_with_input(BenchmarkId::new("tungstenite", w.name), &wire, |b, wire| {
            b.iter(|| black_box(tungstenite_receive(black_box(wire), w.messages)));
        });
    }
    group.finish();
}

criterion_group!(benches, message_assembly);
criterion_main!(benches);
