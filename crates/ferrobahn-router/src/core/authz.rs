//! Authorization: a session's authrole against the realm's permissions, and the dynamic
//! [`Authorizer`] hook consulted first.

use std::fmt::Debug;

use ferrobahn_wamp::{Id, MatchPolicy};

use super::session::Joined;
use super::Router;
use crate::config::{Disclose, Permission, RealmConfig};

/// An action a permission allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Action {
    /// CALL a procedure.
    Call,
    /// REGISTER a procedure.
    Register,
    /// PUBLISH to a topic.
    Publish,
    /// SUBSCRIBE to a topic.
    Subscribe,
}

/// What a dynamic authorizer is asked.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct AuthorizeRequest<'a> {
    /// The realm.
    pub realm: &'a str,
    /// The session asking.
    pub session: Id,
    /// Its authid.
    pub authid: &'a str,
    /// Its authrole.
    pub authrole: &'a str,
    /// The URI (procedure or topic).
    pub uri: &'a str,
    /// The action.
    pub action: Action,
}

/// A dynamic authorizer: a Rust callback consulted before the static permissions.
///
/// `Some(true)` allows (disclosure rules still come from the static permissions),
/// `Some(false)` refuses with `wamp.error.not_authorized`, `None` leaves the decision
/// to the static permissions. It runs inside the router core: keep it fast.
pub trait Authorizer: Send + Sync + Debug {
    /// Decides on `request`.
    fn authorize(&self, request: &AuthorizeRequest<'_>) -> Option<bool>;
}

impl Action {
    /// Whether `p` allows this action.
    pub(crate) fn allowed(self, p: &Permission) -> bool {
        match self {
            Action::Call => p.allow.call,
            Action::Register => p.allow.register,
            Action::Publish => p.allow.publish,
            Action::Subscribe => p.allow.subscribe,
        }
    }
}

/// The most specific permission of `role` that matches `uri`: exact, then the longest
/// prefix, then the wildcard with the most literal components.
pub(crate) fn permission<'a>(
    realm: &'a RealmConfig,
    role: &str,
    uri: &str,
) -> Option<&'a Permission> {
    let role = realm.roles.iter().find(|r| r.name == role)?;
    let mut best: Option<(u8, usize, &Permission)> = None;
    for p in &role.permissions {
        let policy = MatchPolicy::from(p.match_policy);
        if !policy.matches(&p.uri, uri) {
            continue;
        }
        let rank = match policy {
            MatchPolicy::Exact => (3, 0),
            MatchPolicy::Prefix => (2, p.uri.len()),
            MatchPolicy::Wildcard => (1, p.uri.split('.').filter(|c| !c.is_empty()).count()),
        };
        if best.is_none_or(|(k, n, _)| (rank.0, rank.1) > (k, n)) {
            best = Some((rank.0, rank.1, p));
        }
    }
    best.map(|b| b.2)
}

/// Whether `role` may do `action` on `uri` by the static permissions.
#[cfg(test)]
pub(crate) fn allowed(realm: &RealmConfig, role: &str, uri: &str, action: Action) -> bool {
    permission(realm, role, uri).is_some_and(|p| action.allowed(p))
}

impl Router {
    /// Whether session `j` may do `action` on `uri`: the disclosure rules when allowed.
    pub(super) fn authorize(&self, j: &Joined, uri: &str, action: Action) -> Option<Disclose> {
        if let Some(d) = self.approved(j.session, uri, action) {
            return Some(d);
        }
        let realm = &self.realms[j.realm].config;
        let perm = permission(realm, &j.authrole, uri);
        if let Some(a) = &self.authorizer {
            let request = AuthorizeRequest {
                realm: &realm.name,
                session: j.session,
                authid: &j.authid,
                authrole: &j.authrole,
                uri,
                action,
            };
            match a.authorize(&request) {
                Some(true) => return Some(perm.map(|p| p.disclose).unwrap_or_default()),
                Some(false) => return None,
                None => {}
            }
        }
        perm.filter(|p| action.allowed(p)).map(|p| p.disclose)
    }

    /// Installs a dynamic authorizer (replacing any other).
    pub fn set_authorizer(&mut self, authorizer: std::sync::Arc<dyn Authorizer>) {
        self.authorizer = Some(authorizer);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Allow, MatchPolicyConfig, RoleConfig};

    fn perm(uri: &str, m: MatchPolicyConfig, call: bool) -> Permission {
        Permission {
            uri: uri.into(),
            match_policy: m,
            allow: Allow {
                call,
                ..Allow::default()
            },
            ..Permission::default()
        }
    }

    #[test]
    fn most_specific_permission_wins() {
        let realm = RealmConfig {
            name: "r".into(),
            roles: vec![RoleConfig {
                name: "user".into(),
                authorizer: None,
                permissions: vec![
                    perm("com.", MatchPolicyConfig::Prefix, true),
                    perm("com.secret.", MatchPolicyConfig::Prefix, false),
                    perm("com.secret.open", MatchPolicyConfig::Exact, true),
                    perm("org..x", MatchPolicyConfig::Wildcard, true),
                ],
            }],
            ..RealmConfig::default()
        };
        assert!(allowed(&realm, "user", "com.a", Action::Call));
        assert!(!allowed(&realm, "user", "com.secret.b", Action::Call));
        assert!(allowed(&realm, "user", "com.secret.open", Action::Call));
        assert!(allowed(&realm, "user", "org.y.x", Action::Call));
        assert!(!allowed(&realm, "user", "org.y.z", Action::Call));
        assert!(!allowed(&realm, "user", "com.a", Action::Publish));
        assert!(!allowed(&realm, "nobody", "com.a", Action::Call));
    }
}
