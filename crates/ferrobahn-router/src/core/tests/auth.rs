//! WAMP-CRA (plain and salted) and WAMP-Cryptosign authentication.

use std::collections::BTreeMap;

use ed25519_dalek::{Signer, SigningKey};
use ferrobahn_wamp::message::*;
use ferrobahn_wamp::{error_uri, Dict, Message, Value};

use super::*;
use crate::config::{CraPrincipal, CryptosignPrincipal, RealmConfig};
use crate::core::auth::crypto::{cra_key, cra_sign, hex, unhex};

fn config() -> RouterConfig {
    let mut realm = RealmConfig::permissive("realm1");
    realm.auth.anonymous = None;
    let mut cra = BTreeMap::new();
    cra.insert(
        "joe".to_owned(),
        CraPrincipal {
            secret: "secret1".into(),
            role: "anonymous".into(),
            ..Default::default()
        },
    );
    cra.insert(
        "peter".to_owned(),
        CraPrincipal {
            secret: "secret2".into(),
            role: "anonymous".into(),
            salt: Some("salt123".into()),
            iterations: 100,
            keylen: 16,
        },
    );
    realm.auth.wampcra = Some(cra);
    let mut cs = BTreeMap::new();
    let pk = SigningKey::from_bytes(&[7; 32]).verifying_key();
    cs.insert(
        "alice".to_owned(),
        CryptosignPrincipal {
            authorized_keys: vec![hex(pk.as_bytes())],
            role: "anonymous".into(),
        },
    );
    realm.auth.cryptosign = Some(cs);
    RouterConfig {
        realms: vec![realm],
        ..RouterConfig::default()
    }
}

fn hello_with(method: &str, authid: Option<&str>, extra: Option<Dict>) -> Message {
    let Message::Hello(mut h) = hello("realm1") else {
        unreachable!()
    };
    h.details.authmethods = Some(vec![method.into()]);
    h.details.authid = authid.map(str::to_owned);
    h.details.authextra = extra;
    Message::Hello(h)
}

fn challenge(out: &[Out]) -> Challenge {
    match out {
        [Out::Msg(_, Message::Challenge(c))] => c.clone(),
        other => panic!("expected CHALLENGE, got {other:?}"),
    }
}

fn authenticate(h: &mut Harness, c: ConnId, signature: String) -> Vec<Out> {
    h.send(
        c,
        Authenticate {
            signature,
            ..Default::default()
        },
    )
}

#[test]
fn wampcra_plain_and_salted() {
    let mut h = Harness::with_config(config());
    // Plain secret.
    let c = h.attach();
    let ch = challenge(&h.send(c, hello_with("wampcra", Some("joe"), None)));
    assert_eq!(ch.method, "wampcra");
    assert_eq!(ch.extra.salt, None);
    let text = ch.extra.challenge.clone().unwrap();
    let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(parsed["authid"], "joe");
    let out = authenticate(&mut h, c, cra_sign(&cra_key("secret1", None), &text));
    assert!(
        matches!(out.as_slice(), [Out::Msg(_, Message::Welcome(w))] if w.details.authmethod.as_deref() == Some("wampcra")),
        "{out:?}"
    );
    // Salted secret: the client derives its key from the announced parameters.
    let c = h.attach();
    let ch = challenge(&h.send(c, hello_with("wampcra", Some("peter"), None)));
    let e = ch.extra.into_inner();
    assert_eq!(
        (e.salt.as_deref(), e.iterations, e.keylen),
        (Some("salt123"), Some(100), Some(16))
    );
    let key = cra_key("secret2", Some(("salt123", 100, 16)));
    let out = authenticate(&mut h, c, cra_sign(&key, &e.challenge.unwrap()));
    assert!(
        matches!(out.as_slice(), [Out::Msg(_, Message::Welcome(_))]),
        "{out:?}"
    );
}

#[test]
fn wampcra_wrong_secret_and_unknown_principal() {
    let mut h = Harness::with_config(config());
    for (who, secret) in [("joe", "wrong"), ("nobody", "secret1")] {
        let c = h.attach();
        let text = challenge(&h.send(c, hello_with("wampcra", Some(who), None)))
            .extra
            .challenge
            .clone()
            .unwrap();
        let out = authenticate(&mut h, c, cra_sign(&cra_key(secret, None), &text));
        assert_eq!(aborted(&out, c), error_uri::AUTHENTICATION_FAILED);
    }
    // Replaying a signature for another challenge fails: every challenge has a fresh nonce.
    let c = h.attach();
    let t1 = challenge(&h.send(c, hello_with("wampcra", Some("joe"), None)))
        .extra
        .challenge
        .clone()
        .unwrap();
    authenticate(&mut h, c, cra_sign(&cra_key("secret1", None), &t1));
    let c2 = h.attach();
    let t2 = challenge(&h.send(c2, hello_with("wampcra", Some("joe"), None)))
        .extra
        .challenge
        .clone()
        .unwrap();
    assert_ne!(t1, t2);
    let out = authenticate(&mut h, c2, cra_sign(&cra_key("secret1", None), &t1));
    assert_eq!(aborted(&out, c2), error_uri::AUTHENTICATION_FAILED);
}

fn pubkey_extra(sk: &SigningKey) -> Dict {
    let mut d = Dict::new();
    d.insert(
        "pubkey".into(),
        Value::from(hex(sk.verifying_key().as_bytes())),
    );
    d
}

#[test]
fn cryptosign() {
    let mut h = Harness::with_config(config());
    let sk = SigningKey::from_bytes(&[7; 32]);
    // With and without an authid: the principal is found by its key.
    for authid in [Some("alice"), None] {
        let c = h.attach();
        let ch = challenge(&h.send(c, hello_with("cryptosign", authid, Some(pubkey_extra(&sk)))));
        let bytes = unhex(&ch.extra.challenge.clone().unwrap()).unwrap();
        let mut answer = sk.sign(&bytes).to_bytes().to_vec();
        answer.extend_from_slice(&bytes);
        let out = authenticate(&mut h, c, hex(&answer));
        let [Out::Msg(_, Message::Welcome(w))] = out.as_slice() else {
            panic!("{out:?}")
        };
        assert_eq!(w.details.authid.as_deref(), Some("alice"));
        assert_eq!(w.details.authmethod.as_deref(), Some("cryptosign"));
    }
}

#[test]
fn cryptosign_wrong_key() {
    let mut h = Harness::with_config(config());
    let good = SigningKey::from_bytes(&[7; 32]);
    let bad = SigningKey::from_bytes(&[8; 32]);
    // An unknown key is challenged too, then refused.
    let c = h.attach();
    let ch = challenge(&h.send(
        c,
        hello_with("cryptosign", Some("alice"), Some(pubkey_extra(&bad))),
    ));
    let bytes = unhex(&ch.extra.challenge.clone().unwrap()).unwrap();
    let out = authenticate(&mut h, c, hex(&bad.sign(&bytes).to_bytes()));
    assert_eq!(aborted(&out, c), error_uri::AUTHENTICATION_FAILED);
    // The right public key announced, signed with another private key.
    let c = h.attach();
    let ch = challenge(&h.send(
        c,
        hello_with("cryptosign", Some("alice"), Some(pubkey_extra(&good))),
    ));
    let bytes = unhex(&ch.extra.challenge.clone().unwrap()).unwrap();
    let out = authenticate(&mut h, c, hex(&bad.sign(&bytes).to_bytes()));
    assert_eq!(aborted(&out, c), error_uri::AUTHENTICATION_FAILED);
    // Garbage answer.
    let c = h.attach();
    challenge(&h.send(
        c,
        hello_with("cryptosign", Some("alice"), Some(pubkey_extra(&good))),
    ));
    let out = authenticate(&mut h, c, "zz".into());
    assert_eq!(aborted(&out, c), error_uri::AUTHENTICATION_FAILED);
}

/// Refuses `com.secret.*`, allows `org.dynamic.*` (not in the static permissions), and
/// leaves everything else to the static permissions.
#[derive(Debug)]
struct Dynamic;

impl crate::core::Authorizer for Dynamic {
    fn authorize(&self, r: &crate::core::AuthorizeRequest<'_>) -> Option<bool> {
        if r.uri.starts_with("com.secret.") {
            Some(false)
        } else if r.uri.starts_with("org.dynamic.") {
            Some(r.action == crate::core::Action::Subscribe && r.authrole == "anonymous")
        } else {
            None
        }
    }
}

#[test]
fn dynamic_authorizer_is_consulted_first() {
    let mut realm = RealmConfig::permissive("realm1");
    realm.roles[0].permissions = vec![crate::config::Permission::all(
        "com.",
        crate::config::MatchPolicyConfig::Prefix,
    )];
    let mut h = Harness::with_config(RouterConfig {
        realms: vec![realm],
        ..RouterConfig::default()
    });
    h.router.set_authorizer(std::sync::Arc::new(Dynamic));
    let (c, _) = h.join();
    let sub = |h: &mut Harness, topic: &str| {
        h.send(
            c,
            Subscribe {
                request: super::id(1),
                topic: topic.into(),
                ..Default::default()
            },
        )
    };
    assert!(matches!(
        sub(&mut h, "com.open").as_slice(),
        [Out::Msg(_, Message::Subscribed(_))]
    ));
    assert_eq!(
        only_error(&sub(&mut h, "com.secret.x"), c),
        error_uri::NOT_AUTHORIZED
    );
    assert!(matches!(
        sub(&mut h, "org.dynamic.x").as_slice(),
        [Out::Msg(_, Message::Subscribed(_))]
    ));
    assert_eq!(
        only_error(&sub(&mut h, "org.other"), c),
        error_uri::NOT_AUTHORIZED
    );
    let out = h.send(
        c,
        Register {
            request: super::id(2),
            procedure: "org.dynamic.p".into(),
            ..Default::default()
        },
    );
    assert_eq!(only_error(&out, c), error_uri::NOT_AUTHORIZED);
}

/// A TLS connection with channel ID `id`, and a cryptosign HELLO asking for `binding`.
fn bound_hello(h: &mut Harness, id: Option<[u8; 32]>, binding: Value) -> (ConnId, Vec<Out>) {
    let info = TransportInfo::new("websocket", "wamp.2.json", None).with_tls_exporter(id);
    let c = h.attach_with(info);
    let mut extra = pubkey_extra(&SigningKey::from_bytes(&[7; 32]));
    extra.insert("channel_binding".into(), binding);
    let out = h.send(c, hello_with("cryptosign", Some("alice"), Some(extra)));
    (c, out)
}

/// Signs the challenge XORed with `id` (AutobahnPython's answer: signature + message).
fn sign_bound(ch: &Challenge, id: [u8; 32]) -> String {
    let sk = SigningKey::from_bytes(&[7; 32]);
    let bytes = unhex(ch.extra.challenge.as_deref().unwrap()).unwrap();
    let data: Vec<u8> = bytes.iter().zip(id).map(|(b, i)| b ^ i).collect();
    let mut answer = sk.sign(&data).to_bytes().to_vec();
    answer.extend_from_slice(&data);
    hex(&answer)
}

#[test]
fn cryptosign_tls_exporter_binding() {
    let mut h = Harness::with_config(config());
    let id = [0x5a; 32];
    let (c, out) = bound_hello(&mut h, Some(id), "tls-exporter".into());
    let ch = challenge(&out);
    assert_eq!(ch.extra.channel_binding.as_deref(), Some("tls-exporter"));
    let out = authenticate(&mut h, c, sign_bound(&ch, id));
    let [Out::Msg(_, Message::Welcome(w))] = out.as_slice() else {
        panic!("{out:?}")
    };
    assert_eq!(w.details.authmethod.as_deref(), Some("cryptosign"));
    // `null` asks for no binding: the plain challenge is signed, even over TLS.
    let (c, out) = bound_hello(&mut h, Some(id), Value::Null);
    let ch = challenge(&out);
    assert_eq!(ch.extra.channel_binding, None);
    let out = authenticate(&mut h, c, sign_bound(&ch, [0; 32]));
    assert!(matches!(out.as_slice(), [Out::Msg(_, Message::Welcome(_))]));
}

#[test]
fn cryptosign_binding_signed_over_another_channel_fails() {
    let mut h = Harness::with_config(config());
    let id = [0x5a; 32];
    // Signed with another connection's channel ID, or without the XOR.
    for signed_id in [[0x11; 32], [0; 32]] {
        let (c, out) = bound_hello(&mut h, Some(id), "tls-exporter".into());
        let ch = challenge(&out);
        let out = authenticate(&mut h, c, sign_bound(&ch, signed_id));
        assert_eq!(aborted(&out, c), error_uri::AUTHENTICATION_FAILED);
    }
}

#[test]
fn cryptosign_binding_refused_without_tls_or_unknown_type() {
    let mut h = Harness::with_config(config());
    // No TLS: nothing to bind to.
    let (c, out) = bound_hello(&mut h, None, "tls-exporter".into());
    assert_eq!(aborted(&out, c), error_uri::NOT_AUTHORIZED);
    // Types this router cannot verify, or not a string.
    for binding in ["tls-unique".into(), "foo".into(), Value::from(1u64)] {
        let (c, out) = bound_hello(&mut h, Some([1; 32]), binding);
        assert_eq!(aborted(&out, c), error_uri::NOT_AUTHORIZED);
    }
}
