//! Frame header decode and encode, for the three length encodings.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use ferrobahn_frame::{FrameHeader, OpCode, MAX_HEADER_LEN};

fn headers() -> [(&'static str, FrameHeader); 3] {
    let h = |opcode, mask, payload_len| FrameHeader {
        fin: true,
        rsv: 0,
        opcode,
        mask,
        payload_len,
    };
    [
        ("server_text_20", h(OpCode::Text, None, 20)),
        (
            "client_binary_1k",
            h(OpCode::Binary, Some([1, 2, 3, 4]), 1024),
        ),
        (
            "client_binary_1m",
            h(OpCode::Binary, Some([1, 2, 3, 4]), 1 << 20),
        ),
    ]
}

fn frame_header(c: &mut Criterion) {
    let mut group = c.benchmark_group("frame_header");
    for (name, header) in headers() {
        let mut wire = [0u8; MAX_HEADER_LEN];
        let n = header.encode(&mut wire);
        group.bench_with_input(BenchmarkId::new("decode", name), &wire[..n], |b, wire| {
            b.iter(|| FrameHeader::decode(black_box(wire)));
        });
        group.bench_with_input(BenchmarkId::new("encode", name), &header, |b, header| {
            let mut dst = [0u8; MAX_HEADER_LEN];
            b.iter(|| black_box(header).encode(black_box(&mut dst)));
        });
    }
    group.finish();
}

criterion_group!(benches, frame_header);
criterion_main!(benches);
