use super::*;
use crate::error::OptionError;
use crate::id::{Id, MAX_ID};
use crate::options::{CallOptions, CancelMode};
use crate::payload::Payload;
use crate::uri::{MatchPolicy, UriCheck, UriError};
use crate::value::{Dict, Value};

fn v<T: Into<Value>>(x: T) -> Value {
    x.into()
}

fn list(items: Vec<Value>) -> Value {
    Value::List(items)
}

fn dict(entries: &[(&str, Value)]) -> Value {
    Value::Dict(
        entries
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect(),
    )
}

fn roles() -> Value {
    dict(&[(
        "caller",
        dict(&[("features", dict(&[("call_timeout", v(true))]))]),
    )])
}

#[test]
fn call_with_options_and_unknown_keys() {
    let wire = list(vec![
        v(48),
        v(7),
        dict(&[
            ("timeout", v(1000)),
            ("receive_progress", v(true)),
            ("x_vendor", v("kept")),
        ]),
        v("com.example.add2"),
        list(vec![v(2), v(3)]),
        dict(&[("k", v(1.5))]),
    ]);
    let Message::Call(call) = Message::from_value(wire.clone()).unwrap() else {
        panic!("not a CALL")
    };
    assert_eq!(call.request, Id::new(7).unwrap());
    assert_eq!(call.options.timeout, Some(1000));
    assert_eq!(call.options.receive_progress, Some(true));
    assert_eq!(call.options.extra["x_vendor"], v("kept"));
    assert_eq!(call.payload.args(), &[v(2), v(3)]);
    assert_eq!(Message::Call(call).to_value(), wire);
}

#[test]
fn revocations_and_optional_elements() {
    let w = list(vec![
        v(35),
        v(0),
        dict(&[("subscription", v(5)), ("reason", v("wamp.error.x"))]),
    ]);
    let m = Message::from_value(w.clone()).unwrap();
    let Message::Unsubscribed(u) = &m else {
        panic!()
    };
    assert_eq!(u.request, Id::ZERO);
    assert_eq!(u.details.as_ref().unwrap().subscription, Id::new(5));
    assert_eq!(m.to_value(), w);
    let w = list(vec![v(66), v(1), v(2)]);
    assert_eq!(Message::from_value(w.clone()).unwrap().to_value(), w);
}

#[test]
fn hello_needs_roles() {
    let ok = list(vec![v(1), v("realm1"), dict(&[("roles", roles())])]);
    assert_eq!(Message::from_value(ok).unwrap().name(), "HELLO");
    let bad = list(vec![v(1), v("realm1"), dict(&[])]);
    assert!(matches!(
        Message::from_value(bad),
        Err(WampError::Invalid {
            message: "HELLO",
            ..
        })
    ));
}

#[test]
fn hello_with_roles_announces_them_without_features() {
    use crate::roles::Role;
    let hello = Hello::with_roles(
        "realm1",
        [Role::Publisher, Role::Callee].into_iter().collect(),
    );
    let wire = list(vec![
        v(1),
        v("realm1"),
        dict(&[(
            "roles",
            dict(&[("publisher", dict(&[])), ("callee", dict(&[]))]),
        )]),
    ]);
    assert_eq!(Message::Hello(hello.clone()).to_value(), wire);
    assert_eq!(Message::from_value(wire).unwrap(), Message::Hello(hello));
}

#[test]
fn transparent_payload_only_with_enc_algo() {
    let blob = Value::Bytes(bytes::Bytes::from_static(b"\x01\x02"));
    let with = list(vec![
        v(16),
        v(1),
        dict(&[("enc_algo", v("cryptobox"))]),
        v("t"),
        blob.clone(),
    ]);
    let m = Message::from_value(with.clone()).unwrap();
    let Message::Publish(p) = &m else { panic!() };
    assert_eq!(p.payload, Payload::Transparent(blob.clone()));
    assert_eq!(m.to_value(), with);
    let without = list(vec![v(16), v(1), dict(&[]), v("t"), blob]);
    assert!(matches!(
        Message::from_value(without),
        Err(WampError::WrongType { field: "args", .. })
    ));
}

#[test]
fn pattern_topics_follow_match_policy() {
    let sub = |policy: &str, topic: &str| {
        Message::from_value(list(vec![
            v(32),
            v(1),
            dict(&[("match", v(policy))]),
            v(topic),
        ]))
    };
    assert!(sub("wildcard", "com..update").is_ok());
    assert!(sub("prefix", "com.app.").is_ok());
    assert!(sub("exact", "com..update").is_err());
    assert!(matches!(
        sub("glob", "com"),
        Err(WampError::InvalidOption {
            source: OptionError { key: "match", .. },
            ..
        })
    ));
}

#[test]
fn bad_input_gives_typed_errors() {
    type Check = fn(&WampError) -> bool;
    let cases: Vec<(Value, Check)> = vec![
        (v(5), |e| matches!(e, WampError::NotAList("integer"))),
        (list(vec![]), |e| matches!(e, WampError::Empty)),
        (list(vec![v("x")]), |e| {
            matches!(e, WampError::InvalidMessageType("string"))
        }),
        (list(vec![v(7)]), |e| {
            matches!(e, WampError::UnknownMessageType(7))
        }),
        (list(vec![v(48), v(1), dict(&[])]), |e| {
            matches!(
                e,
                WampError::WrongLength {
                    message: "CALL",
                    len: 3,
                    ..
                }
            )
        }),
        (list(vec![v(48), v(-1), dict(&[]), v("a")]), |e| {
            matches!(
                e,
                WampError::IdOutOfRange {
                    field: "request",
                    ..
                }
            )
        }),
        (list(vec![v(48), v(MAX_ID + 1), dict(&[]), v("a")]), |e| {
            matches!(e, WampError::IdOutOfRange { .. })
        }),
        (list(vec![v(48), v(1.5), dict(&[]), v("a")]), |e| {
            matches!(
                e,
                WampError::WrongType {
                    field: "request",
                    got: "float",
                    ..
                }
            )
        }),
        (list(vec![v(48), v(1), dict(&[]), v("a b")]), |e| {
            matches!(
                e,
                WampError::InvalidUri {
                    field: "procedure",
                    ..
                }
            )
        }),
        (
            list(vec![v(48), v(1), dict(&[("timeout", v("soon"))]), v("a")]),
            |e| {
                matches!(
                    e,
                    WampError::InvalidOption {
                        message: "CALL",
                        ..
                    }
                )
            },
        ),
        (list(vec![v(48), v(1), v(2), v("a")]), |e| {
            matches!(
                e,
                WampError::WrongType {
                    field: "options",
                    ..
                }
            )
        }),
        (
            list(vec![v(48), v(1), dict(&[]), v("a"), list(vec![]), v(3)]),
            |e| {
                matches!(
                    e,
                    WampError::WrongType {
                        field: "kwargs",
                        ..
                    }
                )
            },
        ),
        (list(vec![v(8), v(2), v(1), dict(&[]), v("e")]), |e| {
            matches!(
                e,
                WampError::Invalid {
                    message: "ERROR",
                    ..
                }
            )
        }),
    ];
    for (input, check) in cases {
        let err = Message::from_value(input.clone()).unwrap_err();
        assert!(check(&err), "{input}: unexpected {err:?}");
        assert!(!err.to_string().is_empty());
    }
}

#[test]
fn error_uris_for_router_replies() {
    let e = Message::from_value(list(vec![v(64), v(1), dict(&[]), v("a..b")])).unwrap_err();
    assert_eq!(e.error_uri(), "wamp.error.invalid_uri");
    let e = Message::from_value(list(vec![v(64)])).unwrap_err();
    assert_eq!(e.error_uri(), "wamp.error.protocol_violation");
}

#[test]
fn strict_check_is_opt_in() {
    let w = list(vec![v(48), v(1), dict(&[]), v("com.Example")]);
    assert!(Message::from_value(w.clone()).is_ok());
    assert!(matches!(
        Message::from_value_with(w, UriCheck::Strict),
        Err(WampError::InvalidUri {
            source: UriError::InvalidChar { ch: 'E', .. },
            ..
        })
    ));
}

#[test]
fn typed_options_build_the_wire_dict() {
    let opts = CallOptions {
        timeout: Some(5),
        extra: Dict::from([("x".to_owned(), Value::Null)]),
        ..Default::default()
    };
    let d = opts.to_dict();
    assert_eq!(d.len(), 2);
    assert_eq!(CallOptions::from_dict(d).unwrap(), opts);
    assert_eq!(
        CancelMode::parse("killnowait"),
        Some(CancelMode::KillNoWait)
    );
    assert_eq!(MatchPolicy::Wildcard.as_str(), "wildcard");
}

mod props {
    use proptest::prelude::*;

    use crate::message::{Element, ElementSink};
    use crate::strategy::{arb_message, arb_value};
    use crate::Message;

    /// Records what a message lends, failing on element `fail_at` if set, and checks
    /// the call order and each dictionary's announced length and key order.
    #[derive(Default)]
    struct Record {
        begun: Option<usize>,
        items: Vec<crate::Value>,
        ended: bool,
        fail_at: Option<usize>,
        /// The dictionary being lent: announced length, entries, the next entry's key.
        dict: Option<(usize, crate::Dict, Option<String>)>,
    }

    impl Record {
        fn next_item(&mut self) -> Result<(), ()> {
            assert!(self.begun.is_some() && !self.ended);
            if self.fail_at == Some(self.items.len()) {
                return Err(());
            }
            Ok(())
        }
    }

    impl ElementSink for Record {
        type Error = ();
        fn begin(&mut self, len: usize) -> Result<(), ()> {
            assert!(self.begun.replace(len).is_none(), "begun twice");
            Ok(())
        }
        fn element(&mut self, e: Element<'_>) -> Result<(), ()> {
            if let Some((_, d, key)) = &mut self.dict {
                let key = key.take().expect("a dictionary value without its key");
                assert!(
                    d.keys().next_back().is_none_or(|last| *last < key),
                    "key order"
                );
                d.insert(key, e.to_value());
                return Ok(());
            }
            self.next_item()?;
            self.items.push(e.to_value());
            Ok(())
        }
        fn begin_dict(&mut self, len: usize) -> Result<(), ()> {
            assert!(self.dict.is_none(), "nested begin_dict");
            self.next_item()?;
            self.dict = Some((len, crate::Dict::new(), None));
            Ok(())
        }
        fn key(&mut self, key: &str) -> Result<(), ()> {
            let (_, _, k) = self.dict.as_mut().expect("a key outside a dictionary");
            assert!(k.replace(key.to_owned()).is_none(), "two keys in a row");
            Ok(())
        }
        fn end_dict(&mut self) -> Result<(), ()> {
            let (len, d, key) = self.dict.take().expect("end_dict without begin_dict");
            assert!(key.is_none(), "a key without its value");
            assert_eq!(len, d.len(), "announced dictionary length");
            self.items.push(crate::Value::Dict(d));
            Ok(())
        }
        fn end(&mut self) -> Result<(), ()> {
            assert!(self.dict.is_none());
            self.ended = true;
            Ok(())
        }
    }

    proptest! {
        #[test]
        fn every_message_round_trips_through_value(m in arb_message()) {
            let wire = m.to_value();
            let back = Message::from_value(wire.clone()).unwrap();
            prop_assert_eq!(&back, &m);
            prop_assert_eq!(back.to_value(), wire);
        }

        #[test]
        fn into_list_is_to_value_without_copies(m in arb_message()) {
            let wire = m.to_value();
            prop_assert_eq!(m.clone().into_value(), wire.clone());
            let mut out = vec![crate::Value::Null];
            m.into_list(&mut out);
            prop_assert_eq!(crate::Value::List(out[1..].to_vec()), wire);
        }

        #[test]
        fn write_to_lends_the_list_form_with_its_length(m in arb_message()) {
            let mut sink = Record::default();
            m.write_to(&mut sink).unwrap();
            prop_assert_eq!(sink.begun, Some(sink.items.len()));
            prop_assert!(sink.ended);
            prop_assert_eq!(crate::Value::List(sink.items), m.clone().into_value());
        }

        #[test]
        fn a_sink_error_stops_writing(m in arb_message(), at in 0usize..8) {
            let mut sink = Record { fail_at: Some(at), ..Default::default() };
            let r = m.write_to(&mut sink);
            let len = sink.begun.unwrap_or_default();
            prop_assert_eq!(r.is_err(), at < len);
            prop_assert_eq!(sink.items.len(), at.min(len));
            prop_assert_eq!(sink.ended, at >= len);
        }

        #[test]
        fn garbage_never_panics(v in arb_value(4)) {
            let _ = Message::from_value(v);
        }

        #[test]
        fn garbage_with_a_valid_code_never_panics(
            code in proptest::sample::select(vec![1u64, 2, 3, 4, 5, 6, 8, 16, 17, 32, 33, 34, 35,
                36, 48, 49, 50, 64, 65, 66, 67, 68, 69, 70]),
            rest in proptest::collection::vec(arb_value(2), 0..7),
        ) {
            let mut l = vec![crate::Value::from(code)];
            l.extend(rest);
            let _ = Message::from_value(crate::Value::List(l));
        }
    }
}

#[test]
fn null_args_with_kwargs_read_as_empty_args() {
    let w = list(vec![
        v(48),
        v(1),
        dict(&[]),
        v("p"),
        Value::Null,
        dict(&[("k", v(1))]),
    ]);
    let Message::Call(c) = Message::from_value(w).unwrap() else {
        panic!("not a CALL")
    };
    assert_eq!(c.payload.args(), &[] as &[Value]);
    assert_eq!(c.payload.kwargs().unwrap()["k"], v(1));
}
