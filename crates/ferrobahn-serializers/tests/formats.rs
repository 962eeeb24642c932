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
