//! Authorization: a session's authrole against the realm's permissions.

use ferrobahn_wamp::MatchPolicy;

use crate::config::{Permission, RealmConfig};

/// An action a permission allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Action {
    Call,
    Register,
    Publish,
    Subscribe,
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

/// Whether `role` may do `action` on `uri`.
pub(crate) fn allowed(realm: &RealmConfig, role: &str, uri: &str, action: Action) -> bool {
    permission(realm, role, uri).is_some_and(|p| action.allowed(p))
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
