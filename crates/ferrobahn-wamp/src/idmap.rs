//! [`IdMap`]: a `HashMap` with a fast hasher, for keys a peer does not choose.
//!
//! std's SipHash protects a map against keys chosen to collide. Many WAMP IDs are
//! never chosen by the other side: a client's own request IDs, a router's session,
//! subscription, registration and invocation IDs (random or sequential numbers of our
//! own). For those a multiply-fold mix is enough and costs a few instructions per
//! lookup. Maps keyed by anything a peer picks (its request IDs, URIs) should keep
//! std's randomly seeded SipHash.
//!
//! ```
//! use ferrobahn_wamp::idmap::IdMap;
//! use ferrobahn_wamp::Id;
//!
//! let mut pending: IdMap<Id, &str> = IdMap::default();
//! pending.insert(Id::new(1).unwrap(), "call");
//! assert_eq!(pending.get(&Id::new(1).unwrap()), Some(&"call"));
//! ```

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A `HashMap` keyed by IDs that we chose, not a peer.
pub type IdMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;

/// Folded 64x64->128 multiplication (as foldhash and wyhash mix), per `u64` written.
/// Only for keys no peer chooses (see the module docs).
#[derive(Clone, Copy, Debug, Default)]
pub struct IdHasher(u64);

const K: u64 = 0x9E37_79B9_7F4A_7C15;

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        // Not used by ID keys (they write integers), correct for any key anyway.
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
    use crate::Id;

    #[test]
    fn sequential_ids_spread_over_buckets_and_tags() {
        let b = BuildHasherDefault::<IdHasher>::default();
        // hashbrown indexes by the low bits and tags by the top 7: both must vary.
        let mut low = [0u32; 256];
        let mut top = [0u32; 128];
        for n in 1..=8192u64 {
            let h = b.hash_one(Id::new(n).expect("id"));
            low[(h & 255) as usize] += 1;
            top[(h >> 57) as usize] += 1;
        }
        // 32 per bucket and 64 per tag on average; a random spread stays well within
        // these (a weak mix of sequential keys leaves buckets empty or piles them up).
        assert!(low.iter().all(|&c| (4..=96).contains(&c)), "{low:?}");
        assert!(top.iter().all(|&c| (16..=160).contains(&c)), "{top:?}");
    }

    #[test]
    fn maps_find_what_they_hold_with_id_and_tuple_keys() {
        let mut m: IdMap<Id, u64> = IdMap::default();
        for n in 1..=1000u64 {
            m.insert(Id::new(n).expect("id"), n * 3);
        }
        assert_eq!(m.get(&Id::new(500).expect("id")), Some(&1500));
        assert_eq!(m.get(&Id::new(1001).expect("id")), None);
        let mut t: IdMap<(u64, u64), u32> = IdMap::default();
        for i in 0..1000u64 {
            t.insert((i, i * 7), i as u32);
        }
        assert_eq!(t.len(), 1000);
        assert_eq!(t.get(&(10, 70)), Some(&10));
        assert_eq!(t.get(&(70, 10)), None);
    }
}
