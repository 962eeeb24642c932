//! Property tests: every message round-trips through every serializer, plain and batched;
//! arbitrary bytes never panic a decoder.

use bytes::Bytes;
use ferrobahn_serializers::{DecodeError, Format, Limits, Serializer};
use ferrobahn_wamp::strategy::{arb_message, arb_value};
use ferrobahn_wamp::{Message, Value};
use proptest::prelude::*;

/// Every compiled-in format, including the ones never negotiated on their own.
fn all_formats() -> Vec<Format> {
    let mut all = Format::ALL.to_vec();
    all.push(Format::UbjsonDraft12);
    all
}

fn all_serializers() -> Vec<Serializer> {
    all_formats()
        .into_iter()
        .flat_map(|f| [Serializer::new(f), Serializer::batched(f)])
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn every_message_round_trips(m in arb_message()) {
        for ser in all_serializers() {
            let mut out = Vec::new();
            ser.encode(&m, &mut out).unwrap();
            let back = ser.decode_one(&out).unwrap();
            prop_assert_eq!(&back, &m, "{}", ser.subprotocol());
            let shared = Bytes::from(out);
            let back = ser.decode_bytes(&shared).unwrap();
            prop_assert_eq!(&back[..], std::slice::from_ref(&m), "{}", ser.subprotocol());
        }
    }

    #[test]
    fn batches_round_trip(msgs in proptest::collection::vec(arb_message(), 1..5)) {
        for f in all_formats() {
            let ser = Serializer::batched(f);
            let mut out = Vec::new();
            for m in &msgs {
                ser.encode(m, &mut out).unwrap();
            }
            prop_assert_eq!(&ser.decode(&out).unwrap(), &msgs, "{}", ser.subprotocol());
        }
    }

    #[test]
    fn owned_encoding_and_each_value_decoding_match(
        msgs in proptest::collection::vec(arb_message(), 1..4),
    ) {
        for ser in all_serializers() {
            let (mut by_ref, mut owned) = (Vec::new(), Vec::new());
            for m in &msgs {
                let (a, b) = (by_ref.len(), owned.len());
                ser.encode(m, &mut by_ref).unwrap();
                ser.encode_value(&m.clone().into_value(), &mut owned).unwrap();
                prop_assert_eq!(&by_ref[a..], &owned[b..], "{}", ser.subprotocol());
            }
            let data = if ser.is_batched() { by_ref } else { owned[..].to_vec() };
            let mut each = Vec::new();
            let r = ser.for_each_value(&data, |v| {
                each.push(v);
                Ok(())
            });
            if ser.is_batched() {
                r.unwrap();
                prop_assert_eq!(&each, &ser.decode_values(&data).unwrap(), "{}", ser.subprotocol());
            } else if msgs.len() == 1 {
                r.unwrap();
                prop_assert_eq!(each.len(), 1);
            } else {
                // Several messages in a plain buffer: trailing bytes after the first.
                prop_assert!(r.is_err());
            }
        }
    }

    #[test]
    fn values_round_trip(v in arb_value(5)) {
        for f in all_formats() {
            let ser = Serializer::new(f);
            let mut out = Vec::new();
            ser.encode_value(&v, &mut out).unwrap();
            prop_assert_eq!(&ser.decode_values(&out).unwrap(), &vec![v.clone()], "{}", f.name());
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..256)) {
        for ser in all_serializers() {
            let _ = ser.decode(&data);
        }
    }

    #[test]
    fn truncations_and_bit_flips_give_errors_not_panics(
        m in arb_message(), cut in any::<prop::sample::Index>(), flip in any::<prop::sample::Index>()
    ) {
        for ser in all_serializers() {
            let mut out = Vec::new();
            ser.encode(&m, &mut out).unwrap();
            let n = cut.index(out.len());
            let r = ser.decode(&out[..n]);
            prop_assert!(r.is_err() || n == out.len());
            let i = flip.index(out.len());
            out[i] ^= 0x5a;
            let _ = ser.decode(&out);
        }
    }
}

#[test]
fn zero_copy_binary_payload() {
    let blob = Bytes::from(vec![7u8; 4096]);
    let m = Message::from(ferrobahn_wamp::message::Event {
        subscription: ferrobahn_wamp::Id::new(1).unwrap(),
        publication: ferrobahn_wamp::Id::new(2).unwrap(),
        payload: ferrobahn_wamp::Payload::Args(vec![Value::Bytes(blob)]),
        ..Default::default()
    });
    for &f in Format::ALL.iter().filter(|f| f.is_binary()) {
        let ser = Serializer::new(f);
        let mut out = Vec::new();
        ser.encode(&m, &mut out).unwrap();
        let input = Bytes::from(out);
        let Message::Event(e) = ser.decode_bytes(&input).unwrap().remove(0) else {
            panic!("not an EVENT")
        };
        let Value::Bytes(b) = &e.payload.args()[0] else {
            panic!("not bytes")
        };
        let range = input.as_ptr() as usize..input.as_ptr() as usize + input.len();
        assert!(
            range.contains(&(b.as_ptr() as usize)),
            "{}: copied",
            f.name()
        );
    }
}

#[test]
fn limits_hold_before_allocation() {
    for &f in Format::ALL {
        let ser = Serializer::new(f).with_limits(Limits::default().with_max_message_size(8));
        assert!(matches!(
            ser.decode(&[b' '; 9]),
            Err(DecodeError::TooLarge { size: 9, limit: 8 })
        ));
        let deep = Serializer::new(f).with_limits(Limits::default().with_max_depth(3));
        let mut v = Value::List(vec![]);
        for _ in 0..4 {
            v = Value::List(vec![v]);
        }
        let mut out = Vec::new();
        deep.encode_value(&v, &mut out).unwrap();
        assert!(
            matches!(
                deep.decode_values(&out),
                Err(DecodeError::TooDeep { limit: 3, .. })
            ),
            "{}",
            f.name()
        );
    }
}

#[test]
fn subprotocol_names() {
    for &f in Format::ALL {
        for batched in [false, true] {
            let name = f.subprotocol(batched);
            let ser = Serializer::from_subprotocol(name).unwrap();
            assert_eq!(ser.subprotocol(), name);
            assert_eq!(ser.is_batched(), batched);
            assert_eq!(Format::from_rawsocket_id(f.rawsocket_id()), Some(f));
        }
    }
    assert_eq!(Serializer::from_subprotocol("wamp.2.xml"), None);
    assert_eq!(Serializer::from_subprotocol("wamp.1.json"), None);
}
