//! CBOR (RFC 8949): a hand-written codec between bytes and [`Value`].
//!
//! Encoding uses definite lengths and the shortest argument form; floats are written as
//! float64. Decoding accepts definite and indefinite lengths, half/single/double floats,
//! `undefined` as null, and skips tags (the tagged item is kept). Non-text map keys and
//! other simple values are rejected.

use ferrobahn_wamp::message::{Element, ElementSink};
use ferrobahn_wamp::{Dict, Value};

use crate::error::{DecodeError, EncodeError};
use crate::input::Input;

const FORMAT: &str = "cbor";
const BREAK: u8 = 0xff;

fn head(major: u8, n: u64, out: &mut Vec<u8>) {
    let m = major << 5;
    if n < 24 {
        out.push(m | n as u8);
    } else if n <= 0xff {
        out.extend_from_slice(&[m | 24, n as u8]);
    } else if n <= 0xffff {
        out.push(m | 25);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else if n <= 0xffff_ffff {
        out.push(m | 26);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    } else {
        out.push(m | 27);
        out.extend_from_slice(&n.to_be_bytes());
    }
}

/// Appends the CBOR encoding of `v`.
pub(crate) fn encode(v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::Null => out.push(0xf6),
        Value::Bool(false) => out.push(0xf4),
        Value::Bool(true) => out.push(0xf5),
        Value::Int(i) if *i >= 0 => head(0, *i as u64, out),
        Value::Int(i) => head(1, !(*i) as u64, out),
        Value::UInt(u) => head(0, *u, out),
        Value::Float(f) => {
            out.push(0xfb);
            out.extend_from_slice(&f.to_be_bytes());
        }
        Value::Str(s) => encode_str(s, out),
        Value::Bytes(b) => {
            head(2, b.len() as u64, out);
            out.extend_from_slice(b);
        }
        Value::List(l) => encode_list(l, out),
        Value::Dict(d) => encode_dict(d, out),
    }
}

fn encode_str(s: &str, out: &mut Vec<u8>) {
    head(3, s.len() as u64, out);
    out.extend_from_slice(s.as_bytes());
}

fn encode_list(l: &[Value], out: &mut Vec<u8>) {
    head(4, l.len() as u64, out);
    for x in l {
        encode(x, out);
    }
}

fn encode_dict(d: &Dict, out: &mut Vec<u8>) {
    head(5, d.len() as u64, out);
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
        head(4, len as u64, self.0);
        Ok(())
    }
    fn element(&mut self, e: Element<'_>) -> Result<(), EncodeError> {
        match e {
            Element::UInt(u) => head(0, u, self.0),
            Element::Str(s) => encode_str(s, self.0),
            Element::List(l) => encode_list(l, self.0),
            Element::Dict(d) => encode_dict(d, self.0),
            Element::Value(v) => encode(v, self.0),
        }
        Ok(())
    }
    fn begin_dict(&mut self, len: usize) -> Result<(), EncodeError> {
        head(5, len as u64, self.0);
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

/// The argument of an initial byte: `Some(n)`, or `None` for an indefinite length.
fn argument(inp: &mut Input<'_>, info: u8) -> Result<Option<u64>, DecodeError> {
    Ok(Some(match info {
        0..=23 => u64::from(info),
        24 => u64::from(inp.u8()?),
        25 => u64::from(inp.be_u16()?),
        26 => u64::from(inp.be_u32()?),
        27 => inp.be_u64()?,
        31 => return Ok(None),
        _ => {
            return Err(DecodeError::syntax(
                FORMAT,
                "reserved additional information",
            ))
        }
    }))
}

fn definite(inp: &mut Input<'_>, info: u8) -> Result<u64, DecodeError> {
    argument(inp, info)?
        .ok_or_else(|| DecodeError::syntax(FORMAT, "indefinite length not allowed here"))
}

fn f16_to_f64(h: u16) -> f64 {
    let sign = if h & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = i32::from((h >> 10) & 0x1f);
    let mant = f64::from(h & 0x3ff);
    sign * match exp {
        0 => mant * 2f64.powi(-24),
        31 if mant == 0.0 => f64::INFINITY,
        31 => f64::NAN,
        _ => (mant + 1024.0) * 2f64.powi(exp - 25),
    }
}

/// Decodes one data item.
pub(crate) fn decode(inp: &mut Input<'_>) -> Result<Value, DecodeError> {
    let ib = inp.u8()?;
    let (major, info) = (ib >> 5, ib & 0x1f);
    match major {
        0 => Ok(Value::from_u64(definite(inp, info)?)),
        1 => {
            let n = definite(inp, info)?;
            let n =
                i64::try_from(n).map_err(|_| DecodeError::IntegerOutOfRange { format: FORMAT })?;
            Ok(Value::Int(-1 - n))
        }
        2 => match argument(inp, info)? {
            Some(n) => {
                let n = inp.len_within(n)?;
                Ok(Value::Bytes(inp.bytes(n)?))
            }
            None => Ok(Value::Bytes(chunks(inp, 2)?.into())),
        },
        3 => match argument(inp, info)? {
            Some(n) => {
                let n = inp.len_within(n)?;
                Ok(Value::Str(inp.string(n)?))
            }
            None => String::from_utf8(chunks(inp, 3)?)
                .map(Value::Str)
                .map_err(|_| DecodeError::InvalidUtf8 { format: FORMAT }),
        },
        4 => {
            let len = argument(inp, info)?;
            inp.enter()?;
            let mut l = Vec::new();
            match len {
                Some(n) => {
                    let n = inp.len_within(n)?;
                    l.reserve_exact(n);
                    for _ in 0..n {
                        l.push(decode(inp)?);
                    }
                }
                None => {
                    while inp.peek()? != BREAK {
                        l.push(decode(inp)?);
                    }
                    inp.u8()?;
                }
            }
            inp.leave();
            Ok(Value::List(l))
        }
        5 => {
            let len = argument(inp, info)?;
            inp.enter()?;
            let mut d = Dict::new();
            match len {
                Some(n) => {
                    let n = inp.len_within(n.saturating_mul(2))? / 2;
                    for _ in 0..n {
                        entry(inp, &mut d)?;
                    }
                }
                None => {
                    while inp.peek()? != BREAK {
                        entry(inp, &mut d)?;
                    }
                    inp.u8()?;
                }
            }
            inp.leave();
            Ok(Value::Dict(d))
        }
        6 => {
            // A tag: skip it, keep the tagged item.
            definite(inp, info)?;
            inp.enter()?;
            let v = decode(inp)?;
            inp.leave();
            Ok(v)
        }
        _ => match info {
            20 => Ok(Value::Bool(false)),
            21 => Ok(Value::Bool(true)),
            22 | 23 => Ok(Value::Null),
            25 => Ok(Value::Float(f16_to_f64(inp.be_u16()?))),
            26 => Ok(Value::Float(f32::from_be_bytes(inp.array()?).into())),
            27 => Ok(Value::Float(f64::from_be_bytes(inp.array()?))),
            31 => Err(DecodeError::syntax(FORMAT, "unexpected break")),
            _ => Err(DecodeError::syntax(FORMAT, "unsupported simple value")),
        },
    }
}

fn entry(inp: &mut Input<'_>, d: &mut Dict) -> Result<(), DecodeError> {
    let k = match decode(inp)? {
        Value::Str(s) => s,
        _ => return Err(DecodeError::NonStringKey { format: FORMAT }),
    };
    let v = decode(inp)?;
    d.insert(k, v);
    Ok(())
}

/// The concatenated chunks of an indefinite-length byte or text string.
fn chunks(inp: &mut Input<'_>, major: u8) -> Result<Vec<u8>, DecodeError> {
    let mut buf = Vec::new();
    loop {
        let ib = inp.u8()?;
        if ib == BREAK {
            return Ok(buf);
        }
        if ib >> 5 != major {
            return Err(DecodeError::syntax(FORMAT, "chunk of the wrong type"));
        }
        let n = definite(inp, ib & 0x1f)?;
        let n = inp.len_within(n)?;
        let chunk = inp.take(n)?;
        if major == 3 && std::str::from_utf8(chunk).is_err() {
            return Err(DecodeError::InvalidUtf8 { format: FORMAT });
        }
        buf.extend_from_slice(chunk);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_floats() {
        assert_eq!(f16_to_f64(0x3c00), 1.0);
        assert_eq!(f16_to_f64(0xc000), -2.0);
        assert_eq!(f16_to_f64(0x0001), 5.960464477539063e-8);
        assert_eq!(f16_to_f64(0x7c00), f64::INFINITY);
        assert!(f16_to_f64(0x7e00).is_nan());
    }
}
