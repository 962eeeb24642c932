//! The sans-IO echo hot path: a server connection takes a burst of masked
//! 20-byte client frames, hands out each message and queues its echo, and
//! the reply bytes are drained, as the runtime driver does per read.

use std::hint::black_box;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ferrobahn_websocket::{Config, Connection, Event, Role};

const BURST: usize = 100;

/// `BURST` masked binary frames of 20 bytes, as one read.
fn burst() -> Vec<u8> {
    let key = [0x37, 0xfa, 0x21, 0x3d];
    let mut out = Vec::new();
    for i in 0..BURST {
        out.extend_from_slice(&[0x82, 0x80 | 20]);
        out.extend_from_slice(&key);
        out.extend((0..20u8).map(|j| (j.wrapping_add(i as u8)) ^ key[usize::from(j) % 4]));
    }
    out
}

fn echo(c: &mut Criterion) {
    let input = burst();
    let now = Instant::now();
    let mut conn = Connection::new(Role::Server, Config::default(), now, 1);
    let mut group = c.benchmark_group("connection_echo");
    group.throughput(Throughput::Elements(BURST as u64));
    group.bench_function("burst_100x20B", |b| {
        b.iter(|| {
            conn.feed(now, &input);
            while let Some(ev) = conn.poll_event() {
                if let Event::Message(m) = ev {
                    conn.send(now, &m).expect("open");
                }
            }
            let n = black_box(conn.transmit_buf()).len();
            conn.advance_transmit(n);
        });
    });
    group.finish();
}

criterion_group!(benches, echo);
criterion_main!(benches);
