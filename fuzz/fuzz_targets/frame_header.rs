//! Decoding arbitrary bytes never panics; a decoded header needs all of its bytes, re-encodes
//! to an equal header, and to the very same bytes when the input used the minimal length form.
#![no_main]

use ferrobahn_frame::{FrameHeader, MAX_HEADER_LEN};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (header, len) = match FrameHeader::decode(data) {
        Ok(Some(decoded)) => decoded,
        Ok(None) => return assert!(data.len() < MAX_HEADER_LEN),
        Err(e) => return assert_eq!(e.close_code().as_u16(), 1002),
    };
    assert!(len <= data.len() && len <= MAX_HEADER_LEN);
    for cut in 0..len {
        assert_eq!(FrameHeader::decode(&data[..cut]), Ok(None), "prefix {cut}");
    }

    let mut buf = [0u8; MAX_HEADER_LEN];
    let n = header.encode(&mut buf);
    assert_eq!(n, header.encoded_len());
    assert_eq!(FrameHeader::decode(&buf[..n]), Ok(Some((header, n))));
    if n == len {
        assert_eq!(buf[..n], data[..len]);
    } else {
        assert!(n < len, "only a non-minimal length form is longer");
    }
});
