//! `Serializer::encode` writes a borrowed message (`Message::write_to`) with exactly the
//! bytes of `encode_value` of its list form, for every message type, payload form, format
//! and batching; the JSON encoder writes what `serde_json` writes.

use std::collections::BTreeSet;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use bytes::Bytes;
use ferrobahn_serializers::{Format, Serializer};
use ferrobahn_wamp::message::{Call, ErrorMessage, Event, Invocation, Publish, ResultMessage};
use ferrobahn_wamp::options::{EventDetails, PublishOptions};
use ferrobahn_wamp::strategy::{arb_dict, arb_message, arb_value};
use ferrobahn_wamp::{Dict, Id, Message, Payload, Value};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;

fn all_serializers() -> Vec<Serializer> {
    let mut formats = Format::ALL.to_vec();
    formats.push(Format::UbjsonDraft12);
    formats
        .into_iter()
        .flat_map(|f| [Serializer::new(f), Serializer::batched(f)])
        .collect()
}

/// `encode(m)` equals `encode_value` of both list forms (copied and moved), alone and
/// appended to a buffer that already holds another message.
fn check(ser: &Serializer, m: &Message) -> Result<(), TestCaseError> {
    let mut borrowed = Vec::new();
    ser.encode(m, &mut borrowed).unwrap();
    let mut copied = Vec::new();
    ser.encode_value(&m.to_value(), &mut copied).unwrap();
    let mut moved = Vec::new();
    ser.encode_value(&m.clone().into_value(), &mut moved)
        .unwrap();
    prop_assert_eq!(&borrowed, &copied, "{} {}", ser.subprotocol(), m.name());
    prop_assert_eq!(&borrowed, &moved, "{} {}", ser.subprotocol(), m.name());
    let mut appended = b"prefix".to_vec();
    ser.encode(m, &mut appended).unwrap();
    prop_assert_eq!(&appended[6..], &borrowed[..], "{}", ser.subprotocol());
    Ok(())
}

fn payload_form(m: &Message) -> Option<&'static str> {
    let p = match m {
        Message::Publish(x) => &x.payload,
        Message::Event(x) => &x.payload,
        Message::Call(x) => &x.payload,
        Message::Result(x) => &x.payload,
        Message::Invocation(x) => &x.payload,
        Message::Yield(x) => &x.payload,
        Message::Error(x) => &x.payload,
        _ => return None,
    };
    Some(match p {
        Payload::Empty => "empty",
        Payload::Args(_) => "args",
        Payload::ArgsKwargs(..) => "args+kwargs",
        Payload::Transparent(_) => "transparent",
    })
}

/// A fixed, seeded corpus of generated messages: every one of the 24 message types, and
/// every payload form of the 7 that carry one, is checked in every serializer.
#[test]
fn every_message_type_and_payload_form_in_every_serializer() {
    let mut runner = TestRunner::deterministic();
    let strategy = arb_message();
    let (mut codes, mut forms) = (BTreeSet::new(), BTreeSet::new());
    for _ in 0..3_000 {
        let m = strategy.new_tree(&mut runner).unwrap().current();
        for ser in all_serializers() {
            check(&ser, &m).unwrap();
        }
        codes.insert(m.code());
        if let Some(form) = payload_form(&m) {
            forms.insert((m.code(), form));
        }
    }
    assert_eq!(codes.len(), 24, "message types seen: {codes:?}");
    assert_eq!(forms.len(), 7 * 4, "payload forms seen: {forms:?}");
}

/// Messages with deep, mixed payloads: lists, dicts, bytes, floats, unicode, integers
/// above `i64::MAX` and below zero.
fn arb_payload_message() -> impl Strategy<Value = Message> {
    let id = || (0..=ferrobahn_wamp::MAX_ID).prop_map(|v| Id::new(v).unwrap_or_default());
    let payload = prop_oneof![
        Just(Payload::Empty),
        proptest::collection::vec(arb_value(5), 0..5).prop_map(Payload::Args),
        (proptest::collection::vec(arb_value(4), 0..4), arb_dict(4))
            .prop_map(|(a, k)| Payload::ArgsKwargs(a, k)),
    ];
    (0..5usize, id(), id(), payload).prop_map(|(kind, a, b, payload)| match kind {
        0 => Message::from(Event {
            subscription: a,
            publication: b,
            payload,
            ..Default::default()
        }),
        1 => Message::from(ResultMessage {
            request: a,
            payload,
            ..Default::default()
        }),
        2 => Message::from(Invocation {
            request: a,
            registration: b,
            payload,
            ..Default::default()
        }),
        3 => Message::from(Call {
            request: a,
            procedure: "com.example.ünïcode".into(),
            payload,
            ..Default::default()
        }),
        _ => Message::from(ErrorMessage {
            request_type: 48,
            request: a,
            error: "com.example.error".into(),
            payload,
            ..Default::default()
        }),
    })
}

/// The JSON text `serde_json` writes for `v` (bytes as `"\0" + base64`).
fn serde_json_of(v: &Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        Value::Null => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Int(i) => J::from(*i),
        Value::UInt(u) => J::from(*u),
        Value::Float(f) => J::from(*f),
        Value::Str(s) => J::String(s.clone()),
        Value::Bytes(b) => J::String(format!("\0{}", STANDARD.encode(b))),
        Value::List(l) => J::Array(l.iter().map(serde_json_of).collect()),
        Value::Dict(d) => J::Object(
            d.iter()
                .map(|(k, x)| (k.clone(), serde_json_of(x)))
                .collect(),
        ),
    }
}

/// Strings heavy in what JSON escapes: quotes, backslashes, every control byte, DEL,
/// multi-byte characters, long plain runs.
fn arb_text() -> impl Strategy<Value = String> {
    let ch = prop_oneof![
        4 => any::<char>(),
        2 => proptest::sample::select(vec!['"', '\\', '/', '\u{7f}', 'é', '€', '😀']),
        2 => (0u8..0x20).prop_map(char::from),
        4 => Just('a'),
    ];
    proptest::collection::vec(ch, 0..80).prop_map(String::from_iter)
}

/// Unknown keys that sort before, between and after the known keys of
/// `PublishOptions`, and known keys themselves (as a peer's `null` is kept in `extra`).
fn arb_extra_keys() -> impl Strategy<Value = Dict> {
    let key = prop_oneof![
        "[a-z_]{1,10}",
        proptest::sample::select(vec![
            "acknowledge",
            "exclude",
            "exclude_me",
            "eligible",
            "retain",
            "disclose_me",
            "enc_algo",
            "forward_for",
            "x_acknowledged_delivery",
        ])
        .prop_map(String::from),
    ];
    let value = prop_oneof![Just(Value::Null), arb_value(1)];
    proptest::collection::btree_map(key, value, 0..8)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn options_merge_known_and_unknown_keys_in_order(
        options in PublishOptions::arb(),
        extra in arb_extra_keys(),
        details in EventDetails::arb(),
        more in arb_extra_keys(),
    ) {
        let mut options = options;
        options.extra = extra;
        let mut details = details;
        details.extra = more;
        let publish = Message::from(Publish {
            request: Id::new(3).unwrap(),
            options: options.into(),
            topic: "com.example.topic".into(),
            payload: Payload::Args(vec![Value::Int(1)]),
        });
        let event = Message::from(Event {
            details: details.into(),
            ..Default::default()
        });
        for ser in all_serializers() {
            check(&ser, &publish)?;
            check(&ser, &event)?;
        }
    }

    #[test]
    fn generated_messages_encode_as_their_list_form(m in arb_message()) {
        for ser in all_serializers() {
            check(&ser, &m)?;
        }
    }

    #[test]
    fn nested_payloads_encode_as_their_list_form(m in arb_payload_message()) {
        for ser in all_serializers() {
            check(&ser, &m)?;
        }
    }

    #[test]
    fn batches_of_borrowed_messages_are_batches_of_list_forms(
        msgs in proptest::collection::vec(arb_payload_message(), 1..5),
    ) {
        for ser in all_serializers().into_iter().filter(Serializer::is_batched) {
            let (mut borrowed, mut copied) = (Vec::new(), Vec::new());
            for m in &msgs {
                ser.encode(m, &mut borrowed).unwrap();
                ser.encode_value(&m.to_value(), &mut copied).unwrap();
            }
            prop_assert_eq!(&borrowed, &copied, "{}", ser.subprotocol());
            prop_assert_eq!(&ser.decode(&borrowed).unwrap(), &msgs);
        }
    }

    #[test]
    fn json_values_are_what_serde_json_writes(v in arb_value(6)) {
        let mut ours = Vec::new();
        Serializer::new(Format::Json).encode_value(&v, &mut ours).unwrap();
        let theirs = serde_json::to_vec(&serde_json_of(&v)).unwrap();
        prop_assert_eq!(String::from_utf8_lossy(&ours), String::from_utf8_lossy(&theirs));
    }

    #[test]
    fn json_strings_escape_as_serde_json(s in arb_text(), key in arb_text()) {
        let mut d = Dict::new();
        d.insert(key, Value::from(s.as_str()));
        let v = Value::List(vec![Value::from(s.as_str()), Value::Dict(d)]);
        let mut ours = Vec::new();
        Serializer::new(Format::Json).encode_value(&v, &mut ours).unwrap();
        let theirs = serde_json::to_vec(&serde_json_of(&v)).unwrap();
        prop_assert_eq!(String::from_utf8_lossy(&ours), String::from_utf8_lossy(&theirs));
        let m = Message::from(Publish {
            request: Id::new(1).unwrap(),
            topic: "com.example.topic".into(),
            payload: Payload::Args(vec![Value::from(s.as_str())]),
            ..Default::default()
        });
        for ser in all_serializers() {
            check(&ser, &m)?;
        }
    }
}

#[test]
fn json_edge_values() {
    let ser = Serializer::new(Format::Json);
    let cases: &[(Value, &str)] = &[
        (Value::Int(i64::MIN), "-9223372036854775808"),
        (Value::UInt(u64::MAX), "18446744073709551615"),
        (Value::Float(0.1), "0.1"),
        (Value::Float(-1e300), "-1e+300"),
        (Value::Float(2.0), "2.0"),
        (
            Value::from("\u{0}\u{1f}\"\\\u{8}\u{c}\n\r\t\u{7f}é"),
            r#""\u0000\u001f\"\\\b\f\n\r\t"#,
        ),
        (Value::Bytes(Bytes::new()), r#""\u0000""#),
        (Value::List(vec![]), "[]"),
        (Value::Dict(Dict::new()), "{}"),
    ];
    for (v, want) in cases {
        let mut out = Vec::new();
        ser.encode_value(v, &mut out).unwrap();
        let theirs = serde_json::to_string(&serde_json_of(v)).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), theirs, "{v:?}");
        assert!(theirs.starts_with(want), "{theirs} vs {want}");
    }
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let m = Message::from(Event {
            payload: Payload::Args(vec![Value::Float(bad)]),
            ..Default::default()
        });
        assert!(ser.encode(&m, &mut Vec::new()).is_err());
        assert!(ser
            .encode_value(&Value::Float(bad), &mut Vec::new())
            .is_err());
    }
}

/// Long plain runs with one byte to escape at every position, and multi-byte characters
/// across block boundaries: the block scan skips nothing it should escape.
#[test]
fn json_escapes_at_every_position_of_long_strings() {
    let ser = Serializer::new(Format::Json);
    let mut out = Vec::new();
    for len in 0..150 {
        for at in 0..=len {
            for special in ['"', '\\', '\n', '\u{1}', '\u{1f}', 'é', '😀'] {
                let s: String = (0..len)
                    .map(|i| if i == at { special } else { 'a' })
                    .collect();
                out.clear();
                ser.encode_value(&Value::from(s.as_str()), &mut out)
                    .unwrap();
                assert_eq!(out, serde_json::to_vec(&s).unwrap(), "{s:?}");
            }
        }
    }
}
