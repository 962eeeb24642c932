//! Every WAMP v2 message as a typed value, and the conversion to and from the list form.
//!
//! A message on the wire is a list whose first element is the type code. Serializers
//! only map bytes to and from [`Value`]; [`Message::from_value`] checks lengths, types, ID
//! ranges and URIs, and [`Message::to_value`] builds the list back. Dictionaries keep
//! unknown keys, so `to_value(from_value(v)) == v` for every valid `v`.
//! [`Message::write_to`] lends the same list element by element to an [`ElementSink`]
//! (what serializers encode from), without copying the message.

mod element;
mod error;
mod pubsub;
mod reader;
mod reject;
mod rpc;
mod session;

pub use element::{Element, ElementSink};
pub use error::ErrorMessage;
pub use pubsub::{Event, Publish, Published, Subscribe, Subscribed, Unsubscribe, Unsubscribed};
pub use rpc::{
    Call, Cancel, Interrupt, Invocation, Register, Registered, ResultMessage, Unregister,
    Unregistered, Yield,
};
pub use session::{Abort, Authenticate, Challenge, Goodbye, Hello, Welcome};

use crate::error::WampError;
use crate::uri::UriCheck;
use crate::value::Value;
use element::Collect;
use reader::Reader;

/// The message type codes of WAMP v2.
pub mod code {
    /// HELLO.
    pub const HELLO: u64 = 1;
    /// WELCOME.
    pub const WELCOME: u64 = 2;
    /// ABORT.
    pub const ABORT: u64 = 3;
    /// CHALLENGE.
    pub const CHALLENGE: u64 = 4;
    /// AUTHENTICATE.
    pub const AUTHENTICATE: u64 = 5;
    /// GOODBYE.
    pub const GOODBYE: u64 = 6;
    /// ERROR.
    pub const ERROR: u64 = 8;
    /// PUBLISH.
    pub const PUBLISH: u64 = 16;
    /// PUBLISHED.
    pub const PUBLISHED: u64 = 17;
    /// SUBSCRIBE.
    pub const SUBSCRIBE: u64 = 32;
    /// SUBSCRIBED.
    pub const SUBSCRIBED: u64 = 33;
    /// UNSUBSCRIBE.
    pub const UNSUBSCRIBE: u64 = 34;
    /// UNSUBSCRIBED.
    pub const UNSUBSCRIBED: u64 = 35;
    /// EVENT.
    pub const EVENT: u64 = 36;
    /// CALL.
    pub const CALL: u64 = 48;
    /// CANCEL.
    pub const CANCEL: u64 = 49;
    /// RESULT.
    pub const RESULT: u64 = 50;
    /// REGISTER.
    pub const REGISTER: u64 = 64;
    /// REGISTERED.
    pub const REGISTERED: u64 = 65;
    /// UNREGISTER.
    pub const UNREGISTER: u64 = 66;
    /// UNREGISTERED.
    pub const UNREGISTERED: u64 = 67;
    /// INVOCATION.
    pub const INVOCATION: u64 = 68;
    /// INTERRUPT.
    pub const INTERRUPT: u64 = 69;
    /// YIELD.
    pub const YIELD: u64 = 70;
}

/// Implemented by every message struct: its code, its name, and the list conversions.
pub(crate) trait WireMessage: Sized {
    const CODE: u64;
    const NAME: &'static str;
    /// Allowed total list lengths (type code included), and their description.
    const LEN: (usize, usize, &'static str);
    fn read(r: &mut Reader) -> Result<Self, WampError>;
    /// The number of list elements after the type code.
    fn wire_len(&self) -> usize;
    /// Hands the list elements after the type code to `s`, borrowed.
    fn write_ref<S: ElementSink>(&self, s: &mut S) -> Result<(), S::Error>;
    /// Appends the list elements after the type code, moving payloads and URIs instead
    /// of cloning them (overridden by the messages that carry a payload).
    fn write_owned(self, out: &mut Vec<Value>) {
        let Ok(()) = self.write_ref(&mut Collect::new(out));
    }
}

macro_rules! messages {
    ($( $(#[$doc:meta])* $variant:ident($ty:ty), )*) => {
        /// Any WAMP v2 message.
        #[derive(Clone, Debug, PartialEq)]
        pub enum Message {
            $( $(#[$doc])* $variant($ty), )*
        }

        impl Message {
            /// The message type code.
            pub fn code(&self) -> u64 {
                match self { $( Message::$variant(_) => <$ty as WireMessage>::CODE, )* }
            }

            /// The message name, e.g. `"CALL"`.
            pub fn name(&self) -> &'static str {
                match self { $( Message::$variant(_) => <$ty as WireMessage>::NAME, )* }
            }

            /// The name of the message with type code `code`, if it is one.
            pub fn name_of(code: u64) -> Option<&'static str> {
                match code {
                    $( <$ty as WireMessage>::CODE => Some(<$ty as WireMessage>::NAME), )*
                    _ => None,
                }
            }

            /// Decodes a message from its list form, validating URIs with `check`.
            pub fn from_value_with(v: Value, check: UriCheck) -> Result<Message, WampError> {
                let list = match v {
                    Value::List(l) => l,
                    other => return Err(WampError::NotAList(other.type_name())),
                };
                let mut items = list.into_iter();
                let code = match items.next() {
                    None => return Err(WampError::Empty),
                    Some(c) => c.as_u64().ok_or(WampError::InvalidMessageType(c.type_name()))?,
                };
                match code {
                    $( <$ty as WireMessage>::CODE => {
                        let (min, max, expected) = <$ty as WireMessage>::LEN;
                        let mut r = Reader::new(
                            <$ty as WireMessage>::NAME, items, (min, max), expected, check,
                        )?;
                        Ok(Message::$variant(<$ty as WireMessage>::read(&mut r)?))
                    } )*
                    other => Err(WampError::UnknownMessageType(other)),
                }
            }

            /// Hands the message's list form to `sink` without copying it: the number
            /// of elements (type code included), then each element borrowed from the
            /// message (see [`Element`]). Serializers encode a borrowed message this
            /// way; [`to_value`](Self::to_value) is the same list, copied.
            pub fn write_to<S: ElementSink>(&self, sink: &mut S) -> Result<(), S::Error> {
                match self { $( Message::$variant(m) => {
                    sink.begin(1 + m.wire_len())?;
                    sink.element(Element::UInt(<$ty as WireMessage>::CODE))?;
                    m.write_ref(sink)?;
                } )* }
                sink.end()
            }

            /// Encodes the message to its list form (a copy of its payload and URIs;
            /// see [`write_to`](Self::write_to) and [`into_value`](Self::into_value)
            /// for the ways without).
            pub fn to_value(&self) -> Value {
                let mut out = Vec::new();
                let Ok(()) = self.write_to(&mut Collect::new(&mut out));
                Value::List(out)
            }

            /// Appends the message's list form to `out` (type code first), moving its
            /// payload and URIs: no copy of the arguments, unlike
            /// [`to_value`](Self::to_value). Sending an owned message this way into a
            /// reused `out` costs no allocation for the list itself.
            pub fn into_list(self, out: &mut Vec<Value>) {
                match self { $( Message::$variant(m) => {
                    out.push(Value::from_u64(<$ty as WireMessage>::CODE));
                    m.write_owned(out);
                } )* }
            }

            /// Encodes the message to its list form, moving its payload (see
            /// [`into_list`](Self::into_list)).
            pub fn into_value(self) -> Value {
                let mut out = Vec::with_capacity(7);
                self.into_list(&mut out);
                Value::List(out)
            }
        }

        $(
            impl From<$ty> for Message {
                fn from(m: $ty) -> Message { Message::$variant(m) }
            }
        )*
    };
}

messages! {
    /// HELLO.
    Hello(Hello),
    /// WELCOME.
    Welcome(Welcome),
    /// ABORT.
    Abort(Abort),
    /// CHALLENGE.
    Challenge(Challenge),
    /// AUTHENTICATE.
    Authenticate(Authenticate),
    /// GOODBYE.
    Goodbye(Goodbye),
    /// ERROR.
    Error(ErrorMessage),
    /// PUBLISH.
    Publish(Publish),
    /// PUBLISHED.
    Published(Published),
    /// SUBSCRIBE.
    Subscribe(Subscribe),
    /// SUBSCRIBED.
    Subscribed(Subscribed),
    /// UNSUBSCRIBE.
    Unsubscribe(Unsubscribe),
    /// UNSUBSCRIBED.
    Unsubscribed(Unsubscribed),
    /// EVENT.
    Event(Event),
    /// CALL.
    Call(Call),
    /// CANCEL.
    Cancel(Cancel),
    /// RESULT.
    Result(ResultMessage),
    /// REGISTER.
    Register(Register),
    /// REGISTERED.
    Registered(Registered),
    /// UNREGISTER.
    Unregister(Unregister),
    /// UNREGISTERED.
    Unregistered(Unregistered),
    /// INVOCATION.
    Invocation(Invocation),
    /// INTERRUPT.
    Interrupt(Interrupt),
    /// YIELD.
    Yield(Yield),
}

impl Message {
    /// Decodes a message from its list form with loose URI checking (AutobahnPython's
    /// default).
    pub fn from_value(v: Value) -> Result<Message, WampError> {
        Message::from_value_with(v, UriCheck::Loose)
    }
}

#[cfg(test)]
mod tests;
