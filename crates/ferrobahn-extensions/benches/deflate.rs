//! Deflate backends compared on WebSocket-sized payloads: miniz_oxide
//! (flate2's default `rust_backend`) against zlib-rs (flate2's `zlib-rs`
//! feature, which this crate uses directly), plus the permessage-deflate
//! codec itself (zlib-rs, sync flush, tail stripped).
//!
//! `cargo bench -p ferrobahn-extensions --bench deflate`
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ferrobahn_extensions::{DeflateCodec, DeflateParams, PerMessageCodec};

/// JSON-like text, as WAMP and most WebSocket apps send.
fn payload(len: usize) -> Vec<u8> {
    let mut v = Vec::with_capacity(len + 128);
    let mut i = 0u64;
    while v.len() < len {
        i = i
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let rec = format!(
            "{{\"id\":{},\"topic\":\"com.example.sensor.{}\",\"value\":{}.{},\"ok\":{}}},",
            i >> 40,
            (i >> 20) % 17,
            (i >> 8) % 1000,
            i % 100,
            i % 3 == 0
        );
        v.extend_from_slice(rec.as_bytes());
    }
    v.truncate(len);
    v
}

fn raw_zlib_rs(level: i32, data: &[u8], out: &mut Vec<u8>) {
    let mut d = zlib_rs::Deflate::new(level, false, 15);
    out.resize(data.len() + 1024, 0);
    d.compress(data, out, zlib_rs::DeflateFlush::Finish)
        .unwrap();
    out.truncate(d.total_out() as usize);
}

fn raw_zlib_rs_inflate(data: &[u8], out: &mut Vec<u8>, len: usize) {
    let mut i = zlib_rs::Inflate::new(false, 15);
    out.resize(len, 0);
    i.decompress(data, out, zlib_rs::InflateFlush::Finish)
        .unwrap();
}

fn backends(c: &mut Criterion) {
    for len in [1024usize, 16 * 1024, 1 << 20] {
        let data = payload(len);
        let mut g = c.benchmark_group(format!("deflate_{len}"));
        g.throughput(Throughput::Bytes(len as u64));
        for level in [1u8, 6] {
            g.bench_function(BenchmarkId::new("compress/miniz_oxide", level), |b| {
                b.iter(|| miniz_oxide::deflate::compress_to_vec(&data, level))
            });
            let mut out = Vec::new();
            g.bench_function(BenchmarkId::new("compress/zlib-rs", level), |b| {
                b.iter(|| raw_zlib_rs(i32::from(level), &data, &mut out))
            });
        }
        let compressed = miniz_oxide::deflate::compress_to_vec(&data, 6);
        g.bench_function("inflate/miniz_oxide", |b| {
            b.iter(|| miniz_oxide::inflate::decompress_to_vec(&compressed).unwrap())
        });
        let mut out = Vec::new();
        g.bench_function("inflate/zlib-rs", |b| {
            b.iter(|| raw_zlib_rs_inflate(&compressed, &mut out, len))
        });
        // The codec as the connection uses it (level 6, state reused). The
        // same payload is sent each time, so context takeover would make
        // every message after the first nearly free: reset instead.
        let params = DeflateParams {
            compress_no_context_takeover: true,
            decompress_no_context_takeover: true,
            ..DeflateParams::default()
        };
        let mut tx = DeflateCodec::new(params);
        let mut rx = DeflateCodec::new(params);
        g.bench_function("codec_no_takeover/encode+decode", |b| {
            b.iter(|| {
                let mut wire = Vec::new();
                tx.encode(&data, &mut wire).unwrap();
                let mut back = Vec::new();
                rx.decode(&wire, true, &mut back, usize::MAX).unwrap();
                back
            })
        });
        // The same, freeing the zlib state after every message.
        let released = DeflateParams {
            release_between_messages: true,
            ..params
        };
        let mut tx = DeflateCodec::new(released);
        let mut rx = DeflateCodec::new(released);
        g.bench_function("codec_no_takeover_release/encode+decode", |b| {
            b.iter(|| {
                let mut wire = Vec::new();
                tx.encode(&data, &mut wire).unwrap();
                let mut back = Vec::new();
                rx.decode(&wire, true, &mut back, usize::MAX).unwrap();
                back
            })
        });
        g.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(std::time::Duration::from_millis(300))
        .measurement_time(std::time::Duration::from_secs(1));
    targets = backends
}
criterion_main!(benches);
