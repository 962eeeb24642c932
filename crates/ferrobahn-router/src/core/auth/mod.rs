//! Authentication: picking a method from HELLO, challenging, checking AUTHENTICATE.
//!
//! Methods: `anonymous`, `ticket`, `wampcra` (salted or not) and `cryptosign`. A
//! principal that does not exist is challenged like one that does and then answered
//! exactly like a wrong secret (`wamp.error.authentication_failed`), so nothing about
//! which authids exist leaks.

pub(crate) mod crypto;

use ed25519_dalek::VerifyingKey;
use ferrobahn_wamp::message::{Authenticate, Challenge, Hello};
use ferrobahn_wamp::options::ChallengeExtra;
use ferrobahn_wamp::{error_uri, RandomIds, Roles, Value};

use crate::config::RealmConfig;

use super::TransportInfo;
pub use crypto::parse_public_key;
pub(crate) use crypto::SecretRng;

/// A session waiting for AUTHENTICATE.
#[derive(Debug)]
pub(crate) struct Pending {
    pub(crate) realm: usize,
    pub(crate) method: Method,
    pub(crate) authid: String,
    pub(crate) roles: Roles,
    pub(crate) info: TransportInfo,
}

/// The method a pending session is being authenticated with, and what it expects.
#[derive(Debug)]
pub(crate) enum Method {
    Ticket,
    /// The expected signature and role (`None`: unknown principal).
    Cra(Option<(String, String)>),
    /// The bytes to be signed (the challenge, XORed with the channel ID under a
    /// channel binding), and the principal's key and role (`None`: unknown principal).
    Cryptosign([u8; 32], Option<(VerifyingKey, String)>),
}

/// An authenticated session about to join.
#[derive(Debug)]
pub(crate) struct Accepted {
    pub(crate) realm: usize,
    pub(crate) authid: String,
    pub(crate) authrole: String,
    pub(crate) authmethod: String,
    pub(crate) authprovider: String,
    pub(crate) roles: Roles,
    pub(crate) info: TransportInfo,
}

/// What to do after HELLO or AUTHENTICATE.
#[derive(Debug)]
pub(crate) enum AuthOutcome {
    /// Send CHALLENGE and wait.
    Challenge(Box<Pending>, Challenge),
    /// Join.
    Accept(Box<Accepted>),
    /// ABORT with `uri`.
    Refuse {
        info: Box<TransportInfo>,
        uri: &'static str,
        message: String,
    },
}

/// Picks the first method the client offers that the realm supports.
pub(crate) fn start(
    realm_cfg: &RealmConfig,
    realm: usize,
    hello: Hello,
    info: TransportInfo,
    ids: &mut RandomIds,
    rng: &mut SecretRng,
) -> AuthOutcome {
    let details = hello.details.into_inner();
    let offered = details
        .authmethods
        .clone()
        .unwrap_or_else(|| vec!["anonymous".to_owned()]);
    let roles = details.roles.unwrap_or_default();
    for method in &offered {
        match method.as_str() {
            "anonymous" => {
                if let Some(anon) = &realm_cfg.auth.anonymous {
                    let role = if anon.role.is_empty() {
                        "anonymous".to_owned()
                    } else {
                        anon.role.clone()
                    };
                    return AuthOutcome::Accept(Box::new(Accepted {
                        realm,
                        authid: details.authid.clone().unwrap_or_else(|| anonymous_id(ids)),
                        authrole: role,
                        authmethod: "anonymous".into(),
                        authprovider: "static".into(),
                        roles,
                        info,
                    }));
                }
            }
            "ticket" if realm_cfg.auth.ticket.is_some() => {
                let pending = Pending {
                    realm,
                    method: Method::Ticket,
                    authid: details.authid.clone().unwrap_or_default(),
                    roles,
                    info,
                };
                let challenge = Challenge {
                    method: "ticket".into(),
                    extra: Default::default(),
                };
                return AuthOutcome::Challenge(Box::new(pending), challenge);
            }
            "wampcra" if realm_cfg.auth.wampcra.is_some() => {
                let authid = details.authid.clone().unwrap_or_default();
                return cra_challenge(realm_cfg, realm, authid, roles, info, rng);
            }
            "cryptosign" if realm_cfg.auth.cryptosign.is_some() => {
                let extra = details.authextra.as_ref();
                let pubkey = extra
                    .and_then(|e| e.get("pubkey"))
                    .and_then(Value::as_str)
                    .unwrap_or("");
                let binding = match channel_binding(extra, &info) {
                    Ok(b) => b,
                    Err(message) => {
                        return AuthOutcome::Refuse {
                            info: Box::new(info),
                            uri: error_uri::NOT_AUTHORIZED,
                            message,
                        }
                    }
                };
                let authid = details.authid.clone();
                let hello = CryptosignHello {
                    authid,
                    pubkey,
                    binding,
                };
                return cryptosign_challenge(realm_cfg, realm, hello, roles, info, rng);
            }
            _ => {}
        }
    }
    AuthOutcome::Refuse {
        info: Box::new(info),
        uri: error_uri::NO_AUTH_METHOD,
        message: format!("none of the offered authentication methods {offered:?} is allowed"),
    }
}

/// A random anonymous authid, as Crossbar does.
fn anonymous_id(ids: &mut RandomIds) -> String {
    let n = ids.next_id().get();
    format!("anon-{n:x}")
}

/// Checks AUTHENTICATE against the pending challenge.
pub(crate) fn finish(realm_cfg: &RealmConfig, p: Pending, a: &Authenticate) -> AuthOutcome {
    match p.method {
        Method::Ticket => {
            let principal = realm_cfg
                .auth
                .ticket
                .as_ref()
                .and_then(|t| t.get(&p.authid));
            match principal {
                Some(pr) if crypto::same_secret(pr.ticket.as_bytes(), a.signature.as_bytes()) => {
                    AuthOutcome::Accept(Box::new(Accepted {
                        realm: p.realm,
                        authid: p.authid,
                        authrole: pr.role.clone(),
                        authmethod: "ticket".into(),
                        authprovider: "static".into(),
                        roles: p.roles,
                        info: p.info,
                    }))
                }
                _ => failed(p, "ticket"),
            }
        }
        Method::Cra(Some((ref expected, ref role)))
            if crypto::same_secret(expected.as_bytes(), a.signature.as_bytes()) =>
        {
            let role = role.clone();
            accepted(p, role, "wampcra")
        }
        Method::Cryptosign(ref challenge, Some((ref key, ref role)))
            if crypto::cryptosign_verify(key, challenge, &a.signature) =>
        {
            let role = role.clone();
            accepted(p, role, "cryptosign")
        }
        Method::Cra(_) => failed(p, "wampcra"),
        Method::Cryptosign(..) => failed(p, "cryptosign"),
    }
}

fn accepted(p: Pending, authrole: String, method: &str) -> AuthOutcome {
    AuthOutcome::Accept(Box::new(Accepted {
        realm: p.realm,
        authid: p.authid,
        authrole,
        authmethod: method.into(),
        authprovider: "static".into(),
        roles: p.roles,
        info: p.info,
    }))
}

fn failed(p: Pending, method: &str) -> AuthOutcome {
    AuthOutcome::Refuse {
        info: Box::new(p.info),
        uri: error_uri::AUTHENTICATION_FAILED,
        message: format!("{method} authentication failed"),
    }
}

/// WAMP-CRA: a JSON challenge with a fresh nonce; salt parameters for salted secrets.
fn cra_challenge(
    realm_cfg: &RealmConfig,
    realm: usize,
    authid: String,
    roles: Roles,
    info: TransportInfo,
    rng: &mut SecretRng,
) -> AuthOutcome {
    let principal = realm_cfg.auth.wampcra.as_ref().and_then(|m| m.get(&authid));
    let role = principal.map_or("", |p| p.role.as_str());
    let nonce = crypto::hex(&rng.bytes32()[..16]);
    let challenge = serde_json::json!({
        "authid": authid,
        "authrole": role,
        "authmethod": "wampcra",
        "authprovider": "static",
        "nonce": nonce,
    })
    .to_string();
    let mut extra = ChallengeExtra {
        challenge: Some(challenge.clone()),
        ..ChallengeExtra::default()
    };
    let expected = principal.map(|p| {
        let salt = p.salt.as_deref().map(|s| (s, p.iterations, p.keylen));
        if let Some((s, it, kl)) = salt {
            extra.salt = Some(s.to_owned());
            extra.iterations = Some(u64::from(it));
            extra.keylen = Some(u64::from(kl));
        }
        let key = crypto::cra_key(&p.secret, salt);
        (crypto::cra_sign(&key, &challenge), p.role.clone())
    });
    let pending = Pending {
        realm,
        method: Method::Cra(expected),
        authid,
        roles,
        info,
    };
    let ch = Challenge {
        method: "wampcra".into(),
        extra: extra.into(),
    };
    AuthOutcome::Challenge(Box::new(pending), ch)
}

/// The channel binding types this router can verify.
pub(crate) const TLS_EXPORTER: &str = "tls-exporter";

/// The channel binding a cryptosign HELLO asks for (`authextra.channel_binding`):
/// `None` (absent or `null`) or the binding type and this transport's channel ID.
/// A type the router cannot verify (`tls-unique`: rustls does not expose the
/// Finished message), or `tls-exporter` on a transport without TLS, is refused.
fn channel_binding(
    extra: Option<&ferrobahn_wamp::Dict>,
    info: &TransportInfo,
) -> Result<Option<(&'static str, [u8; 32])>, String> {
    let kind = match extra.and_then(|e| e.get("channel_binding")) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Str(kind)) => kind.as_str(),
        Some(other) => return Err(format!("invalid channel binding type {other:?} requested")),
    };
    if kind != TLS_EXPORTER {
        return Err(format!("invalid channel binding type \"{kind}\" requested"));
    }
    match info.tls_exporter {
        Some(id) => Ok(Some((TLS_EXPORTER, id))),
        None => Err(format!(
            "channel binding \"{kind}\" requested, but the transport has no TLS channel ID"
        )),
    }
}

/// What a cryptosign HELLO announced.
struct CryptosignHello<'a> {
    authid: Option<String>,
    pubkey: &'a str,
    /// The channel binding type and channel ID, when one was asked for.
    binding: Option<(&'static str, [u8; 32])>,
}

/// WAMP-Cryptosign: 32 random bytes to sign with the key announced in HELLO (XORed
/// with the channel ID under a channel binding).
fn cryptosign_challenge(
    realm_cfg: &RealmConfig,
    realm: usize,
    hello: CryptosignHello<'_>,
    roles: Roles,
    mut info: TransportInfo,
    rng: &mut SecretRng,
) -> AuthOutcome {
    let CryptosignHello {
        authid,
        pubkey,
        binding,
    } = hello;
    let principals = realm_cfg.auth.cryptosign.as_ref();
    let has_key = |keys: &[String]| keys.iter().any(|k| k.eq_ignore_ascii_case(pubkey));
    let found = match &authid {
        Some(id) => principals
            .and_then(|m| m.get(id))
            .filter(|p| has_key(&p.authorized_keys))
            .map(|p| (id.clone(), p)),
        None => principals.and_then(|m| {
            m.iter()
                .find(|(_, p)| has_key(&p.authorized_keys))
                .map(|(id, p)| (id.clone(), p))
        }),
    };
    let key = found
        .as_ref()
        .and_then(|(_, p)| Some((parse_public_key(pubkey)?, p.role.clone())));
    let authid = found.map(|(id, _)| id).or(authid).unwrap_or_default();
    let challenge = rng.bytes32();
    let mut signed = challenge;
    if let Some((_, id)) = &binding {
        signed.iter_mut().zip(id).for_each(|(b, c)| *b ^= c);
    }
    // Kept with the session if the signature verifies (the meta API shows it).
    info.channel_binding = binding.map(|(kind, _)| kind.to_owned());
    let pending = Pending {
        realm,
        method: Method::Cryptosign(signed, key),
        authid,
        roles,
        info,
    };
    let ch = Challenge {
        method: "cryptosign".into(),
        extra: ChallengeExtra {
            challenge: Some(crypto::hex(&challenge)),
            channel_binding: binding.map(|(kind, _)| kind.to_owned()),
            ..ChallengeExtra::default()
        }
        .into(),
    };
    AuthOutcome::Challenge(Box::new(pending), ch)
}
