//! A message's list form lent element by element: [`Element`] and [`ElementSink`].
//!
//! [`Message::write_to`](super::Message::write_to) hands a sink the number of elements,
//! then each element borrowed from the message (IDs and type codes as plain integers,
//! URIs as `&str`, payloads as `&[Value]`/`&Dict`, options and details entry by entry),
//! so a serializer encodes a message without first copying it into a [`Value::List`].

use std::convert::Infallible;

use crate::value::{Dict, Value};

/// One element of a message's list form, borrowed from the message.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Element<'a> {
    /// A non-negative integer: the type code, an ID, ERROR's request type. Its list form
    /// is [`Value::from_u64`] of it.
    UInt(u64),
    /// A string: a URI, a realm, an authentication method or signature.
    Str(&'a str),
    /// A list: a payload's positional arguments.
    List(&'a [Value]),
    /// A dictionary: options, details, a payload's keyword arguments.
    Dict(&'a Dict),
    /// Any value: a transparent payload.
    Value(&'a Value),
}

impl Element<'_> {
    /// The element as an owned [`Value`] (a copy of what it borrows), as it appears in
    /// [`Message::to_value`](super::Message::to_value).
    pub fn to_value(self) -> Value {
        match self {
            Element::UInt(u) => Value::from_u64(u),
            Element::Str(s) => Value::from(s),
            Element::List(l) => Value::List(l.to_vec()),
            Element::Dict(d) => Value::Dict(d.clone()),
            Element::Value(v) => v.clone(),
        }
    }
}

/// Receives a message's list form from
/// [`Message::write_to`](super::Message::write_to): one [`begin`](Self::begin) with the
/// number of elements (type code included), that many elements in order, one
/// [`end`](Self::end). An element is one [`element`](Self::element) call, or a dictionary
/// lent entry by entry (options and details): [`begin_dict`](Self::begin_dict) with its
/// number of entries, then per entry in key order a [`key`](Self::key) and an
/// [`element`](Self::element) (its value), then [`end_dict`](Self::end_dict). The first
/// error stops the writing and is returned.
pub trait ElementSink {
    /// Why writing stopped.
    type Error;
    /// A list of `len` elements starts.
    fn begin(&mut self, len: usize) -> Result<(), Self::Error>;
    /// The next element, or the value of the dictionary entry whose key came last.
    fn element(&mut self, e: Element<'_>) -> Result<(), Self::Error>;
    /// The next element is a dictionary of `len` entries, lent entry by entry.
    fn begin_dict(&mut self, len: usize) -> Result<(), Self::Error>;
    /// The key of the next entry of the dictionary begun last.
    fn key(&mut self, key: &str) -> Result<(), Self::Error>;
    /// The dictionary begun last is complete.
    fn end_dict(&mut self) -> Result<(), Self::Error>;
    /// The list is complete.
    fn end(&mut self) -> Result<(), Self::Error>;
}

/// Collects elements as owned values (the copying list form of `to_value`).
pub(crate) struct Collect<'v> {
    out: &'v mut Vec<Value>,
    /// The dictionary being lent, and the key of its next entry.
    dict: Option<(Dict, String)>,
}

impl<'v> Collect<'v> {
    pub(crate) fn new(out: &'v mut Vec<Value>) -> Self {
        Self { out, dict: None }
    }
}

impl ElementSink for Collect<'_> {
    type Error = Infallible;
    fn begin(&mut self, len: usize) -> Result<(), Infallible> {
        self.out.reserve(len);
        Ok(())
    }
    fn element(&mut self, e: Element<'_>) -> Result<(), Infallible> {
        match &mut self.dict {
            Some((d, key)) => {
                d.insert(std::mem::take(key), e.to_value());
            }
            None => self.out.push(e.to_value()),
        }
        Ok(())
    }
    fn begin_dict(&mut self, _len: usize) -> Result<(), Infallible> {
        self.dict = Some((Dict::new(), String::new()));
        Ok(())
    }
    fn key(&mut self, key: &str) -> Result<(), Infallible> {
        if let Some((_, k)) = &mut self.dict {
            key.clone_into(k);
        }
        Ok(())
    }
    fn end_dict(&mut self) -> Result<(), Infallible> {
        if let Some((d, _)) = self.dict.take() {
            self.out.push(Value::Dict(d));
        }
        Ok(())
    }
    fn end(&mut self) -> Result<(), Infallible> {
        Ok(())
    }
}
