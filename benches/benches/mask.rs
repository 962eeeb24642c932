//! Payload masking throughput: the dispatched `apply_mask`, each implementation, and a naive
//! bytewise loop as the baseline for ratios.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ferrobahn_frame::{apply_mask, MaskImpl};

const KEY: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

/// The obvious loop a user would write.
fn naive_bytewise(buf: &mut [u8], key: [u8; 4]) {
    for (i, b) in buf.iter_mut().enumerate() {
        *b ^= key[i % 4];
    }
}

fn mask(c: &mut Criterion) {
    let mut group = c.benchmark_group("mask");
    for size in [20usize, 1024, 64 * 1024] {
        let mut buf: Vec<u8> = (0..size).map(|i| (i * 31 % 251) as u8).collect();
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_with_input(BenchmarkId::new("apply_mask", size), &size, |b, _| {
            b.iter(|| apply_mask(black_box(&mut buf), black_box(KEY), 0));
        });
        for imp in MaskImpl::ALL.into_iter().filter(|i| i.is_available()) {
            let name = format!("{imp:?}").to_lowercase();
            group.bench_with_input(BenchmarkId::new(name, size), &size, |b, _| {
                b.iter(|| imp.apply(black_box(&mut buf), black_box(KEY), 0));
            });
        }
        group.bench_with_input(BenchmarkId::new("naive", size), &size, |b, _| {
            b.iter(|| naive_bytewise(black_box(&mut buf), black_box(KEY)));
        });
        // Unaligned start and key offset: the common case for a payload after a header.
        group.bench_with_input(
            BenchmarkId::new("apply_mask_unaligned", size),
            &size,
            |b, _| {
                b.iter(|| apply_mask(black_box(&mut buf[3..]), black_box(KEY), 1));
            },
        );
    }
    group.finish();
}

criterion_group!(benches, mask);
criterion_main!(benches);
