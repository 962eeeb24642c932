//! The ERROR message.

use super::reader::Reader;
use super::{code, Element, ElementSink, WireMessage};
use crate::error::WampError;
use crate::id::Id;
use crate::options::{Boxed, ErrorDetails};
use crate::payload::Payload;
use crate::value::Value;

/// `[ERROR, REQUEST.Type|int, REQUEST.Request|id, Details|dict, Error|uri, (Args, (Kwargs))]`:
/// a request failed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ErrorMessage {
    /// The type code of the failed request: SUBSCRIBE, UNSUBSCRIBE, PUBLISH, REGISTER,
    /// UNREGISTER, CALL or INVOCATION.
    pub request_type: u64,
    /// The ID of the failed request.
    pub request: Id,
    /// Details (boxed: usually empty).
    pub details: Boxed<ErrorDetails>,
    /// The error URI.
    pub error: String,
    /// Error arguments.
    pub payload: Payload,
}

/// The request types an ERROR may answer.
pub(crate) const ERROR_REQUEST_TYPES: [u64; 7] = [
    code::SUBSCRIBE,
    code::UNSUBSCRIBE,
    code::PUBLISH,
    code::REGISTER,
    code::UNREGISTER,
    code::CALL,
    code::INVOCATION,
];

impl WireMessage for ErrorMessage {
    const CODE: u64 = code::ERROR;
    const NAME: &'static str = "ERROR";
    const LEN: (usize, usize, &'static str) = (5, 7, "5 to 7");
    fn read(r: &mut Reader) -> Result<Self, WampError> {
        let request_type = r.int("request_type")?;
        if !ERROR_REQUEST_TYPES.contains(&request_type) {
            return Err(WampError::Invalid {
                message: Self::NAME,
                reason: "request_type is not a request an ERROR can answer",
            });
        }
        let request = r.id("request")?;
        let details = r.boxed_options("details", ErrorDetails::from_dict)?;
        let error = r.uri("error")?;
        let payload = r.payload(details.enc_algo.is_some())?;
        Ok(Self {
            request_type,
            request,
            details,
            error,
            payload,
        })
    }
    fn wire_len(&self) -> usize {
        4 + self.payload.wire_len()
    }
    fn write_ref<S: ElementSink>(&self, s: &mut S) -> Result<(), S::Error> {
        s.element(Element::UInt(self.request_type))?;
        s.element(Element::UInt(self.request.get()))?;
        self.details.write_dict(s)?;
        s.element(Element::Str(&self.error))?;
        self.payload.write_ref(s)?;
        Ok(())
    }
    fn write_owned(self, out: &mut Vec<Value>) {
        out.push(Value::from_u64(self.request_type));
        out.push(Value::from_u64(self.request.get()));
        out.push(Value::Dict(self.details.to_dict()));
        out.push(Value::Str(self.error));
        self.payload.push_owned(out);
    }
}
