//! A cheap hasher for maps keyed by the request IDs this client picks itself.
//!
//! Request IDs are sequential numbers of our own, never chosen by the router, so
//! nobody can pick keys that collide: one multiplication (Fibonacci hashing) spreads
//! them over both the low bits (the bucket) and the top bits (the tag) that hashbrown
//! reads. Maps keyed by IDs the router picks (invocations, registrations,
//! subscriptions) keep std's randomly seeded SipHash.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A `HashMap` keyed by request IDs this client chose.
pub(crate) type RequestMap<K, V> = HashMap<K, V, BuildHasherDefault<RequestIdHasher>>;

/// 2^64 divided by the golden ratio (odd, so the product is a bijection).
const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// Multiplies each integer written by [`GOLDEN`].
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct RequestIdHasher(u64);

impl Hasher for RequestIdHasher {
    fn write(&mut self, bytes: &[u8]) {
        // IDs write a u64; any other key still hashes correctly, eight bytes at a time.
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(GOLDEN);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use std::hash::BuildHasher;

    use ferrobahn_wamp::Id;

    use super::*;

    #[test]
    fn sequential_request_ids_fill_buckets_and_tags_evenly() {
        let build = BuildHasherDefault::<RequestIdHasher>::default();
        let mut bucket = [0u32; 256];
        let mut tag = [0u32; 128];
        for n in 1..=8192u64 {
            let h = build.hash_one(Id::new(n).expect("id"));
            bucket[(h & 255) as usize] += 1;
            tag[(h >> 57) as usize] += 1;
        }
        // 32 per bucket and 64 per tag on average.
        assert!(bucket.iter().all(|&c| (16..=48).contains(&c)), "{bucket:?}");
        assert!(tag.iter().all(|&c| (32..=96).contains(&c)), "{tag:?}");
    }

    #[test]
    fn a_request_map_finds_what_it_holds() {
        let mut m: RequestMap<Id, u64> = RequestMap::default();
        for n in 1..=1000u64 {
            m.insert(Id::new(n).expect("id"), n * 3);
        }
        assert_eq!(m.get(&Id::new(500).expect("id")), Some(&1500));
        assert_eq!(m.get(&Id::new(1001).expect("id")), None);
        assert_eq!(m.len(), 1000);
    }
}
