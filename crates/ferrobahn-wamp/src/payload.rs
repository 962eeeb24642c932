//! Application payloads: positional `args` and keyword `kwargs`.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::message::{Element, ElementSink};
use crate::value::{from_value, to_value, Dict, Value, ValueError};

/// The application payload at the end of PUBLISH, EVENT, CALL, RESULT, INVOCATION, YIELD
/// and ERROR.
///
/// The wire form is kept exactly: no trailing elements, `[args]`, or `[args, kwargs]`.
/// With payload transparency (`enc_algo` set in the options/details) the payload is one
/// opaque value, usually bytes, in place of `args`.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Payload {
    /// No payload elements.
    #[default]
    Empty,
    /// Positional arguments only.
    Args(Vec<Value>),
    /// Positional and keyword arguments.
    ArgsKwargs(Vec<Value>, Dict),
    /// An opaque (e.g. end-to-end encrypted) payload, see payload transparency.
    Transparent(Value),
}

impl Payload {
    /// A payload from `args` and `kwargs`, using the shortest wire form.
    pub fn new(args: Vec<Value>, kwargs: Dict) -> Self {
        if !kwargs.is_empty() {
            Payload::ArgsKwargs(args, kwargs)
        } else if !args.is_empty() {
            Payload::Args(args)
        } else {
            Payload::Empty
        }
    }

    /// The positional arguments (empty when none, or for a transparent payload).
    pub fn args(&self) -> &[Value] {
        match self {
            Payload::Args(a) | Payload::ArgsKwargs(a, _) => a,
            Payload::Empty | Payload::Transparent(_) => &[],
        }
    }

    /// The keyword arguments, if any.
    pub fn kwargs(&self) -> Option<&Dict> {
        match self {
            Payload::ArgsKwargs(_, k) => Some(k),
            _ => None,
        }
    }

    /// Whether there is nothing to put on the wire.
    pub fn is_empty(&self) -> bool {
        matches!(self, Payload::Empty)
    }

    /// Positional arguments from any serde value that serializes to a sequence (a tuple,
    /// a `Vec`, a tuple struct).
    pub fn from_args<T: Serialize + ?Sized>(args: &T) -> Result<Self, ValueError> {
        match to_value(args)? {
            Value::List(l) => Ok(Payload::new(l, Dict::new())),
            other => Err(ValueError(format!(
                "args must serialize to a list, got {}",
                other.type_name()
            ))),
        }
    }

    /// Positional and keyword arguments from serde values; `kwargs` must serialize to a
    /// map or struct.
    pub fn from_args_kwargs<A: Serialize + ?Sized, K: Serialize + ?Sized>(
        args: &A,
        kwargs: &K,
    ) -> Result<Self, ValueError> {
        let args = match Payload::from_args(args)? {
            Payload::Args(a) => a,
            _ => Vec::new(),
        };
        match to_value(kwargs)? {
            Value::Dict(k) => Ok(Payload::new(args, k)),
            Value::Null => Ok(Payload::new(args, Dict::new())),
            other => Err(ValueError(format!(
                "kwargs must serialize to a dict, got {}",
                other.type_name()
            ))),
        }
    }

    /// Deserializes the positional arguments (as a list) into `T`.
    pub fn parse_args<T: DeserializeOwned>(&self) -> Result<T, ValueError> {
        from_value(Value::List(self.args().to_vec()))
    }

    /// Deserializes the keyword arguments (an empty dict when none) into `T`.
    pub fn parse_kwargs<T: DeserializeOwned>(&self) -> Result<T, ValueError> {
        from_value(Value::Dict(self.kwargs().cloned().unwrap_or_default()))
    }

    /// The number of wire elements: 0, 1 or 2.
    pub(crate) fn wire_len(&self) -> usize {
        match self {
            Payload::Empty => 0,
            Payload::Args(_) | Payload::Transparent(_) => 1,
            Payload::ArgsKwargs(..) => 2,
        }
    }

    /// Hands the wire elements to a message's sink, borrowed.
    pub(crate) fn write_ref<S: ElementSink>(&self, s: &mut S) -> Result<(), S::Error> {
        match self {
            Payload::Empty => Ok(()),
            Payload::Args(a) => s.element(Element::List(a)),
            Payload::ArgsKwargs(a, k) => {
                s.element(Element::List(a))?;
                s.element(Element::Dict(k))
            }
            Payload::Transparent(v) => s.element(Element::Value(v)),
        }
    }

    /// Appends the wire elements to a message list, moving the values.
    pub(crate) fn push_owned(self, out: &mut Vec<Value>) {
        match self {
            Payload::Empty => {}
            Payload::Args(a) => out.push(Value::List(a)),
            Payload::ArgsKwargs(a, k) => {
                out.push(Value::List(a));
                out.push(Value::Dict(k));
            }
            Payload::Transparent(v) => out.push(v),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_args_and_kwargs() {
        let p =
            Payload::from_args_kwargs(&(1, "two"), &[("k", 3.5)].into_iter().collect::<Dict2>())
                .unwrap();
        assert_eq!(p.args(), &[Value::Int(1), Value::from("two")]);
        let (a, b): (i32, String) = p.parse_args().unwrap();
        assert_eq!((a, b), (1, "two".to_owned()));
        let k: std::collections::BTreeMap<String, f64> = p.parse_kwargs().unwrap();
        assert_eq!(k["k"], 3.5);
        assert_eq!(
            Payload::from_args(&Vec::<i32>::new()).unwrap(),
            Payload::Empty
        );
        assert!(Payload::from_args(&5).is_err());
    }

    type Dict2 = std::collections::BTreeMap<&'static str, f64>;
}
