//! MessagePack: a hand-written codec between bytes and [`Value`].
//!
//! Strings use the str family, byte strings the bin family (what AutobahnPython's
//! `use_bin_type=True` produces); floats are written as float64. Extension types and
//! non-string map keys are rejected on decode.

use ferrobahn_wamp::message::{Element, ElementSink};
use ferrobahn_wamp::{Dict, Value};

use crate::error::{DecodeError, EncodeError};
use crate::input::Input;

const FORMAT: &str = "msgpack";

/// Appends the MessagePack encoding of `v`.
pub(crate) fn encode(v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::Null => out.push(0xc0),
        Value::Bool(false) => out.push(0xc2),
        Value::Bool(true) => out.push(0xc3),
        Value::Int(i) if *i >= 0 => encode_uint(*i as u64, out),
        Value::Int(i) => encode_neg(*i, out),
        Value::UInt(u) => encode_uint(*u, out),
        Value::Float(f) => {
            out.push(0xcb);
            out.extend_from_slice(&f.to_be_bytes());
        }
        Value::Str(s) => encode_str(s, out),
        Value::Bytes(b) => {
            encode_len(b.len(), [0xc4, 0xc5, 0xc6], None, out);
            out.extend_from_slice(b);
        }
        Value::List(l) => encode_list(l, out),
        Value::Dict(d) => encode_dict(d, out),
    }
}

fn encode_str(s: &str, out: &mut Vec<u8>) {
    encode_len(s.len(), [0xd9, 0xda, 0xdb], Some(0xa0), out);
    out.extend_from_slice(s.as_bytes());
}

fn encode_list(l: &[Value], out: &mut Vec<u8>) {
    encode_len16(l.len(), 0x90, [0xdc, 0xdd], out);
    for x in l {
        encode(x, out);
    }
}

fn encode_dict(d: &Dict, out: &mut Vec<u8>) {
    encode_len16(d.len(), 0x80, [0xde, 0xdf], out);
    for (k, x) in d {
        encode_str(k, out);
        encode(x, out);
    }
}

/// Encodes a message's list form as [`Message::write_to`] lends it: the same bytes as
/// [`encode`] of [`Message::to_value`], without the copy.
///
/// [`Message::write_to`]: ferrobahn_wamp::Message::write_to
/// [`Message::to_value`]: ferrobahn_wamp::Message::to_value
pub(crate) struct Sink<'o>(pub(crate) &'o mut Vec<u8>);

impl ElementSink for Sink<'_> {
    type Error = EncodeError;
    fn begin(&mut self, len: usize) -> Result<(), EncodeError> {
        encode_len16(len, 0x90, [0xdc, 0xdd], self.0);
        Ok(())
    }
    fn element(&mut self, e: Element<'_>) -> Result<(), EncodeError> {
        match e {
            Element::UInt(u) => encode_uint(u, self.0),
            Element::Str(s) => encode_str(s, self.0),
            Element::List(l) => encode_list(l, self.0),
            Element::Dict(d) => encode_dict(d, self.0),
            Element::Value(v) => encode(v, self.0),
        }
        Ok(())
    }
    fn begin_dict(&mut self, len: usize) -> Result<(), EncodeError> {
        encode_len16(len, 0x80, [0xde, 0xdf], self.0);
        Ok(())
    }
    fn key(&mut self, key: &str) -> Result<(), EncodeError> {
        encode_str(key, self.0);
        Ok(())
    }
    fn end_dict(&mut self) -> Result<(), EncodeError> {
        Ok(())
    }
    fn end(&mut self) -> Result<(), EncodeError> {
        Ok(())
    }
}

fn encode_uint(u: u64, out: &mut Vec<u8>) {
    if u < 0x80 {
        out.push(u as u8);
    } else if u <= 0xff {
        out.extend_from_slice(&[0xcc, u as u8]);
    } else if u <= 0xffff {
        out.push(0xcd);
        out.extend_from_slice(&(u as u16).to_be_bytes());
    } else if u <= 0xffff_ffff {
        out.push(0xce);
        out.extend_from_slice(&(u as u32).to_be_bytes());
    } else {
        out.push(0xcf);
        out.extend_from_slice(&u.to_be_bytes());
    }
}

fn encode_neg(i: i64, out: &mut Vec<u8>) {
    if i >= -32 {
        out.push(i as i8 as u8);
    } else if i >= i64::from(i8::MIN) {
        out.extend_from_slice(&[0xd0, i as i8 as u8]);
    } else if i >= i64::from(i16::MIN) {
        out.push(0xd1);
        out.extend_from_slice(&(i as i16).to_be_bytes());
    } else if i >= i64::from(i32::MIN) {
        out.push(0xd2);
        out.extend_from_slice(&(i as i32).to_be_bytes());
    } else {
        out.push(0xd3);
        out.extend_from_slice(&i.to_be_bytes());
    }
}

/// Length header of str (with a fix form) or bin (without).
fn encode_len(n: usize, [m8, m16, m32]: [u8; 3], fix: Option<u8>, out: &mut Vec<u8>) {
    match fix {
        Some(f) if n < 32 => out.push(f | n as u8),
        _ if n <= 0xff => out.extend_from_slice(&[m8, n as u8]),
        _ if n <= 0xffff => {
            out.push(m16);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        _ => {
            out.push(m32);
            out.extend_from_slice(&(n as u32).to_be_bytes());
        }
    }
}

/// Length header of array or map.
fn encode_len16(n: usize, fix: u8, [m16, m32]: [u8; 2], out: &mut Vec<u8>) {
    if n < 16 {
        out.push(fix | n as u8);
    } else if n <= 0xffff {
        out.push(m16);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        out.push(m32);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    }
}

/// Decodes one value.
pub(crate) fn decode(inp: &mut Input<'_>) -> Result<Value, DecodeError> {
    let m = inp.u8()?;
    Ok(match m {
        0x00..=0x7f => Value::Int(i64::from(m)),
        0x80..=0x8f => decode_map(inp, u64::from(m & 0x0f))?,
        0x90..=0x9f => decode_list(inp, u64::from(m & 0x0f))?,
        0xa0..=0xbf => decode_str(inp, u64::from(m & 0x1f))?,
        0xc0 => Value::Null,
        0xc2 => Value::Bool(false),
        0xc3 => Value::Bool(true),
        0xc4 => {
            let n = inp.u8()?;
            decode_bin(inp, n.into())?
        }
        0xc5 => {
            let n = inp.be_u16()?;
            decode_bin(inp, n.into())?
        }
        0xc6 => {
            let n = inp.be_u32()?;
            decode_bin(inp, n.into())?
        }
        0xca => Value::Float(f32::from_be_bytes(inp.array()?).into()),
        0xcb => Value::Float(f64::from_be_bytes(inp.array()?)),
        0xcc => Value::Int(inp.u8()?.into()),
        0xcd => Value::Int(inp.be_u16()?.into()),
        0xce => Value::Int(inp.be_u32()?.into()),
        0xcf => Value::from_u64(inp.be_u64()?),
        0xd0 => Value::Int(i8::from_be_bytes(inp.array()?).into()),
        0xd1 => Value::Int(i16::from_be_bytes(inp.array()?).into()),
        0xd2 => Value::Int(i32::from_be_bytes(inp.array()?).into()),
        0xd3 => Value::Int(i64::from_be_bytes(inp.array()?)),
        0xd9 => {
            let n = inp.u8()?;
            decode_str(inp, n.into())?
        }
        0xda => {
            let n = inp.be_u16()?;
            decode_str(inp, n.into())?
        }
        0xdb => {
            let n = inp.be_u32()?;
            decode_str(inp, n.into())?
        }
        0xdc => {
            let n = inp.be_u16()?;
            decode_list(inp, n.into())?
        }
        0xdd => {
            let n = inp.be_u32()?;
            decode_list(inp, n.into())?
        }
        0xde => {
            let n = inp.be_u16()?;
            decode_map(inp, n.into())?
        }
        0xdf => {
            let n = inp.be_u32()?;
            decode_map(inp, n.into())?
        }
        0xe0..=0xff => Value::Int(i64::from(m as i8)),
        0xc7..=0xc9 | 0xd4..=0xd8 => {
            return Err(DecodeError::syntax(
                FORMAT,
                "extension types are not supported",
            ))
        }
        0xc1 => return Err(DecodeError::syntax(FORMAT, "reserved marker 0xc1")),
    })
}

fn decode_bin(inp: &mut Input<'_>, n: u64) -> Result<Value, DecodeError> {
    let n = inp.len_within(n)?;
    Ok(Value::Bytes(inp.bytes(n)?))
}

fn decode_str(inp: &mut Input<'_>, n: u64) -> Result<Value, DecodeError> {
    let n = inp.len_within(n)?;
    Ok(Value::Str(inp.string(n)?))
}

fn decode_list(inp: &mut Input<'_>, n: u64) -> Result<Value, DecodeError> {
    // Every element takes at least one byte: a count above what is left is truncated.
    let n = inp.len_within(n)?;
    inp.enter()?;
    let mut l = Vec::with_capacity(n);
    for _ in 0..n {
        l.push(decode(inp)?);
    }
    inp.leave();
    Ok(Value::List(l))
}

fn decode_map(inp: &mut Input<'_>, n: u64) -> Result<Value, DecodeError> {
    let n = inp.len_within(n.saturating_mul(2))? / 2;
    inp.enter()?;
    let mut d = Dict::new();
    for _ in 0..n {
        let k = match decode(inp)? {
            Value::Str(s) => s,
            _ => return Err(DecodeError::NonStringKey { format: FORMAT }),
        };
        let v = decode(inp)?;
        d.insert(k, v);
    }
    inp.leave();
    Ok(Value::Dict(d))
}
