//! The ferrobahn WAMP router.
//!
//! - [`core`]: the sans-IO router ([`Router`]): realms, sessions, authentication and
//!   authorization, broker, dealer, meta API. No sockets, no tasks, no clock reads;
//!   driven by [`Router::handle`] and drained through [`Router::poll_transmit`].
//! - [`host`]: the runtime-agnostic host over `ferrobahn-rt`: [`host::start`] runs the
//!   core in one task and [`host::RouterHandle::serve`] accepts WebSocket connections on
//!   any [`ferrobahn_rt::Listener`] (tokio, async-std, ...).
//! - [`config`]: [`RouterConfig`] (TOML or JSON) with a usable default (realm `realm1`,
//!   anonymous, `ws://127.0.0.1:8080/ws`).
#![forbid(unsafe_code)]

pub mod config;
pub mod core;
pub mod host;

pub use crate::config::{ConfigError, RouterConfig};
pub use crate::core::{
    Action, AuthorizeRequest, Authorizer, ConnId, Outbound, Router, Targets, Transmit,
    TransportInfo,
};
pub use crate::host::{serve, start, start_with, EmbeddedConnector, HostOptions, RouterHandle};
