//! UTF-8 validation throughput: our incremental validator (whole and in 4 KiB chunks) and
//! whole-buffer check, against `std::str::from_utf8`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ferrobahn_frame::{validate_utf8, Utf8Validator};

const SIZE: usize = 64 * 1024;

/// About `SIZE` bytes of text, cut at a character boundary.
fn text(pieces: &[&str]) -> Vec<u8> {
    let mut s = String::with_capacity(SIZE + 16);
    'fill: loop {
        for p in pieces {
            if s.len() + p.len() > SIZE {
                break 'fill;
            }
            s.push_str(p);
        }
    }
    s.into_bytes()
}

fn utf8(c: &mut Criterion) {
    let inputs = [
        (
            "ascii_64k",
            text(&["The quick brown fox jumps over the lazy dog. 0123456789\n"]),
        ),
        (
            "mixed_64k",
            text(&[
                "Hello, ",
                "κόσμε ",
                "Здравствуй мир ",
                "こんにちは世界 ",
                "😀🎉🚀 ",
                "naïve café ",
                "𝄞 music ",
            ]),
        ),
    ];
    let mut group = c.benchmark_group("utf8");
    for (name, bytes) in &inputs {
        assert!(std::str::from_utf8(bytes).is_ok());
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_with_input(BenchmarkId::new("validator", name), bytes, |b, bytes| {
            let mut v = Utf8Validator::new();
            b.iter(|| {
                v.feed(black_box(bytes)).expect("valid");
                v.finish().expect("valid");
            });
        });
        group.bench_with_input(
            BenchmarkId::new("validator_4k_chunks", name),
            bytes,
            |b, bytes| {
                let mut v = Utf8Validator::new();
                b.iter(|| {
                    for chunk in black_box(bytes).chunks(4096) {
                        v.feed(chunk).expect("valid");
                    }
                    v.finish().expect("valid");
                });
            },
        );
        group.bench_with_input(
            BenchmarkId::new("validate_utf8", name),
            bytes,
            |b, bytes| {
                b.iter(|| assert!(validate_utf8(black_box(bytes))));
            },
        );
        group.bench_with_input(BenchmarkId::new("std", name), bytes, |b, bytes| {
            b.iter(|| assert!(std::str::from_utf8(black_box(bytes)).is_ok()));
        });
    }
    group.finish();
}

criterion_group!(benches, utf8);
criterion_main!(benches);
