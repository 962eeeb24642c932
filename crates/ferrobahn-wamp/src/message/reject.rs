//! What a peer answers to a message that fails to decode.

use super::error::ERROR_REQUEST_TYPES;
use super::{Abort, ErrorMessage, Message};
use crate::error::{error_uri, WampError};
use crate::id::Id;
use crate::options::CloseDetails;
use crate::payload::Payload;
use crate::value::Value;

impl Message {
    /// The type code and request ID of a message list, when it is a request an ERROR can
    /// answer (SUBSCRIBE, UNSUBSCRIBE, PUBLISH, REGISTER, UNREGISTER, CALL, INVOCATION)
    /// and its request ID is valid. Read it before [`Message::from_value`] consumes the
    /// value, to answer a failed decode with [`WampError::reply`].
    pub fn request_of(v: &Value) -> Option<(u64, Id)> {
        let l = v.as_list()?;
        let code = l.first()?.as_u64()?;
        if !ERROR_REQUEST_TYPES.contains(&code) {
            return None;
        }
        Some((code, Id::new(l.get(1)?.as_u64()?)?))
    }
}

impl WampError {
    /// The answer to a message that failed with this error: an ERROR with
    /// `wamp.error.invalid_uri` for a bad URI in a request whose type and ID are known
    /// (see [`Message::request_of`]), otherwise an ABORT with
    /// `wamp.error.protocol_violation`. The error text goes in the ERROR's args or the
    /// ABORT's `message`.
    pub fn reply(&self, request: Option<(u64, Id)>) -> Message {
        match (self, request) {
            (WampError::InvalidUri { .. }, Some((request_type, request))) => {
                Message::Error(ErrorMessage {
                    request_type,
                    request,
                    error: error_uri::INVALID_URI.to_owned(),
                    payload: Payload::Args(vec![Value::Str(self.to_string())]),
                    ..Default::default()
                })
            }
            _ => Message::Abort(Abort {
                details: CloseDetails {
                    message: Some(self.to_string()),
                    ..Default::default()
                },
                reason: error_uri::PROTOCOL_VIOLATION.to_owned(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(procedure: &str) -> Value {
        Value::List(vec![
            Value::Int(48),
            Value::Int(7),
            Value::Dict(Default::default()),
            Value::from(procedure),
        ])
    }

    #[test]
    fn invalid_uri_in_a_request_gets_an_error() {
        let v = call("bad uri");
        let req = Message::request_of(&v);
        assert_eq!(req, Some((48, Id::new(7).unwrap())));
        let err = Message::from_value(v).unwrap_err();
        let Message::Error(e) = err.reply(req) else {
            panic!("not an ERROR")
        };
        assert_eq!((e.request_type, e.request.get()), (48, 7));
        assert_eq!(e.error, "wamp.error.invalid_uri");
    }

    #[test]
    fn other_violations_get_an_abort() {
        let v = Value::List(vec![Value::Int(48), Value::Int(7)]);
        let req = Message::request_of(&v);
        let err = Message::from_value(v).unwrap_err();
        let Message::Abort(a) = err.reply(req) else {
            panic!("not an ABORT")
        };
        assert_eq!(a.reason, "wamp.error.protocol_violation");
        assert!(a.details.message.unwrap().contains("CALL"));
        // A bad URI in HELLO is not a request: ABORT as well.
        let hello = Value::List(vec![
            Value::Int(1),
            Value::from("bad realm"),
            Value::Dict(Default::default()),
        ]);
        assert_eq!(Message::request_of(&hello), None);
        let err = Message::from_value(hello).unwrap_err();
        assert!(matches!(err.reply(None), Message::Abort(_)));
    }
}
