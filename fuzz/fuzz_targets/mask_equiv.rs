//! Every masking implementation, at any alignment and key offset, and masking in two pieces,
//! must equal the bytewise reference.
#![no_main]

use ferrobahn_frame::{apply_mask, apply_mask_bytewise, MaskImpl};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let [k0, k1, k2, k3, shape, split, payload @ ..] = data else {
        return;
    };
    let key = [*k0, *k1, *k2, *k3];
    let (align, offset) = (usize::from(shape & 0x3F), usize::from(shape >> 6));
    let mut expected = payload.to_vec();
    apply_mask_bytewise(&mut expected, key, offset);

    let mut buf = vec![0u8; align + payload.len()];
    for imp in MaskImpl::ALL.into_iter().filter(|imp| imp.is_available()) {
        buf[align..].copy_from_slice(payload);
        imp.apply(&mut buf[align..], key, offset);
        assert_eq!(
            buf[align..],
            expected[..],
            "{imp:?} align {align} offset {offset}"
        );
    }

    // A payload unmasked as it arrives, in two reads.
    let cut = payload.len() * usize::from(*split) / 255;
    buf[align..].copy_from_slice(payload);
    let (first, second) = buf[align..].split_at_mut(cut);
    apply_mask(first, key, offset);
    apply_mask(second, key, offset + cut);
    assert_eq!(buf[align..], expected[..], "split at {cut}");
});
