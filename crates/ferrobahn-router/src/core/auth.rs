//! Authentication: picking a method from HELLO, challenging, checking AUTHENTICATE.
//!
//! Methods: `anonymous` and `ticket`. A principal that does not exist is answered exactly
//! like a wrong secret (`wamp.error.authentication_failed` after the challenge), so
//! nothing about which authids exist leaks.

use ferrobahn_wamp::message::{Authenticate, Challenge, Hello};
use ferrobahn_wamp::options::ChallengeExtra;
use ferrobahn_wamp::{error_uri, RandomIds, Roles};

use crate::config::RealmConfig;

use super::TransportInfo;

/// A session waiting for AUTHENTICATE.
#[derive(Debug)]
pub(crate) struct Pending {
    pub(crate) realm: usize,
    pub(crate) method: Method,
    pub(crate) authid: String,
    pub(crate) roles: Roles,
    pub(crate) info: TransportInfo,
}

/// The method a pending session is being authenticated with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Method {
    Ticket,
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

/// Compares secrets in time independent of where they differ.
fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut diff = u8::from(a.len() != b.len());
    for i in 0..a.len().max(b.len()) {
        diff |= a.get(i).copied().unwrap_or(0) ^ b.get(i).copied().unwrap_or(0xff);
    }
    diff == 0
}

/// Picks the first method the client offers that the realm supports.
pub(crate) fn start(
    realm_cfg: &RealmConfig,
    realm: usize,
    hello: Hello,
    info: TransportInfo,
    ids: &mut RandomIds,
) -> AuthOutcome {
    let _ = ids;
    let details = hello.details;
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
                    extra: ChallengeExtra::default(),
                };
                return AuthOutcome::Challenge(Box::new(pending), challenge);
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
                Some(pr) if same_secret(&pr.ticket, &a.signature) => {
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
                _ => AuthOutcome::Refuse {
                    info: Box::new(p.info),
                    uri: error_uri::AUTHENTICATION_FAILED,
                    message: "ticket authentication failed".into(),
                },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::same_secret;

    #[test]
    fn secret_comparison() {
        assert!(same_secret("abc", "abc"));
        assert!(same_secret("", ""));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "ab"));
        assert!(!same_secret("ab", "abc"));
        assert!(!same_secret("", "a"));
    }
}
