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
//!
//! A component on tokio (the same code runs on async-std with its runtime and socket):
//!
//! ```no_run
//! use ferrobahn_client::transport::{connect_websocket, WampTransport};
//! use ferrobahn_client::wamp::Payload;
//! use ferrobahn_client::{Component, ComponentError, Invocation, JoinOptions};
//! use ferrobahn_serializers::Serializer;
//!
//! async fn app() -> Result<(), ComponentError> {
//!     let runtime = ferrobahn_tokio::runtime();
//!     let rt = runtime.clone();
//!     Component::new(runtime, JoinOptions::new("realm1"))
//!         .transport(move || {
//!             let rt = rt.clone();
//!             async move {
//!                 let tcp = tokio::net::TcpStream::connect("127.0.0.1:8080").await?;
//!                 let serializers = [Serializer::from_subprotocol("wamp.2.msgpack").unwrap()];
//!                 let t = connect_websocket(
//!                     rt,
//!                     ferrobahn_tokio::TokioIo(tcp),
//!                     "ws://127.0.0.1:8080/ws",
//!                     &serializers,
//!                     Default::default(),
//!                 )
//!                 .await?;
//!                 Ok(Box::new(t) as Box<dyn WampTransport>)
//!             }
//!         })
//!         .on_join(|client, _details| async move {
//!             let add2 = |inv: Invocation| async move {
//!                 let (a, b): (i64, i64) = inv.parse_args()?;
//!                 Ok(Payload::from_args(&(a + b,))?)
//!             };
//!             client
//!                 .register("com.example.add2", Default::default(), add2)
//!                 .await
//!                 .expect("register");
//!             let sum = client.call("com.example.add2", (2, 3)).await.expect("call");
//!             assert_eq!(sum.parse_args::<(i64,)>().unwrap(), (5,));
//!         })
//!         .run()
//!         .await
//! }
//! ```
//!
//! # Cryptosign channel binding
//!
//! Over TLS (`wss://`, `rss://`) a cryptosign login can be bound to the connection,
//! so a signature relayed from another TLS connection is worthless:
//! [`JoinOptions::with_channel_binding_type`] with [`ChannelBindingType::TlsExporter`]
//! makes the [`Client`] take the RFC 9266 `tls-exporter` value from its transport
//! ([`transport::WampTransport::tls_exporter`], which the runtime shells read from
//! rustls), ask for `authextra.channel_binding = "tls-exporter"` in HELLO, and sign
//! the challenge XORed with it, as AutobahnPython does for its binding type. On a
//! transport without TLS the join fails with
//! [`UsageError::ChannelBindingUnavailable`] before HELLO is sent, and a challenge
//! that comes back unbound is not answered ([`auth::AuthError::BindingNotHonoured`]):
//! never a silent downgrade. ferrobahn's router verifies `tls-exporter`. The TLS
//! streams of `ferrobahn_tokio::connect_tls` / `ferrobahn_async_std::connect_tls`
//! (`ClientStream`) give the exporter value; a TLS stream wrapped by hand in
//! `TokioIo` / `FuturesIo` does not (those wrappers know no TLS), so a binding asked
//! for over it fails the same way.
//!
//! Crossbar.io and AutobahnPython accept only `tls-unique` (SHA-256 of the first
//! TLS Finished message, taken through pyOpenSSL). rustls does not expose the
//! Finished messages (rustls issue #995), and `tls-unique` is undefined for TLS
//! 1.3, so binding against Crossbar.io is not possible with this (rustls) client;
//! cryptosign without binding works with Crossbar.io and is tested against it.
#![forbid(unsafe_code)]

pub mod auth;
mod client;
pub mod component;
pub mod core;
mod error;
pub mod transport;

pub use crate::auth::{ChannelBinding, ChannelBindingType, Credentials};
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
