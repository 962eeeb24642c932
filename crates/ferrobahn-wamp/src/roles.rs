//! Roles and their feature announcements (HELLO.Details.roles, WELCOME.Details.roles).

use crate::options::wamp_options;
use crate::value::{Dict, Value};

/// A WAMP role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// Calls procedures.
    Caller,
    /// Implements procedures.
    Callee,
    /// Publishes events.
    Publisher,
    /// Subscribes to topics.
    Subscriber,
    /// Routes events (router).
    Broker,
    /// Routes calls (router).
    Dealer,
}

impl Role {
    /// The wire name (`"caller"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Caller => "caller",
            Role::Callee => "callee",
            Role::Publisher => "publisher",
            Role::Subscriber => "subscriber",
            Role::Broker => "broker",
            Role::Dealer => "dealer",
        }
    }
}

wamp_options! {
    /// One role's announcement: `{"features": {...}}` plus any other keys.
    pub struct RoleFeatures {
        /// Feature flags by name (see [`feature`]); values are usually `true`.
        features: Dict = "features",
    }
}

impl RoleFeatures {
    /// An announcement with the given features set to `true`.
    pub fn with_features<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        Self {
            features: Some(
                names
                    .into_iter()
                    .map(|n| (n.to_owned(), Value::Bool(true)))
                    .collect(),
            ),
            extra: Dict::new(),
        }
    }

    /// Whether the feature is announced as `true`.
    pub fn has(&self, name: &str) -> bool {
        self.features
            .as_ref()
            .and_then(|f| f.get(name))
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }
}

wamp_options! {
    /// The roles a peer announces; a role is present when its field is `Some`.
    pub struct Roles {
        /// Caller.
        caller: RoleFeatures = "caller",
        /// Callee.
        callee: RoleFeatures = "callee",
        /// Publisher.
        publisher: RoleFeatures = "publisher",
        /// Subscriber.
        subscriber: RoleFeatures = "subscriber",
        /// Broker.
        broker: RoleFeatures = "broker",
        /// Dealer.
        dealer: RoleFeatures = "dealer",
    }
}

impl Roles {
    /// The announcement of `role`, if present.
    pub fn get(&self, role: Role) -> Option<&RoleFeatures> {
        match role {
            Role::Caller => self.caller.as_ref(),
            Role::Callee => self.callee.as_ref(),
            Role::Publisher => self.publisher.as_ref(),
            Role::Subscriber => self.subscriber.as_ref(),
            Role::Broker => self.broker.as_ref(),
            Role::Dealer => self.dealer.as_ref(),
        }
    }

    /// Sets the announcement of `role`.
    pub fn set(&mut self, role: Role, features: RoleFeatures) {
        let slot = match role {
            Role::Caller => &mut self.caller,
            Role::Callee => &mut self.callee,
            Role::Publisher => &mut self.publisher,
            Role::Subscriber => &mut self.subscriber,
            Role::Broker => &mut self.broker,
            Role::Dealer => &mut self.dealer,
        };
        *slot = Some(features);
    }

    /// Whether any role is announced.
    pub fn has_any(&self) -> bool {
        [
            Role::Caller,
            Role::Callee,
            Role::Publisher,
            Role::Subscriber,
            Role::Broker,
            Role::Dealer,
        ]
        .into_iter()
        .any(|r| self.get(r).is_some())
    }
}

/// Roles announcing each role of the iterator with no features (`{}`), as a
/// peer that uses only the basic profile announces them.
///
/// ```
/// use ferrobahn_wamp::{Role, Roles};
///
/// let roles: Roles = [Role::Caller, Role::Subscriber].into_iter().collect();
/// assert!(roles.caller.is_some() && roles.subscriber.is_some());
/// assert!(roles.callee.is_none());
/// ```
impl FromIterator<Role> for Roles {
    fn from_iter<I: IntoIterator<Item = Role>>(roles: I) -> Self {
        let mut set = Roles::default();
        for role in roles {
            set.set(role, RoleFeatures::default());
        }
        set
    }
}

/// Advanced-profile feature names, as announced under `roles.<role>.features`.
pub mod feature {
    /// Caller/Callee/Dealer: CANCEL and INTERRUPT.
    pub const CALL_CANCELING: &str = "call_canceling";
    /// Caller/Callee/Dealer: CALL.Options.timeout.
    pub const CALL_TIMEOUT: &str = "call_timeout";
    /// Caller/Callee/Dealer: disclose the caller.
    pub const CALLER_IDENTIFICATION: &str = "caller_identification";
    /// Callee/Dealer: trust levels.
    pub const CALL_TRUSTLEVELS: &str = "call_trustlevels";
    /// Caller/Callee/Dealer: progressive call results.
    pub const PROGRESSIVE_CALL_RESULTS: &str = "progressive_call_results";
    /// Caller/Callee/Dealer: progressive call invocations.
    pub const PROGRESSIVE_CALL_INVOCATIONS: &str = "progressive_call_invocations";
    /// Callee/Dealer: prefix and wildcard registrations.
    pub const PATTERN_BASED_REGISTRATION: &str = "pattern_based_registration";
    /// Callee/Dealer: shared registrations.
    pub const SHARED_REGISTRATION: &str = "shared_registration";
    /// Callee/Dealer: sharded registrations.
    pub const SHARDED_REGISTRATION: &str = "sharded_registration";
    /// Dealer: registration meta API.
    pub const REGISTRATION_META_API: &str = "registration_meta_api";
    /// Dealer/Broker: session meta API.
    pub const SESSION_META_API: &str = "session_meta_api";
    /// Dealer: testament meta API.
    pub const TESTAMENT_META_API: &str = "testament_meta_api";
    /// Dealer/Broker: router-to-router forwarding.
    pub const R2R_FORWARDING: &str = "r2r_forwarding";
    /// Publisher/Subscriber/Broker: disclose the publisher.
    pub const PUBLISHER_IDENTIFICATION: &str = "publisher_identification";
    /// Publisher/Broker: `exclude_me`.
    pub const PUBLISHER_EXCLUSION: &str = "publisher_exclusion";
    /// Publisher/Broker: black- and white-listing of subscribers.
    pub const SUBSCRIBER_BLACKWHITE_LISTING: &str = "subscriber_blackwhite_listing";
    /// Subscriber/Broker: prefix and wildcard subscriptions.
    pub const PATTERN_BASED_SUBSCRIPTION: &str = "pattern_based_subscription";
    /// Subscriber/Broker: event history.
    pub const EVENT_HISTORY: &str = "event_history";
    /// Publisher/Subscriber/Broker: event retention.
    pub const EVENT_RETENTION: &str = "event_retention";
    /// Broker: subscription meta API.
    pub const SUBSCRIPTION_META_API: &str = "subscription_meta_api";
    /// Broker: topic reflection.
    pub const TOPIC_REFLECTION: &str = "topic_reflection";
    /// Dealer: procedure reflection.
    pub const PROCEDURE_REFLECTION: &str = "procedure_reflection";
    /// All roles: payload transparency (end-to-end encrypted or opaque payloads).
    pub const PAYLOAD_TRANSPARENCY: &str = "payload_transparency";
    /// All roles: payload encryption with cryptobox.
    pub const PAYLOAD_ENCRYPTION_CRYPTOBOX: &str = "payload_encryption_cryptobox";
    /// Publisher/Subscriber/Broker: acknowledged event delivery (experimental).
    pub const X_ACKNOWLEDGED_EVENT_DELIVERY: &str = "x_acknowledged_event_delivery";
}
