//! Known encodings of each format and typed errors for malformed input.

use ferrobahn_serializers::{DecodeError, Format, Serializer};
use ferrobahn_wamp::{Value, WampError};

#[cfg(feature = "json")]
#[test]
fn json_binary_convention() {
    let ser = Serializer::new(Format::Json);
    let v = Value::List(vec![Value::Bytes(bytes::Bytes::from_static(b"\x00\x01hi"))]);
    let mut out = Vec::new();
    ser.encode_value(&v, &mut out).unwrap();
    assert_eq!(out, b"[\"\\u0000AAFoaQ==\"]");
    assert_eq!(ser.decode_values(&out).unwrap(), vec![v]);
    assert_eq!(
        ser.decode_values(b"[\"\\u0000!!\"]"),
        Err(DecodeError::InvalidBase64)
    );
    assert!(ser
        .encode_value(&Value::Float(f64::NAN), &mut Vec::new())
        .is_err());
}

#[cfg(feature = "json")]
#[test]
fn json_errors() {
    let ser = Serializer::new(Format::Json);
    assert!(matches!(
        ser.decode(b"[48, 1, {}"),
        Err(DecodeError::Truncated { .. })
    ));
    assert!(matches!(
        ser.decode(b"[48, 1, {}, \"a\"] x"),
        Err(DecodeError::Syntax { .. })
    ));
    assert!(matches!(
        ser.decode(b"[48, 1, {}, \"a b\"]"),
        Err(DecodeError::Message(WampError::InvalidUri { .. }))
    ));
    let batched = Serializer::batched(Format::Json);
    assert_eq!(
        batched.decode(b"[17,1,2]\x18[17,3,4]\x1e").unwrap().len(),
        2
    );
    assert!(matches!(
        batched.decode(b"[17,1,2]\x18[17,3,4]"),
        Err(DecodeError::Batch(_))
    ));
}

#[cfg(feature = "msgpack")]
#[test]
fn msgpack_known_bytes_and_errors() {
    let ser = Serializer::new(Format::MsgPack);
    // [17, 1, 2] = PUBLISHED
    let mut out = Vec::new();
    ser.encode_value(
        &Value::List(vec![Value::Int(17), Value::Int(-33), Value::UInt(u64::MAX)]),
        &mut out,
    )
    .unwrap();
    assert_eq!(
        out,
        [0x93, 0x11, 0xd0, 0xdf, 0xcf, 255, 255, 255, 255, 255, 255, 255, 255]
    );
    // array32 claiming 4 billion elements in a 6-byte input: truncated, no allocation.
    assert!(matches!(
        ser.decode(&[0xdd, 0xff, 0xff, 0xff, 0xff, 0x01]),
        Err(DecodeError::Truncated { .. })
    ));
    assert!(matches!(
        ser.decode(&[0x81, 0x01, 0x01]),
        Err(DecodeError::NonStringKey { .. })
    ));
    assert!(matches!(
        ser.decode(&[0xd4, 0x01, 0x00]),
        Err(DecodeError::Syntax { .. })
    ));
    assert!(matches!(
        ser.decode(&[0xa1, 0xff]),
        Err(DecodeError::InvalidUtf8 { .. })
    ));
    assert!(matches!(
        ser.decode(&[0x93, 0x11, 0x01, 0x02, 0x00]),
        Err(DecodeError::TrailingBytes { count: 1, .. })
    ));
    let batched = Serializer::batched(Format::MsgPack);
    assert!(matches!(
        batched.decode(&[0, 0, 0, 9, 0x93]),
        Err(DecodeError::Batch(_))
    ));
}

#[cfg(feature = "cbor")]
#[test]
fn cbor_known_bytes_and_errors() {
    let ser = Serializer::new(Format::Cbor);
    let one = |b: &[u8]| ser.decode_values(b).map(|mut v| v.remove(0));
    let int = Value::Int;
    assert_eq!(
        one(&[0x9f, 0x01, 0x82, 0x02, 0x03, 0xff]).unwrap(),
        Value::List(vec![int(1), Value::List(vec![int(2), int(3)])])
    );
    assert_eq!(
        one(&[0x5f, 0x42, 1, 2, 0x43, 3, 4, 5, 0xff]).unwrap(),
        Value::Bytes(bytes::Bytes::from_static(&[1, 2, 3, 4, 5]))
    );
    assert_eq!(one(&[0xf9, 0x3c, 0x00]).unwrap(), Value::Float(1.0));
    assert_eq!(
        one(&[0xc1, 0x1a, 0x51, 0x4b, 0x67, 0xb0]).unwrap(),
        int(1_363_896_240)
    );
    assert_eq!(one(&[0x38, 0x63]).unwrap(), int(-100));
    assert_eq!(one(&[0xf7]).unwrap(), Value::Null);
    let mut out = Vec::new();
    ser.encode_value(&Value::List(vec![int(-1), int(1000)]), &mut out)
        .unwrap();
    assert_eq!(out, [0x82, 0x20, 0x19, 0x03, 0xe8]);
    assert!(matches!(
        one(&[0x3b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
        Err(DecodeError::IntegerOutOfRange { .. })
    ));
    assert!(matches!(
        one(&[0xa1, 0x01, 0x02]),
        Err(DecodeError::NonStringKey { .. })
    ));
    assert!(matches!(
        one(&[0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00]),
        Err(DecodeError::Truncated { .. })
    ));
    assert!(matches!(one(&[0xff]), Err(DecodeError::Syntax { .. })));
    assert!(matches!(one(&[0x1c]), Err(DecodeError::Syntax { .. })));
}

#[cfg(feature = "ubjson")]
#[test]
fn ubjson_known_bytes_and_errors() {
    let ser = Serializer::new(Format::Ubjson);
    let one = |b: &[u8]| ser.decode_values(b).map(|mut v| v.remove(0));
    assert_eq!(
        one(b"[$U#U\x03abc").unwrap(),
        Value::Bytes(bytes::Bytes::from_static(b"abc"))
    );
    assert_eq!(
        one(b"{#U\x01U\x01aZ").unwrap(),
        Value::Dict([("a".to_owned(), Value::Null)].into_iter().collect())
    );
    assert_eq!(
        one(b"[$i#U\x02\x01\xff").unwrap(),
        Value::List(vec![Value::Int(1), Value::Int(-1)])
    );
    assert_eq!(
        one(b"NHU\x1418446744073709551615").unwrap(),
        Value::UInt(u64::MAX)
    );
    assert_eq!(one(b"Ca").unwrap(), Value::from("a"));
    let mut out = Vec::new();
    ser.encode_value(
        &Value::List(vec![Value::Int(300), Value::from("hi"), Value::Bool(true)]),
        &mut out,
    )
    .unwrap();
    assert_eq!(out, b"[I\x01\x2cSU\x02hiT]");
    assert!(matches!(
        one(b"[$Z#L\x7f\xff\xff\xff\xff\xff\xff\xff"),
        Err(DecodeError::Syntax { .. })
    ));
    assert!(matches!(
        one(b"[#L\x7f\xff\xff\xff\xff\xff\xff\xffZ"),
        Err(DecodeError::Truncated { .. })
    ));
    assert!(matches!(one(b"Si\xff"), Err(DecodeError::Syntax { .. })));
    assert!(matches!(one(b"X"), Err(DecodeError::Syntax { .. })));
}
