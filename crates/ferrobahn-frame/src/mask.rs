//! Payload masking (RFC 6455 section 5.3): XOR with a 4-byte key, word-wide and SIMD-wide.
//!
//! The only module of this crate allowed to use `unsafe`: the SSE2 and AVX2 paths load and
//! store through raw pointers with `core::arch` intrinsics. Each path is checked against the
//! bytewise reference at every alignment, key offset and many lengths (see `mask/tests.rs`).
#![deny(unsafe_op_in_unsafe_fn)]

use std::sync::atomic::{AtomicU8, Ordering};

/// Below this length [`apply_mask`] uses the word-wide path directly: the SIMD paths spend
/// their first bytes reaching alignment and would not pay off.
const SIMD_MIN_LEN: usize = 64;

/// XOR-masks `buf` in place with `key`.
///
/// `offset` is the position of `buf[0]` within the frame payload, so a payload can be
/// (un)masked in pieces as it arrives: masking `p[..k]` with offset `o` and then `p[k..]` with
/// offset `o + k` equals masking `p` with offset `o`. Masking twice restores the input.
///
/// Uses the fastest implementation the CPU supports ([`MaskImpl::detect`]).
#[inline]
pub fn apply_mask(buf: &mut [u8], key: [u8; 4], offset: usize) {
    let key = rotate_key(key, offset);
    if buf.len() < SIMD_MIN_LEN {
        mask_word(buf, key);
    } else {
        MaskImpl::detect().apply_rotated(buf, key);
    }
}

/// The byte-at-a-time reference implementation of [`apply_mask`], for tests and benchmarks.
pub fn apply_mask_bytewise(buf: &mut [u8], key: [u8; 4], offset: usize) {
    for (i, b) in buf.iter_mut().enumerate() {
        *b ^= key[(i + offset) & 3];
    }
}

/// One implementation of masking. [`apply_mask`] picks the best one at runtime; the others
/// are exposed so that tests, fuzzers and benchmarks can compare them.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MaskImpl {
    /// One byte at a time ([`apply_mask_bytewise`]).
    Bytewise,
    /// Eight bytes at a time in a `u64`; portable, the fallback on every target.
    Word,
    /// 16 bytes at a time with SSE2 (x86_64).
    Sse2,
    /// 32 bytes at a time with AVX2 (x86_64, detected at runtime).
    Avx2,
}

const LEVEL_UNKNOWN: u8 = 0;
const LEVEL_WORD: u8 = 1;
const LEVEL_SSE2: u8 = 2;
const LEVEL_AVX2: u8 = 3;

/// The best implementation found on this CPU, detected once.
static DETECTED: AtomicU8 = AtomicU8::new(LEVEL_UNKNOWN);

impl MaskImpl {
    /// Every implementation, available on this CPU or not.
    pub const ALL: [MaskImpl; 4] = [
        MaskImpl::Bytewise,
        MaskImpl::Word,
        MaskImpl::Sse2,
        MaskImpl::Avx2,
    ];

    /// The fastest implementation available on this CPU. CPU features are detected on the
    /// first call and cached.
    #[must_use]
    pub fn detect() -> MaskImpl {
        let level = match DETECTED.load(Ordering::Relaxed) {
            LEVEL_UNKNOWN => {
                let level = detect_level();
                DETECTED.store(level, Ordering::Relaxed);
                level
            }
            level => level,
        };
        match level {
            LEVEL_AVX2 => MaskImpl::Avx2,
            LEVEL_SSE2 => MaskImpl::Sse2,
            LEVEL_WORD => MaskImpl::Word,
            _ => MaskImpl::Word,
        }
    }

    /// Whether this implementation can run on this CPU.
    #[must_use]
    pub fn is_available(self) -> bool {
        match self {
            MaskImpl::Bytewise | MaskImpl::Word => true,
            MaskImpl::Sse2 => cfg!(target_arch = "x86_64"),
            MaskImpl::Avx2 => MaskImpl::detect() == MaskImpl::Avx2,
        }
    }

    /// Masks `buf` like [`apply_mask`], with this implementation. An implementation that is
    /// not available on this CPU falls back to [`MaskImpl::Word`].
    pub fn apply(self, buf: &mut [u8], key: [u8; 4], offset: usize) {
        self.apply_rotated(buf, rotate_key(key, offset));
    }

    /// Masks `buf` with a key already rotated to the payload position of `buf[0]`.
    fn apply_rotated(self, buf: &mut [u8], key: [u8; 4]) {
        match self {
            MaskImpl::Bytewise => apply_mask_bytewise(buf, key, 0),
            #[cfg(target_arch = "x86_64")]
            MaskImpl::Sse2 => x86::mask_sse2(buf, key),
            #[cfg(target_arch = "x86_64")]
            MaskImpl::Avx2 if self.is_available() => {
                // SAFETY: `is_available` checked that the CPU supports AVX2.
                unsafe { x86::mask_avx2(buf, key) }
            }
            _ => mask_word(buf, key),
        }
    }
}

fn detect_level() -> u8 {
    #[cfg(target_arch = "x86_64")]
    {
        if std::is_x86_feature_detected!("avx2") {
            LEVEL_AVX2
        } else {
            // SSE2 is part of the x86_64 baseline.
            LEVEL_SSE2
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        LEVEL_WORD
    }
}

/// The key as seen from payload position `offset`: `rotated[i] == key[(i + offset) % 4]`.
fn rotate_key(key: [u8; 4], offset: usize) -> [u8; 4] {
    // Little-endian order puts key[0] in the low byte, so rotating right by whole bytes moves
    // key[n] to the front. (`<[u8]>::rotate_left` would not be inlined as well.)
    let shift = 8 * (offset & 3) as u32;
    u32::from_le_bytes(key).rotate_right(shift).to_le_bytes()
}

/// Masks eight bytes at a time; `key[0]` applies to `buf[0]`. Unaligned loads are fine here
/// (`from_ne_bytes` compiles to a plain load), and the compiler unrolls the loop.
fn mask_word(buf: &mut [u8], key: [u8; 4]) {
    let [a, b, c, d] = key;
    let wide = u64::from_ne_bytes([a, b, c, d, a, b, c, d]);
    let mut chunks = buf.chunks_exact_mut(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        chunk.copy_from_slice(&(u64::from_ne_bytes(word) ^ wide).to_ne_bytes());
    }
    // Whole words keep the key phase: the remainder starts at a multiple of 4.
    let rest = chunks.into_remainder();
    let (word, bytes) = rest.split_at_mut(rest.len() & !3);
    if !word.is_empty() {
        let mut half = [0u8; 4];
        half.copy_from_slice(word);
        word.copy_from_slice(&(u32::from_ne_bytes(half) ^ u32::from_ne_bytes(key)).to_ne_bytes());
    }
    apply_mask_bytewise(bytes, key, 0);
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use core::arch::x86_64::{
        __m128i, __m256i, _mm256_loadu_si256, _mm256_storeu_si256, _mm256_xor_si256,
        _mm_loadu_si128, _mm_storeu_si128, _mm_xor_si128,
    };

    use super::{mask_word, rotate_key};

    /// Splits off the bytes before the first `align`-aligned address (all of `buf` if it is
    /// shorter) and masks them word-wide; returns the rest and the key rotated for it.
    fn mask_head(buf: &mut [u8], key: [u8; 4], align: usize) -> (&mut [u8], [u8; 4]) {
        let head = buf.as_ptr().align_offset(align).min(buf.len());
        let (head_bytes, rest) = buf.split_at_mut(head);
        mask_word(head_bytes, key);
        (rest, rotate_key(key, head))
    }

    fn repeat_key<const N: usize>(key: [u8; 4]) -> [u8; N] {
        let mut out = [0u8; N];
        for (i, b) in out.iter_mut().enumerate() {
            *b = key[i & 3];
        }
        out
    }

    /// SSE2 is part of the x86_64 baseline, so this needs no runtime check.
    pub(super) fn mask_sse2(buf: &mut [u8], key: [u8; 4]) {
        let (body, key) = mask_head(buf, key, 16);
        let pattern: [u8; 16] = repeat_key(key);
        // SAFETY: `pattern` is 16 readable bytes; `loadu` has no alignment requirement; SSE2
        // is enabled on every x86_64 target.
        let k = unsafe { _mm_loadu_si128(pattern.as_ptr().cast::<__m128i>()) };
        let mut blocks = body.chunks_exact_mut(64);
        for block in &mut blocks {
            let p = block.as_mut_ptr().cast::<__m128i>();
            // SAFETY: `block` is 64 bytes we borrow mutably, so `p.add(0..4)` are four in-bounds
            // 16-byte lanes; `loadu`/`storeu` accept any alignment; SSE2 is baseline.
            unsafe {
                let v0 = _mm_xor_si128(_mm_loadu_si128(p), k);
                let v1 = _mm_xor_si128(_mm_loadu_si128(p.add(1)), k);
                let v2 = _mm_xor_si128(_mm_loadu_si128(p.add(2)), k);
                let v3 = _mm_xor_si128(_mm_loadu_si128(p.add(3)), k);
                _mm_storeu_si128(p, v0);
                _mm_storeu_si128(p.add(1), v1);
                _mm_storeu_si128(p.add(2), v2);
                _mm_storeu_si128(p.add(3), v3);
            }
        }
        // 64-byte blocks keep the key phase.
        mask_word(blocks.into_remainder(), key);
    }

    /// # Safety
    ///
    /// The CPU must support AVX2.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn mask_avx2(buf: &mut [u8], key: [u8; 4]) {
        let (body, key) = mask_head(buf, key, 32);
        let pattern: [u8; 32] = repeat_key(key);
        // SAFETY: `pattern` is 32 readable bytes; `loadu` has no alignment requirement; the
        // caller guarantees AVX2.
        let k = unsafe { _mm256_loadu_si256(pattern.as_ptr().cast::<__m256i>()) };
        let mut blocks = body.chunks_exact_mut(128);
        for block in &mut blocks {
            let p = block.as_mut_ptr().cast::<__m256i>();
            // SAFETY: `block` is 128 bytes we borrow mutably, so `p.add(0..4)` are four
            // in-bounds 32-byte lanes; `loadu`/`storeu` accept any alignment (the head step
            // aligned them anyway); the caller guarantees AVX2.
            unsafe {
                let v0 = _mm256_xor_si256(_mm256_loadu_si256(p), k);
                let v1 = _mm256_xor_si256(_mm256_loadu_si256(p.add(1)), k);
                let v2 = _mm256_xor_si256(_mm256_loadu_si256(p.add(2)), k);
                let v3 = _mm256_xor_si256(_mm256_loadu_si256(p.add(3)), k);
                _mm256_storeu_si256(p, v0);
                _mm256_storeu_si256(p.add(1), v1);
                _mm256_storeu_si256(p.add(2), v2);
                _mm256_storeu_si256(p.add(3), v3);
            }
        }
        let mut lanes = blocks.into_remainder().chunks_exact_mut(32);
        for lane in &mut lanes {
            let p = lane.as_mut_ptr().cast::<__m256i>();
            // SAFETY: `lane` is 32 bytes we borrow mutably; unaligned access is allowed;
            // the caller guarantees AVX2.
            unsafe { _mm256_storeu_si256(p, _mm256_xor_si256(_mm256_loadu_si256(p), k)) };
        }
        // Whole 32-byte lanes keep the key phase.
        mask_word(lanes.into_remainder(), key);
    }
}

#[cfg(test)]
mod tests;
