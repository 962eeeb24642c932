//! WAMP v2 message model: messages, IDs, URIs, roles, options and details.
//!
//! This crate is sans-IO and serializer-neutral. Serializers (see `ferrobahn-serializers`)
//! map bytes to and from the dynamic [`Value`]; [`Message::from_value`] turns a value into
//! a typed [`Message`], checking lengths, element types, ID ranges and URIs, and
//! [`Message::to_value`] turns it back. Options and details are typed structs that keep
//! unknown keys in an `extra` dictionary, so a router forwards what it does not know.
//!
//! ```
//! use ferrobahn_wamp::{Message, Payload, Value, message::Call};
//!
//! let call = Call {
//!     request: ferrobahn_wamp::Id::new(1).unwrap(),
//!     procedure: "com.example.add2".into(),
//!     payload: Payload::from_args(&(2, 3)).unwrap(),
//!     ..Default::default()
//! };
//! let wire = Message::from(call.clone()).to_value();
//! assert_eq!(Message::from_value(wire).unwrap(), Message::Call(call));
//! ```
#![forbid(unsafe_code)]

pub mod error;
pub mod id;
pub mod idmap;
pub mod message;
pub mod options;
pub mod payload;
pub mod roles;
#[cfg(feature = "proptest")]
pub mod strategy;
pub mod uri;
pub mod value;

pub use error::{error_uri, OptionError, WampError};
pub use id::{Id, RandomIds, SequentialIds, MAX_ID};
pub use message::Message;
pub use payload::Payload;
pub use roles::{Role, RoleFeatures, Roles};
pub use uri::{MatchPolicy, UriCheck, UriError};
pub use value::{from_value, to_value, Dict, Value, ValueError};
