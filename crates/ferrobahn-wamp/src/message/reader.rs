//! Reading the elements of a message list with typed errors.

use crate::error::{OptionError, WampError};
use crate::id::Id;
use crate::options::{Boxed, OptionsDict};
use crate::payload::Payload;
use crate::uri::{validate_pattern, validate_uri, MatchPolicy, UriCheck};
use crate::value::{Dict, Value};

/// Walks the elements of one message (after the type code).
pub(crate) struct Reader {
    pub(crate) message: &'static str,
    items: std::vec::IntoIter<Value>,
    pub(crate) check: UriCheck,
}

impl Reader {
    /// Checks the total length (type code included) against `min..=max`.
    pub(crate) fn new(
        message: &'static str,
        items: std::vec::IntoIter<Value>,
        (min, max): (usize, usize),
        expected: &'static str,
        check: UriCheck,
    ) -> Result<Self, WampError> {
        let len = items.len() + 1;
        if len < min || len > max {
            return Err(WampError::WrongLength {
                message,
                len,
                expected,
            });
        }
        Ok(Self {
            message,
            items,
            check,
        })
    }

    /// Elements left.
    pub(crate) fn remaining(&self) -> usize {
        self.items.len()
    }

    fn next(&mut self) -> Value {
        // The length was checked in `new`; a missing element reads as Null and fails the
        // type check of the caller instead of panicking.
        self.items.next().unwrap_or_default()
    }

    fn wrong(&self, field: &'static str, expected: &'static str, v: &Value) -> WampError {
        WampError::WrongType {
            message: self.message,
            field,
            expected,
            got: v.type_name(),
        }
    }

    pub(crate) fn int(&mut self, field: &'static str) -> Result<u64, WampError> {
        let v = self.next();
        v.as_u64()
            .ok_or_else(|| self.wrong(field, "non-negative integer", &v))
    }

    pub(crate) fn id(&mut self, field: &'static str) -> Result<Id, WampError> {
        let v = self.next();
        match v {
            Value::Int(i) if i < 0 => Err(WampError::IdOutOfRange {
                message: self.message,
                field,
                value: i.to_string(),
            }),
            _ => {
                let u = v
                    .as_u64()
                    .ok_or_else(|| self.wrong(field, "integer ID", &v))?;
                Id::new(u).ok_or_else(|| WampError::IdOutOfRange {
                    message: self.message,
                    field,
                    value: u.to_string(),
                })
            }
        }
    }

    pub(crate) fn string(&mut self, field: &'static str) -> Result<String, WampError> {
        match self.next() {
            Value::Str(s) => Ok(s),
            other => Err(self.wrong(field, "string", &other)),
        }
    }

    pub(crate) fn dict(&mut self, field: &'static str) -> Result<Dict, WampError> {
        match self.next() {
            Value::Dict(d) => Ok(d),
            other => Err(self.wrong(field, "dict", &other)),
        }
    }

    pub(crate) fn options<T>(
        &mut self,
        field: &'static str,
        conv: fn(Dict) -> Result<T, OptionError>,
    ) -> Result<T, WampError> {
        let d = self.dict(field)?;
        conv(d).map_err(|source| WampError::InvalidOption {
            message: self.message,
            source,
        })
    }

    /// Reads an options or details dict into a [`Boxed`] one: no conversion and no
    /// allocation when it is empty.
    pub(crate) fn boxed_options<T: OptionsDict>(
        &mut self,
        field: &'static str,
        conv: fn(Dict) -> Result<T, OptionError>,
    ) -> Result<Boxed<T>, WampError> {
        let d = self.dict(field)?;
        if d.is_empty() {
            return Ok(Boxed::default());
        }
        conv(d)
            .map(Boxed::new)
            .map_err(|source| WampError::InvalidOption {
                message: self.message,
                source,
            })
    }

    pub(crate) fn uri(&mut self, field: &'static str) -> Result<String, WampError> {
        let s = self.string(field)?;
        validate_uri(&s, self.check).map_err(|source| WampError::InvalidUri {
            message: self.message,
            field,
            source,
        })?;
        Ok(s)
    }

    pub(crate) fn pattern(
        &mut self,
        field: &'static str,
        policy: MatchPolicy,
    ) -> Result<String, WampError> {
        let s = self.string(field)?;
        validate_pattern(&s, policy, self.check).map_err(|source| WampError::InvalidUri {
            message: self.message,
            field,
            source,
        })?;
        Ok(s)
    }

    /// Reads the trailing `[args, [kwargs]]`; `transparent` allows one opaque element.
    ///
    /// A `null` in place of `args` (what AutobahnPython sends for kwargs-only payloads)
    /// reads as empty args.
    pub(crate) fn payload(&mut self, transparent: bool) -> Result<Payload, WampError> {
        match (self.items.next(), self.items.next()) {
            (None, _) | (Some(Value::Null), None) => Ok(Payload::Empty),
            (Some(Value::Null), Some(Value::Dict(k))) => Ok(Payload::ArgsKwargs(Vec::new(), k)),
            (Some(Value::List(a)), None) => Ok(Payload::Args(a)),
            (Some(Value::List(a)), Some(Value::Dict(k))) => Ok(Payload::ArgsKwargs(a, k)),
            (Some(Value::List(_)), Some(other)) => Err(self.wrong("kwargs", "dict", &other)),
            (Some(v), None) if transparent => Ok(Payload::Transparent(v)),
            (Some(other), _) => Err(self.wrong("args", "list", &other)),
        }
    }
}
