//! WAMP IDs: integers in `[0, 2^53]` and the three scopes they are drawn from.
//!
//! The spec draws IDs from three scopes: *global* (session IDs, publication IDs; random),
//! *router* (subscription and registration IDs; random or sequential, chosen by the router)
//! and *session* (request IDs; sequential from 1). Every ID fits in 2^53 so that it survives
//! a trip through an IEEE double (JavaScript, JSON). `0` only appears on the wire as the
//! request ID of a router-initiated UNSUBSCRIBED/UNREGISTERED.
//!
//! This crate is sans-IO: the random generator is seeded by the caller.

use std::fmt;

/// The largest WAMP ID, 2^53.
pub const MAX_ID: u64 = 1 << 53;

/// A WAMP ID, always in `[0, 2^53]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Id(u64);

impl Id {
    /// The ID `0`, used for "no request" in router-initiated revocations.
    pub const ZERO: Id = Id(0);

    /// Wraps `v` if it is within `[0, 2^53]`.
    pub const fn new(v: u64) -> Option<Id> {
        if v <= MAX_ID {
            Some(Id(v))
        } else {
            None
        }
    }

    /// The integer value.
    pub const fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl From<Id> for u64 {
    fn from(id: Id) -> u64 {
        id.0
    }
}

impl TryFrom<u64> for Id {
    type Error = u64;
    /// Fails (giving the value back) when `v > 2^53`.
    fn try_from(v: u64) -> Result<Id, u64> {
        Id::new(v).ok_or(v)
    }
}

/// Session-scope (and, if a router chooses so, router-scope) IDs: 1, 2, 3, ... wrapping
/// from 2^53 back to 1.
#[derive(Clone, Debug, Default)]
pub struct SequentialIds {
    last: u64,
}

impl SequentialIds {
    /// A generator whose first ID is 1.
    pub fn new() -> Self {
        Self { last: 0 }
    }

    /// The next ID.
    pub fn next_id(&mut self) -> Id {
        self.last = if self.last >= MAX_ID {
            1
        } else {
            self.last + 1
        };
        Id(self.last)
    }
}

/// Global-scope IDs: uniformly random in `[1, 2^53]`, from a seeded generator
/// (SplitMix64). Seed it from real entropy in a runtime shell; seed it with a constant in tests.
#[derive(Clone, Debug)]
pub struct RandomIds {
    state: u64,
}

impl RandomIds {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// The next random ID in `[1, 2^53]`.
    pub fn next_id(&mut self) -> Id {
        // 53 random bits give [0, 2^53 - 1]; shift by one into [1, 2^53].
        Id((self.next_u64() >> 11) + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_is_enforced() {
        assert_eq!(Id::new(MAX_ID).map(Id::get), Some(MAX_ID));
        assert_eq!(Id::new(MAX_ID + 1), None);
        assert_eq!(Id::try_from(u64::MAX), Err(u64::MAX));
    }

    #[test]
    fn sequential_wraps_to_one() {
        let mut s = SequentialIds { last: MAX_ID - 1 };
        assert_eq!(s.next_id().get(), MAX_ID);
        assert_eq!(s.next_id().get(), 1);
        assert_eq!(SequentialIds::new().next_id().get(), 1);
    }

    #[test]
    fn random_ids_stay_in_range_and_are_deterministic() {
        let mut a = RandomIds::new(42);
        let mut b = RandomIds::new(42);
        for _ in 0..10_000 {
            let id = a.next_id();
            assert!((1..=MAX_ID).contains(&id.get()));
            assert_eq!(id, b.next_id());
        }
    }
}
