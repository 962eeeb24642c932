//! Errors of encoding and decoding.

use ferrobahn_wamp::WampError;

/// Bytes that are not a valid WAMP message in the serializer's format.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The input is larger than [`Limits::max_message_size`](crate::Limits).
    #[error("message of {size} bytes exceeds the limit of {limit} bytes")]
    TooLarge {
        /// Input size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The input ends in the middle of a value.
    #[error("{format}: input truncated")]
    Truncated {
        /// The format.
        format: &'static str,
    },
    /// Bytes left over after the value.
    #[error("{format}: {count} trailing bytes after the message")]
    TrailingBytes {
        /// The format.
        format: &'static str,
        /// How many.
        count: usize,
    },
    /// Containers nested deeper than [`Limits::max_depth`](crate::Limits).
    #[error("{format}: nesting deeper than {limit}")]
    TooDeep {
        /// The format.
        format: &'static str,
        /// The limit.
        limit: usize,
    },
    /// A string that is not UTF-8.
    #[error("{format}: string is not valid UTF-8")]
    InvalidUtf8 {
        /// The format.
        format: &'static str,
    },
    /// A dictionary key that is not a string.
    #[error("{format}: dictionary keys must be strings")]
    NonStringKey {
        /// The format.
        format: &'static str,
    },
    /// An integer outside the 64-bit range WAMP values use.
    #[error("{format}: integer out of the 64-bit range")]
    IntegerOutOfRange {
        /// The format.
        format: &'static str,
    },
    /// JSON: a `"\0..."` string whose rest is not base64.
    #[error("json: binary string is not valid base64")]
    InvalidBase64,
    /// Anything else the format does not allow (bad marker, unsupported type, syntax).
    #[error("{format}: {reason}")]
    Syntax {
        /// The format.
        format: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A batched payload whose framing is broken.
    #[error("batch framing: {0}")]
    Batch(&'static str),
    /// The bytes decode, but not to a valid WAMP message.
    #[error(transparent)]
    Message(#[from] WampError),
}

impl DecodeError {
    pub(crate) fn syntax(format: &'static str, reason: impl Into<String>) -> Self {
        DecodeError::Syntax {
            format,
            reason: reason.into(),
        }
    }
}

/// A message that cannot be put in the serializer's format.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// NaN or infinity, which JSON cannot carry.
    #[error("{format}: cannot encode a non-finite float")]
    NonFiniteFloat {
        /// The format.
        format: &'static str,
    },
    /// A message too large for the batch length prefix (4 GiB).
    #[error("message of {0} bytes is too large to batch")]
    TooLarge(usize),
}
