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

/// JSON is checked to be UTF-8 as a whole, then parsed without checking each string
/// again: strings with every kind of character and escape decode as before, and bytes
/// that are not UTF-8 (in a string or elsewhere) are still an error.
#[cfg(feature = "json")]
#[test]
fn json_strings_whether_or_not_utf8() {
    let ser = Serializer::new(Format::Json);
    let doc = r#"["a\u00e9\"\n\ud83d\ude00", "é中😀", "", {"ké": "v"}]"#;
    let want = Value::List(vec![
        Value::Str("a\u{e9}\"\n\u{1f600}".into()),
        Value::Str("\u{e9}\u{4e2d}\u{1f600}".into()),
        Value::Str(String::new()),
        Value::Dict(
            [("k\u{e9}".to_owned(), Value::Str("v".into()))]
                .into_iter()
                .collect(),
        ),
    ]);
    assert_eq!(ser.decode_values(doc.as_bytes()).unwrap(), vec![want]);
    let long = "x\u{e9}".repeat(3000);
    assert_eq!(
        ser.decode_values(format!("[\"{long}\"]").as_bytes())
            .unwrap(),
        vec![Value::List(vec![Value::Str(long)])]
    );
    for bad in [
        &b"[\"\xff\"]"[..],
        b"[\"a\xc3\"]",
        b"[\"\xed\xa0\x80\"]",
        b"[1, \xff]",
        br#"["\ud800"]"#,
    ] {
        let got = ser.decode_values(bad);
        assert!(
            matches!(got, Err(DecodeError::Syntax { .. })),
            "{bad:?}: {got:?}"
        );
    }
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
fn ubjson_draft12_known_bytes_and_errors() {
    let ser = Serializer::new(Format::UbjsonDraft12);
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

/// Bytes produced by the `bjdata` 0.6 package (`bjdata.dumpb`), which backs
/// AutobahnPython's and Crossbar.io's "ubjson" serializer.
#[cfg(feature = "ubjson")]
#[test]
fn ubjson_is_bjdata_as_autobahn_python_writes_it() {
    let ser = Serializer::new(Format::Ubjson);
    let cases: &[(&[u8], Value)] = &[
        (b"U\x01", Value::Int(1)),
        (b"U\xc8", Value::Int(200)),
        (b"u,\x01", Value::Int(300)),
        (b"mp\x11\x01\x00", Value::Int(70_000)),
        (b"M\x00\x00\x00\x00\x02\x00\x00\x00", Value::Int(1 << 33)),
        (b"i\xff", Value::Int(-1)),
        (b"I8\xff", Value::Int(-200)),
        (b"l\xc0c\xff\xff", Value::Int(-40_000)),
        (b"D\x00\x00\x00\x00\x00\x00\xf8?", Value::Float(1.5)),
        (b"SU\x03h\xc3\xa9", Value::from("h\u{e9}")),
        (
            b"[$B#U\x03\x01\x02\x03",
            Value::Bytes(bytes::Bytes::from_static(b"\x01\x02\x03")),
        ),
        (
            b"[U\x01U\x02]",
            Value::List(vec![Value::Int(1), Value::Int(2)]),
        ),
        (
            b"{U\x01aU\x01}",
            Value::Dict([("a".to_owned(), Value::Int(1))].into_iter().collect()),
        ),
        (b"Z", Value::Null),
        (b"T", Value::Bool(true)),
        (b"M\xff\xff\xff\xff\xff\xff\xff\xff", Value::UInt(u64::MAX)),
    ];
    for (wire, value) in cases {
        assert_eq!(
            &ser.decode_values(wire).unwrap()[0],
            value,
            "decode {wire:?}"
        );
        let mut out = Vec::new();
        ser.encode_value(value, &mut out).unwrap();
        assert_eq!(&out[..], *wire, "encode {value:?}");
    }
    // Markers only BJData has: byte, float16, and typed arrays of them.
    let one = |b: &[u8]| ser.decode_values(b).map(|mut v| v.remove(0));
    assert_eq!(one(b"B\x07").unwrap(), Value::Int(7));
    assert_eq!(one(b"h\x00\x3c").unwrap(), Value::Float(1.0));
    assert_eq!(one(b"h\x00\xc0").unwrap(), Value::Float(-2.0));
    assert_eq!(
        one(b"[$u#U\x02\x01\x00\x00\x01").unwrap(),
        Value::List(vec![Value::Int(1), Value::Int(256)])
    );
    // Refused with a typed error: N-dimensional and structure-of-arrays containers,
    // zero-width types, a count beyond the input, and draft-12-only readings.
    for bad in [
        &b"[$U#[U\x02U\x02]\x01\x02\x03\x04"[..],
        b"[${U\x01aU}#U\x01\x01",
        b"[$Z#U\x05",
    ] {
        assert!(
            matches!(one(bad), Err(DecodeError::Syntax { .. })),
            "{bad:?}"
        );
    }
    assert!(matches!(
        one(b"[#M\xff\xff\xff\xff\xff\xff\xff\x7fZ"),
        Err(DecodeError::Truncated { .. })
    ));
    assert!(matches!(one(b"Si\xff"), Err(DecodeError::Syntax { .. })));
}

#[cfg(feature = "ubjson")]
#[test]
fn ubjson_dialects_differ_only_where_they_should() {
    let draft12 = Serializer::new(Format::UbjsonDraft12);
    let bjdata = Serializer::new(Format::Ubjson);
    assert_eq!(draft12.subprotocol(), bjdata.subprotocol());
    assert_eq!(Format::UbjsonDraft12.rawsocket_id(), 4);
    assert_eq!(
        Format::from_name("ubjson-draft12"),
        Some(Format::UbjsonDraft12)
    );
    assert_eq!(Format::from_name("ubjson"), Some(Format::Ubjson));
    assert_eq!(Format::from_rawsocket_id(4), Some(Format::Ubjson));
    assert!(!Format::ALL.contains(&Format::UbjsonDraft12));
    // Small values, strings and structure are the same bytes; numbers are not.
    let same = Value::List(vec![Value::Int(7), Value::from("x"), Value::Null]);
    let (mut a, mut b) = (Vec::new(), Vec::new());
    draft12.encode_value(&same, &mut a).unwrap();
    bjdata.encode_value(&same, &mut b).unwrap();
    assert_eq!(a, b);
    let (mut a, mut b) = (Vec::new(), Vec::new());
    draft12.encode_value(&Value::Int(300), &mut a).unwrap();
    bjdata.encode_value(&Value::Int(300), &mut b).unwrap();
    assert_eq!(
        (a.as_slice(), b.as_slice()),
        (&b"I\x01\x2c"[..], &b"u\x2c\x01"[..])
    );
    // BJData-only markers are unknown to draft 12.
    assert!(draft12.decode_values(b"u\x2c\x01").is_err());
}

/// One message decoded alone (no list in between when unbatched) is what `decode` gives;
/// a batch must hold exactly one; errors are the same.
#[cfg(all(feature = "json", feature = "msgpack"))]
#[test]
fn decode_one_is_decode_of_one() {
    use ferrobahn_wamp::message::Publish;
    use ferrobahn_wamp::{Id, Message, Payload};
    let m = Message::Publish(Publish {
        request: Id::new(7).unwrap(),
        topic: "com.topic".into(),
        payload: Payload::Args(vec![Value::Bytes(bytes::Bytes::from_static(b"\x00\xff"))]),
        ..Default::default()
    });
    for ser in [
        Serializer::new(Format::Json),
        Serializer::new(Format::MsgPack),
        Serializer::batched(Format::Json),
        Serializer::batched(Format::MsgPack),
    ] {
        let mut out = Vec::new();
        ser.encode(&m, &mut out).unwrap();
        let data = bytes::Bytes::from(out.clone());
        assert_eq!(ser.decode(&out).unwrap(), vec![m.clone()]);
        assert_eq!(ser.decode_one(&out).unwrap(), m);
        assert_eq!(ser.decode_one_bytes(&data).unwrap(), m);
        let cut = bytes::Bytes::copy_from_slice(&out[..out.len() - 2]);
        assert_eq!(
            ser.decode_one_bytes(&cut).map_err(|e| e.to_string()),
            ser.decode(&cut)
                .map(|_| m.clone())
                .map_err(|e| e.to_string())
        );
        if ser.is_batched() {
            let mut two = out.clone();
            ser.encode(&m, &mut two).unwrap();
            assert!(matches!(
                ser.decode_one_bytes(&bytes::Bytes::from(two)),
                Err(DecodeError::Batch(_))
            ));
        }
    }
}
