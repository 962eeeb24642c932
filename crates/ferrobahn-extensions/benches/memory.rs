//! Memory per connection for each permessage-deflate mode, measured with a
//! counting global allocator: 200 server-side codecs each receive and send
//! one 16 KiB JSON-like message; reported per connection are the bytes
//! still held afterwards (an idle connection) and the peak while a message
//! is in flight (output buffers excluded: they belong to the connection).
//!
//! `cargo bench -p ferrobahn-extensions --bench memory`
#![allow(missing_docs, unsafe_code)] // the counting allocator below

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use ferrobahn_extensions::{DeflateCodec, DeflateParams, PerMessageCodec};

struct Counting;
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator and only counts sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const CONNS: usize = 200;

fn payload(len: usize) -> Vec<u8> {
    let mut v = Vec::new();
    let mut i = 0u64;
    while v.len() < len {
        i = i
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        v.extend_from_slice(
            format!("{{\"id\":{},\"v\":{}}},", i >> 40, (i >> 8) % 1000).as_bytes(),
        );
    }
    v.truncate(len);
    v
}

fn main() {
    let msg = payload(16 * 1024);
    // The peer's compressed message, per mode (built outside the measurement).
    let modes: Vec<(&str, DeflateParams)> = vec![
        ("default (15 bits, takeover)", DeflateParams::default()),
        (
            "no_context_takeover both ways",
            DeflateParams {
                compress_no_context_takeover: true,
                decompress_no_context_takeover: true,
                ..DeflateParams::default()
            },
        ),
        (
            "no_context_takeover + release",
            DeflateParams {
                compress_no_context_takeover: true,
                decompress_no_context_takeover: true,
                release_between_messages: true,
                ..DeflateParams::default()
            },
        ),
        ("window 9 bits both ways", bits(9)),
        ("window 12 bits both ways", bits(12)),
        ("window 15 bits both ways", bits(15)),
        (
            "window 9, mem_level 1",
            DeflateParams {
                mem_level: 1,
                ..bits(9)
            },
        ),
    ];
    println!(
        "| mode | idle B/conn (inflate only) | (deflate only) | (both) | peak B/conn in flight |"
    );
    println!("|---|---:|---:|---:|---:|");
    for (name, params) in modes {
        let mut peer = DeflateCodec::new(DeflateParams {
            compress_window_bits: params.decompress_window_bits,
            compress_no_context_takeover: params.decompress_no_context_takeover,
            ..DeflateParams::default()
        });
        let mut wire = Vec::new();
        peer.encode(&msg, &mut wire).unwrap();
        let mut out = Vec::with_capacity(msg.len());
        let mut sent = Vec::with_capacity(msg.len() * 2);
        let mut conns = Vec::with_capacity(CONNS);
        let base = LIVE.load(Ordering::Relaxed);
        // Peak for one connection: a single receive + send with nothing else live.
        PEAK.store(base, Ordering::Relaxed);
        let mut one = DeflateCodec::new(params);
        one.decode(&wire, true, &mut out, usize::MAX).unwrap();
        one.encode(&msg, &mut sent).unwrap();
        let peak_one = PEAK.load(Ordering::Relaxed) - base;
        drop(one);
        // Idle bytes per connection after: receiving only, sending only, both.
        let mut idle = [0usize; 3];
        for (k, (recv, send)) in [(true, false), (false, true), (true, true)]
            .into_iter()
            .enumerate()
        {
            let base = LIVE.load(Ordering::Relaxed);
            for _ in 0..CONNS {
                let mut c = DeflateCodec::new(params);
                out.clear();
                sent.clear();
                if recv {
                    c.decode(&wire, true, &mut out, usize::MAX).unwrap();
                    assert_eq!(out, msg);
                }
                if send {
                    c.encode(&msg, &mut sent).unwrap();
                }
                conns.push(c);
            }
            idle[k] = (LIVE.load(Ordering::Relaxed) - base) / CONNS;
            conns.clear();
        }
        println!(
            "| {name} | {} | {} | {} | {peak_one} |",
            idle[0], idle[1], idle[2]
        );
        drop(conns);
    }
}

fn bits(b: u8) -> DeflateParams {
    DeflateParams {
        compress_window_bits: b,
        decompress_window_bits: b,
        ..DeflateParams::default()
    }
}
