//! A fast hasher for maps keyed by IDs the router or its host chose (connection,
//! session, subscription, registration and invocation IDs).
//!
//! std's SipHash protects a map against keys chosen to collide; these keys are never
//! chosen by a peer (random or sequential numbers of our own), so a multiply-fold mix
//! is enough and costs a few instructions per lookup. Maps keyed by anything a peer
//! picks (request IDs, URIs) keep std's randomly seeded SipHash.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A `HashMap` keyed by router- or host-chosen IDs.
pub(crate) type IdMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;

/// Folded 64x64->128 multiplication (as foldhash and wyhash mix), per `u64` written.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct IdHasher(u64);

const K: u64 = 0x9E37_79B9_7F4A_7C15;

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        // Not used by the ID keys (they write integers), correct for any key anyway.
        for chunk in bytes.chunks(8) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(b));
        }
    }

    fn write_u64(&mut self, n: u64) {
        let m = u128::from(self.0 ^ n ^ K) * u128::from(K.rotate_left(23) | 1);
        self.0 = (m as u64) ^ ((m >> 64) as u64);
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use std::hash::{BuildHasher, BuildHasherDefault};

    use super::*;

    #[test]
    fn sequential_ids_spread_over_buckets_and_tags() {
        let b = BuildHasherDefault::<IdHasher>::default();
        let hashes: Vec<u64> = (1..=4096u64).map(|i| b.hash_one(i)).collect();
        // hashbrown indexes by the low bits and tags by the top 7: both must vary.
        let mut low = [0u32; 64];
        let mut top = [0u32; 128];
        for h in &hashes {
            low[(h & 63) as usize] += 1;
            top[(h >> 57) as usize] += 1;
        }
        assert!(low.iter().all(|&n| (32..=96).contains(&n)), "{low:?}");
        assert!(top.iter().all(|&n| (8..=56).contains(&n)), "{top:?}");
    }

    #[test]
    fn maps_work_with_tuple_keys() {
        let mut m: IdMap<(u64, u64), u32> = IdMap::default();
        for i in 0..1000u64 {
            m.insert((i, i * 7), i as u32);
        }
        assert_eq!(m.len(), 1000);
        assert_eq!(m.get(&(10, 70)), Some(&10));
        assert_eq!(m.get(&(70, 10)), None);
    }
}
