//! The runtime-agnostic WAMP client of ferrobahn.
//!
//! - [`Session`] (module [`core`]) is the sans-IO session state machine: messages in,
//!   commands queue messages out, events and deadlines out. Tested without any I/O.
//! - [`auth`] answers challenges: ticket, WAMP-CRA (salted too), cryptosign.
//! - [`transport`]: WAMP over WebSocket (any serializer) or RawSocket, over any
//!   `ferrobahn_rt::Transport` byte stream.
//! - [`Client`]: the async session handle; its driver task runs on any
//!   `ferrobahn_rt::Runtime`, so one application runs unchanged on tokio and async-std.
//! - [`Component`]: transports, realm, credentials, `on_join`/`on_leave`/`on_disconnect`
//!   hooks and automatic reconnection with backoff.
#![forbid(unsafe_code)]

pub mod auth;
mod client;
pub mod component;
pub mod core;
mod error;
pub mod transport;

pub use crate::auth::Credentials;
pub use crate::client::{
    Client, ClientConfig, EventSink, Invocation, PendingCall, Procedure, ProcedureFuture,
    ProcedureResult, Registration, Subscription,
};
pub use crate::component::{Backoff, Component, ComponentError, Connector};
pub use crate::core::{
    Ack, CallResult, EventData, InvocationData, JoinOptions, Session, SessionConfig,
    SessionDetails, SessionEvent, SessionState,
};
pub use crate::error::{ApplicationError, RequestError, SessionError, UsageError};
pub use ferrobahn_wamp as wamp;
