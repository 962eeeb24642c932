use super::*;

/// Deterministic pseudo-random bytes (xorshift), so failures reproduce.
fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state.to_le_bytes()[3]
        })
        .collect()
}

fn available() -> Vec<MaskImpl> {
    MaskImpl::ALL
        .into_iter()
        .filter(|imp| imp.is_available())
        .collect()
}

#[test]
fn every_impl_matches_bytewise_at_every_alignment_offset_and_small_length() {
    let key = [0x37, 0xfa, 0x21, 0x3d];
    let source = noise(300 + 64, 7);
    for imp in available() {
        for align in 0..64 {
            for offset in 0..4 {
                for len in 0..300 {
                    let mut expected = source.clone();
                    apply_mask_bytewise(&mut expected[align..align + len], key, offset);
                    let mut actual = source.clone();
                    imp.apply(&mut actual[align..align + len], key, offset);
                    assert_eq!(
                        actual, expected,
                        "{imp:?} align {align} offset {offset} len {len}"
                    );
                }
            }
        }
    }
}

#[test]
fn apply_mask_matches_bytewise_at_every_alignment_offset_and_small_length() {
    let key = [1, 2, 3, 0xFF];
    let source = noise(300 + 64, 11);
    for align in 0..64 {
        for offset in 0..8 {
            for len in 0..300 {
                let mut expected = source.clone();
                apply_mask_bytewise(&mut expected[align..align + len], key, offset);
                let mut actual = source.clone();
                apply_mask(&mut actual[align..align + len], key, offset);
                assert_eq!(actual, expected, "align {align} offset {offset} len {len}");
            }
        }
    }
}

#[test]
fn every_impl_matches_bytewise_on_large_buffers() {
    let key = [0xde, 0xad, 0xbe, 0xef];
    for (len, seed) in [(65_536, 3), (1 << 20, 5), ((1 << 20) + 77, 9)] {
        let source = noise(len + 32, seed);
        for imp in available() {
            for (align, offset) in [(0, 0), (1, 3), (7, 2), (31, 1)] {
                let mut expected = source[align..align + len].to_vec();
                apply_mask_bytewise(&mut expected, key, offset);
                let mut actual = source.clone();
                imp.apply(&mut actual[align..align + len], key, offset);
                assert!(
                    actual[align..align + len] == expected[..],
                    "{imp:?} len {len} align {align} offset {offset}"
                );
                assert_eq!(actual[..align], source[..align], "{imp:?}: wrote before");
                assert_eq!(
                    actual[align + len..],
                    source[align + len..],
                    "{imp:?}: wrote after"
                );
            }
        }
    }
}

#[test]
fn masking_in_pieces_equals_masking_whole() {
    let key = [9, 99, 199, 255];
    let source = noise(5000, 13);
    let mut whole = source.clone();
    apply_mask(&mut whole, key, 0);
    for split_seed in 0..20u64 {
        let cuts = noise(6, split_seed);
        let mut pieces = source.clone();
        let mut start = 0;
        for cut in cuts {
            let end = (start + usize::from(cut) * 7).min(pieces.len());
            apply_mask(&mut pieces[start..end], key, start);
            start = end;
        }
        apply_mask(&mut pieces[start..], key, start);
        assert_eq!(pieces, whole, "split seed {split_seed}");
    }
}

#[test]
fn masking_twice_restores_input() {
    let source = noise(4099, 17);
    let mut buf = source.clone();
    apply_mask(&mut buf, [5, 6, 7, 8], 2);
    assert_ne!(buf, source);
    apply_mask(&mut buf, [5, 6, 7, 8], 2);
    assert_eq!(buf, source);
}

#[test]
fn rfc_example_unmasks_hello() {
    let mut payload = [0x7f, 0x9f, 0x4d, 0x51, 0x58];
    apply_mask(&mut payload, [0x37, 0xfa, 0x21, 0x3d], 0);
    assert_eq!(&payload, b"Hello");
}

#[test]
fn detection_picks_the_best_available_and_caches_it() {
    let first = MaskImpl::detect();
    assert!(first.is_available());
    assert_eq!(MaskImpl::detect(), first);
    #[cfg(target_arch = "x86_64")]
    {
        let expected = if std::is_x86_feature_detected!("avx2") {
            MaskImpl::Avx2
        } else {
            MaskImpl::Sse2
        };
        assert_eq!(first, expected);
    }
    #[cfg(not(target_arch = "x86_64"))]
    assert_eq!(first, MaskImpl::Word);
}
