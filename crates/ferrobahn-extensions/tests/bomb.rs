//! A deflate bomb: 1 GiB of zeros, compressed by streaming (about 1 MB on
//! the wire), fed frame by frame to a decoder with a 16 MiB limit. It must
//! stop with `TooLarge` while the process never holds much more than the
//! limit. A counting global allocator measures that; this file holds a
//! single test so nothing else allocates meanwhile.
#![cfg(feature = "deflate")]
#![allow(unsafe_code)] // the counting allocator below

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use ferrobahn_extensions::{CodecError, DeflateCodec, DeflateParams, PerMessageCodec};

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
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size > layout.size() {
                let now = LIVE.fetch_add(new_size - layout.size(), Ordering::Relaxed) + new_size
                    - layout.size();
                PEAK.fetch_max(now, Ordering::Relaxed);
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const MIB: usize = 1 << 20;

/// Compresses 1 MiB of zeros three times with one raw-deflate stream and a
/// sync flush after each: the first block, then the steady-state block
/// that every further MiB of zeros compresses to.
fn zero_blocks() -> (Vec<u8>, Vec<u8>) {
    let mut d = zlib_rs::Deflate::new(9, false, 15);
    let zeros = vec![0u8; MIB];
    let mut blocks = Vec::new();
    for _ in 0..3 {
        let mut buf = vec![0u8; 64 * 1024];
        let before = d.total_out();
        d.compress(&zeros, &mut buf, zlib_rs::DeflateFlush::SyncFlush)
            .unwrap();
        assert_eq!(d.total_in() % MIB as u64, 0, "all input taken");
        buf.truncate((d.total_out() - before) as usize);
        blocks.push(buf);
    }
    assert_eq!(blocks[1], blocks[2], "steady state reached");
    let steady = blocks.pop().unwrap();
    blocks.pop();
    (blocks.pop().unwrap(), steady)
}

#[test]
fn deflate_bomb_is_cut_off_with_bounded_memory() {
    let (first, steady) = zero_blocks();
    let wire_len = first.len() + 1023 * steady.len();
    assert!(
        wire_len < 2 * MIB,
        "the 1 GiB bomb is {wire_len} bytes on the wire"
    );

    // The stream is what it claims: 4 MiB of zeros from 4 blocks.
    let mut rx = DeflateCodec::new(DeflateParams::default());
    let mut out = Vec::new();
    rx.decode(&first, false, &mut out, usize::MAX).unwrap();
    for i in 0..3 {
        rx.decode(&steady, i == 2, &mut out, usize::MAX).unwrap();
    }
    assert_eq!(out.len(), 4 * MIB);
    assert!(out.iter().all(|&b| b == 0));
    drop(out);

    // The bomb: 1 GiB, one frame per compressed MiB, limit 16 MiB.
    let limit = 16 * MIB;
    let mut rx = DeflateCodec::new(DeflateParams::default());
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let mut out = Vec::new();
    let mut result = rx.decode(&first, false, &mut out, limit);
    let mut frames = 1;
    while result.is_ok() && frames < 1024 {
        frames += 1;
        result = rx.decode(&steady, frames == 1024, &mut out, limit);
    }
    assert_eq!(result, Err(CodecError::TooLarge));
    assert_eq!(frames, 17, "stopped at the first frame past the limit");
    assert!(out.len() <= limit);
    let peak = PEAK.load(Ordering::Relaxed) - base;
    assert!(
        peak < limit + 2 * MIB,
        "peak {peak} bytes above the {limit}-byte limit"
    );
    drop(out);
    drop(rx);
    assert!(
        LIVE.load(Ordering::Relaxed) <= base + 4096,
        "everything freed"
    );
}
