//! Configuration, join options and the events of the session core.

use std::time::Duration;

use ferrobahn_wamp::options::{Boxed, CancelMode, EventDetails, InvocationDetails, ResultDetails};
use ferrobahn_wamp::{Dict, Id, Payload, Roles, UriCheck, Value};

use crate::auth::{ChannelBinding, ChannelBindingType, Credentials};
use crate::error::{ApplicationError, RequestError, SessionError};

/// Limits and timeouts of a session core. Every one has a safe default.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct SessionConfig {
    /// How URIs given to commands are checked before sending. Default loose.
    pub uri_check: UriCheck,
    /// HELLO must be answered (WELCOME or ABORT, challenges included) within this.
    /// Default 10 s.
    pub join_timeout: Duration,
    /// GOODBYE must be answered within this, else the session counts as left.
    /// Default 5 s.
    pub leave_timeout: Duration,
    /// A call without its own `timeout` option fails locally after this (`None`: waits
    /// for the router forever, as AutobahnPython). Default `None`.
    pub default_call_timeout: Option<Duration>,
    /// After a local call timeout or a `skip` cancel, the router gets this long to answer
    /// before the request ID is forgotten (a later answer is a protocol violation).
    /// Default 5 s.
    pub cancel_grace: Duration,
    /// The most requests (calls, registers, subscribes, acknowledged publishes, ...)
    /// waiting for an answer at once. Default 65 536.
    pub max_pending_requests: usize,
    /// The most invocations this callee runs at once before answering new ones with
    /// `wamp.error.unavailable`. Default 65 536.
    pub max_pending_invocations: usize,
    /// The client's agent string in HELLO.
    pub agent: String,
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            uri_check: UriCheck::Loose,
            join_timeout: Duration::from_secs(10),
            leave_timeout: Duration::from_secs(5),
            default_call_timeout: None,
            cancel_grace: Duration::from_secs(5),
            max_pending_requests: 65_536,
            max_pending_invocations: 65_536,
            agent: concat!("ferrobahn-", env!("CARGO_PKG_VERSION")).to_owned(),
        }
    }
}

impl SessionConfig {
    /// Sets [`SessionConfig::uri_check`].
    #[must_use]
    pub fn with_uri_check(mut self, v: UriCheck) -> Self {
        self.uri_check = v;
        self
    }

    /// Sets [`SessionConfig::join_timeout`].
    #[must_use]
    pub fn with_join_timeout(mut self, v: Duration) -> Self {
        self.join_timeout = v;
        self
    }

    /// Sets [`SessionConfig::leave_timeout`].
    #[must_use]
    pub fn with_leave_timeout(mut self, v: Duration) -> Self {
        self.leave_timeout = v;
        self
    }

    /// Sets [`SessionConfig::default_call_timeout`].
    #[must_use]
    pub fn with_default_call_timeout(mut self, v: Option<Duration>) -> Self {
        self.default_call_timeout = v;
        self
    }

    /// Sets [`SessionConfig::cancel_grace`].
    #[must_use]
    pub fn with_cancel_grace(mut self, v: Duration) -> Self {
        self.cancel_grace = v;
        self
    }

    /// Sets [`SessionConfig::max_pending_requests`].
    #[must_use]
    pub fn with_max_pending_requests(mut self, v: usize) -> Self {
        self.max_pending_requests = v;
        self
    }

    /// Sets [`SessionConfig::max_pending_invocations`].
    #[must_use]
    pub fn with_max_pending_invocations(mut self, v: usize) -> Self {
        self.max_pending_invocations = v;
        self
    }

    /// Sets [`SessionConfig::agent`].
    #[must_use]
    pub fn with_agent(mut self, v: impl Into<String>) -> Self {
        self.agent = v.into();
        self
    }
}

/// What HELLO asks for: the realm and the authentication.
#[derive(Clone, Debug, Default)]
pub struct JoinOptions {
    /// The realm to join.
    pub realm: String,
    /// The credentials (`Anonymous` by default).
    pub credentials: Credentials,
    /// The authid to ask for.
    pub authid: Option<String>,
    /// The authrole to ask for.
    pub authrole: Option<String>,
    /// Extra authentication data (cryptosign's `pubkey` and `channel_binding` are added
    /// automatically).
    pub authextra: Dict,
    /// The TLS channel binding to ask for with cryptosign (see [`ChannelBinding`]),
    /// given explicitly or filled in from the transport for
    /// [`JoinOptions::channel_binding_type`].
    pub channel_binding: Option<ChannelBinding>,
    /// A channel binding to take from the connected transport: the async
    /// [`Client`](crate::Client) fills [`JoinOptions::channel_binding`] from
    /// [`WampTransport::tls_exporter`](crate::transport::WampTransport::tls_exporter)
    /// when it joins. [`Session::join`](crate::Session::join) refuses a type whose
    /// binding is not filled in ([`UsageError::ChannelBindingUnavailable`](crate::UsageError::ChannelBindingUnavailable)),
    /// so a transport without TLS fails before HELLO instead of joining unbound.
    pub channel_binding_type: Option<ChannelBindingType>,
}

impl JoinOptions {
    /// Joins `realm` anonymously.
    pub fn new(realm: impl Into<String>) -> Self {
        Self {
            realm: realm.into(),
            ..Self::default()
        }
    }

    /// Sets the credentials.
    #[must_use]
    pub fn with_credentials(mut self, c: Credentials) -> Self {
        self.credentials = c;
        self
    }

    /// Sets the authid.
    #[must_use]
    pub fn with_authid(mut self, authid: impl Into<String>) -> Self {
        self.authid = Some(authid.into());
        self
    }

    /// Asks for a cryptosign channel binding with this connection's channel ID.
    #[must_use]
    pub fn with_channel_binding(mut self, binding: ChannelBinding) -> Self {
        self.channel_binding = Some(binding);
        self
    }

    /// Asks for a cryptosign channel binding of type `kind`, taken from the
    /// transport the session joins over (see [`JoinOptions::channel_binding_type`]).
    #[must_use]
    pub fn with_channel_binding_type(mut self, kind: ChannelBindingType) -> Self {
        self.channel_binding_type = Some(kind);
        self
    }

    /// Sets the authrole.
    #[must_use]
    pub fn with_authrole(mut self, authrole: impl Into<String>) -> Self {
        self.authrole = Some(authrole.into());
        self
    }
}

/// What the router told us in WELCOME.
#[derive(Clone, Debug, PartialEq)]
pub struct SessionDetails {
    /// The session ID.
    pub session: Id,
    /// The realm joined.
    pub realm: String,
    /// The authenticated ID.
    pub authid: Option<String>,
    /// The authenticated role.
    pub authrole: Option<String>,
    /// The authentication method used.
    pub authmethod: Option<String>,
    /// The router's roles and features.
    pub router_roles: Roles,
    /// The router's agent string.
    pub router_agent: Option<String>,
}

/// The session's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionState {
    /// No session: join to start one.
    Closed,
    /// HELLO sent, waiting for WELCOME (or CHALLENGE).
    Joining,
    /// Joined: requests may be made.
    Established,
    /// GOODBYE sent, waiting for the router's GOODBYE.
    Leaving,
}

impl SessionState {
    pub(crate) fn name(self) -> &'static str {
        match self {
            SessionState::Closed => "closed",
            SessionState::Joining => "joining",
            SessionState::Established => "established",
            SessionState::Leaving => "leaving",
        }
    }
}

/// A RESULT (final or progressive).
#[derive(Clone, Debug, PartialEq)]
pub struct CallResult {
    /// Positional results.
    pub args: Vec<Value>,
    /// Keyword results.
    pub kwargs: Dict,
    /// Details (progress flag, callee identification).
    pub details: Boxed<ResultDetails>,
}

impl CallResult {
    /// Deserializes the positional results into `T`.
    ///
    /// # Errors
    /// When the values do not fit `T`.
    pub fn parse_args<T: serde::de::DeserializeOwned>(
        &self,
    ) -> Result<T, ferrobahn_wamp::ValueError> {
        ferrobahn_wamp::from_value(Value::List(self.args.clone()))
    }

    /// Deserializes the keyword results into `T`.
    ///
    /// # Errors
    /// When the values do not fit `T`.
    pub fn parse_kwargs<T: serde::de::DeserializeOwned>(
        &self,
    ) -> Result<T, ferrobahn_wamp::ValueError> {
        ferrobahn_wamp::from_value(Value::Dict(self.kwargs.clone()))
    }

    /// The first positional result, if any.
    pub fn first(&self) -> Option<&Value> {
        self.args.first()
    }
}

/// An EVENT for one of our subscriptions.
#[derive(Clone, Debug, PartialEq)]
pub struct EventData {
    /// The subscription it is for.
    pub subscription: Id,
    /// The publication ID.
    pub publication: Id,
    /// Positional arguments.
    pub args: Vec<Value>,
    /// Keyword arguments.
    pub kwargs: Dict,
    /// Details (publisher, concrete topic, retained flag).
    pub details: Boxed<EventDetails>,
}

/// An INVOCATION of one of our registrations.
#[derive(Clone, Debug, PartialEq)]
pub struct InvocationData {
    /// The invocation's request ID (answer with it).
    pub request: Id,
    /// The registration invoked.
    pub registration: Id,
    /// Positional arguments.
    pub args: Vec<Value>,
    /// Keyword arguments.
    pub kwargs: Dict,
    /// Details (caller identification, concrete procedure, receive_progress).
    pub details: Boxed<InvocationDetails>,
}

impl InvocationData {
    /// Deserializes the positional arguments into `T`.
    ///
    /// # Errors
    /// An [`ApplicationError`] `wamp.error.invalid_argument` when they do not fit, ready
    /// to be returned from a procedure.
    pub fn parse_args<T: serde::de::DeserializeOwned>(&self) -> Result<T, ApplicationError> {
        ferrobahn_wamp::from_value(Value::List(self.args.clone())).map_err(|e| {
            ApplicationError::new(ferrobahn_wamp::error_uri::INVALID_ARGUMENT).arg(e.0)
        })
    }

    /// The payload, as a convenience for echoing.
    pub fn payload(&self) -> Payload {
        Payload::new(self.args.clone(), self.kwargs.clone())
    }

    /// The payload, moved out (no copy of the arguments, unlike
    /// [`payload`](Self::payload)).
    pub fn into_payload(self) -> Payload {
        Payload::new(self.args, self.kwargs)
    }
}

/// What a successful non-call request gave.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ack {
    /// REGISTERED with the registration ID.
    Registered(Id),
    /// UNREGISTERED.
    Unregistered,
    /// SUBSCRIBED with the subscription ID.
    Subscribed(Id),
    /// UNSUBSCRIBED.
    Unsubscribed,
    /// PUBLISHED with the publication ID (acknowledged publish).
    Published(Id),
}

/// What the session core reports, in order.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum SessionEvent {
    /// WELCOME: the session is established.
    Joined(Box<SessionDetails>),
    /// The session ended: GOODBYE exchanged, ABORT received, protocol violation, timeout
    /// or transport loss. Every pending request has failed before this event.
    Left(SessionError),
    /// A progressive RESULT of a call.
    CallProgress {
        /// The call's request ID.
        request: Id,
        /// The progressive result.
        result: CallResult,
    },
    /// The final outcome of a call.
    CallDone {
        /// The call's request ID.
        request: Id,
        /// The result or why it failed.
        result: Result<CallResult, RequestError>,
    },
    /// The outcome of a register, unregister, subscribe, unsubscribe or acknowledged
    /// publish.
    RequestDone {
        /// The request ID.
        request: Id,
        /// The acknowledgement, or why it failed.
        result: Result<Ack, RequestError>,
    },
    /// An EVENT.
    Event(EventData),
    /// An INVOCATION: answer it with `Session::yield_result` or `Session::yield_error`.
    Invocation(InvocationData),
    /// An INTERRUPT of a running invocation. In `kill` mode answer it (usually with
    /// `wamp.error.canceled`); the core already forgot `killnowait` invocations.
    Interrupt {
        /// The invocation's request ID.
        request: Id,
        /// The mode.
        mode: CancelMode,
    },
    /// The router revoked a registration (UNREGISTERED with request 0).
    RegistrationRevoked {
        /// The registration.
        registration: Id,
        /// The reason URI, if given.
        reason: Option<String>,
    },
    /// The router revoked a subscription (UNSUBSCRIBED with request 0).
    SubscriptionRevoked {
        /// The subscription.
        subscription: Id,
        /// The reason URI, if given.
        reason: Option<String>,
    },
}
