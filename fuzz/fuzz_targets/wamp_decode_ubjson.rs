//! Decoding arbitrary bytes as ubjson, both dialects (BJData and draft 12), plain and
//! batched, never panics; whatever decodes
//! re-encodes and decodes to the same messages.
#![no_main]

use ferrobahn_serializers::{Format, Serializer};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for ser in [
        Serializer::new(Format::Ubjson),
        Serializer::batched(Format::Ubjson),
        Serializer::new(Format::UbjsonDraft12),
        Serializer::batched(Format::UbjsonDraft12),
    ] {
        let Ok(msgs) = ser.decode(data) else { continue };
        let mut out = Vec::new();
        for m in &msgs {
            ser.encode(m, &mut out).expect("a decoded message encodes");
        }
        assert_eq!(ser.decode(&out).expect("re-decodes"), msgs);
    }
});
