//! Property tests: frame headers survive encode/decode, and decode never misreads bytes.

use ferrobahn_frame::{FrameError, FrameHeader, OpCode, MAX_HEADER_LEN};
use proptest::prelude::*;

fn opcode() -> impl Strategy<Value = OpCode> {
    prop_oneof![
        Just(OpCode::Continuation),
        Just(OpCode::Text),
        Just(OpCode::Binary),
        Just(OpCode::Close),
        Just(OpCode::Ping),
        Just(OpCode::Pong),
    ]
}

fn payload_len() -> impl Strategy<Value = u64> {
    prop_oneof![0u64..=125, 126u64..=0xFFFF, 0x1_0000u64..=(u64::MAX >> 1)]
}

/// Headers that RFC 6455 allows: control frames are final and at most 125 bytes.
fn valid_header() -> impl Strategy<Value = FrameHeader> {
    (
        any::<bool>(),
        0u8..8,
        opcode(),
        any::<Option<[u8; 4]>>(),
        payload_len(),
    )
        .prop_map(|(fin, rsv, opcode, mask, len)| FrameHeader {
            fin: fin || opcode.is_control(),
            rsv,
            opcode,
            mask,
            payload_len: if opcode.is_control() { len % 126 } else { len },
        })
}

proptest! {
    #[test]
    fn encode_then_decode_round_trips(h in valid_header(), trailing in proptest::collection::vec(any::<u8>(), 0..16)) {
        let mut buf = [0u8; MAX_HEADER_LEN];
        let n = h.encode(&mut buf);
        prop_assert_eq!(n, h.encoded_len());
        prop_assert!((2..=MAX_HEADER_LEN).contains(&n));
        let mut wire = buf[..n].to_vec();
        wire.extend_from_slice(&trailing);
        prop_assert_eq!(FrameHeader::decode(&wire), Ok(Some((h, n))));
        for cut in 0..n {
            prop_assert_eq!(FrameHeader::decode(&wire[..cut]), Ok(None));
        }
    }

    #[test]
    fn decoded_headers_reencode_to_the_same_bytes_when_minimal(bytes in proptest::collection::vec(any::<u8>(), 0..20)) {
        match FrameHeader::decode(&bytes) {
            Ok(Some((h, n))) => {
                prop_assert!(n <= bytes.len());
                prop_assert!(h.rsv < 8);
                let mut buf = [0u8; MAX_HEADER_LEN];
                let m = h.encode(&mut buf);
                prop_assert_eq!(FrameHeader::decode(&buf[..m]), Ok(Some((h, m))));
                if m == n {
                    prop_assert_eq!(&buf[..m], &bytes[..n]);
                } else {
                    prop_assert!(m < n, "only non-minimal input lengths differ");
                }
            }
            Ok(None) => prop_assert!(bytes.len() < MAX_HEADER_LEN),
            Err(e) => {
                prop_assert_eq!(e.close_code().as_u16(), 1002);
                let op = bytes[0] & 0x0F;
                if let FrameError::ReservedOpcode(reported) = e {
                    prop_assert_eq!(reported, op);
                }
            }
        }
    }
}
