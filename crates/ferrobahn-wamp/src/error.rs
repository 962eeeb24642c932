//! Decoding errors of the message model, and the standard `wamp.error.*` URIs.

use crate::uri::UriError;

/// A message that is not a valid WAMP message. Every variant names the problem; the
/// URI a router answers it with is [`WampError::error_uri`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WampError {
    /// The message is not a list.
    #[error("a WAMP message must be a list, got {0}")]
    NotAList(&'static str),
    /// The message is an empty list.
    #[error("a WAMP message must not be empty")]
    Empty,
    /// The first element is not a non-negative integer.
    #[error("the message type must be an integer, got {0}")]
    InvalidMessageType(&'static str),
    /// The message type code is not a WAMP v2 message.
    #[error("unknown message type {0}")]
    UnknownMessageType(u64),
    /// The list has the wrong number of elements.
    #[error("{message}: invalid length {len} (expected {expected})")]
    WrongLength {
        /// Message name.
        message: &'static str,
        /// Elements received (including the type code).
        len: usize,
        /// What the message allows.
        expected: &'static str,
    },
    /// An element has the wrong type.
    #[error("{message}.{field}: expected {expected}, got {got}")]
    WrongType {
        /// Message name.
        message: &'static str,
        /// Field name.
        field: &'static str,
        /// Expected type.
        expected: &'static str,
        /// Type received.
        got: &'static str,
    },
    /// An ID outside `[0, 2^53]`.
    #[error("{message}.{field}: ID {value} out of range [0, 2^53]")]
    IdOutOfRange {
        /// Message name.
        message: &'static str,
        /// Field name.
        field: &'static str,
        /// The value received, as text.
        value: String,
    },
    /// A URI that does not pass validation.
    #[error("{message}.{field}: {source}")]
    InvalidUri {
        /// Message name.
        message: &'static str,
        /// Field name.
        field: &'static str,
        /// What is wrong with it.
        #[source]
        source: UriError,
    },
    /// An option or detail of a known key with the wrong type or value.
    #[error("{message}: {source}")]
    InvalidOption {
        /// Message name.
        message: &'static str,
        /// What is wrong with it.
        #[source]
        source: OptionError,
    },
    /// Any other rule of the message broken.
    #[error("{message}: {reason}")]
    Invalid {
        /// Message name.
        message: &'static str,
        /// The rule broken.
        reason: &'static str,
    },
}

impl WampError {
    /// The error URI a peer answers this with: `wamp.error.invalid_uri` for bad URIs,
    /// `wamp.error.protocol_violation` (sent in an ABORT) for everything else.
    pub fn error_uri(&self) -> &'static str {
        match self {
            WampError::InvalidUri { .. } => error_uri::INVALID_URI,
            _ => error_uri::PROTOCOL_VIOLATION,
        }
    }
}

/// A known key of an options/details dictionary holding a value of the wrong type.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{key:?}: expected {expected}, got {got}")]
pub struct OptionError {
    /// The key.
    pub key: &'static str,
    /// What the key needs.
    pub expected: &'static str,
    /// What it held (a type name or an invalid value).
    pub got: String,
}

/// The standard WAMP error and close-reason URIs.
pub mod error_uri {
    /// Peer provided an incorrect URI.
    pub const INVALID_URI: &str = "wamp.error.invalid_uri";
    /// The application payload could not be serialized or is not valid.
    pub const INVALID_PAYLOAD: &str = "wamp.error.invalid_payload";
    /// The payload exceeds the transport's or router's size limit.
    pub const PAYLOAD_SIZE_EXCEEDED: &str = "wamp.error.payload_size_exceeded";
    /// No procedure is registered under the URI.
    pub const NO_SUCH_PROCEDURE: &str = "wamp.error.no_such_procedure";
    /// A procedure is already registered under the URI.
    pub const PROCEDURE_ALREADY_EXISTS: &str = "wamp.error.procedure_already_exists";
    /// A shared registration exists with a different invocation policy.
    pub const PROCEDURE_EXISTS_INVOCATION_POLICY_CONFLICT: &str =
        "wamp.error.procedure_exists_with_different_invocation_policy";
    /// No such registration.
    pub const NO_SUCH_REGISTRATION: &str = "wamp.error.no_such_registration";
    /// No such subscription.
    pub const NO_SUCH_SUBSCRIPTION: &str = "wamp.error.no_such_subscription";
    /// No such session.
    pub const NO_SUCH_SESSION: &str = "wamp.error.no_such_session";
    /// A call failed because the arguments were invalid.
    pub const INVALID_ARGUMENT: &str = "wamp.error.invalid_argument";
    /// The peer is shutting down (GOODBYE / ABORT reason).
    pub const SYSTEM_SHUTDOWN: &str = "wamp.close.system_shutdown";
    /// The peer wants to leave the realm (GOODBYE reason).
    pub const CLOSE_REALM: &str = "wamp.close.close_realm";
    /// Reply to a GOODBYE.
    pub const GOODBYE_AND_OUT: &str = "wamp.close.goodbye_and_out";
    /// A protocol violation (ABORT reason).
    pub const PROTOCOL_VIOLATION: &str = "wamp.error.protocol_violation";
    /// Not authorized to perform the action.
    pub const NOT_AUTHORIZED: &str = "wamp.error.not_authorized";
    /// The authorization could not be determined.
    pub const AUTHORIZATION_FAILED: &str = "wamp.error.authorization_failed";
    /// Authentication failed.
    pub const AUTHENTICATION_FAILED: &str = "wamp.error.authentication_failed";
    /// No authentication method the peer offered is acceptable.
    pub const NO_AUTH_METHOD: &str = "wamp.error.no_auth_method";
    /// The realm does not exist.
    pub const NO_SUCH_REALM: &str = "wamp.error.no_such_realm";
    /// The role does not exist.
    pub const NO_SUCH_ROLE: &str = "wamp.error.no_such_role";
    /// The principal (authid) does not exist.
    pub const NO_SUCH_PRINCIPAL: &str = "wamp.error.no_such_principal";
    /// The call was canceled.
    pub const CANCELED: &str = "wamp.error.canceled";
    /// The call timed out.
    pub const TIMEOUT: &str = "wamp.error.timeout";
    /// The callee is unavailable.
    pub const UNAVAILABLE: &str = "wamp.error.unavailable";
    /// No callee is available for the (shared) registration.
    pub const NO_AVAILABLE_CALLEE: &str = "wamp.error.no_available_callee";
    /// The peer does not support the requested feature.
    pub const FEATURE_NOT_SUPPORTED: &str = "wamp.error.feature_not_supported";
    /// A type check on the call's arguments failed.
    pub const TYPE_CHECK_ERROR: &str = "wamp.error.type_check_error";
    /// The router lost the session (transport lost).
    pub const TRANSPORT_LOST: &str = "wamp.close.transport_lost";
}
