//! Negotiation errors.

/// Why an extension offer or response could not be used.
///
/// A server that meets one of these in a client's offer rejects the opening
/// handshake with the error's text as the reason (or, with
/// [`ServerExtensions::with_reject_malformed(false)`](crate::ServerExtensions::with_reject_malformed),
/// declines just that offer, as RFC 7692 7.1 words it). A client that meets
/// one in the server's response fails the connection.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NegotiationError {
    /// A parameter appears more than once in one offer or response.
    #[error("{extension}: duplicate parameter {param}")]
    DuplicateParam {
        /// The extension name.
        extension: &'static str,
        /// The repeated parameter.
        param: String,
    },
    /// A parameter this extension does not define (in this direction).
    #[error("{extension}: unknown parameter {param}")]
    UnknownParam {
        /// The extension name.
        extension: &'static str,
        /// The parameter name as received.
        param: String,
    },
    /// A parameter whose value is missing, present where none is allowed,
    /// or out of range.
    #[error("{extension}: invalid value {value:?} for parameter {param}")]
    InvalidValue {
        /// The extension name.
        extension: &'static str,
        /// The parameter name.
        param: String,
        /// The value as received (`None`: the parameter had no value).
        value: Option<String>,
    },
    /// The server's response breaks a rule of the extension against the
    /// client's offer (e.g. a parameter the client did not allow).
    #[error("{extension}: unacceptable response: {reason}")]
    UnacceptableResponse {
        /// The extension name.
        extension: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The server accepted more than one per-message compression extension
    /// (they all use RSV1).
    #[error("server accepted more than one per-message compression extension ({first}, {second})")]
    MultipleAccepted {
        /// The first accepted extension.
        first: String,
        /// The second accepted extension.
        second: String,
    },
    /// A server accept policy returned an accept that contradicts the offer
    /// it answers, or a configuration knob is out of range.
    #[error("invalid extension configuration: {0}")]
    InvalidConfig(String),
}
