//! UBJSON (draft 12): a hand-written codec between bytes and [`Value`].
//!
//! Integers use the smallest marker (`U` for 0..=255, then `i`, `I`, `l`, `L`; above
//! `i64::MAX` the high-precision `H`), floats `D`, byte strings the optimized array
//! `[$U#n` (as py-ubjson does). Decoding accepts every marker, no-ops, and optimized
//! containers; `$` with a zero-width type (Z, T, F, N) is rejected.

use ferrobahn_wamp::{Dict, Value};

use crate::error::DecodeError;
use crate::input::Input;

const FORMAT: &str = "ubjson";

fn int(i: i64, out: &mut Vec<u8>) {
    if (0..=255).contains(&i) {
        out.extend_from_slice(&[b'U', i as u8]);
    } else if i >= i64::from(i8::MIN) && i < 0 {
        out.extend_from_slice(&[b'i', i as i8 as u8]);
    } else if i16::try_from(i).is_ok() {
        out.push(b'I');
        out.extend_from_slice(&(i as i16).to_be_bytes());
    } else if i32::try_from(i).is_ok() {
        out.push(b'l');
        out.extend_from_slice(&(i as i32).to_be_bytes());
    } else {
        out.push(b'L');
        out.extend_from_slice(&i.to_be_bytes());
    }
}

fn len(n: usize, out: &mut Vec<u8>) {
    int(i64::try_from(n).unwrap_or(i64::MAX), out);
}

/// Appends the UBJSON encoding of `v`.
pub(crate) fn encode(v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::Null => out.push(b'Z'),
        Value::Bool(true) => out.push(b'T'),
        Value::Bool(false) => out.push(b'F'),
        Value::Int(i) => int(*i, out),
        Value::UInt(u) => match i64::try_from(*u) {
            Ok(i) => int(i, out),
            Err(_) => {
                let s = u.to_string();
                out.push(b'H');
                len(s.len(), out);
                out.extend_from_slice(s.as_bytes());
            }
        },
        Value::Float(f) => {
            out.push(b'D');
            out.extend_from_slice(&f.to_be_bytes());
        }
        Value::Str(s) => {
            out.push(b'S');
            len(s.len(), out);
            out.extend_from_slice(s.as_bytes());
        }
        Value::Bytes(b) => {
            out.extend_from_slice(b"[$U#");
            len(b.len(), out);
            out.extend_from_slice(b);
        }
        Value::List(l) => {
            out.push(b'[');
            for x in l {
                encode(x, out);
            }
            out.push(b']');
        }
        Value::Dict(d) => {
            out.push(b'{');
            for (k, x) in d {
                len(k.len(), out);
                out.extend_from_slice(k.as_bytes());
                encode(x, out);
            }
            out.push(b'}');
        }
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
fn length(inp: &mut Input<'_>) -> Result<usize, DecodeError> {
    let m = inp.u8()?;
    let n = match typed(inp, m)? {
        Value::Int(i) => i,
        _ => return Err(DecodeError::syntax(FORMAT, "length is not an integer")),
    };
    u64::try_from(n)
        .map_err(|_| DecodeError::syntax(FORMAT, "negative length"))
        .and_then(|n| inp.len_within(n))
}

/// Decodes one value.
pub(crate) fn decode(inp: &mut Input<'_>) -> Result<Value, DecodeError> {
    let m = marker(inp)?;
    typed(inp, m)
}

/// Decodes the value after marker `m`.
fn typed(inp: &mut Input<'_>, m: u8) -> Result<Value, DecodeError> {
    Ok(match m {
        b'Z' => Value::Null,
        b'T' => Value::Bool(true),
        b'F' => Value::Bool(false),
        b'i' => Value::Int(i8::from_be_bytes(inp.array()?).into()),
        b'U' => Value::Int(inp.u8()?.into()),
        b'I' => Value::Int(i16::from_be_bytes(inp.array()?).into()),
        b'l' => Value::Int(i32::from_be_bytes(inp.array()?).into()),
        b'L' => Value::Int(i64::from_be_bytes(inp.array()?)),
        b'd' => Value::Float(f32::from_be_bytes(inp.array()?).into()),
        b'D' => Value::Float(f64::from_be_bytes(inp.array()?)),
        b'H' => {
            let n = length(inp)?;
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
            let n = length(inp)?;
            Value::Str(inp.string(n)?)
        }
        b'[' => {
            inp.enter()?;
            let v = array(inp)?;
            inp.leave();
            v
        }
        b'{' => {
            inp.enter()?;
            let v = object(inp)?;
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
fn container_header(inp: &mut Input<'_>) -> Result<(Option<u8>, Option<usize>), DecodeError> {
    let mut ty = None;
    if inp.peek()? == b'$' {
        inp.u8()?;
        let t = inp.u8()?;
        if matches!(t, b'Z' | b'T' | b'F' | b'N') {
            return Err(DecodeError::syntax(FORMAT, "zero-width typed container"));
        }
        ty = Some(t);
        if inp.peek()? != b'#' {
            return Err(DecodeError::syntax(FORMAT, "typed container without count"));
        }
    }
    if inp.peek()? == b'#' {
        inp.u8()?;
        return Ok((ty, Some(length(inp)?)));
    }
    Ok((None, None))
}

fn element(inp: &mut Input<'_>, ty: Option<u8>) -> Result<Value, DecodeError> {
    match ty {
        Some(t) => typed(inp, t),
        None => decode(inp),
    }
}

fn array(inp: &mut Input<'_>) -> Result<Value, DecodeError> {
    let (ty, count) = container_header(inp)?;
    if let (Some(b'U'), Some(n)) = (ty, count) {
        return Ok(Value::Bytes(inp.bytes(n)?));
    }
    let mut l = Vec::new();
    match count {
        Some(n) => {
            l.reserve_exact(n);
            for _ in 0..n {
                l.push(element(inp, ty)?);
            }
        }
        None => loop {
            let m = marker(inp)?;
            if m == b']' {
                break;
            }
            l.push(typed(inp, m)?);
        },
    }
    Ok(Value::List(l))
}

fn object(inp: &mut Input<'_>) -> Result<Value, DecodeError> {
    let (ty, count) = container_header(inp)?;
    let mut d = Dict::new();
    let key = |inp: &mut Input<'_>| -> Result<String, DecodeError> {
        let n = length(inp)?;
        inp.string(n)
    };
    match count {
        Some(n) => {
            for _ in 0..n {
                let k = key(inp)?;
                d.insert(k, element(inp, ty)?);
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
            d.insert(k, decode(inp)?);
        },
    }
    Ok(Value::Dict(d))
}
