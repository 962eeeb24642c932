//! proptest strategies for values and every message (feature `proptest`).
//!
//! Generated messages are valid: they decode back to themselves from their list form.
//! Strings never start with `"\0"` (JSON's binary convention would read them as bytes) and
//! floats are finite (JSON has no NaN or infinity).

use bytes::Bytes;
use proptest::collection::{btree_map, vec};
use proptest::prelude::*;

use crate::error::error_uri;
use crate::id::{Id, MAX_ID};
use crate::message::*;
use crate::options::*;
use crate::payload::Payload;
use crate::roles::{RoleFeatures, Roles};
use crate::value::{Dict, Value};

/// Short strings, any Unicode, never starting with NUL.
pub fn arb_string() -> impl Strategy<Value = String> {
    "[^\u{0}][^\u{0}]{0,12}|".prop_map(String::from)
}

/// Any value; `depth` bounds list/dict nesting.
pub fn arb_value(depth: u32) -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::Int),
        ((i64::MAX as u64 + 1)..=u64::MAX).prop_map(Value::UInt),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::Float),
        arb_string().prop_map(Value::Str),
        vec(any::<u8>(), 0..24).prop_map(|b| Value::Bytes(Bytes::from(b))),
    ];
    leaf.prop_recursive(depth, 24, 4, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..4).prop_map(Value::List),
            btree_map(arb_string(), inner, 0..4).prop_map(Value::Dict),
        ]
    })
}

/// A dictionary of values nested at most `depth` deep.
pub fn arb_dict(depth: u32) -> impl Strategy<Value = Dict> {
    btree_map(arb_string(), arb_value(depth), 0..3)
}

/// Unknown option keys (prefixed `x_test_`, so they never collide with known keys).
pub fn arb_extra() -> impl Strategy<Value = Dict> {
    btree_map("x_test_[a-z]{1,6}", arb_value(1), 0..2)
}

/// A strict URI of one to four components.
pub fn arb_uri() -> impl Strategy<Value = String> {
    vec("[a-z_][a-z0-9_]{0,6}", 1..5).prop_map(|c| c.join("."))
}

/// Any valid ID.
pub fn arb_id() -> impl Strategy<Value = Id> {
    prop_oneof![Just(0), Just(MAX_ID), 0..=MAX_ID].prop_map(|v| Id::new(v).unwrap_or_default())
}

/// A payload (transparent payloads are bytes).
pub fn arb_payload() -> impl Strategy<Value = Payload> {
    prop_oneof![
        Just(Payload::Empty),
        vec(arb_value(2), 0..4).prop_map(Payload::Args),
        (vec(arb_value(2), 0..4), arb_dict(2)).prop_map(|(a, k)| Payload::ArgsKwargs(a, k)),
        vec(any::<u8>(), 0..32).prop_map(|b| Payload::Transparent(Value::Bytes(b.into()))),
    ]
}

fn fix_transparent(payload: &Payload, enc_algo: &mut Option<String>) {
    if matches!(payload, Payload::Transparent(_)) && enc_algo.is_none() {
        *enc_algo = Some("cryptobox".to_owned());
    }
}

fn with_role(roles: Option<Roles>) -> Option<Roles> {
    let mut roles = roles.unwrap_or_default();
    if !roles.has_any() {
        roles.caller = Some(RoleFeatures::with_features(["call_canceling"]));
    }
    Some(roles)
}

fn arb_session() -> impl Strategy<Value = Message> {
    prop_oneof![
        (arb_uri(), HelloDetails::arb()).prop_map(|(realm, mut details)| {
            details.roles = with_role(details.roles.take());
            Message::from(Hello {
                realm,
                details: details.into(),
            })
        }),
        (arb_id(), WelcomeDetails::arb()).prop_map(|(session, mut details)| {
            details.roles = with_role(details.roles.take());
            Message::from(Welcome {
                session,
                details: details.into(),
            })
        }),
        (CloseDetails::arb(), arb_uri())
            .prop_map(|(details, reason)| Message::from(Abort { details, reason })),
        (arb_string(), ChallengeExtra::arb()).prop_map(|(method, extra)| Message::from(
            Challenge {
                method,
                extra: extra.into(),
            }
        )),
        (arb_string(), AuthenticateExtra::arb()).prop_map(|(signature, extra)| Message::from(
            Authenticate {
                signature,
                extra: extra.into(),
            }
        )),
        (CloseDetails::arb(), arb_uri())
            .prop_map(|(details, reason)| Message::from(Goodbye { details, reason })),
        (
            proptest::sample::select(vec![16u64, 32, 34, 48, 64, 66, 68]),
            arb_id(),
            ErrorDetails::arb(),
            prop_oneof![arb_uri(), Just(error_uri::INVALID_URI.to_owned())],
            arb_payload()
        )
            .prop_map(|(request_type, request, mut details, error, payload)| {
                fix_transparent(&payload, &mut details.enc_algo);
                Message::from(ErrorMessage {
                    request_type,
                    request,
                    details: details.into(),
                    error,
                    payload,
                })
            }),
    ]
}

fn arb_pubsub() -> impl Strategy<Value = Message> {
    prop_oneof![
        (arb_id(), PublishOptions::arb(), arb_uri(), arb_payload()).prop_map(
            |(request, mut options, topic, payload)| {
                fix_transparent(&payload, &mut options.enc_algo);
                Message::from(Publish {
                    request,
                    options: options.into(),
                    topic,
                    payload,
                })
            }
        ),
        (arb_id(), arb_id()).prop_map(|(request, publication)| Message::from(Published {
            request,
            publication
        })),
        (arb_id(), SubscribeOptions::arb(), arb_uri()).prop_map(|(request, options, topic)| {
            Message::from(Subscribe {
                request,
                options,
                topic,
            })
        }),
        (arb_id(), arb_id()).prop_map(|(request, subscription)| Message::from(Subscribed {
            request,
            subscription
        })),
        (
            arb_id(),
            arb_id(),
            proptest::option::of(UnsubscribeOptions::arb())
        )
            .prop_map(
                |(request, subscription, options)| Message::from(Unsubscribe {
                    request,
                    subscription,
                    options
                })
            ),
        (arb_id(), proptest::option::of(UnsubscribedDetails::arb()))
            .prop_map(|(request, details)| Message::from(Unsubscribed { request, details })),
        (arb_id(), arb_id(), EventDetails::arb(), arb_payload()).prop_map(
            |(subscription, publication, mut details, payload)| {
                fix_transparent(&payload, &mut details.enc_algo);
                Message::from(Event {
                    subscription,
                    publication,
                    details: details.into(),
                    payload,
                })
            }
        ),
    ]
}

fn arb_rpc() -> impl Strategy<Value = Message> {
    prop_oneof![
        (arb_id(), CallOptions::arb(), arb_uri(), arb_payload()).prop_map(
            |(request, mut options, procedure, payload)| {
                fix_transparent(&payload, &mut options.enc_algo);
                Message::from(Call {
                    request,
                    options: options.into(),
                    procedure,
                    payload,
                })
            }
        ),
        (arb_id(), CancelOptions::arb())
            .prop_map(|(request, options)| Message::from(Cancel { request, options })),
        (arb_id(), ResultDetails::arb(), arb_payload()).prop_map(
            |(request, mut details, payload)| {
                fix_transparent(&payload, &mut details.enc_algo);
                Message::from(ResultMessage {
                    request,
                    details: details.into(),
                    payload,
                })
            }
        ),
        (arb_id(), RegisterOptions::arb(), arb_uri()).prop_map(|(request, options, procedure)| {
            Message::from(Register {
                request,
                options: options.into(),
                procedure,
            })
        }),
        (arb_id(), arb_id()).prop_map(|(request, registration)| Message::from(Registered {
            request,
            registration
        })),
        (
            arb_id(),
            arb_id(),
            proptest::option::of(UnregisterOptions::arb())
        )
            .prop_map(
                |(request, registration, options)| Message::from(Unregister {
                    request,
                    registration,
                    options
                })
            ),
        (arb_id(), proptest::option::of(UnregisteredDetails::arb()))
            .prop_map(|(request, details)| Message::from(Unregistered { request, details })),
        (arb_id(), arb_id(), InvocationDetails::arb(), arb_payload()).prop_map(
            |(request, registration, mut details, payload)| {
                fix_transparent(&payload, &mut details.enc_algo);
                Message::from(Invocation {
                    request,
                    registration,
                    details: details.into(),
                    payload,
                })
            }
        ),
        (arb_id(), InterruptOptions::arb())
            .prop_map(|(request, options)| Message::from(Interrupt { request, options })),
        (arb_id(), YieldOptions::arb(), arb_payload()).prop_map(
            |(request, mut options, payload)| {
                fix_transparent(&payload, &mut options.enc_algo);
                Message::from(Yield {
                    request,
                    options: options.into(),
                    payload,
                })
            }
        ),
    ]
}

/// Any valid message of any of the 24 types.
pub fn arb_message() -> impl Strategy<Value = Message> {
    prop_oneof![arb_session(), arb_pubsub(), arb_rpc()]
}
