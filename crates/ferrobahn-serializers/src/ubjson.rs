//! UBJSON: a hand-written codec between bytes and [`Value`], in two dialects.
//!
//! [`Dialect::BjData`] (the default behind `wamp.2.ubjson`) is Binary JData
//! (BJData draft 3), which AutobahnPython (since it moved from `py-ubjson` to the
//! `bjdata` package) and Crossbar.io speak under the WAMP name "ubjson": numbers are
//! little-endian, unsigned integers have their own markers (`U` `u` `m` `M`), and
//! byte strings are the optimized byte array `[$B#n`. [`Dialect::Draft12`] is
//! UBJSON draft 12 as `py-ubjson` wrote it: big-endian numbers, signed markers only,
//! byte strings as `[$U#n`.
//!
//! Integers use the smallest marker; floats are `D` (float64); a `u64` above
//! `i64::MAX` is `M` in BJData and the high-precision `H` in draft 12. Decoding
//! accepts every marker of the dialect, no-ops, and optimized containers; a `$`
//! with a zero-width type (Z, T, F, N) and BJData's N-dimensional and
//! structure-of-arrays containers are refused with a typed error.

use ferrobahn_wamp::message::{Element, ElementSink};
use ferrobahn_wamp::{Dict, Value};

use crate::error::{DecodeError, EncodeError};
use crate::input::Input;

const FORMAT: &str = "ubjson";

/// The two wire dialects behind the WAMP serializer name "ubjson".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Dialect {
    /// Binary JData (little-endian), as AutobahnPython and Crossbar.io send it.
    BjData,
    /// UBJSON draft 12 (big-endian), as `py-ubjson` sends it.
    Draft12,
}

impl Dialect {
    fn is_le(self) -> bool {
        self == Dialect::BjData
    }
}

/// Writes a number's bytes in the dialect's byte order.
macro_rules! put {
    ($d:expr, $out:expr, $x:expr) => {
        if $d.is_le() {
            $out.extend_from_slice(&$x.to_le_bytes())
        } else {
            $out.extend_from_slice(&$x.to_be_bytes())
        }
    };
}

/// Reads a number of type `$t` in the dialect's byte order.
macro_rules! get {
    ($d:expr, $inp:expr, $t:ty) => {{
        let a = $inp.array()?;
        if $d.is_le() {
            <$t>::from_le_bytes(a)
        } else {
            <$t>::from_be_bytes(a)
        }
    }};
}

fn int(d: Dialect, i: i64, out: &mut Vec<u8>) {
    if let Ok(u) = u64::try_from(i) {
        if d == Dialect::BjData {
            return uint(u, out);
        }
    }
    if (0..=255).contains(&i) {
        out.extend_from_slice(&[b'U', i as u8]);
    } else if i >= i64::from(i8::MIN) && i < 0 {
        out.extend_from_slice(&[b'i', i as i8 as u8]);
    } else if let Ok(x) = i16::try_from(i) {
        out.push(b'I');
        put!(d, out, x);
    } else if let Ok(x) = i32::try_from(i) {
        out.push(b'l');
        put!(d, out, x);
    } else {
        out.push(b'L');
        put!(d, out, i);
    }
}

/// BJData's unsigned integers: `U`, `u`, `m`, `M` (little-endian).
fn uint(u: u64, out: &mut Vec<u8>) {
    if let Ok(x) = u8::try_from(u) {
        out.extend_from_slice(&[b'U', x]);
    } else if let Ok(x) = u16::try_from(u) {
        out.push(b'u');
        out.extend_from_slice(&x.to_le_bytes());
    } else if let Ok(x) = u32::try_from(u) {
        out.push(b'm');
        out.extend_from_slice(&x.to_le_bytes());
    } else {
        out.push(b'M');
        out.extend_from_slice(&u.to_le_bytes());
    }
}

fn len(d: Dialect, n: usize, out: &mut Vec<u8>) {
    int(d, i64::try_from(n).unwrap_or(i64::MAX), out);
}

/// Appends the encoding of `v` in dialect `d`.
pub(crate) fn encode(d: Dialect, v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::Null => out.push(b'Z'),
        Value::Bool(true) => out.push(b'T'),
        Value::Bool(false) => out.push(b'F'),
        Value::Int(i) => int(d, *i, out),
        Value::UInt(u) => match (d, i64::try_from(*u)) {
            (Dialect::BjData, _) => uint(*u, out),
            (Dialect::Draft12, Ok(i)) => int(d, i, out),
            (Dialect::Draft12, Err(_)) => {
                let s = u.to_string();
                out.push(b'H');
                len(d, s.len(), out);
                out.extend_from_slice(s.as_bytes());
            }
        },
        Value::Float(f) => {
            out.push(b'D');
            put!(d, out, f);
        }
        Value::Str(s) => encode_str(d, s, out),
        Value::Bytes(b) => {
            out.extend_from_slice(match d {
                Dialect::BjData => b"[$B#",
                Dialect::Draft12 => b"[$U#",
            });
            len(d, b.len(), out);
            out.extend_from_slice(b);
        }
        Value::List(l) => encode_list(d, l, out),
        Value::Dict(m) => encode_dict(d, m, out),
    }
}

fn encode_str(d: Dialect, s: &str, out: &mut Vec<u8>) {
    out.push(b'S');
    len(d, s.len(), out);
    out.extend_from_slice(s.as_bytes());
}

fn encode_list(d: Dialect, l: &[Value], out: &mut Vec<u8>) {
    out.push(b'[');
    for x in l {
        encode(d, x, out);
    }
    out.push(b']');
}

fn encode_dict(d: Dialect, m: &Dict, out: &mut Vec<u8>) {
    out.push(b'{');
    for (k, x) in m {
        len(d, k.len(), out);
        out.extend_from_slice(k.as_bytes());
        encode(d, x, out);
    }
    out.push(b'}');
}

/// Encodes a message's list form in a dialect as [`Message::write_to`] lends it: the
/// same bytes as [`encode`] of [`Message::to_value`], without the copy.
///
/// [`Message::write_to`]: ferrobahn_wamp::Message::write_to
/// [`Message::to_value`]: ferrobahn_wamp::Message::to_value
pub(crate) struct Sink<'o>(pub(crate) Dialect, pub(crate) &'o mut Vec<u8>);

impl ElementSink for Sink<'_> {
    type Error = EncodeError;
    fn begin(&mut self, _len: usize) -> Result<(), EncodeError> {
        self.1.push(b'[');
        Ok(())
    }
    fn element(&mut self, e: Element<'_>) -> Result<(), EncodeError> {
        let (d, out) = (self.0, &mut *self.1);
        match e {
            Element::UInt(u) => encode(d, &Value::from_u64(u), out),
            Element::Str(s) => encode_str(d, s, out),
            Element::List(l) => encode_list(d, l, out),
            Element::Dict(m) => encode_dict(d, m, out),
            Element::Value(v) => encode(d, v, out),
        }
        Ok(())
    }
    fn begin_dict(&mut self, _len: usize) -> Result<(), EncodeError> {
        self.1.push(b'{');
        Ok(())
    }
    fn key(&mut self, key: &str) -> Result<(), EncodeError> {
        len(self.0, key.len(), self.1);
        self.1.extend_from_slice(key.as_bytes());
        Ok(())
    }
    fn end_dict(&mut self) -> Result<(), EncodeError> {
        self.1.push(b'}');
        Ok(())
    }
    fn end(&mut self) -> Result<(), EncodeError> {
        self.1.push(b']');
        Ok(())
    }
}

/// Reads a marker, skipping no-ops.
fn marker(inp: &mut Input<'_>) -> Result<u8, DecodeError> {
    loop {
        let m = inp.u8()?;
        if m != b'N' {
            return Ok(m);
        }
    }
}

/// A length: an integer value (with its marker) that must be non-negative.
fn length(d: Dialect, inp: &mut Input<'_>) -> Result<usize, DecodeError> {
    let m = inp.u8()?;
    let n = match typed(d, inp, m)? {
        Value::Int(i) => {
            u64::try_from(i).map_err(|_| DecodeError::syntax(FORMAT, "negative length"))?
        }
        Value::UInt(u) => u,
        _ => return Err(DecodeError::syntax(FORMAT, "length is not an integer")),
    };
    inp.len_within(n)
}

/// Decodes one value in dialect `d`.
pub(crate) fn decode(d: Dialect, inp: &mut Input<'_>) -> Result<Value, DecodeError> {
    let m = marker(inp)?;
    typed(d, inp, m)
}

/// IEEE 754 half precision to `f32` (BJData's `h`).
fn half(bits: u16) -> f32 {
    let sign = if bits & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = i32::from((bits >> 10) & 0x1f);
    let frac = f32::from(bits & 0x3ff);
    sign * match exp {
        0 => frac * 2f32.powi(-24),
        31 if frac == 0.0 => f32::INFINITY,
        31 => f32::NAN,
        _ => (1.0 + frac / 1024.0) * 2f32.powi(exp - 15),
    }
}

/// Decodes the value after marker `m`.
fn typed(d: Dialect, inp: &mut Input<'_>, m: u8) -> Result<Value, DecodeError> {
    let bj = d == Dialect::BjData;
    Ok(match m {
        b'Z' => Value::Null,
        b'T' => Value::Bool(true),
        b'F' => Value::Bool(false),
        b'i' => Value::Int(inp.u8()? as i8 as i64),
        b'U' => Value::Int(inp.u8()?.into()),
        b'B' if bj => Value::Int(inp.u8()?.into()),
        b'I' => Value::Int(get!(d, inp, i16).into()),
        b'u' if bj => Value::Int(get!(d, inp, u16).into()),
        b'l' => Value::Int(get!(d, inp, i32).into()),
        b'm' if bj => Value::Int(get!(d, inp, u32).into()),
        b'L' => Value::Int(get!(d, inp, i64)),
        b'M' if bj => {
            let u = get!(d, inp, u64);
            i64::try_from(u).map_or(Value::UInt(u), Value::Int)
        }
        b'h' if bj => Value::Float(half(get!(d, inp, u16)).into()),
        b'd' => Value::Float(get!(d, inp, f32).into()),
        b'D' => Value::Float(get!(d, inp, f64)),
        b'H' => {
            let n = length(d, inp)?;
            let s = inp.string(n)?;
            if let Ok(i) = s.parse::<i64>() {
                Value::Int(i)
            } else if let Ok(u) = s.parse::<u64>() {
                Value::UInt(u)
            } else if let Ok(f) = s.parse::<f64>() {
                Value::Float(f)
            } else {
                return Err(DecodeError::syntax(FORMAT, "invalid high-precision number"));
            }
        }
        b'C' => {
            let c = inp.u8()?;
            if !c.is_ascii() {
                return Err(DecodeError::InvalidUtf8 { format: FORMAT });
            }
            Value::Str(char::from(c).to_string())
        }
        b'S' => {
            let n = length(d, inp)?;
            Value::Str(inp.string(n)?)
        }
        b'[' => {
            inp.enter()?;
            let v = array(d, inp)?;
            inp.leave();
            v
        }
        b'{' => {
            inp.enter()?;
            let v = object(d, inp)?;
            inp.leave();
            v
        }
        other => {
            return Err(DecodeError::syntax(
                FORMAT,
                format!("unknown marker {other:#04x}"),
            ))
        }
    })
}

/// Reads an optional `$type` and `#count` after `[` or `{`.
fn container_header(
    d: Dialect,
    inp: &mut Input<'_>,
) -> Result<(Option<u8>, Option<usize>), DecodeError> {
    let mut ty = None;
    if inp.peek()? == b'$' {
        inp.u8()?;
        let t = inp.u8()?;
        match t {
            b'Z' | b'T' | b'F' | b'N' => {
                return Err(DecodeError::syntax(FORMAT, "zero-width typed container"))
            }
            b'{' => {
                return Err(DecodeError::syntax(
                    FORMAT,
                    "structure-of-arrays containers are not supported",
                ))
            }
            _ => {}
        }
        ty = Some(t);
        if inp.peek()? != b'#' {
            return Err(DecodeError::syntax(FORMAT, "typed container without count"));
        }
    }
    if inp.peek()? == b'#' {
        inp.u8()?;
        if inp.peek()? == b'[' {
            return Err(DecodeError::syntax(
                FORMAT,
                "N-dimensional arrays are not supported",
            ));
        }
        return Ok((ty, Some(length(d, inp)?)));
    }
    Ok((None, None))
}

fn element(d: Dialect, inp: &mut Input<'_>, ty: Option<u8>) -> Result<Value, DecodeError> {
    match ty {
        Some(t) => typed(d, inp, t),
        None => decode(d, inp),
    }
}

fn array(d: Dialect, inp: &mut Input<'_>) -> Result<Value, DecodeError> {
    let (ty, count) = container_header(d, inp)?;
    let bytes_marker = match d {
        Dialect::BjData => b'B',
        Dialect::Draft12 => b'U',
    };
    if let (Some(t), Some(n)) = (ty, count) {
        if t == bytes_marker {
            return Ok(Value::Bytes(inp.bytes(n)?));
        }
    }
    let mut l = Vec::new();
    match count {
        Some(n) => {
            l.reserve_exact(n);
            for _ in 0..n {
                l.push(element(d, inp, ty)?);
            }
        }
        None => loop {
            let m = marker(inp)?;
            if m == b']' {
                break;
            }
            l.push(typed(d, inp, m)?);
        },
    }
    Ok(Value::List(l))
}

fn object(d: Dialect, inp: &mut Input<'_>) -> Result<Value, DecodeError> {
    let (ty, count) = container_header(d, inp)?;
    let mut m = Dict::new();
    let key = |inp: &mut Input<'_>| -> Result<String, DecodeError> {
        let n = length(d, inp)?;
        inp.string(n)
    };
    match count {
        Some(n) => {
            for _ in 0..n {
                let k = key(inp)?;
                m.insert(k, element(d, inp, ty)?);
            }
        }
        None => loop {
            while inp.peek()? == b'N' {
                inp.u8()?;
            }
            if inp.peek()? == b'}' {
                inp.u8()?;
                break;
            }
            let k = key(inp)?;
            m.insert(k, decode(d, inp)?);
        },
    }
    Ok(Value::Dict(m))
}
