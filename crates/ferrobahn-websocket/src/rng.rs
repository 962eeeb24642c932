//! A small deterministic generator for mask keys and ping payloads.
//!
//! Masking defends intermediaries against cache poisoning; it needs keys an
//! attacker cannot predict from the traffic, not cryptographic secrecy of the
//! payload. The generator is seeded per connection from the runtime shell's
//! entropy (or [`Config::rng_seed`](crate::Config::rng_seed) in tests), so the
//! core itself stays deterministic.

/// xorshift64* seeded through splitmix64.
#[derive(Clone, Debug)]
pub(crate) struct MaskRng(u64);

impl MaskRng {
    pub(crate) fn new(seed: u64) -> Self {
        // splitmix64 step: spreads any seed (including 0) over the state space.
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        Self(if z == 0 { 0x2545_F491_4F6C_DD1D } else { z })
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub(crate) fn mask_key(&mut self) -> [u8; 4] {
        let bytes = self.next_u64().to_le_bytes();
        [bytes[0], bytes[1], bytes[2], bytes[3]]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_keys_and_keys_vary() {
        let mut a = MaskRng::new(7);
        let mut b = MaskRng::new(7);
        let keys: Vec<_> = (0..16).map(|_| a.mask_key()).collect();
        let again: Vec<_> = (0..16).map(|_| b.mask_key()).collect();
        assert_eq!(keys, again);
        let distinct: std::collections::HashSet<_> = keys.iter().collect();
        assert!(distinct.len() > 12, "keys should vary: {keys:?}");
        assert_ne!(MaskRng::new(0).next_u64(), 0);
    }
}
