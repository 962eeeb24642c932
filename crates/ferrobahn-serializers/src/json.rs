//! JSON with WAMP's binary convention: a byte string travels as a JSON string holding
//! `"\0"` followed by the standard base64 (with padding) of the bytes.

use std::fmt;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use bytes::Bytes;
use ferrobahn_wamp::message::{Element, ElementSink};
use ferrobahn_wamp::{Dict, Value};
use serde::de::{self, DeserializeSeed, Visitor};

use crate::error::{DecodeError, EncodeError};

const FORMAT: &str = "json";

/// Appends the JSON text of `v`: compact, as `serde_json` writes it (the same escapes,
/// integers and floats), bytes as `"\u0000" + base64`, no NaN/infinity.
pub(crate) fn encode(v: &Value, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    match v {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Int(i) => out.extend_from_slice(itoa::Buffer::new().format(*i).as_bytes()),
        Value::UInt(u) => encode_uint(*u, out),
        Value::Float(f) if f.is_finite() => serde_json::to_writer(&mut *out, f)
            .map_err(|_| EncodeError::NonFiniteFloat { format: FORMAT })?,
        Value::Float(_) => return Err(EncodeError::NonFiniteFloat { format: FORMAT }),
        Value::Str(s) => encode_str(s, out),
        Value::Bytes(b) => {
            out.extend_from_slice(b"\"\\u0000");
            let at = out.len();
            out.resize(at + b.len().div_ceil(3) * 4, 0);
            let n = STANDARD
                .encode_slice(b, &mut out[at..])
                .map_err(|_| EncodeError::TooLarge(b.len()))?;
            out.truncate(at + n);
            out.push(b'"');
        }
        Value::List(l) => encode_list(l, out)?,
        Value::Dict(d) => encode_dict(d, out)?,
    }
    Ok(())
}

fn encode_uint(u: u64, out: &mut Vec<u8>) {
    out.extend_from_slice(itoa::Buffer::new().format(u).as_bytes());
}

fn encode_list(l: &[Value], out: &mut Vec<u8>) -> Result<(), EncodeError> {
    out.push(b'[');
    for (i, x) in l.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        encode(x, out)?;
    }
    out.push(b']');
    Ok(())
}

fn encode_dict(d: &Dict, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    out.push(b'{');
    for (i, (k, x)) in d.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        encode_str(k, out);
        out.push(b':');
        encode(x, out)?;
    }
    out.push(b'}');
    Ok(())
}

/// What a byte becomes in a JSON string (`serde_json`'s table): 0 = itself, `u` =
/// `\u00XX`, anything else = a backslash and that letter.
static ESCAPE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = b'u';
        i += 1;
    }
    t[0x08] = b'b';
    t[0x09] = b't';
    t[0x0a] = b'n';
    t[0x0c] = b'f';
    t[0x0d] = b'r';
    t[b'"' as usize] = b'"';
    t[b'\\' as usize] = b'\\';
    t
};

/// Bytes looked at together for a byte to escape.
pub(crate) const BLOCK: usize = 64;

/// Whether any byte of `block` is below 0x20, a quote or a backslash (the bytes JSON
/// escapes). Written without branches per byte, so the compiler checks a block in a few
/// vector instructions.
pub(crate) fn needs_escape(block: &[u8; BLOCK]) -> bool {
    let mut any = 0u8;
    for &c in block {
        any |= u8::from(c < 0x20) | u8::from(c == b'"') | u8::from(c == b'\\');
    }
    any != 0
}

/// Appends `s` as a JSON string, escaped as `serde_json` escapes it. Blocks without a
/// byte to escape are skipped whole and copied with the run they belong to.
fn encode_str(s: &str, out: &mut Vec<u8>) {
    let b = s.as_bytes();
    out.reserve(b.len() + 2);
    out.push(b'"');
    // `run`: the first byte not copied yet.
    let mut run = 0;
    let mut blocks = b.chunks_exact(BLOCK);
    let mut at = 0;
    for block in &mut blocks {
        if needs_escape(block.try_into().unwrap_or(&[0; BLOCK])) {
            escape_bytes(b, at, at + BLOCK, &mut run, out);
        }
        at += BLOCK;
    }
    escape_bytes(b, at, b.len(), &mut run, out);
    out.extend_from_slice(&b[run..]);
    out.push(b'"');
}

/// Escapes the bytes `from..to` of `b` that need it, first copying the plain run before
/// each one (from `*run`).
fn escape_bytes(b: &[u8], from: usize, to: usize, run: &mut usize, out: &mut Vec<u8>) {
    for (i, &c) in b.iter().enumerate().take(to).skip(from) {
        let esc = ESCAPE[usize::from(c)];
        if esc == 0 {
            continue;
        }
        out.extend_from_slice(&b[*run..i]);
        if esc == b'u' {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(c >> 4)],
                HEX[usize::from(c & 0xf)],
            ]);
        } else {
            out.extend_from_slice(&[b'\\', esc]);
        }
        *run = i + 1;
    }
}

/// Encodes a message's list form as [`Message::write_to`] lends it: the same bytes as
/// [`encode`] of [`Message::to_value`], without the copy.
///
/// [`Message::write_to`]: ferrobahn_wamp::Message::write_to
/// [`Message::to_value`]: ferrobahn_wamp::Message::to_value
pub(crate) struct Sink<'o> {
    out: &'o mut Vec<u8>,
    /// No element of the list written yet.
    first: bool,
    /// Inside a lent dictionary: whether no entry of it is written yet.
    dict_first: Option<bool>,
}

impl<'o> Sink<'o> {
    pub(crate) fn new(out: &'o mut Vec<u8>) -> Self {
        Self {
            out,
            first: true,
            dict_first: None,
        }
    }

    /// The comma before a list element, unless it is the first.
    fn separate(&mut self) {
        if !std::mem::take(&mut self.first) {
            self.out.push(b',');
        }
    }
}

impl ElementSink for Sink<'_> {
    type Error = EncodeError;
    fn begin(&mut self, _len: usize) -> Result<(), EncodeError> {
        self.out.push(b'[');
        Ok(())
    }
    fn element(&mut self, e: Element<'_>) -> Result<(), EncodeError> {
        // A dictionary entry's value follows its key and colon directly.
        if self.dict_first.is_none() {
            self.separate();
        }
        match e {
            Element::UInt(u) => encode_uint(u, self.out),
            Element::Str(s) => encode_str(s, self.out),
            Element::List(l) => encode_list(l, self.out)?,
            Element::Dict(d) => encode_dict(d, self.out)?,
            Element::Value(v) => encode(v, self.out)?,
        }
        Ok(())
    }
    fn begin_dict(&mut self, _len: usize) -> Result<(), EncodeError> {
        self.separate();
        self.out.push(b'{');
        self.dict_first = Some(true);
        Ok(())
    }
    fn key(&mut self, key: &str) -> Result<(), EncodeError> {
        if self.dict_first.replace(false) == Some(false) {
            self.out.push(b',');
        }
        encode_str(key, self.out);
        self.out.push(b':');
        Ok(())
    }
    fn end_dict(&mut self) -> Result<(), EncodeError> {
        self.dict_first = None;
        self.out.push(b'}');
        Ok(())
    }
    fn end(&mut self) -> Result<(), EncodeError> {
        self.out.push(b']');
        Ok(())
    }
}

/// Decodes one JSON document.
///
/// The whole document is checked to be UTF-8 first, with SIMD, and then parsed as a
/// `str`, so that serde_json does not validate each string again as it goes (a 4 KiB
/// string argument cost about 2,000 instructions that way). Input that is not UTF-8 is
/// parsed from its bytes, for serde_json's own error. What the fast path
/// ([`crate::json_fast`]) declines is parsed by serde_json.
pub(crate) fn decode(data: &[u8], max_depth: usize) -> Result<Value, DecodeError> {
    match simdutf8::basic::from_utf8(data) {
        Ok(text) => match crate::json_fast::decode(text, max_depth) {
            Some(v) => Ok(v),
            None => decode_with(serde_json::Deserializer::from_str(text), max_depth),
        },
        Err(_) => decode_with(serde_json::Deserializer::from_slice(data), max_depth),
    }
}

pub(crate) fn decode_with<'de, R: serde_json::de::Read<'de>>(
    mut de: serde_json::Deserializer<R>,
    max_depth: usize,
) -> Result<Value, DecodeError> {
    let v = Seed {
        depth: 0,
        max_depth,
    }
    .deserialize(&mut de)
    .map_err(map_err)?;
    de.end().map_err(map_err)?;
    Ok(v)
}

fn map_err(e: serde_json::Error) -> DecodeError {
    use serde_json::error::Category;
    match e.classify() {
        Category::Eof => DecodeError::Truncated { format: FORMAT },
        _ => {
            let msg = e.to_string();
            if msg.starts_with(BASE64_ERR) {
                DecodeError::InvalidBase64
            } else if let Some(rest) = msg.strip_prefix(DEPTH_ERR) {
                let limit = rest
                    .split(|c: char| !c.is_ascii_digit())
                    .next()
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0);
                DecodeError::TooDeep {
                    format: FORMAT,
                    limit,
                }
            } else {
                DecodeError::syntax(FORMAT, msg)
            }
        }
    }
}

const BASE64_ERR: &str = "invalid base64 in binary string";
const DEPTH_ERR: &str = "nesting deeper than ";

/// Builds a [`Value`], turning `"\0..."` strings into bytes and bounding the depth.
#[derive(Clone, Copy)]
struct Seed {
    depth: usize,
    max_depth: usize,
}

impl Seed {
    fn inner<E: de::Error>(self) -> Result<Seed, E> {
        if self.depth >= self.max_depth {
            return Err(E::custom(format_args!("{DEPTH_ERR}{}", self.max_depth)));
        }
        Ok(Seed {
            depth: self.depth + 1,
            max_depth: self.max_depth,
        })
    }
}

fn string_value<E: de::Error>(s: &str) -> Result<Value, E> {
    match s.strip_prefix('\0') {
        Some(b64) => STANDARD
            .decode(b64)
            .map(|b| Value::Bytes(Bytes::from(b)))
            .map_err(|_| E::custom(BASE64_ERR)),
        None => Ok(Value::Str(s.to_owned())),
    }
}

impl<'de> DeserializeSeed<'de> for Seed {
    type Value = Value;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Seed {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from_u64(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        string_value(v)
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        if v.starts_with('\0') {
            string_value(&v)
        } else {
            Ok(Value::Str(v))
        }
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let inner = self.inner()?;
        let mut l = Vec::new();
        while let Some(v) = seq.next_element_seed(inner)? {
            l.push(v);
        }
        Ok(Value::List(l))
    }
    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let inner = self.inner()?;
        let mut d = Dict::new();
        while let Some(k) = map.next_key::<String>()? {
            let v = map.next_value_seed(inner)?;
            d.insert(k, v);
        }
        Ok(Value::Dict(d))
    }
}
