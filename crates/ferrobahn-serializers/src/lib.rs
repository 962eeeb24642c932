//! WAMP serializers (JSON, MessagePack, CBOR, UBJSON) and RawSocket framing.
//!
//! Each format maps bytes to and from [`ferrobahn_wamp::Value`]; a [`Serializer`] adds
//! batching, limits and the conversion to [`ferrobahn_wamp::Message`]. A message is encoded
//! where it lies ([`ferrobahn_wamp::Message::write_to`]), with the bytes of its list form
//! but without copying it into one. Formats are behind features: `json` and `msgpack`
//! (default), `cbor`, `ubjson`.
//!
//! ```
//! use ferrobahn_serializers::{Format, Serializer};
//! use ferrobahn_wamp::{message::Publish, Id, Message, Payload};
//!
//! let ser = Serializer::from_subprotocol("wamp.2.json").unwrap();
//! let msg = Message::from(Publish {
//!     request: Id::new(1).unwrap(),
//!     topic: "com.example.topic".into(),
//!     payload: Payload::from_args(&("hello", 42)).unwrap(),
//!     ..Default::default()
//! });
//! let mut out = Vec::new();
//! ser.encode(&msg, &mut out).unwrap();
//! assert_eq!(out, br#"[16,1,{},"com.example.topic",["hello",42]]"#);
//! assert_eq!(ser.decode_one(&out).unwrap(), msg);
//! ```
#![forbid(unsafe_code)]
// Shared decoder helpers are only all used when every format is compiled in; the
// all-features build checks for dead code.
#![cfg_attr(
    not(all(
        feature = "json",
        feature = "msgpack",
        feature = "cbor",
        feature = "ubjson"
    )),
    allow(dead_code)
)]

#[cfg(feature = "cbor")]
mod cbor;
mod error;
mod input;
#[cfg(feature = "json")]
mod json;
#[cfg(feature = "json")]
mod json_fast;
#[cfg(feature = "msgpack")]
mod msgpack;
pub mod rawsocket;
mod serializer;
#[cfg(feature = "ubjson")]
mod ubjson;

use bytes::Bytes;
use ferrobahn_wamp::{Message, Value};

pub use error::{DecodeError, EncodeError};
pub use serializer::{Limits, Serializer, JSON_BATCH_SEPARATOR};

/// A serialization format. Only the formats whose feature is enabled exist.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// JSON (`wamp.2.json`), RawSocket serializer 1.
    #[cfg(feature = "json")]
    Json,
    /// MessagePack (`wamp.2.msgpack`), RawSocket serializer 2.
    #[cfg(feature = "msgpack")]
    MsgPack,
    /// CBOR (`wamp.2.cbor`), RawSocket serializer 3.
    #[cfg(feature = "cbor")]
    Cbor,
    /// UBJSON as AutobahnPython and Crossbar.io speak it (`wamp.2.ubjson`), RawSocket
    /// serializer 4. On the wire this is Binary JData (BJData): little-endian numbers,
    /// unsigned-integer markers, byte strings as `[$B#n`.
    #[cfg(feature = "ubjson")]
    Ubjson,
    /// UBJSON draft 12 as `py-ubjson` (older AutobahnPython) wrote it: big-endian, byte
    /// strings as `[$U#n`. Same subprotocol and RawSocket ID as [`Format::Ubjson`], so it
    /// is never negotiated on its own: pick it explicitly (name `ubjson-draft12`) for a
    /// peer that still uses `py-ubjson`. Not in [`Format::ALL`].
    #[cfg(feature = "ubjson")]
    UbjsonDraft12,
}

impl Format {
    /// Every compiled-in format, in the order a client offers them (binary first).
    pub const ALL: &'static [Format] = &[
        #[cfg(feature = "cbor")]
        Format::Cbor,
        #[cfg(feature = "msgpack")]
        Format::MsgPack,
        #[cfg(feature = "ubjson")]
        Format::Ubjson,
        #[cfg(feature = "json")]
        Format::Json,
    ];

    /// The short name: `json`, `msgpack`, `cbor`, `ubjson` or `ubjson-draft12`.
    pub fn name(self) -> &'static str {
        match self {
            #[cfg(feature = "json")]
            Format::Json => "json",
            #[cfg(feature = "msgpack")]
            Format::MsgPack => "msgpack",
            #[cfg(feature = "cbor")]
            Format::Cbor => "cbor",
            #[cfg(feature = "ubjson")]
            Format::Ubjson => "ubjson",
            #[cfg(feature = "ubjson")]
            Format::UbjsonDraft12 => "ubjson-draft12",
        }
    }

    /// The format with this short name, if compiled in.
    pub fn from_name(name: &str) -> Option<Format> {
        #[cfg(feature = "ubjson")]
        if name == Format::UbjsonDraft12.name() {
            return Some(Format::UbjsonDraft12);
        }
        Format::ALL.iter().copied().find(|f| f.name() == name)
    }

    /// The WebSocket subprotocol of the plain or batched variant.
    pub fn subprotocol(self, batched: bool) -> &'static str {
        match (self, batched) {
            #[cfg(feature = "json")]
            (Format::Json, false) => "wamp.2.json",
            #[cfg(feature = "json")]
            (Format::Json, true) => "wamp.2.json.batched",
            #[cfg(feature = "msgpack")]
            (Format::MsgPack, false) => "wamp.2.msgpack",
            #[cfg(feature = "msgpack")]
            (Format::MsgPack, true) => "wamp.2.msgpack.batched",
            #[cfg(feature = "cbor")]
            (Format::Cbor, false) => "wamp.2.cbor",
            #[cfg(feature = "cbor")]
            (Format::Cbor, true) => "wamp.2.cbor.batched",
            #[cfg(feature = "ubjson")]
            (Format::Ubjson | Format::UbjsonDraft12, false) => "wamp.2.ubjson",
            #[cfg(feature = "ubjson")]
            (Format::Ubjson | Format::UbjsonDraft12, true) => "wamp.2.ubjson.batched",
        }
    }

    /// The RawSocket serializer ID (1 JSON, 2 MessagePack, 3 CBOR, 4 UBJSON).
    pub fn rawsocket_id(self) -> u8 {
        match self {
            #[cfg(feature = "json")]
            Format::Json => 1,
            #[cfg(feature = "msgpack")]
            Format::MsgPack => 2,
            #[cfg(feature = "cbor")]
            Format::Cbor => 3,
            #[cfg(feature = "ubjson")]
            Format::Ubjson | Format::UbjsonDraft12 => 4,
        }
    }

    /// The format with this RawSocket serializer ID, if compiled in.
    pub fn from_rawsocket_id(id: u8) -> Option<Format> {
        Format::ALL.iter().copied().find(|f| f.rawsocket_id() == id)
    }

    /// Whether the format needs a binary-clean transport (all but JSON).
    pub fn is_binary(self) -> bool {
        #[cfg(feature = "json")]
        if self == Format::Json {
            return false;
        }
        true
    }

    #[allow(unused_variables, clippy::ptr_arg)]
    fn encode(self, v: &Value, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        match self {
            #[cfg(feature = "json")]
            Format::Json => json::encode(v, out),
            #[cfg(feature = "msgpack")]
            Format::MsgPack => {
                msgpack::encode(v, out);
                Ok(())
            }
            #[cfg(feature = "cbor")]
            Format::Cbor => {
                cbor::encode(v, out);
                Ok(())
            }
            #[cfg(feature = "ubjson")]
            Format::Ubjson => {
                ubjson::encode(ubjson::Dialect::BjData, v, out);
                Ok(())
            }
            #[cfg(feature = "ubjson")]
            Format::UbjsonDraft12 => {
                ubjson::encode(ubjson::Dialect::Draft12, v, out);
                Ok(())
            }
        }
    }

    /// Encodes a borrowed message's list form (the bytes of [`Format::encode`] of
    /// [`Message::to_value`], without the copy).
    #[allow(unused_variables, clippy::ptr_arg)]
    fn encode_message(self, msg: &Message, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        match self {
            #[cfg(feature = "json")]
            Format::Json => msg.write_to(&mut json::Sink::new(out)),
            #[cfg(feature = "msgpack")]
            Format::MsgPack => msg.write_to(&mut msgpack::Sink(out)),
            #[cfg(feature = "cbor")]
            Format::Cbor => msg.write_to(&mut cbor::Sink(out)),
            #[cfg(feature = "ubjson")]
            Format::Ubjson => msg.write_to(&mut ubjson::Sink(ubjson::Dialect::BjData, out)),
            #[cfg(feature = "ubjson")]
            Format::UbjsonDraft12 => msg.write_to(&mut ubjson::Sink(ubjson::Dialect::Draft12, out)),
        }
    }

    #[allow(unused_variables)]
    fn decode(self, data: &[u8], src: Option<&Bytes>, depth: usize) -> Result<Value, DecodeError> {
        let binary = |f: fn(&mut input::Input<'_>) -> Result<Value, DecodeError>| -> Result<Value, DecodeError> {
            let mut inp = input::Input::new(data, src, depth, self.name());
            let v = f(&mut inp)?;
            inp.finish()?;
            Ok(v)
        };
        match self {
            #[cfg(feature = "json")]
            Format::Json => json::decode(data, depth),
            #[cfg(feature = "msgpack")]
            Format::MsgPack => binary(msgpack::decode),
            #[cfg(feature = "cbor")]
            Format::Cbor => binary(cbor::decode),
            #[cfg(feature = "ubjson")]
            Format::Ubjson => binary(|inp| ubjson::decode(ubjson::Dialect::BjData, inp)),
            #[cfg(feature = "ubjson")]
            Format::UbjsonDraft12 => binary(|inp| ubjson::decode(ubjson::Dialect::Draft12, inp)),
        }
    }
}
