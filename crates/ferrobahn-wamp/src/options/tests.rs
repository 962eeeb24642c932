use super::*;
use crate::roles::{feature, Role, RoleFeatures, Roles};

#[test]
fn unknown_keys_are_kept() {
    let mut d = Dict::new();
    d.insert("acknowledge".into(), Value::Bool(true));
    d.insert("exclude".into(), Value::List(vec![Value::Int(3)]));
    d.insert("com.vendor.flag".into(), Value::from("x"));
    let o = PublishOptions::from_dict(d.clone()).unwrap();
    assert_eq!(o.acknowledge, Some(true));
    assert_eq!(o.exclude, Some(vec![Id::new(3).unwrap()]));
    assert_eq!(o.extra.len(), 1);
    assert_eq!(o.to_dict(), d);
}

#[test]
fn wrong_types_name_the_key() {
    let d = Dict::from([("exclude".to_owned(), Value::List(vec![Value::from("s")]))]);
    let e = PublishOptions::from_dict(d).unwrap_err();
    assert_eq!(e.key, "exclude");
    let d = Dict::from([("invoke".to_owned(), Value::from("everyone"))]);
    let e = RegisterOptions::from_dict(d).unwrap_err();
    assert_eq!(e.key, "invoke");
    assert_eq!(e.got, "\"everyone\"");
    let d = Dict::from([("timeout".to_owned(), Value::Int(-1))]);
    assert_eq!(CallOptions::from_dict(d).unwrap_err().got, "-1");
    let d = Dict::from([("publisher".to_owned(), Value::from(crate::id::MAX_ID + 1))]);
    assert!(EventDetails::from_dict(d).is_err());
}

#[test]
fn roles_and_features() {
    let mut roles = Roles::default();
    assert!(!roles.has_any());
    roles.set(
        Role::Callee,
        RoleFeatures::with_features([feature::SHARED_REGISTRATION, feature::CALL_CANCELING]),
    );
    let back = Roles::from_dict(roles.to_dict()).unwrap();
    let callee = back.get(Role::Callee).unwrap();
    assert!(callee.has(feature::SHARED_REGISTRATION));
    assert!(!callee.has(feature::EVENT_HISTORY));
    assert!(back.get(Role::Caller).is_none());
    assert_eq!(Role::Broker.as_str(), "broker");
}

#[test]
fn null_known_keys_read_as_absent_and_round_trip() {
    let d = Dict::from([
        ("channel_binding".to_owned(), Value::Null),
        ("challenge".to_owned(), Value::from("00")),
    ]);
    let e = ChallengeExtra::from_dict(d.clone()).unwrap();
    assert_eq!(e.channel_binding, None);
    assert_eq!(e.challenge.as_deref(), Some("00"));
    assert_eq!(e.to_dict(), d);
    // Setting the field later wins over the kept null.
    let mut e = e;
    e.channel_binding = Some("tls-unique".into());
    assert_eq!(e.to_dict()["channel_binding"], Value::from("tls-unique"));
}
