//! Remote Procedure Call messages: CALL, CANCEL, RESULT, REGISTER, REGISTERED, UNREGISTER,
//! UNREGISTERED, INVOCATION, INTERRUPT, YIELD.

use super::pubsub::ack_message;
use super::reader::Reader;
use super::{code, Element, ElementSink, WireMessage};
use crate::error::WampError;
use crate::id::Id;
use crate::options::{
    Boxed, CallOptions, CancelOptions, InterruptOptions, InvocationDetails, RegisterOptions,
    ResultDetails, UnregisterOptions, UnregisteredDetails, YieldOptions,
};
use crate::payload::Payload;
use crate::value::Value;

/// `[CALL, Request|id, Options|dict, Procedure|uri, (Args, (Kwargs))]`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Call {
    /// Request ID.
    pub request: Id,
    /// Options (boxed: usually empty).
    pub options: Boxed<CallOptions>,
    /// The procedure.
    pub procedure: String,
    /// Call arguments.
    pub payload: Payload,
}

impl WireMessage for Call {
    const CODE: u64 = code::CALL;
    const NAME: &'static str = "CALL";
    const LEN: (usize, usize, &'static str) = (4, 6, "4 to 6");
    fn read(r: &mut Reader) -> Result<Self, WampError> {
        let request = r.id("request")?;
        let options = r.boxed_options("options", CallOptions::from_dict)?;
        let procedure = r.uri("procedure")?;
        let payload = r.payload(options.enc_algo.is_some())?;
        Ok(Self {
            request,
            options,
            procedure,
            payload,
        })
    }
    fn wire_len(&self) -> usize {
        3 + self.payload.wire_len()
    }
    fn write_ref<S: ElementSink>(&self, s: &mut S) -> Result<(), S::Error> {
        s.element(Element::UInt(self.request.get()))?;
        self.options.write_dict(s)?;
        s.element(Element::Str(&self.procedure))?;
        self.payload.write_ref(s)?;
        Ok(())
    }
    fn write_owned(self, out: &mut Vec<Value>) {
        out.push(Value::from_u64(self.request.get()));
        out.push(Value::Dict(self.options.to_dict()));
        out.push(Value::Str(self.procedure));
        self.payload.push_owned(out);
    }
}

/// Defines a `[CODE, Request|id, Options|dict]` message (CANCEL, INTERRUPT).
macro_rules! request_options_message {
    ($(#[$doc:meta])* $name:ident, $code:expr, $wire:literal, $opts:ty) => {
        $(#[$doc])*
        #[derive(Clone, Debug, Default, PartialEq)]
        pub struct $name {
            /// The request this refers to.
            pub request: Id,
            /// Options.
            pub options: $opts,
        }

        impl WireMessage for $name {
            const CODE: u64 = $code;
            const NAME: &'static str = $wire;
            const LEN: (usize, usize, &'static str) = (3, 3, "3");
            fn read(r: &mut Reader) -> Result<Self, WampError> {
                let request = r.id("request")?;
                let options = r.options("options", <$opts>::from_dict)?;
                Ok(Self { request, options })
            }
            fn wire_len(&self) -> usize {
                2
            }
            fn write_ref<S: ElementSink>(&self, s: &mut S) -> Result<(), S::Error> {
                s.element(Element::UInt(self.request.get()))?;
                self.options.write_dict(s)?;
                Ok(())
            }
        }
    };
}

request_options_message!(
    /// `[CANCEL, CALL.Request|id, Options|dict]`: the caller cancels a call.
    Cancel, code::CANCEL, "CANCEL", CancelOptions
);
request_options_message!(
    /// `[INTERRUPT, INVOCATION.Request|id, Options|dict]`: the dealer interrupts an invocation.
    Interrupt, code::INTERRUPT, "INTERRUPT", InterruptOptions
);

/// Defines a `[CODE, Request|id, Dict, (Args, (Kwargs))]` message (RESULT, YIELD).
macro_rules! reply_message {
    ($(#[$doc:meta])* $name:ident, $code:expr, $wire:literal, $field:ident: $opts:ty) => {
        $(#[$doc])*
        #[derive(Clone, Debug, Default, PartialEq)]
        pub struct $name {
            /// The request answered.
            pub request: Id,
            /// Options or details (boxed: usually empty).
            pub $field: Boxed<$opts>,
            /// The result payload.
            pub payload: Payload,
        }

        impl WireMessage for $name {
            const CODE: u64 = $code;
            const NAME: &'static str = $wire;
            const LEN: (usize, usize, &'static str) = (3, 5, "3 to 5");
            fn read(r: &mut Reader) -> Result<Self, WampError> {
                let request = r.id("request")?;
                let $field = r.boxed_options(stringify!($field), <$opts>::from_dict)?;
                let payload = r.payload($field.enc_algo.is_some())?;
                Ok(Self { request, $field, payload })
            }
            fn wire_len(&self) -> usize {
                2 + self.payload.wire_len()
            }
            fn write_ref<S: ElementSink>(&self, s: &mut S) -> Result<(), S::Error> {
                s.element(Element::UInt(self.request.get()))?;
                self.$field.write_dict(s)?;
                self.payload.write_ref(s)?;
                Ok(())
            }
            fn write_owned(self, out: &mut Vec<Value>) {
                out.push(Value::from_u64(self.request.get()));
                out.push(Value::Dict(self.$field.to_dict()));
                self.payload.push_owned(out);
            }
        }
    };
}

reply_message!(
    /// `[RESULT, CALL.Request|id, Details|dict, (Args, (Kwargs))]`: the dealer answers a call.
    ResultMessage, code::RESULT, "RESULT", details: ResultDetails
);
reply_message!(
    /// `[YIELD, INVOCATION.Request|id, Options|dict, (Args, (Kwargs))]`: the callee answers.
    Yield, code::YIELD, "YIELD", options: YieldOptions
);

/// `[REGISTER, Request|id, Options|dict, Procedure|uri]`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Register {
    /// Request ID.
    pub request: Id,
    /// Options (`match`, `invoke`, ...; boxed, as they are larger than the rest).
    pub options: Boxed<RegisterOptions>,
    /// The procedure, or a prefix/wildcard pattern.
    pub procedure: String,
}

impl WireMessage for Register {
    const CODE: u64 = code::REGISTER;
    const NAME: &'static str = "REGISTER";
    const LEN: (usize, usize, &'static str) = (4, 4, "4");
    fn read(r: &mut Reader) -> Result<Self, WampError> {
        let request = r.id("request")?;
        let options = r.boxed_options("options", RegisterOptions::from_dict)?;
        let procedure = r.pattern("procedure", options.match_policy.unwrap_or_default())?;
        Ok(Self {
            request,
            options,
            procedure,
        })
    }
    fn wire_len(&self) -> usize {
        3
    }
    fn write_ref<S: ElementSink>(&self, s: &mut S) -> Result<(), S::Error> {
        s.element(Element::UInt(self.request.get()))?;
        self.options.write_dict(s)?;
        s.element(Element::Str(&self.procedure))?;
        Ok(())
    }
}

ack_message!(
    /// `[REGISTERED, REGISTER.Request|id, Registration|id]`.
    Registered, code::REGISTERED, "REGISTERED", registration, "The registration ID (router scope)."
);

/// `[UNREGISTER, Request|id, REGISTERED.Registration|id, (Options|dict)]`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Unregister {
    /// Request ID.
    pub request: Id,
    /// The registration to end.
    pub registration: Id,
    /// The optional options element (router-to-router forwarding).
    pub options: Option<UnregisterOptions>,
}

impl WireMessage for Unregister {
    const CODE: u64 = code::UNREGISTER;
    const NAME: &'static str = "UNREGISTER";
    const LEN: (usize, usize, &'static str) = (3, 4, "3 or 4");
    fn read(r: &mut Reader) -> Result<Self, WampError> {
        let request = r.id("request")?;
        let registration = r.id("registration")?;
        let options = if r.remaining() > 0 {
            Some(r.options("options", UnregisterOptions::from_dict)?)
        } else {
            None
        };
        Ok(Self {
            request,
            registration,
            options,
        })
    }
    fn wire_len(&self) -> usize {
        2 + usize::from(self.options.is_some())
    }
    fn write_ref<S: ElementSink>(&self, s: &mut S) -> Result<(), S::Error> {
        s.element(Element::UInt(self.request.get()))?;
        s.element(Element::UInt(self.registration.get()))?;
        if let Some(o) = &self.options {
            o.write_dict(s)?;
        }
        Ok(())
    }
}

/// `[UNREGISTERED, UNREGISTER.Request|id, (Details|dict)]`; a router revoking a
/// registration sends request `0` with details.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Unregistered {
    /// The UNREGISTER request acknowledged, or 0 for a revocation.
    pub request: Id,
    /// Revocation details.
    pub details: Option<UnregisteredDetails>,
}

impl WireMessage for Unregistered {
    const CODE: u64 = code::UNREGISTERED;
    const NAME: &'static str = "UNREGISTERED";
    const LEN: (usize, usize, &'static str) = (2, 3, "2 or 3");
    fn read(r: &mut Reader) -> Result<Self, WampError> {
        let request = r.id("request")?;
        let details = if r.remaining() > 0 {
            Some(r.options("details", UnregisteredDetails::from_dict)?)
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

/// `[INVOCATION, Request|id, REGISTERED.Registration|id, Details|dict, (Args, (Kwargs))]`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Invocation {
    /// Request ID (dealer's session scope towards the callee).
    pub request: Id,
    /// The registration invoked.
    pub registration: Id,
    /// Details (boxed: usually empty).
    pub details: Boxed<InvocationDetails>,
    /// Call arguments.
    pub payload: Payload,
}

impl WireMessage for Invocation {
    const CODE: u64 = code::INVOCATION;
    const NAME: &'static str = "INVOCATION";
    const LEN: (usize, usize, &'static str) = (4, 6, "4 to 6");
    fn read(r: &mut Reader) -> Result<Self, WampError> {
        let request = r.id("request")?;
        let registration = r.id("registration")?;
        let details = r.boxed_options("details", InvocationDetails::from_dict)?;
        let payload = r.payload(details.enc_algo.is_some())?;
        Ok(Self {
            request,
            registration,
            details,
            payload,
        })
    }
    fn wire_len(&self) -> usize {
        3 + self.payload.wire_len()
    }
    fn write_ref<S: ElementSink>(&self, s: &mut S) -> Result<(), S::Error> {
        s.element(Element::UInt(self.request.get()))?;
        s.element(Element::UInt(self.registration.get()))?;
        self.details.write_dict(s)?;
        self.payload.write_ref(s)?;
        Ok(())
    }
    fn write_owned(self, out: &mut Vec<Value>) {
        out.push(Value::from_u64(self.request.get()));
        out.push(Value::from_u64(self.registration.get()));
        out.push(Value::Dict(self.details.to_dict()));
        self.payload.push_owned(out);
    }
}
