//! Property tests: the incremental validator agrees with `std::str::from_utf8` for any split
//! of the input, and fails in exactly the chunk that holds the first impossible byte.

use ferrobahn_frame::{validate_utf8, Utf8Validator};
use proptest::prelude::*;

/// Mostly-valid text with a few random bytes spliced in, so both outcomes are common.
fn text_bytes() -> impl Strategy<Value = Vec<u8>> {
    let valid = any::<String>().prop_map(String::into_bytes);
    let noisy = (
        any::<String>(),
        proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..3),
    )
        .prop_map(|(s, edits)| {
            let mut bytes = s.into_bytes();
            for (at, b) in edits {
                if bytes.is_empty() {
                    bytes.push(b);
                } else {
                    let i = at.index(bytes.len());
                    bytes[i] = b;
                }
            }
            bytes
        });
    let raw = proptest::collection::vec(any::<u8>(), 0..64);
    prop_oneof![valid, noisy, raw]
}

/// Index of the first byte after which `bytes` can no longer be the start of valid UTF-8.
fn first_impossible_byte(bytes: &[u8]) -> Option<usize> {
    match std::str::from_utf8(bytes) {
        Ok(_) => None,
        Err(e) => {
            let start = e.valid_up_to();
            match e.error_len() {
                // Cut short by the end of input: only `finish` can fail.
                None => None,
                // A valid lead byte followed by a byte that does not fit it.
                Some(len) if (0xC2..=0xF4).contains(&bytes[start]) => Some(start + len),
                // A byte that never starts a sequence.
                Some(_) => Some(start),
            }
        }
    }
}

proptest! {
    #[test]
    fn chunked_validation_agrees_with_std(
        bytes in text_bytes(),
        cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..8),
    ) {
        let mut points: Vec<usize> = cuts.iter().map(|c| c.index(bytes.len() + 1)).collect();
        points.push(0);
        points.push(bytes.len());
        points.sort_unstable();

        let expected_ok = std::str::from_utf8(&bytes).is_ok();
        prop_assert_eq!(validate_utf8(&bytes), expected_ok);
        let impossible = first_impossible_byte(&bytes);

        let mut v = Utf8Validator::new();
        let mut failed_at_chunk_end = None;
        for pair in points.windows(2) {
            let (start, end) = (pair[0], pair[1]);
            if v.feed(&bytes[start..end]).is_err() {
                failed_at_chunk_end = Some((start, end));
                break;
            }
        }
        match (impossible, failed_at_chunk_end) {
            (None, None) => {
                prop_assert_eq!(v.finish().is_ok(), expected_ok);
            }
            (Some(at), Some((start, end))) => {
                prop_assert!(start <= at && at < end, "impossible byte {} failed in chunk {}..{}", at, start, end);
            }
            (expected, actual) => {
                prop_assert!(false, "expected failure at {:?}, failed in chunk {:?}", expected, actual);
            }
        }
    }

    #[test]
    fn byte_by_byte_agrees_with_std(bytes in text_bytes()) {
        let mut v = Utf8Validator::new();
        let mut failed = None;
        for (i, b) in bytes.iter().enumerate() {
            if v.feed(std::slice::from_ref(b)).is_err() {
                failed = Some(i);
                break;
            }
        }
        prop_assert_eq!(failed, first_impossible_byte(&bytes));
        if failed.is_none() {
            prop_assert_eq!(v.finish().is_ok(), std::str::from_utf8(&bytes).is_ok());
        }
    }
}
