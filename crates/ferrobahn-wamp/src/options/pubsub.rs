//! Options and details of the Publish & Subscribe messages.

use super::wamp_options;
use crate::id::Id;
use crate::uri::MatchPolicy;
use crate::value::Dict;

wamp_options! {
    /// PUBLISH.Options.
    pub struct PublishOptions {
        /// Ask the broker for a PUBLISHED acknowledgement.
        acknowledge: bool = "acknowledge",
        /// Exclude the publisher from receiving the event (default true).
        exclude_me: bool = "exclude_me",
        /// Session IDs to exclude (subscriber black-listing).
        exclude: Vec<Id> = "exclude",
        /// Authids to exclude.
        exclude_authid: Vec<String> = "exclude_authid",
        /// Authroles to exclude.
        exclude_authrole: Vec<String> = "exclude_authrole",
        /// Only these session IDs receive the event (white-listing).
        eligible: Vec<Id> = "eligible",
        /// Only these authids receive the event.
        eligible_authid: Vec<String> = "eligible_authid",
        /// Only these authroles receive the event.
        eligible_authrole: Vec<String> = "eligible_authrole",
        /// Ask the broker to retain the event (event retention).
        retain: bool = "retain",
        /// Disclose the publisher's identity to subscribers.
        disclose_me: bool = "disclose_me",
        /// Transaction hash (router-side deduplication).
        transaction_hash: String = "transaction_hash",
        /// Payload transparency: encryption algorithm.
        enc_algo: String = "enc_algo",
        /// Payload transparency: key identifier.
        enc_key: String = "enc_key",
        /// Payload transparency: serializer of the inner payload.
        enc_serializer: String = "enc_serializer",
        /// Router-to-router forwarding chain.
        forward_for: Vec<Dict> = "forward_for",
        /// Acknowledged event delivery (experimental).
        x_acknowledged_delivery: bool = "x_acknowledged_delivery",
    }
}

wamp_options! {
    /// SUBSCRIBE.Options.
    pub struct SubscribeOptions {
        /// Pattern-based subscription: how `topic` matches.
        match_policy: MatchPolicy = "match",
        /// Deliver the retained event, if any, right after subscribing.
        get_retained: bool = "get_retained",
        /// Router-to-router forwarding chain.
        forward_for: Vec<Dict> = "forward_for",
    }
}

wamp_options! {
    /// UNSUBSCRIBE.Options (the optional fourth element).
    pub struct UnsubscribeOptions {
        /// Router-to-router forwarding chain.
        forward_for: Vec<Dict> = "forward_for",
    }
}

wamp_options! {
    /// UNSUBSCRIBED.Details (router-initiated revocation).
    pub struct UnsubscribedDetails {
        /// The revoked subscription.
        subscription: Id = "subscription",
        /// Why it was revoked (a URI).
        reason: String = "reason",
    }
}

wamp_options! {
    /// EVENT.Details.
    pub struct EventDetails {
        /// The publisher's session ID (publisher identification).
        publisher: Id = "publisher",
        /// The publisher's authid.
        publisher_authid: String = "publisher_authid",
        /// The publisher's authrole.
        publisher_authrole: String = "publisher_authrole",
        /// The concrete topic (pattern-based subscriptions).
        topic: String = "topic",
        /// The event is a retained one.
        retained: bool = "retained",
        /// Transaction hash.
        transaction_hash: String = "transaction_hash",
        /// Payload transparency: encryption algorithm.
        enc_algo: String = "enc_algo",
        /// Payload transparency: key identifier.
        enc_key: String = "enc_key",
        /// Payload transparency: serializer of the inner payload.
        enc_serializer: String = "enc_serializer",
        /// Router-to-router forwarding chain.
        forward_for: Vec<Dict> = "forward_for",
        /// Acknowledged event delivery (experimental).
        x_acknowledged_delivery: bool = "x_acknowledged_delivery",
    }
}
