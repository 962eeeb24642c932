//! Errors: what a request can fail with, local misuse, and session failures.

use std::fmt;

use ferrobahn_wamp::{Dict, Payload, UriError, Value};

use crate::auth::ChannelBindingType;

/// An error answered by the peer (router or callee): a WAMP error URI with optional
/// positional and keyword arguments, as carried by an ERROR message or an ABORT.
///
/// Procedures return it to reject a call; callers receive it when a call fails.
#[derive(Clone, Debug, PartialEq)]
pub struct ApplicationError {
    /// The error URI, e.g. `wamp.error.no_such_procedure` or `com.example.error.invalid`.
    pub error: String,
    /// Positional arguments.
    pub args: Vec<Value>,
    /// Keyword arguments.
    pub kwargs: Dict,
}

impl ApplicationError {
    /// An error with this URI and no arguments.
    pub fn new(error: impl Into<String>) -> Self {
        Self {
            error: error.into(),
            args: Vec::new(),
            kwargs: Dict::new(),
        }
    }

    /// An error with this URI and payload.
    pub fn with_payload(error: impl Into<String>, payload: Payload) -> Self {
        let (args, kwargs) = split_payload(payload);
        Self {
            error: error.into(),
            args,
            kwargs,
        }
    }

    /// Adds a positional argument.
    #[must_use]
    pub fn arg(mut self, v: impl Into<Value>) -> Self {
        self.args.push(v.into());
        self
    }

    /// The payload form (args and kwargs) for an ERROR message.
    pub fn payload(&self) -> Payload {
        Payload::new(self.args.clone(), self.kwargs.clone())
    }
}

impl fmt::Display for ApplicationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.error)?;
        if let Some(Value::Str(s)) = self.args.first() {
            write!(f, ": {s}")?;
        } else if !self.args.is_empty() {
            write!(f, ": {:?}", self.args)?;
        }
        Ok(())
    }
}

impl std::error::Error for ApplicationError {}

/// Splits a payload into owned args and kwargs (a transparent payload becomes one arg).
pub(crate) fn split_payload(p: Payload) -> (Vec<Value>, Dict) {
    match p {
        Payload::Empty => (Vec::new(), Dict::new()),
        Payload::Args(a) => (a, Dict::new()),
        Payload::ArgsKwargs(a, k) => (a, k),
        Payload::Transparent(v) => (vec![v], Dict::new()),
    }
}

/// Local misuse, found before anything is sent.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UsageError {
    /// A URI or pattern that does not validate.
    #[error("invalid URI: {0}")]
    InvalidUri(#[from] UriError),
    /// An option value that is not allowed (e.g. `timeout` for a progressive chunk).
    #[error("invalid option: {0}")]
    InvalidOption(String),
    /// The session is not in a state that allows this (e.g. a call before joining).
    #[error("session is {0}, cannot {1}")]
    WrongState(&'static str, &'static str),
    /// No such request, registration, subscription or invocation is known.
    #[error("unknown {0} {1}")]
    Unknown(&'static str, u64),
    /// The router did not announce a feature this needs.
    #[error("the router does not support {0}")]
    NotSupported(&'static str),
    /// Arguments that do not serialize to a WAMP payload.
    #[error("invalid payload: {0}")]
    InvalidPayload(String),
    /// Too many requests are outstanding (see `SessionConfig::max_pending_requests`).
    #[error("too many outstanding requests (limit {0})")]
    TooManyPending(usize),
    /// A channel binding was asked for (`JoinOptions::channel_binding_type`) on a
    /// transport that cannot give it (no TLS); nothing was sent.
    #[error("channel binding {0} asked for, but the transport has no TLS channel binding")]
    ChannelBindingUnavailable(ChannelBindingType),
}

/// Why a session ended or could not be joined.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// The router refused or aborted the session (ABORT), e.g. `wamp.error.no_such_realm`
    /// or `wamp.error.authentication_failed`.
    #[error("aborted by the router: {reason}{}", message.as_deref().map(|m| format!(" ({m})")).unwrap_or_default())]
    Aborted {
        /// The reason URI.
        reason: String,
        /// The router's message, if any.
        message: Option<String>,
    },
    /// The peer broke the WAMP protocol; the session was aborted with
    /// `wamp.error.protocol_violation`.
    #[error("protocol violation: {0}")]
    Protocol(String),
    /// The transport closed or failed.
    #[error("transport lost: {0}")]
    TransportLost(String),
    /// The router did not answer HELLO / GOODBYE in time.
    #[error("{0} timed out")]
    Timeout(&'static str),
    /// The challenge could not be answered (unknown method, missing or bad secret).
    #[error("authentication: {0}")]
    Auth(String),
    /// The session left the realm (GOODBYE) as the application asked; the router's reason.
    #[error("left the realm: {0}")]
    Left(String),
    /// The request was not sent: local misuse (joining twice, leaving when not joined,
    /// an invalid realm URI).
    #[error(transparent)]
    Usage(UsageError),
    /// The router ended the session with GOODBYE (e.g. `wamp.close.system_shutdown`).
    #[error("closed by the router: {0}")]
    ClosedByRouter(String),
}

/// Why one request (a call, register, subscribe, ...) failed.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// The peer answered with an ERROR.
    #[error("{0}")]
    Application(ApplicationError),
    /// The call's timeout expired on this side (a CANCEL was sent if the router supports it).
    #[error("call timed out")]
    Timeout,
    /// The call was canceled on this side.
    #[error("call canceled")]
    Canceled,
    /// The session ended before an answer came.
    #[error("session ended: {0}")]
    SessionLost(SessionError),
    /// The request was not sent: local misuse.
    #[error(transparent)]
    Usage(#[from] UsageError),
}

impl RequestError {
    /// The error URI, when the peer answered with one.
    pub fn error_uri(&self) -> Option<&str> {
        match self {
            RequestError::Application(a) => Some(&a.error),
            _ => None,
        }
    }
}

impl From<ferrobahn_wamp::ValueError> for ApplicationError {
    /// A payload that does not (de)serialize: `wamp.error.invalid_payload` with the reason.
    fn from(e: ferrobahn_wamp::ValueError) -> Self {
        ApplicationError::new(ferrobahn_wamp::error_uri::INVALID_PAYLOAD).arg(e.0)
    }
}

impl From<ApplicationError> for RequestError {
    fn from(e: ApplicationError) -> Self {
        RequestError::Application(e)
    }
}
