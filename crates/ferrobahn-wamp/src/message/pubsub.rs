//! Publish & Subscribe messages: PUBLISH, PUBLISHED, SUBSCRIBE, SUBSCRIBED, UNSUBSCRIBE,
//! UNSUBSCRIBED, EVENT.

use super::reader::Reader;
use super::{code, Element, ElementSink, WireMessage};
use crate::error::WampError;
use crate::id::Id;
use crate::options::{
    Boxed, EventDetails, PublishOptions, SubscribeOptions, UnsubscribeOptions, UnsubscribedDetails,
};
use crate::payload::Payload;
use crate::value::Value;

/// `[PUBLISH, Request|id, Options|dict, Topic|uri, (Args, (Kwargs))]`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Publish {
    /// Request ID (session scope).
    pub request: Id,
    /// Options (boxed: usually empty).
    pub options: Boxed<PublishOptions>,
    /// The topic.
    pub topic: String,
    /// The event payload.
    pub payload: Payload,
}

impl WireMessage for Publish {
    const CODE: u64 = code::PUBLISH;
    const NAME: &'static str = "PUBLISH";
    const LEN: (usize, usize, &'static str) = (4, 6, "4 to 6");
    fn read(r: &mut Reader) -> Result<Self, WampError> {
        let request = r.id("request")?;
        let options = r.boxed_options("options", PublishOptions::from_dict)?;
        let topic = r.uri("topic")?;
        let payload = r.payload(options.enc_algo.is_some())?;
        Ok(Self {
            request,
            options,
            topic,
            payload,
        })
    }
    fn wire_len(&self) -> usize {
        3 + self.payload.wire_len()
    }
    fn write_ref<S: ElementSink>(&self, s: &mut S) -> Result<(), S::Error> {
        s.element(Element::UInt(self.request.get()))?;
        self.options.write_dict(s)?;
        s.element(Element::Str(&self.topic))?;
        self.payload.write_ref(s)?;
        Ok(())
    }
    fn write_owned(self, out: &mut Vec<Value>) {
        out.push(Value::from_u64(self.request.get()));
        out.push(Value::Dict(self.options.to_dict()));
        out.push(Value::Str(self.topic));
        self.payload.push_owned(out);
    }
}

/// Defines a `[CODE, Request|id, Second|id]` acknowledgement message.
macro_rules! ack_message {
    ($(#[$doc:meta])* $name:ident, $code:expr, $wire:literal, $field:ident, $fdoc:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, Default, PartialEq)]
        pub struct $name {
            /// The ID of the request acknowledged.
            pub request: Id,
            #[doc = $fdoc]
            pub $field: Id,
        }

        impl WireMessage for $name {
            const CODE: u64 = $code;
            const NAME: &'static str = $wire;
            const LEN: (usize, usize, &'static str) = (3, 3, "3");
            fn read(r: &mut Reader) -> Result<Self, WampError> {
                let request = r.id("request")?;
                let $field = r.id(stringify!($field))?;
                Ok(Self { request, $field })
            }
            fn wire_len(&self) -> usize {
                2
            }
            fn write_ref<S: ElementSink>(&self, s: &mut S) -> Result<(), S::Error> {
                s.element(Element::UInt(self.request.get()))?;
                s.element(Element::UInt(self.$field.get()))?;
                Ok(())
            }
        }
    };
}
pub(crate) use ack_message;

ack_message!(
    /// `[PUBLISHED, PUBLISH.Request|id, Publication|id]`.
    Published, code::PUBLISHED, "PUBLISHED", publication, "The publication ID (global scope)."
);
ack_message!(
    /// `[SUBSCRIBED, SUBSCRIBE.Request|id, Subscription|id]`.
    Subscribed, code::SUBSCRIBED, "SUBSCRIBED", subscription, "The subscription ID (router scope)."
);

/// `[SUBSCRIBE, Request|id, Options|dict, Topic|uri]`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Subscribe {
    /// Request ID.
    pub request: Id,
    /// Options (`match` selects pattern-based subscription).
    pub options: SubscribeOptions,
    /// The topic, or a prefix/wildcard pattern.
    pub topic: String,
}

impl WireMessage for Subscribe {
    const CODE: u64 = code::SUBSCRIBE;
    const NAME: &'static str = "SUBSCRIBE";
    const LEN: (usize, usize, &'static str) = (4, 4, "4");
    fn read(r: &mut Reader) -> Result<Self, WampError> {
        let request = r.id("request")?;
        let options = r.options("options", SubscribeOptions::from_dict)?;
        let topic = r.pattern("topic", options.match_policy.unwrap_or_default())?;
        Ok(Self {
            request,
            options,
            topic,
        })
    }
    fn wire_len(&self) -> usize {
        3
    }
    fn write_ref<S: ElementSink>(&self, s: &mut S) -> Result<(), S::Error> {
        s.element(Element::UInt(self.request.get()))?;
        self.options.write_dict(s)?;
        s.element(Element::Str(&self.topic))?;
        Ok(())
    }
}

/// `[UNSUBSCRIBE, Request|id, SUBSCRIBED.Subscription|id, (Options|dict)]`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Unsubscribe {
    /// Request ID.
    pub request: Id,
    /// The subscription to end.
    pub subscription: Id,
    /// The optional options element (router-to-router forwarding).
    pub options: Option<UnsubscribeOptions>,
}

impl WireMessage for Unsubscribe {
    const CODE: u64 = code::UNSUBSCRIBE;
    const NAME: &'static str = "UNSUBSCRIBE";
    const LEN: (usize, usize, &'static str) = (3, 4, "3 or 4");
    fn read(r: &mut Reader) -> Result<Self, WampError> {
        let request = r.id("request")?;
        let subscription = r.id("subscription")?;
        let options = if r.remaining() > 0 {
            Some(r.options("options", UnsubscribeOptions::from_dict)?)
        } else {
            None
        };
        Ok(Self {
            request,
            subscription,
            options,
        })
    }
    fn wire_len(&self) -> usize {
        2 + usize::from(self.options.is_some())
    }
    fn write_ref<S: ElementSink>(&self, s: &mut S) -> Result<(), S::Error> {
        s.element(Element::UInt(self.request.get()))?;
        s.element(Element::UInt(self.subscription.get()))?;
        if let Some(o) = &self.options {
            o.write_dict(s)?;
        }
        Ok(())
    }
}

/// `[UNSUBSCRIBED, UNSUBSCRIBE.Request|id, (Details|dict)]`; a router revoking a
/// subscription sends request `0` with details.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Unsubscribed {
    /// The UNSUBSCRIBE request acknowledged, or 0 for a revocation.
    pub request: Id,
    /// Revocation details.
    pub details: Option<UnsubscribedDetails>,
}

impl WireMessage for Unsubscribed {
    const CODE: u64 = code::UNSUBSCRIBED;
    const NAME: &'static str = "UNSUBSCRIBED";
    const LEN: (usize, usize, &'static str) = (2, 3, "2 or 3");
    fn read(r: &mut Reader) -> Result<Self, WampError> {
        let request = r.id("request")?;
        let details = if r.remaining() > 0 {
            Some(r.options("details", UnsubscribedDetails::from_dict)?)
        } else {
            None
        };
        Ok(Self { request, details })
    }
    fn wire_len(&self) -> usize {
        1 + usize::from(self.details.is_some())
    }
    fn write_ref<S: ElementSink>(&self, s: &mut S) -> Result<(), S::Error> {
        s.element(Element::UInt(self.request.get()))?;
        if let Some(d) = &self.details {
            d.write_dict(s)?;
        }
        Ok(())
    }
}

/// `[EVENT, SUBSCRIBED.Subscription|id, PUBLISHED.Publication|id, Details|dict, (Args, (Kwargs))]`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Event {
    /// The subscription the event is delivered for.
    pub subscription: Id,
    /// The publication ID.
    pub publication: Id,
    /// Details (boxed: usually empty).
    pub details: Boxed<EventDetails>,
    /// The event payload.
    pub payload: Payload,
}

impl WireMessage for Event {
    const CODE: u64 = code::EVENT;
    const NAME: &'static str = "EVENT";
    const LEN: (usize, usize, &'static str) = (4, 6, "4 to 6");
    fn read(r: &mut Reader) -> Result<Self, WampError> {
        let subscription = r.id("subscription")?;
        let publication = r.id("publication")?;
        let details = r.boxed_options("details", EventDetails::from_dict)?;
        let payload = r.payload(details.enc_algo.is_some())?;
        Ok(Self {
            subscription,
            publication,
            details,
            payload,
        })
    }
    fn wire_len(&self) -> usize {
        3 + self.payload.wire_len()
    }
    fn write_ref<S: ElementSink>(&self, s: &mut S) -> Result<(), S::Error> {
        s.element(Element::UInt(self.subscription.get()))?;
        s.element(Element::UInt(self.publication.get()))?;
        self.details.write_dict(s)?;
        self.payload.write_ref(s)?;
        Ok(())
    }
    fn write_owned(self, out: &mut Vec<Value>) {
        out.push(Value::from_u64(self.subscription.get()));
        out.push(Value::from_u64(self.publication.get()));
        out.push(Value::Dict(self.details.to_dict()));
        self.payload.push_owned(out);
    }
}
