//! The streaming validator, fed in random chunks, must agree with `std::str::from_utf8` and
//! fail in exactly the chunk holding the first byte that makes the input impossible.
#![no_main]

use ferrobahn_frame::{validate_utf8, Utf8Validator};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (Vec<u8>, Vec<u8>)| {
    let (chunk_lens, bytes) = input;
    let std_result = std::str::from_utf8(&bytes);
    assert_eq!(validate_utf8(&bytes), std_result.is_ok());
    // Index of the byte after which no continuation can make the input valid.
    let impossible = std_result.err().and_then(|e| {
        let at = e.valid_up_to();
        let lead_ok = (0xC2..=0xF4).contains(&bytes[at]);
        e.error_len().map(|len| if lead_ok { at + len } else { at })
    });

    let mut validator = Utf8Validator::new();
    let (mut start, mut lens) = (0, chunk_lens.iter().cycle());
    while start < bytes.len() {
        let len = lens.next().map_or(bytes.len(), |&l| usize::from(l) + 1);
        let end = (start + len).min(bytes.len());
        if validator.feed(&bytes[start..end]).is_err() {
            let at = impossible.expect("failed on input that could still be valid");
            assert!(
                (start..end).contains(&at),
                "byte {at} failed in {start}..{end}"
            );
            return;
        }
        start = end;
    }
    assert_eq!(impossible, None, "missed an impossible byte");
    assert_eq!(validator.finish().is_ok(), std_result.is_ok());
});
