//! Server opening handshake: parse a browser-like upgrade request and build the 101
//! response. ferrobahn (`RequestParser` + `accept_response`) side by side with
//! tungstenite's server handshake over an in-memory stream, and bare `httparse` (head
//! parsing only, no validation, no response) as the floor.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

#[path = "shared/handshake.rs"]
mod cases;

fn handshake(c: &mut Criterion) {
    let mut group = c.benchmark_group("server_handshake");
    group.throughput(Throughput::Elements(1));
    let accept = cases::chat();
    group.bench_function("ferrobahn", |b| b.iter(|| cases::ferrobahn(&accept)));
    group.bench_function("tungstenite", |b| b.iter(cases::tungstenite));
    group.bench_function("httparse_head_only", |b| b.iter(cases::httparse_only));
    group.finish();
}

criterion_group!(benches, handshake);
criterion_main!(benches);
